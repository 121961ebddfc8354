"""Form pages for the things a meet is made of (venues, events, teams).

Each has a list on the meet page, a form to add, a form to edit and a delete button; the
rules live in the services, so this builds the same five handlers for each.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath
from litestar.handlers import HTTPRouteHandler

from events import meets
from events.errors import DomainError
from web.auth import actor_of, organiser_only
from web.forms import parse
from web.public import db_of
from web.render import go, page_or_partial


@dataclass(frozen=True)
class Thing:
    slug: str  # "events"
    title: str  # "项目"
    struct: type[msgspec.Struct]
    load: Callable[[Any, int, int], Awaitable[Any]]  # (db, meet_id, id) -> object
    save: Callable[..., Awaitable[Any]]  # (db, actor, meet_id, data, id=None)
    delete: Callable[..., Awaitable[None]]  # (db, actor, meet_id, id)
    context: Callable[[Any, int], Awaitable[dict[str, Any]]]  # extra form context (db, meet_id)


def crud_routes(thing: Thing) -> list[HTTPRouteHandler]:
    base = f"/org/meets/{{meet_id:int}}/{thing.slug}"
    form_template = "org/crud_page.html"
    form_partial = f"org/partials/{thing.slug}_form.html"

    async def render_form(request: Request[Any, Any, Any], meet_id: FromPath[int], obj: Any, values: Any, problems: dict[str, str], status: int = 200) -> Any:
        db = db_of(request)
        meet = await meets.get_meet(db, meet_id)
        extra = await thing.context(db, meet_id)
        return page_or_partial(
            request, form_template, form_partial, status_code=status,
            meet=meet, obj=obj, values=values, problems=problems, thing=thing, form_partial=form_partial, **extra,
        )

    @get(f"{base}/new", name=f"{thing.slug}_new", guards=[organiser_only])
    async def new_form(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
        return await render_form(request, meet_id, None, {}, {})

    @post(base, name=f"{thing.slug}_create", guards=[organiser_only])
    async def create(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
        form = await request.form()
        try:
            await thing.save(db_of(request), actor_of(request), meet_id, parse(form, thing.struct))
        except DomainError as exc:
            if exc.status != 422:
                raise
            return await render_form(request, meet_id, None, form, exc.problems or {"_": exc.message}, 422)
        return go(request, f"/org/meets/{meet_id}#{thing.slug}")

    @get(f"{base}/{{item_id:int}}/edit", name=f"{thing.slug}_edit", guards=[organiser_only])
    async def edit_form(request: Request[Any, Any, Any], meet_id: FromPath[int], item_id: FromPath[int]) -> Any:
        obj = await thing.load(db_of(request), meet_id, item_id)
        return await render_form(request, meet_id, obj, {}, {})

    @post(f"{base}/{{item_id:int}}", name=f"{thing.slug}_update", guards=[organiser_only])
    async def update(request: Request[Any, Any, Any], meet_id: FromPath[int], item_id: FromPath[int]) -> Any:
        form = await request.form()
        db = db_of(request)
        try:
            await thing.save(db, actor_of(request), meet_id, parse(form, thing.struct), item_id)
        except DomainError as exc:
            if exc.status != 422:
                raise
            obj = await thing.load(db, meet_id, item_id)
            return await render_form(request, meet_id, obj, form, exc.problems or {"_": exc.message}, 422)
        return go(request, f"/org/meets/{meet_id}#{thing.slug}")

    @post(f"{base}/{{item_id:int}}/delete", name=f"{thing.slug}_delete", guards=[organiser_only])
    async def delete(request: Request[Any, Any, Any], meet_id: FromPath[int], item_id: FromPath[int]) -> Any:
        await thing.delete(db_of(request), actor_of(request), meet_id, item_id)
        return go(request, f"/org/meets/{meet_id}#{thing.slug}")

    return [new_form, create, edit_form, update, delete]
