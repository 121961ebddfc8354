"""Benchmark: registration through the whole stack, against a bare Litestar app.

    python benchmarks/registration.py            # full size: 50 clients, 20 s per target
    python benchmarks/registration.py --quick    # a few seconds, for CI

Starts ``zhijia serve --demo`` in a subprocess (SQLite file; PostgreSQL too when
ZHIJIA_BENCH_POSTGRES_URL names an admin URL that may create databases) and the bare app of
``bare_app.py`` under the same uvicorn with the same worker count. Every client is a team
leader signed in once before timing (argon2 is paid there, not in the figures), then enters
one of its own team's people in an event and withdraws them again, over and over: session
cookie, CSRF header, the rules under lock, the write and its audit row. The baseline clients
send the same requests to the bare app.

Each target is measured twice on the same server:
- saturated: every client sends its next request as soon as the last one is answered, so the
  server is always busy and the figure is its throughput. With 50 clients that never pause, a
  request's latency is mostly its wait behind the other 49 (Little's law: 50 / throughput).
- paced: the clients together offer a fixed rate (``--rate``, full: 200 requests/s, four taps a
  second from each of the 50 leaders), each request sent at its scheduled moment whether or
  not the last one was answered; its latency runs from that moment (so a stalled server's
  backlog counts against it). This is the latency a leader feels on a busy but not saturated
  server; the p99 goal is read here.

Prints the tables, then as the last line one JSON object: figures, baseline, ratio (zhijia
throughput / bare throughput), the paced latencies and the goals (≥ 25 % of bare throughput;
p99 < 100 ms). No pass/fail here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.live_server import (  # noqa: E402
    LiveServer,
    bare_server,
    create_database,
    database_url,
    drop_database,
    zhijia_server,
)

PASSWORD = "zhijia2026"
TEAMS = 8
EVENT_CODE = "XQ"  # 中国象棋: open to men and women, no team quota
PG_ENV = "ZHIJIA_BENCH_POSTGRES_URL"
GOAL_RATIO = 0.25
GOAL_P99_MS = 100.0


@dataclass(frozen=True)
class Size:
    name: str
    clients: int
    warmup: float
    duration: float
    rate: float  # requests per second offered by all clients together in the paced run


FULL = Size("full", clients=50, warmup=3.0, duration=20.0, rate=200.0)
QUICK = Size("quick", clients=10, warmup=0.5, duration=2.0, rate=40.0)


@dataclass
class Figures:
    target: str
    clients: int
    seconds: float
    offered_rate: float | None = None  # paced runs: requests per second offered
    requests: int = 0
    errors: int = 0
    throughput: float = 0.0  # successful requests per second
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    client_cpu: float = 0.0  # share of one core used by this load generator
    server_cpu: float = 0.0  # cores' worth used by the server's processes
    error_examples: list[str] = field(default_factory=list)


@dataclass
class Client:
    http: httpx.AsyncClient
    team_id: int
    people: list[int]
    event_id: int
    csrf: dict[str, str] = field(default_factory=dict)


def new_http(base_url: str) -> httpx.AsyncClient:
    # One connection per client, dropped before uvicorn's 5 s keep-alive would close it.
    return httpx.AsyncClient(
        base_url=base_url, timeout=httpx.Timeout(30.0),
        limits=httpx.Limits(max_connections=1, keepalive_expiry=2.0),
    )


async def sign_in(base_url: str, index: int, total: int, gate: asyncio.Semaphore) -> Client:
    """Client ``index`` of ``total``: the leader of team (index mod 8), with people no other client uses."""
    team_no = index % TEAMS + 1
    nth = index // TEAMS  # this client's rank among its team's clients
    http = new_http(base_url)
    async with gate:
        await http.get("/api/me")  # the CSRF cookie
        csrf = {"x-csrftoken": http.cookies["zhijia_csrf"]}
        response = await http.post(
            "/api/session", json={"username": f"lingdui{team_no}", "password": PASSWORD}, headers=csrf
        )
    response.raise_for_status()
    team_id = response.json()["team_id"]
    members = (await http.get(f"/api/teams/{team_id}/members")).json()
    meet_id = (await http.get("/api/meets")).json()[0]["id"]
    events = (await http.get(f"/api/meets/{meet_id}/events")).json()
    event_id = next(e["id"] for e in events if e["code"] == EVENT_CODE)
    per_team = -(-total // TEAMS)
    people = [m["person_id"] for m in members][nth::per_team]
    return Client(http, team_id, people, event_id, csrf)


def bare_client(base_url: str, index: int) -> Client:
    return Client(new_http(base_url), index % TEAMS + 1, [1000 + index, 2000 + index], 4)


async def cycle(client: Client, n: int, expect_enter: int, expect_withdraw: int,
                interval: float | None = None, due: float = 0.0) -> list[tuple[float, float, str]]:
    """One enter and one withdraw: (finished at, seconds taken, error or '') for each. Paced
    (``interval``): the first is due at ``due``, the second ``interval`` later, and each is
    timed from when it was due."""
    person = client.people[n % len(client.people)]
    base = f"/api/teams/{client.team_id}/entries"
    results = []
    for i, (method, url, body, expected) in enumerate((
        ("POST", base, {"event_id": client.event_id, "person_id": person}, expect_enter),
        ("DELETE", f"{base}/{client.event_id}/{person}", None, expect_withdraw),
    )):
        started = time.perf_counter()
        if interval is not None:
            started = due + i * interval
            await asyncio.sleep(max(0.0, started - time.perf_counter()))
        try:
            response = await client.http.request(method, url, json=body, headers=client.csrf)
            error = "" if response.status_code == expected else f"{method} {response.status_code} {response.text[:120]}"
        except httpx.HTTPError as exc:
            error = f"{method} {type(exc).__name__}: {exc}"
        finished = time.perf_counter()
        results.append((finished, finished - started, error))
    return results


async def load(target: str, clients: list[Client], size: Size, server: LiveServer,
               expect: tuple[int, int], profile: Path | None = None, paced: bool = False) -> Figures:
    """Every client cycles until warm-up plus duration; only the timed window is counted.
    ``paced``: each client sends at its share of ``size.rate``, its clients' starts spread
    over one interval. With ``profile``, py-spy samples the server during the timed window."""
    start = time.perf_counter()
    window = (start + size.warmup, start + size.warmup + size.duration)
    samples: list[tuple[float, float, str]] = []
    marks: dict[str, float] = {}

    async def mark_window() -> None:
        await asyncio.sleep(size.warmup)
        marks["cpu0"], marks["server0"] = time.process_time(), server.cpu_seconds()
        spy = await start_profiler(server, size.duration, profile) if profile else None
        await asyncio.sleep(size.duration)
        if spy is not None:
            await spy.wait()
        marks["cpu1"], marks["server1"] = time.process_time(), server.cpu_seconds()

    interval = len(clients) / size.rate if paced else None  # seconds between one client's requests

    async def run(index: int, client: Client) -> None:
        n = 0
        due = start + (interval or 0.0) * index / len(clients)
        while time.perf_counter() < window[1]:
            samples.extend(await cycle(client, n, *expect, interval=interval, due=due))
            n += 1
            due += 2 * (interval or 0.0)

    await asyncio.wait_for(asyncio.gather(mark_window(), *(run(i, c) for i, c in enumerate(clients))),
                           size.warmup + size.duration + 120)
    timed = [(took, error) for finished, took, error in samples if window[0] <= finished < window[1]]
    ok = sorted(took for took, error in timed if not error)
    errors = [error for _, error in timed if error]
    figures = Figures(target, len(clients), size.duration, size.rate if paced else None,
                      requests=len(timed), errors=len(errors))
    figures.error_examples = sorted(set(errors))[:3]
    if ok:
        q = statistics.quantiles(ok, n=100, method="inclusive") if len(ok) > 1 else [ok[0]] * 99
        figures.throughput = round(len(ok) / size.duration, 1)
        figures.p50_ms, figures.p90_ms, figures.p99_ms = (round(q[i] * 1000, 1) for i in (49, 89, 98))
        figures.max_ms = round(ok[-1] * 1000, 1)
    if "cpu1" in marks:
        figures.client_cpu = round((marks["cpu1"] - marks["cpu0"]) / size.duration, 2)
        figures.server_cpu = round((marks["server1"] - marks["server0"]) / size.duration, 2)
    return figures


async def start_profiler(server: LiveServer, seconds: float, out: Path) -> asyncio.subprocess.Process:
    """py-spy on the server's processes for ``seconds``, without pausing them (a profiling aid)."""
    assert server.proc is not None
    return await asyncio.create_subprocess_exec(
        "py-spy", "record", "--nonblocking", "--subprocesses", "--format", "raw", "--rate", "250",
        "--duration", str(max(1, int(seconds) - 1)), "--output", str(out), "--pid", str(server.proc.pid),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )


Pair = tuple[Figures, Figures]  # (saturated, paced)


async def bench_zhijia(target: str, server: LiveServer, size: Size, profile: Path | None = None) -> Pair:
    gate = asyncio.Semaphore(4)  # sign-ins at a pace the argon2 thread pool takes
    clients = list(await asyncio.gather(*(sign_in(server.base_url, i, size.clients, gate) for i in range(size.clients))))
    try:
        saturated = await load(target, clients, size, server, (201, 204), profile)
        return saturated, await load(target, clients, size, server, (201, 204), paced=True)
    finally:
        for c in clients:
            await c.http.aclose()


async def bench_bare(server: LiveServer, size: Size) -> Pair:
    clients = [bare_client(server.base_url, i) for i in range(size.clients)]
    try:
        saturated = await load("bare", clients, size, server, (201, 200))
        return saturated, await load("bare", clients, size, server, (201, 200), paced=True)
    finally:
        for c in clients:
            await c.http.aclose()


def run_zhijia(target: str, log_dir: Path, size: Size, workers: int, profile: Path | None = None,
               **where: object) -> Pair:
    with zhijia_server(log_dir, workers=workers, name=target, **where) as server:  # type: ignore[arg-type]
        return asyncio.run(bench_zhijia(target, server, size, profile))


def profile_path(directory: Path | None, backend: str) -> Path | None:
    if directory is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"registration-{backend}.raw"


def table(rows: list[Figures], bare: Figures) -> str:
    head = (
        f"{'target':<20}{'clients':>8}{'requests':>10}{'errors':>8}{'req/s':>9}{'ratio':>8}"
        f"{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'client cpu':>12}{'server cpu':>12}"
    )
    lines = [head, "-" * len(head)]
    for f in [bare, *rows]:
        ratio = f.throughput / bare.throughput if bare.throughput else 0.0
        lines.append(
            f"{f.target:<20}{f.clients:>8}{f.requests:>10}{f.errors:>8}{f.throughput:>9.1f}{ratio:>8.2f}"
            f"{f.p50_ms:>9.1f}{f.p90_ms:>9.1f}{f.p99_ms:>9.1f}{f.max_ms:>9.1f}{f.client_cpu:>12.2f}{f.server_cpu:>12.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds, for CI")
    parser.add_argument("--clients", type=int, help="concurrent clients (full: 50, quick: 10)")
    parser.add_argument("--duration", type=float, help="timed seconds per target")
    parser.add_argument("--rate", type=float, help="requests/s offered in the paced run (full: 200, quick: 40)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers, the same for every target")
    parser.add_argument(
        "--backends", default="sqlite,postgresql",
        help=f"comma-separated: sqlite, postgresql (PostgreSQL only when {PG_ENV} is set)",
    )
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="write py-spy collapsed stacks of each zhijia server's timed window to DIR")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    size = Size(size.name, args.clients or size.clients, size.warmup, args.duration or size.duration,
                args.rate or size.rate)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    pg_admin = os.environ.get(PG_ENV) if "postgresql" in backends else None
    notes = [
        f"{size.clients} clients on one event loop in this process, {args.workers} uvicorn worker(s); "
        f"{os.cpu_count()} CPUs shared by clients and server; load average before the run "
        + "/".join(f"{x:.1f}" for x in os.getloadavg()),
    ]

    pairs: list[Pair] = []
    with tempfile.TemporaryDirectory(prefix="zhijia-bench-") as tmp:
        log_dir = Path(tmp)
        with bare_server(log_dir, workers=args.workers) as server:
            bare, bare_paced = asyncio.run(bench_bare(server, size))
        print(f"bare: {bare.throughput} req/s", file=sys.stderr)
        if "sqlite" in backends:
            pairs.append(run_zhijia("zhijia sqlite", log_dir, size, args.workers, profile_path(args.profile, "sqlite"),
                                   sqlite_path=log_dir / "bench.sqlite3"))
            print(f"sqlite: {pairs[-1][0].throughput} req/s", file=sys.stderr)
        if pg_admin:
            name = create_database(pg_admin, "zhijia_bench")
            try:
                pairs.append(
                    run_zhijia("zhijia postgresql", log_dir, size, args.workers, profile_path(args.profile, "postgresql"),
                               database_url=database_url(pg_admin, name))
                )
            finally:
                drop_database(pg_admin, name)
            print(f"postgresql: {pairs[-1][0].throughput} req/s", file=sys.stderr)
        elif "postgresql" in backends:
            notes.append(f"PostgreSQL skipped: set {PG_ENV} to an admin URL that may create databases")
            print(f"note: {notes[-1]}")

    rows, paced = [p[0] for p in pairs], [p[1] for p in pairs]
    print()
    print(f"Registration through the whole stack ({size.name}: {size.clients} clients, "
          f"{size.duration:g} s timed after {size.warmup:g} s warm-up, {args.workers} worker(s))")
    print("\nSaturated (each client sends again as soon as it is answered):")
    print(table(rows, bare))
    print(f"\nPaced ({size.rate:g} requests/s offered by the {size.clients} clients together; "
          "latency from when each request was due):")
    print(table(paced, bare_paced))
    backend = {"zhijia sqlite": "sqlite", "zhijia postgresql": "postgresql"}
    ratio = {backend[f.target]: round(f.throughput / bare.throughput, 3) if bare.throughput else None for f in rows}
    met = {
        backend[f.target]: {
            "throughput": bool(ratio[backend[f.target]] and ratio[backend[f.target]] >= GOAL_RATIO),
            "p99": bool(g.throughput and g.p99_ms < GOAL_P99_MS),
            "p99_saturated": bool(f.throughput and f.p99_ms < GOAL_P99_MS),
        }
        for f, g in pairs
    }
    print()
    for name, m in met.items():
        share = f"{ratio[name]:.0%}" if ratio[name] is not None else "n/a"
        print(f"{name}: {share} of bare throughput (goal ≥ {GOAL_RATIO:.0%}: "
              f"{'met' if m['throughput'] else 'NOT met'}); paced p99 goal < {GOAL_P99_MS:g} ms: "
              f"{'met' if m['p99'] else 'NOT met'} (saturated p99: {'met' if m['p99_saturated'] else 'NOT met'})")
    result = {
        "benchmark": "registration",
        "size": size.name,
        "clients": size.clients,
        "duration_s": size.duration,
        "offered_rate": size.rate,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "figures": {backend[f.target]: asdict(f) for f in rows},
        "paced": {backend[g.target]: asdict(g) for g in paced},
        "baseline": {"bare": asdict(bare), "bare_paced": asdict(bare_paced)},
        "ratio": ratio,
        "goals": {"throughput_ratio_min": GOAL_RATIO, "p99_ms_max": GOAL_P99_MS, "met": met},
        "notes": notes,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
