"""The .ics writer (events/ics_feed.py): read back by two independent parsers, icalendar and
vobject, and compared event by event with what icalendar builds itself from the same item."""

from __future__ import annotations

import datetime as dt

import icalendar
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from events.calendar_items import SHANGHAI, CalendarItem
from events.ics_feed import build_ics, kind_label

STAMP = dt.datetime(2027, 1, 10, 8, 30, tzinfo=dt.UTC)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


MEETING = CalendarItem(
    uid="pairing-meeting-3-20270115T0900@zhijia", kind="pairing_meeting", title="月会办:一车间 × 合作单位",
    start=at(2027, 1, 15, 9), end=at(2027, 1, 15, 11), location="工会会议室, 三楼", sequence=2,
    description="议程:通报;交流\n第二项", url="/pairings/3",
)
CANCELLED = CalendarItem(uid="pairing-meeting-3-20270215T0900@zhijia", kind="pairing_meeting", title="月会办",
                         start=at(2027, 2, 15, 9), end=at(2027, 2, 15, 11), status="cancelled", sequence=1)
ALL_DAY = CalendarItem(uid="meet-1-day-20271120@zhijia", kind="meet", title="第六届职工运动会(第1天)",
                       start=at(2027, 11, 20), end=at(2027, 11, 21), all_day=True)
PRIVATE = CalendarItem(uid="occasion-9@zhijia", kind="occasion", title="张三 住院探望", start=at(2027, 3, 2, 15),
                       end=at(2027, 3, 2, 16), location="市第一人民医院 5 楼", description="电话 13800001111",
                       private=True, people=(9,))


def _feed(*items: CalendarItem) -> bytes:
    return build_ics(list(items), name="职工之家 · 测试", stamp=STAMP, base_url="https://zhijia.example")


def test_both_parsers_read_the_same_events() -> None:
    data = _feed(MEETING, CANCELLED, ALL_DAY, PRIVATE)
    parsed = icalendar.Calendar.from_ical(data)
    events = parsed.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [MEETING.uid, CANCELLED.uid, ALL_DAY.uid, PRIVATE.uid]
    assert str(parsed["X-WR-CALNAME"]) == "职工之家 · 测试"
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    first = events[0]
    assert first.decoded("DTSTART") == at(2027, 1, 15, 9) and first.decoded("DTEND") == at(2027, 1, 15, 11)
    assert str(first["SUMMARY"]) == MEETING.title and str(first["LOCATION"]) == MEETING.location
    assert str(first["DESCRIPTION"]) == MEETING.description and int(first["SEQUENCE"]) == 2
    assert str(first["URL"]) == "https://zhijia.example/pairings/3"
    assert str(events[1]["STATUS"]) == "CANCELLED"
    assert events[2].decoded("DTSTART") == dt.date(2027, 11, 20) and events[2].decoded("DTEND") == dt.date(2027, 11, 21)

    cal = vobject.readOne(data.decode("utf-8"))
    vevents = cal.vevent_list
    assert [e.uid.value for e in vevents] == [MEETING.uid, CANCELLED.uid, ALL_DAY.uid, PRIVATE.uid]
    assert vevents[0].dtstart.value == at(2027, 1, 15, 9) and vevents[0].summary.value == MEETING.title
    assert vevents[0].location.value == MEETING.location and vevents[0].description.value == MEETING.description
    assert vevents[1].status.value == "CANCELLED" and vevents[2].dtstart.value == dt.date(2027, 11, 20)


def test_private_items_show_only_their_kind_and_time() -> None:
    data = _feed(PRIVATE)
    for secret in ("张三", "医院", "13800001111"):
        assert secret.encode() not in data
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == kind_label("occasion") and str(event["CLASS"]) == "PRIVATE"
    assert "LOCATION" not in event and "DESCRIPTION" not in event


def test_lines_are_folded_at_75_octets_and_end_with_crlf() -> None:
    long = CalendarItem(uid="x@zhijia", kind="exchange", title="成果展示交流会" * 20, start=at(2027, 5, 1, 9),
                        description="很长的说明;含分号,逗号\\反斜杠" * 10)
    data = _feed(long)
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == long.title and str(event["DESCRIPTION"]) == long.description


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", ";", ",", "\\", "\n", "\r", "中", "文", "😀", "é", " "]), max_size=200))
def test_folding_and_escaping_keep_every_character_and_split_none(text: str) -> None:
    """Folded lines are at most 75 octets, each valid UTF-8 on its own, and unfold to the escaped value."""
    from events.ics_feed import escape_text, fold

    line = "DESCRIPTION:" + escape_text(text)
    folded = fold(line).encode("utf-8")
    assert folded.endswith(b"\r\n")
    pieces = folded[:-2].split(b"\r\n")
    assert all(len(piece) <= 75 for piece in pieces) and all(piece.startswith(b" ") for piece in pieces[1:])
    assert b"".join([pieces[0], *(piece[1:] for piece in pieces[1:])]).decode("utf-8") == line
    for piece in pieces:
        piece.decode("utf-8")  # no character split across lines
    assert "\r" not in escape_text(text) and "\n" not in escape_text(text)


def test_a_uid_given_twice_is_written_once() -> None:
    data = _feed(MEETING, MEETING)
    assert data.count(b"BEGIN:VEVENT") == 1


def reference_event(item: CalendarItem) -> icalendar.Event:
    """The same item built as an icalendar component (the slow way the writer replaces)."""
    event = icalendar.Event()
    event.add("uid", item.uid)
    event.add("dtstamp", STAMP)
    if item.all_day:
        event.add("dtstart", item.start.date())
        event.add("dtend", max(item.end.date() if item.end else item.start.date(), item.start.date() + dt.timedelta(days=1)))
    else:
        event.add("dtstart", item.start)
        if item.end is not None and item.end > item.start:
            event.add("dtend", item.end)
    event.add("sequence", item.sequence)
    event.add("status", {"cancelled": "CANCELLED", "tentative": "TENTATIVE"}.get(item.status, "CONFIRMED"))
    event.add("summary", ("[已取消] " if item.status == "cancelled" else "") + item.title)
    if item.location:
        event.add("location", item.location)
    if item.description:
        event.add("description", item.description)
    event.add("categories", [kind_label(item.kind)])
    return event


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r") | st.sampled_from(list(";,\\\n:\"'")), max_size=120)


@st.composite
def items(draw) -> CalendarItem:
    start = at(2027, 1, 1) + dt.timedelta(minutes=draw(st.integers(min_value=0, max_value=600_000)))
    all_day = draw(st.booleans())
    if all_day:
        start = start.replace(hour=0, minute=0)
        end = start + dt.timedelta(days=draw(st.integers(min_value=1, max_value=5)))
    else:
        end = start + dt.timedelta(minutes=draw(st.integers(min_value=0, max_value=600)))
    return CalendarItem(
        uid=draw(st.from_regex(r"[a-z0-9-]{1,40}@zhijia", fullmatch=True)),
        kind=draw(st.sampled_from(["meet", "match", "pairing_meeting", "occasion", "other"])),
        title=draw(texts.filter(lambda t: t.strip() == t and t != "")),
        start=start, end=end, all_day=all_day, location=draw(texts.filter(lambda t: t.strip() == t)),
        description=draw(texts.filter(lambda t: t.strip() == t)), sequence=draw(st.integers(min_value=0, max_value=99)),
        status=draw(st.sampled_from(["confirmed", "tentative", "cancelled", "done"])),
    )


@settings(max_examples=150, deadline=None)
@given(items())
def test_every_event_equals_the_one_icalendar_builds(item: CalendarItem) -> None:
    written = icalendar.Calendar.from_ical(_feed(item)).walk("VEVENT")[0]
    expected = reference_event(item)
    for name in ("UID", "SUMMARY", "LOCATION", "DESCRIPTION", "STATUS"):
        assert str(written.get(name, "")) == str(expected.get(name, "")), name
    for name in ("DTSTART", "DTEND", "DTSTAMP", "SEQUENCE"):
        assert (written.decoded(name) if name in written else None) == (expected.decoded(name) if name in expected else None), name
    card = vobject.readOne(_feed(item).decode("utf-8")).vevent
    assert card.summary.value == str(expected["SUMMARY"])
    assert (card.description.value if hasattr(card, "description") else "") == item.description
