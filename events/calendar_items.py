"""What the shared calendar shows: one plain item per occurrence, from any source.

Every source of dated things — meets, timetabled matches and heats, visit campaigns, 联手兴家
meetings, member occasions — turns its rows into ``CalendarItem`` values for a window of
time; the calendar views, the conflict warnings and the .ics feed read only these. Times are
aware datetimes in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import msgspec

SHANGHAI = ZoneInfo("Asia/Shanghai")


class CalendarItem(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    # gc=False: an item holds only strings, numbers, datetimes and tuples of them, so it can never
    # be part of a reference cycle; a feed makes thousands of them, and untracked they no longer
    # feed the garbage collector's passes.
    uid: str  # stable across edits and years, e.g. "pairing-meeting-12-20270115T0900@zhijia"
    kind: str  # meet | match | heat | visit | pairing_meeting | exchange | occasion | ...
    title: str
    start: dt.datetime  # aware, Asia/Shanghai; for all-day items midnight of the first day
    end: dt.datetime | None = None  # exclusive; all-day items end at midnight after the last day
    all_day: bool = False
    location: str = ""
    unit: str = ""  # the unit or team the item belongs to, for filtering
    people: tuple[int, ...] = ()  # Person ids taking part, for filters and double-booking warnings
    groups: tuple[str, ...] = ()  # group keys, e.g. "visit_group:3", "pairing:2", "team:5"
    status: str = "confirmed"  # confirmed | tentative | cancelled | done
    sequence: int = 0  # bumped whenever the item changes (RFC 5545 SEQUENCE)
    url: str = ""  # the item's page in zhijia
    private: bool = False  # carries personal details: organisers only, never in feeds as such
    description: str = ""
    # a schedule that keeps its items apart itself (a published timetable, "timetable:3"): the
    # double-booking warnings do not pit its items against each other
    checked: str = ""


def local(value: dt.datetime) -> dt.datetime:
    """A naive local (Asia/Shanghai) datetime made aware; aware ones converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=SHANGHAI)
    return value.astimezone(SHANGHAI)
