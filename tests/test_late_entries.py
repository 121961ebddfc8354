"""Entries against the draw: once an event's draw or first round is published its entries no
longer change; a draft made before entries changed is not published until it is redrawn —
else a late entrant would be in no heat, lane or match."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from events import draws, race_rounds, registration
from events.db import Database
from events.errors import DomainError
from events.models import Entry, Person, StartEntry, TeamMember
from events.race_rounds import RoundRequest
from tests.support import SYSTEM_ORGANISER, DemoMeet
from tests.test_records import enter_people

ORG = SYSTEM_ORGANISER


async def _people(db: Database, team_id: int, gender: str) -> list[int]:
    async with db.read() as session:
        return list((await session.scalars(
            select(Person.id).join(TeamMember).where(TeamMember.team_id == team_id, Person.gender == gender)
            .order_by(Person.id)
        )).all())


async def _name(db: Database, person_id: int) -> str:
    async with db.read() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        return person.name


async def _heats_drafted(db: Database, demo: DemoMeet) -> int:
    event_id = await enter_people(db, demo, "ATH-100M-M", 2, "M")
    await race_rounds.draw_round(db, ORG, demo.meet_id, event_id, RoundRequest(seed=3))
    return event_id


async def test_a_late_entry_stops_the_draft_heats_being_published_until_they_are_redrawn(
    demo_db: Database, demo: DemoMeet
) -> None:
    event_id = await _heats_drafted(demo_db, demo)
    team_id = list(demo.team_ids.values())[2]
    late = (await _people(demo_db, team_id, "M"))[0]
    await registration.enter(demo_db, ORG, team_id=team_id, event_id=event_id, person_id=late)
    name = await _name(demo_db, late)
    with pytest.raises(DomainError, match=re.escape(f"编排后报名有变动(新增报名 {name})")) as refused:
        await race_rounds.publish_round(demo_db, ORG, demo.meet_id, event_id)
    assert "重新编排分组" in refused.value.message
    _, views = await race_rounds.event_rounds(demo_db, demo.meet_id, event_id)
    assert views[0].round.status == "draft"

    await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(seed=3))
    await race_rounds.publish_round(demo_db, ORG, demo.meet_id, event_id)
    async with demo_db.read() as session:
        lanes = (await session.scalars(select(StartEntry.person_id).where(StartEntry.event_id == event_id))).all()
    assert late in lanes and len(lanes) == 5


async def test_a_withdrawal_after_a_draft_draw_stops_it_being_published(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await enter_people(demo_db, demo, "TT-MS", 2, "M", teams=4)
    await draws.generate(demo_db, ORG, demo.meet_id, event_id, draws.DrawRequest(format="knockout", seed=5))
    team_id = list(demo.team_ids.values())[0]
    gone = (await _people(demo_db, team_id, "M"))[0]
    await registration.withdraw(demo_db, ORG, team_id=team_id, event_id=event_id, person_id=gone)
    with pytest.raises(DomainError, match=re.escape(f"不再参赛(撤销或未通过资格终审) {await _name(demo_db, gone)}),请重新抽签后再公布")):
        await draws.publish(demo_db, ORG, demo.meet_id, event_id)
    await draws.generate(demo_db, ORG, demo.meet_id, event_id, draws.DrawRequest(format="knockout", seed=5))
    assert (await draws.publish(demo_db, ORG, demo.meet_id, event_id)).status == "published"


async def test_published_heats_fix_the_entries_for_leaders_and_organisers(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats_drafted(demo_db, demo)
    await race_rounds.publish_round(demo_db, ORG, demo.meet_id, event_id)
    teams = list(demo.team_ids.values())
    newcomer = (await _people(demo_db, teams[2], "M"))[0]
    leader = demo.actor("lingdui3")
    assert leader.team_id == teams[2]
    for actor in (leader, ORG):
        with pytest.raises(DomainError, match="「男子100米」分组已公布,报名不能再增减"):
            await registration.enter(demo_db, actor, team_id=teams[2], event_id=event_id, person_id=newcomer)
    drawn = (await _people(demo_db, teams[0], "M"))[0]
    with pytest.raises(DomainError, match=re.escape("分组已公布,报名不能再增减(不参赛的由裁判记为弃权)")):
        await registration.withdraw(demo_db, ORG, team_id=teams[0], event_id=event_id, person_id=drawn)
    async with demo_db.read() as session:
        lanes = (await session.scalars(select(StartEntry.person_id).where(StartEntry.event_id == event_id))).all()
    assert drawn in lanes and newcomer not in lanes


async def test_a_published_draw_fixes_the_entries_and_other_events_stay_open(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await enter_people(demo_db, demo, "TT-MS", 2, "M", teams=4)
    await draws.generate(demo_db, ORG, demo.meet_id, event_id, draws.DrawRequest(format="knockout", seed=5))
    await draws.publish(demo_db, ORG, demo.meet_id, event_id)
    team_id = list(demo.team_ids.values())[5]
    person = (await _people(demo_db, team_id, "M"))[0]
    with pytest.raises(DomainError, match="「男子乒乓球单打」抽签结果已公布,报名不能再增减"):
        await registration.enter(demo_db, ORG, team_id=team_id, event_id=event_id, person_id=person)
    other = demo.event_ids["ATH-100M-M"]
    assert (await registration.enter(demo_db, ORG, team_id=team_id, event_id=other, person_id=person)).created


async def test_an_entry_form_touching_a_published_event_saves_nothing_and_says_why(
    demo_db: Database, demo: DemoMeet
) -> None:
    event_id = await _heats_drafted(demo_db, demo)
    await race_rounds.publish_round(demo_db, ORG, demo.meet_id, event_id)
    team_id = list(demo.team_ids.values())[0]
    men = await _people(demo_db, team_id, "M")
    drawn, spare = men[0], men[5]
    long_jump = demo.event_ids["ATH-1500M-M"]
    # the form drops the drawn runner's 100 m and adds the spare man to 100 m and 1500 m
    wanted = {drawn: set(), spare: {event_id, long_jump}}
    result = await registration.apply_plan(demo_db, ORG, team_id, wanted)
    assert [(p.event, p.message) for p in result.problems] == [
        ("男子100米", "「男子100米」分组已公布,报名不能再增减(不参赛的由裁判记为弃权)"),
        ("男子100米", "「男子100米」分组已公布,报名不能再增减(不参赛的由裁判记为弃权)"),
    ]
    async with demo_db.read() as session:
        entries = (await session.execute(
            select(Entry.person_id, Entry.event_id).where(Entry.team_id == team_id)
        )).all()
    assert (drawn, event_id) in entries and (spare, long_jump) not in entries


async def test_the_matrix_shows_an_event_with_published_heats_as_closed(
    demo_db: Database, demo: DemoMeet, clients
) -> None:
    event_id = await _heats_drafted(demo_db, demo)
    await race_rounds.publish_round(demo_db, ORG, demo.meet_id, event_id)
    leader = await clients("lingdui1")
    team_id = demo.team_of("lingdui1")
    page = await leader.get(f"/teams/{team_id}/entries")
    assert page.status_code == 200 and "分组已公布" in page.text
    cells = re.findall(r'<button class="tick[^"]*" type="button"([^>]*)hx-vals=\'\{"event_id": "(\d+)"', page.text)
    closed = [attrs for attrs, e in cells if int(e) == event_id]
    other = [attrs for attrs, e in cells if int(e) == demo.event_ids["ATH-1500M-M"]]
    assert closed and all("disabled" in attrs for attrs in closed)
    assert any("disabled" not in attrs for attrs in other)
