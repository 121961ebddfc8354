"""Timetable pages (赛程): the organiser's workspace, the published timetable, personal schedules.

- Organisers set sessions, durations and rest, press 生成赛程 and see the greedy schedule at
  once with its finish time, lower bound and gap; CP-SAT then improves it in the background
  while the page polls its progress (HTMX, every second, stopping when done). They pin items,
  move one by hand (refused in place with the reason), re-solve the rest and publish.
- Everybody sees the published timetable by day and by venue; leaders and organisers see each
  team's and each athlete's own schedule, to print (A4) or to add to a calendar (.ics).

The services decide (events.timetable); this module turns forms into requests and views into pages.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from events import meet_events, teams
from events import timetable as service
from events.errors import DomainError
from events.timetable import MoveInput, SessionInput, SettingsInput, SlotRow
from events.validation import plain_int
from web.auth import actor_of, organiser_only, signed_in
from web.public import db_of
from web.render import go, is_htmx, page, partial

_TIME = re.compile(r"^\s*(\d{1,2})[::](\d{2})\s*[-–—~至到]\s*(\d{1,2})[::](\d{2})\s*$")


def _int(value: Any, label: str, field: str, low: int, high: int) -> int:
    text = str(value if value is not None else "").strip()
    if (number := plain_int(text)) is None or not low <= number <= high:
        raise DomainError(f"{label}须为 {low}–{high} 的整数", field=field)
    return number


def _optional_int(value: Any, label: str, field: str) -> int | None:
    text = str(value or "").strip()
    return None if not text else _int(text, label, field, 1, 600)


def parse_sessions(day: dt.date, text: str) -> list[SessionInput]:
    """"08:30-11:30, 13:30-17:30" (commas, spaces or new lines between) for one day."""
    sessions = []
    for part in re.split(r"[,,;;\s]+(?=\d{1,2}[::]\d{2}\s*[-–—~至到])", text.strip()):
        if not part.strip():
            continue
        found = _TIME.match(part)
        if not found:
            raise DomainError(f"无法识别的时段「{part.strip()[:20]}」:请写成 08:30-11:30", field="sessions")
        h1, m1, h2, m2 = (int(x) for x in found.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise DomainError(f"时段「{part.strip()}」的时间无效", field="sessions")
        sessions.append(SessionInput(day, dt.time(h1, m1), dt.time(h2, m2)))
    return sessions


def settings_input(form: Any, days: list[dt.date], event_ids: list[int]) -> SettingsInput:
    sessions = []
    for day in days:
        sessions += parse_sessions(day, str(form.get(f"day:{day.isoformat()}") or ""))
    durations = {
        event_id: [
            _optional_int(form.get(f"all:{event_id}"), "每场时长", "durations"),
            _optional_int(form.get(f"final:{event_id}"), "决赛时长", "durations"),
        ]
        for event_id in event_ids
    }
    return SettingsInput(
        min_rest=_int(form.get("min_rest"), "最短休息时间", "min_rest", 0, 240),
        improve_seconds=_int(form.get("improve_seconds"), "优化时间", "improve_seconds", 1, 600),
        ceremony_minutes=_int(form.get("ceremony_minutes"), "开幕式时长", "ceremony_minutes", 0, 240),
        sessions=sessions,
        durations=durations,
    )


def move_input(form: Any) -> MoveInput:
    try:
        day = dt.date.fromisoformat(str(form.get("day") or ""))
    except ValueError:
        raise DomainError("请选择日期", field="day") from None
    found = re.match(r"^\s*(\d{1,2})[::](\d{2})\s*$", str(form.get("at") or ""))
    if not found or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        raise DomainError("请填写开始时间,如 09:30", field="at")
    unit = str(form.get("unit") or "").strip()
    return MoveInput(
        item_key=str(form.get("item_key") or "")[:40],
        day=day,
        at=dt.time(int(found.group(1)), int(found.group(2))),
        unit=_int(unit, "场地/球台号", "unit", 1, 99) if unit else None,
    )


def _clock(value: dt.datetime) -> str:
    return f"{value:%H:%M}"


def _context(view: service.TimetableView) -> dict[str, Any]:
    meet = view.meet
    return {
        "meet": meet,
        "view": view,
        "tt": view.timetable,
        "SOLVER": service.SOLVER_LABELS,
        "STATUS": service.STATUS_LABELS,
        "BOUND": service.BOUND_LABELS,
        "clock_of": lambda minute: service.clock(meet, minute),
        "hm": _clock,
        "days": service.meet_days(meet),
    }


async def _workspace(
    request: Request[Any, Any, Any], meet_id: int, *, problem: DomainError | None = None,
    move_problem: tuple[str, str, dict[str, Any]] | None = None, notice: str = "", status_code: int = 200,
) -> Any:
    db, actor = db_of(request), actor_of(request)
    view = await service.organiser_view(db, actor, meet_id)
    events = await meet_events.list_events(db, meet_id)
    changes = await service.changes_since(db, actor, meet_id, view.timetable.id) if view.timetable else ""
    status = problem.status if problem else status_code
    return page(
        request, "timetable/organiser.html", status_code=status, **_context(view), problem=problem,
        move_problem=move_problem, notice=notice, events=events, default_minutes=service.default_minutes,
        sessions_text=_sessions_text(view.settings), FINAL_FORMATS={"heats_final"}, changes=changes,
    )


def _sessions_text(settings: service.TimetableSettings) -> dict[dt.date, str]:
    text: dict[dt.date, list[str]] = {}
    for day, a, b in settings.sessions:
        text.setdefault(day, []).append(f"{a:%H:%M}-{b:%H:%M}")
    return {day: ", ".join(parts) for day, parts in text.items()}


@get("/org/meets/{meet_id:int}/timetable", name="timetable_workspace", guards=[organiser_only])
async def timetable_workspace(
    request: Request[Any, Any, Any], meet_id: FromPath[int], published: FromQuery[int | None] = None
) -> Any:
    notice = "赛程已公布:公开赛程、各队和个人的赛程及日历订阅已按它更新。" if published else ""
    return await _workspace(request, meet_id, notice=notice)


@post("/org/meets/{meet_id:int}/timetable/settings", name="timetable_settings", guards=[organiser_only])
async def timetable_settings(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    db, actor = db_of(request), actor_of(request)
    form = await request.form()
    settings = await service.get_settings(db, meet_id)
    event_ids = [e.id for e in await meet_events.list_events(db, meet_id)]
    try:
        await service.save_settings(db, actor, meet_id, settings_input(form, service.meet_days(settings.meet), event_ids))
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        return await _workspace(request, meet_id, problem=exc)
    return go(request, f"/org/meets/{meet_id}/timetable#settings")


@post("/org/meets/{meet_id:int}/timetable/generate", name="timetable_generate", guards=[organiser_only])
async def timetable_generate(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    db, actor = db_of(request), actor_of(request)
    try:
        tt = await service.generate(db, actor, meet_id)
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        return await _workspace(request, meet_id, problem=exc)
    await service.start_improvement(db, actor, meet_id, tt.id)
    return go(request, f"/org/meets/{meet_id}/timetable")


@post("/org/meets/{meet_id:int}/timetable/{timetable_id:int}/resolve", name="timetable_resolve", guards=[organiser_only])
async def timetable_resolve(request: Request[Any, Any, Any], meet_id: FromPath[int], timetable_id: FromPath[int]) -> Any:
    db, actor = db_of(request), actor_of(request)
    try:
        tt = await service.resolve(db, actor, meet_id, timetable_id)
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        return await _workspace(request, meet_id, problem=exc)
    await service.start_improvement(db, actor, meet_id, tt.id)
    return go(request, f"/org/meets/{meet_id}/timetable")


@get("/org/meets/{meet_id:int}/timetable/{timetable_id:int}/progress", name="timetable_progress", guards=[organiser_only])
async def timetable_progress(request: Request[Any, Any, Any], meet_id: FromPath[int], timetable_id: FromPath[int]) -> Any:
    """The summary box: polled while CP-SAT runs; once done it asks the page to reload the grid."""
    view = await service.progress(db_of(request), actor_of(request), meet_id, timetable_id)
    was_running = request.query_params.get("running") == "1"
    done_now = was_running and view.state != "running"
    if not is_htmx(request):
        return go(request, f"/org/meets/{meet_id}/timetable")
    response = partial(request, "timetable/partials/summary.html", **_context(view))
    if done_now:
        response.headers["HX-Refresh"] = "true"  # the improved grid replaces the greedy one
    return response


@post("/org/meets/{meet_id:int}/timetable/{timetable_id:int}/publish", name="timetable_publish", guards=[organiser_only])
async def timetable_publish(request: Request[Any, Any, Any], meet_id: FromPath[int], timetable_id: FromPath[int]) -> Any:
    try:
        await service.publish(db_of(request), actor_of(request), meet_id, timetable_id)
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        return await _workspace(request, meet_id, problem=exc)
    return go(request, f"/org/meets/{meet_id}/timetable?published=1")


@post("/org/meets/{meet_id:int}/timetable/{timetable_id:int}/pin", name="timetable_pin", guards=[organiser_only])
async def timetable_pin(request: Request[Any, Any, Any], meet_id: FromPath[int], timetable_id: FromPath[int]) -> Any:
    form = await request.form()
    key = str(form.get("item_key") or "")[:40]
    try:
        slot = await service.pin(db_of(request), actor_of(request), meet_id, timetable_id, key, form.get("pinned") == "1")
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        return await _workspace(request, meet_id, problem=exc)
    return go(request, f"/org/meets/{meet_id}/timetable#item-{slot.id}")  # back to the row, not the list's top


@post("/org/meets/{meet_id:int}/timetable/{timetable_id:int}/move", name="timetable_move", guards=[organiser_only])
async def timetable_move(request: Request[Any, Any, Any], meet_id: FromPath[int], timetable_id: FromPath[int]) -> Any:
    """A refusal comes back in place: the move form with the reason (HTMX), or the whole page."""
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("item_key", "day", "at", "unit")}
    db, actor = db_of(request), actor_of(request)
    try:
        moved = await service.move(db, actor, meet_id, timetable_id, move_input(form))
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        if is_htmx(request):
            view = await service.organiser_view(db, actor, meet_id, timetable_id)
            slot = next((s for s in view.slots if s.item_key == values["item_key"]), None)
            row = next((r for r in view.rows if r.item_key == values["item_key"]), None)
            if slot is None or row is None:
                raise
            return partial(
                request, "timetable/partials/move.html", status_code=exc.status, **_context(view), s=slot, r=row,
                values=values, message=exc.message,
            )
        return await _workspace(
            request, meet_id, move_problem=(values["item_key"], exc.message, values), status_code=exc.status
        )
    return go(request, f"/org/meets/{meet_id}/timetable#item-{moved.id}")


# Everybody: the published timetable ---------------------------------------------------------


@get("/meets/{meet_id:int}/timetable", name="timetable_public")
async def timetable_public(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    db, actor = db_of(request), actor_of(request)
    view = await service.public_view(db, meet_id)
    # Organisers reach every team's schedule from here; a leader has the link to their own.
    schedule_teams = await teams.list_teams(db, meet_id) if actor.is_organiser else []
    return page(request, "timetable/public.html", **_context(view), schedule_teams=schedule_teams)


# Personal schedules: a team's, an athlete's -------------------------------------------------


def _ics_response(request: Request[Any, Any, Any], personal: service.Personal, fallback: str) -> Response[bytes]:
    """The schedule as a calendar file named for whose it is (an ASCII name for old clients)."""
    body = service.personal_ics(personal, base_url=str(request.base_url).rstrip("/"))
    name = quote(f"{personal.title}.ics".replace(" ", ""))
    return Response(
        body, media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{name}"},
    )


def _personal_page(request: Request[Any, Any, Any], personal: service.Personal, ics: str, *, team_view: bool) -> Any:
    return page(request, "timetable/personal.html", personal=personal, meet=personal.meet, hm=_clock, ics=ics, team_view=team_view)


@get("/meets/{meet_id:int}/timetable/teams/{team_id:int}", name="timetable_team", guards=[signed_in])
async def timetable_team(request: Request[Any, Any, Any], meet_id: FromPath[int], team_id: FromPath[int]) -> Any:
    personal = await service.team_rows(db_of(request), actor_of(request), meet_id, team_id)
    return _personal_page(request, personal, f"/meets/{meet_id}/timetable/teams/{team_id}/calendar.ics", team_view=True)


@get("/meets/{meet_id:int}/timetable/teams/{team_id:int}/calendar.ics", name="timetable_team_ics", guards=[signed_in])
async def timetable_team_ics(request: Request[Any, Any, Any], meet_id: FromPath[int], team_id: FromPath[int]) -> Response[bytes]:
    personal = await service.team_rows(db_of(request), actor_of(request), meet_id, team_id)
    return _ics_response(request, personal, f"team-{team_id}.ics")


@get("/meets/{meet_id:int}/timetable/people/{person_id:int}", name="timetable_person", guards=[signed_in])
async def timetable_person(request: Request[Any, Any, Any], meet_id: FromPath[int], person_id: FromPath[int]) -> Any:
    personal = await service.person_rows(db_of(request), actor_of(request), meet_id, person_id)
    return _personal_page(request, personal, f"/meets/{meet_id}/timetable/people/{person_id}/calendar.ics", team_view=False)


@get("/meets/{meet_id:int}/timetable/people/{person_id:int}/calendar.ics", name="timetable_person_ics", guards=[signed_in])
async def timetable_person_ics(request: Request[Any, Any, Any], meet_id: FromPath[int], person_id: FromPath[int]) -> Response[bytes]:
    personal = await service.person_rows(db_of(request), actor_of(request), meet_id, person_id)
    return _ics_response(request, personal, f"person-{person_id}.ics")


# API ---------------------------------------------------------------------------------------


class TimetableSummary(msgspec.Struct):
    timetable_id: int
    status: str
    solver_status: str
    items: int
    finish: str
    lower_bound: str
    gap_percent: float | None
    bound_parts: dict[str, int]


def _summary(view: service.TimetableView) -> TimetableSummary:
    tt = view.timetable
    assert tt is not None
    gap = view.gap
    return TimetableSummary(
        timetable_id=tt.id, status=tt.status, solver_status=view.state, items=len(view.rows),
        finish=service.clock(view.meet, tt.finish), lower_bound=service.clock(view.meet, tt.bound),
        gap_percent=None if gap is None else round(gap * 100, 1), bound_parts=dict(tt.bound_parts),
    )


@get("/api/meets/{meet_id:int}/timetable", name="api_timetable")
async def api_timetable(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> list[SlotRow]:
    """The published timetable in time order (public)."""
    return (await service.public_view(db_of(request), meet_id)).rows


@post("/api/meets/{meet_id:int}/timetable/generate", name="api_timetable_generate", guards=[organiser_only], status_code=201)
async def api_timetable_generate(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> TimetableSummary:
    """Solve greedily now and start improving in the background; poll the progress endpoint."""
    db, actor = db_of(request), actor_of(request)
    tt = await service.generate(db, actor, meet_id)
    await service.start_improvement(db, actor, meet_id, tt.id)
    return _summary(await service.progress(db, actor, meet_id, tt.id))


@get("/api/meets/{meet_id:int}/timetable/{timetable_id:int}/progress", name="api_timetable_progress", guards=[organiser_only])
async def api_timetable_progress(request: Request[Any, Any, Any], meet_id: FromPath[int], timetable_id: FromPath[int]) -> TimetableSummary:
    return _summary(await service.progress(db_of(request), actor_of(request), meet_id, timetable_id))


@post("/api/meets/{meet_id:int}/timetable/{timetable_id:int}/publish", name="api_timetable_publish", guards=[organiser_only])
async def api_timetable_publish(request: Request[Any, Any, Any], meet_id: FromPath[int], timetable_id: FromPath[int]) -> TimetableSummary:
    db, actor = db_of(request), actor_of(request)
    await service.publish(db, actor, meet_id, timetable_id)
    return _summary(await service.progress(db, actor, meet_id, timetable_id))


ROUTES = [
    timetable_workspace,
    timetable_settings,
    timetable_generate,
    timetable_resolve,
    timetable_progress,
    timetable_publish,
    timetable_pin,
    timetable_move,
    timetable_public,
    timetable_team,
    timetable_team_ics,
    timetable_person,
    timetable_person_ics,
    api_timetable,
    api_timetable_generate,
    api_timetable_progress,
    api_timetable_publish,
]
