"""The Litestar application."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from events.db import Database
from web import api, awards, campaigns, draws, entry_forms, organiser, programme, public, records, registration, scoring, team, track
from web import timetable as timetable_pages
from web import calendar as calendar_pages
from web import activities
from web.auth import auth_middleware
from web.render import EXCEPTION_HANDLERS
from web.security import add_security_headers, ids_in_range
from web.settings import Settings, load_settings
from web.templating import configure_jinja

HERE = Path(__file__).parent
CSRF_COOKIE = "zhijia_csrf"


def freeze_startup_heap() -> None:
    """Put everything alive after start-up (modules, routes, templates, caches) out of the garbage
    collector's reach, so that a full collection walks only what requests made: measured on the
    calendar's month view, a full pass took about 200 ms before and 1 ms after (issue 6)."""
    gc.collect()
    gc.freeze()


def compile_templates(app: Litestar) -> int:
    """Compile every page template at start-up, so that the first visitor of each page does not
    wait for it (the calendar's month page: about 115 ms for its first request, 65 ms after)."""
    env = app.template_engine.engine  # type: ignore[union-attr]
    names = env.list_templates(filter_func=lambda name: name.endswith(".html"))
    for name in names:
        env.get_template(name)
    return len(names)


def create_app(settings: Settings | None = None, db: Database | None = None) -> Litestar:
    settings = settings or load_settings()
    database = db or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if db is None:  # a served app (zhijia serve); tests bring their own database and start many apps
            compile_templates(app)
            freeze_startup_heap()
        try:
            yield
        finally:
            if db is None:
                await database.dispose()

    app = Litestar(
        route_handlers=[
            *public.ROUTES,
            *organiser.ROUTES,
            *team.ROUTES,
            *registration.ROUTES,
            *entry_forms.ROUTES,
            *draws.ROUTES,
            *scoring.ROUTES,
            *track.ROUTES,
            *records.ROUTES,
            *awards.ROUTES,
            *timetable_pages.ROUTES,
            *programme.ROUTES,
            *campaigns.ROUTES,
            *activities.ROUTES,
            *calendar_pages.ROUTES,
            *api.ROUTES,
            create_static_files_router(path="/static", directories=[HERE / "static"], include_in_schema=False),
        ],
        middleware=[auth_middleware],
        before_request=ids_in_range,
        before_send=[add_security_headers],
        csrf_config=CSRFConfig(
            secret=settings.secret,
            cookie_name=CSRF_COOKIE,
            header_name="x-csrftoken",
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="strict",
        ),
        template_config=TemplateConfig(
            directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=configure_jinja
        ),
        plugins=[HTMXPlugin()],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(
            title="zhijia 职工之家 API", version="0.1.0", path="/api/schema", render_plugins=[ScalarRenderPlugin()]
        ),
        logging_config=LoggingConfig(log_exceptions="debug", loggers={"zhijia": {"level": "INFO"}}),
        request_max_body_size=settings.max_upload_bytes,
        lifespan=[lifespan],
    )
    app.state.db = database
    app.state.settings = settings
    return app
