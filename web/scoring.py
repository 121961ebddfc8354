"""Referees' score entry, tablet first: assigned matches, game-by-game scores, history.

On poor Wi-Fi a submission may be sent twice or not at all: the form carries an idempotency
key made when it was rendered, so a retry of the same form stores one result; a failed send
leaves the form filled in for another try.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

import msgspec
from events import match_results, race_rounds, timetable
from events.actors import Actor
from events.db import Database
from events.errors import ChangedSinceSent, DomainError, Forbidden, NotFound
from events.meets import today
from events.match_results import NeedsConfirmation, ResultInput, RubberInput, StaleResult
from events.models import Draw, DrawEntrant, Event, Match, MatchResult, UserAccount
from events.validation import ids_of, plain_int
from scheduling.matches import BADMINTON_TEAM
from web.auth import actor_of, referee_only, signed_in
from web.public import db_of
from web.render import page, page_or_partial

OUTCOMES = {"played": "正常比赛", "walkover": "一方弃权(未到场)", "forfeit": "中途弃权", "double_forfeit": "双方弃权"}


async def _match_context(db: Database, match_id: int) -> dict[str, Any]:
    async with db.read() as session:
        match = await session.get(Match, match_id)
        if match is None:
            raise NotFound("比赛")
        event = await session.get(Event, match.event_id)
        draw = await session.get(Draw, match.draw_id)
        a = await session.get(DrawEntrant, match.a_id) if match.a_id else None
        b = await session.get(DrawEntrant, match.b_id) if match.b_id else None
    assert event is not None and draw is not None
    context: dict[str, Any] = {
        "match": match, "event": event, "draw": draw, "a": a, "b": b,
        "mode": match_results.scoring_mode(event), "outcomes": OUTCOMES,
        "history": await match_results.history(db, match_id),
        "rubbers": BADMINTON_TEAM.rubbers,
    }
    if context["mode"] == "tie" and a and b:
        context["a_people"] = await match_results.team_people(db, event.id, a.id)
        context["b_people"] = await match_results.team_people(db, event.id, b.id)
    return context


def _may_see(actor: Actor, event: Event, match: Match) -> None:
    if not (actor.is_organiser or actor.can_referee(event.id, match.venue_id or event.venue_id)):
        raise Forbidden("这场比赛不在您的执裁范围内")


def _int(value: Any, field: str = "games") -> int | None:
    """A typed score; ``field`` is the part of the sheet flagged when it is no number."""
    text = str(value or "").strip()
    if not text:
        return None
    number = plain_int(text)
    if number is None:
        raise DomainError(f"比分「{text}」不是有效的数字", field=field)
    return number


def _games(form: Any, prefix: str, count: int) -> list[tuple[int, int]]:
    games = []
    for n in range(1, count + 1):
        row = f"{prefix}{n}"  # the row flagged on the sheet, not the whole score
        a, b = _int(form.get(f"{prefix}a_{n}"), row), _int(form.get(f"{prefix}b_{n}"), row)
        if a is None and b is None:
            continue
        if a is None or b is None:
            raise DomainError(f"第{n}局比分没有填完整", field=row)
        games.append((a, b))
    return games


def parse_result_form(form: Any, mode: str, best_of: int) -> ResultInput:
    """The score sheet as the referee filled it in, as a ResultInput."""
    outcome = form.get("outcome") or "played"
    data: dict[str, Any] = {
        "idempotency_key": form.get("idempotency_key") or "",
        "version": _int(form.get("version"), "version") or 0,
        "outcome": outcome,
        "winner": form.get("winner") or None,
        "reason": form.get("reason") or "",
        "confirm": form.get("confirm") == "1",
    }
    if mode == "tally":
        a, b = _int(form.get("tally_a")), _int(form.get("tally_b"))
        if outcome == "played" and (a is None or b is None):
            raise DomainError("请填写双方胜局数", field="games")
        data["tally"] = (a, b) if a is not None and b is not None else None
        data["games"] = []
    elif mode == "tie":
        rubbers = []
        for rubber in BADMINTON_TEAM.rubbers:
            games = _games(form, f"r_{rubber.code}_", best_of)
            if not games:
                continue
            rubbers.append(
                RubberInput(
                    code=rubber.code,
                    a_players=ids_of(form.getall(f"r_{rubber.code}_a_players", [])),
                    b_players=ids_of(form.getall(f"r_{rubber.code}_b_players", [])),
                    games=games,
                )
            )
        data["rubbers"] = rubbers
    else:
        data["games"] = _games(form, "game_", best_of)
    return ResultInput(**data)


class _Sheet(dict):  # type: ignore[type-arg]
    """Form values with the multi-value read the template uses for line-up selects."""

    def getall(self, name: str, default: Any = None) -> list[str]:
        value = self.get(name)
        if value is None:
            return list(default or [])
        return value if isinstance(value, list) else [value]


def current_values(result: MatchResult | None, mode: str) -> dict[str, Any]:
    """The sheet filled in as the match stands, so a correction starts from the saved result
    rather than from an empty form (the reason is the correction's own, left empty)."""
    if result is None or result.outcome == "cleared":
        return {}
    values = _Sheet(outcome=result.outcome, winner=result.winner_side or "")
    score = result.score or {}
    if mode == "tally":
        values["tally_a"], values["tally_b"] = (str(n) for n in score.get("games", ["", ""]))
    elif mode == "tie":
        codes = [r.code for r in BADMINTON_TEAM.rubbers if r.code in score.get("lineups", {}).get("a", {})]
        for code, rubber in zip(codes, score.get("rubber_scores", []), strict=False):
            for side in ("a", "b"):
                values[f"r_{code}_{side}_players"] = [str(p) for p in score["lineups"][side].get(code, [])]
            for n, (a, b) in enumerate(rubber.get("games", []), start=1):
                values[f"r_{code}_a_{n}"], values[f"r_{code}_b_{n}"] = str(a), str(b)
    else:
        for n, (a, b) in enumerate(score.get("game_scores", []), start=1):
            values[f"game_a_{n}"], values[f"game_b_{n}"] = str(a), str(b)
    return values


def _fresh_key() -> str:
    return uuid.uuid4().hex


async def _form_page(
    request: Request[Any, Any, Any], match_id: int, *, values: Any = None, problem: str = "",
    problems: dict[str, str] | None = None, status: int = 200, stale: StaleResult | None = None, confirm: NeedsConfirmation | None = None,
    saved: str = "", key: str | None = None,
) -> Any:
    db, actor = db_of(request), actor_of(request)
    context = await _match_context(db, match_id)
    _may_see(actor, context["event"], context["match"])
    return page_or_partial(
        request, "scoring/score.html", "scoring/partials/sheet.html", status_code=status,
        values=values or current_values(context["history"][-1] if context["history"] else None, context["mode"]),
        problem=problem, problems=problems or {}, stale=stale, confirm=confirm, saved=saved,
        key=key or _fresh_key(), **context,
    )


@get("/referee", name="referee_home", guards=[referee_only])
async def referee_home(request: Request[Any, Any, Any]) -> Any:
    from events import accounts

    db, actor = db_of(request), actor_of(request)
    rows = await match_results.referee_matches(db, actor)
    events, venues = await accounts.referee_assignments(db, actor.user_id or 0)
    ready = [r for r in rows if r[0].status == "ready"]
    done = [r for r in rows if r[0].status == "done"]
    waiting = [r for r in rows if r[0].status == "waiting"]
    heats = await race_rounds.referee_heats(db, actor)
    # when and where each is, from the published timetable; the next first, the unscheduled last
    # Heats drawn after the timetable was published take the time of the round's block they were
    # planned in (timetable: "{event}:r1:all").
    wanted = {f"{r[1].id}:{r[0].key}" for r in ready} | {k for t in heats for k in (t.item_key, f"{t.event.id}:r1:all")}
    slots = await timetable.published_slots(db, wanted)
    match_slot = {r[0].id: slots.get(f"{r[1].id}:{r[0].key}") for r in ready}  # apart: a heat and a match may share an id
    heat_slot = {t.heat_id: slots.get(t.item_key) or slots.get(f"{t.event.id}:r1:all") for t in heats}
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    ready.sort(key=lambda r: (match_slot[r[0].id].start if match_slot[r[0].id] else far))
    heats.sort(key=lambda t: (t.entered >= t.total, heat_slot[t.heat_id].start if heat_slot[t.heat_id] else far))
    return page(
        request, "referee/home.html", events=events, venues=venues, ready=ready, done=done, waiting=waiting, heats=heats,
        match_slot=match_slot, heat_slot=heat_slot, today=today(),
    )


@get("/matches/{match_id:int}/score", name="score_form", guards=[referee_only])
async def score_form(request: Request[Any, Any, Any], match_id: FromPath[int]) -> Any:
    return await _form_page(request, match_id)


@post("/matches/{match_id:int}/result", name="score_submit", guards=[referee_only])
async def score_submit(request: Request[Any, Any, Any], match_id: FromPath[int]) -> Any:
    form = await request.form()
    db, actor = db_of(request), actor_of(request)
    context = await _match_context(db, match_id)
    match = context["match"]
    key = form.get("idempotency_key") or _fresh_key()
    try:
        data = parse_result_form(form, context["mode"], match.best_of)
        recorded = await match_results.record_result(db, actor, match_id, data)
    except StaleResult as exc:
        return await _form_page(request, match_id, values={}, status=409, stale=exc, key=_fresh_key())
    except NeedsConfirmation as exc:
        return await _form_page(request, match_id, values=form, status=409, confirm=exc, key=key)
    except ChangedSinceSent as exc:  # what was typed stays, under a new key, to be sent as a correction
        return await _form_page(request, match_id, values=form, problem=exc.message, status=409, key=_fresh_key())
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        return await _form_page(
            request, match_id, values=form, problem=exc.message, problems=exc.problems, status=exc.status, key=key
        )
    word = "已保存" if recorded.created else "与已保存的结果相同,无需更正" if recorded.same else "此前已保存(重复提交未重复记录)"
    return await _form_page(request, match_id, saved=f"{word}:{recorded.result.summary}")


@get("/matches/{match_id:int}", name="match_history", guards=[signed_in])
async def match_history(request: Request[Any, Any, Any], match_id: FromPath[int]) -> Any:
    db = db_of(request)
    context = await _match_context(db, match_id)
    async with db.read() as session:
        names = dict((await session.execute(select(UserAccount.id, UserAccount.display_name))).all())
    return page(request, "scoring/history.html", names=names, **context)


# JSON ---------------------------------------------------------------------------------------


class ResultOut(msgspec.Struct):
    match_id: int
    version: int
    outcome: str
    winner_side: str | None
    summary: str
    created: bool
    changes: list[str]


@post("/api/matches/{match_id:int}/result", name="api_match_result", guards=[signed_in], status_code=201)
async def api_match_result(
    request: Request[Any, Any, Any], match_id: FromPath[int], data: JSONBody[ResultInput]
) -> Response[ResultOut]:
    """Record a result. 201 stored, 200 when the idempotency key was seen before,
    409 stale version or a correction that needs an organiser's confirmation, 422 invalid."""
    recorded = await match_results.record_result(db_of(request), actor_of(request), match_id, data)
    r = recorded.result
    out = ResultOut(r.match_id, r.version, r.outcome, r.winner_side, r.summary, recorded.created, recorded.changes)
    return Response(out, status_code=201 if recorded.created else 200)


ROUTES = [referee_home, score_form, score_submit, match_history, api_match_result]
