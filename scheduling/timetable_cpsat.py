"""Improving a timetable with OR-Tools CP-SAT, hinted by the greedy one — pure.

Each item is an interval of fixed length whose start may only take values that keep it inside
one opening of its resource (the start's domain is the union of ``[open, close − duration]``
over the windows, so no lunch break or night is ever crossed). Per resource: a no-overlap
(capacity 1) or a cumulative (capacity k, each item taking its ``units``), both holding the
venue's lunch breaks and nights as fixed intervals that take the whole venue (the domains
already keep items out of them; as busy time they also count in the venue's energy, which is
what lets CP-SAT prove a large meet's finish out of reach); resources holding
items pinned to a court or table (and no item of several units) get one optional interval per
unit as well, so the pinned numbers are kept exactly. Per person
and team: a no-overlap of intervals lengthened by ``min_rest`` (two of them then lie at least
the rest apart). ``after`` is a precedence, with the rest when the items share anyone (items
waiting for one set of feeders also share one "all ended" variable);
pinned items are fixed. The objective is the finish (the last end).

The time is spent in phases. The first fifth (all of a budget under about 0.6 s) goes to
CP-SAT's full search, which proves a small meet's optimum within it. If the optimum is not
proved, a tenth of what is left goes to deadline probes: can everything end by a time halfway
between the bound and the best finish, in opening minutes? A proof that it cannot raises the
bound; an open answer tries earlier. Then, if the best finish lies in a later session than the
bound, neighbourhood search minimises the number of items ending after the bound's session
(the finish alone stalls there: the last session empties only when a whole chain of late
rounds moves at once, and until then every step looks like no progress) for as long as it
takes to empty them, up to all the time left; whatever is left then goes to neighbourhood
search on the finish from the best found. When the finish is proved
optimal with time to spare, a second pass keeps the finish and pulls the starts earlier.

The greedy schedule is the hint (a hint that fails the validator is replaced by a fresh greedy
one) and also the ceiling: every end is at most its finish, and the
answer is never worse than the hint (the hint comes back if nothing better was found). Units of
a cumulative resource are numbered as greedy does (pinned first, then first free in start
order). ``bound`` is the largest of ``lower_bound``, the bounds CP-SAT proved in its searches
and what the deadline probes proved.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable

import msgspec
from ortools.sat.python import cp_model

from scheduling.timetable import (
    Item,
    Problem,
    Resource,
    Schedule,
    assign_units,
    check_structure,
    earliest_starts,
    entities,
    fit,
    gap,
    greedy,
    lower_bound,
    make_schedule,
    open_windows,
    opening_minutes,
    opening_spans,
    opening_time,
    successors_of,
    tails,
)
from scheduling.timetable_check import validate

PER_UNIT_LIMIT = 4000  # optional intervals allowed for a resource modelled unit by unit
PROOF_SHARE = 0.2  # of the time, for the full search; neighbourhood search alone has the rest
PROBE_SHARE = 0.1  # of what is left then, for raising the bound


class Improvement(msgspec.Struct, frozen=True):
    schedule: Schedule
    bound: int
    optimal: bool
    seconds: float


class _Model:
    def __init__(self, problem: Problem, hint: Schedule) -> None:
        items, resources, order = check_structure(problem)
        self.problem, self.items = problem, items
        est = earliest_starts(problem)
        ceiling = hint.finish
        rest = problem.min_rest
        m = self.model = cp_model.CpModel()
        hinted = {p.item: p for p in hint.placements}
        # the chain still hanging on each item: it must fit before the ceiling
        successors = successors_of(problem)
        tail = tails(problem, items, order)

        self.start: dict[str, cp_model.IntVar] = {}
        self.interval: dict[str, cp_model.IntervalVar] = {}
        for k, it in items.items():
            if it.pinned is not None:
                s = m.new_constant(it.pinned)
            else:
                lo, hi = est[k], ceiling - tail[k]
                ranges = [
                    [max(a, lo), min(b - it.duration, hi)]
                    for a, b in open_windows(resources[it.resource])
                    if max(a, lo) <= min(b - it.duration, hi)
                ]
                if not ranges:  # cannot beat the hint; keep its time for this item
                    ranges = [[hinted[k].start, hinted[k].start]]
                s = m.new_int_var_from_domain(cp_model.Domain.from_intervals(ranges), f"s{k}")
                m.add_hint(s, hinted[k].start)
            self.start[k] = s
            self.interval[k] = m.new_fixed_size_interval_var(s, it.duration, f"i{k}")

        self.finish = m.new_int_var(0, ceiling, "finish")
        for k, it in items.items():
            if not successors[k]:  # the others end before some successor starts
                m.add(self.finish >= self.start[k] + it.duration)
        m.add_hint(self.finish, ceiling)
        # Precedence, with the rest when the two share someone. Items waiting for the same set of
        # feeders (a final after all heats, the matches after the same two groups) also wait for
        # one "all ended" variable.
        waits: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for it in problem.items:
            if it.after:
                waits[tuple(sorted(set(it.after)))].append(it.key)
        for feeders, waiting in waits.items():
            if len(feeders) >= 3 and len(waiting) >= 2:
                done = m.new_int_var(0, ceiling, "done")
                m.add_hint(done, max(hinted[p].end for p in feeders))
                for p in feeders:
                    m.add(done >= self.start[p] + items[p].duration)
                for k in waiting:
                    m.add(self.start[k] >= done)
                    for p in feeders:  # the rest, stated too: it helps the bound
                        if gap(items[p], items[k], rest):
                            m.add(self.start[k] >= self.start[p] + items[p].duration + rest)
            else:
                for k in waiting:
                    for p in feeders:
                        m.add(self.start[k] >= self.start[p] + items[p].duration + gap(items[p], items[k], rest))

        # people and teams: intervals lengthened by the rest may not overlap
        rested: dict[str, cp_model.IntervalVar] = {}
        by_who: dict[str, list[str]] = defaultdict(list)
        for k, it in items.items():
            for w in entities(it):
                by_who[w].append(k)
        for ks in _unsubsumed(by_who.values()):
            for k in ks:
                if k not in rested:
                    rested[k] = m.new_fixed_size_interval_var(self.start[k], items[k].duration + rest, f"r{k}")
            m.add_no_overlap([rested[k] for k in ks])

        # venues
        by_resource: dict[str, list[str]] = defaultdict(list)
        for k, it in items.items():
            by_resource[it.resource].append(k)
        self.unit_vars: dict[str, dict[int, cp_model.IntVar]] = {}
        self.per_unit: set[str] = set()
        for key, ks in by_resource.items():
            cap = resources[key].capacity
            closed = [
                m.new_fixed_size_interval_var(a, b - a, f"closed_{key}_{a}")
                for a, b in _closed_times(resources[key], [items[k] for k in ks], min(est[k] for k in ks), ceiling)
            ]
            if cap == 1:
                if len(ks) > 1:
                    m.add_no_overlap([self.interval[k] for k in ks] + closed)
                continue
            if sum(items[k].units for k in ks) <= cap:
                continue
            m.add_cumulative(
                [self.interval[k] for k in ks] + closed, [items[k].units for k in ks] + [cap] * len(closed), cap
            )
            single = all(items[k].units == 1 for k in ks)
            if single and any(items[k].pinned_unit is not None for k in ks) and len(ks) * cap <= PER_UNIT_LIMIT:
                self.per_unit.add(key)
                on_unit: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
                for k in ks:
                    it = items[k]
                    if it.pinned_unit is not None:
                        on_unit[it.pinned_unit].append(self.interval[k])
                        continue
                    chosen = {}
                    for u in range(1, cap + 1):
                        b = m.new_bool_var(f"u{k}_{u}")
                        chosen[u] = b
                        on_unit[u].append(
                            m.new_optional_fixed_size_interval_var(self.start[k], it.duration, b, f"o{k}_{u}")
                        )
                        m.add_hint(b, hinted[k].unit == u)
                    m.add_exactly_one(chosen.values())
                    self.unit_vars[k] = chosen
                for intervals in on_unit.values():
                    if len(intervals) > 1:
                        m.add_no_overlap(intervals)

    def decode(self, value: Callable[[cp_model.IntVar], int]) -> Schedule | None:
        """The solution as a schedule; None if its units cannot be numbered (pins in the way)."""
        starts = {k: int(value(s)) for k, s in self.start.items()}
        rest = tuple(it for it in self.problem.items if it.resource not in self.per_unit)
        units = assign_units(msgspec.structs.replace(self.problem, items=rest), starts)
        if units is None:
            return None
        for it in self.problem.items:
            if it.resource in self.per_unit:
                if it.pinned_unit is not None:
                    units[it.key] = it.pinned_unit
                else:
                    units[it.key] = next(u for u, b in self.unit_vars[it.key].items() if value(b))
        return make_schedule(self.problem, starts, units)


def _closed_times(resource: Resource, items: list[Item], lo: int, hi: int) -> list[tuple[int, int]]:
    """The venue's lunch breaks and nights between ``lo`` and ``hi``, as times it is fully taken.

    The start domains already keep every item out of them; stated as busy time on the venue they
    also count in its energy: the solver then sees that 8 tables cannot play 60 matches between
    10:30 and 13:30 because two of those hours are lunch (on the 800-item benchmark meet this is
    what lets it prove day 3 10:30 out of reach, where without them it cannot prove 09:30). A
    break a pinned item runs into is left out, so the model never turns infeasible on that
    account (the greedy refuses such a pin before CP-SAT runs)."""
    windows = open_windows(resource)
    pinned = [(it.pinned, it.pinned + it.duration) for it in items if it.pinned is not None]
    return [
        (a, b)
        for (_, a), (b, _) in zip(windows, windows[1:], strict=False)
        if a < hi and b > lo and not any(s < b and a < e for s, e in pinned)
    ]


def _unsubsumed(groups: Iterable[list[str]]) -> list[list[str]]:
    """The item lists of people and teams, less those inside another one (their no-overlap is
    implied): the players of one group share most of their later-round items."""
    kept: list[frozenset[str]] = []
    holding: dict[str, list[int]] = defaultdict(list)
    for g in sorted({frozenset(g) for g in groups if len(g) >= 2}, key=lambda g: (-len(g), sorted(g))):
        rarest = min(g, key=lambda k: len(holding[k]))
        if any(g <= kept[i] for i in holding[rarest]):
            continue
        for k in g:
            holding[k].append(len(kept))
        kept.append(g)
    return [sorted(g) for g in kept]


class _Progress(cp_model.CpSolverSolutionCallback):
    """Keeps the earliest-finishing schedule seen and reports it. ``clearing``: the objective
    counts the items left after a session (not the finish), and the search stops at none."""

    def __init__(self, model: _Model, best: Schedule, floor: int, report: Callable[[Schedule, int], None] | None,
                 *, clearing: bool = False) -> None:
        super().__init__()
        self.m, self.best, self.floor, self.report, self.clearing = model, best, floor, report, clearing
        self.best_at = 0.0

    def on_solution_callback(self) -> None:
        if self.clearing and self.objective_value == 0:
            self.stop_search()
        schedule = self.m.decode(self.value)
        if schedule is None or schedule.finish >= self.best.finish:
            return
        self.best = schedule
        self.best_at = self.wall_time
        if self.report is not None:
            self.report(schedule, self.floor if self.clearing else max(self.floor, int(self.best_objective_bound)))
        if schedule.finish <= self.floor:  # nothing can beat it: leave the time to the second pass
            self.stop_search()


def improve(
    problem: Problem,
    hint: Schedule,
    *,
    seconds: float,
    workers: int = 2,
    on_progress: Callable[[Schedule, int], None] | None = None,
) -> Improvement:
    """The best timetable CP-SAT finds in ``seconds`` starting from ``hint`` (never worse)."""
    began = time.monotonic()

    def left() -> float:
        return seconds - (time.monotonic() - began)

    if validate(problem, hint):  # a stale or broken hint: start from a fresh greedy schedule
        hint = greedy(problem)
    floor = lower_bound(problem).value
    if not problem.items or hint.finish <= floor:
        return Improvement(schedule=hint, bound=floor, optimal=hint.finish <= floor, seconds=time.monotonic() - began)
    # A full search first, which can prove a small meet's optimum; then deadline probes for the
    # bound, emptying the sessions after the bound's, and neighbourhood search on the finish.
    full = left() if left() * (1 - PROOF_SHARE) <= 0.5 else left() * PROOF_SHARE  # a short budget: all of it
    best, bound, proved = _search(problem, hint, floor, max(0.1, full), workers, on_progress, lns_only=False)
    if not proved and left() > 1.0:
        best, bound = _raise_bound(problem, best, bound, left() * PROBE_SHARE, workers, on_progress)
        proved = best.finish <= bound
    if not proved and left() > 1.0:
        best = _clear_session(problem, best, bound, left(), workers, on_progress)
    if best.finish > bound and left() > 0.5:
        best, bound, _ = _search(problem, best, bound, left(), workers, on_progress, lns_only=True)
    bound = min(bound, best.finish)
    optimal = best.finish <= bound
    if optimal and left() > 1.0 and best.finish == bound:
        best = _pull_earlier(problem, best, left(), workers) or best
    return Improvement(schedule=best, bound=bound, optimal=optimal, seconds=time.monotonic() - began)


def _solver(seconds: float, workers: int, *, lns_only: bool = False) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = 0
    solver.parameters.use_lns_only = lns_only
    return solver


def _next_finish(problem: Problem, t: int) -> int:
    """The earliest time after ``t`` at which an item can end (its venue's shortest item, inside one opening)."""
    ends = []
    for r in problem.resources:
        shortest = min((it.duration for it in problem.items if it.resource == r.key), default=None)
        windows = open_windows(r)
        start = None if shortest is None else fit(windows, [b for _, b in windows], t + 1 - shortest, shortest)
        if start is not None:
            ends.append(start + shortest)
    return min(ends, default=t + 1)


def _raise_bound(
    problem: Problem, best: Schedule, bound: int, seconds: float, workers: int,
    on_progress: Callable[[Schedule, int], None] | None,
) -> tuple[Schedule, int]:
    """Ask CP-SAT, a second or so each, whether everything can end by a time between the bound
    and the best finish (halving the range in opening minutes): a proof that it cannot raises the
    bound past that time, a schedule that does is the new best; an open answer tries earlier."""
    began = time.monotonic()
    built = _Model(problem, best)
    spans = opening_spans(problem)
    lo, hi = opening_minutes(spans, bound), opening_minutes(spans, best.finish) - 1
    each = max(0.5, seconds / 6)
    while lo <= hi and seconds - (time.monotonic() - began) > 0.2:
        mid = (lo + hi) // 2
        deadline = opening_time(spans, mid)
        model = built.model.clone()
        model.add(model.get_int_var_from_proto_index(built.finish.index) <= deadline)
        solver = _solver(min(each, seconds - (time.monotonic() - began)), workers)
        status = solver.solve(model)
        if status == cp_model.INFEASIBLE:
            bound = max(bound, _next_finish(problem, deadline))
            if on_progress is not None:
                on_progress(best, bound)
            lo = opening_minutes(spans, bound)
        elif status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and (found := built.decode(solver.value)) is not None \
                and found.finish < best.finish:
            best = found
            if on_progress is not None:
                on_progress(best, bound)
            hi = opening_minutes(spans, best.finish) - 1
        else:
            hi = mid - 1
    return best, bound


def _clear_session(
    problem: Problem, best: Schedule, bound: int, seconds: float, workers: int,
    on_progress: Callable[[Schedule, int], None] | None,
) -> Schedule:
    """Neighbourhood search for as few items as possible ending after the session the bound
    falls in, when the best finish is in a later one. Minimising the finish alone stalls there:
    the last session empties only when a whole chain of late rounds moves at once, and until then
    every step looks like no progress. Counting the items left over rewards each one moved."""
    target = next((b for a, b in opening_spans(problem) if a < bound <= b), None)
    if target is None or best.finish <= target:
        return best
    built = _Model(problem, best)
    ends = {p.item: p.end for p in best.placements}
    late = []
    for k, start in built.start.items():
        b = built.model.new_bool_var(f"late{k}")
        built.model.add(start + built.items[k].duration <= target).only_enforce_if(~b)
        built.model.add_hint(b, ends[k] > target)
        late.append(b)
    built.model.minimize(sum(late))
    progress = _Progress(built, best, bound, on_progress, clearing=True)
    _solver(seconds, workers, lns_only=True).solve(built.model, progress)
    return progress.best


def _search(
    problem: Problem, hint: Schedule, floor: int, seconds: float, workers: int,
    on_progress: Callable[[Schedule, int], None] | None, *, lns_only: bool,
) -> tuple[Schedule, int, bool]:
    """One CP-SAT run from ``hint``: the best schedule (never worse than the hint), the bound
    known after it (at least ``floor``, a bound proved before) and whether nothing beats the best.
    A schedule reaching ``floor`` ends the run."""
    built = _Model(problem, hint)
    built.model.minimize(built.finish)
    solver = _solver(seconds, workers, lns_only=lns_only)
    progress = _Progress(built, hint, floor, on_progress)
    status = solver.solve(built.model, progress)
    bound = floor
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = max(bound, int(solver.best_objective_bound))
        final = built.decode(solver.value)
        if final is not None and final.finish < progress.best.finish:
            progress.best = final
    elif status == cp_model.INFEASIBLE:  # nothing beats the hint's finish: it is the optimum
        bound = max(bound, hint.finish)
    best = progress.best
    return best, bound, best.finish <= bound


def _pull_earlier(problem: Problem, schedule: Schedule, seconds: float, workers: int) -> Schedule | None:
    """Second pass: keep the finish, make the starts as early as they go (fewer late starts)."""
    built = _Model(problem, schedule)
    built.model.add(built.finish <= schedule.finish)
    built.model.minimize(sum(built.start.values()))
    solver = _solver(seconds, workers)
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    found = built.decode(solver.value)
    if found is None or found.finish > schedule.finish:
        return None
    return found
