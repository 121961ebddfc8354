"""The served app compiles every page template at start-up (web/app.py ``compile_templates``),
so no first visitor waits for a compilation and a broken template stops the start, not a page."""

from __future__ import annotations

from pathlib import Path

from web.app import compile_templates, create_app
from web.settings import Settings

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"


def test_every_page_template_compiles_at_start_up(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/t.sqlite3", secret="t" * 32))
    on_disk = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")}
    assert compile_templates(app) == len(on_disk) > 100
    env = app.template_engine.engine  # type: ignore[union-attr]
    assert on_disk <= {key[1] for key in env.cache.keys()}  # each one in Jinja's cache, keyed (loader, name)
