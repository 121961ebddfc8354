"""Tags on the member archive (职工档案): 困难职工, 劳模, 退休 … — whom a campaign draws.

A person may carry several tags; a tag is short free text the union chooses.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, func, select

from events import audit
from events.actors import Actor
from events.db import Database
from events.errors import DomainError
from events.models import Person, PersonTag
from events.validation import Problems

SEPARATORS = re.compile(r"[\s,,、;;]+")


async def tag_counts(db: Database, actor: Actor) -> list[tuple[str, int]]:
    actor.require_organiser()
    async with db.read() as session:
        rows = await session.execute(select(PersonTag.tag, func.count()).group_by(PersonTag.tag).order_by(PersonTag.tag))
        return [(tag, count) for tag, count in rows.all()]


async def tagged_people(db: Database, actor: Actor, tag: str) -> list[Person]:
    actor.require_organiser()
    async with db.read() as session:
        stmt = select(Person).join(PersonTag, PersonTag.person_id == Person.id).where(PersonTag.tag == tag)
        return list((await session.scalars(stmt.order_by(Person.employee_no))).all())


async def tag_people(db: Database, actor: Actor, tag: str, employee_nos: str, *, remove: bool = False) -> int:
    """Tag (or untag) the people with these employee numbers; all or nothing. Returns how many changed."""
    actor.require_organiser()
    p = Problems()
    tag = p.text("tag", tag, "标签", max_len=20)
    numbers = [n for n in SEPARATORS.split(employee_nos or "") if n]
    if not numbers:
        p.add("employee_nos", "请填写至少一个工号")
    p.raise_if_any()
    async with db.write() as session:
        people = {
            person.employee_no: person
            for person in (await session.scalars(select(Person).where(Person.employee_no.in_(numbers)))).all()
        }
        unknown = [n for n in numbers if n not in people]
        if unknown:
            raise DomainError("找不到这些工号:" + "、".join(unknown[:10]), field="employee_nos")
        ids = [people[n].id for n in dict.fromkeys(numbers)]
        have = set((await session.scalars(select(PersonTag.person_id).where(PersonTag.tag == tag, PersonTag.person_id.in_(ids)))).all())
        if remove:
            changed = [i for i in ids if i in have]
            await session.execute(delete(PersonTag).where(PersonTag.tag == tag, PersonTag.person_id.in_(changed)))
        else:
            changed = [i for i in ids if i not in have]
            session.add_all(PersonTag(person_id=i, tag=tag) for i in changed)
        audit.record(
            session, actor, "person_tag",
            f"{'移除' if remove else '添加'}标签「{tag}」:{len(changed)} 人", target=f"tag:{tag}"[:60],
        )
    return len(changed)
