"""Accounts, passwords, sessions and the sign-in throttle. Both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import func, select

from events import accounts
from events.db import Database
from events.errors import Conflict, DomainError, Forbidden, Throttled
from events.models import AuthSession, LoginFailure, UserAccount, utcnow
from tests.support import LEADER, ORGANISER, PASSWORD, REFEREE, DemoMeet

NEW_PASSWORD = "lianshou-xingjia"


async def _user(db: Database, username: str) -> UserAccount:
    async with db.read() as session:
        user = await session.scalar(select(UserAccount).where(UserAccount.username == username))
    assert user is not None
    return user


async def _failures(db: Database, username: str) -> int:
    async with db.read() as session:
        return await session.scalar(
            select(func.count()).select_from(LoginFailure).where(LoginFailure.username == username)
        ) or 0


async def test_passwords_are_stored_as_argon2id_hashes(demo_db: Database, demo: DemoMeet) -> None:
    user = await accounts.create_account(
        demo_db, demo.actor(ORGANISER), username="jishi1", display_name="记时员", password=NEW_PASSWORD, role="referee"
    )
    stored = await _user(demo_db, "jishi1")
    assert stored.id == user.id
    assert stored.password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in stored.password_hash


def test_the_apps_hasher_is_memory_hard_argon2id(fast_password_hashing: PasswordHasher) -> None:
    # The tests swap in a cheap hasher (conftest); this is the one the app runs with.
    app_hasher = fast_password_hashing
    assert app_hasher.type is Type.ID
    assert app_hasher.memory_cost >= 65536 and app_hasher.time_cost >= 3
    assert app_hasher.hash("zhijia2026").startswith("$argon2id$v=19$m=65536,t=3,")


async def test_demo_accounts_sign_in_with_the_demo_password(demo_db: Database) -> None:
    user = await accounts.authenticate(demo_db, LEADER, PASSWORD, "10.0.0.1")
    assert (user.username, user.role) == (LEADER, "leader")


async def test_leader_account_must_name_a_team(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(DomainError) as excinfo:
        await accounts.create_account(
            demo_db, demo.actor(ORGANISER), username="lingdui9", display_name="九队领队", password=NEW_PASSWORD, role="leader"
        )
    assert excinfo.value.problems == {"team_id": "领队账号必须绑定一个代表队"}


async def test_leader_account_team_must_exist(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(DomainError) as excinfo:
        await accounts.create_account(
            demo_db, demo.actor(ORGANISER), username="lingdui9", display_name="九队领队", password=NEW_PASSWORD,
            role="leader", team_id=987654,
        )
    assert excinfo.value.problems == {"team_id": "代表队不存在"}


async def test_only_leaders_keep_a_team(demo_db: Database, demo: DemoMeet) -> None:
    user = await accounts.create_account(
        demo_db, demo.actor(ORGANISER), username="caipan3", display_name="裁判", password=NEW_PASSWORD,
        role="referee", team_id=demo.team_ids["一车间"],
    )
    assert user.team_id is None


async def test_usernames_are_unique_and_well_formed(demo_db: Database, demo: DemoMeet) -> None:
    org = demo.actor(ORGANISER)
    with pytest.raises(DomainError) as excinfo:
        await accounts.create_account(demo_db, org, username=LEADER, display_name="重名", password=NEW_PASSWORD, role="referee")
    assert excinfo.value.problems == {"username": f"用户名 {LEADER} 已被使用"}
    with pytest.raises(DomainError) as excinfo:
        await accounts.create_account(demo_db, org, username="领队", display_name="中文名", password=NEW_PASSWORD, role="referee")
    assert excinfo.value.problems == {"username": "用户名须为 3–40 位英文字母、数字或 _ . -"}


async def test_short_passwords_are_refused(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(DomainError) as excinfo:
        await accounts.create_account(
            demo_db, demo.actor(ORGANISER), username="caipan3", display_name="裁判", password="1234567", role="referee"
        )
    assert excinfo.value.problems == {"password": "密码至少 8 位"}


async def test_unknown_role_is_refused(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(DomainError) as excinfo:
        await accounts.create_account(
            demo_db, demo.actor(ORGANISER), username="boss1", display_name="老板", password=NEW_PASSWORD, role="admin"
        )
    assert excinfo.value.problems == {"role": "角色无效"}


async def test_only_organisers_manage_accounts(demo_db: Database, demo: DemoMeet) -> None:
    for username in (LEADER, REFEREE):
        with pytest.raises(Forbidden):
            await accounts.create_account(
                demo_db, demo.actor(username), username="sneaky", display_name="x", password=NEW_PASSWORD, role="organiser"
            )
        with pytest.raises(Forbidden):
            await accounts.list_accounts(demo_db, demo.actor(username))


async def test_wrong_password_is_refused_and_counted(demo_db: Database) -> None:
    with pytest.raises(DomainError) as excinfo:
        await accounts.authenticate(demo_db, LEADER, "wrong-password", "10.0.0.1")
    assert excinfo.value.message == "用户名或密码不正确"
    assert await _failures(demo_db, LEADER) == 1


async def test_unknown_user_is_refused_like_a_wrong_password(demo_db: Database) -> None:
    with pytest.raises(DomainError) as excinfo:
        await accounts.authenticate(demo_db, "nobody", PASSWORD, "10.0.0.1")
    assert excinfo.value.message == "用户名或密码不正确"


async def test_sixth_attempt_within_a_minute_is_throttled_even_with_the_right_password(demo_db: Database) -> None:
    for _ in range(accounts.THROTTLE_FAILURES):
        with pytest.raises(DomainError) as excinfo:
            await accounts.authenticate(demo_db, LEADER, "wrong-password", "10.0.0.1")
        assert not isinstance(excinfo.value, Throttled)
    with pytest.raises(Throttled) as throttled:
        await accounts.authenticate(demo_db, LEADER, PASSWORD, "10.0.0.1")
    assert throttled.value.status == 429
    assert throttled.value.message == "登录失败次数过多,请一分钟后再试"
    # The throttle is per account and address: the same account from elsewhere still signs in.
    user = await accounts.authenticate(demo_db, LEADER, PASSWORD, "10.0.0.2")
    assert user.username == LEADER


async def test_failures_older_than_a_minute_do_not_throttle(demo_db: Database) -> None:
    old = utcnow() - accounts.THROTTLE_WINDOW - dt.timedelta(seconds=5)
    async with demo_db.write() as session:
        session.add_all(LoginFailure(username=LEADER, address="10.0.0.1", at=old) for _ in range(10))
    user = await accounts.authenticate(demo_db, LEADER, PASSWORD, "10.0.0.1")
    assert user.username == LEADER


async def test_signing_in_clears_the_accounts_failures(demo_db: Database) -> None:
    for _ in range(2):
        with pytest.raises(DomainError):
            await accounts.authenticate(demo_db, LEADER, "wrong-password", "10.0.0.1")
    user = await accounts.authenticate(demo_db, LEADER, PASSWORD, "10.0.0.1")
    await accounts.start_session(demo_db, user, None)
    assert await _failures(demo_db, LEADER) == 0


async def test_inactive_account_cannot_sign_in(demo_db: Database, demo: DemoMeet) -> None:
    user = await _user(demo_db, REFEREE)
    await accounts.update_account(
        demo_db, demo.actor(ORGANISER), user.id, display_name=user.display_name, role=user.role, team_id=None,
        is_active=False,
    )
    with pytest.raises(DomainError) as excinfo:
        await accounts.authenticate(demo_db, REFEREE, PASSWORD, "10.0.0.1")
    assert excinfo.value.message == "用户名或密码不正确"


async def test_start_session_revokes_the_previous_token(demo_db: Database, demo: DemoMeet) -> None:
    user = await _user(demo_db, LEADER)
    previous = demo.tokens[LEADER]
    assert await accounts.actor_for_token(demo_db, previous) is not None
    token = await accounts.start_session(demo_db, user, previous)
    assert token != previous
    assert await accounts.actor_for_token(demo_db, previous) is None
    actor = await accounts.actor_for_token(demo_db, token)
    assert actor is not None and (actor.user_id, actor.team_id) == (user.id, demo.team_of(LEADER))


async def test_only_the_tokens_digest_is_stored(demo_db: Database, demo: DemoMeet) -> None:
    token = demo.tokens[ORGANISER]
    async with demo_db.read() as session:
        hashes = set((await session.scalars(select(AuthSession.token_hash))).all())
    assert token not in hashes
    assert accounts.token_digest(token) in hashes


async def test_unknown_and_expired_tokens_sign_nobody_in(demo_db: Database, demo: DemoMeet) -> None:
    assert await accounts.actor_for_token(demo_db, None) is None
    assert await accounts.actor_for_token(demo_db, "not-a-token") is None
    async with demo_db.write() as session:
        session.add(
            AuthSession(
                token_hash=accounts.token_digest("expired-token"), user_id=demo.user_ids[ORGANISER],
                expires_at=utcnow() - dt.timedelta(seconds=1),
            )
        )
    assert await accounts.actor_for_token(demo_db, "expired-token") is None


async def test_end_session_revokes_the_token(demo_db: Database, demo: DemoMeet) -> None:
    await accounts.end_session(demo_db, demo.tokens[LEADER])
    assert await accounts.actor_for_token(demo_db, demo.tokens[LEADER]) is None
    assert await accounts.actor_for_token(demo_db, demo.tokens[ORGANISER]) is not None


async def test_password_change_and_deactivation_end_every_session(demo_db: Database, demo: DemoMeet) -> None:
    user = await _user(demo_db, LEADER)
    await accounts.update_account(
        demo_db, demo.actor(ORGANISER), user.id, display_name=user.display_name, role="leader", team_id=user.team_id,
        is_active=True, password=NEW_PASSWORD,
    )
    assert await accounts.actor_for_token(demo_db, demo.tokens[LEADER]) is None
    assert (await accounts.authenticate(demo_db, LEADER, NEW_PASSWORD, "10.0.0.1")).id == user.id


async def test_organiser_cannot_demote_or_deactivate_themselves(demo_db: Database, demo: DemoMeet) -> None:
    org = demo.actor(ORGANISER)
    assert org.user_id is not None
    with pytest.raises(Conflict) as excinfo:
        await accounts.update_account(demo_db, org, org.user_id, display_name="x", role="referee", team_id=None, is_active=True)
    assert excinfo.value.message == "不能停用自己的账号或取消自己的组委会权限"
    with pytest.raises(Conflict):
        await accounts.update_account(demo_db, org, org.user_id, display_name="x", role="organiser", team_id=None, is_active=False)


async def test_referee_assignments_become_the_actors_events_and_venues(demo_db: Database, demo: DemoMeet) -> None:
    referee_id = demo.user_ids[REFEREE]
    event_id, venue_id = demo.event_ids["XQ"], demo.venue_ids["棋牌室"]
    await accounts.set_referee_assignments(
        demo_db, demo.actor(ORGANISER), referee_id, event_ids=[event_id], venue_ids=[venue_id]
    )
    actor = await accounts.actor_for_token(demo_db, demo.tokens[REFEREE])
    assert actor is not None
    assert (actor.event_ids, actor.venue_ids) == (frozenset({event_id}), frozenset({venue_id}))
    assert actor.can_referee(event_id, None)
    assert not actor.can_referee(demo.event_ids["ATH-100M-M"], demo.venue_ids["田径场"])
    events, venues = await accounts.referee_assignments(demo_db, referee_id)
    assert ([e.code for e in events], [v.name for v in venues]) == (["XQ"], ["棋牌室"])


async def test_referee_assignments_must_exist(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(DomainError) as excinfo:
        await accounts.set_referee_assignments(
            demo_db, demo.actor(ORGANISER), demo.user_ids[REFEREE], event_ids=[987654], venue_ids=[]
        )
    assert excinfo.value.message == "所选项目或场地不存在"
    events, _ = await accounts.referee_assignments(demo_db, demo.user_ids[REFEREE])
    assert events, "a refused change must leave the old assignments in place"
