"""Referees' results: validated per sport, idempotent, versioned, append-only, carried forward."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from events import draws, match_results, registration
from events.actors import Actor
from events.db import Database
from events.errors import ChangedSinceSent, DomainError, Forbidden
from events.match_results import NeedsConfirmation, ResultInput, StaleResult
from events.models import Draw, Match, MatchResult, MatchStatus, Person, TeamMember
from tests.support import SYSTEM_ORGANISER, DemoMeet

ORG = SYSTEM_ORGANISER


async def _enter(db: Database, demo: DemoMeet, code: str, per_team: int, gender: str | None = None) -> int:
    event_id = demo.event_ids[code]
    for team_id in demo.team_ids.values():
        async with db.read() as session:
            stmt = select(Person.id).join(TeamMember).where(TeamMember.team_id == team_id).order_by(Person.id)
            if gender:
                stmt = stmt.where(Person.gender == gender)
            people = (await session.scalars(stmt)).all()
        for person_id in people[:per_team]:
            await registration.enter(db, ORG, team_id=team_id, event_id=event_id, person_id=person_id)
    return event_id


async def _published(db: Database, demo: DemoMeet, code: str, fmt: str, per_team: int, gender: str | None, **settings) -> int:
    event_id = await _enter(db, demo, code, per_team, gender)
    await draws.generate(db, ORG, demo.meet_id, event_id, draws.DrawRequest(format=fmt, settings=settings, seed=2026))
    await draws.publish(db, ORG, demo.meet_id, event_id)
    return event_id


async def _ready(db: Database, event_id: int) -> list[Match]:
    async with db.read() as session:
        return list(
            (
                await session.scalars(
                    select(Match).where(Match.event_id == event_id, Match.status == MatchStatus.READY).order_by(Match.number)
                )
            ).all()
        )


def _games(winner: str, best_of: int) -> list[tuple[int, int]]:
    need = best_of // 2 + 1
    return [(11, 6) if winner == "a" else (6, 11)] * need


def _submit(match: Match, **fields) -> ResultInput:
    return ResultInput(idempotency_key=uuid.uuid4().hex, version=match.version, **fields)


async def test_a_best_of_three_cannot_end_two_all_and_table_tennis_games_need_eleven_with_two_clear(
    demo_db: Database, demo: DemoMeet
) -> None:
    event_id = await _published(demo_db, demo, "TT-MS", "knockout", 1, "M")
    match = (await _ready(demo_db, event_id))[0]
    with pytest.raises(DomainError, match="不是有效比分"):
        await match_results.record_result(demo_db, ORG, match.id, _submit(match, games=[(11, 10), (11, 5)]))
    with pytest.raises(DomainError, match="三局两胜的比赛不能打成 2:2"):
        await match_results.record_result(
            demo_db, ORG, match.id, _submit(match, games=[(11, 5), (5, 11), (11, 5), (5, 11)])
        )
    async with demo_db.read() as session:
        assert await session.scalar(select(MatchResult.id).where(MatchResult.match_id == match.id)) is None


async def _first_result(db: Database, demo: DemoMeet) -> tuple[Match, ResultInput, match_results.Recorded]:
    """A table-tennis knockout's first match scored 2:0: the match, what was sent, what was stored."""
    event_id = await _published(db, demo, "TT-MS", "knockout", 1, "M")
    match = (await _ready(db, event_id))[0]
    data = _submit(match, games=_games("a", 3))
    return match, data, await match_results.record_result(db, ORG, match.id, data)


async def test_a_repeated_submission_returns_the_stored_result_and_writes_no_second_row(
    demo_db: Database, demo: DemoMeet
) -> None:
    match, data, first = await _first_result(demo_db, demo)
    again = await match_results.record_result(demo_db, ORG, match.id, data)
    assert first.created and not again.created
    assert again.result.id == first.result.id
    async with demo_db.read() as session:
        rows = (await session.scalars(select(MatchResult).where(MatchResult.match_id == match.id))).all()
    assert len(rows) == 1


async def test_a_repeat_carrying_another_score_is_refused_and_the_same_score_typed_again_needs_no_reason(
    demo_db: Database, demo: DemoMeet
) -> None:
    match, data, first = await _first_result(demo_db, demo)
    changed = ResultInput(idempotency_key=data.idempotency_key, version=0, games=_games("b", 3))
    with pytest.raises(ChangedSinceSent) as refused:
        await match_results.record_result(demo_db, ORG, match.id, changed)
    assert refused.value.saved == first.result.summary and refused.value.typed != first.result.summary
    # after a reload (a new key, the current version) the same score typed again is already so
    again = ResultInput(idempotency_key=uuid.uuid4().hex, version=1, games=_games("a", 3))
    same = await match_results.record_result(demo_db, ORG, match.id, again)
    assert same.same and not same.created and same.result.id == first.result.id
    with pytest.raises(DomainError, match="更正已录入的比分须填写理由"):  # a different score still needs one
        await match_results.record_result(demo_db, ORG, match.id, ResultInput(idempotency_key=uuid.uuid4().hex, version=1, games=_games("b", 3)))
    async with demo_db.read() as session:
        assert len((await session.scalars(select(MatchResult).where(MatchResult.match_id == match.id))).all()) == 1


async def test_a_stale_edit_is_refused_with_both_values(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _published(demo_db, demo, "TT-MS", "round_robin", 1, "M")
    match = (await _ready(demo_db, event_id))[0]
    seen_version = match.version
    await match_results.record_result(demo_db, ORG, match.id, _submit(match, games=_games("a", 3)))
    late = ResultInput(idempotency_key=uuid.uuid4().hex, version=seen_version, games=_games("b", 3))
    with pytest.raises(StaleResult) as refused:
        await match_results.record_result(demo_db, ORG, match.id, late)
    assert refused.value.status == 409
    assert refused.value.current.startswith("2:0") and refused.value.submitted.startswith("0:2")


async def test_a_correction_is_a_new_version_with_a_reason_and_history_is_kept(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _published(demo_db, demo, "TT-MS", "round_robin", 1, "M")
    match = (await _ready(demo_db, event_id))[0]
    await match_results.record_result(demo_db, ORG, match.id, _submit(match, games=_games("a", 3)))
    async with demo_db.read() as session:
        match = await session.get(Match, match.id)
    with pytest.raises(DomainError, match="更正已录入的比分须填写理由"):
        await match_results.record_result(demo_db, ORG, match.id, _submit(match, games=_games("b", 3)))
    await match_results.record_result(demo_db, ORG, match.id, _submit(match, games=_games("b", 3), reason="记分员记反"))
    history = await match_results.history(demo_db, match.id)
    assert [(r.version, r.winner_side) for r in history] == [(1, "a"), (2, "b")]
    assert history[1].reason == "记分员记反"


async def test_the_database_refuses_to_update_or_delete_a_result(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _published(demo_db, demo, "TT-MS", "round_robin", 1, "M")
    match = (await _ready(demo_db, event_id))[0]
    await match_results.record_result(demo_db, ORG, match.id, _submit(match, games=_games("a", 3)))
    for statement in ("UPDATE match_result SET summary = 'x'", "DELETE FROM match_result"):
        with pytest.raises((IntegrityError, DBAPIError)):
            async with demo_db.write() as session:
                await session.execute(text(statement))


async def test_only_the_events_referee_or_an_organiser_may_score(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _published(demo_db, demo, "TT-MS", "knockout", 1, "M")
    match = (await _ready(demo_db, event_id))[0]
    athletics_referee = demo.actor("caipan1")  # bound to track events only
    leader = demo.actor("lingdui1")
    for actor in (athletics_referee, leader):
        with pytest.raises(Forbidden):
            await match_results.record_result(demo_db, actor, match.id, _submit(match, games=_games("a", 3)))
    table_tennis_referee = demo.actor("caipan2")
    recorded = await match_results.record_result(demo_db, table_tennis_referee, match.id, _submit(match, games=_games("a", 3)))
    assert recorded.created


async def test_winners_advance_at_once_and_a_knockout_plays_to_a_champion(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _published(demo_db, demo, "XQ", "knockout", 2, None)
    for _ in range(10):
        ready = await _ready(demo_db, event_id)
        if not ready:
            break
        for m in ready:
            await match_results.record_result(demo_db, ORG, m.id, _submit(m, tally=(2, 1)))
    async with demo_db.read() as session:
        draw = await session.scalar(select(Draw).where(Draw.event_id == event_id))
        event = await session.get(draws.Event, event_id)
    places, finished = await match_results.placings(demo_db, draw, event)
    assert finished
    assert [p.place for p in places[:4]] == [1, 2, 3, 4]
    assert len({p.entrant.id for p in places}) == len(places)


async def test_correcting_a_result_that_later_matches_depend_on_needs_an_organisers_confirmation(
    demo_db: Database, demo: DemoMeet
) -> None:
    event_id = await _published(demo_db, demo, "XQ", "knockout", 1, None, third_place="none")
    referee = demo.actor("caipan2")
    first_round = await _ready(demo_db, event_id)
    for m in first_round:
        await match_results.record_result(demo_db, referee, m.id, _submit(m, tally=(2, 0)))
    second_round = await _ready(demo_db, event_id)
    assert second_round, "the winners should meet in the next round"
    played = second_round[0]
    await match_results.record_result(demo_db, referee, played.id, _submit(played, tally=(2, 0)))
    async with demo_db.read() as session:
        feeder = await session.get(Match, first_round[0].id)
    correction = _submit(feeder, tally=(0, 2), reason="裁判长复核")
    with pytest.raises(NeedsConfirmation) as needs:
        await match_results.record_result(demo_db, referee, feeder.id, correction)
    assert needs.value.changes
    confirmed = ResultInput(
        idempotency_key=uuid.uuid4().hex, version=feeder.version, tally=(0, 2), reason="裁判长复核", confirm=True
    )
    with pytest.raises(NeedsConfirmation):  # a referee cannot confirm; only an organiser
        await match_results.record_result(demo_db, referee, feeder.id, confirmed)
    recorded = await match_results.record_result(demo_db, ORG, feeder.id, confirmed)
    assert recorded.created and recorded.changes
    history = await match_results.history(demo_db, played.id)
    assert history[-1].outcome == "cleared"  # the dependent result was withdrawn, not erased


async def test_the_knockout_is_drawn_when_the_groups_finish(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _published(demo_db, demo, "TT-MS", "groups_knockout", 2, "M", group_size=4, qualifiers=2)
    async with demo_db.read() as session:
        assert not (await session.scalars(select(Match).where(Match.event_id == event_id, Match.stage == "knockout"))).all()
    for m in await _ready(demo_db, event_id):
        await match_results.record_result(demo_db, ORG, m.id, _submit(m, games=_games("a", 3)))
    async with demo_db.read() as session:
        knockout = (await session.scalars(select(Match).where(Match.event_id == event_id, Match.stage == "knockout"))).all()
    assert knockout and any(m.status == MatchStatus.READY for m in knockout)


async def test_walkover_and_double_forfeit_are_recorded(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _published(demo_db, demo, "TUG", "round_robin", 10, None)
    first, second = (await _ready(demo_db, event_id))[:2]
    walkover = await match_results.record_result(demo_db, ORG, first.id, _submit(first, outcome="walkover", winner="b"))
    assert walkover.result.winner_side == "b" and "弃权" in walkover.result.summary
    double = await match_results.record_result(demo_db, ORG, second.id, _submit(second, outcome="double_forfeit"))
    assert double.result.winner_side is None and double.result.summary == "双方弃权"


async def test_a_refusal_names_the_part_of_the_sheet_at_fault(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _published(demo_db, demo, "TT-MS", "round_robin", 1, "M")
    match = (await _ready(demo_db, event_id))[0]
    with pytest.raises(DomainError, match="请选择获胜方") as no_winner:
        await match_results.record_result(demo_db, ORG, match.id, _submit(match, outcome="walkover"))
    with pytest.raises(DomainError, match="不是有效比分") as bad_score:
        await match_results.record_result(demo_db, ORG, match.id, _submit(match, games=[(11, 10), (11, 5)]))
    with pytest.raises(DomainError, match="请填写每局比分") as no_score:
        await match_results.record_result(demo_db, ORG, match.id, _submit(match))
    assert (no_winner.value.field, bad_score.value.field, no_score.value.field) == ("winner", "games", "games")


async def test_badminton_team_line_ups_must_obey_gender(demo_db: Database, demo: DemoMeet) -> None:
    event_id = demo.event_ids["BD-TEAM"]
    for team_id in list(demo.team_ids.values())[:2]:
        async with demo_db.read() as session:
            men = (await session.scalars(select(Person.id).join(TeamMember).where(TeamMember.team_id == team_id, Person.gender == "M"))).all()
            women = (await session.scalars(select(Person.id).join(TeamMember).where(TeamMember.team_id == team_id, Person.gender == "F"))).all()
        for person_id in (*men[:2], *women[:2]):
            await registration.enter(demo_db, ORG, team_id=team_id, event_id=event_id, person_id=person_id)
    await draws.generate(demo_db, ORG, demo.meet_id, event_id, draws.DrawRequest(format="knockout", seed=1))
    await draws.publish(demo_db, ORG, demo.meet_id, event_id)
    match = (await _ready(demo_db, event_id))[0]
    a_people = await match_results.team_people(demo_db, event_id, match.a_id)
    b_people = await match_results.team_people(demo_db, event_id, match.b_id)
    a_men = [p.id for p in a_people if p.gender == "M"]
    a_women = [p.id for p in a_people if p.gender == "F"]
    b_men = [p.id for p in b_people if p.gender == "M"]
    b_women = [p.id for p in b_people if p.gender == "F"]
    win = [(21, 15), (21, 17)]
    wrong = _submit(
        match,
        rubbers=[
            match_results.RubberInput("MS", [a_women[0]], [b_men[0]], win),  # a woman in men's singles
            match_results.RubberInput("WS", [a_women[1]], [b_women[0]], win),
        ],
    )
    with pytest.raises(DomainError, match="男单须由"):
        await match_results.record_result(demo_db, ORG, match.id, wrong)
    right = _submit(
        match,
        rubbers=[
            match_results.RubberInput("MS", [a_men[0]], [b_men[0]], win),
            match_results.RubberInput("WS", [a_women[0]], [b_women[0]], win),
        ],
    )
    recorded = await match_results.record_result(demo_db, ORG, match.id, right)
    assert recorded.result.summary.startswith("2:0")
    # the same scores with another player in men's singles: a retry under the key is refused ...
    swapped = [
        match_results.RubberInput("MS", [a_men[1]], [b_men[0]], win),
        match_results.RubberInput("WS", [a_women[0]], [b_women[0]], win),
    ]
    with pytest.raises(ChangedSinceSent, match="出场名单不同"):
        await match_results.record_result(
            demo_db, ORG, match.id, ResultInput(idempotency_key=right.idempotency_key, version=0, rubbers=swapped)
        )
    # ... and a correction of the line-up alone is stored, not taken as "the same result"
    corrected = await match_results.record_result(
        demo_db, ORG, match.id, ResultInput(idempotency_key=uuid.uuid4().hex, version=1, rubbers=swapped, reason="男单出场队员记错")
    )
    assert corrected.created and not corrected.same and corrected.result.version == 2


async def test_an_unknown_actor_sees_no_draft(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _enter(demo_db, demo, "XQ", 1)
    await draws.generate(demo_db, ORG, demo.meet_id, event_id, draws.DrawRequest(format="knockout", seed=3))
    public = await draws.view(demo_db, demo.meet_id, event_id, actor=Actor(user_id=None, role=None))
    assert public.draw is None
    organiser = await draws.view(demo_db, demo.meet_id, event_id, actor=ORG)
    assert organiser.draw is not None and organiser.matches
