"""Draw pages (编排/抽签) and the event page, and the same under /api.

- Organisers choose a format and its settings per match event, seed the entrants by hand,
  draw, look at the preview, redraw until content, then publish.
- Everybody sees a published draw on the event page: group tables, the knockout tree,
  the fixtures round by round with results, the final placings, and the random seed that
  reproduces the draw. The page prints on A4.

The services decide (events.draws, events.match_results); this module only turns forms into
requests and the stored draw into something to show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody

from events import draws, match_results, meet_events, meets
from events.db import Database
from events.draws import Candidate, DrawRequest, DrawView
from events.bracket_tree import TBD, Side, Tree, tree_of
from events.errors import DomainError
from events.models import DrawEntrant, DrawStatus, Event, Match, MatchStatus
from scheduling.draw import GroupsKnockoutDraw, KnockoutDraw, RoundRobinDraw, SwissDraw
from scheduling.standings import CRITERION_LABELS, Standing
from events.measures import is_mark_event
from web import track
from web.auth import actor_of, organiser_only, signed_in
from web.public import db_of
from web.render import go, is_htmx, page, partial

FORMATS = [
    ("round_robin", "循环赛", "每个参赛者与其他所有参赛者各赛一场,按积分排名"),
    ("knockout", "单淘汰赛", "负一场即淘汰;种子分在不同半区,轮空给种子"),
    ("groups_knockout", "分组预赛+淘汰赛", "先分组循环,各组前几名进入淘汰赛"),
    ("swiss", "瑞士制", "积分相近者相遇,不重复对阵;适合棋牌"),
]
THIRD_PLACE = [
    ("match", "进行三四名决赛"),
    ("shared", "不赛,半决赛负者并列第三"),
    ("none", "不决第三名"),
]
STATUS = {None: "未抽签", DrawStatus.DRAFT: "预览", DrawStatus.PUBLISHED: "已公布"}
MAX_RANDOM_SEED = 2**63 - 1  # the column is a BIGINT


# Reading a form ------------------------------------------------------------------------------


@dataclass
class DrawForm:
    """What the form shows: the current draw's choices, or what was just submitted."""

    format: str
    double: bool = False
    third_place: str = "match"
    group_count: str = ""
    group_size: str = "4"
    qualifiers: str = "2"
    rounds: str = ""
    seed: str = ""
    seeds: dict[int, str] = field(default_factory=dict)  # candidate index (1-based) -> rank as typed


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _optional_int(value: str, field_name: str, label: str, minimum: int = 1, maximum: int = 10_000) -> int | None:
    if value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise DomainError(f"「{label}」须为整数", field=field_name) from None
    if not minimum <= number <= maximum:
        raise DomainError(f"「{label}」须在 {minimum} 到 {maximum} 之间", field=field_name)
    return number


def check_random_seed(seed: int | None) -> None:
    if seed is not None and not 0 <= seed <= MAX_RANDOM_SEED:
        raise DomainError("随机种子须为不小于 0 的整数(最多 19 位)", field="seed")


def form_values(form: Any, count: int) -> DrawForm:
    return DrawForm(
        format=_text(form.get("format")),
        double=form.get("double") in ("on", "true", "1"),
        third_place=_text(form.get("third_place")) or "match",
        group_count=_text(form.get("group_count")),
        group_size=_text(form.get("group_size")),
        qualifiers=_text(form.get("qualifiers")),
        rounds=_text(form.get("rounds")),
        seed=_text(form.get("seed")),
        seeds={i: _text(form.get(f"seed_{i}")) for i in range(1, count + 1) if _text(form.get(f"seed_{i}"))},
    )


def draw_request(values: DrawForm) -> DrawRequest:
    """The service's request from the form; only the chosen format's settings are sent."""
    settings: dict[str, Any] = {}
    if values.format == "round_robin":
        settings["double"] = values.double
    elif values.format == "knockout":
        settings["third_place"] = values.third_place
    elif values.format == "groups_knockout":
        settings["third_place"] = values.third_place
        count = _optional_int(values.group_count, "group_count", "小组数", 1, 64)
        size = _optional_int(values.group_size, "group_size", "每组人数", 2, 64)
        qualifiers = _optional_int(values.qualifiers, "qualifiers", "每组出线名额", 1, 64)
        if count is not None:
            settings["group_count"] = count
        if size is not None:
            settings["group_size"] = size
        if qualifiers is not None:
            settings["qualifiers"] = qualifiers
    elif values.format == "swiss":
        rounds = _optional_int(values.rounds, "rounds", "轮数", 1, 30)
        if rounds is not None:
            settings["rounds"] = rounds
    seeds = {i: _optional_int(rank, f"seed_{i}", f"第 {i} 位的种子序号", 1, 512) for i, rank in values.seeds.items()}
    try:
        seed = int(values.seed) if values.seed else None
    except ValueError:
        raise DomainError("随机种子须为整数;留空则随机生成", field="seed") from None
    check_random_seed(seed)
    return DrawRequest(format=values.format, settings=settings, seeds={i: r for i, r in seeds.items() if r}, seed=seed)


def _key(team_id: int, person_id: int | None, squad: int) -> tuple[int, int | None, int]:
    return (team_id, person_id, squad)


def stored_values(event: Event, view: DrawView, people: list[Candidate]) -> DrawForm:
    """The form for an event: the stored draw's choices, else the event's own format."""
    draw = view.draw
    if draw is None:
        default = event.format if event.format in {f for f, _, _ in FORMATS} else "round_robin"
        return DrawForm(format=default)
    s = draw.settings or {}
    seeded = {_key(e.team_id, e.person_id, e.squad): e.seed for e in view.entrants.values() if e.seed}
    seeds = {
        i: str(seeded[_key(c.team_id, c.person_id, c.squad)])
        for i, c in enumerate(people, start=1)
        if _key(c.team_id, c.person_id, c.squad) in seeded
    }
    return DrawForm(
        format=draw.format,
        double=bool(s.get("double")),
        third_place=str(s.get("third_place") or "match"),
        group_count=_text(s.get("group_count")),
        group_size=_text(s.get("group_size", "" if s.get("group_count") else 4)),
        qualifiers=_text(s.get("qualifiers", 2)),
        rounds=_text(s.get("rounds")),
        seeds=seeds,
    )


def settings_text(view: DrawView) -> str:
    """The chosen format and settings in a line of Chinese."""
    engine, draw = view.engine, view.draw
    if draw is None or engine is None:
        return ""
    third = dict(THIRD_PLACE)
    if isinstance(engine, RoundRobinDraw):
        return "双循环" if engine.settings.double else "单循环"
    if isinstance(engine, KnockoutDraw):
        return third[engine.settings.third_place]
    if isinstance(engine, GroupsKnockoutDraw):
        return (
            f"分 {len(engine.groups)} 个小组循环,每组前 {engine.settings.qualifiers} 名进入淘汰赛,"
            f"{third[engine.settings.third_place]}"
        )
    assert isinstance(engine, SwissDraw)
    return f"共 {engine.planned_rounds} 轮"


# What a draw looks like on the page ---------------------------------------------------------------


@dataclass
class Fixture:
    match: Match
    a: Side
    b: Side
    summary: str


@dataclass
class TableRow:
    place: int | None
    entrant: DrawEntrant
    standing: Standing
    decided_by: str


@dataclass
class GroupTable:
    name: str
    rows: list[TableRow]
    started: bool


@dataclass
class Placed:
    place: int
    entrant: DrawEntrant
    award: bool


@dataclass
class Sheet:
    view: DrawView
    tables: list[GroupTable]
    tree: Tree | None
    rounds: list[tuple[str, list[Fixture]]]
    byes: dict[str, list[str]]
    placings: list[Placed]
    finished: bool
    mode: str  # how the sport is scored: games / tally / tie
    show_drawn: bool
    done: int
    total: int


def _entrant_side(entrant: DrawEntrant | None, won: bool = False) -> Side:
    if entrant is None:
        return TBD
    return Side(entrant.name, entrant.team_name, won=won)


def _tree(view: DrawView, summaries: dict[int, str]) -> Tree | None:
    return tree_of(view.bracket, view.engine, view.by_number, {m.key: m for m in view.matches}, summaries)


def _rounds(view: DrawView, summaries: dict[int, str]) -> list[tuple[str, list[Fixture]]]:
    out = []
    for title, matches in view.rounds():
        fixtures = []
        for m in matches:
            a = view.entrants.get(m.a_id) if m.a_id is not None else None
            b = view.entrants.get(m.b_id) if m.b_id is not None else None
            fixtures.append(
                Fixture(m, _entrant_side(a, m.winner_side == "a"), _entrant_side(b, m.winner_side == "b"), summaries.get(m.id, ""))
            )
        out.append((title, fixtures))
    return out


def _byes(view: DrawView) -> dict[str, list[str]]:
    """Who sits each round out (an odd round robin or group, a Swiss bye), by round title."""
    engine = view.engine
    if isinstance(engine, GroupsKnockoutDraw):
        rounds = [r for group in engine.group_rounds for r in group]
    elif isinstance(engine, (RoundRobinDraw, SwissDraw)):
        rounds = list(engine.rounds)
    else:
        return {}
    byes: dict[str, list[str]] = {}
    for r in rounds:
        if r.bye is not None and r.bye in view.by_number:
            byes.setdefault(f"第{r.number}轮", []).append(view.by_number[r.bye].name)
    return byes


def _table(name: str, rows: list[tuple[Standing, DrawEntrant]], order: list[int]) -> GroupTable:
    """Before the first result every entrant is level: list them in draw order, unranked."""
    started = any(s.played for s, _ in rows)
    if not started:
        position = {n: i for i, n in enumerate(order)}
        rows = sorted(rows, key=lambda r: position.get(r[1].number, 0))
    return GroupTable(
        name,
        [
            TableRow(
                s.place if started else None, e, s,
                CRITERION_LABELS.get(s.decided_by, s.decided_by) if started and s.decided_by else "",
            )
            for s, e in rows
        ],
        started,
    )


async def sheet(db: Database, view: DrawView) -> Sheet | None:
    """Everything the event page and the organiser's preview show of a draw."""
    draw, event, engine = view.draw, view.event, view.engine
    if draw is None:
        return None
    summaries = await match_results.latest_summaries(db, draw.id)
    tables: list[GroupTable] = []
    if not isinstance(engine, KnockoutDraw):
        orders: list[list[int]] = []
        if isinstance(engine, GroupsKnockoutDraw):
            orders = [list(g.entrants) for g in engine.groups]
        elif isinstance(engine, RoundRobinDraw):
            orders = [list(engine.order)]
        elif isinstance(engine, SwissDraw):
            orders = [list(engine.ranking)]
        for table, order in zip(await match_results.tables(db, draw, event), orders, strict=True):
            tables.append(_table(table.name, table.rows, order))
    placed, finished = await match_results.placings(db, draw, event)
    done = sum(1 for m in view.matches if m.status == MatchStatus.DONE)
    return Sheet(
        view=view,
        tables=tables,
        tree=_tree(view, summaries),
        rounds=_rounds(view, summaries),
        byes=_byes(view),
        placings=[Placed(p.place, p.entrant, p.place <= event.award_places) for p in placed] if finished else [],
        finished=finished,
        mode=match_results.scoring_mode(event),
        show_drawn=draw.format == "swiss" or event.sport == "chess",
        done=done,
        total=len(view.matches),
    )


# Organiser pages ----------------------------------------------------------------------------------


@get("/org/meets/{meet_id:int}/draws", name="draws_list", guards=[organiser_only])
async def draws_list(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    db = db_of(request)
    meet = await meets.get_meet(db, meet_id)
    return page(request, "draws/list.html", meet=meet, rows=await draws.list_draws(db, meet_id), STATUS=STATUS)


async def _workspace(
    request: Request[Any, Any, Any], meet_id: int, event_id: int, values: DrawForm | None = None,
    problem: DomainError | None = None,
) -> Any:
    db, actor = db_of(request), actor_of(request)
    meet = await meets.get_meet(db, meet_id)
    people = await draws.event_candidates(db, actor, meet_id, event_id)
    event = await meet_events.get_event(db, meet_id, event_id)
    view = await draws.view(db, meet_id, event_id, actor=actor)
    values = values or stored_values(event, view, people)
    stale = view.draw is not None and view.draw.status == DrawStatus.DRAFT
    return page(
        request, "draws/organiser.html", status_code=problem.status if problem else 200,
        meet=meet, event=event, view=view, people=people, values=values, form_dict=asdict(values),
        change=draws.field_change(people, view.entrants.values()) if stale else None,
        problem=problem, sheet=await sheet(db, view), settings_text=settings_text(view),
        FORMATS=FORMATS, THIRD_PLACE=THIRD_PLACE, STATUS=STATUS,
    )


@get("/org/meets/{meet_id:int}/events/{event_id:int}/draw", name="draw_page", guards=[organiser_only])
async def draw_page(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> Any:
    return await _workspace(request, meet_id, event_id)


@post("/org/meets/{meet_id:int}/events/{event_id:int}/draw", name="draw_generate", guards=[organiser_only])
async def draw_generate(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> Any:
    """Draw or redraw; an HTMX request gets the new preview in place."""
    db, actor = db_of(request), actor_of(request)
    people = await draws.event_candidates(db, actor, meet_id, event_id)
    values = form_values(await request.form(), len(people))
    try:
        draw = await draws.generate(db, actor, meet_id, event_id, draw_request(values))
    except DomainError as exc:
        if is_htmx(request):
            raise  # the message goes to the page's message area
        return await _workspace(request, meet_id, event_id, values, exc)
    if not is_htmx(request):
        return go(request, f"/org/meets/{meet_id}/events/{event_id}/draw")
    view = await draws.view(db, meet_id, event_id, actor=actor)
    return partial(
        request, "draws/partials/generated.html", view=view, sheet=await sheet(db, view),
        settings_text=settings_text(view), event=view.event, meet_id=meet_id, draw=draw, STATUS=STATUS,
    )


@post("/org/meets/{meet_id:int}/events/{event_id:int}/draw/publish", name="draw_publish", guards=[organiser_only])
async def draw_publish(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> Any:
    try:
        await draws.publish(db_of(request), actor_of(request), meet_id, event_id)
    except DomainError as exc:
        if is_htmx(request) or exc.status not in (409, 422):
            raise  # the message goes to the page's message area
        return await _workspace(request, meet_id, event_id, problem=exc)
    return go(request, f"/org/meets/{meet_id}/events/{event_id}/draw")


# The event page (public) -------------------------------------------------------------------------


@get("/meets/{meet_id:int}/events/{event_id:int}", name="public_event")
async def public_event(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> Any:
    db = db_of(request)
    meet = await meets.get_meet(db, meet_id)
    event = await meet_events.get_event(db, meet_id, event_id)
    if is_mark_event(event):
        return await track.public_mark_event(request, meet_id, event)
    view = await draws.view(db, meet_id, event_id, actor=actor_of(request))
    return page(
        request, "draws/event.html", meet=meet, event=event, view=view, sheet=await sheet(db, view),
        settings_text=settings_text(view), is_match=event.kind in ("individual_match", "team_match"),
    )


# JSON API ----------------------------------------------------------------------------------------


class EntrantOut(msgspec.Struct):
    id: int
    number: int
    name: str
    team_id: int
    team_name: str
    seed: int | None


class MatchOut(msgspec.Struct):
    id: int
    number: int
    stage: str  # round_robin / group / knockout / swiss
    group: str | None
    round: int
    label: str
    a: int | None  # entrant ids; None: not known yet
    b: int | None
    a_name: str
    b_name: str
    status: str  # waiting / ready / done
    winner_side: str | None
    summary: str | None
    best_of: int
    version: int


class StandingOut(msgspec.Struct):
    place: int | None  # None before the group's first result
    entrant_id: int
    name: str
    team_name: str
    played: int
    won: int
    drawn: int
    lost: int
    match_points: float
    rubbers: tuple[int, int]
    games: tuple[int, int]
    points: tuple[int, int]
    decided_by: str | None
    decided_by_label: str


class TableOut(msgspec.Struct):
    group: str  # "" for a whole round robin or Swiss
    rows: list[StandingOut]


class PlacingOut(msgspec.Struct):
    place: int
    entrant_id: int
    name: str
    team_name: str
    award: bool


class DrawOut(msgspec.Struct):
    meet_id: int
    event_id: int
    event_name: str
    status: str  # none / draft / published (drafts are shown to organisers only)
    format: str | None
    seed: int | None
    settings: dict[str, Any]
    published_at: dt.datetime | None
    entrants: list[EntrantOut]
    matches: list[MatchOut]
    tables: list[TableOut]
    placings: list[PlacingOut]
    finished: bool


def draw_out(meet_id: int, view: DrawView, s: Sheet | None) -> DrawOut:
    draw, event = view.draw, view.event
    empty = DrawOut(meet_id, event.id, event.name, "none", None, None, {}, None, [], [], [], [], False)
    if draw is None or s is None:
        return empty
    summaries = {f.match.id: f.summary for _, fixtures in s.rounds for f in fixtures}
    return DrawOut(
        meet_id=meet_id, event_id=event.id, event_name=event.name, status=draw.status, format=draw.format,
        seed=draw.seed, settings=dict(draw.settings or {}), published_at=draw.published_at,
        entrants=[
            EntrantOut(e.id, e.number, e.name, e.team_id, e.team_name, e.seed)
            for e in sorted(view.entrants.values(), key=lambda e: e.number)
        ],
        matches=[
            MatchOut(
                m.id, m.number, m.stage, m.group_name, m.round_no, m.label, m.a_id, m.b_id,
                view.name(m.a_id), view.name(m.b_id), m.status, m.winner_side, summaries.get(m.id) or None,
                m.best_of, m.version,
            )
            for m in view.matches
        ],
        tables=[
            TableOut(
                t.name,
                [
                    StandingOut(
                        r.place, r.entrant.id, r.entrant.name, r.entrant.team_name, r.standing.played, r.standing.won,
                        r.standing.drawn, r.standing.lost, r.standing.match_points, r.standing.rubbers,
                        r.standing.games, r.standing.points, r.standing.decided_by if t.started else None, r.decided_by,
                    )
                    for r in t.rows
                ],
            )
            for t in s.tables
        ],
        placings=[PlacingOut(p.place, p.entrant.id, p.entrant.name, p.entrant.team_name, p.award) for p in s.placings],
        finished=s.finished,
    )


async def _draw_out(request: Request[Any, Any, Any], meet_id: int, event_id: int) -> DrawOut:
    db = db_of(request)
    view = await draws.view(db, meet_id, event_id, actor=actor_of(request))
    return draw_out(meet_id, view, await sheet(db, view))


@get("/api/meets/{meet_id:int}/events/{event_id:int}/draw", name="api_draw")
async def api_draw(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> DrawOut:
    """The event's draw with results, standings and placings; a draft only for organisers."""
    return await _draw_out(request, meet_id, event_id)


@post("/api/meets/{meet_id:int}/events/{event_id:int}/draw", name="api_draw_generate", guards=[signed_in], status_code=201)
async def api_draw_generate(
    request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int], data: JSONBody[DrawRequest]
) -> Response[DrawOut]:
    """Draw (or redraw) the event as a draft. Organisers only; a published draw is refused (409)."""
    actor_of(request).require_organiser()
    check_random_seed(data.seed)
    await draws.generate(db_of(request), actor_of(request), meet_id, event_id, data)
    return Response(await _draw_out(request, meet_id, event_id), status_code=201)


@post("/api/meets/{meet_id:int}/events/{event_id:int}/draw/publish", name="api_draw_publish", guards=[signed_in], status_code=200)
async def api_draw_publish(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> DrawOut:
    """Publish the draft: referees may then score it, and everybody sees it."""
    await draws.publish(db_of(request), actor_of(request), meet_id, event_id)
    return await _draw_out(request, meet_id, event_id)


ROUTES = [
    draws_list,
    draw_page,
    draw_generate,
    draw_publish,
    public_event,
    api_draw,
    api_draw_generate,
    api_draw_publish,
]
