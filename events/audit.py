"""The audit log: one row per change, in the change's own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from events.actors import Actor
from events.db import Database
from events.models import AuditLog, utcnow

INSERT = insert(AuditLog.__table__)  # built once: the hot paths write it on every change
AUDIT_COLUMNS = ("at", "actor_id", "meet_id", "action", "target", "summary", "reason")  # what ``row`` fills


def row(
    actor: Actor, action: str, summary: str, *, target: str = "", meet_id: int | None = None, reason: str = ""
) -> dict[str, Any]:
    """An audit row's values, for a hot path that writes it with its change in one statement."""
    return {
        "at": utcnow(), "actor_id": actor.user_id, "meet_id": meet_id, "action": action, "target": target,
        "summary": summary, "reason": reason,
    }


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    summary: str,
    *,
    target: str = "",
    meet_id: int | None = None,
    reason: str = "",
) -> None:
    """The audit row, added to an ORM session's transaction."""
    session.add(AuditLog(**row(actor, action, summary, target=target, meet_id=meet_id, reason=reason)))


async def recent(db: Database, actor: Actor, *, meet_id: int | None = None, limit: int = 200) -> list[tuple[AuditLog, str]]:
    """The latest audit rows with the acting account's name. Organisers only."""
    from sqlalchemy import select

    from events.models import UserAccount

    actor.require_organiser()
    stmt = (
        select(AuditLog, UserAccount.display_name)
        .outerjoin(UserAccount, UserAccount.id == AuditLog.actor_id)
        .order_by(AuditLog.id.desc())
        .limit(limit)
    )
    if meet_id is not None:
        stmt = stmt.where(AuditLog.meet_id == meet_id)
    async with db.read() as session:
        return [(row, name or "系统") for row, name in (await session.execute(stmt)).all()]
