"""Marks (成绩): times, distances, heights and counts, as referees type them and as sheets print them.

A mark is an integer in its kind's unit, so comparing and sorting never meet a float:

- a time is kept in thousandths of a second. Athletics rules read hand times to the tenth and
  fully automatic (electronic) times to the hundredth, each *rounded up* (10.11 by hand is
  10.2; 10.111 on the photo-finish is 10.12), so a time is rounded when it is read in and the
  thousandth survives only as what the camera saw;
- a distance or a height is kept in whole centimetres, measured *down* to the centimetre below
  (a 5.238 m jump is 5.23 m), as the field-event rules measure;
- a count (踢毽 kicks, 跳绳 skips) or points is a whole number.

Times are better lower; everything else higher, unless an event says otherwise. A mark can
instead be a status — DNS 未出发, DNF 未完成, DQ 犯规, NM 无有效成绩 (a field event with no valid
attempt) — which ranks after every valid mark.

People type times in many ways: ``11.23``, ``11"23``, ``11″23``, ``4:05.67``, ``4'05"67``,
``4分05秒67``, ``1:02:03.4``, in full-width digits and punctuation from a Chinese input method,
with stray spaces. Anything that cannot be read is refused with a message naming what was typed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

import msgspec

Kind = Literal["time", "distance", "height", "count", "points"]
Timing = Literal["hand", "electronic"]
Status = Literal["DNS", "DNF", "DQ", "NM"]

STATUS_LABELS: dict[str, str] = {"DNS": "未出发", "DNF": "未完成", "DQ": "犯规", "NM": "无有效成绩"}
KIND_LABELS: dict[str, str] = {"time": "时间", "distance": "远度", "height": "高度", "count": "次数", "points": "得分"}

# Every status after every valid mark, in this order among themselves: someone who ran and was
# disqualified is listed before someone who did not finish, who is before someone who never started.
STATUS_ORDER: dict[str, int] = {"DQ": 1, "NM": 2, "DNF": 3, "DNS": 4}

# The step a time is rounded up to, in thousandths of a second.
TIMING_STEP: dict[str, int] = {"hand": 100, "electronic": 10}

# What people type for a status, after NFKC and upper-casing.
_STATUS_WORDS: dict[str, str] = {
    "DNS": "DNS", "未出发": "DNS", "未起跑": "DNS", "弃权": "DNS", "缺席": "DNS",
    "DNF": "DNF", "未完成": "DNF", "未跑完": "DNF", "中途退出": "DNF",
    "DQ": "DQ", "犯规": "DQ", "取消资格": "DQ", "失格": "DQ",
    "NM": "NM", "无成绩": "NM", "无有效成绩": "NM",
}


class MarkError(ValueError):
    """A typed mark that cannot be read; the message is shown to the referee as it is (Chinese)."""


class Measure(msgspec.Struct, frozen=True):
    """How an event measures its results: the kind, the timing for times, and the direction."""

    kind: Kind = "time"
    timing: Timing = "electronic"
    lower_is_better: bool | None = None  # None: times lower, everything else higher

    @property
    def lower_wins(self) -> bool:
        return self.kind == "time" if self.lower_is_better is None else self.lower_is_better


class Mark(msgspec.Struct, frozen=True):
    """One result: ``value`` in the kind's unit, or ``status`` when there is no valid mark."""

    kind: Kind
    value: int | None = None
    status: Status | None = None
    timing: Timing | None = None  # times only
    lower_is_better: bool = False

    @property
    def valid(self) -> bool:
        return self.status is None and self.value is not None

    @property
    def measure(self) -> Measure:
        return Measure(self.kind, self.timing or "electronic", self.lower_is_better)


TIME = Measure("time", "electronic")
HAND_TIME = Measure("time", "hand")
DISTANCE = Measure("distance")
HEIGHT = Measure("height")
COUNT = Measure("count")


def sort_key(mark: Mark) -> tuple[int, int]:
    """Best first under plain ascending sort; statuses after every valid mark."""
    if mark.status is not None or mark.value is None:
        return (1, STATUS_ORDER.get(mark.status or "DNS", 9))
    return (0, mark.value if mark.lower_is_better else -mark.value)


def status_mark(status: Status, measure: Measure = TIME) -> Mark:
    return Mark(measure.kind, None, status, _timing(measure), measure.lower_wins)


def time_mark(thousandths: int, measure: Measure = TIME) -> Mark:
    """A time from a clock reading in thousandths, rounded up as the event's timing requires."""
    step = TIMING_STEP[measure.timing]
    return Mark("time", -(-thousandths // step) * step, None, measure.timing, measure.lower_wins)


def parse_mark(text: str, measure: Measure = TIME) -> Mark:
    """The mark a person typed, in ``measure``'s kind; :class:`MarkError` names what was typed."""
    cleaned = _normalise(text)
    if not cleaned:
        raise MarkError("成绩不能为空")
    status = _STATUS_WORDS.get(cleaned.upper())
    if status is not None:
        return status_mark(status, measure)  # type: ignore[arg-type]
    try:
        if measure.kind == "time":
            return time_mark(_thousandths(cleaned), measure)
        if measure.kind in ("distance", "height"):
            return Mark(measure.kind, _centimetres(cleaned), None, None, measure.lower_wins)
        return Mark(measure.kind, _whole(cleaned), None, None, measure.lower_wins)
    except MarkError as why:
        raise MarkError(f"成绩「{text.strip()}」无法识别:{why}") from None


def format_mark(mark: Mark, with_unit: bool = True) -> str:
    """The mark as a result sheet prints it: 11.23, 4:05.67, 1:02:03.4, 5.23 米, 36, 犯规."""
    if not mark.valid:
        return STATUS_LABELS.get(mark.status or "DNS", "")
    value = mark.value or 0
    if mark.kind == "time":
        return _format_time(value, mark.timing or "electronic")
    if mark.kind in ("distance", "height"):
        metres = f"{value // 100}.{value % 100:02d}"
        return f"{metres} 米" if with_unit else metres
    return str(value)


def _timing(measure: Measure) -> Timing | None:
    return measure.timing if measure.kind == "time" else None


def _normalise(text: str) -> str:
    """Full-width digits and punctuation to ASCII, primes and Chinese units to separators."""
    s = unicodedata.normalize("NFKC", text)
    # NFKC turns the double prime ″ into two single primes; both, and 。 from a Chinese input
    # method, are what people mean by " and '.
    s = s.replace("′′", '"').replace("′", "'").replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'")
    s = s.replace("。", ".")
    return "".join(s.split())


_TIME = re.compile(r"(?:(\d+):)?(?:(\d+):)?(\d+)(?:\.(\d*))?")


def _thousandths(s: str) -> int:
    s = s.lower().replace("小时", ":").replace("时", ":").replace("分", ":").replace("秒", ".")
    s = s.replace("'", ":").replace('"', ".")
    if s.endswith("s"):
        s = s[:-1]
    s = s.rstrip(".")
    found = _TIME.fullmatch(s)
    if found is None:
        raise MarkError("时间应写作 秒.百分秒、分:秒.百分秒 或 时:分:秒(如 11.23、4:05.67、1:02:03.4)")
    first, second, seconds_text, fraction = found.groups()
    hours, minutes = (int(first), int(second)) if second is not None else (0, int(first or 0))
    seconds = int(seconds_text)
    if (first is not None) and seconds > 59:
        raise MarkError("秒数不能超过 59")
    if second is not None and minutes > 59:
        raise MarkError("分钟数不能超过 59")
    fraction = fraction or ""
    if len(fraction) > 3:
        raise MarkError("秒的小数最多三位(千分秒)")
    total = ((hours * 60 + minutes) * 60 + seconds) * 1000 + int(fraction.ljust(3, "0"))
    if total == 0:
        raise MarkError("时间不能为零")
    return total


_LENGTH = re.compile(r"(\d+)(?:\.(\d*))?(m|米|公尺|cm|厘米|公分|mm|毫米)?")
_UNIT_IN_MM = {None: 1000, "m": 1000, "米": 1000, "公尺": 1000, "cm": 10, "厘米": 10, "公分": 10, "mm": 1, "毫米": 1}


def _centimetres(s: str) -> int:
    found = _LENGTH.fullmatch(s.lower())
    if found is None:
        raise MarkError("远度或高度应写作 米(如 5.23、5.23m)或 厘米(如 523cm)")
    whole, fraction, unit = found.groups()
    fraction = fraction or ""
    per_mm = _UNIT_IN_MM[unit]
    if len(fraction) > len(str(per_mm)) - 1:
        raise MarkError("小数位数过多")
    if unit is None and not fraction and int(whole) >= 100:
        per_mm = 10  # a bare 523 is centimetres: no jump or throw reaches 100 metres
    millimetres = int(whole) * per_mm + (int(fraction.ljust(len(str(per_mm)) - 1, "0")) if fraction else 0)
    if millimetres == 0:
        raise MarkError("成绩不能为零")
    return millimetres // 10  # measured down to the whole centimetre


def _whole(s: str) -> int:
    s = s.removesuffix("次").removesuffix("个").removesuffix("分")
    if s.startswith("-") and s[1:].isdecimal():
        raise MarkError("不能为负数")
    if not s.isdecimal() or len(s) > 9:  # not isdigit: int() cannot read "²"
        raise MarkError("应为整数")
    return int(s)


def _format_time(thousandths: int, timing: Timing) -> str:
    digits = 1 if timing == "hand" else 2
    fraction = f"{thousandths % 1000:03d}"[:digits]
    seconds = thousandths // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}.{fraction}"
    if minutes:
        return f"{minutes}:{secs:02d}.{fraction}"
    return f"{secs}.{fraction}"
