"""The demo meet (第六届职工运动会 of seeds/003 篇六) and its loader. Both backends."""

from __future__ import annotations

from sqlalchemy import func, select

from events.db import Database
from events.demo import DEMO_MEET_NAME, TEAMS, demo_accounts, load_demo
from events.demo_campaigns import STAFF
from events.models import AuditLog, Event, Meet, Person, Team, TeamMember, UserAccount, Venue
from tests.support import DemoMeet

TABLES = (Meet, Venue, Event, Team, Person, TeamMember, UserAccount, AuditLog)


async def _counts(db: Database) -> dict[str, int]:
    async with db.read() as session:
        return {
            table.__tablename__: await session.scalar(select(func.count()).select_from(table)) or 0 for table in TABLES
        }


async def test_demo_meet_has_the_seeds_shape(demo_db: Database, demo: DemoMeet) -> None:
    counts = await _counts(demo_db)
    assert counts["meet"] == 1
    assert counts["event"] == 20  # 10 major events, 20 sub-events
    assert counts["team"] == 8
    assert counts["venue"] == 7
    assert counts["user_account"] == 11  # 1 organiser, 8 leaders, 2 referees
    assert 190 <= counts["person"] <= 210
    assert counts["team_member"] == counts["person"] - len(STAFF)  # the visit groups' staff are on no team
    async with demo_db.read() as session:
        meet = await session.scalar(select(Meet).where(Meet.name == DEMO_MEET_NAME))
    assert meet is not None and meet.id == demo.meet_id
    assert (meet.edition, meet.per_person_limit) == (6, 3)


async def test_second_demo_load_creates_nothing(demo_db: Database, demo: DemoMeet) -> None:
    before = await _counts(demo_db)
    meet, created = await load_demo(demo_db)
    assert created is False
    assert meet.id == demo.meet_id
    assert await _counts(demo_db) == before


async def test_each_leader_is_bound_to_the_team_of_the_same_number(demo_db: Database, demo: DemoMeet) -> None:
    for number, name, _ in TEAMS:
        assert demo.team_of(f"lingdui{number}") == demo.team_ids[name]
    async with demo_db.read() as session:
        roles = dict((await session.execute(select(UserAccount.username, UserAccount.role))).all())
    assert roles == {a.username: a.role for a in demo_accounts()}


async def test_referees_are_assigned_their_events(demo: DemoMeet) -> None:
    athletics = demo.actor("caipan1")
    assert demo.event_ids["ATH-100M-M"] in athletics.event_ids
    assert demo.event_ids["XQ"] not in athletics.event_ids
    board_games = demo.actor("caipan2")
    assert {demo.event_ids[c] for c in ("TT-MS", "TT-WS", "XQ", "PK-SJ")} == board_games.event_ids
    assert demo.venue_ids["棋牌室"] in board_games.venue_ids


async def test_demo_people_have_unique_employee_numbers_and_both_genders(demo_db: Database) -> None:
    async with demo_db.read() as session:
        rows = (await session.execute(select(Person.employee_no, Person.gender))).all()
    assert len({no for no, _ in rows}) == len(rows)
    assert {gender for _, gender in rows} == {"M", "F"}


async def test_the_demo_field_fills_track_and_fun_events_within_every_rule(demo_db: Database, demo: DemoMeet) -> None:
    from events.demo_field import FIELD, enter_demo_field
    from events.models import Entry

    made = await enter_demo_field(demo_db, demo.meet_id)
    assert made == sum(m + w for m, w in FIELD.values()) * len(demo.team_ids)
    async with demo_db.read() as session:
        most = await session.scalar(
            select(func.count(Entry.id)).group_by(Entry.person_id).order_by(func.count(Entry.id).desc()).limit(1)
        )
        unnumbered = await session.scalar(
            select(func.count(TeamMember.id)).where(
                TeamMember.person_id.in_(select(Entry.person_id)), TeamMember.bib.is_(None)
            )
        )
    assert most is not None and most <= 3
    assert unnumbered == 0
    assert await enter_demo_field(demo_db, demo.meet_id) == 0
