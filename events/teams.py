"""Teams (代表队) and their people for one meet.

Organisers create teams; a team's leader and the organisers keep its list of people. A
person is on at most one team per meet (UNIQUE meet_id, person_id).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from events import audit
from events.actors import Actor
from events.db import Database
from events.errors import Conflict, DomainError, NotFound
from events.models import Meet, Person, Team, TeamMember, UserAccount
from events.people import check_person, relink_visit_group_members
from events.schemas import PersonInput, TeamInput
from events.validation import Problems


async def list_teams(db: Database, meet_id: int) -> list[Team]:
    async with db.read() as session:
        return list((await session.scalars(select(Team).where(Team.meet_id == meet_id).order_by(Team.number))).all())


async def team_sizes(db: Database, meet_id: int) -> dict[int, int]:
    async with db.read() as session:
        rows = await session.execute(
            select(TeamMember.team_id, func.count()).where(TeamMember.meet_id == meet_id).group_by(TeamMember.team_id)
        )
        return {team_id: count for team_id, count in rows.all()}


async def get_team(db: Database, actor: Actor, team_id: int) -> Team:
    actor.require_team(team_id)
    async with db.read() as session:
        team = await session.get(Team, team_id, options=[selectinload(Team.meet)])
        if team is None:
            raise NotFound("代表队")
        return team


async def team_leaders(db: Database, team_id: int) -> list[UserAccount]:
    async with db.read() as session:
        return list((await session.scalars(select(UserAccount).where(UserAccount.team_id == team_id))).all())


async def save_team(db: Database, actor: Actor, meet_id: int, data: TeamInput, team_id: int | None = None) -> Team:
    actor.require_organiser()
    problems = Problems()
    name = problems.text("name", data.name, "队名", max_len=60)
    category = problems.text("category", data.category, "类别", max_len=16)
    problems.check(1 <= data.number <= 99, "number", "队号须为 1–99(号码布按队号分段)")
    async with db.write() as session:
        if await session.get(Meet, meet_id) is None:
            raise NotFound("运动会")
        for column, value, field, label in ((Team.name, name, "name", "队名"), (Team.number, data.number, "number", "队号")):
            other = await session.scalar(select(Team.id).where(Team.meet_id == meet_id, column == value))
            if other is not None and other != team_id:
                problems.add(field, f"本届已有{label}为「{value}」的代表队")
        problems.raise_if_any()
        if team_id is None:
            team = Team(meet_id=meet_id)
            session.add(team)
        else:
            team = await session.get(Team, team_id)
            if team is None or team.meet_id != meet_id:
                raise NotFound("代表队")
        team.name, team.number, team.category = name, data.number, category
        await session.flush()
        audit.record(session, actor, "team_save", f"保存代表队「{team.name}」", meet_id=meet_id, target=f"team:{team.id}")
    return team


async def delete_team(db: Database, actor: Actor, meet_id: int, team_id: int) -> None:
    actor.require_organiser()
    try:
        async with db.write() as session:
            team = await session.get(Team, team_id)
            if team is None or team.meet_id != meet_id:
                raise NotFound("代表队")
            members = await session.scalar(select(func.count()).select_from(TeamMember).where(TeamMember.team_id == team_id))
            if members:
                raise Conflict(f"「{team.name}」还有 {members} 名队员,请先移出队员")
            await session.delete(team)
            audit.record(session, actor, "team_delete", f"删除代表队「{team.name}」", meet_id=meet_id)
    except IntegrityError as exc:
        raise Conflict("该代表队仍有领队账号或报名,不能删除") from exc


async def list_members(db: Database, actor: Actor, team_id: int) -> list[TeamMember]:
    actor.require_team(team_id)
    async with db.read() as session:
        return list(
            (
                await session.scalars(
                    select(TeamMember)
                    .join(Person)
                    .options(selectinload(TeamMember.person))
                    .where(TeamMember.team_id == team_id)
                    .order_by(Person.gender.desc(), Person.employee_no)
                )
            ).all()
        )


async def _person_for(session: AsyncSession, clean: PersonInput, problems: Problems) -> Person:
    """The archived person with this employee number, or a new one; refuse a name mismatch."""
    person = await session.scalar(select(Person).where(Person.employee_no == clean.employee_no))
    if person is None:
        person = Person(**{f: getattr(clean, f) for f in PersonInput.__struct_fields__})
        session.add(person)
        await relink_visit_group_members(session, person.name)
        return person
    if person.name != clean.name:
        problems.add("employee_no", f"工号 {clean.employee_no} 在职工档案中是 {person.name},与填写的姓名 {clean.name} 不符")
        problems.raise_if_any()
    if person.gender != clean.gender:
        problems.add("gender", f"职工档案中 {person.name} 的性别与填写的不符,请联系组委会核对")
        problems.raise_if_any()
    if clean.birth_date and not person.birth_date:
        person.birth_date = clean.birth_date
    if clean.unit and not person.unit:
        person.unit = clean.unit
        await relink_visit_group_members(session, person.name)
    return person


async def add_member(db: Database, actor: Actor, team_id: int, data: PersonInput) -> TeamMember:
    """Put a staff member on a team (creating their archive record if new)."""
    actor.require_team(team_id)
    problems = Problems()
    clean = check_person(data, problems)
    problems.raise_if_any()
    async with db.write() as session:
        team = await session.get(Team, team_id)
        if team is None:
            raise NotFound("代表队")
        person = await _person_for(session, clean, problems)
        existing = await session.scalar(
            select(TeamMember).options(selectinload(TeamMember.team)).where(
                TeamMember.meet_id == team.meet_id, TeamMember.person_id == person.id
            )
        )
        if existing is not None:
            where = "本队" if existing.team_id == team_id else f"「{existing.team.name}」"
            raise DomainError(f"{person.name}(工号 {person.employee_no})已在{where},每人每届只能代表一个队", field="employee_no")
        member = TeamMember(meet_id=team.meet_id, team_id=team_id, person_id=person.id)
        session.add(member)
        await session.flush()
        audit.record(session, actor, "member_add", f"{person.name} 加入「{team.name}」", meet_id=team.meet_id, target=f"team:{team_id}")
    member.person = person
    return member


async def remove_member(db: Database, actor: Actor, team_id: int, member_id: int) -> None:
    actor.require_team(team_id)
    try:
        async with db.write() as session:
            member = await session.get(TeamMember, member_id, options=[selectinload(TeamMember.person)])
            if member is None or member.team_id != team_id:
                raise NotFound("队员")
            await session.delete(member)
            audit.record(
                session, actor, "member_remove", f"{member.person.name} 移出代表队", meet_id=member.meet_id, target=f"team:{team_id}"
            )
    except IntegrityError as exc:
        raise Conflict("该队员已有报名,请先撤销报名") from exc
