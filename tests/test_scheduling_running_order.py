"""A round's heats take its slots in number order once the times are known, unless that would put
someone in two places at once, cut a rest short or start a later round too early; the times,
venues and finish never change, and the result always passes the independent validator."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.running_order import in_running_order
from scheduling.timetable import Item, Placement, Problem, Resource, Schedule, Window, greedy
from scheduling.timetable_check import validate

DAY = 1440
TRACK = Resource(key="track", name="田径场", capacity=1, windows=(Window(510, 690), Window(810, 1050)))
OTHER = Resource(key="hall", name="乒乓球室", capacity=2, windows=(Window(510, 690), Window(810, 1050)))


def heat(n: int, *people: str, after: tuple[str, ...] = ()) -> Item:
    return Item(key=f"h{n}", label=f"男子100米 预赛第{n}组", resource="track", duration=10, people=frozenset(people), after=after)


def at(schedule: Schedule) -> dict[str, int]:
    return {p.item: p.start for p in schedule.placements}


def test_heats_placed_out_of_order_take_the_rounds_slots_in_number_order() -> None:
    items = (heat(1, "p:1"), heat(2, "p:2"), heat(3, "p:3"),
             Item(key="final", label="男子100米 决赛", resource="track", duration=10,
                  people=frozenset({"p:1", "p:2", "p:3"}), after=("h1", "h2", "h3")))
    problem = Problem(items=items, resources=(TRACK,), min_rest=15)
    placed = Schedule(placements=(
        Placement("h3", 510, 520, "track", 1), Placement("h1", 520, 530, "track", 1),
        Placement("h2", 530, 540, "track", 1), Placement("final", 555, 565, "track", 1),
    ), finish=565)
    assert validate(problem, placed) == []
    ordered = in_running_order(problem, placed, [["h1", "h2", "h3"]])
    assert at(ordered) == {"h1": 510, "h2": 520, "h3": 530, "final": 555}
    assert validate(problem, ordered) == [] and ordered.finish == placed.finish


def beside_table_tennis(player: str, minutes: int, heats_at: dict[str, int]) -> tuple[Problem, Schedule]:
    """Heats of 10 minutes on the track at the given starts, and ``player`` (of one of them) in a
    table-tennis match in the hall from 08:30 for ``minutes``; the schedule checked valid."""
    heats = tuple(heat(int(k[1:]), f"p:{k[1:]}") for k in sorted(heats_at))
    tt = Item(key="tt", label="乒乓球 第1轮", resource="hall", duration=minutes, people=frozenset({player, "p:9"}))
    problem = Problem(items=(*heats, tt), resources=(TRACK, OTHER), min_rest=15)
    placed = Schedule(placements=(
        *(Placement(k, s, s + 10, "track", 1) for k, s in heats_at.items()), Placement("tt", 510, 510 + minutes, "hall", 1),
    ), finish=max(heats_at.values()) + 10)
    assert validate(problem, placed) == []
    return problem, placed


def test_a_reorder_that_would_cut_someones_rest_short_is_not_made() -> None:
    """p:1 plays table tennis 08:30–08:45: heat 1 cannot take heat 2's slot at 08:50, 5 minutes
    later, with 15 minutes of rest due."""
    problem, placed = beside_table_tennis("p:1", 15, {"h2": 530, "h1": 560})
    assert in_running_order(problem, placed, [["h1", "h2"]]) == placed


def test_a_round_that_cannot_be_put_fully_in_order_gets_as_near_as_it_safely_can() -> None:
    """Heat 3 must stay last (its runner plays until 08:55); heats 1 and 2 still go into order."""
    problem, placed = beside_table_tennis("p:3", 25, {"h2": 510, "h1": 520, "h3": 560})
    ordered = in_running_order(problem, placed, [["h1", "h2", "h3"]])
    assert at(ordered) == {"h1": 510, "h2": 520, "h3": 560, "tt": 510}
    assert validate(problem, ordered) == []


def test_heat_one_takes_the_earliest_slot_it_can_and_the_others_follow_in_turn() -> None:
    """Heat 1's runner plays until 08:45, so heat 1 cannot run at 08:30: it runs second, heat 2
    first, heat 3 third — not heat 3 first and heat 2 last."""
    problem, placed = beside_table_tennis("p:1", 15, {"h3": 510, "h1": 560, "h2": 570})
    ordered = in_running_order(problem, placed, [["h1", "h2", "h3"]])
    assert at(ordered) == {"h2": 510, "h1": 560, "h3": 570, "tt": 510}
    assert validate(problem, ordered) == []


def test_items_that_are_not_alike_are_left_where_they_are() -> None:
    """A run whose items differ in length (or wait for different rounds, or share someone) is no
    run of heats."""
    items = (heat(1, "p:1"), Item(key="h2", label="男子100米 预赛第2组", resource="track", duration=12, people=frozenset({"p:2"})))
    problem = Problem(items=items, resources=(TRACK,), min_rest=15)
    placed = Schedule(placements=(Placement("h2", 510, 522, "track", 1), Placement("h1", 522, 532, "track", 1)), finish=532)
    assert in_running_order(problem, placed, [["h1", "h2"]]) == placed
    shared = Problem(items=(heat(1, "p:1"), heat(2, "p:1")), resources=(TRACK,), min_rest=0)
    placed = Schedule(placements=(Placement("h2", 510, 520, "track", 1), Placement("h1", 520, 530, "track", 1)), finish=530)
    assert validate(shared, placed) == [] and in_running_order(shared, placed, [["h1", "h2"]]) == placed


@st.composite
def meets_with_heats(draw: st.DrawFn) -> tuple[Problem, list[list[str]]]:
    """Rounds of heats on a track and a hall (the people shared at random, some rounds waiting
    for the one before), and matches of the same people in the hall."""
    people = [f"p:{n}" for n in range(draw(st.integers(3, 12)))]
    windows = tuple(Window(d * DAY + a, d * DAY + b) for d in range(4) for a, b in ((510, 690), (810, 1050)))
    track = Resource(key="track", name="田径场", capacity=draw(st.integers(1, 2)), windows=windows)
    hall = Resource(key="hall", name="乒乓球室", capacity=2, windows=windows)
    items: list[Item] = []
    runs: list[list[str]] = []
    previous: tuple[str, ...] = ()
    for r in range(draw(st.integers(1, 4))):
        duration = draw(st.integers(5, 30))
        after = previous if previous and draw(st.booleans()) else ()
        keys = []
        for h in range(draw(st.integers(2, 5))):
            who = draw(st.sets(st.sampled_from(people), min_size=1, max_size=3))
            items.append(Item(key=f"r{r}h{h}", label=f"第{r + 1}项 第{h + 1}组", resource="track", duration=duration,
                              people=frozenset(who), after=after))
            keys.append(f"r{r}h{h}")
        runs.append(draw(st.permutations(keys)))  # any running order
        previous = tuple(keys)
    for m in range(draw(st.integers(0, 6))):
        who = draw(st.sets(st.sampled_from(people), min_size=1, max_size=2))
        items.append(Item(key=f"m{m}", label=f"第{m + 1}场", resource="hall", duration=draw(st.integers(10, 40)), people=frozenset(who)))
    order = draw(st.permutations(items))  # a different greedy order, so heats land out of order
    return Problem(items=tuple(order), resources=(track, hall), min_rest=draw(st.sampled_from([0, 10, 15]))), runs


@given(meets_with_heats())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_putting_heats_in_order_keeps_every_rule_and_every_slot(case: tuple[Problem, list[list[str]]]) -> None:
    problem, runs = case
    schedule = greedy(problem)
    ordered = in_running_order(problem, schedule, runs)
    assert validate(problem, ordered) == []
    assert ordered.finish == schedule.finish
    before = {p.item: p for p in schedule.placements}
    after = {p.item: p for p in ordered.placements}
    assert set(after) == set(before)
    in_runs = {k for run in runs for k in run}
    assert all(after[k] == before[k] for k in after if k not in in_runs)  # only heats move
    for run in runs:  # within a round: the same slots, shared out again
        assert Counter((before[k].start, before[k].unit) for k in run) == Counter((after[k].start, after[k].unit) for k in run)
    assert in_running_order(problem, ordered, runs) == ordered  # nothing left to do a second time
    items = {it.key: it for it in problem.items}
    for run in runs:  # heats of strangers: an order no later in turn (heat 1's slot, then heat 2's …)
        people = [p for k in run for p in items[k].people]
        if len(people) == len(set(people)):
            assert [(after[k].start, after[k].unit) for k in run] <= [(before[k].start, before[k].unit) for k in run]



@given(meets_with_heats())
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_heats_of_strangers_always_end_up_in_number_order(case: tuple[Problem, list[list[str]]]) -> None:
    """With no one in two items, nothing stands in the way: every round runs in number order."""
    problem, runs = case
    alone = Problem(
        items=tuple(Item(key=it.key, label=it.label, resource=it.resource, duration=it.duration, after=it.after) for it in problem.items),
        resources=problem.resources, min_rest=problem.min_rest,
    )
    ordered = {p.item: (p.start, p.unit) for p in in_running_order(alone, greedy(alone), runs).placements}
    for run in runs:
        assert [ordered[k] for k in run] == sorted(ordered[k] for k in run)
