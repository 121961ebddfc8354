"""The timetable's lower bound is valid: on tiny meets it never exceeds the optimum found by
brute force (every order of the items, each placed at its earliest feasible start — one of
these orders rebuilds an optimal schedule), nor the finish of any schedule greedy or CP-SAT
finds, nor does the solver's own proven bound; and a chain of rounds that runs past the
evening resumes the next morning in the bound."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.timetable import (
    Item,
    Problem,
    Resource,
    Window,
    greedy,
    lower_bound,
    make_schedule,
    open_windows,
    opening_minutes,
    opening_spans,
    opening_time,
)
from scheduling.timetable_check import validate
from scheduling.timetable_cpsat import _clear_session, _closed_times, _next_finish, _raise_bound, improve

DAY = 1440
SESSIONS = ((510, 690), (810, 1050))  # 08:30–11:30, 13:30–17:30
TINY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOLVER = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def sessions(days: int) -> tuple[Window, ...]:
    return tuple(Window(d * DAY + a, d * DAY + b) for d in range(days) for a, b in SESSIONS)


@st.composite
def tiny_problems(draw: st.DrawFn, max_items: int = 6) -> Problem:
    """A few items sharing people, teams and venues, with rests, rounds and short sessions —
    small enough for every order to be tried."""
    days = 4
    resources = tuple(
        Resource(key=f"r{i}", name=f"场地{i}", capacity=draw(st.integers(1, 2)), windows=sessions(days))
        for i in range(draw(st.integers(1, 2)))
    )
    items: list[Item] = []
    for i in range(draw(st.integers(1, max_items))):
        after = tuple(sorted(draw(st.sets(st.sampled_from([f"i{j}" for j in range(i)]), max_size=2)))) if i else ()
        resource = draw(st.sampled_from(resources))
        items.append(
            Item(
                key=f"i{i}", label=f"第{i}场", resource=resource.key,
                units=draw(st.one_of(st.just(1), st.integers(1, resource.capacity))),
                duration=draw(st.sampled_from([10, 20, 30, 40, 60, 90, 150])),
                people=frozenset(draw(st.sets(st.sampled_from(["p:1", "p:2", "p:3"]), max_size=3))),
                teams=frozenset(draw(st.sets(st.sampled_from(["t:1", "t:2"]), max_size=1))),
                after=after,
                not_before=draw(st.one_of(st.none(), st.sampled_from([600, 900, DAY + 520]))),
            )
        )
    return Problem(items=tuple(items), resources=resources, min_rest=draw(st.sampled_from([0, 15, 30])))


def brute_force_optimum(problem: Problem) -> int:
    """The best finish over every order of the items that respects ``after``, each item put at
    its earliest feasible start given those before it. Sorting an optimal schedule by start
    gives such an order, and placing in it never starts an item later than that schedule did,
    so the minimum over all orders is the optimum. Written apart from the solvers."""
    items = {it.key: it for it in problem.items}
    windows = {r.key: open_windows(r) for r in problem.resources}
    capacity = {r.key: r.capacity for r in problem.resources}
    rest = problem.min_rest
    best: int | None = None
    for order in itertools.permutations(items):
        position = {k: i for i, k in enumerate(order)}
        if any(position[p] > position[k] for k in order for p in items[k].after):
            continue
        placed: dict[str, tuple[int, int]] = {}
        for k in order:
            it = items[k]
            ready = max([it.not_before or 0] + [placed[p][1] + (rest if _share(items[p], it) else 0) for p in it.after])
            candidates = {ready} | {a for a, _ in windows[it.resource]}
            for q, (s, e) in placed.items():
                candidates |= {e, e + rest}
            start = min(t for t in candidates if t >= ready and _fits(problem, items, windows, capacity, placed, it, t))
            placed[k] = (start, start + it.duration)
        finish = max(e for _, e in placed.values())
        best = finish if best is None else min(best, finish)
    assert best is not None
    return best


def _share(a: Item, b: Item) -> bool:
    return bool(a.people & b.people or a.teams & b.teams)


def _fits(problem, items, windows, capacity, placed, it, t) -> bool:  # noqa: ANN001
    e = t + it.duration
    if not any(a <= t and e <= b for a, b in windows[it.resource]):
        return False
    for q, (s, qe) in placed.items():
        if _share(items[q], it) and s < e + problem.min_rest and t < qe + problem.min_rest:
            return False
    same = [(q, (s, qe)) for q, (s, qe) in placed.items() if items[q].resource == it.resource and s < e and t < qe]
    # intervals that all overlap [t, e): the most running at once is reached at one of their starts or at t
    for point in {t} | {max(s, t) for _, (s, _) in same}:
        if sum(items[q].units for q, (s, qe) in same if s <= point < qe) + it.units > capacity[it.resource]:
            return False
    return True


@TINY
@given(tiny_problems())
def test_the_bound_never_exceeds_the_brute_force_optimum(problem: Problem) -> None:
    optimum = brute_force_optimum(problem)
    bound = lower_bound(problem)
    assert bound.value == max(bound.parts.values())
    assert bound.value <= optimum
    schedule = greedy(problem)  # and the brute force is no worse than greedy: it really is an optimum
    assert validate(problem, schedule) == []
    assert optimum <= schedule.finish


@SOLVER
@given(tiny_problems(max_items=5))
def test_the_bound_after_cpsat_never_exceeds_the_brute_force_optimum(problem: Problem) -> None:
    optimum = brute_force_optimum(problem)
    result = improve(problem, greedy(problem), seconds=0.5, workers=1)
    assert validate(problem, result.schedule) == []
    assert lower_bound(problem).value <= result.bound <= optimum <= result.schedule.finish


def test_a_chain_of_rounds_past_the_evening_resumes_the_next_morning_in_the_bound() -> None:
    # Six 30-minute matches on one court from 13:30 fill the afternoon to 16:30; the final waits
    # for them, then a rest, and 60 minutes more do not fit before 17:30: the bound is the next
    # morning's 09:30, not 17:45.
    court = Resource(key="c", name="球场", capacity=1, windows=sessions(2))
    matches = tuple(
        Item(key=f"m{i}", label=f"第{i}场", resource="c", duration=30, people=frozenset({f"p:{i}"}), not_before=810)
        for i in range(6)
    )
    final = Item(
        key="f", label="决赛", resource="c", duration=60, people=frozenset(f"p:{i}" for i in range(6)),
        after=tuple(m.key for m in matches),
    )
    problem = Problem(items=(*matches, final), resources=(court,), min_rest=15)
    bound = lower_bound(problem)
    assert bound.value == DAY + 570
    assert greedy(problem).finish == DAY + 570


# The solver's own bound: lunch breaks and nights as busy venue time, and deadline probes ------


def test_a_venues_breaks_are_the_times_between_its_sessions_less_any_a_pinned_item_runs_into() -> None:
    court = Resource(key="c", name="球场", capacity=2, windows=sessions(2))
    assert _closed_times(court, [], 0, 2 * DAY) == [(690, 810), (1050, DAY + 510), (DAY + 690, DAY + 810)]
    assert _closed_times(court, [], 800, DAY + 600) == [(690, 810), (1050, DAY + 510)]
    # a frozen item from before the sessions were changed: the lunch it runs into is left out
    frozen = Item(key="f", label="开幕式", resource="c", duration=60, pinned=660)
    assert _closed_times(court, [frozen], 0, 2 * DAY) == [(1050, DAY + 510), (DAY + 690, DAY + 810)]


def test_the_next_possible_finish_skips_lunch_and_counts_the_shortest_item() -> None:
    court = Resource(key="c", name="球场", capacity=1, windows=sessions(2))
    problem = Problem(
        items=(Item(key="a", label="甲", resource="c", duration=20), Item(key="b", label="乙", resource="c", duration=45)),
        resources=(court,),
    )
    assert _next_finish(problem, 600) == 601
    assert _next_finish(problem, 689) == 690
    assert _next_finish(problem, 690) == 830  # lunch: 13:30 plus the shortest item's 20 minutes
    assert _next_finish(problem, 1050) == DAY + 530  # the night
    # how far into the sessions a time is, as the probes and the benchmark's gap count it
    spans = opening_spans(problem)
    assert [opening_minutes(spans, t) for t in (510, 690, 800, 830, DAY + 520)] == [0, 180, 180, 200, 430]
    # and back: the time so many opening minutes in (a probe's deadline); past the end, the last closing
    assert [opening_time(spans, m) for m in (0, 180, 200, 430, 840, 900)] == [510, 690, 830, DAY + 520, DAY + 1050, DAY + 1050]
    assert all(opening_minutes(spans, opening_time(spans, m)) == m for m in range(841))


def test_with_the_breaks_as_busy_time_cpsat_proves_a_finish_out_of_reach_that_it_cannot_without() -> None:
    # The 800-item benchmark meet: our bound is day 3 10:00 (table tennis's load). With lunch and
    # nights as busy venue time, CP-SAT shows at once that nothing ends by day 3 10:29; without
    # them (the control) it cannot even show day 3 09:59 in the same deterministic effort.
    from ortools.sat.python import cp_model

    from benchmarks.timetable import meet
    from scheduling import timetable_cpsat

    problem = meet("800")
    hint = greedy(problem)
    assert lower_bound(problem).value == 2 * DAY + 600

    def probe(deadline: int) -> str:
        built = timetable_cpsat._Model(problem, hint)
        built.model.add(built.finish <= deadline)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = 1.0
        return solver.status_name(solver.solve(built.model))

    assert probe(2 * DAY + 629) == "INFEASIBLE"
    original = timetable_cpsat._closed_times
    try:
        timetable_cpsat._closed_times = lambda *args: []  # type: ignore[assignment]
        assert probe(2 * DAY + 599) == "UNKNOWN"
    finally:
        timetable_cpsat._closed_times = original


@SOLVER
@given(tiny_problems(max_items=5))
def test_probing_deadlines_never_raises_the_bound_past_the_brute_force_optimum(problem: Problem) -> None:
    optimum = brute_force_optimum(problem)
    start = greedy(problem)
    # from a known bound of 0, so that the probes run even where greedy is already optimal
    best, bound = _raise_bound(problem, start, 0, 1.0, 1, None)
    assert validate(problem, best) == []
    assert bound <= optimum <= best.finish <= start.finish


@SOLVER
@given(tiny_problems(max_items=5))
def test_clearing_the_last_session_never_returns_a_worse_or_broken_schedule(problem: Problem) -> None:
    start = greedy(problem)
    best = _clear_session(problem, start, lower_bound(problem).value, 0.5, 1, None)
    assert validate(problem, best) == []
    assert best.finish <= start.finish


def test_clearing_moves_the_afternoons_items_into_the_morning_the_bound_falls_in() -> None:
    # Two one-hour matches on one court, the hint playing the second after lunch; both fit in
    # the morning, where the bound (10:30) is: clearing the afternoon ends at 10:30 or 11:30.
    court = Resource(key="c", name="球场", capacity=1, windows=sessions(1))
    problem = Problem(
        items=(
            Item(key="a", label="甲", resource="c", duration=60, people=frozenset({"p:1"})),
            Item(key="b", label="乙", resource="c", duration=60, people=frozenset({"p:2"})),
        ),
        resources=(court,),
    )
    afternoon = make_schedule(problem, {"a": 510, "b": 810}, {"a": 1, "b": 1})
    assert validate(problem, afternoon) == []
    assert lower_bound(problem).value == 630
    cleared = _clear_session(problem, afternoon, 630, 2.0, 1, None)
    assert validate(problem, cleared) == []
    assert cleared.finish <= 690 < afternoon.finish
