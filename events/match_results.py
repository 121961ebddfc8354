"""Match results from referees: validated, versioned, idempotent, and carried forward.

- Every submission carries an idempotency key: a repeat (a tablet retrying on poor Wi-Fi)
  returns the stored result and never writes a second row.
- Every match has a version (the number of result versions). A submission names the version
  its referee saw; if another result arrived meanwhile it is refused as stale (409) with both
  values, so nobody overwrites a result they have not seen.
- Results are append-only (the database refuses UPDATE and DELETE on match_result): a
  correction is a new version with who, when and why.
- A winner advances at once: the bracket fills, the knockout is drawn when the groups finish,
  the next Swiss round is paired when a round finishes. A correction that would undo results
  already played downstream needs an organiser's confirmation, and says what it will change.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from events import audit
from events.actors import Actor
from events.db import Database
from events.draws import add_matches, knockout_matches
from events.errors import ChangedSinceSent, Conflict, DomainError, Forbidden, NotFound
from events.models import (
    Draw,
    DrawEntrant,
    DrawStatus,
    Event,
    Match,
    MatchResult,
    MatchStatus,
    Person,
    Sport,
)
from scheduling import knockout, matches, standings
from scheduling.draw import (
    GroupsKnockoutDraw,
    KnockoutDraw,
    SwissDraw,
    decode_draw,
    encode_draw,
    knockout_after_groups,
    next_swiss_round,
)
from scheduling.entrants import DrawError
from scheduling.results import Played
from scheduling.swiss import PlayedRound

# How each sport is scored ---------------------------------------------------------------

GAME_RULES = {Sport.TABLE_TENNIS: matches.TABLE_TENNIS, Sport.BADMINTON: matches.BADMINTON}
TALLY_SPORTS = {Sport.CHESS, Sport.CARDS, Sport.TUG_OF_WAR}
RANKING_RULES = {
    Sport.BASKETBALL: standings.FIBA,
    Sport.TABLE_TENNIS: standings.ITTF,
    Sport.TUG_OF_WAR: standings.TUG_OF_WAR,
    Sport.CHESS: standings.FIDE_ROUND_ROBIN,
    Sport.CARDS: standings.FIDE_ROUND_ROBIN,  # a partnership game scored in games won, like chess
    Sport.BADMINTON: standings.BWF_TEAM,
}


def scoring_mode(event: Event) -> str:
    """'tie' (badminton team: rubbers), 'tally' (games won only) or 'games' (game scores)."""
    if event.sport == Sport.BADMINTON and event.is_team_event:
        return "tie"
    if event.sport in TALLY_SPORTS:
        return "tally"
    return "games"


def match_format(event: Event, best_of: int) -> matches.MatchFormat:
    return matches.MatchFormat(best_of=best_of, game=GAME_RULES.get(Sport(event.sport)))


def ranking_rules(event: Event, draw_format: str) -> standings.TieBreakRules:
    if draw_format == "swiss":
        return standings.SWISS
    return RANKING_RULES.get(Sport(event.sport), standings.ITTF)


# Input -----------------------------------------------------------------------------------


class RubberInput(msgspec.Struct):
    code: str  # MS / WS / XD
    a_players: list[int] = []  # person ids
    b_players: list[int] = []
    games: list[tuple[int, int]] = []
    outcome: str = "played"  # played / walkover
    winner: str | None = None  # for a walkover


class ResultInput(msgspec.Struct):
    idempotency_key: str
    version: int  # the match version the referee's form was made from
    outcome: str = "played"  # played / walkover / forfeit / double_forfeit
    games: list[tuple[int, int]] = []
    tally: tuple[int, int] | None = None
    winner: str | None = None  # walkover: the side that wins; forfeit: the side that wins
    rubbers: list[RubberInput] = []
    reason: str = ""
    confirm: bool = False


class StaleResult(Conflict):
    """Another result arrived after the referee opened the form."""

    def __init__(self, current: str, submitted: str, version: int) -> None:
        super().__init__(f"该场比赛的结果已被更新为「{current}」,您提交的是「{submitted}」。请核对后重新提交。")
        self.current = current
        self.submitted = submitted
        self.version = version


class NeedsConfirmation(Conflict):
    """A correction that would undo results already played downstream."""

    def __init__(self, changes: list[str]) -> None:
        super().__init__("更正该结果会影响后续比赛,需组委会确认:" + ";".join(changes))
        self.changes = changes


@dataclass
class Scored:
    outcome: str
    winner_side: str | None
    score: dict
    summary: str


def _side(value: str | None) -> str:
    if value not in ("a", "b"):
        raise DomainError("请选择获胜方", field="winner")
    return value


def _summary(score: matches.MatchScore) -> str:
    if score.outcome == "double_forfeit":
        return "双方弃权"
    text = f"{score.games_won[0]}:{score.games_won[1]}"
    if score.outcome == "walkover":
        return text + "(对方弃权)"
    if score.games and any(g != (0, 0) for g in score.games):
        text += "(" + ", ".join(f"{a}:{b}" for a, b in score.games) + ")"
    return text + ("(中途弃权)" if score.outcome == "forfeit" else "")


def _match_score(event: Event, fmt: matches.MatchFormat, data: ResultInput) -> matches.MatchScore:
    mode = scoring_mode(event)
    if data.outcome == "walkover":
        return matches.walkover(fmt, _side(data.winner))  # type: ignore[arg-type]
    if data.outcome == "double_forfeit":
        return matches.double_forfeit()
    if data.outcome == "forfeit":
        loser = "b" if _side(data.winner) == "a" else "a"
        return matches.forfeit(fmt, data.games, loser)  # type: ignore[arg-type]
    if data.outcome != "played":
        raise DomainError("比赛结果类型无效", field="outcome")
    if mode == "tally":
        if data.tally is None:
            raise DomainError("请填写双方胜局数", field="games")
        return matches.score_tally(fmt, *data.tally)
    if not data.games:
        raise DomainError("请填写每局比分", field="games")
    return matches.score_match(fmt, data.games)


async def _roster(session: AsyncSession, entrant: DrawEntrant, event_id: int) -> list[matches.RosterPlayer]:
    from events.models import Entry

    rows = (
        await session.execute(
            select(Person.id, Person.name, Person.gender)
            .join(Entry, Entry.person_id == Person.id)
            .where(Entry.event_id == event_id, Entry.team_id == entrant.team_id, Entry.squad == entrant.squad)
        )
    ).all()
    return [matches.RosterPlayer(id=i, name=n, gender=g) for i, n, g in rows]


async def _tie_score(
    session: AsyncSession, event: Event, best_of: int, data: ResultInput, a: DrawEntrant, b: DrawEntrant
) -> tuple[matches.TieScore, dict]:
    fmt = matches.TieFormat(matches.BADMINTON_TEAM.rubbers, match_format(event, best_of))
    if data.outcome == "walkover":
        return matches.tie_walkover(fmt, _side(data.winner)), {}  # type: ignore[arg-type]
    problems: list[str] = []
    lineups: dict = {"a": {}, "b": {}}
    scores = []
    for rubber in data.rubbers:
        lineups["a"][rubber.code] = rubber.a_players
        lineups["b"][rubber.code] = rubber.b_players
    for side, entrant in (("a", a), ("b", b)):
        played_codes = {r.code for r in data.rubbers}
        wanted = {r.code: lineups[side].get(r.code, ()) for r in fmt.rubbers if r.code in played_codes}
        partial_fmt = matches.TieFormat(tuple(r for r in fmt.rubbers if r.code in played_codes), fmt.match)
        problems += [f"{entrant.name}:{p}" for p in matches.lineup_problems(partial_fmt, wanted, await _roster(session, entrant, event.id))]
    for rubber in data.rubbers:
        label = next((r.label for r in fmt.rubbers if r.code == rubber.code), rubber.code)
        try:
            if rubber.outcome == "walkover":
                scores.append(matches.walkover(fmt.match, _side(rubber.winner)))  # type: ignore[arg-type]
            else:
                scores.append(matches.score_match(fmt.match, rubber.games))
        except matches.InvalidScore as exc:
            problems += [f"{label}:{m}" for m in exc.messages]
    if problems:
        raise DomainError(";".join(problems), field="games")
    return matches.score_tie(fmt, scores), lineups


async def score(session: AsyncSession, event: Event, match: Match, data: ResultInput) -> Scored:
    """Validate a submission against the sport's rules and turn it into a stored score."""
    a = await session.get(DrawEntrant, match.a_id)
    b = await session.get(DrawEntrant, match.b_id)
    assert a is not None and b is not None
    try:
        if scoring_mode(event) == "tie" and data.outcome != "double_forfeit":
            tie, lineups = await _tie_score(session, event, match.best_of, data, a, b)
            summary = f"{tie.rubbers_won[0]}:{tie.rubbers_won[1]}" + (
                "(" + ", ".join(_summary(r) for r in tie.rubbers) + ")" if tie.outcome == "played" else "(对方弃权)"
            )
            return Scored(
                tie.outcome, tie.winner,
                {"rubbers": list(tie.rubbers_won), "games": list(tie.games_won), "points": list(tie.points),
                 "forfeited": list(tie.forfeited), "lineups": lineups,
                 "rubber_scores": [msgspec.to_builtins(r) for r in tie.rubbers]},
                summary,
            )
        result = _match_score(event, match_format(event, match.best_of), data)
    except matches.InvalidScore as exc:
        raise DomainError(";".join(exc.messages), field="games") from exc
    return Scored(
        result.outcome, result.winner,
        {"rubbers": [0, 0], "games": list(result.games_won), "points": list(result.points),
         "forfeited": list(result.forfeited), "game_scores": [list(g) for g in result.games]},
        _summary(result),
    )


# Recording ---------------------------------------------------------------------------------


@dataclass
class Recorded:
    result: MatchResult
    created: bool
    changes: list[str]
    same: bool = False  # a correction identical to the result stored: nothing to correct


def _may_score(actor: Actor, event: Event, match: Match) -> None:
    if actor.is_organiser:
        return
    if actor.is_referee and actor.can_referee(event.id, match.venue_id or event.venue_id):
        return
    raise Forbidden("只有该项目(或场地)的裁判和组委会可以录入比分")


async def record_result(db: Database, actor: Actor, match_id: int, data: ResultInput) -> Recorded:
    if not data.idempotency_key or len(data.idempotency_key) > 64:
        raise DomainError("提交缺少有效的防重复编号,请刷新页面后重试")
    async with db.read() as session:
        earlier = await _earlier(session, match_id, data)
    if earlier is not None:
        return earlier
    try:
        return await _record(db, actor, match_id, data)
    except IntegrityError:
        # The same submission raced itself (two taps, a retry): the first one won.
        async with db.read() as session:
            earlier = await _earlier(session, match_id, data)
        if earlier is None:
            raise
        return earlier


async def _earlier(session: AsyncSession, match_id: int, data: ResultInput) -> Recorded | None:
    """The result stored under the submission's key: a repeat answers it. A repeat carrying
    another score or line-up (changed on the tablet while its retry waited) is refused, not
    taken as stored."""
    earlier = await session.scalar(select(MatchResult).where(MatchResult.idempotency_key == data.idempotency_key))
    if earlier is None:
        return None
    if earlier.match_id != match_id:
        raise Conflict("该提交编号已用于另一场比赛的结果,请刷新页面后重试")
    match = await session.get(Match, match_id)
    event = await session.get(Event, match.event_id) if match is not None else None
    if match is None or event is None or match.a_id is None or match.b_id is None:
        return Recorded(earlier, False, [])  # the sides were reset since: the stored result is the answer
    try:
        scored = await score(session, event, match, data)
    except DomainError:
        return Recorded(earlier, False, [])  # no longer scorable as sent (a roster changed): the stored one stands
    if not _same(scored, earlier):
        typed = scored.summary if scored.summary != earlier.summary else f"{scored.summary},出场名单不同"
        raise ChangedSinceSent(earlier.summary, typed)
    return Recorded(earlier, False, [])


def _same(scored: Scored, stored: MatchResult) -> bool:
    """The same result: outcome, winner and the whole stored score (games, points, a tie's line-ups)."""
    as_stored = msgspec.json.decode(msgspec.json.encode(scored.score))  # tuples read back as lists, as from the column
    return (scored.outcome, scored.winner_side, as_stored) == (stored.outcome, stored.winner_side, stored.score)


async def _record(db: Database, actor: Actor, match_id: int, data: ResultInput) -> Recorded:
    async with db.write() as session:
        await db.lock_rows(session, "fixture", [match_id])
        match = await session.get(Match, match_id)
        if match is None:
            raise NotFound("比赛")
        event = await session.get(Event, match.event_id)
        draw = await session.get(Draw, match.draw_id)
        assert event is not None and draw is not None
        _may_score(actor, event, match)
        if draw.status != DrawStatus.PUBLISHED:
            raise DomainError("抽签结果尚未公布,不能录入比分")
        if match.a_id is None or match.b_id is None:
            raise DomainError("对阵双方尚未确定,不能录入比分")
        scored = await score(session, event, match, data)
        if data.version != match.version:
            current = await _latest(session, match.id)
            raise StaleResult(current.summary if current else "无", scored.summary, match.version)
        is_correction = match.status == MatchStatus.DONE
        current = await _latest(session, match.id) if is_correction else None
        if current is not None and _same(scored, current):
            return Recorded(current, False, [], same=True)  # typed again after a reload: already so
        if is_correction and not data.reason.strip():
            raise DomainError("更正已录入的比分须填写理由", field="reason")
        changes = await _carry_forward(session, draw, event, match, scored, actor, data.confirm, dry_run=True)
        if changes and not (actor.is_organiser and data.confirm):
            raise NeedsConfirmation(changes)
        result = MatchResult(
            match_id=match.id, version=match.version + 1, outcome=scored.outcome, winner_side=scored.winner_side,
            score=scored.score, summary=scored.summary, reason=data.reason.strip(),
            idempotency_key=data.idempotency_key, submitted_by=actor.user_id,
            confirmed_by=actor.user_id if changes else None,
        )
        session.add(result)
        match.version += 1
        match.status = MatchStatus.DONE
        match.winner_side = scored.winner_side
        await session.flush()
        await _carry_forward(session, draw, event, match, scored, actor, data.confirm, dry_run=False)
        word = "更正" if is_correction else "录入"
        audit.record(
            session, actor, "match_result", f"{word}「{event.name}」{match.label} 第{match.number}场:{scored.summary}",
            meet_id=event.meet_id, target=f"match:{match.id}", reason=data.reason.strip(),
        )
    return Recorded(result, True, changes)


async def _latest(session: AsyncSession, match_id: int) -> MatchResult | None:
    return await session.scalar(
        select(MatchResult).where(MatchResult.match_id == match_id).order_by(MatchResult.version.desc()).limit(1)
    )


# Carrying a result forward ----------------------------------------------------------------


def live_bracket(draw: Draw) -> knockout.Bracket | None:
    if draw.bracket:
        return msgspec.json.decode(draw.bracket, type=knockout.Bracket)
    engine = decode_draw(draw.data)
    return engine.bracket if isinstance(engine, KnockoutDraw) else None


async def _numbers(session: AsyncSession, draw_id: int) -> tuple[dict[int, int], dict[int, int]]:
    rows = (await session.execute(select(DrawEntrant.id, DrawEntrant.number).where(DrawEntrant.draw_id == draw_id))).all()
    return {i: n for i, n in rows}, {n: i for i, n in rows}


async def _carry_forward(
    session: AsyncSession, draw: Draw, event: Event, match: Match, scored: Scored, actor: Actor,
    confirm: bool, *, dry_run: bool,
) -> list[str]:
    """Advance the result; with dry_run, only say which played results it would undo."""
    number_of, _ = await _numbers(session, draw.id)
    if match.stage == "knockout":
        return await _advance_knockout(session, draw, event, match, scored, number_of, actor, dry_run)
    later = list(
        (
            await session.scalars(
                select(Match).where(
                    Match.draw_id == draw.id,
                    Match.status == MatchStatus.DONE,
                    (Match.stage == "knockout") if match.stage == "group" else (Match.round_no > match.round_no),
                    Match.id != match.id,
                )
            )
        ).all()
    )
    if match.stage in ("group", "swiss") and later:
        if dry_run:
            return [f"已赛的后续比赛 {len(later)} 场不会自动改变,请组委会核对"]
        return []
    if dry_run:
        return []
    if match.stage == "group":
        await _maybe_draw_knockout(session, draw, event)
    elif match.stage == "swiss":
        await _maybe_pair_next_swiss_round(session, draw, event)
    return []


async def _advance_knockout(
    session: AsyncSession, draw: Draw, event: Event, match: Match, scored: Scored,
    number_of: dict[int, int], actor: Actor, dry_run: bool,
) -> list[str]:
    bracket = live_bracket(draw)
    assert bracket is not None
    engine_id = int(match.key.split(":")[1])
    try:
        if scored.winner_side is None:
            raise DomainError("淘汰赛必须有一方晋级:双方都未到场时,请由裁判长判定一方弃权", field="outcome")
        else:
            winner_row = match.a_id if scored.winner_side == "a" else match.b_id
            new = knockout.advance_winner(bracket, engine_id, number_of[winner_row])
    except DrawError as exc:
        raise DomainError(str(exc)) from exc
    undone = [
        m for m in new.matches if m.winner is None and bracket.match(m.id).winner is not None and m.id != engine_id
    ]
    stored = {
        m.key: m for m in (await session.scalars(select(Match).where(Match.draw_id == draw.id, Match.stage == "knockout"))).all()
    }
    undone_rows = [stored[f"ko:{m.id}"] for m in undone if f"ko:{m.id}" in stored and stored[f"ko:{m.id}"].status == MatchStatus.DONE]
    if dry_run:
        return [f"{m.label} 第{m.number}场的结果将被撤销" for m in undone_rows]
    for row in undone_rows:
        session.add(
            MatchResult(
                match_id=row.id, version=row.version + 1, outcome="cleared", winner_side=None, score={},
                summary="因前一场更正而撤销", reason=f"第{match.number}场结果更正",
                idempotency_key=f"cleared:{row.id}:{row.version + 1}:{match.id}:{match.version}",
                submitted_by=actor.user_id, confirmed_by=actor.user_id,
            )
        )
        row.version += 1
        row.status = MatchStatus.READY
        row.winner_side = None
    draw.bracket = msgspec.json.encode(new).decode()
    await session.flush()
    await add_matches(session, draw, event, knockout_matches(new, event))
    return []


async def _played(session: AsyncSession, draw_id: int, stage: str, group: str | None = None) -> list[tuple[Match, MatchResult]]:
    """Played matches of a stage with their current result: two queries, whatever the count."""
    stmt = select(Match).where(Match.draw_id == draw_id, Match.stage == stage, Match.status == MatchStatus.DONE)
    if group is not None:
        stmt = stmt.where(Match.group_name == group)
    matches_by_id = {m.id: m for m in (await session.scalars(stmt)).all()}
    if not matches_by_id:
        return []
    latest_version = (
        select(MatchResult.match_id, func.max(MatchResult.version).label("version"))
        .where(MatchResult.match_id.in_(matches_by_id))
        .group_by(MatchResult.match_id)
        .subquery()
    )
    results = (
        await session.scalars(
            select(MatchResult).join(
                latest_version,
                (MatchResult.match_id == latest_version.c.match_id) & (MatchResult.version == latest_version.c.version),
            )
        )
    ).all()
    return [
        (matches_by_id[r.match_id], r)
        for r in sorted(results, key=lambda r: matches_by_id[r.match_id].number)
        if r.outcome != "cleared"
    ]


def as_played(match: Match, result: MatchResult, number_of: dict[int, int]) -> Played:
    a, b = number_of[match.a_id], number_of[match.b_id]  # type: ignore[index]
    ids = {"a": a, "b": b}
    s = result.score
    return Played(
        a=a, b=b, winner=ids.get(result.winner_side or ""),
        forfeited=tuple(ids[x] for x in s.get("forfeited", [])),
        rubbers=tuple(s.get("rubbers", [0, 0])), games=tuple(s.get("games", [0, 0])),
        points=tuple(s.get("points", [0, 0])),
    )


async def _maybe_draw_knockout(session: AsyncSession, draw: Draw, event: Event) -> None:
    engine = decode_draw(draw.data)
    assert isinstance(engine, GroupsKnockoutDraw)
    pending = await session.scalar(
        select(Match.id).where(Match.draw_id == draw.id, Match.stage == "group", Match.status != MatchStatus.DONE).limit(1)
    )
    if pending is not None or draw.bracket:
        return
    number_of, _ = await _numbers(session, draw.id)
    rules = ranking_rules(event, draw.format)
    finishing = {}
    for group in engine.groups:
        records = [as_played(m, r, number_of) for m, r in await _played(session, draw.id, "group", group.name)]
        table = standings.rank(list(group.entrants), records, rules, seed=draw.seed)
        finishing[group.name] = [s.entrant for s in table]
    bracket, _clashes = knockout_after_groups(engine, finishing)
    draw.bracket = msgspec.json.encode(bracket).decode()
    await session.flush()
    await add_matches(session, draw, event, knockout_matches(bracket, event))


async def _maybe_pair_next_swiss_round(session: AsyncSession, draw: Draw, event: Event) -> None:
    from events.draws import _round_matches

    engine = decode_draw(draw.data)
    assert isinstance(engine, SwissDraw)
    pending = await session.scalar(
        select(Match.id).where(Match.draw_id == draw.id, Match.status != MatchStatus.DONE).limit(1)
    )
    if pending is not None or len(engine.rounds) >= engine.planned_rounds:
        return
    number_of, _ = await _numbers(session, draw.id)
    played = await _played(session, draw.id, "swiss")
    rounds = []
    for rnd in engine.rounds:
        games = tuple(as_played(m, r, number_of) for m, r in played if m.round_no == rnd.number)
        rounds.append(PlayedRound(games=games, byes=(rnd.bye,) if rnd.bye is not None else ()))
    try:
        nxt = next_swiss_round(engine, rounds)
    except DrawError:
        return  # nobody left to pair without a rematch: the event ends early
    new_engine = msgspec.structs.replace(engine, rounds=(*engine.rounds, nxt))
    draw.data = encode_draw(new_engine).decode()
    await session.flush()
    await add_matches(session, draw, event, _round_matches("swiss", (nxt,), event.best_of))


# Reading -----------------------------------------------------------------------------------


async def latest_summaries(db: Database, draw_id: int) -> dict[int, str]:
    """Each played match of the draw (match id) with its current result's summary, in one query.

    A result cleared by an earlier correction is left out: that match is to be played again.
    """
    async with db.read() as session:
        rows = (
            await session.execute(
                select(MatchResult.match_id, MatchResult.outcome, MatchResult.summary)
                .join(Match, Match.id == MatchResult.match_id)
                .where(Match.draw_id == draw_id)
                .order_by(MatchResult.match_id, MatchResult.version)
            )
        ).all()
    latest = {match_id: (outcome, summary) for match_id, outcome, summary in rows}
    return {m: summary for m, (outcome, summary) in latest.items() if outcome != "cleared"}


async def history(db: Database, match_id: int) -> list[MatchResult]:
    async with db.read() as session:
        return list(
            (await session.scalars(select(MatchResult).where(MatchResult.match_id == match_id).order_by(MatchResult.version))).all()
        )


@dataclass
class Table:
    name: str  # group name, or "" for a whole round robin / Swiss
    rows: list[tuple[standings.Standing, DrawEntrant]]


async def tables(db: Database, draw: Draw, event: Event) -> list[Table]:
    """Standings of each group (or of the whole round robin / Swiss)."""
    engine = decode_draw(draw.data)
    async with db.read() as session:
        entrants = {e.number: e for e in (await session.scalars(select(DrawEntrant).where(DrawEntrant.draw_id == draw.id))).all()}
        number_of = {e.id: e.number for e in entrants.values()}
        rules = ranking_rules(event, draw.format)
        result: list[Table] = []
        if isinstance(engine, GroupsKnockoutDraw):
            for group in engine.groups:
                records = [as_played(m, r, number_of) for m, r in await _played(session, draw.id, "group", group.name)]
                ranked = standings.rank(list(group.entrants), records, rules, seed=draw.seed)
                result.append(Table(group.name, [(s, entrants[s.entrant]) for s in ranked]))
        elif not isinstance(engine, KnockoutDraw):
            stage = "swiss" if isinstance(engine, SwissDraw) else "round_robin"
            records = [as_played(m, r, number_of) for m, r in await _played(session, draw.id, stage)]
            byes = [r.bye for r in getattr(engine, "rounds", ()) if getattr(r, "bye", None) is not None]
            ranked = standings.rank(list(entrants), records, rules, seed=draw.seed, byes=byes)
            result.append(Table("", [(s, entrants[s.entrant]) for s in ranked]))
    return result


@dataclass
class Placing:
    place: int
    entrant: DrawEntrant


async def placings(db: Database, draw: Draw, event: Event) -> tuple[list[Placing], bool]:
    """Final places (1st, 2nd, 3rd …) and whether the event is finished."""
    async with db.read() as session:
        pending = await session.scalar(
            select(Match.id).where(Match.draw_id == draw.id, Match.status != MatchStatus.DONE).limit(1)
        )
        entrants = {e.number: e for e in (await session.scalars(select(DrawEntrant).where(DrawEntrant.draw_id == draw.id))).all()}
    engine = decode_draw(draw.data)
    finished = pending is None
    if isinstance(engine, SwissDraw):
        finished = finished and len(engine.rounds) >= engine.planned_rounds
    bracket = live_bracket(draw)
    if bracket is not None:
        places = _knockout_places(bracket)
        return [Placing(p, entrants[x]) for p, x in places], finished and bracket.final().winner is not None
    if isinstance(engine, GroupsKnockoutDraw):
        return [], False
    table = (await tables(db, draw, event))[0]
    return [Placing(s.place, e) for s, e in table.rows], finished


def _knockout_places(bracket: knockout.Bracket) -> list[tuple[int, int]]:
    """The podium, then the losers of each earlier round sharing the next place (5th, 9th …)."""
    places = knockout.podium(bracket)
    placed = {x for _, x in places}
    for r in range(bracket.rounds - 2, 0, -1):
        shared = (bracket.size >> r) + 1
        for m in bracket.round_matches(r):
            if m.loser is not None and m.loser not in placed:
                places.append((shared, m.loser))
                placed.add(m.loser)
    return places


async def referee_matches(db: Database, actor: Actor) -> list[tuple[Match, Event, str, str]]:
    """Matches of published draws this referee may score, ready ones first."""
    async with db.read() as session:
        stmt = (
            select(Match, Event)
            .join(Draw, Draw.id == Match.draw_id)
            .join(Event, Event.id == Match.event_id)
            .where(Draw.status == DrawStatus.PUBLISHED)
            .order_by(Match.status.desc(), Event.position, Match.number)
        )
        rows = (await session.execute(stmt)).all()
        names = dict((await session.execute(select(DrawEntrant.id, DrawEntrant.name))).all())
    out = []
    for m, e in rows:
        if actor.is_organiser or actor.can_referee(e.id, m.venue_id or e.venue_id):
            out.append((m, e, names.get(m.a_id, "待定"), names.get(m.b_id, "待定")))
    return out


async def team_people(db: Database, event_id: int, entrant_id: int) -> list[Person]:
    """The players a team entrant may line up (for a badminton team tie)."""
    from events.models import Entry

    async with db.read() as session:
        entrant = await session.get(DrawEntrant, entrant_id)
        if entrant is None:
            raise NotFound("参赛队")
        return list(
            (
                await session.scalars(
                    select(Person)
                    .join(Entry, Entry.person_id == Person.id)
                    .where(Entry.event_id == event_id, Entry.team_id == entrant.team_id, Entry.squad == entrant.squad)
                    .order_by(Person.gender.desc(), Person.name)
                )
            ).all()
        )

