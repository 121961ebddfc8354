"""Calendar items as an iCalendar (RFC 5545) document.

One VEVENT per item, recurring ones included as one VEVENT per occurrence: phone calendars
differ in how they honour RRULE with EXDATE and RECURRENCE-ID overrides (moved occurrences
shown twice, cancelled ones still shown, or a whole series dropped for one bad override),
while materialised events mean the same thing to every client. The item's ``uid`` is the
occurrence's stable identity (the rule's original time, not the moved one), so a client
updates the event in place; SEQUENCE comes from the source and grows with every change; a
cancelled occurrence stays in the feed with STATUS:CANCELLED so clients strike it rather than
keep a stale copy.

Private items (personal or union-internal details) appear only as their kind and time: no
title, place or description, CLASS:PRIVATE, and the link to their page in zhijia, where the
reader's rights are checked again.

The calendar's header and its VTIMEZONE (Asia/Shanghai) come from the ``icalendar`` package.
The VEVENTs are written here, line by line, with RFC 5545's text escaping and 75-octet
folding: building them as ``icalendar`` components cost about 0.4 ms each (2.1 s for a feed of
5 000 occurrences, measured), against a goal of 0.3 s for the whole feed. The tests parse the
output with ``icalendar`` and with ``vobject`` and compare every event with one that
``icalendar`` built itself from the same item.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

from icalendar import Calendar, Timezone

from events.calendar_items import SHANGHAI, CalendarItem, local

PRODID = "-//zhijia//职工之家 日程//ZH"
TZID = "Asia/Shanghai"
STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED", "done": "CONFIRMED"}
CANCELLED_PREFIX = "[已取消] "


@functools.cache
def kind_label(kind: str) -> str:
    from events.calendar import kind_label as label

    return label(kind)


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11). Chained ``str.replace``: most values have nothing to
    escape, and a replace that finds nothing costs almost nothing (``str.translate`` walks every
    character of the Chinese text)."""
    return (
        value.replace("\r\n", "\n").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\n", "\\n").replace("\r", "")
    )


def fold(line: str) -> str:
    """One content line, folded at 75 octets without splitting a UTF-8 character (3.1)."""
    if len(line) <= 18 or (len(line) <= 75 and line.isascii()):  # at most 4 octets a character; ASCII: 1
        return line + "\r\n"
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line + "\r\n"
    parts: list[bytes] = []
    begin, limit = 0, 75
    while len(encoded) - begin > limit:
        cut = begin + limit
        while encoded[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its character
            cut -= 1
        parts.append(encoded[begin:cut])
        begin, limit = cut, 74  # continuation lines start with a space
    parts.append(encoded[begin:])
    return b"\r\n ".join(parts).decode("utf-8") + "\r\n"


def _local_stamp(value: dt.datetime) -> str:
    # the sources' items are already in Asia/Shanghai: no conversion, no strftime
    if value.tzinfo is not SHANGHAI:
        value = local(value)
    return f"{value.year:04d}{value.month:02d}{value.day:02d}T{value.hour:02d}{value.minute:02d}{value.second:02d}"


def _date(value: dt.date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def event_lines(item: CalendarItem, stamp: str, base_url: str = "") -> list[str]:
    """The VEVENT of one item, as folded content lines."""
    out: list[str] = []
    out.append("BEGIN:VEVENT\r\n")
    out.append(fold("UID:" + escape_text(item.uid)))
    out.append("DTSTAMP:" + stamp + "\r\n")
    if item.all_day:
        first = local(item.start).date()
        last = local(item.end).date() if item.end is not None else first
        out.append("DTSTART;VALUE=DATE:" + _date(first) + "\r\n")
        out.append("DTEND;VALUE=DATE:" + _date(max(last, first + dt.timedelta(days=1))) + "\r\n")
    else:
        out.append(f"DTSTART;TZID={TZID}:" + _local_stamp(item.start) + "\r\n")
        if item.end is not None and item.end > item.start:
            out.append(f"DTEND;TZID={TZID}:" + _local_stamp(item.end) + "\r\n")
    out.append(f"SEQUENCE:{max(0, item.sequence)}\r\n")
    out.append("STATUS:" + STATUS.get(item.status, "CONFIRMED") + "\r\n")
    label = kind_label(item.kind)
    if item.private:
        out.append(fold("SUMMARY:" + escape_text(label)))
        out.append("CLASS:PRIVATE\r\n")
    else:
        prefix = CANCELLED_PREFIX if item.status == "cancelled" else ""
        out.append(fold("SUMMARY:" + escape_text(prefix + item.title)))
        if item.location:
            out.append(fold("LOCATION:" + escape_text(item.location)))
        if item.description:
            out.append(fold("DESCRIPTION:" + escape_text(item.description)))
    out.append(fold("CATEGORIES:" + escape_text(label)))
    if item.url:
        url = base_url + item.url if item.url.startswith("/") else item.url
        out.append(fold("URL:" + url.replace("\r", "").replace("\n", "")))
    out.append("END:VEVENT\r\n")
    return out


@functools.cache
def _frame(name: str) -> tuple[str, str]:
    """The calendar's opening (properties and VTIMEZONE) and closing text, from ``icalendar``."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", TZID)
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    calendar.add_component(Timezone.from_tzid(TZID))
    text = calendar.to_ical().decode("utf-8")
    end = "END:VCALENDAR\r\n"
    assert text.endswith(end)
    return text[: -len(end)], end


def build_ics(
    items: Sequence[CalendarItem], *, name: str, stamp: dt.datetime | None = None, base_url: str = ""
) -> bytes:
    """The items as one VCALENDAR with a VTIMEZONE for Asia/Shanghai, as UTF-8 bytes (CRLF lines).

    A uid given twice is written once (the first). ``stamp`` (DTSTAMP: when the feed was made,
    now by default) and ``base_url`` (prefix for the items' relative links) are optional.
    """
    when = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    opening, closing = _frame(name)
    parts = [opening]
    seen: set[str] = set()
    for item in items:
        if item.uid in seen:
            continue
        seen.add(item.uid)
        parts.extend(event_lines(item, when, base_url))
    parts.append(closing)
    return "".join(parts).encode("utf-8")


__all__ = ["SHANGHAI", "build_ics", "escape_text", "fold"]
