"""Security headers on every response (Litestar sends none by itself), and ids in the address
checked before any handler runs."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from litestar import Request
from litestar.constants import RESERVED_KWARGS
from litestar.enums import ParamType
from litestar.params import ParameterKwarg
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
    """A before-request hook: an id in the address (its path, or a query parameter the handler
    reads as an int, ?event_id=…) that no id column can hold names nothing. Found here, once,
    it is a 404 in Chinese; past here PostgreSQL's driver refuses the number (a 500) while
    SQLite simply finds no row."""
    for value in request.path_params.values():
        if isinstance(value, int) and not isinstance(value, bool) and not -MAX_ID <= value <= MAX_ID:
            raise NotFound("页面")
    for name in _int_query_params(request.route_handler):
        for text in request.query_params.getall(name, []):
            number = _INTEGER.fullmatch(text)
            if number and (len(number.group(1)) > 10 or int(number.group(1)) > MAX_ID):  # int() of 5000 digits raises
                raise NotFound("页面")


_INTEGER = re.compile(r"\s*[+-]?0*([0-9]+)\s*")


@lru_cache(maxsize=1024)
def _int_query_params(handler: Any) -> tuple[str, ...]:
    """The query parameters a handler declares as int (or int | None), by their name in the URL."""
    names = []
    for name, field in handler.parsed_fn_signature.parameters.items():
        kwarg = field.kwarg_definition
        in_query = (kwarg is None and name not in RESERVED_KWARGS) or (
            isinstance(kwarg, ParameterKwarg) and kwarg.param_type == ParamType.QUERY
        )
        if in_query and (field.is_subclass_of(int) or field.has_inner_subclass_of(int)) and not field.is_subclass_of(bool):
            names.append(getattr(kwarg, "query", None) or name)
    return tuple(names)
