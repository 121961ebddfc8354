"""Phone-calendar subscriptions: secret per-user feed URLs, listed, revoked, and served as .ics.

A feed URL carries a random token (256 bits); the database keeps only its SHA-256, so the URL
is shown once, when it is made. Whoever holds the URL reads what its owner may see — the same
visibility as the owner's calendar page, checked at every fetch against the owner's current
account (a deactivated account's feeds answer 404, like revoked ones). Making and revoking a
feed is written to the audit log.

The feed covers a rolling window, 60 days back to 400 days ahead, with every occurrence of a
recurring item materialised (see events/ics_feed.py for why); private items carry only their
kind and time, never a beneficiary's or member's details.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events import audit, calendar
from events.actors import Actor
from events.activity_models import CalendarFeed
from events.db import Database
from events.errors import DomainError, NotFound
from events.ics_feed import build_ics
from events.meets import today
from events.models import RefereeAssignment, Role, UserAccount, utcnow

DAYS_BACK = 60
DAYS_AHEAD = 400
MAX_ACTIVE_FEEDS = 10
DEFAULT_LABEL = "我的手机日历"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CreatedFeed:
    feed: CalendarFeed
    token: str  # shown once; only its digest is stored


async def create_feed(db: Database, actor: Actor, label: str) -> CreatedFeed:
    actor.require_signed_in()
    label = (label or "").strip() or DEFAULT_LABEL
    if len(label) > 40:
        raise DomainError("名称最多 40 个字", field="label")
    token = secrets.token_urlsafe(32)
    async with db.write() as session:
        active = await session.scalar(
            select(func.count()).select_from(CalendarFeed).where(CalendarFeed.user_id == actor.user_id, CalendarFeed.revoked_at.is_(None))
        )
        if (active or 0) >= MAX_ACTIVE_FEEDS:
            raise DomainError(f"每个账号最多 {MAX_ACTIVE_FEEDS} 个有效的订阅地址,请先停用不用的地址")
        feed = CalendarFeed(user_id=actor.user_id, token_hash=digest(token), label=label)
        session.add(feed)
        await session.flush()
        audit.record(session, actor, "calendar_feed_create", f"新建日历订阅地址「{label}」", target=f"calendar_feed:{feed.id}")
    return CreatedFeed(feed, token)


async def list_feeds(db: Database, actor: Actor) -> list[CalendarFeed]:
    """The actor's own feeds, newest first (revoked ones too, marked)."""
    actor.require_signed_in()
    async with db.read() as session:
        return list((await session.scalars(
            select(CalendarFeed).where(CalendarFeed.user_id == actor.user_id).order_by(CalendarFeed.id.desc())
        )).all())


async def revoke_feed(db: Database, actor: Actor, feed_id: int) -> CalendarFeed:
    """Stop a feed URL for good. Only its owner may (the id in the URL is checked against the actor)."""
    actor.require_signed_in()
    async with db.write() as session:
        feed = await session.get(CalendarFeed, feed_id)
        if feed is None or feed.user_id != actor.user_id:
            raise NotFound("订阅地址")
        if feed.revoked_at is None:
            feed.revoked_at = utcnow()
            audit.record(session, actor, "calendar_feed_revoke", f"停用日历订阅地址「{feed.label}」", target=f"calendar_feed:{feed.id}")
    return feed


async def feed_ics(db: Database, token: str, *, base_url: str = "", on: dt.date | None = None) -> bytes:
    """The .ics of the feed with this token, as its owner would see the calendar; NotFound when
    the token is unknown or revoked or the owner's account is inactive."""
    if not token or len(token) > 100:
        raise NotFound("订阅地址")
    async with db.read() as session:
        row = (await session.execute(
            select(UserAccount)
            .join(CalendarFeed, CalendarFeed.user_id == UserAccount.id)
            .where(CalendarFeed.token_hash == digest(token), CalendarFeed.revoked_at.is_(None))
        )).scalar_one_or_none()
        if row is None or not row.is_active:
            raise NotFound("订阅地址")
        actor = await _actor(session, row)
        first = on or today()
        start = calendar.day_start(first - dt.timedelta(days=DAYS_BACK))
        end = calendar.day_start(first + dt.timedelta(days=DAYS_AHEAD))
        items = await calendar.collect(session, actor, start, end)
    return build_ics(items, name=f"职工之家 · {actor.display_name}", base_url=base_url)


async def _actor(session: AsyncSession, user: UserAccount) -> Actor:
    event_ids: frozenset[int] = frozenset()
    venue_ids: frozenset[int] = frozenset()
    if user.role == Role.REFEREE:
        rows = (await session.execute(
            select(RefereeAssignment.event_id, RefereeAssignment.venue_id).where(RefereeAssignment.user_id == user.id)
        )).all()
        event_ids = frozenset(e for e, _ in rows if e is not None)
        venue_ids = frozenset(v for _, v in rows if v is not None)
    return Actor(
        user_id=user.id, role=user.role, display_name=user.display_name, team_id=user.team_id,
        event_ids=event_ids, venue_ids=venue_ids, is_chief_referee=bool(user.is_chief_referee) and user.role == Role.REFEREE,
    )
