"""Team points (团体总分) and the medal table (奖牌榜) from a meet's real results, and the meet's
points rules as organisers edit them — on SQLite and on PostgreSQL.

Match events are played through the draw and result services. Timed events get their final's
start list written directly (the timed-results service is tested on its own): a time is in
thousandths of a second, a line without a mark carries DNS/DNF/DQ/NM.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from events import draws, match_results, meets, registration, team_points
from events.db import Database
from events.errors import DomainError
from events.models import Draw, DrawEntrant, Event, Heat, Match, MatchStatus, Meet, Person, RaceRound, StartEntry, Team, TeamMember
from events.schemas import MeetInput
from tests.support import SYSTEM_ORGANISER, DemoMeet

ORG = SYSTEM_ORGANISER
TEAMS = ("一车间", "二车间", "三车间", "机修车间", "质检部", "生产技术部", "综合管理部", "财务部")

# A final's line: (team, time in thousandths or a status[, record flag[, nth person of the team]]).
Line = tuple[Any, ...]


async def _people(db: Database, demo: DemoMeet, team: str, gender: str) -> list[Person]:
    async with db.read() as session:
        return list(
            (
                await session.scalars(
                    select(Person).join(TeamMember).where(TeamMember.team_id == demo.team_ids[team], Person.gender == gender)
                    .order_by(Person.id)
                )
            ).all()
        )


async def event_of(db: Database, event_id: int) -> Event:
    async with db.read() as session:
        event = await session.get(Event, event_id)
    assert event is not None
    return event


async def enter_squad(db: Database, demo: DemoMeet, code: str, team: str, size: int, gender: str) -> list[str]:
    """Enter ``size`` people of ``team`` as its squad in a team event; their names."""
    people = (await _people(db, demo, team, gender))[:size]
    for p in people:
        await registration.enter(db, ORG, team_id=demo.team_ids[team], event_id=demo.event_ids[code], person_id=p.id)
    return [p.name for p in people]


async def timed_final(db: Database, demo: DemoMeet, code: str, lines: list[Line]) -> int:
    """A published final of ``code`` with these lines, as if the referees had entered them."""
    event = await event_of(db, demo.event_ids[code])
    gender = "F" if event.division == "women" else "M"
    async with db.write() as session:
        final = RaceRound(
            event_id=event.id, number=1, name="决赛", is_final=True, method="serpentine", seed=1, data="{}",
            status="published",
        )
        session.add(final)
        await session.flush()
        heat = Heat(round_id=final.id, number=1)
        session.add(heat)
        await session.flush()
        for position, (team, mark, *more) in enumerate(lines, start=1):
            flag = more[0] if more else None
            nth = more[1] if len(more) > 1 else 0
            team_id = demo.team_ids[team]
            team_name = (await session.get(Team, team_id)).name  # type: ignore[union-attr]
            if event.is_team_event:
                person_id, name, key = None, team_name, f"t:{team_id}:1"
            else:
                async with db.read() as read:
                    person = (
                        await read.scalars(
                            select(Person).join(TeamMember)
                            .where(TeamMember.team_id == team_id, Person.gender == gender).order_by(Person.id)
                        )
                    ).all()[nth]
                person_id, name, key = person.id, person.name, f"p:{person.id}"
            session.add(
                StartEntry(
                    round_id=final.id, heat_id=heat.id, event_id=event.id, entrant_key=key, team_id=team_id,
                    person_id=person_id, squad=1, name=name, team_name=team_name, lane=None, position=position,
                    version=0 if mark is None else 1,
                    value=mark if isinstance(mark, int) else None, status=mark if isinstance(mark, str) else None,
                    record_flag=flag,
                )
            )
    return event.id


async def enter_teams(db: Database, demo: DemoMeet, code: str, teams: tuple[str, ...], size: int) -> int:
    """Enter ``size`` men of each of ``teams`` (tug-of-war and chess are open to men)."""
    event_id = demo.event_ids[code]
    for team in teams:
        for p in (await _people(db, demo, team, "M"))[:size]:
            await registration.enter(db, ORG, team_id=demo.team_ids[team], event_id=event_id, person_id=p.id)
    return event_id


async def team_of_entrant(db: Database, event_id: int) -> dict[int, int]:
    async with db.read() as session:
        rows = await session.execute(
            select(DrawEntrant.id, DrawEntrant.team_id).join(Draw, Draw.id == DrawEntrant.draw_id).where(Draw.event_id == event_id)
        )
    return dict(rows.tuples().all())


async def published_draw(db: Database, demo: DemoMeet, code: str, teams: tuple[str, ...], size: int, fmt: str, **settings) -> int:
    event_id = await enter_teams(db, demo, code, teams, size)
    await draws.generate(db, ORG, demo.meet_id, event_id, draws.DrawRequest(format=fmt, settings=settings, seed=2026))
    await draws.publish(db, ORG, demo.meet_id, event_id)
    return event_id


async def ready_matches(db: Database, event_id: int) -> list[Match]:
    async with db.read() as session:
        return list(
            (
                await session.scalars(
                    select(Match).where(Match.event_id == event_id, Match.status == MatchStatus.READY).order_by(Match.number)
                )
            ).all()
        )


async def play(db: Database, match: Match, winner: str, **result: Any) -> None:
    """Record ``winner`` ('a' / 'b') of a tally sport (chess, tug-of-war): 2:0 or 0:2."""
    tally = (2, 0) if winner == "a" else (0, 2)
    data = match_results.ResultInput(idempotency_key=uuid.uuid4().hex, version=match.version, tally=tally, **result)
    await match_results.record_result(db, ORG, match.id, data)


async def play_all(db: Database, event_id: int, winner_of: Any) -> None:
    """Play every match as it becomes ready; ``winner_of(match)`` says 'a' or 'b'."""
    while ready := await ready_matches(db, event_id):
        for m in ready:
            await play(db, m, winner_of(m))


async def set_rules(db: Database, demo: DemoMeet, **fields: Any) -> Meet:
    async with db.read() as session:
        meet = await session.get(Meet, demo.meet_id)
    assert meet is not None
    data = MeetInput(
        name=meet.name, edition=meet.edition, starts_on=meet.starts_on, ends_on=meet.ends_on,
        registration_opens=meet.registration_opens, registration_closes=meet.registration_closes, host=meet.host,
        location=meet.location, per_person_limit=meet.per_person_limit, counted_kinds=meet.counted_kinds, **fields,
    )
    return await meets.update_meet(db, ORG, demo.meet_id, data)


def totals(s: team_points.Standings) -> dict[str, float]:
    return {t.team.name: t.row.points for t in s.teams}


def medals(s: team_points.Standings) -> dict[str, tuple[int, int, int]]:
    return {m.team.name: (m.row.gold, m.row.silver, m.row.bronze) for m in s.medals}


# Points ------------------------------------------------------------------------------------------------


async def test_places_score_7_5_4_3_2_1_and_two_tied_for_second_share_5_and_4(demo_db: Database, demo: DemoMeet) -> None:
    times = [11_000, 11_100, 11_100, 11_300, 11_400, 11_500, 11_600, "DNF"]
    await timed_final(demo_db, demo, "ATH-100M-M", list(zip(TEAMS, times, strict=True)))
    s = await team_points.standings(demo_db, demo.meet_id)
    assert totals(s) == {
        "一车间": 7, "二车间": 4.5, "三车间": 4.5, "机修车间": 3, "质检部": 2, "生产技术部": 1, "综合管理部": 0, "财务部": 0,
    }
    assert [(t.row.place, t.team.name) for t in s.teams][:3] == [(1, "一车间"), (2, "二车间"), (2, "三车间")]
    second = next(t for t in s.teams if t.team.name == "二车间")
    assert [(x.event_name, x.place, x.tied, x.points) for x in second.scored] == [("男子100米", 2, True, 4.5)]
    assert second.points == "4.5"


async def test_a_relay_scores_double_and_the_multiplier_is_a_setting(demo_db: Database, demo: DemoMeet) -> None:
    teams = TEAMS[:7]
    for team in teams:
        await enter_squad(demo_db, demo, "RELAY-4X100-M", team, 4, "M")
    await timed_final(demo_db, demo, "RELAY-4X100-M", [(t, 50_000 + 100 * i) for i, t in enumerate(teams)])
    s = await team_points.standings(demo_db, demo.meet_id)
    assert [totals(s)[t] for t in teams] == [14, 10, 8, 6, 4, 2, 0]
    await set_rules(demo_db, demo, points_multiplier=1)
    s = await team_points.standings(demo_db, demo.meet_id)
    assert [totals(s)[t] for t in teams] == [7, 5, 4, 3, 2, 1, 0]
    assert "接力及团体项目" not in s.summary


async def test_a_small_field_scores_one_place_fewer_than_its_entrants_unless_switched_off(demo_db: Database, demo: DemoMeet) -> None:
    await timed_final(demo_db, demo, "ATH-1500M-W", [("一车间", 330_000), ("二车间", 340_000), ("三车间", 350_000)])
    s = await team_points.standings(demo_db, demo.meet_id)
    assert (totals(s)["一车间"], totals(s)["二车间"], totals(s)["三车间"]) == (7, 5, 0)
    state = next(e for e in s.events if e.placings.event.code == "ATH-1500M-W")
    assert state.scored_places == 2 and state.placings.complete
    await set_rules(demo_db, demo, points_short_field=0)
    s = await team_points.standings(demo_db, demo.meet_id)
    assert (totals(s)["一车间"], totals(s)["二车间"], totals(s)["三车间"]) == (7, 5, 4)


async def test_the_points_table_is_a_setting(demo_db: Database, demo: DemoMeet) -> None:
    await set_rules(demo_db, demo, points_table="9、7、6、5、4、3、2、1")
    await timed_final(demo_db, demo, "ATH-100M-M", [(t, 11_000 + 10 * i) for i, t in enumerate(TEAMS)])
    s = await team_points.standings(demo_db, demo.meet_id)
    assert [totals(s)[t] for t in TEAMS] == [9, 7, 6, 5, 4, 3, 2, 0]  # 8 entrants: 7 places score


async def test_a_round_robin_scores_only_when_finished_and_a_team_match_counts_double(demo_db: Database, demo: DemoMeet) -> None:
    teams = ("一车间", "二车间", "三车间", "机修车间")
    event_id = await published_draw(demo_db, demo, "TUG", teams, 10, "round_robin")
    team_of = await team_of_entrant(demo_db, event_id)
    number = {demo.team_ids[t]: i for i, t in enumerate(teams)}  # 一车间 beats everybody, and so on

    def better(m: Match) -> str:
        return "a" if number[team_of[m.a_id]] < number[team_of[m.b_id]] else "b"

    ready = await ready_matches(demo_db, event_id)
    for m in ready[:-1]:
        await play(demo_db, m, better(m))
    s = await team_points.standings(demo_db, demo.meet_id)
    assert set(totals(s).values()) == {0}, "a round robin half played places nobody"
    await play(demo_db, ready[-1], better(ready[-1]))
    s = await team_points.standings(demo_db, demo.meet_id)
    # 4 entrants, one place fewer scored: 7, 5, 4 — doubled for a team event.
    assert [totals(s)[t] for t in teams] == [14, 10, 8, 0]
    tug = next(e for e in s.events if e.placings.event.id == event_id)
    assert tug.placings.complete
    # Tug-of-war awards the top 2: a gold and a silver, no bronze.
    assert medals(s) == {"一车间": (1, 0, 0), "二车间": (0, 1, 0)}


async def test_a_knockout_places_its_losers_as_they_lose_and_the_tables_stay_provisional(
    demo_db: Database, demo: DemoMeet
) -> None:
    event_id = await published_draw(demo_db, demo, "XQ", TEAMS, 1, "knockout", third_place="shared")
    for m in await ready_matches(demo_db, event_id):  # the quarter-finals
        await play(demo_db, m, "a")
    s = await team_points.standings(demo_db, demo.meet_id)
    xq = next(e for e in s.events if e.placings.event.id == event_id)
    assert not xq.placings.complete and s.provisional and s.decided == 0
    losers = [p.team_name for p in xq.placings.places]
    assert [p.place for p in xq.placings.places] == [5, 5, 5, 5] and all(p.tied for p in xq.placings.places)
    # 8 entrants: 6 places score; four sharing 5th share 5th–8th, of which 5th and 6th score 2 + 1.
    assert all(totals(s)[t] == 0.75 for t in losers)
    assert all(x.complete is False for t in s.teams for x in t.scored)
    await play_all(demo_db, event_id, lambda m: "a")
    s = await team_points.standings(demo_db, demo.meet_id)
    xq = next(e for e in s.events if e.placings.event.id == event_id)
    assert xq.placings.complete and s.decided == 1 and s.provisional and len(s.events) == 20
    places = {p.team_name: p.place for p in xq.placings.places}
    champion = next(t for t, p in places.items() if p == 1)
    runner_up = next(t for t, p in places.items() if p == 2)
    thirds = [t for t, p in places.items() if p == 3]
    assert totals(s)[champion] == 7 and totals(s)[runner_up] == 5
    assert [totals(s)[t] for t in thirds] == [3.5, 3.5]  # (4 + 3) / 2
    assert medals(s)[champion] == (1, 0, 0) and medals(s)[runner_up] == (0, 1, 0)
    assert all(medals(s)[t] == (0, 0, 1) for t in thirds) and len(medals(s)) == 4


async def test_totals_and_medals_add_up_over_several_events(demo_db: Database, demo: DemoMeet) -> None:
    await timed_final(demo_db, demo, "ATH-100M-M", [(t, 11_000 + 100 * i) for i, t in enumerate(TEAMS)])
    await timed_final(demo_db, demo, "ATH-100M-W", [(t, 13_000 + 100 * i) for i, t in enumerate(reversed(TEAMS))])
    s = await team_points.standings(demo_db, demo.meet_id)
    assert totals(s)["一车间"] == 7 + 0 and totals(s)["财务部"] == 0 + 7
    # Level on 7 points and one gold each: they share first place.
    assert [(t.row.place, t.team.name) for t in s.teams][:2] == [(1, "一车间"), (1, "财务部")]
    assert medals(s)["一车间"] == (1, 0, 0) and medals(s)["财务部"] == (1, 0, 0)
    assert sum(t.row.points for t in s.teams) == 2 * (7 + 5 + 4 + 3 + 2 + 1)
    assert sum(sum(m) for m in medals(s).values()) == 6


# Settings ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"points_table": "7,5,x"}, "points_table", "名次分须为用逗号分隔的数字,如 7,5,4,3,2,1"),
        ({"points_table": " "}, "points_table", "名次分须为用逗号分隔的数字,如 7,5,4,3,2,1"),
        ({"points_table": "5,7,4"}, "points_table", "名次靠后的得分不能高于名次靠前的"),
        ({"points_table": "7,5,0"}, "points_table", "每个名次的得分须大于 0 且不超过 100"),
        ({"points_table": "7,5,4.125"}, "points_table", "名次分须为用逗号分隔的数字,如 7,5,4,3,2,1"),
        ({"points_table": ",".join(["1"] * 17)}, "points_table", "最多为前 16 名计分"),
        ({"points_multiplier": 0.5}, "points_multiplier", "接力及团体项目的得分倍数须为 1–10(可带两位小数)"),
        ({"points_multiplier": 11}, "points_multiplier", "接力及团体项目的得分倍数须为 1–10(可带两位小数)"),
        ({"points_short_field": 9}, "points_short_field", "参赛不足时少计的名次须为 0–5(0 表示不减少)"),
        ({"points_short_field": -1}, "points_short_field", "参赛不足时少计的名次须为 0–5(0 表示不减少)"),
    ],
)
async def test_points_settings_are_checked_with_chinese_messages(
    demo_db: Database, demo: DemoMeet, fields: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(DomainError) as refused:
        await set_rules(demo_db, demo, **fields)
    assert refused.value.problems[field] == message
    async with demo_db.read() as session:
        meet = await session.get(Meet, demo.meet_id)
    assert meet is not None and team_points.rules_of(meet) == team_points.DEFAULT_RULES


async def test_points_settings_are_stored_and_a_field_left_out_keeps_its_value(demo_db: Database, demo: DemoMeet) -> None:
    meet = await set_rules(demo_db, demo, points_table="9, 7,6,5,4,3,2,1", points_multiplier=1.5, points_short_field=0)
    assert meet.points_rules["points"] == [9, 7, 6, 5, 4, 3, 2, 1]
    rules = team_points.rules_of(meet)
    assert (rules.team_event_multiplier, rules.short_field_reduction) == (1.5, None)
    meet = await set_rules(demo_db, demo)  # an API client that does not know the fields
    assert team_points.rules_of(meet) == rules
    assert team_points.form_values(meet) == {"points_table": "9,7,6,5,4,3,2,1", "points_multiplier": "1.5", "points_short_field": 0}
    meet = await set_rules(demo_db, demo, points_short_field=2)
    assert team_points.rules_of(meet).short_field_reduction == 2
    assert "参赛不足 10 个时,计分名次为参赛数减 2" in team_points.rules_summary(team_points.rules_of(meet))


async def test_a_new_meet_gets_the_default_rules(demo_db: Database, demo: DemoMeet) -> None:
    async with demo_db.read() as session:
        meet = await session.get(Meet, demo.meet_id)
    assert meet is not None
    assert team_points.rules_of(meet) == team_points.DEFAULT_RULES
    assert team_points.points_text(team_points.rules_of(meet)) == "7,5,4,3,2,1"
    s = await team_points.standings(demo_db, demo.meet_id)
    assert s.provisional and s.decided == 0 and len(s.teams) == 8 and not s.medals
    assert {t.row.place for t in s.teams} == {1}, "nobody has scored: all level"


def test_unreadable_stored_rules_fall_back_to_the_defaults() -> None:
    meet = Meet(points_rules={"points": "seven"})
    assert team_points.rules_of(meet) == team_points.DEFAULT_RULES
