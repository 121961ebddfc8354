"""Tables of the union's slower activities: 联手兴家 pairings and their meetings, member occasions,
and the calendar subscription feeds (seeds/004, seeds/003 篇二/篇十五; issue 6).

A pairing (联手结对) joins a model 职工之家 unit with partner units for a period; each partner's
level (未达标 / 合格 / 模范) is kept with its history. Meetings come as series: a rule (RRULE text,
e.g. ``FREQ=MONTHLY`` for 月会办) and a local start, or no rule for a one-off meeting such as the
经验交流暨成果展示会. An occurrence is stored only once something happens to it — moved,
cancelled, or its minutes recorded — keyed by the series and the start the rule gave it
(``original_start``), so editing the rule never loses what was recorded.

Datetimes of meetings and occasions are naive local Asia/Shanghai times (no DST there); audit
times are aware UTC like everywhere else. Units are free text, as in the people archive
(``Person.unit``).
"""

from __future__ import annotations

import datetime as dt
import enum

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from events.models import Base, _in, utcnow


class PartnerLevel(enum.StrEnum):
    """Where a partner unit stands against the 职工之家 standard (六有三公开)."""

    BELOW = "未达标"
    QUALIFIED = "合格"
    MODEL = "模范"


class MeetingKind(enum.StrEnum):
    MONTHLY = "monthly"  # 月会办
    QUARTERLY = "quarterly"  # 季考评
    HALF_YEARLY = "half_yearly"  # 半年通报
    JOINT = "joint"  # 联席会议
    EXCHANGE = "exchange"  # 经验交流暨成果展示会
    CUSTOM = "custom"  # 其他活动 (互查互促, 联谊 …)


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class OccasionKind(enum.StrEnum):
    BIRTHDAY = "birthday"  # 生日
    WEDDING = "wedding"  # 婚礼
    FUNERAL = "funeral"  # 丧事
    HOSPITAL = "hospital"  # 住院探望
    WOMENS_DAY = "womens_day"  # 三八活动
    LABOUR_DAY = "labour_day"  # 五一活动
    OTHER = "other"


class Pairing(Base):
    """A 联手兴家 pairing: a model 职工之家 unit and its partner units, for a period, with goals."""

    __tablename__ = "pairing"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="period"),
        CheckConstraint("name <> '' AND model_unit <> ''", name="names"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)  # 一车间职工之家联手兴家
    model_unit: Mapped[str] = mapped_column(String(80))  # the model 职工之家 unit
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    goals: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class PairingPartner(Base):
    """A partner unit (联手单位) of a pairing, with its current level."""

    __tablename__ = "pairing_partner"
    __table_args__ = (
        UniqueConstraint("pairing_id", "unit"),
        CheckConstraint(_in("level", PartnerLevel), name="level"),
        CheckConstraint("unit <> ''", name="unit"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairing.id", ondelete="CASCADE"), index=True)
    unit: Mapped[str] = mapped_column(String(80))
    contact: Mapped[str] = mapped_column(String(60), default="")  # the partner union's chair, phone
    level: Mapped[str] = mapped_column(String(4), default=PartnerLevel.BELOW)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PartnerLevelChange(Base):
    """One change of a partner's level: who, when, from, to, why. Never edited."""

    __tablename__ = "partner_level_change"
    __table_args__ = (
        CheckConstraint(_in("to_level", PartnerLevel), name="to_level"),
        CheckConstraint(
            "from_level IS NULL OR (" + _in("from_level", PartnerLevel) + " AND from_level <> to_level)",
            name="from_level",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("pairing_partner.id", ondelete="CASCADE"), index=True)
    from_level: Mapped[str | None] = mapped_column(String(4))  # None: the level it started with
    to_level: Mapped[str] = mapped_column(String(4))
    note: Mapped[str] = mapped_column(Text, default="")
    changed_on: Mapped[dt.date] = mapped_column(Date)  # the evaluation's date (季考评 …)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class MeetingSeries(Base):
    """Meetings of a pairing: a rule and a first start, or one meeting when ``rule`` is empty.

    ``sequence`` is bumped on every change of the series (RFC 5545 SEQUENCE of each occurrence
    is the series' plus the occurrence's own).
    """

    __tablename__ = "meeting_series"
    __table_args__ = (
        CheckConstraint(_in("kind", MeetingKind), name="kind"),
        CheckConstraint("duration_minutes BETWEEN 5 AND 1440", name="duration"),
        CheckConstraint("sequence >= 0", name="sequence"),
        CheckConstraint("title <> ''", name="title"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairing.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(80))
    rule: Mapped[str] = mapped_column(String(200), default="")  # RRULE text; "" for a one-off meeting
    dtstart: Mapped[dt.datetime] = mapped_column(DateTime())  # naive local Asia/Shanghai
    duration_minutes: Mapped[int] = mapped_column(Integer, default=90)
    location: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class MeetingOccurrence(Base):
    """One occurrence of a series that is more than its rule: moved, cancelled or recorded."""

    __tablename__ = "meeting_occurrence"
    __table_args__ = (
        UniqueConstraint("series_id", "original_start"),
        CheckConstraint(_in("status", MeetingStatus), name="status"),
        CheckConstraint(
            "(moved_start IS NULL AND moved_end IS NULL)"
            " OR (moved_start IS NOT NULL AND moved_end IS NOT NULL AND moved_end > moved_start)",
            name="moved",
        ),
        CheckConstraint("status <> 'cancelled' OR cancel_reason <> ''", name="cancel_reason"),
        CheckConstraint("status <> 'held' OR minutes <> ''", name="held_minutes"),
        CheckConstraint("attendee_count IS NULL OR attendee_count >= 0", name="attendee_count"),
        CheckConstraint("sequence >= 0", name="sequence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("meeting_series.id", ondelete="CASCADE"), index=True)
    original_start: Mapped[dt.datetime] = mapped_column(DateTime())  # the start the rule gives
    moved_start: Mapped[dt.datetime | None] = mapped_column(DateTime())
    moved_end: Mapped[dt.datetime | None] = mapped_column(DateTime())
    status: Mapped[str] = mapped_column(String(10), default=MeetingStatus.PLANNED)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")  # 会议纪要
    attendance: Mapped[str] = mapped_column(Text, default="")  # who attended, by unit
    attendee_count: Mapped[int | None] = mapped_column(Integer)
    outcomes: Mapped[str] = mapped_column(Text, default="")  # 成果: decisions, agreements, tasks
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)

    @property
    def has_minutes(self) -> bool:
        """Minutes written (the calendar reads the same fact as a column of plain rows)."""
        return self.minutes != ""


class MemberOccasion(Base):
    """A member's occasion the union marks (婚丧病, 篇二), or a 三八/五一 activity.

    Birthdays come from the people archive (``Person.birth_date`` or its lunar birthday); a row
    of kind ``birthday`` is for a birthday the union marks specially (a round one). A row without
    a person is a union activity (三八, 五一, other) and needs a title.
    """

    __tablename__ = "member_occasion"
    __table_args__ = (
        CheckConstraint(_in("kind", OccasionKind), name="kind"),
        CheckConstraint(
            "person_id IS NOT NULL OR (kind IN ('womens_day', 'labour_day', 'other') AND title <> '')",
            name="person",
        ),
        CheckConstraint("remind_days BETWEEN 0 AND 60", name="remind_days"),
        CheckConstraint("sequence >= 0", name="sequence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(80), default="")
    occurs_on: Mapped[dt.date] = mapped_column(Date, index=True)
    at_time: Mapped[dt.time | None] = mapped_column(Time)  # None: all day
    location: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    remind_days: Mapped[int] = mapped_column(Integer, default=3)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Cancelled occasions are kept, marked: a subscribed phone calendar strikes them instead of
    # silently losing them.
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class CalendarFeed(Base):
    """A secret per-user calendar subscription URL; only the SHA-256 of its token is stored."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
