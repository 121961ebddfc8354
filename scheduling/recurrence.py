"""Recurring items kept as a rule plus overrides, and lunar dates — pure, no clock, no database.

A recurring item (联手兴家's 月会办, 季考评, 半年通报, or any RFC 5545 RRULE) is stored as its
rule text, its first start and its duration, plus one ``Override`` per occurrence that was
moved or cancelled. ``expand`` materialises the occurrences a window needs: those whose
effective time overlaps the window — a moved occurrence at the time it was moved to (also when
it was moved *into* the window from outside, never at its old time), a cancelled one kept and
flagged so calendars can strike it through and feeds can send STATUS:CANCELLED.

Times are naive local datetimes (Asia/Shanghai has no daylight saving, so wall-clock
arithmetic is exact); callers make them aware at the edge.

Lunar dates (农历) cannot be written as an RRULE: a lunar birthday falls on a different solar
date each year. ``lunar_to_solar`` and ``lunar_dates`` compute them through ``lunardate``
(covering lunar years 1900–2099); a day 30 that the month lacks that year becomes day 29 and a
leap month (闰月) that the year lacks becomes the ordinary month of that number.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import msgspec
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr
from lunardate import LunarDate

PRESETS: dict[str, str] = {
    "monthly": "FREQ=MONTHLY",
    "quarterly": "FREQ=MONTHLY;INTERVAL=3",
    "half_yearly": "FREQ=MONTHLY;INTERVAL=6",
    "weekly": "FREQ=WEEKLY",
    "yearly": "FREQ=YEARLY",
}

ALLOWED_FREQUENCIES = {YEARLY, MONTHLY, WEEKLY, DAILY}
LUNAR_FIRST_YEAR = 1900
LUNAR_LAST_YEAR = 2099
MAX_RULE_LENGTH = 500


class Override(msgspec.Struct, frozen=True, gc=False):  # datetimes only: never in a reference cycle
    """One occurrence changed: cancelled, or moved to ``start``/``end`` (either may be left out)."""

    original_start: datetime
    cancelled: bool = False
    start: datetime | None = None
    end: datetime | None = None


class Occurrence(msgspec.Struct, frozen=True, gc=False):  # datetimes only: never in a reference cycle
    original_start: datetime  # the rule's time for it: its identity across moves
    start: datetime
    end: datetime
    cancelled: bool
    moved: bool


_PROBE_START = datetime(2000, 1, 1, 9, 0)


def _strip(rule: str) -> str:
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    return text


def validate_rule(rule: str) -> str | None:
    """A Chinese message saying what is wrong with the RRULE text, or None when it is usable."""
    text = _strip(rule)
    if not text:
        return "请填写重复规则。"
    if len(text) > MAX_RULE_LENGTH:
        return "重复规则太长。"
    if any(ch in text for ch in "\r\n") or ":" in text:
        return "重复规则只能是一行 RRULE，例如 FREQ=MONTHLY;INTERVAL=3。"
    if "DTSTART" in text.upper():
        return "重复规则里不能写开始时间（DTSTART），开始时间另行填写。"
    try:
        parsed = rrulestr(text, dtstart=_PROBE_START)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        if "UNTIL" in str(error).upper():
            return "重复规则的截止时间（UNTIL）请写成本地时间，例如 UNTIL=20271231T235959。"
        return "无法识别的重复规则，请按 RRULE 格式填写，例如 FREQ=MONTHLY;INTERVAL=3。"
    if not isinstance(parsed, rrule):
        return "只能填写一条重复规则。"
    if parsed._freq not in ALLOWED_FREQUENCIES:  # noqa: SLF001 — dateutil keeps it private
        return "重复频率只能是每天、每周、每月或每年（DAILY、WEEKLY、MONTHLY、YEARLY）。"
    if parsed._interval < 1 or parsed._interval > 1000:  # noqa: SLF001
        return "重复间隔（INTERVAL）须在 1 到 1000 之间。"
    return None


@functools.lru_cache(maxsize=4096)
def _parse(rule: str, dtstart: datetime) -> rrule:
    message = validate_rule(rule)
    if message is not None:
        raise ValueError(message)
    return rrulestr(_strip(rule), dtstart=dtstart)


def _overlaps(start: datetime, end: datetime, window_start: datetime, window_end: datetime) -> bool:
    """Half-open overlap; an instant (start == end) counts when window_start <= start < window_end."""
    if start == end:
        return window_start <= start < window_end
    return start < window_end and end > window_start


def _fast_forward(parsed: rrule, dtstart: datetime, before: datetime) -> rrule:
    """The same rule started a whole number of periods later, at least one period before
    ``before``: dateutil walks every occurrence from the start, and a meeting series of several
    years would otherwise be walked from its first month at every request. Only where the
    shift provably keeps the occurrences: no COUNT (it counts from the start); whole days or
    weeks; whole months from a day 1–28; whole years from any day but 29 February. The rule's
    implicit parts (weekday, day of month, month) come from the start and survive such shifts.
    """
    if parsed._count is not None or dtstart >= before:  # noqa: SLF001
        return parsed
    freq, interval = parsed._freq, parsed._interval  # noqa: SLF001
    if freq in (DAILY, WEEKLY):
        step = timedelta(days=interval * (7 if freq == WEEKLY else 1))
        periods = (before - dtstart) // step - 1
        return parsed.replace(dtstart=dtstart + periods * step) if periods > 0 else parsed
    if freq == MONTHLY and dtstart.day <= 28:
        months = (before.year - dtstart.year) * 12 + before.month - dtstart.month
        periods = months // interval - 1
        if periods <= 0:
            return parsed
        index = dtstart.month - 1 + periods * interval
        return parsed.replace(dtstart=dtstart.replace(year=dtstart.year + index // 12, month=index % 12 + 1))
    if freq == YEARLY and (dtstart.month, dtstart.day) != (2, 29):
        periods = (before.year - dtstart.year) // interval - 1
        return parsed.replace(dtstart=dtstart.replace(year=dtstart.year + periods * interval)) if periods > 0 else parsed
    return parsed


def _is_occurrence(parsed: rrule, moment: datetime) -> bool:
    return parsed.after(moment, inc=True) == moment


class _Arithmetic(msgspec.Struct, frozen=True, gc=False):  # datetimes only: never in a reference cycle
    """A rule that is only a fixed step from its start (FREQ=DAILY or WEEKLY with at most INTERVAL,
    COUNT and UNTIL): its occurrences are ``first + k * step``, computed without walking
    dateutil's iterator (the calendar expands hundreds of such series per request)."""

    first: datetime  # the rule's start as dateutil keeps it (whole seconds)
    step: timedelta
    count: int | None
    until: datetime | None

    def _index_ok(self, k: int, moment: datetime) -> bool:
        return k >= 0 and (self.count is None or k < self.count) and (self.until is None or moment <= self.until)

    def between(self, low: datetime, high: datetime) -> list[datetime]:
        """Occurrences in [low, high], like ``rrule.between(low, high, inc=True)``."""
        k = max(0, -((self.first - low) // self.step))  # the first index at or after ``low``
        found = []
        moment = self.first + k * self.step
        while moment <= high and self._index_ok(k, moment):
            found.append(moment)
            k += 1
            moment += self.step
        return found

    def contains(self, moment: datetime) -> bool:
        k, rest = divmod(moment - self.first, self.step)
        return not rest and self._index_ok(k, moment)


_ARITHMETIC_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL"})


@functools.lru_cache(maxsize=4096)
def _arithmetic(rule: str, dtstart: datetime) -> _Arithmetic | None:
    """The rule as a fixed step when it is one (see ``_Arithmetic``), else None (dateutil walks it)."""
    parsed = _parse(rule, dtstart)
    names = {part.split("=", 1)[0].strip().upper() for part in _strip(rule).split(";") if part.strip()}
    if not names <= _ARITHMETIC_PARTS or parsed._freq not in (DAILY, WEEKLY):  # noqa: SLF001
        return None
    days = parsed._interval * (7 if parsed._freq == WEEKLY else 1)  # noqa: SLF001
    return _Arithmetic(parsed._dtstart, timedelta(days=days), parsed._count, parsed._until)  # noqa: SLF001


def expand(
    rule: str,
    dtstart: datetime,
    duration: timedelta,
    window_start: datetime,
    window_end: datetime,
    overrides: Sequence[Override] = (),
) -> list[Occurrence]:
    """The occurrences whose effective time overlaps [window_start, window_end), sorted by start.

    Overrides for times that are not occurrences of the rule are ignored (left over from an
    older rule). Raises ValueError (Chinese message) for a bad rule or a negative duration.
    """
    if duration < timedelta(0):
        raise ValueError("结束时间不能早于开始时间。")
    if window_end <= window_start:
        return []
    parsed = _parse(rule, dtstart)
    by_original: dict[datetime, Override] = {}
    for override in overrides:
        by_original[override.original_start] = override

    def effective(original: datetime) -> Occurrence:
        override = by_original.get(original)
        if override is None:
            return Occurrence(original, original, original + duration, False, False)
        start = override.start if override.start is not None else original
        end = override.end if override.end is not None else start + duration
        if end < start:
            end = start
        moved = (start, end) != (original, original + duration)
        return Occurrence(original, start, end, override.cancelled, moved)

    found: dict[datetime, Occurrence] = {}
    # The rule's own times that could overlap the window (an occurrence starting up to one
    # duration before the window still overlaps it).
    arithmetic = _arithmetic(rule, dtstart)
    if arithmetic is not None:
        originals = arithmetic.between(window_start - duration, window_end)
    else:
        walker = _fast_forward(parsed, dtstart, window_start - duration)
        originals = walker.between(window_start - duration, window_end, inc=True)
    for original in originals:
        occurrence = effective(original)
        if _overlaps(occurrence.start, occurrence.end, window_start, window_end):
            found[original] = occurrence
    # Occurrences moved into the window from elsewhere.
    for original, override in by_original.items():
        if original in found or (override.start is None and override.end is None):
            continue
        occurrence = effective(original)
        if _overlaps(occurrence.start, occurrence.end, window_start, window_end) and (
            arithmetic.contains(original) if arithmetic is not None else _is_occurrence(parsed, original)
        ):
            found[original] = occurrence
    return sorted(found.values(), key=lambda o: (o.start, o.original_start))


def lunar_to_solar(year: int, month: int, day: int, leap: bool = False) -> date:
    """The solar date of lunar ``year``-``month``-``day`` (leap month if ``leap``).

    Day 30 in a 29-day month that year -> day 29; a leap month the year lacks -> the ordinary
    month of that number. Raises ValueError (Chinese message) outside lunar years 1900–2099 or
    for a month/day that no year has.
    """
    if not LUNAR_FIRST_YEAR <= year <= LUNAR_LAST_YEAR:
        raise ValueError(f"农历年份须在 {LUNAR_FIRST_YEAR} 到 {LUNAR_LAST_YEAR} 之间。")
    if not 1 <= month <= 12:
        raise ValueError("农历月份须在 1 到 12 之间。")
    if not 1 <= day <= 30:
        raise ValueError("农历日期须在 1 到 30 之间。")
    if leap and LunarDate.leap_month_for_year(year) != month:
        leap = False
    try:
        return LunarDate(year, month, day, leap).to_solar_date()
    except ValueError:
        if day == 30:
            return LunarDate(year, month, 29, leap).to_solar_date()
        raise


def lunar_dates(month: int, day: int, leap: bool, start: date, end: date) -> list[date]:
    """The solar dates in [start, end) of the yearly lunar date ``month``-``day`` (sorted)."""
    if end <= start:
        return []
    first = max(LUNAR_FIRST_YEAR, start.year - 1)
    last = min(LUNAR_LAST_YEAR, end.year)
    dates = []
    for year in range(first, last + 1):
        solar = lunar_to_solar(year, month, day, leap)
        if start <= solar < end:
            dates.append(solar)
    return sorted(set(dates))
