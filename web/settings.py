"""Runtime settings from the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from events.db import database_url_from_env


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret: str
    secure_cookies: bool = False
    max_upload_bytes: int = 2 * 1024 * 1024


def _secret_for(url: str) -> str:
    """ZHIJIA_SECRET, else a random secret kept beside the SQLite file (shared by all workers)."""
    env = os.environ.get("ZHIJIA_SECRET")
    if env:
        return env
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1] + ".secret")
    else:
        path = Path(".zhijia-secret")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        except FileExistsError:
            pass
    return path.read_text().strip()


def load_settings(database_url: str | None = None) -> Settings:
    url = database_url or database_url_from_env()
    return Settings(
        database_url=url,
        secret=_secret_for(url),
        secure_cookies=os.environ.get("ZHIJIA_SECURE_COOKIES", "") == "1",
    )
