"""Registration (报名): the entry rules of domain.md §1, each checked in one transaction.

Rules, in the order they are checked:
- the registration window: leaders enter and withdraw only while it is open; organisers may
  at any time, but outside the window only with a reason, which goes to the audit log;
- the person is on the team (one team per person per meet) and the event is in the meet;
- the event's gender division (男子 / 女子 / 混合 / 不限);
- no duplicate entry (a repeat of the same entry returns the existing one);
- the per-person limit (default 3) over the event kinds the meet counts;
- the team's quota for the event, and its gender composition (≤ 2 men + ≤ 2 women …);
- for team events, the roster's size and gender per squad.

Concurrency: SQLite write transactions begin IMMEDIATE (one writer at a time); on PostgreSQL
the team's row is locked FOR UPDATE before counting — a person's entries all belong to their
one team, so that lock covers the per-person limit too.
Behind both, the database refuses what slips through: UNIQUE (event, person), and the slot
keys of ``events.slots`` for the limit and the quota.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from events import audit
from events.actors import Actor
from events.db import Database
from events.entry_state import EntryRow, TeamState, delete_entry, fixed_events, insert_entry, load_for_change
from events.errors import Conflict, DomainError, Forbidden, NotFound
from events.meets import registration_state, today
from events.models import (
    Division,
    Entry,
    EntryStatus,
    Event,
    Gender,
    Meet,
    Person,
    Team,
    TeamMember,
    utcnow,
)
from events.slots import first_free

GENDER_WORD = {Gender.MALE: "男", Gender.FEMALE: "女"}


# The window ------------------------------------------------------------------------------


def check_window(actor: Actor, meet: Meet, reason: str, on: dt.date | None = None) -> None:
    """Leaders only inside the window; organisers outside it only with a reason."""
    state = registration_state(meet, on or today())
    if state == "open":
        if actor.is_organiser or actor.is_leader:
            return
        raise Forbidden("只有领队和组委会可以办理报名")
    if actor.is_organiser:
        if not reason.strip():
            word = "已截止" if state == "closed" else "尚未开始"
            raise DomainError(f"报名{word},组委会补报或撤销须填写理由(将记入操作记录)", field="reason")
        return
    if state == "closed":
        raise Forbidden(
            f"报名已于 {meet.registration_closes.month}月{meet.registration_closes.day}日截止,如需变更请联系组委会"
        )
    raise Forbidden(f"报名将于 {meet.registration_opens.month}月{meet.registration_opens.day}日开始")


# The rules, on loaded rows ---------------------------------------------------------------


def fixed_refusal(state: TeamState, event: Event) -> str | None:
    """Why no entry of this event may change now: its draw or first round is published."""
    what = state.fixed.get(event.id)
    if what is None:
        return None
    return f"「{event.name}」{what}已公布,报名不能再增减(不参赛的由裁判记为弃权)"


def refusal(state: TeamState, event: Event, person: Person, squad: int = 1) -> str | None:
    """Why this person may not be entered in this event now, in Chinese; None if they may."""
    fixed = fixed_refusal(state, event)
    if fixed:
        return fixed
    division = Division(event.division)
    if division == Division.MEN and person.gender != Gender.MALE:
        return f"{person.name} 是女职工,不能报男子项目「{event.name}」"
    if division == Division.WOMEN and person.gender != Gender.FEMALE:
        return f"{person.name} 是男职工,不能报女子项目「{event.name}」"
    if event.kind in state.meet.counted_kinds:
        used = len(state.counted(person.id))
        if used >= state.meet.per_person_limit:
            return f"{person.name} 已报 {used} 项,达到每人限报 {state.meet.per_person_limit} 项"
    if event.is_team_event:
        return _team_event_refusal(state, event, person, squad)
    taken = state.event_entries(event.id)
    if event.team_quota is not None and len(taken) >= event.team_quota:
        return f"「{event.name}」每队限报 {event.team_quota} 人,{state.team.name}已报满"
    return _gender_cap_refusal(state, event, person, taken, "每队")


def _team_event_refusal(state: TeamState, event: Event, person: Person, squad: int) -> str | None:
    if event.team_quota is not None and squad > event.team_quota:
        return f"「{event.name}」每队限报 {event.team_quota} 支队伍"
    roster = state.event_entries(event.id, squad)
    if event.roster_max is not None and len(roster) >= event.roster_max:
        return f"「{event.name}」每队限报 {event.roster_max} 人"
    return _gender_cap_refusal(state, event, person, roster, "每队")


def _gender_cap_refusal(state: TeamState, event: Event, person: Person, taken: list[Entry], per: str) -> str | None:
    men, women = state.men_women(taken)
    if person.gender == Gender.MALE and event.max_men is not None and men >= event.max_men:
        return f"「{event.name}」{per}男子限报 {event.max_men} 人"
    if person.gender == Gender.FEMALE and event.max_women is not None and women >= event.max_women:
        return f"「{event.name}」{per}女子限报 {event.max_women} 人"
    return None


# Loading under lock ------------------------------------------------------------------------


async def _load_state(db: Database, session: AsyncSession, team_id: int) -> TeamState:
    """All the team's rows the rules need, under the team's lock, as ORM objects (the entry forms change
    many entries at once; one change uses ``events.entry_state.load_for_change``)."""
    await db.lock_rows(session, "team", [team_id])
    team = await session.scalar(select(Team).options(joinedload(Team.meet)).where(Team.id == team_id))
    if team is None:
        raise NotFound("代表队")
    entries = list((await session.scalars(select(Entry).where(Entry.team_id == team_id).order_by(Entry.id))).all())
    events = {e.id: e for e in (await session.scalars(select(Event).where(Event.meet_id == team.meet_id))).all()}
    members = {
        p.id: p
        for p in (await session.scalars(select(Person).join(TeamMember).where(TeamMember.team_id == team_id))).all()
    }
    fixed = await fixed_events(session, team.meet_id)
    return TeamState(meet=team.meet, team=team, events=events, members=members, entries=entries, fixed=fixed)


async def _person_elsewhere(conn: AsyncConnection, meet_id: int, person_id: int) -> str | None:
    row = await conn.execute(
        select(Person.name, Team.name)
        .join(TeamMember, TeamMember.person_id == Person.id)
        .join(Team, Team.id == TeamMember.team_id)
        .where(Person.id == person_id, TeamMember.meet_id == meet_id)
    )
    found = row.first()
    return f"{found[0]} 是「{found[1]}」的队员,不能代表本队报名" if found else None


def _slots_for(state: TeamState, event: Event, person_id: int) -> tuple[int | None, int | None]:
    person_slot = None
    if event.kind in state.meet.counted_kinds:
        used = {e.person_slot for e in state.counted(person_id) if e.person_slot is not None}
        person_slot = first_free(used, state.meet.per_person_limit)
    team_slot = None
    if not event.is_team_event and event.team_quota is not None:
        used = {e.team_slot for e in state.event_entries(event.id) if e.team_slot is not None}
        team_slot = first_free(used, event.team_quota)
    return person_slot, team_slot


# Use cases ---------------------------------------------------------------------------------


def _changeable_event(state: TeamState, actor: Actor, event_id: int, reason: str) -> Event:
    """The meet's event, if the window (or an organiser's reason) allows changing its entries."""
    event = state.events.get(event_id)
    if event is None:
        raise NotFound("项目")
    check_window(actor, state.meet, reason)
    return event


@dataclass
class EntryResult:
    entry: EntryRow
    created: bool
    person: Person
    event: Event


def _translate_write_errors(exc: Exception) -> DomainError:
    if isinstance(exc, OperationalError) and "locked" in str(exc).lower():
        return Conflict("系统繁忙(database is locked),请稍后重试")
    return Conflict("报名冲突:本队报名刚刚被修改,请刷新后重试")


async def enter(
    db: Database,
    actor: Actor,
    *,
    team_id: int,
    event_id: int,
    person_id: int,
    squad: int = 1,
    reason: str = "",
) -> EntryResult:
    """Enter a team's person in an event, or say in Chinese why not."""
    actor.require_team(team_id)
    if squad < 1:  # else the CHECK refuses it and the leader reads "someone just changed it" (409)
        raise DomainError("队伍序号须为 1 或以上", field="squad")
    try:
        async with db.write_connection(lock=("team", team_id)) as conn:
            state = await load_for_change(conn, team_id, person_id, event_id)
            event = _changeable_event(state, actor, event_id, reason)
            person = state.members.get(person_id)
            if person is None:
                elsewhere = await _person_elsewhere(conn, state.meet.id, person_id)
                raise DomainError(elsewhere or "该职工不是本队队员,请先把他加入本队")
            existing = next((e for e in state.event_entries(event_id) if e.person_id == person_id), None)
            if existing is not None:
                return EntryResult(existing, False, person, event)
            problem = refusal(state, event, person, squad)
            if problem:
                raise DomainError(problem)
            person_slot, team_slot = _slots_for(state, event, person_id)
            entry = await insert_entry(db, conn, {
                "meet_id": state.meet.id, "event_id": event_id, "team_id": team_id, "person_id": person_id,
                "squad": squad, "person_slot": person_slot, "team_slot": team_slot,
                "status": EntryStatus.ENTERED.value, "created_by": actor.user_id,
            }, audit.row(
                actor, "entry_add", f"{state.team.name} {person.name} 报名「{event.name}」",
                meet_id=state.meet.id, target=f"team:{team_id}", reason=reason.strip(),
            ))
    except (IntegrityError, OperationalError) as exc:
        raise _translate_write_errors(exc) from exc
    return EntryResult(entry, True, person, event)


async def withdraw(
    db: Database, actor: Actor, *, team_id: int, event_id: int, person_id: int, reason: str = ""
) -> bool:
    """Withdraw an entry; True if there was one. Reviewed-and-approved entries need an organiser."""
    actor.require_team(team_id)
    try:
        async with db.write_connection(lock=("team", team_id)) as conn:
            state = await load_for_change(conn, team_id, person_id, event_id)
            event = _changeable_event(state, actor, event_id, reason)
            entry = next((e for e in state.event_entries(event_id) if e.person_id == person_id), None)
            if entry is None:
                return False
            fixed = fixed_refusal(state, event)
            if fixed:
                raise DomainError(fixed)
            if entry.status == EntryStatus.APPROVED and not actor.is_organiser:
                raise Forbidden("该报名已通过资格终审,如需撤销请联系组委会")
            person = state.members[person_id]
            await delete_entry(db, conn, entry.id, audit.row(
                actor, "entry_withdraw", f"{state.team.name} {person.name} 撤销「{event.name}」",
                meet_id=state.meet.id, target=f"team:{team_id}", reason=reason.strip(),
            ))
    except (IntegrityError, OperationalError) as exc:
        raise _translate_write_errors(exc) from exc
    return True


class _Abort(Exception):
    """Leaves the write transaction without saving (it rolls back)."""

    def __init__(self, result: "PlanResult") -> None:
        super().__init__("aborted")
        self.result = result


@dataclass
class PlanProblem:
    person: str
    event: str
    message: str


@dataclass
class PlanResult:
    added: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    problems: list[PlanProblem] = field(default_factory=list)


async def apply_plan(
    db: Database,
    actor: Actor,
    team_id: int,
    wanted: Mapping[int, set[int]],
    *,
    reason: str = "",
    dry_run: bool = False,
    withdraw_missing: bool = True,
) -> PlanResult:
    """Make a team's individual and team-event entries what a filled entry form says.

    ``wanted`` maps person ids to the event ids they should be in. All or nothing: if any
    rule refuses any entry, nothing is saved and every refusal is listed. ``dry_run`` checks
    without saving (the preview of an uploaded form).
    """
    actor.require_team(team_id)
    result = PlanResult()
    try:
        async with db.write() as session:
            state = await _load_state(db, session, team_id)
            check_window(actor, state.meet, reason)
            unknown = [p for p in wanted if p not in state.members]
            if unknown:
                raise DomainError("表中有不属于本队的职工,请核对工号")
            current = defaultdict(set)
            for entry in state.entries:
                current[entry.person_id].add(entry.event_id)
            # Withdrawals first, so a swap of events within the limit is possible.
            if withdraw_missing:
                for entry in list(state.entries):
                    keep = wanted.get(entry.person_id)
                    if keep is not None and entry.event_id not in keep:
                        fixed = fixed_refusal(state, state.events[entry.event_id])
                        if fixed:
                            result.problems.append(
                                PlanProblem(state.members[entry.person_id].name, state.events[entry.event_id].name, fixed)
                            )
                            continue
                        if entry.status == EntryStatus.APPROVED and not actor.is_organiser:
                            result.problems.append(
                                PlanProblem(state.members[entry.person_id].name, state.events[entry.event_id].name,
                                            "已通过资格终审,领队不能撤销")
                            )
                            continue
                        state.entries.remove(entry)
                        await session.delete(entry)
                        result.withdrawn += 1
                await session.flush()
            for person_id in sorted(wanted):
                person = state.members[person_id]
                for event_id in sorted(wanted[person_id], key=lambda e: state.events[e].position if e in state.events else 0):
                    event = state.events.get(event_id)
                    if event is None:
                        raise NotFound("项目")
                    if event_id in current[person_id]:
                        result.unchanged += 1
                        continue
                    problem = refusal(state, event, person)
                    if problem:
                        result.problems.append(PlanProblem(person.name, event.name, problem))
                        continue
                    person_slot, team_slot = _slots_for(state, event, person_id)
                    entry = Entry(
                        meet_id=state.meet.id, event_id=event_id, team_id=team_id, person_id=person_id,
                        squad=1, person_slot=person_slot, team_slot=team_slot, created_by=actor.user_id,
                    )
                    state.entries.append(entry)
                    session.add(entry)
                    result.added += 1
            if result.problems or dry_run:
                raise _Abort(result)
            await session.flush()
            audit.record(
                session, actor, "entry_form",
                f"{state.team.name} 按报名表更新报名:新增 {result.added} 项,撤销 {result.withdrawn} 项",
                meet_id=state.meet.id, target=f"team:{team_id}", reason=reason.strip(),
            )
    except _Abort:
        return result  # nothing saved
    except (IntegrityError, OperationalError) as exc:
        raise _translate_write_errors(exc) from exc
    return result


async def review(db: Database, actor: Actor, entry_id: int, *, approve: bool, reason: str = "") -> Entry:
    """The referees' final eligibility review (资格终审): approve, or reject with a reason."""
    async with db.write() as session:
        entry = await session.get(Entry, entry_id, options=[selectinload(Entry.person), selectinload(Entry.event)])
        if entry is None:
            raise NotFound("报名")
        if not (actor.is_organiser or (actor.is_referee and actor.can_referee(entry.event_id, entry.event.venue_id))):
            raise Forbidden("只有组委会或该项目的裁判可以进行资格终审")
        if not approve and not reason.strip():
            raise DomainError("不通过资格终审须填写理由,领队会看到该理由", field="reason")
        entry.status = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
        entry.review_reason = reason.strip()
        entry.reviewed_by = actor.user_id
        entry.reviewed_at = utcnow()
        verdict = "通过" if approve else "不通过"
        audit.record(
            session, actor, "entry_review", f"资格终审{verdict}:{entry.person.name}「{entry.event.name}」",
            meet_id=entry.meet_id, reason=reason.strip(), target=f"entry:{entry.id}",
        )
    return entry


# Reading -----------------------------------------------------------------------------------


@dataclass
class Board:
    """The team leader's registration matrix, with its counters."""

    meet: Meet
    team: Team
    state: str  # registration window: upcoming / open / closed
    people: list[Person]
    individual_events: list[Event]
    team_events: list[Event]
    entries: dict[tuple[int, int], Entry]  # (person_id, event_id) -> entry
    counted_kinds: list[str]
    fixed: dict[int, str] = field(default_factory=dict)  # event_id -> 抽签结果 / 分组, published: entries fixed

    def used(self, person_id: int) -> int:
        return sum(
            1
            for (p, e), _ in self.entries.items()
            if p == person_id and self._event(e).kind in self.counted_kinds
        )

    def _event(self, event_id: int) -> Event:
        for event in (*self.individual_events, *self.team_events):
            if event.id == event_id:
                return event
        raise KeyError(event_id)

    def event_entries(self, event_id: int) -> list[Entry]:
        return [entry for (p, e), entry in self.entries.items() if e == event_id]

    def men_women(self, event_id: int) -> tuple[int, int]:
        genders = {p.id: p.gender for p in self.people}
        entries = self.event_entries(event_id)
        men = sum(1 for e in entries if genders.get(e.person_id) == Gender.MALE)
        return men, len(entries) - men

    def eligible(self, event: Event, person: Person) -> bool:
        division = Division(event.division)
        return not (
            (division == Division.MEN and person.gender != Gender.MALE)
            or (division == Division.WOMEN and person.gender != Gender.FEMALE)
        )

    @property
    def events_without_entrant(self) -> list[Event]:
        return [e for e in (*self.individual_events, *self.team_events) if not self.event_entries(e.id)]


async def board(db: Database, actor: Actor, team_id: int) -> Board:
    actor.require_team(team_id)
    async with db.read() as session:
        team = await session.get(Team, team_id, options=[selectinload(Team.meet)])
        if team is None:
            raise NotFound("代表队")
        events = (
            await session.scalars(select(Event).where(Event.meet_id == team.meet_id).order_by(Event.position, Event.id))
        ).all()
        people = (
            await session.scalars(
                select(Person)
                .join(TeamMember)
                .where(TeamMember.team_id == team_id)
                .order_by(Person.gender.desc(), Person.employee_no)
            )
        ).all()
        entries = (await session.scalars(select(Entry).where(Entry.team_id == team_id))).all()
        fixed = await fixed_events(session, team.meet_id)
    return Board(
        meet=team.meet,
        team=team,
        state=registration_state(team.meet),
        people=list(people),
        individual_events=[e for e in events if not e.is_team_event],
        team_events=[e for e in events if e.is_team_event],
        entries={(e.person_id, e.event_id): e for e in entries},
        counted_kinds=list(team.meet.counted_kinds),
        fixed=fixed,
    )


async def meet_entries(
    db: Database, meet_id: int, team_id: int | None = None
) -> list[tuple[Entry, Person, Event, Team]]:
    """Every entry of a meet (or of one team) with its person, event and team, in programme order."""
    query = (
        select(Entry, Person, Event, Team)
        .join(Person, Person.id == Entry.person_id)
        .join(Event, Event.id == Entry.event_id)
        .join(Team, Team.id == Entry.team_id)
        .where(Entry.meet_id == meet_id)
        .order_by(Event.position, Team.number, Entry.squad, Person.employee_no)
    )
    if team_id is not None:
        query = query.where(Entry.team_id == team_id)
    async with db.read() as session:
        return [tuple(r) for r in (await session.execute(query)).all()]  # type: ignore[misc]


async def entry_counts(db: Database, meet_id: int) -> dict[str, int]:
    async with db.read() as session:
        total = await session.scalar(select(func.count()).select_from(Entry).where(Entry.meet_id == meet_id)) or 0
        people = await session.scalar(
            select(func.count(func.distinct(Entry.person_id))).where(Entry.meet_id == meet_id)
        ) or 0
    return {"entries": total, "athletes": people}


async def bibs_of(db: Database, meet_id: int) -> dict[int, int]:
    """person_id -> bib number for a meet's athletes who have one."""
    async with db.read() as session:
        rows = await session.execute(
            select(TeamMember.person_id, TeamMember.bib).where(TeamMember.meet_id == meet_id, TeamMember.bib.is_not(None))
        )
        return {person_id: bib for person_id, bib in rows.all()}
