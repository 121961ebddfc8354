"""The referee's home: the events and venues they are assigned to."""

from __future__ import annotations

from typing import Any

from litestar import Request, get

from events import accounts
from web.auth import actor_of, referee_only
from web.public import db_of
from web.render import page


@get("/referee", name="referee_home", guards=[referee_only])
async def referee_home(request: Request[Any, Any, Any]) -> Any:
    actor = actor_of(request)
    assert actor.user_id is not None or actor.is_organiser
    events, venues = await accounts.referee_assignments(db_of(request), actor.user_id or 0)
    return page(request, "referee/home.html", events=events, venues=venues)


ROUTES = [referee_home]
