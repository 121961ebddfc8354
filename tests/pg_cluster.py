"""A throw-away PostgreSQL server for the test session.

Used when ``ZHIJIA_TEST_POSTGRES_URL`` is not set and PostgreSQL's binaries are installed
(Debian: /usr/lib/postgresql/<version>/bin). PostgreSQL refuses to run as root, so under root
the server runs as a dedicated system user (created when missing). Trust authentication,
listening on 127.0.0.1 only, durability switched off: the data dies with the session.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_USER = "zhijia-pg"
SUPERUSER = "zhijia"


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin directory holding initdb and pg_ctl, if any."""

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.parent.name
        return tuple(int(p) for p in name.split(".") if p.isdigit()) or (0,)

    for initdb in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version, reverse=True):
        bin_dir = Path(initdb).parent
        if (bin_dir / "pg_ctl").exists():
            return bin_dir
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ensure_os_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
            check=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )
        return pwd.getpwnam(PG_USER)


class ThrowawayCluster:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="zhijia-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self._prefix: list[str] = []
        if os.geteuid() == 0:
            user = _ensure_os_user()
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._prefix = ["runuser", "-u", PG_USER, "--"]

    @property
    def admin_url(self) -> str:
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        # Output goes to a file, not a pipe: the postmaster must not hold our pipe open.
        out = self.root / "command.log"
        with out.open("wb") as fh:
            done = subprocess.run(
                [*self._prefix, *args], cwd=self.root, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT
            )
        if done.returncode != 0:
            server_log = self.root / "server.log"
            detail = out.read_text(errors="replace")
            if server_log.exists():
                detail += "\n--- server.log ---\n" + server_log.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}):\n{detail}")

    def start(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
            "-E", "UTF8", "--no-locale", "--no-sync",
        )
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n", encoding="utf-8"
        )
        options = " ".join(
            f"-c {setting}"
            for setting in (
                "listen_addresses=127.0.0.1",
                f"unix_socket_directories={self.root}",
                "fsync=off",
                "synchronous_commit=off",
                "full_page_writes=off",
                "max_connections=300",
            )
        )
        for attempt in range(3):
            self.port = _free_port()
            try:
                self._run(
                    str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                    "-w", "-t", "60", "-o", f"{options} -c port={self.port}", "start",
                )
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
