"""Who is asking: the session cookie becomes an Actor on every request.

The anonymous public is an Actor too (role None), so services can always ask the actor.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from events.accounts import actor_for_token
from events.actors import ANONYMOUS, Actor
from events.db import Database
from events.errors import Forbidden

SESSION_COOKIE = "zhijia_session"


def auth_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("path", "").startswith("/static"):
            db: Database = scope["litestar_app"].state.db
            token = _cookie(scope, SESSION_COOKIE)
            scope["user"] = (await actor_for_token(db, token)) or ANONYMOUS
        else:
            scope["user"] = ANONYMOUS
        await app(scope, receive, send)

    return middleware


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    return connection.scope.get("user") or ANONYMOUS


# Guards are coroutines: Litestar runs a plain-function guard on its thread pool, a hand-off
# that costs more than the check itself on every request.


async def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    _require_signed_in(connection)


async def organiser_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    _require_signed_in(connection).require_organiser()


async def referee_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    actor = _require_signed_in(connection)
    if not (actor.is_referee or actor.is_organiser):
        raise Forbidden("只有裁判可以访问此页面")


def _require_signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    actor = actor_of(connection)
    if actor.is_anonymous:
        raise NotAuthorizedException("请先登录")
    return actor
