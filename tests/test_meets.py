"""Meet setup services: the meet (dates, window, limit) and its venues. Both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from events import meets
from events.db import Database
from events.errors import DomainError, Forbidden, NotFound
from events.models import AuditLog, EventKind, Meet, Venue
from events.schemas import VenueInput
from tests.support import SOME_LEADER as LEADER
from tests.support import SYSTEM_ORGANISER as ORG
from tests.support import meet_input

def refusal(excinfo: pytest.ExceptionInfo[DomainError], field: str) -> str:
    assert field in excinfo.value.problems, excinfo.value.problems
    return excinfo.value.problems[field]


async def test_create_meet_stores_every_field(db: Database) -> None:
    meet = await meets.create_meet(db, ORG, meet_input(name="  第七届职工运动会 ", per_person_limit=4))
    stored = await meets.get_meet(db, meet.id)
    assert stored.name == "第七届职工运动会"
    assert (stored.starts_on, stored.ends_on) == (dt.date(2027, 11, 20), dt.date(2027, 11, 21))
    assert stored.per_person_limit == 4
    assert stored.counted_kinds == [k.value for k in EventKind]


async def test_meet_ending_before_it_starts_is_refused(db: Database) -> None:
    with pytest.raises(DomainError) as excinfo:
        await meets.create_meet(db, ORG, meet_input(starts_on=dt.date(2027, 11, 21), ends_on=dt.date(2027, 11, 20)))
    assert refusal(excinfo, "ends_on") == "结束日期不能早于开始日期"
    assert excinfo.value.status == 422
    assert await meets.list_meets(db) == []


async def test_registration_closing_before_it_opens_is_refused(db: Database) -> None:
    with pytest.raises(DomainError) as excinfo:
        await meets.create_meet(
            db, ORG, meet_input(registration_opens=dt.date(2027, 11, 10), registration_closes=dt.date(2027, 11, 1))
        )
    assert refusal(excinfo, "registration_closes") == "报名截止日期不能早于报名开始日期"


async def test_registration_must_close_before_the_meet_ends(db: Database) -> None:
    with pytest.raises(DomainError) as excinfo:
        await meets.create_meet(db, ORG, meet_input(registration_closes=dt.date(2027, 11, 22)))
    assert refusal(excinfo, "registration_closes") == "报名须在运动会结束前截止"


@pytest.mark.parametrize("limit", [0, 21])
async def test_per_person_limit_outside_1_to_20_is_refused(db: Database, limit: int) -> None:
    with pytest.raises(DomainError) as excinfo:
        await meets.create_meet(db, ORG, meet_input(per_person_limit=limit))
    assert refusal(excinfo, "per_person_limit") == "每人限报项目数须为 1–20"


async def test_blank_meet_name_is_refused(db: Database) -> None:
    with pytest.raises(DomainError) as excinfo:
        await meets.create_meet(db, ORG, meet_input(name="   "))
    assert refusal(excinfo, "name") == "请填写运动会名称"


async def test_unknown_counted_kind_is_refused(db: Database) -> None:
    with pytest.raises(DomainError) as excinfo:
        await meets.create_meet(db, ORG, meet_input(counted_kinds=["individual_timed", "darts"]))
    assert refusal(excinfo, "counted_kinds") == "计入限报的项目类型无效"


async def test_counted_kinds_are_kept_in_canonical_order(db: Database) -> None:
    meet = await meets.create_meet(db, ORG, meet_input(counted_kinds=["relay", "individual_timed"]))
    assert meet.counted_kinds == ["individual_timed", "relay"]


async def test_meet_names_are_unique(db: Database) -> None:
    await meets.create_meet(db, ORG, meet_input())
    with pytest.raises(DomainError) as excinfo:
        await meets.create_meet(db, ORG, meet_input(edition=8))
    assert refusal(excinfo, "name") == "已有名为「第七届职工运动会」的运动会"


async def test_every_problem_is_reported_at_once(db: Database) -> None:
    with pytest.raises(DomainError) as excinfo:
        await meets.create_meet(
            db, ORG, meet_input(edition=0, ends_on=dt.date(2027, 1, 1), per_person_limit=0)
        )
    assert {"edition", "ends_on", "per_person_limit"} <= set(excinfo.value.problems)


async def test_only_organisers_create_meets(db: Database) -> None:
    with pytest.raises(Forbidden):
        await meets.create_meet(db, LEADER, meet_input())
    assert await meets.list_meets(db) == []


async def test_update_meet_changes_it_and_validates(db: Database) -> None:
    meet = await meets.create_meet(db, ORG, meet_input())
    await meets.update_meet(db, ORG, meet.id, meet_input(location="新体育馆", per_person_limit=5))
    stored = await meets.get_meet(db, meet.id)
    assert (stored.location, stored.per_person_limit) == ("新体育馆", 5)
    with pytest.raises(DomainError) as excinfo:
        await meets.update_meet(db, ORG, meet.id, meet_input(ends_on=dt.date(2027, 11, 19)))
    assert refusal(excinfo, "ends_on") == "结束日期不能早于开始日期"
    assert (await meets.get_meet(db, meet.id)).ends_on == dt.date(2027, 11, 21)


async def test_update_meet_may_keep_its_own_name_but_not_take_another(db: Database) -> None:
    first = await meets.create_meet(db, ORG, meet_input())
    second = await meets.create_meet(db, ORG, meet_input(name="第八届职工运动会", edition=8))
    await meets.update_meet(db, ORG, first.id, meet_input(host="工会"))
    with pytest.raises(DomainError) as excinfo:
        await meets.update_meet(db, ORG, second.id, meet_input(edition=8))
    assert refusal(excinfo, "name") == "已有名为「第七届职工运动会」的运动会"


async def test_update_of_a_missing_meet_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound) as excinfo:
        await meets.update_meet(db, ORG, 12345, meet_input())
    assert excinfo.value.status == 404
    assert excinfo.value.message == "找不到该运动会"


async def test_meet_create_and_update_write_audit_rows(db: Database) -> None:
    meet = await meets.create_meet(db, ORG, meet_input())
    await meets.update_meet(db, ORG, meet.id, meet_input(host="工会"))
    async with db.read() as session:
        rows = (await session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    assert [(r.action, r.meet_id, r.target) for r in rows] == [
        ("meet_create", meet.id, f"meet:{meet.id}"),
        ("meet_update", meet.id, f"meet:{meet.id}"),
    ]
    assert rows[0].summary == "新建运动会「第七届职工运动会」"


def test_registration_window_is_inclusive_on_both_days() -> None:
    meet = Meet(registration_opens=dt.date(2026, 11, 10), registration_closes=dt.date(2026, 11, 20))
    assert meets.registration_state(meet, dt.date(2026, 11, 9)) == "upcoming"
    assert meets.registration_state(meet, dt.date(2026, 11, 10)) == "open"
    assert meets.registration_state(meet, dt.date(2026, 11, 20)) == "open"
    assert meets.registration_state(meet, dt.date(2026, 11, 21)) == "closed"


async def test_current_meet_is_the_next_one_not_a_past_one(db: Database) -> None:
    today = meets.today()
    past = today - dt.timedelta(days=400)
    await meets.create_meet(
        db, ORG,
        meet_input(name="往届", starts_on=past, ends_on=past, registration_opens=past, registration_closes=past),
    )
    soon = today + dt.timedelta(days=30)
    upcoming = await meets.create_meet(
        db, ORG,
        meet_input(name="本届", starts_on=soon, ends_on=soon, registration_opens=today, registration_closes=soon),
    )
    current = await meets.current_meet(db)
    assert current is not None and current.id == upcoming.id


# Venues -----------------------------------------------------------------------------------


async def test_venue_is_saved_and_renamed(db: Database) -> None:
    meet = await meets.create_meet(db, ORG, meet_input())
    venue = await meets.save_venue(db, ORG, meet.id, VenueInput(name="田径场", kind="track"))
    await meets.save_venue(db, ORG, meet.id, VenueInput(name="东田径场", kind="track", capacity=2), venue.id)
    [stored] = await meets.list_venues(db, meet.id)
    assert (stored.id, stored.name, stored.capacity) == (venue.id, "东田径场", 2)


async def test_venue_names_are_unique_within_a_meet(db: Database) -> None:
    meet = await meets.create_meet(db, ORG, meet_input())
    other = await meets.create_meet(db, ORG, meet_input(name="第八届职工运动会", edition=8))
    await meets.save_venue(db, ORG, meet.id, VenueInput(name="篮球场", kind="court"))
    await meets.save_venue(db, ORG, other.id, VenueInput(name="篮球场", kind="court"))
    with pytest.raises(DomainError) as excinfo:
        await meets.save_venue(db, ORG, meet.id, VenueInput(name="篮球场", kind="court"))
    assert refusal(excinfo, "name") == "已有名为「篮球场」的场地"


async def test_venue_kind_and_capacity_are_checked(db: Database) -> None:
    meet = await meets.create_meet(db, ORG, meet_input())
    with pytest.raises(DomainError) as excinfo:
        await meets.save_venue(db, ORG, meet.id, VenueInput(name="泳池", kind="pool", capacity=0))
    assert excinfo.value.problems == {"kind": "场地类型无效", "capacity": "场地数量须为 1–100"}


async def test_venue_of_another_meet_cannot_be_edited_through_this_meet(db: Database) -> None:
    meet = await meets.create_meet(db, ORG, meet_input())
    other = await meets.create_meet(db, ORG, meet_input(name="第八届职工运动会", edition=8))
    venue = await meets.save_venue(db, ORG, other.id, VenueInput(name="篮球场", kind="court"))
    with pytest.raises(NotFound):
        await meets.save_venue(db, ORG, meet.id, VenueInput(name="篮球场2", kind="court"), venue.id)
    with pytest.raises(NotFound):
        await meets.delete_venue(db, ORG, meet.id, venue.id)
    assert [v.name for v in await meets.list_venues(db, other.id)] == ["篮球场"]


async def test_deleted_venue_is_gone(db: Database) -> None:
    meet = await meets.create_meet(db, ORG, meet_input())
    venue = await meets.save_venue(db, ORG, meet.id, VenueInput(name="篮球场", kind="court"))
    await meets.delete_venue(db, ORG, meet.id, venue.id)
    async with db.read() as session:
        assert await session.get(Venue, venue.id) is None


async def test_only_organisers_manage_venues(db: Database) -> None:
    meet = await meets.create_meet(db, ORG, meet_input())
    with pytest.raises(Forbidden):
        await meets.save_venue(db, LEADER, meet.id, VenueInput(name="篮球场", kind="court"))
    assert await meets.list_venues(db, meet.id) == []
