"""Organiser dashboard and meet setup: the meet, its venues, events and teams."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath

from events import meet_events, meets, teams
from events.errors import DomainError, NotFound
from events.models import EventKind
from events.schemas import EventInput, MeetInput, TeamInput, VenueInput
from web.auth import actor_of, organiser_only
from web.forms import parse
from web.organiser.crud import Thing, crud_routes
from web.public import db_of
from web.render import go, page, page_or_partial


@get("/org", name="org_dashboard", guards=[organiser_only])
async def dashboard(request: Request[Any, Any, Any]) -> Any:
    db = db_of(request)
    rows = []
    for meet in await meets.list_meets(db):
        rows.append((meet, await meets.meet_counts(db, meet.id), meets.registration_state(meet)))
    return page(request, "org/dashboard.html", rows=rows)


def _meet_form(request: Request[Any, Any, Any], meet: Any, values: Any, problems: dict[str, str], status: int = 200) -> Any:
    return page_or_partial(
        request, "org/meet_form.html", "org/partials/meet_form.html", status_code=status,
        meet=meet, values=values, problems=problems, kinds=list(EventKind),
    )


@get("/org/meets/new", name="meet_new", guards=[organiser_only])
async def meet_new(request: Request[Any, Any, Any]) -> Any:
    return _meet_form(request, None, {}, {})


@post("/org/meets", name="meet_create", guards=[organiser_only])
async def meet_create(request: Request[Any, Any, Any]) -> Any:
    form = await request.form()
    try:
        meet = await meets.create_meet(db_of(request), actor_of(request), parse(form, MeetInput))
    except DomainError as exc:
        return _meet_form(request, None, form, exc.problems or {"_": exc.message}, 422)
    return go(request, f"/org/meets/{meet.id}")


@get("/org/meets/{meet_id:int}", name="meet_overview", guards=[organiser_only])
async def meet_overview(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    db = db_of(request)
    meet = await meets.get_meet(db, meet_id)
    return page(
        request,
        "org/meet.html",
        meet=meet,
        state=meets.registration_state(meet),
        counts=await meets.meet_counts(db, meet_id),
        events=await meet_events.list_events(db, meet_id),
        venues=await meets.list_venues(db, meet_id),
        teams=await teams.list_teams(db, meet_id),
        sizes=await teams.team_sizes(db, meet_id),
    )


@get("/org/meets/{meet_id:int}/edit", name="meet_edit", guards=[organiser_only])
async def meet_edit(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    meet = await meets.get_meet(db_of(request), meet_id)
    return _meet_form(request, meet, {}, {})


@post("/org/meets/{meet_id:int}", name="meet_update", guards=[organiser_only])
async def meet_update(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    form = await request.form()
    db = db_of(request)
    try:
        await meets.update_meet(db, actor_of(request), meet_id, parse(form, MeetInput))
    except DomainError as exc:
        if exc.status != 422:
            raise
        return _meet_form(request, await meets.get_meet(db, meet_id), form, exc.problems or {"_": exc.message}, 422)
    return go(request, f"/org/meets/{meet_id}")


async def _venue(db: Any, meet_id: FromPath[int], venue_id: int) -> Any:
    for venue in await meets.list_venues(db, meet_id):
        if venue.id == venue_id:
            return venue
    raise NotFound("场地")


async def _team(db: Any, meet_id: FromPath[int], team_id: FromPath[int]) -> Any:
    for team in await teams.list_teams(db, meet_id):
        if team.id == team_id:
            return team
    raise NotFound("代表队")


async def _no_context(db: Any, meet_id: FromPath[int]) -> dict[str, Any]:
    return {}


async def _event_context(db: Any, meet_id: FromPath[int]) -> dict[str, Any]:
    return {"venues": await meets.list_venues(db, meet_id)}


VENUES = Thing("venues", "场地", VenueInput, _venue, meets.save_venue, meets.delete_venue, _no_context)
EVENTS = Thing(
    "events", "项目", EventInput, meet_events.get_event, meet_events.save_event, meet_events.delete_event, _event_context
)
TEAMS = Thing("teams", "代表队", TeamInput, _team, teams.save_team, teams.delete_team, _no_context)

ROUTES = [
    dashboard,
    meet_new,
    meet_create,
    meet_overview,
    meet_edit,
    meet_update,
    *crud_routes(VENUES),
    *crud_routes(EVENTS),
    *crud_routes(TEAMS),
]
