"""Award lists (获奖名单) and certificates (奖状).

Each event awards its top places (``Event.award_places``: the top 2 in basketball, tug-of-war
and the team fun events of the demo, the top 3 elsewhere). One row generator, ``award_rows``,
turns events' final places (events.placings) into the lines every output prints — the award
list pages, the xlsx export and the certificates — so they can never disagree.

Award lists are public and show provisional places (暂定) of events still running;
certificates are printed by organisers only, and only for events whose results are complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from events import meet_events
from events.actors import Actor
from events.db import Database
from events.errors import NotFound
from events.exports import Sheet, write_xlsx, xlsx_filename
from events.meets import today
from events.models import Event, Meet
from events.placings import EventPlacings, meet_placings
from events.records import FLAG_LABELS

DIGITS = "零一二三四五六七八九"
AWARD_COLUMNS = ("项目", "名次", "姓名/队名", "代表队", "队员", "成绩", "备注")
AWARD_WIDTHS = (22, 8, 16, 14, 40, 12, 16)


def zh_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 23 → 二十三 (places go up to 16)."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else DIGITS[tens]
    return f"{head}十{DIGITS[ones] if ones else ''}"


def place_text(place: int) -> str:
    """第一名, 第二名 … as certificates and award lists write a place."""
    return f"第{zh_number(place)}名"


@dataclass(frozen=True)
class AwardRow:
    """One awarded place of one event: what every award output prints."""

    event_id: int
    event_name: str
    place: int
    tied: bool
    name: str  # the person, or the team (and squad) of a team event
    team_name: str
    members: tuple[str, ...]  # a team entrant's people
    mark: str  # '' for match events
    record_flag: str | None  # record / equal
    team_event: bool
    complete: bool  # the event's results are all in; else the place is provisional

    @property
    def place_text(self) -> str:
        return place_text(self.place)

    @property
    def record_label(self) -> str:
        return FLAG_LABELS.get(self.record_flag or "", "")

    @property
    def note(self) -> str:
        notes = [self.record_label, "并列" if self.tied else "", "" if self.complete else "暂定"]
        return "、".join(n for n in notes if n)


def award_rows(placed: Iterable[EventPlacings]) -> Iterator[AwardRow]:
    """The awarded places of each event, best first, events in the order given."""
    for p in placed:
        for f in p.awarded:
            assert f.place is not None  # awarded places are placed
            yield AwardRow(
                event_id=p.event.id, event_name=p.event.name, place=f.place, tied=f.tied, name=f.name,
                team_name=f.team_name, members=f.members, mark=f.mark, record_flag=f.record_flag,
                team_event=p.event.is_team_event, complete=p.complete,
            )


def xlsx_row(row: AwardRow) -> tuple[Any, ...]:
    """An award row in AWARD_COLUMNS order (write_xlsx guards every text)."""
    return (row.event_name, row.place_text, row.name, row.team_name, "、".join(row.members), row.mark, row.note)


# Award lists ---------------------------------------------------------------------------------


@dataclass
class EventAwards:
    placings: EventPlacings
    rows: list[AwardRow]

    @property
    def event(self) -> Event:
        return self.placings.event

    @property
    def state(self) -> str:
        """'complete', 'provisional' (some places known) or 'pending' (none yet)."""
        if self.placings.complete and self.rows:
            return "complete"
        return "provisional" if self.rows else "pending"


@dataclass
class AwardList:
    meet: Meet
    events: list[EventAwards]
    event: Event | None = None  # one event's list; None: the whole meet

    @property
    def rows(self) -> list[AwardRow]:
        return [r for e in self.events for r in e.rows]

    @property
    def title(self) -> str:
        return f"{self.event.name} 获奖名单" if self.event else "获奖名单"


async def _meet(db: Database, meet_id: int) -> Meet:
    async with db.read() as session:
        meet = await session.get(Meet, meet_id)
    if meet is None:
        raise NotFound("运动会")
    return meet


async def _placed(db: Database, meet_id: int, event_id: int | None) -> tuple[Meet, Event | None, list[EventPlacings]]:
    meet = await _meet(db, meet_id)
    if event_id is None:
        event, events = None, await meet_events.list_events(db, meet_id)
    else:
        event = await meet_events.get_event(db, meet_id, event_id)  # NotFound for another meet's event
        events = [event]
    depth = max((e.award_places for e in events), default=0)  # only awarded places are read
    return meet, event, await meet_placings(db, events, depth=depth)


async def award_list(db: Database, meet_id: int, event_id: int | None = None) -> AwardList:
    """The award list of one event or of the whole meet in programme order. Public."""
    meet, event, placed = await _placed(db, meet_id, event_id)
    return AwardList(meet, [EventAwards(p, list(award_rows([p]))) for p in placed], event)


async def award_list_xlsx(db: Database, meet_id: int, event_id: int | None = None) -> tuple[str, bytes]:
    """The award list as a workbook: file name and bytes."""
    awards = await award_list(db, meet_id, event_id)
    day = today()
    decided = sum(1 for e in awards.events if e.state == "complete")
    scope = awards.event.name if awards.event else f"共 {len(awards.events)} 个项目,已决出 {decided} 个"
    sheet = Sheet(
        title="获奖名单",
        heading=(f"{awards.meet.name} {awards.title}", f"{scope} · 导出日期 {day.year}年{day.month}月{day.day}日"),
        columns=AWARD_COLUMNS,
        widths=AWARD_WIDTHS,
        rows=(xlsx_row(r) for r in awards.rows),
        footer=("备注“暂定”:该项目比赛尚未全部结束,名次可能变化",) if any(not r.complete for r in awards.rows) else (),
    )
    parts = (awards.meet.name, awards.event.name if awards.event else "", "获奖名单")
    return xlsx_filename(*parts), write_xlsx([sheet])


# Certificates ----------------------------------------------------------------------------------


@dataclass
class Certificates:
    meet: Meet
    rows: list[AwardRow]  # one certificate each
    waiting: list[Event] = field(default_factory=list)  # events not complete: no certificates yet
    event: Event | None = None


async def certificates(db: Database, actor: Actor, meet_id: int, event_id: int | None = None) -> Certificates:
    """Certificates for the awarded places of complete events (one event, or all). Organisers only."""
    actor.require_organiser()
    meet, event, placed = await _placed(db, meet_id, event_id)
    done = [p for p in placed if p.complete]
    waiting = [p.event for p in placed if not p.complete]
    return Certificates(meet, list(award_rows(done)), waiting, event)
