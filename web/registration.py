"""Registration pages: the team leader's matrix and rosters, the review, bibs."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery

from events import bibs, meets, registration, timetable
from events.errors import DomainError
from events.validation import chosen_id
from web.auth import actor_of, organiser_only, referee_only, signed_in
from web.public import db_of
from web.render import go, page, page_or_partial


def _int(value: Any, field: str) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise DomainError("请求参数无效", field=field) from None


async def _board(
    request: Request[Any, Any, Any], team_id: int, status: int = 200, notice: str = "", problem: str = ""
) -> Any:
    board = await registration.board(db_of(request), actor_of(request), team_id)
    clashes = await timetable.team_clashes(db_of(request), actor_of(request), team_id)
    return page_or_partial(
        request, "registration/board.html", "registration/partials/board.html", status_code=status,
        b=board, meet=board.meet, team=board.team, notice=notice, problem=problem, clashes=clashes,
    )


@get("/teams/{team_id:int}/entries", name="entries_board", guards=[signed_in])
async def entries_board(request: Request[Any, Any, Any], team_id: FromPath[int]) -> Any:
    return await _board(request, team_id)


@post("/teams/{team_id:int}/entries", name="entries_change", guards=[signed_in])
async def entries_change(request: Request[Any, Any, Any], team_id: FromPath[int]) -> Any:
    """Enter or withdraw one person in one event (a matrix cell or a roster line)."""
    form = await request.form()
    event_id = chosen_id(form.get("event_id"), "event_id", "请求参数无效", "项目编号无效")
    person_id = chosen_id(form.get("person_id"), "person_id", "请求参数无效", "职工编号无效")
    reason = form.get("reason") or ""
    db, actor = db_of(request), actor_of(request)
    try:
        if form.get("action") == "withdraw":
            await registration.withdraw(db, actor, team_id=team_id, event_id=event_id, person_id=person_id, reason=reason)
            notice = "已撤销"
        else:
            squad = _int(form.get("squad") or 1, "squad")
            result = await registration.enter(
                db, actor, team_id=team_id, event_id=event_id, person_id=person_id, squad=squad, reason=reason
            )
            notice = (
                f"{result.person.name} 已报名「{result.event.name}」"
                if result.created
                else f"{result.person.name} 已经报过「{result.event.name}」"
            )
    except DomainError as exc:
        if not request.htmx or exc.status not in (409, 422):
            raise
        # The matrix may be stale (another tab, another leader): redraw it as it is now, with the reason.
        return await _board(request, team_id, status=exc.status, problem=exc.message)
    if request.htmx:
        return await _board(request, team_id, notice=notice)
    return go(request, f"/teams/{team_id}/entries")


@get("/teams/{team_id:int}/entries/print", name="entries_print", guards=[signed_in])
async def entries_print(request: Request[Any, Any, Any], team_id: FromPath[int]) -> Any:
    board = await registration.board(db_of(request), actor_of(request), team_id)
    return page(request, "registration/confirmation.html", b=board, meet=board.meet, team=board.team, today=meets.today())


@get("/meets/{meet_id:int}/review", name="review_list", guards=[referee_only])
async def review_list(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromQuery[int | None] = None) -> Any:
    db, actor = db_of(request), actor_of(request)
    meet = await meets.get_meet(db, meet_id)
    rows = await registration.meet_entries(db, meet_id)
    if not actor.is_organiser:
        rows = [r for r in rows if actor.can_referee(r[2].id, r[2].venue_id)]
    events = []
    for row in rows:
        if row[2] not in events:
            events.append(row[2])
    if event_id is not None:
        rows = [r for r in rows if r[2].id == event_id]
    return page(request, "registration/review.html", meet=meet, rows=rows, events=events, event_id=event_id)


@post("/entries/{entry_id:int}/review", name="entry_review", guards=[referee_only])
async def entry_review(request: Request[Any, Any, Any], entry_id: FromPath[int]) -> Any:
    form = await request.form()
    entry = await registration.review(
        db_of(request), actor_of(request), entry_id, approve=form.get("verdict") == "approve", reason=form.get("reason") or ""
    )
    if request.htmx:
        return page_or_partial(request, "registration/review.html", "registration/partials/review_status.html", entry=entry)
    return go(request, f"/meets/{entry.meet_id}/review")


@get("/org/meets/{meet_id:int}/entries", name="meet_entries", guards=[organiser_only])
async def meet_entries(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    db = db_of(request)
    meet = await meets.get_meet(db, meet_id)
    rows = await registration.meet_entries(db, meet_id)
    return page(
        request, "registration/meet_entries.html", meet=meet, rows=rows,
        counts=await registration.entry_counts(db, meet_id), modes=list(bibs.BibMode),
        bib_of=await registration.bibs_of(db, meet_id), changed=request.query_params.get("bibs"),
    )


@post("/org/meets/{meet_id:int}/bibs", name="bibs_assign", guards=[organiser_only])
async def bibs_assign(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    form = await request.form()
    changed = await bibs.assign_bibs(
        db_of(request), actor_of(request), meet_id, form.get("mode") or "", renumber=form.get("renumber") == "on"
    )
    return go(request, f"/org/meets/{meet_id}/entries?bibs={changed}")


ROUTES = [entries_board, entries_change, entries_print, review_list, entry_review, meet_entries, bibs_assign]
