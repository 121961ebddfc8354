"""The timetable solver: greedy and CP-SAT schedules pass the independent validator, the lower
bound never exceeds a finish, pins stay put, the validator catches every kind of broken schedule,
and small cases reach their known optimum."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.timetable import (
    Item,
    Placement,
    Problem,
    Resource,
    Schedule,
    TimetableError,
    Window,
    greedy,
    lower_bound,
)
from scheduling.timetable_check import validate
from scheduling.timetable_cpsat import improve

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOLVER = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DAY = 1440
SESSIONS = ((510, 690), (810, 1050))  # 08:30–11:30, 13:30–17:30


def sessions(days: int) -> tuple[Window, ...]:
    return tuple(Window(d * DAY + a, d * DAY + b) for d in range(days) for a, b in SESSIONS)


@st.composite
def problems(draw: st.DrawFn, max_items: int = 14) -> Problem:
    days = 5
    resources = tuple(
        Resource(key=f"r{i}", name=f"场地{i}", capacity=draw(st.integers(1, 3)), windows=sessions(days))
        for i in range(draw(st.integers(1, 3)))
    )
    n = draw(st.integers(1, max_items))
    items: list[Item] = []
    for i in range(n):
        after = tuple(sorted(draw(st.sets(st.sampled_from([f"i{j}" for j in range(i)]), max_size=2)))) if i else ()
        resource = draw(st.sampled_from(resources))
        items.append(
            Item(
                key=f"i{i}", label=f"第{i}场", resource=resource.key,
                units=draw(st.one_of(st.just(1), st.integers(1, resource.capacity))),  # a Swiss round takes several
                duration=draw(st.integers(5, 90)),
                people=frozenset(draw(st.sets(st.sampled_from([f"p:{k}" for k in range(6)]), max_size=3))),
                teams=frozenset(draw(st.sets(st.sampled_from([f"t:{k}" for k in range(3)]), max_size=1))),
                after=after,
                not_before=draw(st.one_of(st.none(), st.integers(0, 2 * DAY))),
            )
        )
    return Problem(items=tuple(items), resources=resources, min_rest=draw(st.sampled_from([0, 10, 15, 30])))


def pin_closed(problem: Problem, schedule: Schedule, chosen: set[str]) -> Problem:
    """Pin ``chosen`` and everything they wait for at the schedule's start and unit."""
    items = {it.key: it for it in problem.items}
    stack = list(chosen)
    closed: set[str] = set()
    while stack:
        k = stack.pop()
        if k not in closed:
            closed.add(k)
            stack.extend(items[k].after)
    where = {p.item: p for p in schedule.placements}
    return msgspec.structs.replace(
        problem,
        items=tuple(
            msgspec.structs.replace(it, pinned=where[it.key].start, pinned_unit=where[it.key].unit) if it.key in closed else it
            for it in problem.items
        ),
    )


# greedy and the lower bound ------------------------------------------------------------------


@FAST
@given(problems())
def test_greedy_schedule_always_passes_the_validator_and_never_beats_the_lower_bound(problem: Problem) -> None:
    schedule = greedy(problem)
    assert validate(problem, schedule) == []
    assert len(schedule.placements) == len(problem.items)
    bound = lower_bound(problem)
    assert bound.value == max(bound.parts.values())
    assert bound.value <= schedule.finish


@FAST
@given(problems(), st.data())
def test_greedy_keeps_pinned_items_where_they_were_pinned(problem: Problem, data: st.DataObject) -> None:
    first = greedy(problem)
    chosen = data.draw(st.sets(st.sampled_from([it.key for it in problem.items])))
    pinned = pin_closed(problem, first, chosen)
    again = greedy(pinned)
    assert validate(pinned, again) == []
    where = {p.item: p for p in again.placements}
    for it in pinned.items:
        if it.pinned is not None:
            assert (where[it.key].start, where[it.key].unit) == (it.pinned, it.pinned_unit)


def test_an_item_longer_than_every_opening_is_refused_in_chinese() -> None:
    problem = Problem(
        items=(Item(key="r3", label="第3轮", resource="tt", duration=400),),
        resources=(Resource(key="tt", name="乒乓球台", capacity=8, windows=sessions(1)),),
    )
    with pytest.raises(TimetableError, match="场地 乒乓球台 的开放时间放不下 第3轮 \\(400分钟\\)"):
        greedy(problem)


def test_items_that_outrun_the_sessions_are_refused() -> None:
    problem = Problem(
        items=tuple(Item(key=f"m{i}", label=f"第{i}场", resource="c", duration=60) for i in range(8)),
        resources=(Resource(key="c", name="篮球场", capacity=1, windows=sessions(1)),),
    )
    with pytest.raises(TimetableError, match="排不下"):
        greedy(problem)


def test_a_cycle_in_the_round_order_is_refused() -> None:
    problem = Problem(
        items=(
            Item(key="a", label="甲", resource="c", duration=30, after=("b",)),
            Item(key="b", label="乙", resource="c", duration=30, after=("a",)),
        ),
        resources=(Resource(key="c", name="球场", windows=sessions(1)),),
    )
    with pytest.raises(TimetableError, match="成环"):
        greedy(problem)


def test_items_never_run_across_lunch() -> None:
    problem = Problem(
        items=tuple(Item(key=f"m{i}", label=f"第{i}场", resource="c", duration=50) for i in range(4)),
        resources=(Resource(key="c", name="球场", windows=sessions(1)),),
    )
    schedule = greedy(problem)
    # three fit in the morning (08:30–11:00), the fourth waits for 13:30 rather than cross 11:30
    assert [p.start for p in schedule.placements] == [510, 560, 610, 810]
    assert validate(problem, schedule) == []


def test_units_are_numbered_first_free_in_start_order() -> None:
    problem = Problem(
        items=tuple(Item(key=f"m{i}", label=f"第{i}场", resource="c", duration=30) for i in range(5)),
        resources=(Resource(key="c", name="羽毛球场", capacity=2, windows=(Window(0, 600),)),),
    )
    schedule = greedy(problem)
    assert [(p.start, p.unit) for p in schedule.placements] == [(0, 1), (0, 2), (30, 1), (30, 2), (60, 1)]


def test_later_rounds_wait_for_their_feeders_and_the_rest() -> None:
    problem = Problem(
        items=(
            Item(key="sf1", label="半决赛1", resource="c", duration=30, people=frozenset({"p:1", "p:2"})),
            Item(key="sf2", label="半决赛2", resource="c", duration=30, people=frozenset({"p:3", "p:4"})),
            Item(key="f", label="决赛", resource="c", duration=30, people=frozenset({"p:1", "p:2", "p:3", "p:4"}),
                 after=("sf1", "sf2")),
        ),
        resources=(Resource(key="c", name="球场", capacity=2, windows=(Window(0, 600),)),),
        min_rest=15,
    )
    schedule = greedy(problem)
    assert schedule.finish == 75
    bound = lower_bound(problem)
    assert bound.parts["chain"] == 75 and bound.value == 75


# CP-SAT ------------------------------------------------------------------------------------


@SOLVER
@given(problems(max_items=10))
def test_cpsat_result_passes_the_validator_and_is_never_worse_than_greedy(problem: Problem) -> None:
    hint = greedy(problem)
    seen: list[int] = []
    result = improve(problem, hint, seconds=0.5, workers=1, on_progress=lambda s, b: seen.append(s.finish))
    assert validate(problem, result.schedule) == []
    assert result.schedule.finish <= hint.finish
    assert lower_bound(problem).value <= result.bound <= result.schedule.finish
    assert all(later < earlier for earlier, later in zip([hint.finish, *seen], seen, strict=False))


@SOLVER
@given(problems(max_items=10), st.data())
def test_cpsat_keeps_pinned_items_and_units(problem: Problem, data: st.DataObject) -> None:
    first = greedy(problem)
    pinned = pin_closed(problem, first, data.draw(st.sets(st.sampled_from([it.key for it in problem.items]), max_size=3)))
    result = improve(pinned, greedy(pinned), seconds=0.5, workers=1)
    assert validate(pinned, result.schedule) == []
    where = {p.item: p for p in result.schedule.placements}
    for it in pinned.items:
        if it.pinned is not None:
            assert (where[it.key].start, where[it.key].unit) == (it.pinned, it.pinned_unit)


def test_four_half_hour_matches_on_two_courts_finish_in_an_hour() -> None:
    problem = Problem(
        items=tuple(Item(key=f"m{i}", label=f"第{i}场", resource="c", duration=30) for i in range(4)),
        resources=(Resource(key="c", name="羽毛球场", capacity=2, windows=(Window(0, 600),)),),
    )
    result = improve(problem, greedy(problem), seconds=2, workers=1)
    assert result.schedule.finish == 60 and result.bound == 60 and result.optimal


def test_greedy_starts_the_busiest_person_first_and_fits_others_into_their_rests() -> None:
    # One table: 李四 plays once, 张三 three times with 15 minutes' rest between. Listed first,
    # 李四's match would go first and 张三's three would follow (150 min); started with 张三,
    # 李四 plays during 张三's first rest and the day is over at 135 — the busiest pass finds it.
    items = (Item(key="q", label="李四", resource="t", duration=30, people=frozenset({"p:2"})),) + tuple(
        Item(key=f"x{i}", label=f"张三 第{i}场", resource="t", duration=30, people=frozenset({"p:1"})) for i in range(3)
    )
    problem = Problem(items=items, resources=(Resource(key="t", name="乒乓球台", capacity=1),), min_rest=15)
    schedule = greedy(problem)
    assert validate(problem, schedule) == []
    starts = {p.item: p.start for p in schedule.placements}
    assert schedule.finish == 135 and starts["x0"] == 0 and starts["q"] == 30


def test_cpsat_proves_the_optimum_of_a_small_mixed_case() -> None:
    problem = Problem(
        items=(
            Item(key="a1", label="甲1", resource="c", duration=40, people=frozenset({"p:1"})),
            Item(key="a2", label="甲2", resource="c", duration=40, people=frozenset({"p:1"}), after=("a1",)),
            Item(key="b", label="乙", resource="c", duration=100, people=frozenset({"p:2"})),
            Item(key="c", label="丙", resource="c", duration=60, people=frozenset({"p:1", "p:2"})),
        ),
        resources=(Resource(key="c", name="球场", capacity=2, windows=(Window(0, 1000),)),),
        min_rest=10,
    )
    hint = greedy(problem)
    result = improve(problem, hint, seconds=2, workers=1)
    assert validate(problem, result.schedule) == []
    assert result.optimal and result.schedule.finish == result.bound <= hint.finish


def test_sessions_with_breaks_have_their_known_optimum() -> None:
    # 60-minute items on one court, windows of 100 and 130 minutes: one fits in the first, two in
    # the second, so the best finish is 200 + 120 = 320.
    problem = Problem(
        items=tuple(Item(key=f"m{i}", label=f"第{i}场", resource="c", duration=60) for i in range(3)),
        resources=(Resource(key="c", name="球场", windows=(Window(0, 100), Window(200, 330))),),
    )
    result = improve(problem, greedy(problem), seconds=2, workers=1)
    assert result.schedule.finish == 320 and result.bound == 320 and result.optimal


# the validator catches each kind of broken schedule -----------------------------------------

HAND = Problem(
    items=(
        Item(key="a", label="甲", resource="c", duration=30, people=frozenset({"p:1"}), teams=frozenset({"t:1"})),
        Item(key="b", label="乙", resource="c", duration=30, people=frozenset({"p:2"}), teams=frozenset({"t:2"})),
        Item(key="c", label="丙", resource="c", duration=30, people=frozenset({"p:1"}), after=("a",)),
        Item(key="d", label="丁", resource="c", duration=30, teams=frozenset({"t:2"}), pinned=700, pinned_unit=2),
        Item(key="e", label="戊", resource="s", duration=20, not_before=600),
    ),
    resources=(
        Resource(key="c", name="羽毛球场", capacity=2, windows=(Window(510, 690), Window(690, 750))),
        Resource(key="s", name="棋室", capacity=1, windows=(Window(510, 690),)),
    ),
    min_rest=15,
)
GOOD = Schedule(
    placements=(
        Placement("a", 510, 540, "c", 1),
        Placement("b", 510, 540, "c", 2),
        Placement("c", 555, 585, "c", 1),
        Placement("e", 600, 620, "s", 1),
        Placement("d", 700, 730, "c", 2),
    ),
    finish=730,
)


def broken(item: str, **changes: object) -> Schedule:
    placements = tuple(msgspec.structs.replace(p, **changes) if p.item == item else p for p in GOOD.placements)
    return Schedule(placements=placements, finish=max(p.end for p in placements))


def kinds(schedule: Schedule) -> set[str]:
    return {c.kind for c in validate(HAND, schedule)}


def test_the_hand_schedule_is_valid_and_touching_windows_make_one_opening() -> None:
    assert validate(HAND, GOOD) == []
    assert validate(HAND, greedy(HAND)) == []


def test_validator_catches_a_missing_item() -> None:
    assert kinds(Schedule(GOOD.placements[:-1], finish=620)) == {"missing"}


def test_validator_catches_an_item_placed_twice() -> None:
    assert "duplicate" in kinds(Schedule((*GOOD.placements, GOOD.placements[0]), finish=730))


def test_validator_catches_an_unknown_item() -> None:
    assert kinds(Schedule((*GOOD.placements, Placement("x", 600, 630, "c", 1)), finish=730)) == {"unknown"}


def test_validator_catches_a_wrong_duration() -> None:
    assert kinds(broken("e", end=615)) == {"duration"}


def test_validator_catches_a_wrong_resource() -> None:
    assert "resource" in kinds(broken("e", resource="c", unit=1))


def test_validator_catches_an_item_outside_the_windows() -> None:
    assert kinds(broken("e", start=680, end=700)) == {"window"}  # across the chess room's closing


def test_validator_catches_a_unit_out_of_range() -> None:
    assert kinds(broken("b", unit=3)) == {"unit"}


def test_validator_catches_two_items_on_one_unit() -> None:
    assert kinds(broken("b", unit=1)) == {"unit_overlap"}


def test_two_items_on_one_unit_are_named_by_the_venues_own_word_for_it() -> None:
    tables = msgspec.structs.replace(HAND, resources=(
        msgspec.structs.replace(HAND.resources[0], name="乒乓球室", unit_word="号台"), HAND.resources[1],
    ))
    [clash] = [c for c in validate(tables, broken("b", unit=1)) if c.kind == "unit_overlap"]
    assert clash.message.endswith("同时占用 乒乓球室 1号台")
    [plain] = [c for c in validate(HAND, broken("b", unit=1)) if c.kind == "unit_overlap"]
    assert plain.message.endswith("同时占用 羽毛球场 1号")


def test_validator_catches_capacity_exceeded() -> None:
    extra = Problem(items=(*HAND.items, Item(key="f", label="己", resource="c", duration=30)), resources=HAND.resources)
    schedule = Schedule((*GOOD.placements, Placement("f", 515, 545, "c", 2)), finish=730)
    found = {c.kind for c in validate(extra, schedule)}
    assert {"capacity", "unit_overlap"} <= found


def test_validator_catches_a_person_in_two_places() -> None:
    assert "person" in kinds(broken("c", start=520, end=550, unit=2))


def test_validator_catches_a_team_in_two_places() -> None:
    assert kinds(broken("b", start=700, end=730, unit=1)) == {"team"}


def test_validator_catches_too_short_a_rest() -> None:
    assert kinds(broken("c", start=545, end=575)) == {"rest"}


def test_validator_catches_rounds_out_of_order() -> None:
    swapped = Schedule(
        tuple(
            msgspec.structs.replace(p, start=555, end=585) if p.item == "a"
            else msgspec.structs.replace(p, start=510, end=540) if p.item == "c" else p
            for p in GOOD.placements
        ),
        finish=730,
    )
    assert kinds(swapped) == {"order"}


def test_validator_catches_a_moved_pinned_item() -> None:
    assert kinds(broken("d", start=710, end=740)) == {"pinned"}


def test_validator_catches_a_pinned_item_on_another_unit() -> None:
    assert kinds(broken("d", unit=1)) == {"pinned_unit"}


def test_validator_catches_a_start_before_not_before() -> None:
    assert kinds(broken("e", start=590, end=610)) == {"not_before"}


def test_validator_catches_a_wrong_finish() -> None:
    assert kinds(Schedule(GOOD.placements, finish=700)) == {"finish"}


def test_validator_messages_are_chinese() -> None:
    conflicts = validate(HAND, broken("c", start=545, end=575))
    assert conflicts and "休息不足" in conflicts[0].message


def test_cpsat_replaces_a_broken_hint_with_a_fresh_greedy_schedule() -> None:
    problem = Problem(
        items=tuple(Item(key=f"m{i}", label=f"第{i}场", resource="c", duration=30) for i in range(4)),
        resources=(Resource(key="c", name="羽毛球场", capacity=2, windows=(Window(0, 600),)),),
    )
    stale = Schedule(placements=(Placement("m0", 0, 30, "c", 1),), finish=30)  # three items missing
    result = improve(problem, stale, seconds=1, workers=1)
    assert validate(problem, result.schedule) == [] and result.schedule.finish == 60


# items of several units: a Swiss round not yet paired takes a block of boards -----------------

HALL = Resource(key="h", name="棋类赛场", capacity=6, windows=(Window(510, 690),))


def test_a_round_of_several_boards_takes_a_block_and_waits_for_it() -> None:
    problem = Problem(
        items=(
            Item(key="x", label="第1轮 第1台", resource="h", duration=60, people=frozenset({"p:1", "p:2"}), pinned=510, pinned_unit=1),
            Item(key="y", label="第1轮 第2台", resource="h", duration=30, people=frozenset({"p:3", "p:4"}), pinned=510, pinned_unit=2),
            Item(key="r2", label="第2轮(5台)", resource="h", duration=60, units=5, people=frozenset({"p:9"})),
        ),
        resources=(HALL,),
        min_rest=15,
    )
    schedule = greedy(problem)
    assert validate(problem, schedule) == []
    where = {p.item: p for p in schedule.placements}
    # boards 3–6 are free at 08:30, one short; boards 2–6 once board 2 frees at 09:00
    assert (where["r2"].start, where["r2"].unit, where["r2"].end) == (540, 2, 600)
    result = improve(problem, schedule, seconds=2, workers=1)
    assert validate(problem, result.schedule) == []
    assert result.schedule.finish == 600 and result.optimal


def test_a_round_needing_more_boards_than_the_hall_has_is_refused_in_chinese() -> None:
    problem = Problem(items=(Item(key="r", label="第2轮", resource="h", duration=60, units=7),), resources=(HALL,))
    with pytest.raises(TimetableError, match="第2轮 需要 7 块场地,棋类赛场 只有 6 块"):
        greedy(problem)


def test_validator_counts_every_unit_of_a_block() -> None:
    problem = Problem(
        items=(
            Item(key="r", label="第2轮", resource="h", duration=60, units=4),
            Item(key="b", label="加赛", resource="h", duration=60),
        ),
        resources=(HALL,),
    )
    assert validate(problem, Schedule((Placement("r", 510, 570, "h", 1), Placement("b", 510, 570, "h", 5)), finish=570)) == []
    on_block = {c.kind for c in validate(problem, Schedule((Placement("r", 510, 570, "h", 1), Placement("b", 510, 570, "h", 4)), finish=570))}
    assert on_block == {"unit_overlap"}
    past_end = {c.kind for c in validate(problem, Schedule((Placement("r", 510, 570, "h", 4), Placement("b", 510, 570, "h", 1)), finish=570))}
    assert "unit" in past_end
    too_many = Problem(items=(*problem.items, Item(key="c", label="加赛2", resource="h", duration=60, units=2)), resources=(HALL,))
    crowded = Schedule(
        (Placement("r", 510, 570, "h", 1), Placement("b", 510, 570, "h", 5), Placement("c", 520, 580, "h", 5)), finish=580
    )
    assert {"capacity", "unit_overlap"} <= {c.kind for c in validate(too_many, crowded)}
