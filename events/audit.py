"""The audit log: one row per change, in the change's own transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from events.actors import Actor
from events.models import AuditLog


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
    session.add(
        AuditLog(
            actor_id=actor.user_id,
            meet_id=meet_id,
            action=action,
            target=target,
            summary=summary,
            reason=reason,
        )
    )
