"""How an event's marks are read, compared and printed: the bridge to scheduling.marks."""

from __future__ import annotations

from events.models import Event, EventKind, MeasureKind
from scheduling.marks import Mark, Measure, format_mark

MARK_KINDS = {EventKind.INDIVIDUAL_TIMED, EventKind.INDIVIDUAL_MEASURED, EventKind.RELAY, EventKind.TEAM_TIMED}


def is_mark_event(event: Event) -> bool:
    """Timed and measured events are decided by marks; the others by matches."""
    return EventKind(event.kind) in MARK_KINDS


def measure_of(event: Event) -> Measure:
    kind = event.measure or (MeasureKind.COUNT if event.kind == EventKind.INDIVIDUAL_MEASURED else MeasureKind.TIME)
    return Measure(kind, event.timing or "electronic")  # type: ignore[arg-type]


def mark_of(measure: Measure, value: int | None, status: str | None) -> Mark:
    """The stored value or status as a mark; both empty reads as DNS (no mark yet is handled by callers)."""
    timing = measure.timing if measure.kind == "time" else None
    return Mark(measure.kind, value, status if value is None else None, timing, measure.lower_wins)  # type: ignore[arg-type]


def shown(measure: Measure, value: int | None, status: str | None) -> str:
    """The mark as sheets print it, '' when nothing is entered yet."""
    if value is None and status is None:
        return ""
    return format_mark(mark_of(measure, value, status))


def is_better(measure: Measure, a: int, b: int) -> bool:
    """Whether mark value ``a`` beats ``b`` in this measure."""
    return a < b if measure.lower_wins else a > b
