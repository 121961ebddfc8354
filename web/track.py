"""Pages of timed and measured events (田径、接力、趣味项目): heats and lanes, marks, results.

- Organisers draw each round (预赛 with Q/q, or straight to the final), look at the preview,
  redraw until content, publish; then draw the final from the heats' marks.
- Referees enter marks on a tablet, one line at a time: each line is its own small form, so a
  poor connection loses at most the line being sent, and a retry carries the same
  idempotency key (web/static/zhijia.js retries a failed send a few times by itself).
- Everybody sees start lists and results on the event page, with places, Q/q and record flags.

The services decide (events.race_rounds, events.mark_results); this module turns forms into
requests and rounds into pages.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

from events import mark_results, meet_events, meets, race_rounds, records
from events.errors import ChangedSinceSent, DomainError, Forbidden, NotFound
from events.mark_results import Implausible, MarkInput, StaleMark
from events.measures import is_mark_event, measure_of, shown
from events.models import Event, MarkResult, RoundStatus, StartEntry, UserAccount
from events.draws import field_change
from events.race_rounds import METHODS, RoundRequest, RoundView
from events.validation import MAX_ID, plain_int
from scheduling.marks import STATUS_LABELS
from web.auth import actor_of, organiser_only, referee_only, signed_in
from web.public import db_of
from web.render import go, is_htmx, page, partial

ROUND_STATUS = {RoundStatus.DRAFT: "预览", RoundStatus.PUBLISHED: "已公布"}
FLAGS = records.FLAG_LABELS
MARK_EXAMPLE = {"time": "12.34", "distance": "5.23", "height": "1.45", "count": "86", "points": "36"}  # fits the mark box
_OTHER_FORMS = {"time": "、12\"34、4:05.67", "distance": " 或 523cm"}
MARK_HINTS = {kind: f"如 {example}{_OTHER_FORMS.get(kind, '')}" for kind, example in MARK_EXAMPLE.items()}


def _fresh_key() -> str:
    return uuid.uuid4().hex


def _int(value: Any, label: str, field: str, minimum: int = 0, maximum: int = 10_000) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if (number := plain_int(text)) is None or not minimum <= number <= maximum:
        raise DomainError(f"{label}须为 {minimum}–{maximum} 的整数", field=field)
    return number


def round_request(form: Any) -> RoundRequest:
    """The organiser's form as a request; numbers are checked here, rules in the service."""
    layout = str(form.get("layout") or "lanes")
    is_final = str(form.get("stage") or "final") == "final"
    seed_marks = {
        key.removeprefix("seed_mark:"): str(value).strip()
        for key, value in form.items()
        if key.startswith("seed_mark:") and str(value).strip()
    }
    return RoundRequest(
        method=str(form.get("method") or "serpentine"),
        lanes=(_int(form.get("lanes"), "道次数", "lanes", 1, 12) or 8) if layout == "lanes" else None,
        section_size=_int(form.get("section_size"), "每组人数", "section_size", 1, 1000) if layout != "lanes" else None,
        heat_count=_int(form.get("heat_count"), "分组数", "heat_count", 1, 100),
        is_final=is_final,
        qualify_by_place=0 if is_final else (_int(form.get("qualify_by_place"), "每组录取名次", "qualify_by_place", 0, 12) or 0),
        qualify_by_time=0 if is_final else (_int(form.get("qualify_by_time"), "按成绩录取人数", "qualify_by_time", 0, 100) or 0),
        seed=_int(form.get("seed"), "随机种子", "seed", 0, 10**12 - 1),
        seed_marks=seed_marks,
        advance=[str(x) for x in form.getall("advance", [])] if hasattr(form, "getall") else list(form.get("advance") or []),
    )


def _defaults(event: Event, views: list[RoundView]) -> dict[str, Any]:
    """What the draw form starts with: the event's format decides heats, final or sections."""
    first = not views or (len(views) == 1 and views[0].round.status == RoundStatus.DRAFT)
    mass = event.format == "mass_start" or event.kind == "individual_measured"
    heats_first = event.format == "heats_final" and first
    return {
        "method": "serpentine" if event.format == "heats_final" else ("graded" if not mass else "serpentine"),
        "layout": "sections" if mass else "lanes",
        "lanes": 8,
        "section_size": "",
        "heat_count": "",
        "stage": "heats" if heats_first else "final",
        "qualify_by_place": 3 if heats_first else "",
        "qualify_by_time": 2 if heats_first else "",
        "seed": "",
    }


# Organiser pages ---------------------------------------------------------------------------


@get("/org/meets/{meet_id:int}/heats", name="heats_list", guards=[organiser_only])
async def heats_list(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    db = db_of(request)
    meet = await meets.get_meet(db, meet_id)
    rows = []
    for event in await meet_events.list_events(db, meet_id):
        if is_mark_event(event):
            _, views = await race_rounds.event_rounds(db, meet_id, event.id)
            rows.append((event, views))
    return page(request, "track/list.html", meet=meet, rows=rows, ROUND_STATUS=ROUND_STATUS)


async def _workspace(
    request: Request[Any, Any, Any], meet_id: int, event_id: int, values: dict[str, Any] | None = None,
    problem: DomainError | None = None,
) -> Any:
    db = db_of(request)
    meet = await meets.get_meet(db, meet_id)
    event, views = await race_rounds.event_rounds(db, meet_id, event_id)
    async with db.read() as session:
        field = await race_rounds.candidates(session, event)
    first_draft = bool(views) and views[0].round.status == RoundStatus.DRAFT
    return page(
        request, "track/organiser.html", status_code=problem.status if problem else 200,
        meet=meet, event=event, views=views, field=field,
        change=field_change(field, views[0].lines) if first_draft else None,
        values=values or _defaults(event, views), problem=problem,
        next_round=_next_round_label(views), **_sheet_context(event),
    )


def _next_round_label(views: list[RoundView]) -> str | None:
    """What the draw button makes: None when the final is published."""
    if not views:
        return "编排分组"
    latest = views[-1]
    if latest.round.status == RoundStatus.DRAFT:
        return "重新编排"
    if latest.round.is_final:
        return None
    return "编排下一轮"


def _sheet_context(event: Event) -> dict[str, Any]:
    measure = measure_of(event)
    return {
        "measure": measure,
        "mark_text": lambda line: shown(measure, line.value, line.status),
        "seed_text": lambda line: race_rounds.seed_text(measure, line.seed_value),
        "FLAGS": FLAGS,
        "METHODS": METHODS,
        "ROUND_STATUS": ROUND_STATUS,
        "STATUS_LABELS": STATUS_LABELS,
        "MARK_HINT": MARK_HINTS.get(measure.kind, ""),
        "MARK_EXAMPLE": MARK_EXAMPLE.get(measure.kind, ""),
        "new_key": _fresh_key,
    }


@get("/org/meets/{meet_id:int}/events/{event_id:int}/heats", name="heats_page", guards=[organiser_only])
async def heats_page(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> Any:
    return await _workspace(request, meet_id, event_id)


@post("/org/meets/{meet_id:int}/events/{event_id:int}/heats", name="heats_draw", guards=[organiser_only])
async def heats_draw(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> Any:
    form = await request.form()
    values = {k: form.get(k) for k in form}
    try:
        await race_rounds.draw_round(db_of(request), actor_of(request), meet_id, event_id, round_request(form))
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        return await _workspace(request, meet_id, event_id, values, exc)
    return go(request, f"/org/meets/{meet_id}/events/{event_id}/heats#latest")


@post("/org/meets/{meet_id:int}/events/{event_id:int}/heats/publish", name="heats_publish", guards=[organiser_only])
async def heats_publish(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> Any:
    try:
        await race_rounds.publish_round(db_of(request), actor_of(request), meet_id, event_id)
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        return await _workspace(request, meet_id, event_id, problem=exc)
    return go(request, f"/org/meets/{meet_id}/events/{event_id}/heats#latest")


@post("/org/meets/{meet_id:int}/events/{event_id:int}/heats/discard", name="heats_discard", guards=[organiser_only])
async def heats_discard(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> Any:
    await race_rounds.discard_draft(db_of(request), actor_of(request), meet_id, event_id)
    return go(request, f"/org/meets/{meet_id}/events/{event_id}/heats")


# Referees: a heat's result sheet on a tablet -------------------------------------------------


async def _standing(request: Request[Any, Any, Any], heat_id: int, line_id: int | None = None) -> race_rounds.HeatStanding:
    """The heat's standing, for a referee of its event (or an organiser) once it is published."""
    standing = await race_rounds.heat_standing(db_of(request), heat_id, line_id)
    if standing.race_round.status != RoundStatus.PUBLISHED:
        raise NotFound("分组")
    if not actor_of(request).can_referee(standing.event.id, standing.event.venue_id):
        raise Forbidden("只有该项目(或场地)的裁判和组委会可以录入成绩")
    return standing


@get("/heats/{heat_id:int}/score", name="heat_score", guards=[referee_only])
async def heat_score(request: Request[Any, Any, Any], heat_id: FromPath[int]) -> Any:
    standing = await _standing(request, heat_id)
    return await _sheet_page(request, standing, {})


async def _sheet_page(
    request: Request[Any, Any, Any], standing: race_rounds.HeatStanding, rows: dict[int, Any], status_code: int = 200
) -> Any:
    db, event = db_of(request), standing.event
    meet = await meets.get_meet(db, event.meet_id)
    _, views = await race_rounds.event_rounds(db, event.meet_id, event.id)
    view = next(v for v in views if v.round.id == standing.race_round.id)
    heat_view = next(h for h in view.heats if h.heat.id == standing.heat.id)
    return page(
        request, "track/score.html", status_code=status_code, meet=meet, event=event, view=view, h=heat_view,
        standing=standing, rows=rows, **_sheet_context(event),
    )


def mark_input(form: Any) -> MarkInput:
    version = str(form.get("version") or "").strip()
    if (number := plain_int(version)) is None or number > MAX_ID:
        raise DomainError("表单已过期,请刷新页面后重试")
    status = str(form.get("status") or "").strip() or None
    return MarkInput(
        idempotency_key=str(form.get("idempotency_key") or ""),
        version=number,
        mark=str(form.get("mark") or "")[:40],
        status=status,
        reason=str(form.get("reason") or "")[:200],
        clear=form.get("clear") == "1",
        confirm=form.get("confirm") == "1",
    )


@post("/start-entries/{line_id:int}/mark", name="mark_submit", guards=[referee_only])
async def mark_submit(request: Request[Any, Any, Any], line_id: FromPath[int]) -> Any:
    """One line of a heat: the row comes back in place, and the heat's places with it."""
    form = await request.form()
    db, actor = db_of(request), actor_of(request)
    row: dict[str, Any] = {}
    status_code = 200
    try:
        entered = await mark_results.enter_mark(db, actor, line_id, mark_input(form))
        row["saved"] = "已保存" if entered.created else "此前已保存(重复提交未重复记录)"
    except StaleMark as exc:
        row["stale"] = exc
        status_code = 409
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        row["problem"] = exc.message
        row["field"] = exc.field  # the control flagged on the line; none when the line as a whole is refused
        row["implausible"] = isinstance(exc, Implausible)
        row["values"] = {k: form.get(k) for k in form}
        # a changed resubmission is sent again as a correction: under a new key
        sent = "" if isinstance(exc, ChangedSinceSent) else str(form.get("idempotency_key") or "")
        row["key"] = sent or _fresh_key()
        status_code = exc.status
    async with db.read() as session:
        heat_id = await session.scalar(select(StartEntry.heat_id).where(StartEntry.id == line_id))
    if heat_id is None:
        raise NotFound("检录名单中的参赛者")
    standing = await _standing(request, heat_id, line_id)
    if is_htmx(request):
        return partial(
            request, "track/partials/mark_row.html", status_code=status_code, oob=True, event=standing.event,
            standing=standing, line=standing.line, row=row, **_sheet_context(standing.event),
        )
    if status_code != 200:
        return await _sheet_page(request, standing, {line_id: row}, status_code)
    return go(request, f"/heats/{heat_id}/score#line-{line_id}")


@get("/start-entries/{line_id:int}/marks", name="mark_history", guards=[signed_in])
async def mark_history(request: Request[Any, Any, Any], line_id: FromPath[int]) -> Any:
    db = db_of(request)
    line, event, versions = await mark_results.history(db, line_id)
    async with db.read() as session:
        names = dict((await session.execute(select(UserAccount.id, UserAccount.display_name))).all())
    measure = measure_of(event)
    return page(
        request, "track/history.html", line=line, event=event, versions=versions, names=names,
        shown=lambda r: shown(measure, r.value, r.status) or "清除成绩", FLAGS=FLAGS,
    )


# The event page (public) ----------------------------------------------------------------------


async def public_mark_event(request: Request[Any, Any, Any], meet_id: int, event: Event) -> Any:
    db = db_of(request)
    meet = await meets.get_meet(db, meet_id)
    _, views = await race_rounds.event_rounds(db, meet_id, event.id)
    actor = actor_of(request)
    visible = [v for v in views if v.round.status == RoundStatus.PUBLISHED or actor.is_organiser]
    standing = await records.standing_for(db, event)
    return page(
        request, "track/event.html", meet=meet, event=event, views=visible, standing=standing,
        can_score=actor.can_referee(event.id, event.venue_id), **_sheet_context(event),
    )


# JSON API -----------------------------------------------------------------------------------


class LineOut(msgspec.Struct):
    id: int
    heat: int
    lane: int | None
    position: int
    name: str
    team: str
    bib: int | None
    seed: str
    version: int
    mark: str
    place: int | None
    qualified: str | None
    record: str | None


class RoundOut(msgspec.Struct):
    number: int
    name: str
    is_final: bool
    status: str
    method: str
    seed: int
    lanes: int | None
    qualify_by_place: int
    qualify_by_time: int
    complete: bool
    lines: list[LineOut]


def round_out(view: RoundView, event: Event) -> RoundOut:
    measure = measure_of(event)
    lines = []
    for h in view.heats:
        for line in h.lines:
            placing = h.placings.get(line.id)
            lines.append(
                LineOut(
                    line.id, h.heat.number, line.lane, line.position, line.name, line.team_name, line.bib,
                    race_rounds.seed_text(measure, line.seed_value), line.version,
                    shown(measure, line.value, line.status), placing.place if placing else None, line.qualified,
                    FLAGS.get(line.record_flag or ""),
                )
            )
    r = view.round
    return RoundOut(
        r.number, r.name, r.is_final, r.status, r.method, r.seed, r.lanes, r.qualify_by_place, r.qualify_by_time,
        view.complete, lines,
    )


async def _rounds_out(request: Request[Any, Any, Any], meet_id: int, event_id: int) -> list[RoundOut]:
    event, views = await race_rounds.event_rounds(db_of(request), meet_id, event_id)
    organiser = actor_of(request).is_organiser
    return [round_out(v, event) for v in views if organiser or v.round.status == RoundStatus.PUBLISHED]


@get("/api/meets/{meet_id:int}/events/{event_id:int}/rounds", name="api_rounds")
async def api_rounds(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> list[RoundOut]:
    """The event's rounds: heats, lanes, marks, places within the heat, Q/q and record flags."""
    return await _rounds_out(request, meet_id, event_id)


@post("/api/meets/{meet_id:int}/events/{event_id:int}/rounds", name="api_round_draw", guards=[signed_in], status_code=201)
async def api_round_draw(
    request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int], data: JSONBody[RoundRequest]
) -> Response[list[RoundOut]]:
    """Draw (or redraw, while a draft) the event's next round. Organisers only."""
    await race_rounds.draw_round(db_of(request), actor_of(request), meet_id, event_id, data)
    return Response(await _rounds_out(request, meet_id, event_id), status_code=201)


@post("/api/meets/{meet_id:int}/events/{event_id:int}/rounds/publish", name="api_round_publish", guards=[signed_in], status_code=200)
async def api_round_publish(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> list[RoundOut]:
    await race_rounds.publish_round(db_of(request), actor_of(request), meet_id, event_id)
    return await _rounds_out(request, meet_id, event_id)


class MarkOut(msgspec.Struct):
    line_id: int
    version: int
    mark: str
    record: str | None
    created: bool


@post("/api/start-entries/{line_id:int}/mark", name="api_mark", guards=[signed_in], status_code=200)
async def api_mark(request: Request[Any, Any, Any], line_id: FromPath[int], data: JSONBody[MarkInput]) -> MarkOut:
    """Enter a mark (or a status with its reason). A stale version is refused with 409 showing both."""
    db = db_of(request)
    entered = await mark_results.enter_mark(db, actor_of(request), line_id, data)
    async with db.read() as session:
        event = await session.get(Event, entered.line.event_id)
    assert event is not None
    result: MarkResult = entered.result
    return MarkOut(
        line_id, result.version, shown(measure_of(event), result.value, result.status) or "", FLAGS.get(result.record_flag or ""),
        entered.created,
    )


ROUTES = [
    heats_list,
    heats_page,
    heats_draw,
    heats_publish,
    heats_discard,
    heat_score,
    mark_submit,
    mark_history,
    api_rounds,
    api_round_draw,
    api_round_publish,
    api_mark,
]
