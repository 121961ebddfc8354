"""The audit log, readable by organisers."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromQuery

from events import audit
from web.auth import actor_of, organiser_only
from web.public import db_of
from web.render import page


@get("/org/audit", name="audit", guards=[organiser_only])
async def audit_page(request: Request[Any, Any, Any], meet_id: FromQuery[int | None] = None) -> Any:
    rows = await audit.recent(db_of(request), actor_of(request), meet_id=meet_id)
    return page(request, "org/audit.html", rows=rows, meet_id=meet_id)


ROUTES = [audit_page]
