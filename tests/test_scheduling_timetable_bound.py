"""The timetable's lower bound is valid: on tiny meets it never exceeds the optimum found by
brute force (every order of the items, each placed at its earliest feasible start — one of
these orders rebuilds an optimal schedule), nor the finish of any schedule greedy or CP-SAT
finds, nor does the solver's own proven bound; and a chain of rounds that runs past the
evening resumes the next morning in the bound."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.timetable import Item, Problem, Resource, Window, greedy, lower_bound, open_windows
from scheduling.timetable_check import validate
from scheduling.timetable_cpsat import improve

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
