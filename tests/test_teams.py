"""Teams (代表队) and their people: unique numbers and names, one team per person per meet,
the archive's name and gender must match. Both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from events import meets, teams
from events.actors import Actor
from events.db import Database
from events.errors import Conflict, DomainError, Forbidden, NotFound
from events.models import Person, TeamMember
from events.schemas import PersonInput, TeamInput
from tests.support import LEADER, OTHER_LEADER, REFEREE, DemoMeet, meet_input
from tests.support import SYSTEM_ORGANISER as ORG


async def _person(db: Database, person_id: int) -> Person:
    async with db.read() as session:
        person = await session.get(Person, person_id)
    assert person is not None
    return person


def newcomer(**changes: str) -> PersonInput:
    values = dict(name="新职工", gender="M", employee_no="NEW001", unit="一车间")
    values.update(changes)
    return PersonInput(**values)  # type: ignore[arg-type]


# Teams ------------------------------------------------------------------------------------


async def test_team_is_saved_with_number_and_category(db: Database) -> None:
    meet = await meets.create_meet(db, ORG, meet_input())
    team = await teams.save_team(db, ORG, meet.id, TeamInput(name=" 一车间 ", number=1))
    [stored] = await teams.list_teams(db, meet.id)
    assert (stored.id, stored.name, stored.number, stored.category) == (team.id, "一车间", 1, "车间")


async def test_team_numbers_are_unique_within_a_meet(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(DomainError) as excinfo:
        await teams.save_team(demo_db, ORG, demo.meet_id, TeamInput(name="后勤部", number=3))
    assert excinfo.value.problems == {"number": "本届已有队号为「3」的代表队"}


async def test_team_names_are_unique_within_a_meet(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(DomainError) as excinfo:
        await teams.save_team(demo_db, ORG, demo.meet_id, TeamInput(name="财务部", number=9))
    assert excinfo.value.problems == {"name": "本届已有队名为「财务部」的代表队"}


async def test_team_may_keep_its_own_number_and_name_on_update(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_ids["财务部"]
    team = await teams.save_team(demo_db, ORG, demo.meet_id, TeamInput(name="财务部", number=8, category="部门"), team_id)
    assert (team.id, team.number) == (team_id, 8)


@pytest.mark.parametrize("number", [0, 100])
async def test_team_number_must_be_1_to_99(demo_db: Database, demo: DemoMeet, number: int) -> None:
    with pytest.raises(DomainError) as excinfo:
        await teams.save_team(demo_db, ORG, demo.meet_id, TeamInput(name="后勤部", number=number))
    assert excinfo.value.problems == {"number": "队号须为 1–99(号码布按队号分段)"}


async def test_team_with_members_cannot_be_deleted(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_ids["一车间"]
    size = len(demo.member_ids[team_id])
    with pytest.raises(Conflict) as excinfo:
        await teams.delete_team(demo_db, ORG, demo.meet_id, team_id)
    assert excinfo.value.message == f"「一车间」还有 {size} 名队员,请先移出队员"
    assert excinfo.value.status == 409


async def test_empty_team_is_deleted(demo_db: Database, demo: DemoMeet) -> None:
    team = await teams.save_team(demo_db, ORG, demo.meet_id, TeamInput(name="后勤部", number=9))
    await teams.delete_team(demo_db, ORG, demo.meet_id, team.id)
    assert "后勤部" not in [t.name for t in await teams.list_teams(demo_db, demo.meet_id)]


async def test_only_organisers_create_teams(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(Forbidden):
        await teams.save_team(demo_db, demo.actor(LEADER), demo.meet_id, TeamInput(name="后勤部", number=9))


async def test_leader_sees_own_team_only(demo_db: Database, demo: DemoMeet) -> None:
    own, foreign = demo.team_of(LEADER), demo.team_of(OTHER_LEADER)
    leader = demo.actor(LEADER)
    assert (await teams.get_team(demo_db, leader, own)).name == "一车间"
    with pytest.raises(Forbidden) as excinfo:
        await teams.get_team(demo_db, leader, foreign)
    assert excinfo.value.message == "只能查看和管理本队的信息"
    with pytest.raises(Forbidden):
        await teams.list_members(demo_db, leader, foreign)
    with pytest.raises(Forbidden):
        await teams.list_members(demo_db, demo.actor(REFEREE), own)


# Members ----------------------------------------------------------------------------------


async def test_leader_adds_a_new_person_to_own_team(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_of(LEADER)
    member = await teams.add_member(demo_db, demo.actor(LEADER), team_id, newcomer(name=" 新职工 "))
    assert (member.team_id, member.meet_id, member.person.name) == (team_id, demo.meet_id, "新职工")
    names = [m.person.name for m in await teams.list_members(demo_db, demo.actor(LEADER), team_id)]
    assert "新职工" in names and len(names) == len(demo.member_ids[team_id]) + 1


async def test_leader_cannot_add_to_a_foreign_team(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(Forbidden):
        await teams.add_member(demo_db, demo.actor(LEADER), demo.team_of(OTHER_LEADER), newcomer())
    async with demo_db.read() as session:
        assert await session.scalar(select(Person).where(Person.employee_no == "NEW001")) is None


async def test_a_person_is_on_one_team_per_meet_and_the_refusal_names_the_other_team(
    demo_db: Database, demo: DemoMeet
) -> None:
    person = await _person(demo_db, demo.person_ids[demo.team_ids["一车间"]][0])
    data = newcomer(name=person.name, gender=person.gender, employee_no=person.employee_no)
    with pytest.raises(DomainError) as excinfo:
        await teams.add_member(demo_db, demo.actor(OTHER_LEADER), demo.team_of(OTHER_LEADER), data)
    assert excinfo.value.message == f"{person.name}(工号 {person.employee_no})已在「一车间」,每人每届只能代表一个队"
    assert excinfo.value.field == "employee_no"


async def test_adding_a_member_twice_says_already_on_this_team(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_of(LEADER)
    person = await _person(demo_db, demo.person_ids[team_id][0])
    data = newcomer(name=person.name, gender=person.gender, employee_no=person.employee_no)
    with pytest.raises(DomainError) as excinfo:
        await teams.add_member(demo_db, demo.actor(LEADER), team_id, data)
    assert "已在本队" in excinfo.value.message


async def test_employee_number_with_another_name_is_refused(demo_db: Database, demo: DemoMeet) -> None:
    person = await _person(demo_db, demo.person_ids[demo.team_ids["一车间"]][0])
    data = newcomer(name="冒名顶替", gender=person.gender, employee_no=person.employee_no)
    with pytest.raises(DomainError) as excinfo:
        await teams.add_member(demo_db, ORG, demo.team_ids["二车间"], data)
    assert excinfo.value.problems == {
        "employee_no": f"工号 {person.employee_no} 在职工档案中是 {person.name},与填写的姓名 冒名顶替 不符"
    }


async def test_employee_number_with_another_gender_is_refused(demo_db: Database, demo: DemoMeet) -> None:
    person = await _person(demo_db, demo.person_ids[demo.team_ids["一车间"]][0])
    other = "F" if person.gender == "M" else "M"
    with pytest.raises(DomainError) as excinfo:
        await teams.add_member(
            demo_db, ORG, demo.team_ids["二车间"], newcomer(name=person.name, gender=other, employee_no=person.employee_no)
        )
    assert excinfo.value.problems == {"gender": f"职工档案中 {person.name} 的性别与填写的不符,请联系组委会核对"}


async def test_the_same_person_may_play_for_another_team_in_another_meet(demo_db: Database, demo: DemoMeet) -> None:
    person = await _person(demo_db, demo.person_ids[demo.team_ids["一车间"]][0])
    meet = await meets.create_meet(demo_db, ORG, meet_input())
    team = await teams.save_team(demo_db, ORG, meet.id, TeamInput(name="机关", number=1))
    member = await teams.add_member(
        demo_db, ORG, team.id, newcomer(name=person.name, gender=person.gender, employee_no=person.employee_no)
    )
    assert member.person_id == person.id


async def test_member_input_is_validated(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(DomainError) as excinfo:
        await teams.add_member(demo_db, ORG, demo.team_ids["一车间"], newcomer(name=" ", gender="X", employee_no=""))
    assert excinfo.value.problems == {"name": "请填写姓名", "gender": "性别无效", "employee_no": "请填写工号"}


async def test_removed_member_leaves_the_team_but_stays_in_the_archive(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_of(LEADER)
    member_id, person_id = demo.member_ids[team_id][0], demo.person_ids[team_id][0]
    await teams.remove_member(demo_db, demo.actor(LEADER), team_id, member_id)
    async with demo_db.read() as session:
        assert await session.get(TeamMember, member_id) is None
        assert await session.get(Person, person_id) is not None


async def test_member_of_a_foreign_team_cannot_be_removed_through_own_team(demo_db: Database, demo: DemoMeet) -> None:
    own, foreign = demo.team_of(LEADER), demo.team_of(OTHER_LEADER)
    with pytest.raises(NotFound):
        await teams.remove_member(demo_db, demo.actor(LEADER), own, demo.member_ids[foreign][0])
    with pytest.raises(Forbidden):
        await teams.remove_member(demo_db, demo.actor(LEADER), foreign, demo.member_ids[foreign][0])
    async with demo_db.read() as session:
        assert await session.get(TeamMember, demo.member_ids[foreign][0]) is not None


async def test_leader_bound_to_another_team_id_manages_nothing_here(demo_db: Database, demo: DemoMeet) -> None:
    stray = Actor(user_id=12345, role="leader", team_id=None)
    with pytest.raises(Forbidden):
        await teams.add_member(demo_db, stray, demo.team_ids["一车间"], newcomer())


async def test_team_sizes_count_members_per_team(demo_db: Database, demo: DemoMeet) -> None:
    sizes = await teams.team_sizes(demo_db, demo.meet_id)
    assert sizes == {team_id: len(members) for team_id, members in demo.member_ids.items()}
    async with demo_db.read() as session:
        assert sum(sizes.values()) == await session.scalar(select(func.count()).select_from(TeamMember))
