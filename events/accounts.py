"""Accounts, passwords, sign-in sessions and the sign-in throttle.

Passwords are argon2id hashes. A session cookie carries a random token; the database keeps
only its SHA-256, so a copy of the database cannot sign anybody in. Signing in always makes
a new token (the session id is rotated), and a browser's earlier token is dropped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from events import audit
from events.actors import Actor
from events.db import Database
from events.errors import Conflict, DomainError, NotFound, Throttled
from events.models import (
    AuthSession,
    Event,
    LoginFailure,
    RefereeAssignment,
    Role,
    Team,
    UserAccount,
    Venue,
    utcnow,
)

SESSION_LIFETIME = dt.timedelta(hours=12)
THROTTLE_WINDOW = dt.timedelta(minutes=1)
THROTTLE_FAILURES = 5
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
USERNAME_MAX = DISPLAY_NAME_MAX = 40  # the columns' length
ROLE_LABELS = {Role.ORGANISER: "组委会", Role.LEADER: "领队", Role.REFEREE: "裁判"}

_hasher = PasswordHasher()  # argon2id
_DUMMY_HASH = _hasher.hash("zhijia-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_rules(password: str) -> None:
    if len(password) < 8:
        raise DomainError("密码至少 8 位", field="password")


async def authenticate(db: Database, username: str, password: str, address: str) -> UserAccount:
    """Check a password, counting failures per account and address; 429 after 5 a minute."""
    username = username.strip()
    counted = username[:USERNAME_MAX]  # the failure log's column; no account has a longer name
    since = utcnow() - THROTTLE_WINDOW
    async with db.read() as session:
        failures = await session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.username == counted, LoginFailure.address == address, LoginFailure.at >= since)
        )
        user = await session.scalar(select(UserAccount).where(UserAccount.username == username))
    if (failures or 0) >= THROTTLE_FAILURES:
        raise Throttled("登录失败次数过多,请一分钟后再试")
    # Verify even for unknown names so timing does not reveal which accounts exist.
    ok = await asyncio.to_thread(_verify, user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.is_active:
        async with db.write() as session:
            session.add(LoginFailure(username=counted, address=address))
        raise DomainError("用户名或密码不正确", field="password")
    return user


async def start_session(db: Database, user: UserAccount, previous_token: str | None) -> str:
    """A fresh session token for this user; the browser's previous token is revoked."""
    token = secrets.token_urlsafe(32)
    async with db.write() as session:
        if previous_token:
            await session.execute(delete(AuthSession).where(AuthSession.token_hash == token_digest(previous_token)))
        session.add(
            AuthSession(token_hash=token_digest(token), user_id=user.id, expires_at=utcnow() + SESSION_LIFETIME)
        )
        await session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
        audit.record(session, _actor_of(user), "sign_in", f"{user.display_name} 登录")
    return token


async def end_session(db: Database, token: str) -> None:
    async with db.write() as session:
        await session.execute(delete(AuthSession).where(AuthSession.token_hash == token_digest(token)))


# Built once: every request of a signed-in user runs them.
_SESSION_ACTOR = (
    select(
        UserAccount.id, UserAccount.role, UserAccount.display_name, UserAccount.team_id,
        UserAccount.is_active, UserAccount.is_chief_referee,
    )
    .join(AuthSession, AuthSession.user_id == UserAccount.id)
    .where(AuthSession.token_hash == bindparam("token_hash"), AuthSession.expires_at > bindparam("now"))
)
_REFEREE_ASSIGNMENTS = select(RefereeAssignment.event_id, RefereeAssignment.venue_id).where(
    RefereeAssignment.user_id == bindparam("user_id")
)


async def actor_for_token(db: Database, token: str | None) -> Actor | None:
    """The signed-in actor for a session cookie, or None when it is unknown or expired."""
    if not token:
        return None
    async with db.lookup_connection() as conn:
        row = (await conn.execute(_SESSION_ACTOR, {"token_hash": token_digest(token), "now": utcnow()})).first()
        if row is None or not row.is_active:
            return None
        event_ids: frozenset[int] = frozenset()
        venue_ids: frozenset[int] = frozenset()
        if row.role == Role.REFEREE:
            rows = (await conn.execute(_REFEREE_ASSIGNMENTS, {"user_id": row.id})).all()
            event_ids = frozenset(e for e, _ in rows if e is not None)
            venue_ids = frozenset(v for _, v in rows if v is not None)
    return Actor(
        user_id=row.id,
        role=row.role,
        display_name=row.display_name,
        team_id=row.team_id,
        event_ids=event_ids,
        venue_ids=venue_ids,
        is_chief_referee=bool(row.is_chief_referee) and row.role == Role.REFEREE,
    )


def _actor_of(user: UserAccount) -> Actor:
    return Actor(user_id=user.id, role=user.role, display_name=user.display_name, team_id=user.team_id)


async def _validate_account(
    session: AsyncSession, *, username: str, display_name: str, role: str, team_id: int | None, user_id: int | None
) -> None:
    problems: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        problems["username"] = "用户名须为 3–40 位英文字母、数字或 _ . -"
    if not display_name.strip():
        problems["display_name"] = "请填写姓名"
    elif len(display_name.strip()) > DISPLAY_NAME_MAX:
        problems["display_name"] = f"姓名不能超过 {DISPLAY_NAME_MAX} 个字"
    if role not in {r.value for r in Role}:
        problems["role"] = "角色无效"
    if role == Role.LEADER:
        if team_id is None:
            problems["team_id"] = "领队账号必须绑定一个代表队"
        elif await session.get(Team, team_id) is None:
            problems["team_id"] = "代表队不存在"
    existing = await session.scalar(select(UserAccount.id).where(UserAccount.username == username))
    if existing is not None and existing != user_id:
        problems["username"] = f"用户名 {username} 已被使用"
    if problems:
        raise DomainError(next(iter(problems.values())), problems=problems)


async def create_account(
    db: Database,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    password: str,
    role: str,
    team_id: int | None = None,
    chief_referee: bool = False,
) -> UserAccount:
    actor.require_organiser()
    username = username.strip()
    check_password_rules(password)
    if role != Role.LEADER:
        team_id = None
    password_hash = await asyncio.to_thread(hash_password, password)
    async with db.write() as session:
        await _validate_account(
            session, username=username, display_name=display_name, role=role, team_id=team_id, user_id=None
        )
        user = UserAccount(
            username=username,
            display_name=display_name.strip(),
            password_hash=password_hash,
            role=role,
            team_id=team_id,
            is_chief_referee=chief_referee and role == Role.REFEREE,
        )
        session.add(user)
        await session.flush()
        audit.record(session, actor, "account_create", f"新建账号 {username}({ROLE_LABELS[Role(role)]})")
    return user


async def update_account(
    db: Database,
    actor: Actor,
    user_id: int,
    *,
    display_name: str,
    role: str,
    team_id: int | None,
    is_active: bool,
    password: str = "",
) -> UserAccount:
    actor.require_organiser()
    if role != Role.LEADER:
        team_id = None
    if password:
        check_password_rules(password)
        password_hash = await asyncio.to_thread(hash_password, password)
    async with db.write() as session:
        user = await session.get(UserAccount, user_id)
        if user is None:
            raise NotFound("账号")
        if user.id == actor.user_id and (not is_active or role != Role.ORGANISER):
            raise Conflict("不能停用自己的账号或取消自己的组委会权限")
        await _validate_account(
            session, username=user.username, display_name=display_name, role=role, team_id=team_id, user_id=user.id
        )
        user.display_name = display_name.strip()
        user.role = role
        user.team_id = team_id
        user.is_active = is_active
        if password:
            user.password_hash = password_hash
        if password or not is_active:
            await session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
        audit.record(session, actor, "account_update", f"修改账号 {user.username}")
    return user


async def list_accounts(db: Database, actor: Actor) -> list[UserAccount]:
    actor.require_organiser()
    async with db.read() as session:
        return list(
            (
                await session.scalars(
                    select(UserAccount).options(selectinload(UserAccount.team)).order_by(UserAccount.role, UserAccount.username)
                )
            ).all()
        )


async def get_account(db: Database, actor: Actor, user_id: int) -> UserAccount:
    actor.require_organiser()
    async with db.read() as session:
        user = await session.get(UserAccount, user_id, options=[selectinload(UserAccount.team)])
        if user is None:
            raise NotFound("账号")
        return user


async def set_referee_assignments(
    db: Database, actor: Actor, user_id: int, *, event_ids: list[int], venue_ids: list[int]
) -> None:
    """Replace a referee's assigned events and venues."""
    actor.require_organiser()
    async with db.write() as session:
        user = await session.get(UserAccount, user_id)
        if user is None or user.role != Role.REFEREE:
            raise NotFound("裁判账号")
        found_events = set((await session.scalars(select(Event.id).where(Event.id.in_(event_ids)))).all())
        found_venues = set((await session.scalars(select(Venue.id).where(Venue.id.in_(venue_ids)))).all())
        if found_events != set(event_ids) or found_venues != set(venue_ids):
            raise DomainError("所选项目或场地不存在")
        await session.execute(delete(RefereeAssignment).where(RefereeAssignment.user_id == user_id))
        for event_id in sorted(found_events):
            session.add(RefereeAssignment(user_id=user_id, event_id=event_id))
        for venue_id in sorted(found_venues):
            session.add(RefereeAssignment(user_id=user_id, venue_id=venue_id))
        audit.record(session, actor, "referee_assign", f"设置裁判 {user.username} 的执裁项目和场地")


async def referee_assignments(db: Database, user_id: int) -> tuple[list[Event], list[Venue]]:
    async with db.read() as session:
        events = (
            await session.scalars(
                select(Event)
                .join(RefereeAssignment, RefereeAssignment.event_id == Event.id)
                .where(RefereeAssignment.user_id == user_id)
                .order_by(Event.meet_id, Event.position)
            )
        ).all()
        venues = (
            await session.scalars(
                select(Venue)
                .join(RefereeAssignment, RefereeAssignment.venue_id == Venue.id)
                .where(RefereeAssignment.user_id == user_id)
                .order_by(Venue.name)
            )
        ).all()
    return list(events), list(venues)
