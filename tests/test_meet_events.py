"""Event setup (比赛项目): codes, kinds and formats, divisions, rosters. Both backends."""

from __future__ import annotations

from typing import Any

import pytest

from events import meet_events, meets
from events.db import Database
from events.errors import DomainError, Forbidden, NotFound
from events.models import Meet
from events.schemas import EventInput, VenueInput
from tests.support import SOME_LEADER as LEADER
from tests.support import SYSTEM_ORGANISER as ORG
from tests.support import meet_input


def event_input(**changes: Any) -> EventInput:
    values: dict[str, Any] = dict(
        code="ATH-100M-M", name="男子100米", sport="athletics", division="men",
        kind="individual_timed", format="heats_final",
    )
    values.update(changes)
    return EventInput(**values)


def relay(**changes: Any) -> EventInput:
    values: dict[str, Any] = dict(
        code="RELAY-4X100-M", name="男子4×100米接力", kind="relay", format="timed_final",
        team_quota=1, roster_min=4, roster_max=4,
    )
    values.update(changes)
    return event_input(**values)


@pytest.fixture
async def meet(db: Database) -> Meet:
    return await meets.create_meet(db, ORG, meet_input())


async def refused(db: Database, meet: Meet, data: EventInput, event_id: int | None = None) -> dict[str, str]:
    with pytest.raises(DomainError) as excinfo:
        await meet_events.save_event(db, ORG, meet.id, data, event_id)
    assert excinfo.value.status == 422
    return excinfo.value.problems


async def test_event_is_saved_with_its_code_in_capitals(db: Database, meet: Meet) -> None:
    event = await meet_events.save_event(db, ORG, meet.id, event_input(code=" ath-100m-m ", name=" 男子100米 "))
    stored = await meet_events.get_event(db, meet.id, event.id)
    assert (stored.code, stored.name, stored.kind, stored.best_of) == ("ATH-100M-M", "男子100米", "individual_timed", 1)


@pytest.mark.parametrize("code", ["A", "100米", "ATH 100", "-ATH", "X" * 33])
async def test_malformed_event_codes_are_refused(db: Database, meet: Meet, code: str) -> None:
    problems = await refused(db, meet, event_input(code=code))
    assert problems["code"].startswith("项目代码须为 2–32 位大写字母、数字、- 或 _")


async def test_event_codes_are_unique_within_a_meet_but_shared_across_meets(db: Database, meet: Meet) -> None:
    await meet_events.save_event(db, ORG, meet.id, event_input())
    problems = await refused(db, meet, event_input(name="男子百米"))
    assert problems == {"code": "本届已有项目代码为「ATH-100M-M」的项目"}
    # The same code in next year's meet is "the same event" for the records archive.
    next_meet = await meets.create_meet(db, ORG, meet_input(name="第八届职工运动会", edition=8))
    await meet_events.save_event(db, ORG, next_meet.id, event_input())
    assert [e.code for e in await meet_events.list_events(db, next_meet.id)] == ["ATH-100M-M"]


async def test_event_names_are_unique_within_a_meet(db: Database, meet: Meet) -> None:
    await meet_events.save_event(db, ORG, meet.id, event_input())
    problems = await refused(db, meet, event_input(code="ATH-100M-M2"))
    assert problems == {"name": "本届已有项目名称为「男子100米」的项目"}


async def test_match_events_need_a_match_format(db: Database, meet: Meet) -> None:
    problems = await refused(
        db, meet, event_input(code="TT-MS", name="男子乒乓球单打", sport="table_tennis", kind="individual_match")
    )
    assert problems["format"] == "对抗类项目的赛制须为循环赛、淘汰赛、分组+淘汰或瑞士制"


async def test_timed_events_need_a_timed_format(db: Database, meet: Meet) -> None:
    problems = await refused(db, meet, event_input(format="knockout"))
    assert problems["format"] == "计时/计量类项目的赛制须为预赛+决赛、直接决赛或集体出发"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sport", "golf", "运动无效"),
        ("division", "juniors", "组别无效"),
        ("kind", "solo", "项目类型无效"),
        ("format", "ladder", "赛制无效"),
    ],
)
async def test_unknown_choices_are_refused(db: Database, meet: Meet, field: str, value: str, message: str) -> None:
    problems = await refused(db, meet, event_input(**{field: value}))
    assert problems[field] == message


async def test_team_events_need_a_roster_maximum(db: Database, meet: Meet) -> None:
    problems = await refused(db, meet, relay(roster_max=None))
    assert problems == {"roster_max": "团体项目须填写每队最多人数"}


async def test_roster_minimum_may_not_exceed_maximum(db: Database, meet: Meet) -> None:
    problems = await refused(db, meet, relay(roster_min=5, roster_max=4))
    assert problems == {"roster_min": "每队最少人数不能多于最多人数"}


async def test_mens_event_cannot_take_women(db: Database, meet: Meet) -> None:
    problems = await refused(db, meet, relay(max_women=1))
    assert problems == {"max_women": "男子项目不能报女子"}


async def test_womens_event_cannot_take_men(db: Database, meet: Meet) -> None:
    problems = await refused(
        db, meet, relay(code="RELAY-4X50-W", name="女子4×50米接力", division="women", max_men=2)
    )
    assert problems == {"max_men": "女子项目不能报男子"}


async def test_mixed_event_may_cap_men_and_women(db: Database, meet: Meet) -> None:
    event = await meet_events.save_event(
        db, ORG, meet.id,
        event_input(code="BD-TEAM", name="羽毛球团体赛", sport="badminton", division="mixed", kind="team_match",
                    format="knockout", team_quota=1, roster_min=2, roster_max=4, max_men=2, max_women=2, best_of=3),
    )
    assert (event.max_men, event.max_women, event.roster_max, event.best_of) == (2, 2, 4, 3)


async def test_zero_team_quota_is_refused(db: Database, meet: Meet) -> None:
    problems = await refused(db, meet, event_input(team_quota=0))
    assert problems == {"team_quota": "每队限报至少为 1(不限请留空)"}


@pytest.mark.parametrize(("field", "value"), [("best_of", 2), ("final_best_of", 4)])
async def test_best_of_must_be_odd_from_1_to_7(db: Database, meet: Meet, field: str, value: int) -> None:
    problems = await refused(
        db, meet, event_input(code="XQ", name="中国象棋", sport="chess", division="open",
                              kind="individual_match", format="knockout", **{field: value})
    )
    assert field in problems


async def test_award_places_range(db: Database, meet: Meet) -> None:
    problems = await refused(db, meet, event_input(award_places=17))
    assert problems == {"award_places": "录取名次须为 0–16"}


async def test_individual_timed_event_drops_roster_and_best_of(db: Database, meet: Meet) -> None:
    event = await meet_events.save_event(
        db, ORG, meet.id, event_input(roster_min=1, roster_max=3, best_of=3, final_best_of=5)
    )
    assert (event.roster_min, event.roster_max, event.best_of, event.final_best_of) == (None, None, 1, None)


async def test_venue_must_belong_to_the_same_meet(db: Database, meet: Meet) -> None:
    other = await meets.create_meet(db, ORG, meet_input(name="第八届职工运动会", edition=8))
    venue = await meets.save_venue(db, ORG, other.id, VenueInput(name="田径场", kind="track"))
    problems = await refused(db, meet, event_input(venue_id=venue.id))
    assert problems == {"venue_id": "场地不属于本届运动会"}


async def test_event_update_keeps_its_id_and_checks_uniqueness(db: Database, meet: Meet) -> None:
    first = await meet_events.save_event(db, ORG, meet.id, event_input())
    second = await meet_events.save_event(db, ORG, meet.id, event_input(code="ATH-100M-W", name="女子100米", division="women"))
    updated = await meet_events.save_event(db, ORG, meet.id, event_input(award_places=6), first.id)
    assert (updated.id, updated.award_places) == (first.id, 6)
    problems = await refused(db, meet, event_input(name="女子100米", division="women"), first.id)
    assert problems == {"name": "本届已有项目名称为「女子100米」的项目"}
    assert (await meet_events.get_event(db, meet.id, second.id)).name == "女子100米"


async def test_event_of_another_meet_is_not_found(db: Database, meet: Meet) -> None:
    other = await meets.create_meet(db, ORG, meet_input(name="第八届职工运动会", edition=8))
    event = await meet_events.save_event(db, ORG, other.id, event_input())
    with pytest.raises(NotFound):
        await meet_events.get_event(db, meet.id, event.id)
    with pytest.raises(NotFound):
        await meet_events.delete_event(db, ORG, meet.id, event.id)


async def test_deleted_event_is_gone(db: Database, meet: Meet) -> None:
    event = await meet_events.save_event(db, ORG, meet.id, event_input())
    await meet_events.delete_event(db, ORG, meet.id, event.id)
    assert await meet_events.list_events(db, meet.id) == []


async def test_only_organisers_save_events(db: Database, meet: Meet) -> None:
    with pytest.raises(Forbidden):
        await meet_events.save_event(db, LEADER, meet.id, event_input())
    assert await meet_events.list_events(db, meet.id) == []


async def test_events_are_listed_by_position(db: Database, meet: Meet) -> None:
    await meet_events.save_event(db, ORG, meet.id, event_input(position=2))
    await meet_events.save_event(db, ORG, meet.id, event_input(code="ATH-1500M-M", name="男子1500米", format="mass_start", position=1))
    assert [e.code for e in await meet_events.list_events(db, meet.id)] == ["ATH-1500M-M", "ATH-100M-M"]
