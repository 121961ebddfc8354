"""The entry rules of registration (报名), one by one, through the services. Both backends.

The demo meet: per-person limit 3 over every event kind; 男子4×100米接力 a roster of 4;
羽毛球团体赛 ≤ 2 men + ≤ 2 women; registration open today. Plus a property test of the bib
planner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from events import bibs, meet_events, meets, registration
from events.bibs import RANGE, BibMode, plan_bibs
from events.db import Database
from events.errors import DomainError, Forbidden
from events.models import AuditLog, Entry, EntryStatus, Event, EventKind, Meet, MeetSlot, Person, TeamMember
from events.schemas import EventInput, MeetInput
from tests.support import LEADER, ORGANISER, OTHER_LEADER, REFEREE, DemoMeet


@dataclass(frozen=True)
class Athlete:
    id: int
    name: str


@dataclass(frozen=True)
class Squad:
    """A demo team's people by gender, in employee-number order."""

    team_id: int
    men: list[Athlete]
    women: list[Athlete]


async def squad_of(db: Database, demo: DemoMeet, username: str) -> Squad:
    team_id = demo.team_of(username)
    async with db.read() as session:
        people = (
            await session.scalars(
                select(Person).join(TeamMember).where(TeamMember.team_id == team_id).order_by(Person.employee_no)
            )
        ).all()
    return Squad(
        team_id,
        [Athlete(p.id, p.name) for p in people if p.gender == "M"],
        [Athlete(p.id, p.name) for p in people if p.gender == "F"],
    )


async def enter(db: Database, demo: DemoMeet, username: str, team_id: int, code: str, person: Athlete,
                reason: str = "") -> registration.EntryResult:
    return await registration.enter(
        db, demo.actor(username), team_id=team_id, event_id=demo.event_ids[code], person_id=person.id, reason=reason
    )


async def refusal(db: Database, demo: DemoMeet, username: str, team_id: int, code: str, person: Athlete,
                  reason: str = "") -> str:
    with pytest.raises(DomainError) as excinfo:
        await enter(db, demo, username, team_id, code, person, reason)
    assert excinfo.value.status == 422, excinfo.value.message
    return excinfo.value.message


async def entries(db: Database, **where: int) -> list[Entry]:
    async with db.read() as session:
        stmt = select(Entry).order_by(Entry.id)
        for column, value in where.items():
            stmt = stmt.where(getattr(Entry, column) == value)
        return list((await session.scalars(stmt)).all())


async def meet_of(db: Database, demo: DemoMeet) -> Meet:
    return await meets.get_meet(db, demo.meet_id)


def as_input(meet: Meet, **changes: object) -> MeetInput:
    values = {f: getattr(meet, f) for f in MeetInput.__struct_fields__ if hasattr(meet, f)}  # points rules: kept
    values.update(changes)
    return MeetInput(**values)


async def change_meet(db: Database, demo: DemoMeet, **changes: object) -> Meet:
    meet = await meet_of(db, demo)
    return await meets.update_meet(db, demo.actor(ORGANISER), meet.id, as_input(meet, **changes))


async def change_event(db: Database, demo: DemoMeet, code: str, **changes: object) -> Event:
    event = await meet_events.get_event(db, demo.meet_id, demo.event_ids[code])
    values = {f: getattr(event, f) for f in EventInput.__struct_fields__}
    values.update(changes)
    return await meet_events.save_event(db, demo.actor(ORGANISER), demo.meet_id, EventInput(**values), event.id)


# The per-person limit ------------------------------------------------------------------------

MEN_EVENTS = ["TT-MS", "XQ", "ATH-100M-M", "ATH-1500M-M"]


async def test_a_fourth_event_is_refused_by_the_per_person_limit(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    runner = team.men[0]
    for code in MEN_EVENTS[:3]:
        assert (await enter(demo_db, demo, LEADER, team.team_id, code, runner)).created
    message = await refusal(demo_db, demo, LEADER, team.team_id, MEN_EVENTS[3], runner)
    assert message == f"{runner.name} 已报 3 项,达到每人限报 3 项"
    assert len(await entries(demo_db, person_id=runner.id)) == 3


async def test_team_events_count_toward_the_limit_by_default(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    runner = team.men[0]
    for code in MEN_EVENTS[:3]:
        await enter(demo_db, demo, LEADER, team.team_id, code, runner)
    message = await refusal(demo_db, demo, LEADER, team.team_id, "RELAY-4X100-M", runner)
    assert message == f"{runner.name} 已报 3 项,达到每人限报 3 项"


async def test_a_meet_that_does_not_count_relays_lets_a_three_event_person_run_the_relay(
    demo_db: Database, demo: DemoMeet
) -> None:
    await change_meet(demo_db, demo, counted_kinds=[k.value for k in EventKind if k != EventKind.RELAY])
    team = await squad_of(demo_db, demo, LEADER)
    runner = team.men[0]
    for code in MEN_EVENTS[:3]:
        await enter(demo_db, demo, LEADER, team.team_id, code, runner)
    relay = await enter(demo_db, demo, LEADER, team.team_id, "RELAY-4X100-M", runner)
    assert relay.created and relay.entry.person_slot is None  # holds no slot of the limit
    # The individual events still count: a fourth one is refused.
    assert "达到每人限报 3 项" in await refusal(demo_db, demo, LEADER, team.team_id, MEN_EVENTS[3], runner)


async def test_lowering_the_limit_below_what_someone_entered_is_refused(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    runner = team.men[0]
    for code in MEN_EVENTS[:3]:
        await enter(demo_db, demo, LEADER, team.team_id, code, runner)
    with pytest.raises(DomainError) as excinfo:
        await change_meet(demo_db, demo, per_person_limit=2)
    assert excinfo.value.problems == {
        "per_person_limit": f"已有职工报名项目数超过 2 项:{runner.name}(3 项),请先撤销多余报名"
    }
    assert (await meet_of(demo_db, demo)).per_person_limit == 3


async def test_lowering_the_limit_renumbers_the_slots_when_everyone_fits(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    runner = team.men[0]
    for code in MEN_EVENTS[:3]:
        await enter(demo_db, demo, LEADER, team.team_id, code, runner)
    # Withdrawing the second event leaves slots 1 and 3 taken.
    await registration.withdraw(
        demo_db, demo.actor(LEADER), team_id=team.team_id, event_id=demo.event_ids[MEN_EVENTS[1]], person_id=runner.id
    )
    assert sorted(e.person_slot for e in await entries(demo_db, person_id=runner.id)) == [1, 3]
    await change_meet(demo_db, demo, per_person_limit=2)
    assert sorted(e.person_slot for e in await entries(demo_db, person_id=runner.id)) == [1, 2]
    async with demo_db.read() as session:
        slots = (await session.scalars(select(MeetSlot.n).where(MeetSlot.meet_id == demo.meet_id))).all()
    assert sorted(slots) == [1, 2]
    assert "达到每人限报 2 项" in await refusal(demo_db, demo, LEADER, team.team_id, MEN_EVENTS[3], runner)


# Quotas, rosters and gender caps ---------------------------------------------------------------


async def test_an_event_with_a_team_quota_refuses_the_team_s_extra_entrant(demo_db: Database, demo: DemoMeet) -> None:
    await change_event(demo_db, demo, "ATH-100M-M", team_quota=2)
    team = await squad_of(demo_db, demo, LEADER)
    for man in team.men[:2]:
        assert (await enter(demo_db, demo, LEADER, team.team_id, "ATH-100M-M", man)).created
    message = await refusal(demo_db, demo, LEADER, team.team_id, "ATH-100M-M", team.men[2])
    assert message == "「男子100米」每队限报 2 人,一车间已报满"
    # The quota is per team: another team still has its two places.
    other = await squad_of(demo_db, demo, OTHER_LEADER)
    assert (await enter(demo_db, demo, OTHER_LEADER, other.team_id, "ATH-100M-M", other.men[0])).created


async def test_a_quota_below_a_team_s_entries_is_refused(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    for man in team.men[:3]:
        await enter(demo_db, demo, LEADER, team.team_id, "ATH-100M-M", man)
    with pytest.raises(DomainError) as excinfo:
        await change_event(demo_db, demo, "ATH-100M-M", team_quota=2)
    assert excinfo.value.problems == {"team_quota": "一车间 在「男子100米」已报超过 2 人,请先撤销多余报名"}


async def test_a_relay_roster_holds_four(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    for man in team.men[:4]:
        assert (await enter(demo_db, demo, LEADER, team.team_id, "RELAY-4X100-M", man)).created
    message = await refusal(demo_db, demo, LEADER, team.team_id, "RELAY-4X100-M", team.men[4])
    assert message == "「男子4×100米接力」每队限报 4 人"


async def test_badminton_team_takes_at_most_two_men_and_two_women(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    for person in team.men[:2] + team.women[:2]:
        assert (await enter(demo_db, demo, LEADER, team.team_id, "BD-TEAM", person)).created
    assert await refusal(demo_db, demo, LEADER, team.team_id, "BD-TEAM", team.men[2]) == "「羽毛球团体赛」每队限报 4 人"


async def test_badminton_refuses_a_third_man_and_a_third_woman(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    for man in team.men[:2]:
        await enter(demo_db, demo, LEADER, team.team_id, "BD-TEAM", man)
    assert await refusal(demo_db, demo, LEADER, team.team_id, "BD-TEAM", team.men[2]) == "「羽毛球团体赛」每队男子限报 2 人"
    await registration.withdraw(
        demo_db, demo.actor(LEADER), team_id=team.team_id, event_id=demo.event_ids["BD-TEAM"], person_id=team.men[1].id
    )
    for woman in team.women[:2]:
        await enter(demo_db, demo, LEADER, team.team_id, "BD-TEAM", woman)
    assert await refusal(demo_db, demo, LEADER, team.team_id, "BD-TEAM", team.women[2]) == "「羽毛球团体赛」每队女子限报 2 人"
    assert len(await entries(demo_db, event_id=demo.event_ids["BD-TEAM"])) == 3


async def test_men_s_and_women_s_events_take_only_their_gender(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    woman, man = team.women[0], team.men[0]
    assert await refusal(demo_db, demo, LEADER, team.team_id, "ATH-100M-M", woman) == (
        f"{woman.name} 是女职工,不能报男子项目「男子100米」"
    )
    assert await refusal(demo_db, demo, LEADER, team.team_id, "RELAY-4X50-W", man) == (
        f"{man.name} 是男职工,不能报女子项目「女子4×50米接力」"
    )
    # Open and mixed events take both.
    assert (await enter(demo_db, demo, LEADER, team.team_id, "XQ", woman)).created
    assert (await enter(demo_db, demo, LEADER, team.team_id, "BD-TEAM", man)).created
    assert len(await entries(demo_db)) == 2


@pytest.mark.parametrize("squad", [0, -1])
async def test_a_squad_number_below_1_is_refused_as_invalid(demo_db: Database, demo: DemoMeet, squad: int) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    with pytest.raises(DomainError) as excinfo:
        await registration.enter(
            demo_db, demo.actor(LEADER), team_id=team.team_id, event_id=demo.event_ids["RELAY-4X100-M"],
            person_id=team.men[0].id, squad=squad,
        )
    assert (excinfo.value.status, excinfo.value.problems) == (422, {"squad": "队伍序号须为 1 或以上"})
    assert await entries(demo_db) == []


# Who may enter whom ------------------------------------------------------------------------


async def test_a_person_of_another_team_cannot_be_entered(demo_db: Database, demo: DemoMeet) -> None:
    mine, theirs = await squad_of(demo_db, demo, LEADER), await squad_of(demo_db, demo, OTHER_LEADER)
    stranger = theirs.men[0]
    assert await refusal(demo_db, demo, LEADER, mine.team_id, "ATH-100M-M", stranger) == (
        f"{stranger.name} 是「二车间」的队员,不能代表本队报名"
    )
    # Not even by the organiser: one team per person per meet.
    assert await refusal(demo_db, demo, ORGANISER, mine.team_id, "ATH-100M-M", stranger) == (
        f"{stranger.name} 是「二车间」的队员,不能代表本队报名"
    )
    assert await entries(demo_db) == []


async def test_a_leader_cannot_enter_people_for_another_team(demo_db: Database, demo: DemoMeet) -> None:
    theirs = await squad_of(demo_db, demo, OTHER_LEADER)
    with pytest.raises(Forbidden) as excinfo:
        await enter(demo_db, demo, LEADER, theirs.team_id, "ATH-100M-M", theirs.men[0])
    assert excinfo.value.message == "只能查看和管理本队的信息"
    assert await entries(demo_db) == []


async def test_entering_the_same_entry_again_returns_the_existing_one(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    first = await enter(demo_db, demo, LEADER, team.team_id, "XQ", team.men[0])
    again = await enter(demo_db, demo, LEADER, team.team_id, "XQ", team.men[0])
    assert (first.created, again.created) == (True, False)
    assert again.entry.id == first.entry.id
    assert len(await entries(demo_db)) == 1


# The registration window ---------------------------------------------------------------------


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


async def test_a_leader_is_refused_before_registration_opens(demo_db: Database, demo: DemoMeet) -> None:
    opens = meets.today() + dt.timedelta(days=2)
    await change_meet(demo_db, demo, registration_opens=opens, registration_closes=opens + dt.timedelta(days=3))
    team = await squad_of(demo_db, demo, LEADER)
    with pytest.raises(Forbidden) as excinfo:
        await enter(demo_db, demo, LEADER, team.team_id, "XQ", team.men[0])
    assert excinfo.value.message == f"报名将于 {_md(opens)}开始"


async def test_a_leader_is_refused_after_registration_closes(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    await enter(demo_db, demo, LEADER, team.team_id, "XQ", team.men[0])
    closed = meets.today() - dt.timedelta(days=1)
    await change_meet(demo_db, demo, registration_opens=closed - dt.timedelta(days=5), registration_closes=closed)
    with pytest.raises(Forbidden) as excinfo:
        await enter(demo_db, demo, LEADER, team.team_id, "ATH-100M-M", team.men[0])
    assert excinfo.value.message == f"报名已于 {_md(closed)}截止,如需变更请联系组委会"
    with pytest.raises(Forbidden):  # nor withdraw
        await registration.withdraw(
            demo_db, demo.actor(LEADER), team_id=team.team_id, event_id=demo.event_ids["XQ"], person_id=team.men[0].id
        )
    assert len(await entries(demo_db)) == 1


async def test_after_closing_the_organiser_enters_only_with_a_reason_which_is_audited(
    demo_db: Database, demo: DemoMeet
) -> None:
    closed = meets.today() - dt.timedelta(days=1)
    await change_meet(demo_db, demo, registration_opens=closed - dt.timedelta(days=5), registration_closes=closed)
    team = await squad_of(demo_db, demo, LEADER)
    with pytest.raises(DomainError) as excinfo:
        await enter(demo_db, demo, ORGANISER, team.team_id, "XQ", team.men[0], reason="  ")
    assert excinfo.value.problems == {"reason": "报名已截止,组委会补报或撤销须填写理由(将记入操作记录)"}
    reason = "领队因出差未能按时报名,经组委会同意补报"
    result = await enter(demo_db, demo, ORGANISER, team.team_id, "XQ", team.men[0], reason=reason)
    assert result.created
    async with demo_db.read() as session:
        logged = (await session.scalars(select(AuditLog).where(AuditLog.action == "entry_add"))).all()
    assert [(row.reason, row.actor_id) for row in logged] == [(reason, demo.user_ids[ORGANISER])]
    assert team.men[0].name in logged[0].summary


# The referees' review ------------------------------------------------------------------------


async def _entered(demo_db: Database, demo: DemoMeet, code: str = "ATH-100M-M") -> Entry:
    team = await squad_of(demo_db, demo, LEADER)
    return (await enter(demo_db, demo, LEADER, team.team_id, code, team.men[0])).entry


async def test_the_event_s_referee_approves_an_entry(demo_db: Database, demo: DemoMeet) -> None:
    entry = await _entered(demo_db, demo)
    reviewed = await registration.review(demo_db, demo.actor(REFEREE), entry.id, approve=True)
    assert (reviewed.status, reviewed.reviewed_by) == (EntryStatus.APPROVED, demo.user_ids[REFEREE])
    # An approved entry is no longer the leader's to withdraw.
    with pytest.raises(Forbidden):
        await registration.withdraw(
            demo_db, demo.actor(LEADER), team_id=entry.team_id, event_id=entry.event_id, person_id=entry.person_id
        )


async def test_rejecting_an_entry_needs_a_reason(demo_db: Database, demo: DemoMeet) -> None:
    entry = await _entered(demo_db, demo)
    with pytest.raises(DomainError) as excinfo:
        await registration.review(demo_db, demo.actor(REFEREE), entry.id, approve=False, reason=" ")
    assert excinfo.value.problems == {"reason": "不通过资格终审须填写理由,领队会看到该理由"}
    reviewed = await registration.review(demo_db, demo.actor(REFEREE), entry.id, approve=False, reason="非本单位在职职工")
    assert (reviewed.status, reviewed.review_reason) == (EntryStatus.REJECTED, "非本单位在职职工")
    [stored] = await entries(demo_db)
    assert stored.status == EntryStatus.REJECTED


async def test_a_leader_cannot_review_entries(demo_db: Database, demo: DemoMeet) -> None:
    entry = await _entered(demo_db, demo)
    with pytest.raises(Forbidden) as excinfo:
        await registration.review(demo_db, demo.actor(LEADER), entry.id, approve=True)
    assert excinfo.value.message == "只有组委会或该项目的裁判可以进行资格终审"
    [stored] = await entries(demo_db)
    assert stored.status == EntryStatus.ENTERED


async def test_a_referee_of_other_events_cannot_review(demo_db: Database, demo: DemoMeet) -> None:
    entry = await _entered(demo_db, demo)  # athletics; caipan2 referees table tennis, chess and cards
    with pytest.raises(Forbidden):
        await registration.review(demo_db, demo.actor("caipan2"), entry.id, approve=True)


# The entry form: all or nothing ----------------------------------------------------------------


async def test_an_entry_form_with_one_refusal_saves_nothing(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    ids = demo.event_ids
    await enter(demo_db, demo, LEADER, team.team_id, "XQ", team.men[2])
    wanted = {
        team.men[0].id: {ids["ATH-100M-M"], ids["XQ"]},
        team.men[1].id: {ids["TT-MS"]},
        team.women[0].id: {ids["ATH-100M-M"]},  # a woman in a men's event: refused
    }
    result = await registration.apply_plan(demo_db, demo.actor(LEADER), team.team_id, wanted)
    assert [(p.person, p.event, p.message) for p in result.problems] == [
        (team.women[0].name, "男子100米", f"{team.women[0].name} 是女职工,不能报男子项目「男子100米」")
    ]
    # Nothing saved: the entry that was there is still the only one.
    assert [(e.person_id, e.event_id) for e in await entries(demo_db)] == [(team.men[2].id, ids["XQ"])]


async def test_an_entry_form_without_refusals_is_saved_whole(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    ids = demo.event_ids
    wanted = {team.men[0].id: {ids["ATH-100M-M"], ids["XQ"]}, team.women[0].id: {ids["ATH-100M-W"]}}
    result = await registration.apply_plan(demo_db, demo.actor(LEADER), team.team_id, wanted)
    assert (result.problems, result.added) == ([], 3)
    assert sorted((e.person_id, e.event_id) for e in await entries(demo_db)) == sorted(
        (p, e) for p, events in wanted.items() for e in events
    )


async def test_an_entry_form_over_the_limit_saves_nothing(demo_db: Database, demo: DemoMeet) -> None:
    team = await squad_of(demo_db, demo, LEADER)
    ids = demo.event_ids
    wanted = {team.men[0].id: {ids[c] for c in MEN_EVENTS}}
    result = await registration.apply_plan(demo_db, demo.actor(LEADER), team.team_id, wanted)
    assert [p.message for p in result.problems] == [f"{team.men[0].name} 已报 3 项,达到每人限报 3 项"]
    assert await entries(demo_db) == []


# Bibs --------------------------------------------------------------------------------------


async def _bibs(db: Database, demo: DemoMeet) -> dict[int, int]:
    return await registration.bibs_of(db, demo.meet_id)


async def _enter_some(db: Database, demo: DemoMeet, pairs: Iterable[tuple[str, int]]) -> dict[str, Squad]:
    squads = {u: await squad_of(db, demo, u) for u in (LEADER, OTHER_LEADER)}
    for username, index in pairs:
        s = squads[username]
        await enter(db, demo, username, s.team_id, "XQ", s.men[index])
    return squads


async def _numbers_and_names(db: Database, demo: DemoMeet, team_id: int) -> list[tuple[int, str]]:
    bib_of = await _bibs(db, demo)
    async with db.read() as session:
        people = (await session.scalars(select(Person).join(TeamMember).where(TeamMember.team_id == team_id))).all()
    return sorted((bib_of[p.id], p.name) for p in people if p.id in bib_of)


async def test_team_range_bibs_run_from_n01_in_name_order(demo_db: Database, demo: DemoMeet) -> None:
    await _enter_some(demo_db, demo, [(LEADER, 0), (LEADER, 1), (LEADER, 2), (OTHER_LEADER, 0)])
    assert await bibs.assign_bibs(demo_db, demo.actor(ORGANISER), demo.meet_id, "team_ranges") == 4
    team1 = await _numbers_and_names(demo_db, demo, demo.team_of(LEADER))
    assert [n for n, _ in team1] == [101, 102, 103]
    assert [name for _, name in team1] == sorted(name for _, name in team1)  # numbered in name order
    assert [n for n, _ in await _numbers_and_names(demo_db, demo, demo.team_of(OTHER_LEADER))] == [201]


async def test_sequential_bibs_run_from_1_team_by_team(demo_db: Database, demo: DemoMeet) -> None:
    await _enter_some(demo_db, demo, [(OTHER_LEADER, 0), (LEADER, 0), (LEADER, 1)])
    await bibs.assign_bibs(demo_db, demo.actor(ORGANISER), demo.meet_id, "sequential")
    assert [n for n, _ in await _numbers_and_names(demo_db, demo, demo.team_of(LEADER))] == [1, 2]
    assert [n for n, _ in await _numbers_and_names(demo_db, demo, demo.team_of(OTHER_LEADER))] == [3]


async def test_late_entrants_get_new_bibs_and_nobody_else_is_renumbered(demo_db: Database, demo: DemoMeet) -> None:
    squads = await _enter_some(demo_db, demo, [(LEADER, 1), (LEADER, 2)])
    await bibs.assign_bibs(demo_db, demo.actor(ORGANISER), demo.meet_id, "team_ranges")
    before = await _bibs(demo_db, demo)
    # A late entrant, whose name might sort before the others.
    late = squads[LEADER].men[0]
    await enter(demo_db, demo, LEADER, squads[LEADER].team_id, "ATH-100M-M", late)
    assert await bibs.assign_bibs(demo_db, demo.actor(ORGANISER), demo.meet_id, "team_ranges") == 1
    after = await _bibs(demo_db, demo)
    assert {p: after[p] for p in before} == before
    assert after[late.id] == 103


async def test_renumbering_gives_everyone_a_fresh_number(demo_db: Database, demo: DemoMeet) -> None:
    await _enter_some(demo_db, demo, [(LEADER, 0), (LEADER, 1), (OTHER_LEADER, 0)])
    await bibs.assign_bibs(demo_db, demo.actor(ORGANISER), demo.meet_id, "team_ranges")
    assert await bibs.assign_bibs(demo_db, demo.actor(ORGANISER), demo.meet_id, "sequential") == 0
    assert await bibs.assign_bibs(demo_db, demo.actor(ORGANISER), demo.meet_id, "sequential", renumber=True) == 3
    assert sorted((await _bibs(demo_db, demo)).values()) == [1, 2, 3]


async def test_only_the_organiser_assigns_bibs(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(Forbidden):
        await bibs.assign_bibs(demo_db, demo.actor(LEADER), demo.meet_id, "team_ranges")


# The bib planner, for any athletes ---------------------------------------------------------------


@st.composite
def athletes(draw: st.DrawFn) -> list[tuple[int, int, str, int | None]]:
    """(member_id, team_number, name, current bib) rows; current bibs unique, as the database keeps them."""
    count = draw(st.integers(0, 40))
    member_ids = draw(st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True))
    bibs_now = draw(st.lists(st.integers(1, 1_000), min_size=count, max_size=count, unique=True))
    rows = []
    for member_id, bib in zip(member_ids, bibs_now, strict=True):
        team = draw(st.integers(1, 8))
        name = draw(st.text(alphabet="王李张刘陈杨黄赵伟芳娜敏", min_size=1, max_size=3))
        rows.append((member_id, team, name, bib if draw(st.booleans()) else None))
    return rows


@settings(max_examples=300, deadline=None, database=None)
@given(rows=athletes(), mode=st.sampled_from(list(BibMode)), renumber=st.booleans())
def test_planned_bibs_are_unique_in_range_and_keep_existing_numbers(
    rows: list[tuple[int, int, str, int | None]], mode: BibMode, renumber: bool
) -> None:
    changes = plan_bibs(rows, mode, renumber=renumber)
    current = {m: bib for m, _, _, bib in rows}
    team = {m: t for m, t, _, _ in rows}
    final = {m: changes.get(m, bib) for m, bib in current.items()} if not renumber else dict(changes)
    # Everyone has a number afterwards, and no number is used twice.
    assert set(final) == set(current)
    assert all(b is not None and b >= 1 for b in final.values())
    assert len(set(final.values())) == len(final)
    if not renumber:
        # Numbers already given (perhaps printed) are kept; only those without one get one.
        assert set(changes) == {m for m, bib in current.items() if bib is None}
    for member_id in changes:
        if mode == BibMode.TEAM_RANGES:
            n = team[member_id]
            assert n * RANGE + 1 <= changes[member_id] <= n * RANGE + RANGE - 1
    if renumber and mode == BibMode.SEQUENTIAL:
        assert sorted(final.values()) == list(range(1, len(rows) + 1))
