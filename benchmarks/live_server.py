"""A real server in a subprocess: zhijia (``zhijia serve --demo``) or the bare baseline app.

Shared by ``benchmarks/registration.py`` and the registration race tests, so both drive the
whole stack the way a deployment runs it: uvicorn, its workers, the session cookie, CSRF,
the services and a real database file or PostgreSQL database.

The server gets its own process group; ``stop`` ends that group (the uvicorn master and the
workers it spawned) and nothing else.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")

# Environment a parent shell might carry that must not leak into a server we start.
_SCRUB = ("ZHIJIA_DATABASE_URL", "ZHIJIA_SQLITE_PATH", "ZHIJIA_UNSAFE_DISABLE_LOCKS", "ZHIJIA_SECRET")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerFailed(RuntimeError):
    pass


class LiveServer:
    """One server process; a context manager that always stops it."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log_path: Path, port: int,
                 ready_path: str = "/healthz") -> None:
        self.name = name
        self.argv = argv
        self.env = dict(env)
        self.log_path = log_path
        self.port = port
        self.ready_path = ready_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def start(self, timeout: float = 90.0) -> LiveServer:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:  # a file, not a pipe: nobody has to drain it
            self.proc = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise ServerFailed(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
                try:
                    if client.get(self.ready_path).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        self.stop()
        raise ServerFailed(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL if it lingers; then reap."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            proc.poll()
            if not _group_alive(proc.pid):
                break
            try:
                os.killpg(proc.pid, sig)  # the group start_new_session made for this server
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                proc.poll()
                if not _group_alive(proc.pid):
                    break
                time.sleep(0.1)
        try:
            proc.wait(timeout=5.0)  # reap it, so no "subprocess still running" warning
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's running processes."""
        if self.proc is None:
            return 0.0
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == self.proc.pid:
                total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
        return total / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group is still running (zombies do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _base_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["ZHIJIA_SECRET"] = secrets.token_hex(16)  # shared by the workers; no secret file written
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def zhijia_server(
    log_dir: Path,
    *,
    sqlite_path: Path | None = None,
    database_url: str | None = None,
    workers: int = 1,
    unsafe_disable_locks: bool = False,
    name: str = "zhijia",
) -> LiveServer:
    """``zhijia serve --demo`` on a SQLite file (``sqlite_path``) or PostgreSQL (``database_url``)."""
    assert (sqlite_path is None) != (database_url is None), "give a SQLite file or a PostgreSQL URL"
    port = free_port()
    argv = [sys.executable, "-m", "web.cli", "serve", "--demo", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers)]
    extra: dict[str, str] = {}
    if sqlite_path is not None:
        argv += ["--db", str(sqlite_path)]
    else:
        extra["ZHIJIA_DATABASE_URL"] = database_url  # type: ignore[assignment]
    if unsafe_disable_locks:
        extra["ZHIJIA_UNSAFE_DISABLE_LOCKS"] = "1"
    return LiveServer(name, argv, _base_env(extra), log_dir / f"{name}-{port}.log", port)


def bare_server(log_dir: Path, *, workers: int = 1) -> LiveServer:
    """The baseline: a bare Litestar JSON app (benchmarks/bare_app.py) under the same uvicorn."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "bare_app:app", "--app-dir", str(ROOT / "benchmarks"),
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning",
            "--no-access-log"]
    return LiveServer("bare", argv, _base_env(), log_dir / f"bare-{port}.log", port, ready_path="/ok")


# PostgreSQL: a fresh database per server ----------------------------------------------------


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on its own loop in another thread (safe inside pytest-asyncio)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()  # type: ignore[arg-type]


def _asyncpg_dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def database_url(admin_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(admin_url).set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False
    )


async def _admin(admin_url: str, statement: str) -> None:
    import asyncpg

    conn: Any = await asyncpg.connect(_asyncpg_dsn(admin_url), timeout=30)
    try:
        await conn.execute(statement, timeout=60)
    finally:
        await conn.close()


def create_database(admin_url: str, prefix: str = "zhijia_live", *, template: str | None = None) -> str:
    """CREATE DATABASE with a fresh name (a copy of ``template`` if given); returns the name."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    run_async(lambda: _admin(admin_url, f'CREATE DATABASE "{name}"{copy}'))
    return name


def copy_sqlite(source: Path, target: Path) -> None:
    """A copy of a SQLite database file, with its WAL files if it has any."""
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{source}{suffix}")
        if extra.exists():
            shutil.copyfile(extra, Path(f"{target}{suffix}"))


def drop_database(admin_url: str, name: str) -> None:
    run_async(lambda: _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
