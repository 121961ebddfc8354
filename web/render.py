"""Responses for pages and HTMX partials, and how refusals reach the person."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlsplit

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.plugins.htmx import ClientRedirect, HTMXTemplate
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from events.errors import DomainError
from web.auth import actor_of
from web.forms import field_problem

log = logging.getLogger("zhijia")

WEEKDAYS = "一二三四五六日"


def zh_date(value: dt.date | dt.datetime | None, weekday: bool = False) -> str:
    if value is None:
        return ""
    text = f"{value.year}年{value.month}月{value.day}日"
    if weekday:
        text += f"(星期{WEEKDAYS[value.weekday()]})"
    return text


def zh_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    from events.meets import SHANGHAI

    local = value.astimezone(SHANGHAI)
    return f"{zh_date(local)} {local:%H:%M}"


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api") or request.url.path == "/healthz"


def page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    context.setdefault("actor", actor_of(request))
    context.setdefault("path", request.url.path)
    return Template(template_name=template, context=context, status_code=status_code, media_type=MediaType.HTML)


def partial(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    context.setdefault("actor", actor_of(request))
    return HTMXTemplate(template_name=template, context=context, status_code=status_code, media_type=MediaType.HTML)


def page_or_partial(
    request: Request[Any, Any, Any], full: str, part: str, status_code: int = 200, **context: Any
) -> Template:
    """The partial for an HTMX request, the whole page for a normal navigation."""
    if is_htmx(request):
        return partial(request, part, status_code=status_code, **context)
    return page(request, full, status_code=status_code, **context)


def _path_and_query(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path, parts.query


def go(request: Request[Any, Any, Any], url: str) -> Response[Any]:
    """After a successful POST: HX-Redirect for HTMX, 303 See Other otherwise.

    HTMX follows HX-Redirect by setting ``location.href``; to the page already shown with only
    an anchor added (``/org/campaigns/1#groups``) that scrolls and loads nothing, so the page
    would keep showing what the POST just changed. HX-Refresh then has it reloaded."""
    if is_htmx(request):
        response = ClientRedirect(url)
        current = request.headers.get("hx-current-url")
        if current and _path_and_query(current) == _path_and_query(url):
            response.headers["HX-Refresh"] = "true"
        return response
    return Redirect(url, status_code=303)


def _problem(request: Request[Any, Any, Any], status: int, message: str, problems: dict[str, str] | None = None):
    if wants_json(request):
        return Response({"detail": message, "problems": problems or {}}, status_code=status, media_type=MediaType.JSON)
    if is_htmx(request):
        # Refusals of in-place actions appear in the page's message area.
        return HTMXTemplate(
            template_name="partials/problem.html",
            context={"message": message, "status": status},
            status_code=status,
            re_target="#flash",
            re_swap="innerHTML",
            media_type=MediaType.HTML,
        )
    return page(request, "error.html", status_code=status, message=message, status=status)


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return _problem(request, exc.status, exc.message, exc.problems)


def not_authorized_handler(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    if wants_json(request):
        return _problem(request, 401, "请先登录")
    if is_htmx(request):
        return ClientRedirect(f"/login?next={request.url.path}")
    return Redirect(f"/login?next={request.url.path}", status_code=303)


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if isinstance(exc, PermissionDeniedException):
        message = "页面已过期或请求无效(安全校验未通过),请刷新页面后重试" if "CSRF" in str(exc.detail) else "没有权限执行此操作"
    elif isinstance(exc, NotFoundException):
        message = "找不到该页面"
    elif isinstance(exc, ValidationException):
        return _invalid(request, exc)
    elif status == 413:
        message = "提交的内容或文件过大"
    elif status == 405:
        message = "不支持该请求方式"
    elif status == 429:
        message = "请求过于频繁,请稍后再试"
    else:
        message = str(exc.detail) if status < 500 else "系统出错,请稍后再试"
    return _problem(request, status, message)


def _invalid(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """A body or query Litestar could not decode (a JSON id beyond any row …): which field, in Chinese."""
    fields = [e for e in exc.extra if isinstance(e, dict) and e.get("key")] if isinstance(exc.extra, list) else []
    problems = {e["key"]: field_problem(str(e.get("message", "")), e["key"]) for e in fields}
    return _problem(request, exc.status_code, next(iter(problems.values()), "请求参数无效"), problems)


def server_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _problem(request, HTTP_500_INTERNAL_SERVER_ERROR, "系统出错,请稍后再试;已记录该问题")


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    NotAuthorizedException: not_authorized_handler,
    HTTPException: http_error_handler,
    Exception: server_error_handler,
}
