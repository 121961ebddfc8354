"""Tables of the meet timetable (赛程): sessions, durations, settings, timetables and their slots.

A timetable is one solved schedule of a meet: a draft the organiser improves, pins and moves,
then publishes. Its slots keep, besides time and place, the people and teams of each item, so
clash warnings and personal schedules read one table. Times are integer minutes from 00:00 of
the meet's first day (scheduling.timetable); ``sequence`` is bumped whenever a slot changes, for
the calendar feed (RFC 5545 SEQUENCE).
"""

from __future__ import annotations

import datetime as dt
import enum

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from events.models import Base, _in, utcnow


class TimetableStatus(enum.StrEnum):
    DRAFT = "draft"  # 草稿: improved, pinned, moved; not shown to leaders
    PUBLISHED = "published"  # 已公布: the meet's timetable
    SUPERSEDED = "superseded"  # replaced by a later published timetable


class SolverStatus(enum.StrEnum):
    GREEDY = "greedy"  # the greedy schedule, no improvement asked
    RUNNING = "running"  # CP-SAT improving in the background
    IMPROVED = "improved"  # CP-SAT stopped at its time limit with its best
    OPTIMAL = "optimal"  # CP-SAT proved its schedule optimal
    FAILED = "failed"  # CP-SAT found nothing better or failed; the greedy schedule stands


class MeetSession(Base):
    """A block of competition time on one day of a meet (e.g. 08:30–11:30)."""

    __tablename__ = "meet_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times"),
        UniqueConstraint("meet_id", "day", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meet.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    starts_at: Mapped[dt.time] = mapped_column(Time)
    ends_at: Mapped[dt.time] = mapped_column(Time)


class TimetableSetting(Base):
    """A meet's timetable settings: rest between a person's items, CP-SAT time, the ceremony."""

    __tablename__ = "timetable_setting"
    __table_args__ = (
        CheckConstraint("min_rest BETWEEN 0 AND 240", name="min_rest"),
        CheckConstraint("improve_seconds BETWEEN 1 AND 600", name="improve_seconds"),
        CheckConstraint("ceremony_minutes BETWEEN 0 AND 240", name="ceremony_minutes"),
    )

    meet_id: Mapped[int] = mapped_column(ForeignKey("meet.id", ondelete="CASCADE"), primary_key=True)
    min_rest: Mapped[int] = mapped_column(Integer, default=15)
    improve_seconds: Mapped[int] = mapped_column(Integer, default=20)
    ceremony_minutes: Mapped[int] = mapped_column(Integer, default=30)  # 0: no opening ceremony
    ceremony_venue_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id", ondelete="SET NULL"))


class EventDuration(Base):
    """How long one item of an event lasts: ``stage`` "all" for every round, "final" for the final."""

    __tablename__ = "event_duration"
    __table_args__ = (
        UniqueConstraint("event_id", "stage"),
        CheckConstraint("stage IN ('all', 'final')", name="stage"),
        CheckConstraint("minutes BETWEEN 1 AND 600", name="minutes"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(8))
    minutes: Mapped[int] = mapped_column(Integer)


class Timetable(Base):
    """One solved schedule of a meet, with its finish time against the lower bound."""

    __tablename__ = "timetable"
    __table_args__ = (
        CheckConstraint(_in("status", TimetableStatus), name="status"),
        CheckConstraint(_in("solver_status", SolverStatus), name="solver_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meet.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=TimetableStatus.DRAFT)
    finish: Mapped[int] = mapped_column(Integer)  # minutes from 00:00 of the first day
    greedy_finish: Mapped[int] = mapped_column(Integer)
    bound: Mapped[int] = mapped_column(Integer)
    bound_parts: Mapped[dict] = mapped_column(JSON, default=dict)
    solver_status: Mapped[str] = mapped_column(String(12), default=SolverStatus.GREEDY)
    # While CP-SAT runs: [[seconds, finish, bound], ...], written by whichever worker runs it.
    progress: Mapped[list] = mapped_column(JSON, default=list)
    improve_until: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    problem: Mapped[str] = mapped_column(Text)  # scheduling.timetable.Problem as JSON, for checks
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class TimetableSlot(Base):
    """One item of a timetable placed: when, where (venue and court/table), who."""

    __tablename__ = "timetable_slot"
    __table_args__ = (
        UniqueConstraint("timetable_id", "item_key"),
        CheckConstraint("ends > starts", name="times"),
        CheckConstraint("unit >= 1", name="unit"),
        CheckConstraint("units >= 1", name="units"),
        CheckConstraint("kind IN ('match', 'heat', 'round', 'ceremony')", name="kind"),
        CheckConstraint("sequence >= 0", name="sequence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    timetable_id: Mapped[int] = mapped_column(ForeignKey("timetable.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(40))  # "m:12", "h:7", "r:3:next", "ceremony"
    kind: Mapped[str] = mapped_column(String(10))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    event_name: Mapped[str] = mapped_column(String(60), default="")
    round_name: Mapped[str] = mapped_column(String(40), default="")
    label: Mapped[str] = mapped_column(String(120))
    starts: Mapped[int] = mapped_column(Integer)
    ends: Mapped[int] = mapped_column(Integer)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id", ondelete="SET NULL"))
    venue_name: Mapped[str] = mapped_column(String(60), default="")
    unit: Mapped[int] = mapped_column(Integer, default=1)
    units: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # a block from ``unit`` (a Swiss round's boards)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    person_ids: Mapped[list] = mapped_column(JSON, default=list)
    team_ids: Mapped[list] = mapped_column(JSON, default=list)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
