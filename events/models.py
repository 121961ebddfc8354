"""Tables of zhijia. Each class is one concept of the glossary (design.md).

Rules the services check are backed here by UNIQUE, CHECK and foreign-key constraints, so a
bug in a service cannot store what the rules forbid.
"""

from __future__ import annotations

import datetime as dt
import enum

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _in(column: str, enum_cls: type[enum.StrEnum]) -> str:
    values = ", ".join(f"'{member.value}'" for member in enum_cls)
    return f"{column} IN ({values})"


class Gender(enum.StrEnum):
    MALE = "M"
    FEMALE = "F"


class Division(enum.StrEnum):
    """Who may enter an event."""

    MEN = "men"
    WOMEN = "women"
    MIXED = "mixed"
    OPEN = "open"


class EventKind(enum.StrEnum):
    INDIVIDUAL_TIMED = "individual_timed"
    INDIVIDUAL_MEASURED = "individual_measured"
    INDIVIDUAL_MATCH = "individual_match"
    TEAM_MATCH = "team_match"
    RELAY = "relay"
    TEAM_TIMED = "team_timed"

    @property
    def is_team(self) -> bool:
        return self in (EventKind.TEAM_MATCH, EventKind.RELAY, EventKind.TEAM_TIMED)


class Sport(enum.StrEnum):
    BASKETBALL = "basketball"
    TABLE_TENNIS = "table_tennis"
    CHESS = "chess"
    CARDS = "cards"
    TUG_OF_WAR = "tug_of_war"
    ATHLETICS = "athletics"
    BADMINTON = "badminton"
    FUN = "fun"


class Format(enum.StrEnum):
    ROUND_ROBIN = "round_robin"
    KNOCKOUT = "knockout"
    GROUPS_KNOCKOUT = "groups_knockout"
    SWISS = "swiss"
    HEATS_FINAL = "heats_final"
    TIMED_FINAL = "timed_final"
    MASS_START = "mass_start"


class VenueKind(enum.StrEnum):
    TRACK = "track"
    COURT = "court"
    TABLE = "table"
    HALL = "hall"
    FIELD = "field"


class Role(enum.StrEnum):
    ORGANISER = "organiser"
    LEADER = "leader"
    REFEREE = "referee"


class Person(Base):
    """A staff member in the union's member archive; not tied to one meet."""

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint(_in("gender", Gender), name="gender"),
        CheckConstraint(
            "(lunar_birth_month IS NULL AND lunar_birth_day IS NULL)"
            " OR (lunar_birth_month IS NOT NULL AND lunar_birth_day IS NOT NULL"
            " AND lunar_birth_month BETWEEN 1 AND 12 AND lunar_birth_day BETWEEN 1 AND 30)",
            name="lunar_birthday",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), index=True)  # names on forms are matched to the archive
    gender: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    # A birthday kept by the lunar calendar (农历), celebrated on a different solar date each year.
    lunar_birth_month: Mapped[int | None] = mapped_column(Integer)
    lunar_birth_day: Mapped[int | None] = mapped_column(Integer)
    lunar_birth_leap: Mapped[bool] = mapped_column(Boolean, default=False)  # 闰月
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    unit: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class Meet(Base):
    """One edition of a staff sports meet (第N届职工运动会)."""

    __tablename__ = "meet"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates"),
        CheckConstraint("registration_closes >= registration_opens", name="window"),
        CheckConstraint("per_person_limit BETWEEN 1 AND 20", name="limit"),
        CheckConstraint("edition >= 1", name="edition"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    edition: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(80), default="")
    location: Mapped[str] = mapped_column(String(120), default="")
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    registration_opens: Mapped[dt.date] = mapped_column(Date)
    registration_closes: Mapped[dt.date] = mapped_column(Date)
    per_person_limit: Mapped[int] = mapped_column(Integer, default=3)
    # Event kinds whose entries count toward the per-person limit (the seed counts all).
    counted_kinds: Mapped[list[str]] = mapped_column(JSON, default=lambda: [k.value for k in EventKind])
    # Team points (团体总分): scheduling.points.PointsRules as JSON; {} means the defaults.
    points_rules: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)

    events: Mapped[list[Event]] = relationship(
        back_populates="meet", lazy="raise", order_by="Event.position", passive_deletes=True
    )
    teams: Mapped[list[Team]] = relationship(
        back_populates="meet", lazy="raise", order_by="Team.number", passive_deletes=True
    )
    venues: Mapped[list[Venue]] = relationship(
        back_populates="meet", lazy="raise", order_by="Venue.name", passive_deletes=True
    )


class Venue(Base):
    """A place of competition; ``capacity`` identical courts or tables form one venue."""

    __tablename__ = "venue"
    __table_args__ = (
        UniqueConstraint("meet_id", "name"),
        CheckConstraint(_in("kind", VenueKind), name="kind"),
        CheckConstraint("capacity >= 1", name="capacity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meet.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(16))
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    meet: Mapped[Meet] = relationship(back_populates="venues", lazy="raise")


class Event(Base):
    """A contested event of a meet (小项), e.g. 男子100米."""

    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("meet_id", "code"),
        UniqueConstraint("meet_id", "name"),
        UniqueConstraint("id", "meet_id"),
        CheckConstraint(_in("sport", Sport), name="sport"),
        CheckConstraint(_in("division", Division), name="division"),
        CheckConstraint(_in("kind", EventKind), name="kind"),
        CheckConstraint(_in("format", Format), name="format"),
        CheckConstraint("team_quota IS NULL OR team_quota >= 1", name="quota"),
        CheckConstraint("max_men IS NULL OR max_men >= 0", name="max_men"),
        CheckConstraint("max_women IS NULL OR max_women >= 0", name="max_women"),
        CheckConstraint(
            "roster_min IS NULL OR roster_max IS NULL OR roster_min <= roster_max", name="roster"
        ),
        CheckConstraint("award_places BETWEEN 0 AND 16", name="awards"),
        CheckConstraint("best_of IN (1, 3, 5, 7)", name="best_of"),
        CheckConstraint("final_best_of IS NULL OR final_best_of IN (1, 3, 5, 7)", name="final_best_of"),
        CheckConstraint("measure IS NULL OR measure IN ('time', 'distance', 'height', 'count', 'points')", name="measure"),
        CheckConstraint("timing IN ('hand', 'electronic')", name="timing"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meet.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(60))
    sport: Mapped[str] = mapped_column(String(20))
    division: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(24))
    format: Mapped[str] = mapped_column(String(20))
    # Individual events: entrants per team. Team events: squads per team. NULL: unlimited.
    team_quota: Mapped[int | None] = mapped_column(Integer)
    roster_min: Mapped[int | None] = mapped_column(Integer)
    roster_max: Mapped[int | None] = mapped_column(Integer)
    max_men: Mapped[int | None] = mapped_column(Integer)
    max_women: Mapped[int | None] = mapped_column(Integer)
    award_places: Mapped[int] = mapped_column(Integer, default=3)
    best_of: Mapped[int] = mapped_column(Integer, default=1)
    final_best_of: Mapped[int | None] = mapped_column(Integer)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Timed and measured events: what a mark is, and how times are read (scheduling.marks).
    measure: Mapped[str | None] = mapped_column(String(10))
    timing: Mapped[str] = mapped_column(String(12), default="electronic")
    meet: Mapped[Meet] = relationship(back_populates="events", lazy="raise")
    venue: Mapped[Venue | None] = relationship(lazy="raise")

    @property
    def event_kind(self) -> EventKind:
        return EventKind(self.kind)

    @property
    def is_team_event(self) -> bool:
        return self.event_kind.is_team


class Team(Base):
    """A workshop or department fielding athletes in one meet (代表队)."""

    __tablename__ = "team"
    __table_args__ = (
        UniqueConstraint("meet_id", "name"),
        UniqueConstraint("meet_id", "number"),
        UniqueConstraint("id", "meet_id"),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meet.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(16), default="车间")
    meet: Mapped[Meet] = relationship(back_populates="teams", lazy="raise")


class TeamMember(Base):
    """A person on a team for one meet: the athlete. One team per person per meet."""

    __tablename__ = "team_member"
    __table_args__ = (
        UniqueConstraint("meet_id", "person_id"),
        UniqueConstraint("meet_id", "person_id", "team_id"),
        UniqueConstraint("meet_id", "bib"),
        ForeignKeyConstraint(["team_id", "meet_id"], ["team.id", "team.meet_id"], ondelete="CASCADE"),
        CheckConstraint("bib IS NULL OR bib >= 1", name="bib"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meet.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(Integer, index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="RESTRICT"), index=True)
    bib: Mapped[int | None] = mapped_column(Integer)
    person: Mapped[Person] = relationship(lazy="raise")
    team: Mapped[Team] = relationship(lazy="raise", foreign_keys=[team_id], primaryjoin="TeamMember.team_id == Team.id")


class EntryStatus(enum.StrEnum):
    ENTERED = "entered"  # 已报名, awaiting the referees' final review
    APPROVED = "approved"  # 资格终审通过
    REJECTED = "rejected"  # 资格终审未通过 (with a reason)


class MeetSlot(Base):
    """Rows 1..per_person_limit of a meet: an entry's ``person_slot`` must be one of them.

    With UNIQUE (meet_id, person_id, person_slot) on entries this makes the per-person limit
    a database rule: a person can hold at most ``per_person_limit`` counted entries.
    """

    __tablename__ = "meet_slot"

    meet_id: Mapped[int] = mapped_column(ForeignKey("meet.id", ondelete="CASCADE"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)


class EventSlot(Base):
    """Rows 1..team_quota of an individual event: an entry's ``team_slot`` must be one of them."""

    __tablename__ = "event_slot"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)


class Entry(Base):
    """A person entered in an event for their team (报名). Team events group entries by squad."""

    __tablename__ = "entry"
    __table_args__ = (
        UniqueConstraint("event_id", "person_id"),
        UniqueConstraint("meet_id", "person_id", "person_slot"),
        UniqueConstraint("event_id", "team_id", "team_slot"),
        ForeignKeyConstraint(["event_id", "meet_id"], ["event.id", "event.meet_id"], ondelete="CASCADE"),
        ForeignKeyConstraint(
            ["meet_id", "person_id", "team_id"],
            ["team_member.meet_id", "team_member.person_id", "team_member.team_id"],
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(["meet_id", "person_slot"], ["meet_slot.meet_id", "meet_slot.n"], ondelete="RESTRICT"),
        ForeignKeyConstraint(["event_id", "team_slot"], ["event_slot.event_id", "event_slot.n"], ondelete="RESTRICT"),
        CheckConstraint(_in("status", EntryStatus), name="status"),
        CheckConstraint("squad >= 1", name="squad"),
        CheckConstraint("status <> 'rejected' OR review_reason <> ''", name="reject_reason"),
        Index("ix_entry_team_event", "team_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meet_id: Mapped[int] = mapped_column(Integer, index=True)
    event_id: Mapped[int] = mapped_column(Integer)
    team_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(Integer)
    squad: Mapped[int] = mapped_column(Integer, default=1)
    person_slot: Mapped[int | None] = mapped_column(Integer)  # NULL: event kind not counted
    team_slot: Mapped[int | None] = mapped_column(Integer)  # NULL: no per-team quota
    status: Mapped[str] = mapped_column(String(12), default=EntryStatus.ENTERED)
    review_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    person: Mapped[Person] = relationship(lazy="raise", foreign_keys=[person_id], primaryjoin="Entry.person_id == Person.id")
    event: Mapped[Event] = relationship(lazy="raise", foreign_keys=[event_id], primaryjoin="Entry.event_id == Event.id")


class UserAccount(Base):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(_in("role", Role), name="role"),
        CheckConstraint("role <> 'leader' OR team_id IS NOT NULL", name="leader_team"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="RESTRICT"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # 裁判长: a referee who also ratifies records (大会纪录) and rules on disputes.
    is_chief_referee: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    team: Mapped[Team | None] = relationship(lazy="raise")


class RefereeAssignment(Base):
    """A referee is bound to events, to venues, or both."""

    __tablename__ = "referee_assignment"
    __table_args__ = (
        CheckConstraint("event_id IS NOT NULL OR venue_id IS NOT NULL", name="target"),
        UniqueConstraint("user_id", "event_id", "venue_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"))


class AuthSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie value is stored."""

    __tablename__ = "auth_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    user: Mapped[UserAccount] = relationship(lazy="raise")


class LoginFailure(Base):
    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_lookup", "username", "address", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class AuditLog(Base):
    """Who did what, when and why; written in the same transaction as the change."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    meet_id: Mapped[int | None] = mapped_column(ForeignKey("meet.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(60), default="", index=True)  # calendar SEQUENCE counts
    summary: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")


class EntryFormUpload(Base):
    """An uploaded entry form (报名表) kept between its preview and its confirmation.

    Stored in the database rather than in one process's memory, so the confirming request may
    reach another app instance. Only the SHA-256 of the token the browser holds is stored; the
    row belongs to one team and one user and expires (events.entry_forms.UPLOAD_TTL).
    """

    __tablename__ = "entry_form_upload"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)


class DrawStatus(enum.StrEnum):
    DRAFT = "draft"  # 预览: may be redrawn
    PUBLISHED = "published"  # 已公布: referees score it


class Draw(Base):
    """The generated structure of one event (编排): groups, bracket, rounds.

    ``data`` is the draw engine's own record (scheduling.draw), JSON; ``bracket`` the
    knockout that follows a group stage once the groups are decided. One draw per event.
    """

    __tablename__ = "draw"
    __table_args__ = (
        CheckConstraint(_in("status", DrawStatus), name="status"),
        CheckConstraint(_in("format", Format), name="format"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    format: Mapped[str] = mapped_column(String(20))
    seed: Mapped[int] = mapped_column(BigInteger)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    data: Mapped[str] = mapped_column(Text)
    bracket: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=DrawStatus.DRAFT)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class DrawEntrant(Base):
    """One line of a draw: a person (singles) or a team's squad (team events)."""

    __tablename__ = "draw_entrant"
    __table_args__ = (UniqueConstraint("draw_id", "team_id", "person_id", "squad"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # the engine's entrant id, 1..n
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="RESTRICT"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="RESTRICT"))
    squad: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(80))
    team_name: Mapped[str] = mapped_column(String(60))
    seed: Mapped[int | None] = mapped_column(Integer)


class MatchStatus(enum.StrEnum):
    WAITING = "waiting"  # 待定: a side is not known yet
    READY = "ready"  # 待赛
    DONE = "done"  # 已赛


class Match(Base):
    """One match (场次) of a draw. The table is called fixture: MATCH is an SQL keyword."""

    __tablename__ = "fixture"
    __table_args__ = (
        UniqueConstraint("draw_id", "key"),
        CheckConstraint(_in("status", MatchStatus), name="status"),
        CheckConstraint("winner_side IS NULL OR winner_side IN ('a', 'b')", name="winner"),
        CheckConstraint("version >= 0", name="version"),
        CheckConstraint("best_of IN (1, 3, 5, 7)", name="best_of"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(24))  # "rr:3:1", "g:A:2:1", "ko:5", "sw:2:4"
    stage: Mapped[str] = mapped_column(String(12))  # round_robin / group / knockout / swiss
    group_name: Mapped[str | None] = mapped_column(String(4))
    round_no: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)  # order for display: 第N场
    label: Mapped[str] = mapped_column(String(40))
    a_id: Mapped[int | None] = mapped_column(ForeignKey("draw_entrant.id", ondelete="RESTRICT"))
    b_id: Mapped[int | None] = mapped_column(ForeignKey("draw_entrant.id", ondelete="RESTRICT"))
    best_of: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(10), default=MatchStatus.WAITING)
    winner_side: Mapped[str | None] = mapped_column(String(1))
    version: Mapped[int] = mapped_column(Integer, default=0)  # number of result versions
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id", ondelete="SET NULL"))


class MatchResult(Base):
    """One version of a match's result. Append-only: a correction is a new version.

    The database refuses UPDATE and DELETE on this table (triggers in migration 0004).
    """

    __tablename__ = "match_result"
    __table_args__ = (
        UniqueConstraint("match_id", "version"),
        UniqueConstraint("idempotency_key"),
        CheckConstraint("outcome IN ('played', 'walkover', 'forfeit', 'double_forfeit', 'cleared')", name="outcome"),
        CheckConstraint("winner_side IS NULL OR winner_side IN ('a', 'b')", name="winner"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("fixture.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    winner_side: Mapped[str | None] = mapped_column(String(1))
    score: Mapped[dict] = mapped_column(JSON)  # games, games won, points, rubbers, line-ups
    summary: Mapped[str] = mapped_column(String(200))  # "3:1(11:8, 9:11, 11:5, 11:7)"
    reason: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


# Track and fun events: rounds, heats and lanes, marks ------------------------------------


class MeasureKind(enum.StrEnum):
    """What a timed or measured event's mark is (scheduling.marks.Kind)."""

    TIME = "time"
    DISTANCE = "distance"
    HEIGHT = "height"
    COUNT = "count"
    POINTS = "points"


class Timing(enum.StrEnum):
    HAND = "hand"  # 手计时: read to the tenth
    ELECTRONIC = "electronic"  # 电计时: read to the hundredth


class RoundStatus(enum.StrEnum):
    DRAFT = "draft"  # 预览: may be redrawn
    PUBLISHED = "published"  # 已公布: start lists printed, referees enter marks


class RaceRound(Base):
    """One round (轮次) of a timed or measured event: 预赛 (heats) or 决赛 (the final).

    ``data`` keeps the heat draw as the engine made it (scheduling.heats.HeatDraw, JSON) so a
    printed start list can always be redrawn from its seed and checked.
    """

    __tablename__ = "race_round"
    __table_args__ = (
        UniqueConstraint("event_id", "number"),
        CheckConstraint(_in("status", RoundStatus), name="status"),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint("method IN ('serpentine', 'graded', 'random')", name="method"),
        CheckConstraint("lanes IS NULL OR lanes BETWEEN 1 AND 12", name="lanes"),
        CheckConstraint("qualify_by_place >= 0 AND qualify_by_time >= 0", name="qualify"),
        CheckConstraint("is_final OR qualify_by_place + qualify_by_time > 0", name="heats_qualify"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1: the first round
    name: Mapped[str] = mapped_column(String(20))  # 预赛 / 决赛
    is_final: Mapped[bool] = mapped_column(Boolean, default=True)
    method: Mapped[str] = mapped_column(String(12))
    seed: Mapped[int] = mapped_column(BigInteger)
    lanes: Mapped[int | None] = mapped_column(Integer)  # None: a mass start or a field event
    section_size: Mapped[int | None] = mapped_column(Integer)  # a mass start's largest section
    qualify_by_place: Mapped[int] = mapped_column(Integer, default=0)  # Q
    qualify_by_time: Mapped[int] = mapped_column(Integer, default=0)  # q
    data: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=RoundStatus.DRAFT)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class Heat(Base):
    """A heat (分组) of a round, or a section (组) of a mass start."""

    __tablename__ = "heat"
    __table_args__ = (UniqueConstraint("round_id", "number"), CheckConstraint("number >= 1", name="number"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("race_round.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)


class StartEntry(Base):
    """One line of a start list (检录单): an entrant in a heat, in a lane, with their current mark.

    The entrant is a person (individual events) or a team's squad (relays, team fun events);
    ``entrant_key`` ("p:17" / "t:3:1") makes either unique within a round. ``value`` and
    ``status`` repeat the latest mark_result version, as fixture.winner_side does for matches,
    so a ranking reads one table; ``version`` is the number of versions, for stale edits.
    """

    __tablename__ = "start_entry"
    __table_args__ = (
        UniqueConstraint("round_id", "entrant_key"),
        UniqueConstraint("heat_id", "position"),
        UniqueConstraint("heat_id", "lane"),
        CheckConstraint("version >= 0", name="version"),
        CheckConstraint("value IS NULL OR status IS NULL", name="mark_or_status"),
        CheckConstraint("status IS NULL OR status IN ('DNS', 'DNF', 'DQ', 'NM')", name="status"),
        CheckConstraint("qualified IS NULL OR qualified IN ('Q', 'q')", name="qualified"),
        Index("ix_start_entry_event", "event_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("race_round.id", ondelete="CASCADE"), index=True)
    heat_id: Mapped[int] = mapped_column(ForeignKey("heat.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    entrant_key: Mapped[str] = mapped_column(String(24))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="RESTRICT"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="RESTRICT"))
    squad: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(80))
    team_name: Mapped[str] = mapped_column(String(60))
    bib: Mapped[int | None] = mapped_column(Integer)
    lane: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    seed_value: Mapped[int | None] = mapped_column(Integer)  # the seed mark, in the event's unit
    qualified: Mapped[str | None] = mapped_column(String(1))  # Q / q, set when the next round is drawn
    version: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(4))
    record_flag: Mapped[str | None] = mapped_column(String(8))  # record / equal, as of the latest version


class MarkResult(Base):
    """One version of an entrant's mark in a round. Append-only: a correction is a new version.

    The database refuses UPDATE and DELETE on this table (migration 0005). ``typed`` is what the
    referee typed, kept beside what it was read as. ``value`` and ``status`` both empty: the
    mark was cleared (entered on the wrong line), with a reason.
    """

    __tablename__ = "mark_result"
    __table_args__ = (
        UniqueConstraint("start_entry_id", "version"),
        UniqueConstraint("idempotency_key"),
        CheckConstraint("value IS NULL OR status IS NULL", name="mark_or_status"),
        CheckConstraint("status IS NULL OR status IN ('DNS', 'DNF', 'DQ', 'NM')", name="status"),
        CheckConstraint("status IS NULL OR reason <> ''", name="status_reason"),
        CheckConstraint("version = 1 OR reason <> ''", name="correction_reason"),
        CheckConstraint("record_flag IS NULL OR record_flag IN ('record', 'equal')", name="record_flag"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_entry_id: Mapped[int] = mapped_column(ForeignKey("start_entry.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    value: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(4))
    typed: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    record_flag: Mapped[str | None] = mapped_column(String(8))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


# The standing-records archive (大会纪录) -----------------------------------------------------


class RecordSource(enum.StrEnum):
    RESULT = "result"  # set by a result in zhijia
    IMPORT = "import"  # imported from an earlier meet's records (Excel)


class RecordMark(Base):
    """One mark in the history of an event code's record: set, equalled, or imported.

    Self-contained (names and meet written out, no foreign keys that could cascade) and
    append-only: the database refuses UPDATE and DELETE (migration 0005). A mark set by a result
    is pending until the chief referee's decision (record_decision); an imported mark is
    ratified on import.
    """

    __tablename__ = "record_mark"
    __table_args__ = (
        CheckConstraint(_in("source", RecordSource), name="source"),
        CheckConstraint(_in("kind", MeasureKind), name="kind"),
        CheckConstraint("flag IN ('record', 'equal')", name="flag"),
        UniqueConstraint("mark_result_id"),
        Index("ix_record_mark_code", "event_code", "value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_code: Mapped[str] = mapped_column(String(32))
    event_name: Mapped[str] = mapped_column(String(60))
    sport: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    timing: Mapped[str | None] = mapped_column(String(12))
    lower_is_better: Mapped[bool] = mapped_column(Boolean)
    value: Mapped[int] = mapped_column(Integer)
    flag: Mapped[str] = mapped_column(String(8), default="record")  # record: 破纪录, equal: 平纪录
    holder: Mapped[str] = mapped_column(String(80))
    team_name: Mapped[str] = mapped_column(String(60), default="")
    meet_name: Mapped[str] = mapped_column(String(80), default="")
    meet_id: Mapped[int | None] = mapped_column(Integer)
    set_on: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(8))
    mark_result_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class RecordDecision(Base):
    """The chief referee's ratification (批准) or rejection of a pending record mark. Append-only."""

    __tablename__ = "record_decision"
    __table_args__ = (
        UniqueConstraint("record_mark_id"),
        CheckConstraint("decision IN ('ratified', 'rejected')", name="decision"),
        CheckConstraint("decision = 'ratified' OR reason <> ''", name="reject_reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_mark_id: Mapped[int] = mapped_column(ForeignKey("record_mark.id", ondelete="RESTRICT"))
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_by_name: Mapped[str] = mapped_column(String(40), default="")
    decided_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


# Festival condolence visits (节日慰问, 送温暖) — seeds/003 篇一, 篇四, 篇七, 篇十 --------------------
# Money is integer fen (分). Household details (income, ID number, illness) are private to the
# organisers; every viewing of them is audited (events.beneficiaries).

from sqlalchemy import Time  # noqa: E402  (kept with the section that uses it)


class BeneficiaryCategory(enum.StrEnum):
    MODEL_WORKER = "困难劳模"
    HARDSHIP = "特困职工"
    MIGRANT = "农民工"
    LAID_OFF = "下岗工人"
    RETIRED_CADRE = "离休"
    RETIRED = "退休"
    ILLNESS = "大病"
    OTHER = "其他"


class ReviewStatus(enum.StrEnum):
    PROPOSED = "proposed"  # 待审核: drawn from the archive or added, not yet reviewed
    APPROVED = "approved"  # 已确定: a beneficiary of the campaign
    REJECTED = "rejected"  # 未通过 (with a reason)


class VisitStatus(enum.StrEnum):
    VISITED = "visited"  # 已慰问
    ABSENT = "absent"  # 未遇: nobody at home, to be visited again


class NoticeMask(enum.StrEnum):
    """How the public notice (公示) shows a name; the union chooses."""

    GIVEN = "given"  # 王**
    MIDDLE = "middle"  # 王*明
    NONE = "none"  # 王小明


class LivingLine(Base):
    """The minimum living line (最低生活保障线) of a region and year, with the hardship multipliers."""

    __tablename__ = "living_line"
    __table_args__ = (
        UniqueConstraint("region", "year"),
        CheckConstraint("line_fen > 0", name="line"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
        CheckConstraint(
            "basic_percent > 0 AND special_percent >= basic_percent AND illness_percent >= special_percent",
            name="percents",
        ),
        CheckConstraint("major_expense_fen > 0", name="major_expense"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    line_fen: Mapped[int] = mapped_column(Integer)  # per head and month
    basic_percent: Mapped[int] = mapped_column(Integer, default=150)
    special_percent: Mapped[int] = mapped_column(Integer, default=200)
    illness_percent: Mapped[int] = mapped_column(Integer, default=300)
    major_expense_fen: Mapped[int] = mapped_column(Integer, default=2_000_000)


class PersonTag(Base):
    """A tag on a person of the member archive (困难职工, 劳模, 退休 …): whom a campaign draws."""

    __tablename__ = "person_tag"
    __table_args__ = (UniqueConstraint("person_id", "tag"), CheckConstraint("tag <> ''", name="tag"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(String(20), index=True)


class Campaign(Base):
    """A condolence visit campaign (慰问活动), e.g. 2027年春节慰问."""

    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates"),
        CheckConstraint("cash_budget_fen >= 0 AND goods_budget_fen >= 0", name="budgets"),
        CheckConstraint(
            "notice_starts_on IS NULL OR notice_ends_on IS NULL OR notice_ends_on >= notice_starts_on", name="notice"
        ),
        CheckConstraint(_in("notice_mask", NoticeMask), name="notice_mask"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    festival: Mapped[str] = mapped_column(String(20))  # 春节, 元旦, 中秋 …
    host: Mapped[str] = mapped_column(String(80), default="")  # the union that visits
    region: Mapped[str] = mapped_column(String(40), default="")  # whose living line applies
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    cash_budget_fen: Mapped[int] = mapped_column(Integer, default=0)
    goods_budget_fen: Mapped[int] = mapped_column(Integer, default=0)
    # Standard amounts by category: {category: {"cash", "goods", "floor", "cap", "per_person"}}.
    amounts: Mapped[dict] = mapped_column(JSON, default=dict)
    notice_starts_on: Mapped[dt.date | None] = mapped_column(Date)  # 公示 and its objection period
    notice_ends_on: Mapped[dt.date | None] = mapped_column(Date)
    notice_mask: Mapped[str] = mapped_column(String(8), default=NoticeMask.MIDDLE)
    notice_contact: Mapped[str] = mapped_column(String(80), default="")  # where objections go
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class VisitGroup(Base):
    """A visit group (慰问小组): a leader and members who visit one area on a date. A group is
    cancelled, not deleted (``cancelled_at``): subscribed calendars then strike its outing."""

    __tablename__ = "visit_group"
    __table_args__ = (
        Index(
            "uq_visit_group_active_name", "campaign_id", "name", unique=True,
            sqlite_where=text("cancelled_at IS NULL"), postgresql_where=text("cancelled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))  # 第一组
    area: Mapped[str] = mapped_column(String(60), default="")  # 东城片区
    leader: Mapped[str] = mapped_column(String(60), default="")  # 带队: name and title
    visit_on: Mapped[dt.date | None] = mapped_column(Date)
    starts_at: Mapped[dt.time | None] = mapped_column(Time)  # the visits begin
    gathers_at: Mapped[dt.time | None] = mapped_column(Time)  # assembly, before the start
    assembly_point: Mapped[str] = mapped_column(String(80), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class VisitGroupMember(Base):
    """A member of a visit group (组员), with the department they come from, and who they are in
    the people archive when that is known (for the calendar's double-booking warnings and its
    person filter); a helper from outside the archive has no person."""

    __tablename__ = "visit_group_member"
    __table_args__ = (UniqueConstraint("group_id", "name", "unit"),)  # one person listed once per group

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("visit_group.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40), index=True)  # relinked when the archive changes under a name
    unit: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)


class Beneficiary(Base):
    """A household to visit (慰问对象). Income, ID number and illness are never published."""

    __tablename__ = "beneficiary"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id"),
        CheckConstraint(_in("category", BeneficiaryCategory), name="category"),
        CheckConstraint(_in("review", ReviewStatus), name="review"),
        CheckConstraint("review <> 'rejected' OR review_reason <> ''", name="reject_reason"),
        CheckConstraint("persons BETWEEN 1 AND 20", name="persons"),
        CheckConstraint("marital IS NULL OR marital IN ('married', 'unmarried', 'single_parent')", name="marital"),
        CheckConstraint("children >= 0 AND parents BETWEEN 0 AND 2 AND others >= 0", name="members"),
        CheckConstraint(
            "monthly_income_fen >= 0 AND monthly_aid_fen >= 0 AND medical_costs_fen >= 0 AND disaster_losses_fen >= 0",
            name="money",
        ),
        CheckConstraint("cash_override_fen IS NULL OR cash_override_fen >= 0", name="cash_override"),
        CheckConstraint("goods_override_fen IS NULL OR goods_override_fen >= 0", name="goods_override"),
        CheckConstraint(
            "(cash_override_fen IS NULL AND goods_override_fen IS NULL) OR override_reason <> ''", name="override_reason"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(40))  # the head of the household visited
    category: Mapped[str] = mapped_column(String(8))
    unit: Mapped[str] = mapped_column(String(80), default="")
    area: Mapped[str] = mapped_column(String(60), default="")  # for grouping by area
    address: Mapped[str] = mapped_column(String(120), default="")
    contact: Mapped[str] = mapped_column(String(60), default="")
    persons: Mapped[int] = mapped_column(Integer, default=1)  # people a per-person standard pays for
    review: Mapped[str] = mapped_column(String(10), default=ReviewStatus.PROPOSED)
    review_reason: Mapped[str] = mapped_column(Text, default="")
    # Private: the hardship application (scheduling.hardship.Household) and papers.
    id_number: Mapped[str] = mapped_column(String(18), default="")
    illness: Mapped[str] = mapped_column(String(120), default="")
    marital: Mapped[str | None] = mapped_column(String(16))
    children: Mapped[int] = mapped_column(Integer, default=0)
    parents: Mapped[int] = mapped_column(Integer, default=0)
    others: Mapped[int] = mapped_column(Integer, default=0)
    monthly_income_fen: Mapped[int] = mapped_column(Integer, default=0)
    monthly_aid_fen: Mapped[int] = mapped_column(Integer, default=0)
    medical_costs_fen: Mapped[int] = mapped_column(Integer, default=0)
    disaster_losses_fen: Mapped[int] = mapped_column(Integer, default=0)
    major_illness: Mapped[bool] = mapped_column(Boolean, default=False)
    special_causes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Amounts: the category's standard unless overridden for this household (with a reason).
    cash_override_fen: Mapped[int | None] = mapped_column(Integer)
    goods_override_fen: Mapped[int | None] = mapped_column(Integer)
    override_reason: Mapped[str] = mapped_column(String(120), default="")
    # The service checks the group is one of the campaign's own.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("visit_group.id", ondelete="SET NULL"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class Visit(Base):
    """The visit of one household (走访): what was given, who signed for it."""

    __tablename__ = "visit"
    __table_args__ = (
        CheckConstraint(_in("status", VisitStatus), name="status"),
        CheckConstraint("cash_fen >= 0 AND goods_fen >= 0", name="money"),
        CheckConstraint("status <> 'visited' OR signed_by <> ''", name="signed"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    visited_on: Mapped[dt.date] = mapped_column(Date)
    cash_fen: Mapped[int] = mapped_column(Integer, default=0)
    goods: Mapped[str] = mapped_column(String(120), default="")  # 米、油 …
    goods_fen: Mapped[int] = mapped_column(Integer, default=0)
    signed_by: Mapped[str] = mapped_column(String(40), default="")  # who signed for it (签收人)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
