"""The printed programme (秩序册) and the meet's print books: pages for A4 and xlsx.

- Organisers print the whole 秩序册 (drafts of draws and heats included, marked 预览) and
  download it as xlsx.
- Everybody sees what is published: the daily schedule (竞赛日程), start lists (检录单) per heat
  and match, and the result book (成绩册) of the meet or of one event, each also as xlsx.

The services read (events.programme); this module only turns what they give into pages and
workbooks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery

from events import programme
from events.exports import Sheet, write_xlsx, xlsx_filename
from events.labels import VENUE_KIND
from web.auth import actor_of, organiser_only
from web.entry_forms import xlsx_response
from web.public import db_of
from web.render import page

WEEKDAYS = "一二三四五六日"


def _context() -> dict[str, Any]:
    return {
        "FLAGS": programme.FLAG_LABELS,
        "NOT_PUBLISHED": programme.NOT_PUBLISHED,
        "VENUE_KIND": VENUE_KIND,
        "weekday": lambda d: f"星期{WEEKDAYS[d.weekday()]}",
    }


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


# The programme (organisers) ---------------------------------------------------------------------


@get("/org/meets/{meet_id:int}/programme", name="programme", guards=[organiser_only])
async def programme_page(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    """秩序册: cover, contents, committee, rules, timetable, teams, entrants, draws, heats, records."""
    p = await programme.programme(db_of(request), actor_of(request), meet_id)
    return page(request, "programme/programme.html", p=p, meet=p.meet, **_context())


@get("/org/meets/{meet_id:int}/programme.xlsx", name="programme_xlsx", guards=[organiser_only])
async def programme_xlsx(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Response[bytes]:
    p = await programme.programme(db_of(request), actor_of(request), meet_id)
    return xlsx_response(xlsx_filename(p.meet.name, "秩序册"), programme.programme_xlsx(p), "programme.xlsx")


# Published books (everybody) --------------------------------------------------------------------


@get("/meets/{meet_id:int}/schedule", name="daily_schedule")
async def schedule_page(request: Request[Any, Any, Any], meet_id: FromPath[int], day: FromQuery[str | None] = None) -> Any:
    """竞赛日程: the published timetable, one page per day (or the chosen day)."""
    p = await programme.public_books(db_of(request), meet_id)
    chosen = _day(day)
    days = [d for d in p.days if chosen is None or d.date == chosen]
    problem = "日期无效,已显示全部比赛日" if day and chosen is None else ""
    if chosen is not None and not days and p.days:
        problem, days = f"{chosen.month}月{chosen.day}日没有比赛安排,已显示全部比赛日", p.days
    return page(request, "programme/schedule.html", p=p, meet=p.meet, days=days, chosen=chosen, problem=problem, **_context())


@get("/meets/{meet_id:int}/schedule.xlsx", name="daily_schedule_xlsx")
async def schedule_xlsx(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Response[bytes]:
    p = await programme.public_books(db_of(request), meet_id)
    sheet = next(s for s in programme.programme_sheets(p) if s.title == "竞赛日程")
    return xlsx_response(xlsx_filename(p.meet.name, "竞赛日程"), write_xlsx([sheet]), "schedule.xlsx")


@get("/meets/{meet_id:int}/start-lists", name="start_lists")
async def start_lists_page(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    """检录单: every published heat with its lanes and every published match, one event a page."""
    p = await programme.public_books(db_of(request), meet_id)
    return page(request, "programme/start_lists.html", p=p, meet=p.meet, **_context())


@get("/meets/{meet_id:int}/start-lists.xlsx", name="start_lists_xlsx")
async def start_lists_xlsx(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Response[bytes]:
    p = await programme.public_books(db_of(request), meet_id)
    sheet: Sheet = programme.start_list_sheet(p)
    return xlsx_response(xlsx_filename(p.meet.name, "检录单"), write_xlsx([sheet]), "start-lists.xlsx")


@get("/meets/{meet_id:int}/results-book", name="results_book")
async def results_book_page(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    """成绩册 of the whole meet: places with marks and scores, records flagged."""
    book = await programme.result_book(db_of(request), meet_id)
    return page(request, "programme/results_book.html", book=book, meet=book.meet, one=None, **_context())


@get("/meets/{meet_id:int}/events/{event_id:int}/results-book", name="event_results_book")
async def event_results_book_page(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> Any:
    book = await programme.result_book(db_of(request), meet_id, event_id)
    return page(request, "programme/results_book.html", book=book, meet=book.meet, one=book.events[0][0], **_context())


@get("/meets/{meet_id:int}/results-book.xlsx", name="results_book_xlsx")
async def results_book_xlsx(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Response[bytes]:
    book = await programme.result_book(db_of(request), meet_id)
    return xlsx_response(xlsx_filename(book.meet.name, "成绩册"), programme.result_book_xlsx(book), "results-book.xlsx")


@get("/meets/{meet_id:int}/events/{event_id:int}/results-book.xlsx", name="event_results_book_xlsx")
async def event_results_book_xlsx(
    request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]
) -> Response[bytes]:
    book = await programme.result_book(db_of(request), meet_id, event_id)
    name = book.events[0][0].event.name
    return xlsx_response(xlsx_filename(book.meet.name, name, "成绩册"), programme.result_book_xlsx(book), "event-results-book.xlsx")


ROUTES = [
    programme_page,
    programme_xlsx,
    schedule_page,
    schedule_xlsx,
    start_lists_page,
    start_lists_xlsx,
    results_book_page,
    event_results_book_page,
    results_book_xlsx,
    event_results_book_xlsx,
]
