"""The shared calendar pages: month, week and agenda views, the week list for home pages, and
the phone-calendar subscription (secret feed URLs).

Everything is rendered on the server; navigation (previous / today / next, the view switch,
the filters) is plain links and a GET form, enhanced by HTMX to swap only the calendar and push
the URL, so the back button, reloads and shared links show the same view. A history-restore
request gets the whole page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath

from events import calendar, calendar_feed
from events.calendar import KIND_LABELS, CalendarView, Filters, kind_label
from events.calendar_items import SHANGHAI, CalendarItem, local
from events.meets import today
from events.validation import MAX_ID, plain_int
from web.auth import actor_of, signed_in
from web.public import db_of
from web.render import go, is_htmx, page, partial, zh_date

BASE = "/calendar"
VIEWS = {"month": "月", "week": "周", "agenda": "日程"}
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
AGENDA_DAYS = 30
MONTH_CELL_LIMIT = 4


@dataclass(frozen=True)
class State:
    """What the calendar shows, read from and written to the query string."""

    view: str = "month"
    anchor: dt.date = field(default_factory=today)
    kinds: tuple[str, ...] = ()
    unit: str = ""
    person_id: int | None = None

    def url(self, **changes: Any) -> str:
        state = replace(self, **changes)
        query: list[tuple[str, str]] = [("view", state.view), ("d", state.anchor.isoformat())]
        query += [("kind", k) for k in state.kinds]
        if state.unit:
            query.append(("unit", state.unit))
        if state.person_id is not None:
            query.append(("person", str(state.person_id)))
        return f"{BASE}?{urlencode(query)}"

    @property
    def filters(self) -> Filters:
        return Filters(kinds=self.kinds, unit=self.unit, person_id=self.person_id)


def read_state(request: Request[Any, Any, Any]) -> tuple[State, list[str]]:
    """The state from the query string; what cannot be read is left out, with a note."""
    params = request.query_params
    notes: list[str] = []
    view = params.get("view") or "month"
    if view not in VIEWS:
        notes.append("未知的视图,已显示月视图")
        view = "month"
    anchor = today()
    if params.get("d"):
        try:
            anchor = dt.date.fromisoformat(str(params.get("d")))
            if not 1900 < anchor.year < 2200:
                raise ValueError
        except ValueError:
            notes.append("日期格式不正确(例如 2027-02-01),已显示今天")
            anchor = today()
    kinds = tuple(dict.fromkeys(k for k in params.getall("kind", []) if k in KIND_LABELS or k.isidentifier()))
    person_id = None
    if params.get("person"):
        number = plain_int(str(params.get("person")).strip())
        if number is not None and 1 <= number <= MAX_ID:  # beyond it no row, and PostgreSQL's driver refuses the number
            person_id = number
        else:
            notes.append("人员编号不正确,已忽略")
    unit = str(params.get("unit") or "")[:80]
    return State(view=view, anchor=anchor, kinds=kinds, unit=unit, person_id=person_id), notes


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Window:
    first: dt.date  # first day shown
    last: dt.date  # last day shown
    title: str
    previous: dt.date
    next: dt.date


def window(state: State) -> Window:
    anchor = state.anchor
    if state.view == "month":
        first_of_month = anchor.replace(day=1)
        last_of_month = add_months(anchor, 1) - dt.timedelta(days=1)
        first = first_of_month - dt.timedelta(days=first_of_month.weekday())
        last = last_of_month + dt.timedelta(days=6 - last_of_month.weekday())
        return Window(first, last, f"{anchor.year}年{anchor.month}月", add_months(anchor, -1), add_months(anchor, 1))
    if state.view == "week":
        first = anchor - dt.timedelta(days=anchor.weekday())
        last = first + dt.timedelta(days=6)
        end_text = f"{last.month}月{last.day}日" if last.year == first.year else zh_date(last)
        title = f"{zh_date(first)} – {end_text}"
        return Window(first, last, title, anchor - dt.timedelta(days=7), anchor + dt.timedelta(days=7))
    last = anchor + dt.timedelta(days=AGENDA_DAYS - 1)
    return Window(anchor, last, f"{zh_date(anchor)} 起 {AGENDA_DAYS} 天", anchor - dt.timedelta(days=AGENDA_DAYS),
                  anchor + dt.timedelta(days=AGENDA_DAYS))


class Entry(msgspec.Struct, gc=False):
    """One item as a line of the calendar.

    gc=False: a month view makes thousands of these and they only point at (untracked) items,
    so they never form a reference cycle and need not burden the garbage collector."""

    item: CalendarItem
    warned: bool
    continues: bool = False  # a multi-day item on one of its later days

    @property
    def time(self) -> str:  # 09:45, 全天, 09:45–12:45 — only for the lines shown
        return _time_text(self.item)

    @property
    def start_time(self) -> str:  # 09:45, for the narrow month cells
        start = local(self.item.start)
        return f"{start.hour:02d}:{start.minute:02d}"

    @property
    def label(self) -> str:  # the kind in Chinese
        return kind_label(self.item.kind)


@dataclass
class Day:
    date: dt.date
    weekday: str
    in_range: bool  # in the month (month view)
    is_today: bool
    entries: list[Entry] = field(default_factory=list)

    @property
    def shown(self) -> list[Entry]:
        return self.entries[:MONTH_CELL_LIMIT]

    @property
    def more(self) -> int:
        return max(0, len(self.entries) - MONTH_CELL_LIMIT)


def _time_text(item: CalendarItem) -> str:
    if item.all_day:
        last = local(item.end).date() - dt.timedelta(days=1) if item.end is not None else local(item.start).date()
        first = local(item.start).date()
        return "全天" if last <= first else f"{first.month}月{first.day}日–{last.month}月{last.day}日"
    start = local(item.start)
    if item.end is None or item.end <= item.start:
        return f"{start:%H:%M}"
    end = local(item.end)
    if end.date() == start.date():
        return f"{start:%H:%M}–{end:%H:%M}"
    return f"{start:%H:%M} 起"


def days_of(view: CalendarView, win: Window, state: State) -> list[Day]:
    """The window's days, each with its items (an item on every day it covers)."""
    now = today()
    days = []
    day = win.first
    while day <= win.last:
        in_range = day.month == state.anchor.month if state.view == "month" else True
        days.append(Day(day, WEEKDAY_NAMES[day.weekday()], in_range, day == now))
        day += dt.timedelta(days=1)
    index = {d.date: d for d in days}
    warned = {w.first.uid for w in view.warnings} | {w.second.uid for w in view.warnings}
    one_day = dt.timedelta(days=1)
    one_hour = dt.timedelta(hours=1)
    tick = dt.timedelta(microseconds=1)
    for item in view.items:
        start = item.start if item.start.tzinfo is SHANGHAI else local(item.start)
        first_day = start.date()
        if item.end is None or item.end - item.start <= one_hour and start.hour < 23:
            target = index.get(first_day)
            if target is not None:
                target.entries.append(Entry(item, item.uid in warned))
            continue
        end = item.end if item.end.tzinfo is SHANGHAI else local(item.end)
        last_day = (end - tick).date() if end > start else first_day
        entry = Entry(item, item.uid in warned)
        if last_day == first_day:  # most items: one day, no copies
            target = index.get(first_day)
            if target is not None:
                target.entries.append(entry)
            continue
        day = max(first_day, win.first)
        while day <= min(last_day, win.last):
            index[day].entries.append(entry if day == first_day else msgspec.structs.replace(entry, continues=True))
            day += one_day
    return days


def agenda_days(days: list[Day], win: Window) -> list[Day]:
    """The days with something, a multi-day item listed once (its first day, or the window's)."""
    listed = []
    for day in days:
        entries = [e for e in day.entries if not e.continues or day.date == win.first]
        if entries:
            listed.append(replace(day, entries=entries))
    return listed


def _context(request: Request[Any, Any, Any], state: State, view: CalendarView, win: Window, notes: list[str]) -> dict[str, Any]:
    days = days_of(view, win, state)
    legend = list(dict.fromkeys([*view.kinds, *state.kinds]))
    people = sorted(view.names.items(), key=lambda kv: kv[1])
    return {
        "state": state, "view": view, "win": win, "days": days,
        "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
        "agenda": agenda_days(days, win), "notes": notes,
        "VIEWS": VIEWS, "WEEKDAY_NAMES": WEEKDAY_NAMES, "legend": legend, "kind_label": kind_label,
        "people": people, "today_date": today(), "zh_date": zh_date,
    }


@get(BASE, name="calendar")
async def calendar_page(request: Request[Any, Any, Any]) -> Any:
    state, notes = read_state(request)
    win = window(state)
    start = dt.datetime.combine(win.first, dt.time(0), tzinfo=SHANGHAI)
    end = dt.datetime.combine(win.last + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)
    view = await calendar.view(db_of(request), actor_of(request), start, end, state.filters)
    context = _context(request, state, view, win, notes)
    htmx = getattr(request, "htmx", None)
    if is_htmx(request) and not (htmx and htmx.history_restore_request):
        return partial(request, "calendar/partials/body.html", **context)
    return page(request, "calendar/page.html", **context)


@get(BASE + "/this-week", name="calendar_this_week", guards=[signed_in])
async def this_week(request: Request[Any, Any, Any]) -> Any:
    """The next seven days' items, for a home page (loaded into it by HTMX)."""
    on = today()
    items = await calendar.this_week(db_of(request), actor_of(request), on)
    entries = [Entry(i, False) for i in items]
    return partial(request, "calendar/partials/this_week.html", entries=entries, on=on, zh_date=zh_date,
                   WEEKDAY_NAMES=WEEKDAY_NAMES, local=local)


# Subscription feeds --------------------------------------------------------------------------------


def _feed_url(request: Request[Any, Any, Any], token: str) -> str:
    base = str(request.base_url).rstrip("/")
    return f"{base}{BASE}/feed/{token}.ics"


@get(BASE + "/subscribe", name="calendar_subscribe", guards=[signed_in])
async def subscribe_page(request: Request[Any, Any, Any]) -> Any:
    feeds = await calendar_feed.list_feeds(db_of(request), actor_of(request))
    return page(request, "calendar/subscribe.html", feeds=feeds, new_url=None)


@post(BASE + "/feeds", name="calendar_feed_create", guards=[signed_in])
async def feed_create(request: Request[Any, Any, Any]) -> Any:
    form = await request.form()
    db, actor = db_of(request), actor_of(request)
    created = await calendar_feed.create_feed(db, actor, str(form.get("label") or ""))
    feeds = await calendar_feed.list_feeds(db, actor)
    return page(request, "calendar/subscribe.html", feeds=feeds, new_url=_feed_url(request, created.token), new_label=created.feed.label)


@post(BASE + "/feeds/{feed_id:int}/revoke", name="calendar_feed_revoke", guards=[signed_in])
async def feed_revoke(request: Request[Any, Any, Any], feed_id: FromPath[int]) -> Any:
    await calendar_feed.revoke_feed(db_of(request), actor_of(request), feed_id)
    return go(request, BASE + "/subscribe")


@get(BASE + "/feed/{name:str}", name="calendar_feed", media_type="text/calendar")
async def feed(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[bytes]:
    """The .ics of one secret feed URL: no session, the token is the key; 404 when unknown or revoked."""
    token = name[: -len(".ics")] if name.endswith(".ics") else ""
    body = await calendar_feed.feed_ics(db_of(request), token, base_url=str(request.base_url).rstrip("/"))
    return Response(
        body, media_type="text/calendar",  # Litestar adds "; charset=utf-8"
        headers={"Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="zhijia.ics"',
                 "X-Robots-Tag": "noindex"},
    )


# JSON ------------------------------------------------------------------------------------------------


class CalendarItemOut(msgspec.Struct):
    uid: str
    kind: str
    kind_label: str
    title: str
    start: dt.datetime
    end: dt.datetime | None
    all_day: bool
    location: str
    unit: str
    status: str
    url: str


class WarningOut(msgspec.Struct):
    first: str
    second: str
    message: str


class CalendarOut(msgspec.Struct):
    start: dt.datetime
    end: dt.datetime
    items: list[CalendarItemOut]
    warnings: list[WarningOut]


@get("/api/calendar", name="api_calendar")
async def api_calendar(request: Request[Any, Any, Any]) -> CalendarOut:
    """The items the caller may see in the view given by the query (``view``, ``d``, ``kind``, ``unit``, ``person``)."""
    state, _ = read_state(request)
    win = window(state)
    start = dt.datetime.combine(win.first, dt.time(0), tzinfo=SHANGHAI)
    end = dt.datetime.combine(win.last + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)
    view = await calendar.view(db_of(request), actor_of(request), start, end, state.filters)
    return CalendarOut(
        start=start, end=end,
        items=[CalendarItemOut(i.uid, i.kind, kind_label(i.kind), i.title, i.start, i.end, i.all_day, i.location, i.unit, i.status, i.url)
               for i in view.items],
        warnings=[WarningOut(w.first.uid, w.second.uid, w.message) for w in view.warnings],
    )


ROUTES = [calendar_page, this_week, subscribe_page, feed_create, feed_revoke, feed, api_calendar]

__all__ = ["ROUTES"]
