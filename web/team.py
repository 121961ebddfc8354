"""The team leader's pages (and the organisers' view of any team): the team's people."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath

from events import meets, teams
from events.errors import DomainError
from events.schemas import PersonInput
from web.auth import actor_of, signed_in
from web.forms import parse
from web.public import db_of
from web.render import go, page_or_partial


async def _team_page(request: Request[Any, Any, Any], team_id: FromPath[int], values: Any, problems: dict[str, str], status: int = 200) -> Any:
    db = db_of(request)
    actor = actor_of(request)
    team = await teams.get_team(db, actor, team_id)
    members = await teams.list_members(db, actor, team_id)
    return page_or_partial(
        request, "team/team.html", "team/partials/members.html", status_code=status,
        team=team, meet=team.meet, members=members, leaders=await teams.team_leaders(db, team_id),
        state=meets.registration_state(team.meet), values=values, problems=problems,
    )


@get("/teams/{team_id:int}", name="team_home", guards=[signed_in])
async def team_home(request: Request[Any, Any, Any], team_id: FromPath[int]) -> Any:
    return await _team_page(request, team_id, {}, {})


@post("/teams/{team_id:int}/members", name="member_add", guards=[signed_in])
async def member_add(request: Request[Any, Any, Any], team_id: FromPath[int]) -> Any:
    form = await request.form()
    try:
        await teams.add_member(db_of(request), actor_of(request), team_id, parse(form, PersonInput))
    except DomainError as exc:
        if exc.status != 422:
            raise
        return await _team_page(request, team_id, form, exc.problems or {"_": exc.message}, 422)
    return await _team_page(request, team_id, {}, {}) if request.htmx else go(request, f"/teams/{team_id}")


@post("/teams/{team_id:int}/members/{member_id:int}/delete", name="member_remove", guards=[signed_in])
async def member_remove(request: Request[Any, Any, Any], team_id: FromPath[int], member_id: FromPath[int]) -> Any:
    await teams.remove_member(db_of(request), actor_of(request), team_id, member_id)
    return await _team_page(request, team_id, {}, {}) if request.htmx else go(request, f"/teams/{team_id}")


ROUTES = [team_home, member_add, member_remove]
