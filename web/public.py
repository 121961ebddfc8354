"""Public pages (read-only meet information), sign-in and sign-out, health check."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from sqlalchemy import text

from events import accounts, meet_events, meets, teams
from events.db import Database
from events.errors import DomainError
from web.auth import SESSION_COOKIE, actor_of
from web.render import go, page


def db_of(request: Request[Any, Any, Any]) -> Database:
    return request.app.state.db


def role_home(role: str | None, team_id: int | None) -> str:
    if role == "organiser":
        return "/org"
    if role == "leader" and team_id:
        return f"/teams/{team_id}"
    if role == "referee":
        return "/referee"
    return "/"


@get("/", name="home")
async def home(request: Request[Any, Any, Any]) -> Any:
    db = db_of(request)
    all_meets = await meets.list_meets(db)
    current = await meets.current_meet(db)
    return page(
        request, "public/home.html", meets=all_meets, current=current,
        current_state=meets.registration_state(current) if current else None,
    )


@get("/meets/{meet_id:int}", name="public_meet")
async def public_meet(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    db = db_of(request)
    meet = await meets.get_meet(db, meet_id)
    return page(
        request,
        "public/meet.html",
        meet=meet,
        events=await meet_events.list_events(db, meet_id),
        teams=await teams.list_teams(db, meet_id),
        sizes=await teams.team_sizes(db, meet_id),
        state=meets.registration_state(meet),
    )


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@get("/login", name="login_form")
async def login_form(request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Any:  # noqa: A002
    return page(request, "public/login.html", next=_safe_next(next) or "", values={}, problems={})


def _client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _set_session_cookie(response: Response[Any], request: Request[Any, Any, Any], token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        path="/",
    )


@post("/login", name="login")
async def login(request: Request[Any, Any, Any]) -> Any:
    form = await request.form()
    username = (form.get("username") or "").strip()
    password = form.get("password") or ""
    target = _safe_next(form.get("next"))
    db = db_of(request)
    try:
        user = await accounts.authenticate(db, username, password, _client_address(request))
    except DomainError as exc:
        return page(
            request,
            "public/login.html",
            status_code=exc.status,
            next=target or "",
            values={"username": username},
            problems={"password": exc.message},
        )
    token = await accounts.start_session(db, user, request.cookies.get(SESSION_COOKIE))
    response = go(request, target or role_home(user.role, user.team_id))
    _set_session_cookie(response, request, token)
    return response


@post("/logout", name="logout")
async def logout(request: Request[Any, Any, Any]) -> Any:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await accounts.end_session(db_of(request), token)
    response = Redirect("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@get("/me", name="my_home")
async def my_home(request: Request[Any, Any, Any]) -> Any:
    actor = actor_of(request)
    if actor.is_anonymous:
        return Redirect("/login", status_code=303)
    return Redirect(role_home(actor.role, actor.team_id), status_code=303)


@get("/healthz", name="healthz")
async def healthz(request: Request[Any, Any, Any]) -> dict[str, str]:
    db = db_of(request)
    async with db.read() as session:
        await session.execute(text("SELECT 1"))
    return {"status": "ok", "database": db.dialect}


ROUTES = [home, public_meet, login_form, login, logout, my_home, healthz]
