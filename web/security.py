"""Security headers on every response (Litestar sends none by itself), and ids in the address
checked before any handler runs."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from events.errors import NotFound
from events.validation import MAX_ID

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A before-send hook: runs for every response, 404 and 405 included."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in HEADERS.items():
        if name not in headers:
            headers[name] = value
    if scope.get("path", "").startswith(PRIVATE_PREFIXES):
        headers["cache-control"] = "no-store"


PRIVATE_PREFIXES = ("/org", "/teams", "/referee", "/api", "/login", "/me")


async def ids_in_range(request: Request[Any, Any, Any]) -> None:
    """A before-request hook: an id in the address that no id column can hold names nothing.
    Found here, once, it is a 404 in Chinese; past here PostgreSQL's driver refuses the number
    (a 500) while SQLite simply finds no row."""
    for value in request.path_params.values():
        if isinstance(value, int) and not isinstance(value, bool) and not -MAX_ID <= value <= MAX_ID:
            raise NotFound("页面")
