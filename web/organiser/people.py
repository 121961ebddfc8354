"""The member archive (职工档案) for organisers: search, add, correct."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery

from events import people
from events.errors import DomainError
from events.schemas import PersonInput
from web.auth import actor_of, organiser_only
from web.forms import parse
from web.public import db_of
from web.render import go, page, page_or_partial


@get("/org/people", name="people", guards=[organiser_only])
async def people_list(request: Request[Any, Any, Any], q: FromQuery[str] = "") -> Any:
    found = await people.search_people(db_of(request), actor_of(request), q)
    return page_or_partial(request, "org/people.html", "org/partials/people_rows.html", people=found, q=q)


@get("/org/people/new", name="person_new", guards=[organiser_only])
async def person_new(request: Request[Any, Any, Any]) -> Any:
    return page(request, "org/person_form.html", person=None, values={}, problems={})


@get("/org/people/{person_id:int}/edit", name="person_edit", guards=[organiser_only])
async def person_edit(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Any:
    person = await people.get_person(db_of(request), actor_of(request), person_id)
    return page(request, "org/person_form.html", person=person, values={}, problems={})


async def _save(request: Request[Any, Any, Any], person_id: int | None) -> Any:
    form = await request.form()
    try:
        await people.save_person(db_of(request), actor_of(request), parse(form, PersonInput), person_id)
    except DomainError as exc:
        if exc.status != 422:
            raise
        return page_or_partial(
            request, "org/person_form.html", "org/partials/person_form.html", status_code=422,
            person={"id": person_id} if person_id else None, values=form, problems=exc.problems or {"_": exc.message},
        )
    return go(request, "/org/people")


@post("/org/people", name="person_create", guards=[organiser_only])
async def person_create(request: Request[Any, Any, Any]) -> Any:
    return await _save(request, None)


@post("/org/people/{person_id:int}", name="person_update", guards=[organiser_only])
async def person_update(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Any:
    return await _save(request, person_id)


ROUTES = [people_list, person_new, person_edit, person_create, person_update]
