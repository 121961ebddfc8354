"""Account management by organisers: leaders bound to a team, referees bound to events/venues."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from sqlalchemy import select

from events import accounts, records
from events.errors import DomainError
from events.models import Event, Meet, Role, Team, Venue
from events.schemas import AccountInput, AccountUpdate
from events.validation import ids_of
from web.auth import actor_of, organiser_only
from web.forms import parse
from web.public import db_of
from web.render import go, page, page_or_partial


async def _choices(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Teams, events and venues of every meet, grouped for the account form's selects."""
    async with db_of(request).read() as session:
        meets = {m.id: m.name for m in (await session.scalars(select(Meet))).all()}
        all_teams = (await session.scalars(select(Team).order_by(Team.meet_id.desc(), Team.number))).all()
        all_events = (await session.scalars(select(Event).order_by(Event.meet_id.desc(), Event.position))).all()
        all_venues = (await session.scalars(select(Venue).order_by(Venue.meet_id.desc(), Venue.name))).all()
    return {"meet_names": meets, "teams": all_teams, "events": all_events, "venues": all_venues, "roles": list(Role)}


@get("/org/accounts", name="accounts", guards=[organiser_only])
async def account_list(request: Request[Any, Any, Any]) -> Any:
    return page(request, "org/accounts.html", users=await accounts.list_accounts(db_of(request), actor_of(request)))


@get("/org/accounts/new", name="account_new", guards=[organiser_only])
async def account_new(request: Request[Any, Any, Any]) -> Any:
    return page(request, "org/account_form.html", user=None, values={}, problems={}, **await _choices(request))


@post("/org/accounts", name="account_create", guards=[organiser_only])
async def account_create(request: Request[Any, Any, Any]) -> Any:
    form = await request.form()
    try:
        data = parse(form, AccountInput)
        await accounts.create_account(
            db_of(request), actor_of(request), **{f: getattr(data, f) for f in AccountInput.__struct_fields__},
            chief_referee=form.get("is_chief_referee") == "on",
        )
    except DomainError as exc:
        if exc.status != 422:
            raise
        return page_or_partial(
            request, "org/account_form.html", "org/partials/account_form.html", status_code=422,
            user=None, values=form, problems=exc.problems or {"_": exc.message}, **await _choices(request),
        )
    return go(request, "/org/accounts")


@get("/org/accounts/{user_id:int}/edit", name="account_edit", guards=[organiser_only])
async def account_edit(request: Request[Any, Any, Any], user_id: FromPath[int]) -> Any:
    db = db_of(request)
    user = await accounts.get_account(db, actor_of(request), user_id)
    assigned_events, assigned_venues = await accounts.referee_assignments(db, user_id)
    return page(
        request, "org/account_form.html", user=user, values={}, problems={},
        assigned_events={e.id for e in assigned_events}, assigned_venues={v.id for v in assigned_venues},
        **await _choices(request),
    )


@post("/org/accounts/{user_id:int}", name="account_update", guards=[organiser_only])
async def account_update(request: Request[Any, Any, Any], user_id: FromPath[int]) -> Any:
    form = await request.form()
    db = db_of(request)
    actor = actor_of(request)
    try:
        data = parse(form, AccountUpdate)
        await accounts.update_account(db, actor, user_id, **{f: getattr(data, f) for f in AccountUpdate.__struct_fields__})
        await records.set_chief_referee(db, actor, user_id, form.get("is_chief_referee") == "on")
        if data.role == Role.REFEREE:
            await accounts.set_referee_assignments(
                db, actor, user_id,
                event_ids=ids_of(form.getall("event_ids", [])),
                venue_ids=ids_of(form.getall("venue_ids", [])),
            )
    except DomainError as exc:
        if exc.status != 422:
            raise
        user = await accounts.get_account(db, actor, user_id)
        return page_or_partial(
            request, "org/account_form.html", "org/partials/account_form.html", status_code=422,
            user=user, values=form, problems=exc.problems or {"_": exc.message},
            assigned_events=set(), assigned_venues=set(), **await _choices(request),
        )
    return go(request, "/org/accounts")


ROUTES = [account_list, account_new, account_create, account_edit, account_update]
