"""Helpers for zhijia's tests: the demo meet's ids, actors, and an HTTP client that signs in
and carries the CSRF token.

The demo meet is loaded once per backend into a template database; every test gets its own
copy (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL). The template also
holds one session per demo account, so a copy's client signs in by setting a cookie instead
of paying for an argon2 verification (~50 ms) each time.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from sqlalchemy import select

from events import accounts
from events.actors import Actor
from events.db import Database
from events.demo import DEMO_PASSWORD, SYSTEM, load_demo
from events.models import Event, Team, TeamMember, UserAccount, Venue
from events.schemas import MeetInput
from web.auth import SESSION_COOKIE
from web.settings import Settings

T = TypeVar("T")

TEST_SECRET = "test-secret"
CSRF_COOKIE = "zhijia_csrf"
CSRF_HEADER = "x-csrftoken"
CSRF_FIELD = "_csrf_token"
HOST = "testserver.local"

ORGANISER = "zuweihui"
LEADER = "lingdui1"  # 一车间
OTHER_LEADER = "lingdui2"  # 二车间
REFEREE = "caipan1"
PASSWORD = DEMO_PASSWORD

# The organiser acting outside HTTP (service tests); id None like the demo loader's SYSTEM.
SYSTEM_ORGANISER = SYSTEM
# A team leader who is not an organiser, for "organisers only" refusals on an empty database.
SOME_LEADER = Actor(user_id=99, role="leader", display_name="某队领队", team_id=1)


def call_in_thread(func: Callable[..., T], *args: Any) -> T:
    """Call ``func`` in another thread and wait for it.

    Session-scoped set-up (migrations, templates) must not touch the event loop
    pytest-asyncio owns, and Alembic's env.py calls ``asyncio.run`` itself.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(func, *args).result()


def run_in_thread(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine on its own event loop in another thread."""
    return call_in_thread(lambda: asyncio.run(make()))  # type: ignore[arg-type]


@dataclass(frozen=True)
class DemoMeet:
    """Ids in the demo template; identical in every copy of it."""

    meet_id: int
    team_ids: Mapping[str, int]  # team name -> id, by team number
    user_ids: Mapping[str, int]  # username -> id
    tokens: Mapping[str, str]  # username -> a session token stored in the template
    actors: Mapping[str, Actor]  # username -> the Actor that token yields
    venue_ids: Mapping[str, int]  # venue name -> id
    event_ids: Mapping[str, int]  # event code -> id
    member_ids: Mapping[int, tuple[int, ...]]  # team id -> its team_member ids
    person_ids: Mapping[int, tuple[int, ...]]  # team id -> its members' person ids

    def team_of(self, username: str) -> int:
        team_id = self.actors[username].team_id
        assert team_id is not None, f"{username} leads no team"
        return team_id

    def actor(self, username: str) -> Actor:
        return self.actors[username]


async def build_demo(db: Database, on: dt.date | None = None) -> DemoMeet:
    """Load the demo meet into ``db``, sign every demo account in once, collect the ids."""
    meet, created = await load_demo(db, on=on)
    assert created
    async with db.read() as session:
        users = (await session.scalars(select(UserAccount).order_by(UserAccount.id))).all()
        teams = (await session.scalars(select(Team).where(Team.meet_id == meet.id).order_by(Team.number))).all()
        venues = (await session.scalars(select(Venue).where(Venue.meet_id == meet.id))).all()
        events = (await session.scalars(select(Event).where(Event.meet_id == meet.id))).all()
        members = (
            await session.execute(
                select(TeamMember.team_id, TeamMember.id, TeamMember.person_id).order_by(TeamMember.id)
            )
        ).all()
    tokens: dict[str, str] = {}
    actors: dict[str, Actor] = {}
    for user in users:
        token = await accounts.start_session(db, user, None)
        actor = await accounts.actor_for_token(db, token)
        assert actor is not None
        tokens[user.username], actors[user.username] = token, actor
    member_ids: dict[int, list[int]] = {t.id: [] for t in teams}
    person_ids: dict[int, list[int]] = {t.id: [] for t in teams}
    for team_id, member_id, person_id in members:
        member_ids[team_id].append(member_id)
        person_ids[team_id].append(person_id)
    return DemoMeet(
        meet_id=meet.id,
        team_ids={t.name: t.id for t in teams},
        user_ids={u.username: u.id for u in users},
        tokens=tokens,
        actors=actors,
        venue_ids={v.name: v.id for v in venues},
        event_ids={e.code: e.id for e in events},
        member_ids={k: tuple(v) for k, v in member_ids.items()},
        person_ids={k: tuple(v) for k, v in person_ids.items()},
    )


def meet_input(**changes: Any) -> MeetInput:
    """A valid meet; keyword arguments replace fields."""
    values: dict[str, Any] = dict(
        name="第七届职工运动会",
        edition=7,
        host="公司工会",
        location="公司体育中心",
        starts_on=dt.date(2027, 11, 20),
        ends_on=dt.date(2027, 11, 21),
        registration_opens=dt.date(2027, 11, 1),
        registration_closes=dt.date(2027, 11, 10),
        per_person_limit=3,
    )
    values.update(changes)
    return MeetInput(**values)


def settings_for(db: Database) -> Settings:
    return Settings(database_url=db.url, secret=TEST_SECRET)


class Client:
    """An HTTP client of the app that knows the demo accounts and sends the CSRF token."""

    def __init__(self, http: httpx.AsyncClient, demo: DemoMeet | None) -> None:
        self.http = http
        self.demo = demo

    # -- cookies ---------------------------------------------------------------------------

    def cookie(self, name: str) -> str | None:
        for c in self.http.cookies.jar:
            if c.name == name:
                return c.value
        return None

    def set_cookie(self, name: str, value: str) -> None:
        # The same domain and path the server uses, so a Set-Cookie replaces it.
        self.http.cookies.set(name, value, domain=HOST, path="/")

    def sign_in_as(self, username: str | None) -> Client:
        """Use the session stored in the template for ``username`` (None: anonymous)."""
        if username is None:
            self.http.cookies.delete(SESSION_COOKIE)
            return self
        assert self.demo is not None, "sign_in_as needs the demo database"
        self.set_cookie(SESSION_COOKIE, self.demo.tokens[username])
        return self

    async def csrf_token(self) -> str:
        """The CSRF cookie's token, fetching a page first if the client has none yet."""
        token = self.cookie(CSRF_COOKIE)
        if token is None:
            response = await self.http.get("/login")
            assert response.status_code == 200, response.text
            token = self.cookie(CSRF_COOKIE)
        assert token, "the app set no CSRF cookie"
        return token

    async def sign_in(self, username: str, password: str = PASSWORD, *, address_headers: dict[str, str] | None = None) -> httpx.Response:
        """Sign in through the login form (argon2 verification included)."""
        return await self.post_form("/login", {"username": username, "password": password}, headers=address_headers)

    # -- requests --------------------------------------------------------------------------

    async def get(self, url: str, *, htmx: bool = False, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if htmx:
            headers["HX-Request"] = "true"
        return await self.http.get(url, headers=headers, **kwargs)

    async def post_form(
        self, url: str, data: Mapping[str, Any] | None = None, *, htmx: bool = False, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """A form POST with the CSRF token as the ``_csrf_token`` field."""
        form = {CSRF_FIELD: await self.csrf_token(), **(data or {})}
        headers = dict(headers or {})
        if htmx:
            headers["HX-Request"] = "true"
        return await self.http.post(url, data=form, headers=headers)

    async def api(self, method: str, url: str, json: Any = None) -> httpx.Response:
        """A JSON request with the CSRF token in the ``x-csrftoken`` header."""
        headers = {CSRF_HEADER: await self.csrf_token()}
        if json is None:
            return await self.http.request(method, url, headers=headers)
        return await self.http.request(method, url, headers=headers, json=json)

