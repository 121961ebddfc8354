"""Whether a mark is plausible for its event: the guard against a slipped digit on a tablet.

A referee typing 0.50 for a 100 m, or 99999, must not see it saved as a result (or a record
claim) without a second look. A mark outside its event's band is refused until the referee
confirms it; the band is wide on purpose, it only catches what no staff member could do:

- a race of known distance (the event's name says it: 男子100米, 4×100米接力, 50米托球跑) is
  bounded by speed. The fastest is a pace no one reaches: 10.5 m/s over 100 m, easing with
  distance (a world-class 1500 m is 7.3 m/s; the bound there is 8.7), a relay leg 10 % faster
  than a start from blocks. The slowest depends on the race: an athletics race (100米, 1500米,
  a relay) is at worst walked, 1 m/s, so a slipped decimal point (123.5 for 12.35) is caught;
  a fun race is a 0.5 m/s shuffle (a sack race, a three-legged walk) plus two minutes for a
  fall, per leg;
- other marks are bounded by the event's standing record when there is one: a time from half
  the record to ten times it, a distance or height from a tenth of the record to one and a half
  times it, a count or score up to three times it;
- failing both, by the kind of mark: a time from one second to three hours, a distance from
  half a metre to a hundred metres, a height from 30 cm to 3 m, a count up to 5 000.

Units are the marks' own (scheduling.marks): thousandths of a second, centimetres, whole counts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from scheduling.marks import Measure

TOP_SPEED = 10.5  # metres per second over 100 m: faster than any sprinter
SPEED_FADE = 0.07  # top speed × (100 / metres) ** fade: longer races are run slower
RELAY_LEG = 0.9  # a relay leg with a flying start: 10 % faster than from the blocks
SLOWEST = 0.5  # metres per second: a sack race, a three-legged walk
FALL = 120  # seconds added per leg of a fun race for a fall or a false start re-run
WALK = 1.0  # metres per second: an athletics race walked to the line, slower than anyone finishes

_RACE = re.compile(r"(?:(\d+)\s*[×xX*]\s*)?(\d+)\s*(?:米|m|M)")


@dataclass(frozen=True)
class Band:
    """The plausible marks of an event, both ends included, and what the band is based on."""

    low: int
    high: int
    basis: str  # 按 100 米的距离 / 按大会纪录 / 按成绩类型

    def holds(self, value: int) -> bool:
        return self.low <= value <= self.high


def race_distance(name: str) -> tuple[int, int] | None:
    """(legs, metres per leg) from an event's name: 男子100米 → (1, 100), 4×100米接力 → (4, 100);
    None when the name gives no distance (齐心协力, 踢毽)."""
    found = _RACE.search(unicodedata.normalize("NFKC", name))
    if found is None:
        return None
    legs, metres = int(found.group(1) or 1), int(found.group(2))
    if not (1 <= legs <= 20 and 10 <= metres <= 50_000):
        return None
    return legs, metres


def fastest_seconds(metres: int) -> float:
    """A time no one runs ``metres`` under, from blocks."""
    return metres / (TOP_SPEED * (100 / metres) ** SPEED_FADE)


def band(measure: Measure, name: str, record: int | None = None, *, athletics: bool = False) -> Band | None:
    """The plausible marks of an event called ``name`` measured by ``measure``; None for points
    with no record (their scale is the event's own). ``athletics``: a race that is run, not a
    fun race, so its slowest is a walk."""
    if measure.kind == "time":
        race = race_distance(name)
        if race is not None:
            return _race_band(*race, athletics=athletics)
        if record is not None:
            return Band(record // 2, record * 10, "按大会纪录")
        return Band(1_000, 3 * 3600_000, "按成绩类型")
    if record is not None:
        if measure.kind in ("distance", "height"):
            return Band(max(1, record // 10), record * 3 // 2, "按大会纪录")
        return Band(0, max(record * 3, 10), "按大会纪录")
    return {
        "distance": Band(50, 10_000, "按成绩类型"),
        "height": Band(30, 300, "按成绩类型"),
        "count": Band(0, 5_000, "按成绩类型"),
    }.get(measure.kind)


def _race_band(legs: int, metres: int, *, athletics: bool) -> Band:
    fastest = fastest_seconds(metres) * (1 if legs == 1 else legs * RELAY_LEG)
    slowest = legs * metres / WALK if athletics else legs * (metres / SLOWEST + FALL)
    distance = f"{legs}×{metres}" if legs > 1 else f"{metres}"
    return Band(int(fastest * 1000), int(slowest * 1000), f"按 {distance} 米的距离")
