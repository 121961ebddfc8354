"""Registration holds under concurrency: a real server, many requests at once, the rules intact.

Each backend gets one real ``zhijia serve --demo`` subprocess with its locks on (on SQLite
with two uvicorn workers: processes share no memory, only the database file) and one control
server started with ZHIJIA_UNSAFE_DISABLE_LOCKS=1. Two team leaders sign in and fire rounds
of 90 concurrent requests aimed at the limits: one person into six events at once (limit 3),
seven men into a relay of four, eight players into a badminton team of ≤ 2 men + ≤ 2 women,
six men into an event whose quota is 2, identical duplicates, a person of the other team,
and a women's relay through the HTML form. After every round the database is read directly
and every rule is checked on the stored rows; every response is checked too.

The control run must show at least one violation (rows over a limit, 5xx, "database is
locked", or 409s from the slot and unique keys catching the race): so this test can fail.
"""

from __future__ import annotations

import asyncio
import html
import json
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from benchmarks.live_server import (
    LiveServer,
    copy_sqlite,
    create_database,
    database_url,
    drop_database,
    zhijia_server,
)

pytestmark = pytest.mark.server

PASSWORD = "zhijia2026"
ROUNDS = 3
# A race is a matter of timing: the control keeps attacking, up to this many rounds, until the
# unlocked server has let something through (one round in three or four finds nothing on PostgreSQL).
CONTROL_MAX_ROUNDS = 10
ROUND_TIMEOUT = 120.0
CJK = re.compile(r"[\u4e00-\u9fff]")
ALERT = re.compile(r'role="alert">(.*?)</div>', re.S)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]

# Individual events a man may enter in the demo meet: six, for a per-person limit of 3.
MEN_INDIVIDUAL = ["TT-MS", "XQ", "ATH-100M-M", "ATH-1500M-M", "FUN-DSJ-M", "FUN-TJ-M"]
QUOTA_EVENT = "ATH-100M-M"  # given team_quota 2 by the organiser before the attack
QUOTA = 2


# The servers -------------------------------------------------------------------------------


@dataclass
class Running:
    server: LiveServer
    db_url: str  # for reading the database directly
    backend: str
    locking: bool

    @property
    def base_url(self) -> str:
        return self.server.base_url


def _run_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, *, locking: bool
) -> Iterator[Running]:
    backend: str = request.param
    mode = "locked" if locking else "unlocked"
    log_dir = tmp_path_factory.mktemp(f"race-{backend}-{mode}")
    # SQLite with its locks on gets two workers: processes share only the database file, so
    # the rules must hold across them. PostgreSQL's row locks are the database's own; one
    # worker (twenty pooled connections) races them as hard, and starts faster.
    workers = 2 if locking and backend == "sqlite" else 1
    # The database starts as a copy of the session's migrated demo template (conftest), which
    # saves each server the migrations and the demo load; ``serve --demo`` then finds the demo
    # meet already there.
    admin_url = name = None
    if backend == "sqlite":
        path = log_dir / "zhijia.sqlite3"
        copy_sqlite(Path(request.getfixturevalue("sqlite_templates").demo), path)
        server = zhijia_server(log_dir, sqlite_path=path, workers=workers, unsafe_disable_locks=not locking,
                               name=f"race-{mode}")
        url = f"sqlite+aiosqlite:///{path}"
    else:
        admin_url = request.getfixturevalue("postgres_admin_url")
        template = request.getfixturevalue("postgres_templates").demo
        name = create_database(admin_url, "zhijia_race", template=template)
        url = database_url(admin_url, name)
        server = zhijia_server(log_dir, database_url=url, workers=workers, unsafe_disable_locks=not locking,
                               name=f"race-{mode}")
    try:
        server.start()
        yield Running(server, url, backend, locking)
    finally:
        server.stop()
        if admin_url and name:
            drop_database(admin_url, name)


@pytest.fixture(scope="module", params=BACKENDS)
def locked_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from _run_server(request, tmp_path_factory, locking=True)


@pytest.fixture(scope="module", params=BACKENDS)
def unlocked_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from _run_server(request, tmp_path_factory, locking=False)


# Clients -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    what: str
    status: int  # 0: no response (transport error or timeout)
    message: str = ""


@dataclass
class User:
    """A signed-in account with its own cookies (one browser)."""

    http: httpx.AsyncClient
    username: str
    team_id: int | None = None
    men: list[int] = field(default_factory=list)
    women: list[int] = field(default_factory=list)

    @property
    def csrf(self) -> dict[str, str]:
        return {"x-csrftoken": self.http.cookies["zhijia_csrf"]}

    async def sign_in(self) -> User:
        assert (await self.http.get("/api/me")).status_code == 200  # sets the CSRF cookie
        response = await self.http.post(
            "/api/session", json={"username": self.username, "password": PASSWORD}, headers=self.csrf
        )
        assert response.status_code == 200, response.text
        self.team_id = response.json()["team_id"]
        if self.team_id is not None:
            members = (await self.http.get(f"/api/teams/{self.team_id}/members")).json()
            self.men = [m["person_id"] for m in members if m["gender"] == "M"]
            self.women = [m["person_id"] for m in members if m["gender"] == "F"]
        return self

    async def _send(self, what: str, method: str, url: str, **kwargs: Any) -> Outcome:
        try:
            response = await self.http.request(method, url, headers=self.csrf | kwargs.pop("headers", {}), **kwargs)
        except httpx.HTTPError as exc:
            return Outcome(what, 0, f"{type(exc).__name__}: {exc}")
        if response.headers.get("content-type", "").startswith("application/json"):
            message = response.json().get("detail", "") if response.content else ""
        else:
            found = ALERT.search(response.text)
            message = html.unescape(found.group(1)).strip() if found else ""
        return Outcome(what, response.status_code, message)

    def enter(self, what: str, team_id: int, event_id: int, person_id: int) -> Awaitable[Outcome]:
        return self._send(what, "POST", f"/api/teams/{team_id}/entries", json={"event_id": event_id, "person_id": person_id})

    def enter_by_form(self, what: str, team_id: int, event_id: int, person_id: int) -> Awaitable[Outcome]:
        """The matrix cell's HTMX form post."""
        return self._send(
            what, "POST", f"/teams/{team_id}/entries", headers={"HX-Request": "true"},
            data={"event_id": str(event_id), "person_id": str(person_id), "action": "enter"},
        )

    def withdraw(self, what: str, team_id: int, event_id: int, person_id: int) -> Awaitable[Outcome]:
        return self._send(what, "DELETE", f"/api/teams/{team_id}/entries/{event_id}/{person_id}")


async def open_user(stack: list[httpx.AsyncClient], base_url: str, username: str) -> User:
    http = httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(30.0),
        # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so the client never
        # sends on a connection the server is closing at that moment.
        limits=httpx.Limits(max_connections=100, keepalive_expiry=2.0),
    )
    stack.append(http)
    return await User(http, username).sign_in()


@dataclass
class Meet:
    meet_id: int
    events: dict[str, dict[str, Any]]  # code -> event as the API shows it

    def id(self, code: str) -> int:
        return self.events[code]["id"]


async def prepare(run: Running, stack: list[httpx.AsyncClient]) -> tuple[Meet, User, User]:
    """The organiser gives the quota event a quota of 2; two leaders sign in."""
    organiser = await open_user(stack, run.base_url, "zuweihui")
    meet_id = (await organiser.http.get("/api/meets")).json()[0]["id"]
    events = {e["code"]: e for e in (await organiser.http.get(f"/api/meets/{meet_id}/events")).json()}
    event = dict(events[QUOTA_EVENT])
    if event["team_quota"] != QUOTA:
        body = {k: v for k, v in event.items() if k not in ("id", "meet_id")} | {"team_quota": QUOTA}
        response = await organiser.http.put(
            f"/api/meets/{meet_id}/events/{event['id']}", json=body, headers=organiser.csrf
        )
        assert response.status_code == 200, response.text
        events[QUOTA_EVENT] = response.json()
    a = await open_user(stack, run.base_url, "lingdui1")
    b = await open_user(stack, run.base_url, "lingdui2")
    return Meet(meet_id, events), a, b


# The attack --------------------------------------------------------------------------------


def rotate(items: list[int], by: int) -> list[int]:
    by %= len(items)
    return items[by:] + items[:by]


def leader_attack(meet: Meet, me: User, other: User, round_no: int) -> list[Awaitable[Outcome]]:
    """45 concurrent requests of one leader against the limits of their own team."""
    assert me.team_id is not None and other.team_id is not None
    team = me.team_id
    men, women = rotate(me.men, 5 * round_no), rotate(me.women, 3 * round_no)
    requests: list[Awaitable[Outcome]] = []
    # One person into six events, each twice: the per-person limit is 3.
    for code in MEN_INDIVIDUAL:
        requests += [me.enter("limit", team, meet.id(code), men[0]) for _ in range(2)]
    # Six men into an event whose team quota is 2.
    requests += [me.enter("quota", team, meet.id(QUOTA_EVENT), p) for p in men[1:7]]
    # Seven men into the men's relay: a roster of 4.
    requests += [me.enter("relay", team, meet.id("RELAY-4X100-M"), p) for p in men[7:14]]
    # Four men and four women into the badminton team: ≤ 2 men + ≤ 2 women.
    requests += [me.enter("badminton", team, meet.id("BD-TEAM"), p) for p in men[1:5] + women[0:4]]
    # The same submission four times: one entry.
    requests += [me.enter("duplicate", team, meet.id("ATH-100M-W"), women[4]) for _ in range(4)]
    # A person of the other team: through my team (refused, 422) and through theirs (403).
    stranger = rotate(other.men, round_no)[0]
    requests += [me.enter("stranger", team, meet.id("ATH-100M-M"), stranger) for _ in range(2)]
    requests += [me.enter("other-team", other.team_id, meet.id("ATH-100M-M"), stranger)]
    # Five women into the women's relay (roster 4) through the HTML form.
    requests += [me.enter_by_form("form-relay", team, meet.id("RELAY-4X50-W"), p) for p in women[4:9]]
    return requests


async def clear_team(leader: User) -> list[Outcome]:
    """Withdraw every entry of the leader's team, all at once."""
    team = leader.team_id
    entries = (await leader.http.get(f"/api/teams/{team}/entries")).json()
    return await asyncio.gather(*(leader.withdraw("withdraw", team, e["event_id"], e["person_id"]) for e in entries))  # type: ignore[arg-type]


async def attack_round(meet: Meet, a: User, b: User, round_no: int) -> list[Outcome]:
    requests = leader_attack(meet, a, b, round_no) + leader_attack(meet, b, a, round_no)
    assert len(requests) >= 40
    random.Random(round_no).shuffle(requests)
    return list(await asyncio.wait_for(asyncio.gather(*requests), ROUND_TIMEOUT))


# Reading the outcome -----------------------------------------------------------------------


async def stored_entries(db_url: str) -> list[dict[str, Any]]:
    engine = create_async_engine(db_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    """
                    SELECT e.team_id, e.event_id, e.person_id, e.squad, p.gender, ev.code, ev.kind, ev.division,
                           ev.team_quota, ev.roster_max, ev.max_men, ev.max_women, m.per_person_limit,
                           m.counted_kinds, tm.team_id AS member_team
                    FROM entry e
                    JOIN event ev ON ev.id = e.event_id
                    JOIN person p ON p.id = e.person_id
                    JOIN meet m ON m.id = e.meet_id
                    LEFT JOIN team_member tm ON tm.meet_id = e.meet_id AND tm.person_id = e.person_id
                    """
                )
            )
            return [dict(r._mapping) for r in rows]
    finally:
        await engine.dispose()


TEAM_KINDS = {"team_match", "relay", "team_timed"}


def violations(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Every rule of registration checked on the stored rows; empty lists when all hold."""
    found: dict[str, list[Any]] = defaultdict(list)
    per_person: Counter[int] = Counter()
    limit: dict[int, int] = {}
    per_team_event: Counter[tuple[int, str]] = Counter()
    per_squad: dict[tuple[int, str, int], list[dict[str, Any]]] = defaultdict(list)
    pairs: Counter[tuple[int, int]] = Counter()
    for r in rows:
        counted = r["counted_kinds"]
        counted = json.loads(counted) if isinstance(counted, str) else counted
        if r["kind"] in counted:
            per_person[r["person_id"]] += 1
            limit[r["person_id"]] = r["per_person_limit"]
        per_team_event[(r["team_id"], r["code"])] += 1
        per_squad[(r["team_id"], r["code"], r["squad"])].append(r)
        pairs[(r["event_id"], r["person_id"])] += 1
        if r["member_team"] != r["team_id"]:
            found["wrong_team"].append(r)
        if (r["division"], r["gender"]) in (("men", "F"), ("women", "M")):
            found["wrong_division"].append(r)
    found["over_person_limit"] = [(p, n) for p, n in per_person.items() if n > limit[p]]
    found["duplicates"] = [pair for pair, n in pairs.items() if n > 1]
    for (team, code, squad), group in per_squad.items():
        event = group[0]
        men = sum(1 for r in group if r["gender"] == "M")
        women = len(group) - men
        if event["kind"] in TEAM_KINDS:
            if event["roster_max"] is not None and len(group) > event["roster_max"]:
                found["over_roster"].append((team, code, squad, len(group)))
            if event["team_quota"] is not None and squad > event["team_quota"]:
                found["over_squads"].append((team, code, squad))
        elif event["team_quota"] is not None and per_team_event[(team, code)] > event["team_quota"]:
            found["over_quota"].append((team, code, per_team_event[(team, code)]))
        if event["max_men"] is not None and men > event["max_men"]:
            found["over_men"].append((team, code, squad, men))
        if event["max_women"] is not None and women > event["max_women"]:
            found["over_women"].append((team, code, squad, women))
    return {k: v for k, v in found.items() if v}


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[Outcome] = field(default_factory=list)
    locked: list[Outcome] = field(default_factory=list)
    conflicts: list[Outcome] = field(default_factory=list)
    unexplained_refusals: list[Outcome] = field(default_factory=list)
    unexpected: list[Outcome] = field(default_factory=list)
    violations: Counter[str] = field(default_factory=Counter)
    examples: dict[str, Any] = field(default_factory=dict)

    def add(self, outcomes: list[Outcome]) -> None:
        for o in outcomes:
            self.requests += 1
            self.statuses[o.status] += 1
            if o.status >= 500 or o.status == 0:
                self.server_errors.append(o)
            if "locked" in o.message.lower():
                self.locked.append(o)
            if o.status == 409:
                self.conflicts.append(o)
            if o.status in (403, 409, 422) and not CJK.search(o.message):
                self.unexplained_refusals.append(o)
            if o.status not in (0, 200, 201, 204, 403, 409, 422) and o.status < 500:
                self.unexpected.append(o)

    def add_violations(self, found: dict[str, list[Any]]) -> None:
        for kind, items in found.items():
            self.violations[kind] += len(items)
            self.examples.setdefault(kind, items[:3])

    @property
    def detected(self) -> int:
        return sum(self.violations.values()) + len(self.server_errors) + len(self.locked) + len(self.conflicts)

    def summary(self, label: str) -> str:
        return (
            f"{label}: {self.requests} requests, statuses {dict(sorted(self.statuses.items()))}, "
            f"5xx/no response {len(self.server_errors)}, 'database is locked' {len(self.locked)}, "
            f"409 {len(self.conflicts)}, violations {dict(self.violations)} {self.examples}"
        )


def team_counts(rows: list[dict[str, Any]], team_id: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    for r in rows:
        if r["team_id"] == team_id:
            counts[r["code"]] += 1
            if r["code"] == "BD-TEAM":
                counts[f"BD-TEAM-{r['gender']}"] += 1
    return counts


async def run_attack(
    run: Running, report: Callable[[str], None], *, extra_rounds_until: Callable[[Tally], bool] | None = None
) -> tuple[Tally, list[list[dict[str, Any]]], tuple[int, int]]:
    """Three rounds (the teams cleared in between, concurrently too) — and up to
    ``CONTROL_MAX_ROUNDS`` while ``extra_rounds_until`` is not yet true; the stored rows after
    each round; the two attacking teams."""
    tally, snapshots = Tally(), []
    clients: list[httpx.AsyncClient] = []
    try:
        meet, a, b = await prepare(run, clients)
        for round_no in range(CONTROL_MAX_ROUNDS if extra_rounds_until else ROUNDS):
            if round_no >= ROUNDS and extra_rounds_until and extra_rounds_until(tally):
                break
            if round_no:
                for withdrawn in await asyncio.wait_for(asyncio.gather(clear_team(a), clear_team(b)), ROUND_TIMEOUT):
                    tally.add(withdrawn)
            started = time.perf_counter()
            outcomes = await attack_round(meet, a, b, round_no)
            took = time.perf_counter() - started
            tally.add(outcomes)
            rows = await stored_entries(run.db_url)
            tally.add_violations(violations(rows))
            snapshots.append(rows)
            report(f"round {round_no + 1}: {len(outcomes)} requests in {took:.2f} s, {dict(Counter(o.status for o in outcomes))}")
    finally:
        for http in clients:
            await http.aclose()
    assert a.team_id is not None and b.team_id is not None
    return tally, snapshots, (a.team_id, b.team_id)


# The tests ---------------------------------------------------------------------------------


async def test_registration_rules_hold_under_concurrent_requests(locked_server: Running) -> None:
    run = locked_server
    tally, snapshots, teams = await run_attack(run, print)
    print(tally.summary(f"{run.backend} locked"))
    assert not tally.violations, tally.summary("violations")
    assert not tally.server_errors, tally.server_errors[:5]
    assert not tally.locked, tally.locked[:5]
    assert not tally.conflicts, tally.conflicts[:5]  # with the locks on, nobody sees a 409
    assert not tally.unexplained_refusals, tally.unexplained_refusals[:5]
    assert not tally.unexpected, tally.unexpected[:5]
    assert tally.requests >= ROUNDS * 40
    # Nothing wrongly refused either: every round fills every limit exactly.
    made_by_api = 0
    for rows in snapshots:
        for team_id in teams:
            counts = team_counts(rows, team_id)
            assert counts[QUOTA_EVENT] == QUOTA, counts
            assert counts["RELAY-4X100-M"] == 4, counts
            assert counts["RELAY-4X50-W"] == 4, counts  # through the HTML form
            assert (counts["BD-TEAM-M"], counts["BD-TEAM-F"]) == (2, 2), counts
            assert counts["ATH-100M-W"] == 1, counts  # four identical submissions, one entry
            per_person = Counter(r["person_id"] for r in rows if r["team_id"] == team_id)
            assert sorted(per_person.values()).count(3) == 1, per_person  # the six-event person got exactly 3
            assert max(per_person.values()) == 3, per_person
            made_by_api += sum(counts.values()) - counts["RELAY-4X50-W"] - counts["BD-TEAM-M"] - counts["BD-TEAM-F"]
    # Every entry made through the API answered 201, and only those.
    assert tally.statuses[201] == made_by_api, tally.statuses


async def test_control_without_locks_shows_what_the_locks_prevent(unlocked_server: Running) -> None:
    run = unlocked_server
    tally, _, _ = await run_attack(run, print, extra_rounds_until=lambda t: t.detected > 0)
    print(tally.summary(f"{run.backend} CONTROL (locks off)"))
    assert tally.detected >= 1, (
        "with the locks switched off the attack found nothing: the race test cannot fail, make it harder\n"
        + tally.summary("control")
    )


async def test_two_tabs_submitting_the_same_entry_make_one_entry(locked_server: Running) -> None:
    """One leader, one session, two tabs, the same submission at the same moment — six times."""
    run = locked_server
    clients: list[httpx.AsyncClient] = []
    try:
        organiser = await open_user(clients, run.base_url, "zuweihui")
        meet_id = (await organiser.http.get("/api/meets")).json()[0]["id"]
        events = {e["code"]: e["id"] for e in (await organiser.http.get(f"/api/meets/{meet_id}/events")).json()}
        leader = await open_user(clients, run.base_url, "lingdui3")
        team = leader.team_id
        assert team is not None
        tally = Tally()
        cases = [
            ("api", events["XQ"], leader.men[0]),
            ("form", events["XQ"], leader.men[1]),
            ("api", events["ATH-1500M-W"], leader.women[0]),
            ("form", events["ATH-1500M-W"], leader.women[1]),
            ("api", events["RELAY-4X100-M"], leader.men[2]),
            ("form", events["BD-TEAM"], leader.women[2]),
        ]
        for via, event_id, person_id in cases:
            send = leader.enter if via == "api" else leader.enter_by_form
            pair = await asyncio.wait_for(
                asyncio.gather(send("tab", team, event_id, person_id), send("tab", team, event_id, person_id)), 60
            )
            tally.add(list(pair))
            statuses = sorted(o.status for o in pair)
            assert statuses == ([200, 201] if via == "api" else [200, 200]), pair
        rows = [r for r in await stored_entries(run.db_url) if r["team_id"] == team]
        assert Counter((r["event_id"], r["person_id"]) for r in rows) == Counter(
            {(event_id, person_id): 1 for _, event_id, person_id in cases}
        )
        assert not (tally.server_errors or tally.locked or tally.conflicts), tally.summary("two tabs")
    finally:
        for http in clients:
            await http.aclose()
