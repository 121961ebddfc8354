"""The JSON API under /api: what the pages do, as msgspec Structs in the OpenAPI schema.

Same session cookie and CSRF header (x-csrftoken) as the pages; the same services decide.
"""


import datetime as dt
from typing import Any

import msgspec
from litestar import Request, Response, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.handlers import HTTPRouteHandler
from litestar.status_codes import HTTP_204_NO_CONTENT

from events import accounts, bibs, meet_events, meets, registration, teams
from events.errors import DomainError
from events.models import Event, Meet, Team, TeamMember, UserAccount, Venue
from events.schemas import AccountInput, AccountUpdate, MeetInput, PersonInput
from events.validation import RowId
from web.auth import SESSION_COOKIE, actor_of, signed_in
from web.organiser.meet_setup import EVENTS, TEAMS, VENUES
from web.organiser.crud import Thing
from web.public import _client_address, _set_session_cookie, db_of


class MeetOut(msgspec.Struct):
    id: int
    name: str
    edition: int
    host: str
    location: str
    starts_on: dt.date
    ends_on: dt.date
    registration_opens: dt.date
    registration_closes: dt.date
    registration_state: str
    per_person_limit: int
    counted_kinds: list[str]


class VenueOut(msgspec.Struct):
    id: int
    meet_id: int
    name: str
    kind: str
    capacity: int


class EventOut(msgspec.Struct):
    id: int
    meet_id: int
    code: str
    name: str
    sport: str
    division: str
    kind: str
    format: str
    team_quota: int | None
    roster_min: int | None
    roster_max: int | None
    max_men: int | None
    max_women: int | None
    award_places: int
    best_of: int
    final_best_of: int | None
    venue_id: int | None
    position: int


class TeamOut(msgspec.Struct):
    id: int
    meet_id: int
    number: int
    name: str
    category: str


class MemberOut(msgspec.Struct):
    id: int
    team_id: int
    person_id: int
    name: str
    gender: str
    employee_no: str
    birth_date: dt.date | None
    unit: str
    bib: int | None


class AccountOut(msgspec.Struct):
    id: int
    username: str
    display_name: str
    role: str
    team_id: int | None
    is_active: bool


class Me(msgspec.Struct):
    user_id: int | None
    role: str | None
    display_name: str
    team_id: int | None


class SignIn(msgspec.Struct):
    username: str
    password: str


def _copy(obj: Any, out: type[msgspec.Struct], **extra: Any) -> Any:
    return out(**{f: extra[f] if f in extra else getattr(obj, f) for f in out.__struct_fields__})


def meet_out(meet: Meet) -> MeetOut:
    return _copy(meet, MeetOut, registration_state=meets.registration_state(meet))


def member_out(member: TeamMember) -> MemberOut:
    p = member.person
    return MemberOut(
        id=member.id, team_id=member.team_id, person_id=p.id, name=p.name, gender=p.gender,
        employee_no=p.employee_no, birth_date=p.birth_date, unit=p.unit, bib=member.bib,
    )


@post("/api/session", name="api_sign_in", status_code=200)
async def api_sign_in(request: Request[Any, Any, Any], data: JSONBody[SignIn]) -> Response[Me]:
    db = db_of(request)
    user = await accounts.authenticate(db, data.username, data.password, _client_address(request))
    token = await accounts.start_session(db, user, request.cookies.get(SESSION_COOKIE))
    response = Response(Me(user_id=user.id, role=user.role, display_name=user.display_name, team_id=user.team_id))
    _set_session_cookie(response, request, token)
    return response


@delete("/api/session", name="api_sign_out", status_code=HTTP_204_NO_CONTENT)
async def api_sign_out(request: Request[Any, Any, Any]) -> Response[None]:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await accounts.end_session(db_of(request), token)
    response = Response(None, status_code=HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@get("/api/me", name="api_me")
async def api_me(request: Request[Any, Any, Any]) -> Me:
    a = actor_of(request)
    return Me(user_id=a.user_id, role=a.role, display_name=a.display_name, team_id=a.team_id)


@get("/api/meets", name="api_meets")
async def api_meets(request: Request[Any, Any, Any]) -> list[MeetOut]:
    return [meet_out(m) for m in await meets.list_meets(db_of(request))]


@get("/api/meets/{meet_id:int}", name="api_meet")
async def api_meet(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> MeetOut:
    return meet_out(await meets.get_meet(db_of(request), meet_id))


@post("/api/meets", name="api_meet_create", guards=[signed_in], status_code=201)
async def api_meet_create(request: Request[Any, Any, Any], data: JSONBody[MeetInput]) -> MeetOut:
    return meet_out(await meets.create_meet(db_of(request), actor_of(request), data))


@put("/api/meets/{meet_id:int}", name="api_meet_update", guards=[signed_in])
async def api_meet_update(request: Request[Any, Any, Any], meet_id: FromPath[int], data: JSONBody[MeetInput]) -> MeetOut:
    return meet_out(await meets.update_meet(db_of(request), actor_of(request), meet_id, data))


async def _list_venues(db: Any, meet_id: FromPath[int]) -> list[Venue]:
    return await meets.list_venues(db, meet_id)


async def _list_events(db: Any, meet_id: FromPath[int]) -> list[Event]:
    return await meet_events.list_events(db, meet_id)


async def _list_teams(db: Any, meet_id: FromPath[int]) -> list[Team]:
    return await teams.list_teams(db, meet_id)


def api_crud(thing: Thing, out: type[msgspec.Struct], lister: Any) -> list[HTTPRouteHandler]:
    """List (public), create, replace and delete one kind of meet part."""
    base = f"/api/meets/{{meet_id:int}}/{thing.slug}"
    struct = thing.struct

    @get(base, name=f"api_{thing.slug}")
    async def list_items(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> list[out]:  # type: ignore[valid-type]
        await meets.get_meet(db_of(request), meet_id)
        return [_copy(o, out) for o in await lister(db_of(request), meet_id)]

    @post(base, name=f"api_{thing.slug}_create", guards=[signed_in], status_code=201)
    async def create(request: Request[Any, Any, Any], meet_id: FromPath[int], data: JSONBody[struct]) -> out:  # type: ignore[valid-type]
        return _copy(await thing.save(db_of(request), actor_of(request), meet_id, data), out)

    @put(f"{base}/{{item_id:int}}", name=f"api_{thing.slug}_update", guards=[signed_in])
    async def update(request: Request[Any, Any, Any], meet_id: FromPath[int], item_id: FromPath[int], data: JSONBody[struct]) -> out:  # type: ignore[valid-type]
        return _copy(await thing.save(db_of(request), actor_of(request), meet_id, data, item_id), out)

    @delete(f"{base}/{{item_id:int}}", name=f"api_{thing.slug}_delete", guards=[signed_in], status_code=204)
    async def remove(request: Request[Any, Any, Any], meet_id: FromPath[int], item_id: FromPath[int]) -> None:
        await thing.delete(db_of(request), actor_of(request), meet_id, item_id)

    return [list_items, create, update, remove]


@get("/api/teams/{team_id:int}/members", name="api_members", guards=[signed_in])
async def api_members(request: Request[Any, Any, Any], team_id: FromPath[int]) -> list[MemberOut]:
    return [member_out(m) for m in await teams.list_members(db_of(request), actor_of(request), team_id)]


@post("/api/teams/{team_id:int}/members", name="api_member_add", guards=[signed_in], status_code=201)
async def api_member_add(request: Request[Any, Any, Any], team_id: FromPath[int], data: JSONBody[PersonInput]) -> MemberOut:
    return member_out(await teams.add_member(db_of(request), actor_of(request), team_id, data))


@delete("/api/teams/{team_id:int}/members/{member_id:int}", name="api_member_remove", guards=[signed_in], status_code=204)
async def api_member_remove(request: Request[Any, Any, Any], team_id: FromPath[int], member_id: FromPath[int]) -> None:
    await teams.remove_member(db_of(request), actor_of(request), team_id, member_id)


def account_out(user: UserAccount) -> AccountOut:
    return _copy(user, AccountOut)


@get("/api/accounts", name="api_accounts", guards=[signed_in])
async def api_accounts(request: Request[Any, Any, Any]) -> list[AccountOut]:
    return [account_out(u) for u in await accounts.list_accounts(db_of(request), actor_of(request))]


@post("/api/accounts", name="api_account_create", guards=[signed_in], status_code=201)
async def api_account_create(request: Request[Any, Any, Any], data: JSONBody[AccountInput]) -> AccountOut:
    fields = {f: getattr(data, f) for f in AccountInput.__struct_fields__}
    return account_out(await accounts.create_account(db_of(request), actor_of(request), **fields))


@put("/api/accounts/{user_id:int}", name="api_account_update", guards=[signed_in])
async def api_account_update(request: Request[Any, Any, Any], user_id: FromPath[int], data: JSONBody[AccountUpdate]) -> AccountOut:
    fields = {f: getattr(data, f) for f in AccountUpdate.__struct_fields__}
    return account_out(await accounts.update_account(db_of(request), actor_of(request), user_id, **fields))


class EntryIn(msgspec.Struct):
    event_id: RowId
    person_id: RowId
    squad: int = 1
    reason: str = ""


class EntryOut(msgspec.Struct):
    id: int
    meet_id: int
    event_id: int
    team_id: int
    person_id: int
    squad: int
    status: str
    review_reason: str


class PlanIn(msgspec.Struct):
    entries: dict[int, list[int]]  # person_id -> event ids wanted
    reason: str = ""
    dry_run: bool = False


class PlanProblemOut(msgspec.Struct):
    person: str
    event: str
    message: str


class PlanOut(msgspec.Struct):
    saved: bool
    added: int
    withdrawn: int
    unchanged: int
    problems: list[PlanProblemOut]


class ReviewIn(msgspec.Struct):
    approve: bool
    reason: str = ""


class BibsIn(msgspec.Struct):
    mode: str = "team_ranges"
    renumber: bool = False


class BibsOut(msgspec.Struct):
    changed: int


@get("/api/teams/{team_id:int}/entries", name="api_entries", guards=[signed_in])
async def api_entries(request: Request[Any, Any, Any], team_id: FromPath[int]) -> list[EntryOut]:
    board = await registration.board(db_of(request), actor_of(request), team_id)
    return [_copy(e, EntryOut) for e in board.entries.values()]


@post("/api/teams/{team_id:int}/entries", name="api_entry_add", guards=[signed_in], status_code=201)
async def api_entry_add(request: Request[Any, Any, Any], team_id: FromPath[int], data: JSONBody[EntryIn]) -> Response[EntryOut]:
    """Enter a person in an event. 201 when created, 200 when it already existed, 422 with the reason when refused."""
    result = await registration.enter(
        db_of(request), actor_of(request), team_id=team_id, event_id=data.event_id, person_id=data.person_id,
        squad=data.squad, reason=data.reason,
    )
    return Response(_copy(result.entry, EntryOut), status_code=201 if result.created else 200)


@delete("/api/teams/{team_id:int}/entries/{event_id:int}/{person_id:int}", name="api_entry_withdraw", guards=[signed_in], status_code=204)
async def api_entry_withdraw(
    request: Request[Any, Any, Any], team_id: FromPath[int], event_id: FromPath[int], person_id: FromPath[int],
    reason: FromQuery[str] = "",
) -> None:
    await registration.withdraw(
        db_of(request), actor_of(request), team_id=team_id, event_id=event_id, person_id=person_id, reason=reason
    )


@put("/api/teams/{team_id:int}/entries", name="api_entry_plan", guards=[signed_in])
async def api_entry_plan(request: Request[Any, Any, Any], team_id: FromPath[int], data: JSONBody[PlanIn]) -> Response[PlanOut]:
    """Make the team's entries what the plan says, all or nothing (422 listing every refusal)."""
    result = await registration.apply_plan(
        db_of(request), actor_of(request), team_id, {p: set(es) for p, es in data.entries.items()},
        reason=data.reason, dry_run=data.dry_run,
    )
    out = PlanOut(
        saved=not result.problems and not data.dry_run, added=result.added, withdrawn=result.withdrawn,
        unchanged=result.unchanged, problems=[PlanProblemOut(p.person, p.event, p.message) for p in result.problems],
    )
    return Response(out, status_code=422 if result.problems else 200)


@post("/api/entries/{entry_id:int}/review", name="api_entry_review", guards=[signed_in], status_code=200)
async def api_entry_review(request: Request[Any, Any, Any], entry_id: FromPath[int], data: JSONBody[ReviewIn]) -> EntryOut:
    entry = await registration.review(db_of(request), actor_of(request), entry_id, approve=data.approve, reason=data.reason)
    return _copy(entry, EntryOut)


@post("/api/meets/{meet_id:int}/bibs", name="api_bibs", guards=[signed_in], status_code=200)
async def api_bibs(request: Request[Any, Any, Any], meet_id: FromPath[int], data: JSONBody[BibsIn]) -> BibsOut:
    changed = await bibs.assign_bibs(db_of(request), actor_of(request), meet_id, data.mode, renumber=data.renumber)
    return BibsOut(changed=changed)


ROUTES = [
    api_sign_in,
    api_sign_out,
    api_me,
    api_meets,
    api_meet,
    api_meet_create,
    api_meet_update,
    *api_crud(VENUES, VenueOut, _list_venues),
    *api_crud(EVENTS, EventOut, _list_events),
    *api_crud(TEAMS, TeamOut, _list_teams),
    api_members,
    api_member_add,
    api_member_remove,
    api_accounts,
    api_account_create,
    api_account_update,
    api_entries,
    api_entry_add,
    api_entry_withdraw,
    api_entry_plan,
    api_entry_review,
    api_bibs,
]

__all__ = ["ROUTES", "DomainError"]
