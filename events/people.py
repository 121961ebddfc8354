"""The union's member archive (职工): people, independent of any one meet."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from events import audit
from events.actors import Actor
from events.db import Database
from events.errors import NotFound
from events.models import Gender, Person, VisitGroupMember
from events.schemas import PersonInput
from events.validation import Problems


def check_person(data: PersonInput, problems: Problems) -> PersonInput:
    name = problems.text("name", data.name, "姓名", max_len=40)
    problems.choice("gender", data.gender, Gender, "性别")
    employee_no = problems.text("employee_no", data.employee_no, "工号", max_len=32)
    problems.text("unit", data.unit, "单位", max_len=80, required=False)
    problems.text("phone", data.phone, "电话", max_len=32, required=False)
    if data.birth_date is not None:
        problems.check(1900 <= data.birth_date.year <= 2100, "birth_date", "出生日期不合理")
    return PersonInput(
        name=name,
        gender=data.gender,
        employee_no=employee_no,
        birth_date=data.birth_date,
        unit=data.unit.strip(),
        phone=data.phone.strip(),
    )


async def search_people(db: Database, actor: Actor, query: str = "", limit: int = 200) -> list[Person]:
    actor.require_organiser()
    stmt = select(Person).order_by(Person.employee_no).limit(limit)
    if query.strip():
        like = f"%{query.strip()}%"
        stmt = stmt.where(or_(Person.name.like(like), Person.employee_no.like(like), Person.unit.like(like)))
    async with db.read() as session:
        return list((await session.scalars(stmt)).all())


async def save_person(db: Database, actor: Actor, data: PersonInput, person_id: int | None = None) -> Person:
    actor.require_organiser()
    problems = Problems()
    clean = check_person(data, problems)
    async with db.write() as session:
        other = await session.scalar(select(Person.id).where(Person.employee_no == clean.employee_no))
        if other is not None and other != person_id:
            problems.add("employee_no", f"工号 {clean.employee_no} 已存在")
        problems.raise_if_any()
        if person_id is None:
            person = Person()
            session.add(person)
        else:
            person = await session.get(Person, person_id)
            if person is None:
                raise NotFound("职工")
        old_name = person.name
        for field in PersonInput.__struct_fields__:
            setattr(person, field, getattr(clean, field))
        await relink_visit_group_members(session, person.name, *([old_name] if old_name else []))
        audit.record(session, actor, "person_save", f"保存职工档案 {person.name}({person.employee_no})", target=f"person:{person.id}")
    return person


async def get_person(db: Database, actor: Actor, person_id: int) -> Person:
    actor.require_organiser()
    async with db.read() as session:
        person = await session.get(Person, person_id)
        if person is None:
            raise NotFound("职工")
        return person


async def archive_match(session: AsyncSession, name: str, unit: str) -> int | None:
    """The person a name (and unit) written on a form means: the one person of that name — of
    that unit too, when the unit is given and matches someone — or None when the name is not
    in the archive or is ambiguous."""
    candidates = (await session.execute(select(Person.id, Person.unit).where(Person.name == name).order_by(Person.id))).all()
    if unit:
        same_unit = [person_id for person_id, person_unit in candidates if person_unit == unit]
        if same_unit:
            return same_unit[0] if len(same_unit) == 1 else None
    return candidates[0][0] if len(candidates) == 1 else None


async def relink_visit_group_members(session: AsyncSession, *names: str) -> None:
    """Keep every visit group member of these names linked as ``archive_match`` says: called
    whenever the archive changes under a name (a person added, renamed or given a unit), since
    a name that meant one person may now mean another, or be ambiguous. Flushes first, so the
    person saved has its id (and is matched) afterwards."""
    await session.flush()
    members = (await session.scalars(select(VisitGroupMember).where(VisitGroupMember.name.in_(set(names))))).all()
    matched: dict[tuple[str, str], int | None] = {}
    for member in members:
        key = (member.name, member.unit)
        if key not in matched:
            matched[key] = await archive_match(session, member.name, member.unit)
        member.person_id = matched[key]
