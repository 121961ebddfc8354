"""The meet timetable (赛程): every match, heat and round placed on a venue and a time — pure.

Time is counted in whole minutes from 00:00 of the meet's first day (day ``d`` at ``hh:mm`` is
``d*1440 + hh*60 + mm``). A venue pool of k identical courts or tables is one ``Resource`` of
capacity k, open in its ``windows`` (the meet's sessions: lunch and nights are the gaps between
them; a resource without windows is open all the time). Each ``Item`` needs ``units`` units of its
resource (one, or a block of numbered units side by side: a Swiss round not yet paired takes
as many boards as it has pairings) for ``duration`` minutes, inside one window (it never runs
across a lunch break or a night). Hard rules:

- no person and no team in two places at once, and ``min_rest`` minutes between the end of one
  of their items and the start of their next;
- ``after``: the listed items end before this one starts (round N+1 after round N);
- ``pinned`` items start where they are pinned (and on ``pinned_unit`` if given);
- nothing starts before ``not_before``.

Later rounds carry as people/teams only those who can reach them (the union of their feeders'
possible participants); ``after`` gives the order.

``greedy`` is a list scheduler: pinned items first, then the others one at a time among those
whose ``after`` items are placed, each at its earliest feasible start on any unit of its
resource (gaps left earlier are used). It runs a few passes with different priorities — the
longest chain of work still hanging on the item (critical path: its duration, rests and
successors), the same but whichever can start earliest first, among the earliest starts the
critical path plus twice the heaviest load of anyone in the item (all their minutes of play
and rest: the people in many events and late rounds go first while they are still free), the
most people first, or input order — always putting first what a pinned item waits for, and
keeps the earliest finish.
Courts and tables are numbered after the times are known: pinned units stay, the others take
the first free unit in start order.

``lower_bound`` gives a finish no schedule can beat, and where it comes from. Items' earliest
starts count their ``after`` chains with rests and the work before them on their venue (a
final cannot start before its bracket is played). Parts: the longest such chain (``chain``);
each venue's load spread over its capacity and opening hours, for every earliest start
(``venue:<key>``); the busiest person's and team's own items with rests, in their venues'
opening hours (``person:<id>``, ``team:<id>``); and a group of items that pairwise share someone,
so run one after another (``clique:<item key>``, grown from the item with the most people). In
the venue, person, team and clique parts, the chain of rounds still hanging on the last item is
played forward in its venues' opening hours (a chain that runs past the evening session resumes
the next morning), not added as plain minutes.
"""

from __future__ import annotations

import bisect
import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import msgspec

DAY = 1440
ALWAYS_OPEN_END = 1 << 30


class TimetableError(ValueError):
    """The problem cannot be scheduled as stated (the message is Chinese, for the organiser)."""


class Window(msgspec.Struct, frozen=True):
    start: int
    end: int


class Resource(msgspec.Struct, frozen=True):
    key: str
    name: str
    capacity: int = 1
    windows: tuple[Window, ...] = ()  # open times (the meet's sessions, lunch/night excluded)
    unit_word: str = "号"  # how one of its courts or tables is named after its number: 号台, 号场


class Item(msgspec.Struct, frozen=True):
    key: str
    label: str
    resource: str
    duration: int
    people: frozenset[str] = frozenset()  # "p:<person id>" (or one key per group place, see alternatives.py) — may not be in two places at once
    teams: frozenset[str] = frozenset()  # "t:<team id>" — likewise
    after: tuple[str, ...] = ()  # items that must END before this STARTS (rounds in order)
    pinned: int | None = None  # fixed start (ceremony, show-court final, frozen items)
    pinned_unit: int | None = None  # fixed court/table number (1-based), with pinned
    not_before: int | None = None
    units: int = 1  # units taken at once: the block unit .. unit + units − 1 (a Swiss round's boards)


class Problem(msgspec.Struct, frozen=True):
    items: tuple[Item, ...]
    resources: tuple[Resource, ...]
    min_rest: int = 15  # between one item's end and the next item's start for a shared person or team


class Placement(msgspec.Struct, frozen=True):
    item: str
    start: int
    end: int
    resource: str
    unit: int  # the first of the item's ``units`` units


class Schedule(msgspec.Struct, frozen=True):
    placements: tuple[Placement, ...]
    finish: int


class Bound(msgspec.Struct, frozen=True):
    value: int
    parts: dict[str, int]


# Helpers shared by the solvers (the validator does not use them) -----------------------------


def clock(minute: int) -> str:
    """第2天 09:30 for minute 2*1440+570 (day numbers 1-based)."""
    day, rest = divmod(minute, DAY)
    return f"第{day + 1}天 {rest // 60:02d}:{rest % 60:02d}"


def open_windows(resource: Resource) -> list[tuple[int, int]]:
    """The resource's windows sorted, overlapping or touching ones merged; always open if none."""
    if not resource.windows:
        return [(0, ALWAYS_OPEN_END)]
    merged: list[list[int]] = []
    for w in sorted(resource.windows, key=lambda w: (w.start, w.end)):
        if w.end <= w.start:
            continue
        if merged and w.start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], w.end)
        else:
            merged.append([w.start, w.end])
    return [(a, b) for a, b in merged]


def fit(windows: Sequence[tuple[int, int]], ends: Sequence[int], t: int, duration: int) -> int | None:
    """The earliest start ≥ t with [start, start+duration) inside one window (``ends``: their ends)."""
    i = bisect.bisect_left(ends, t + duration)
    while i < len(windows):
        a, b = windows[i]
        s = max(t, a)
        if s + duration <= b:
            return s
        i += 1
    return None


def entities(item: Item) -> frozenset[str]:
    return item.people | item.teams


def check_structure(problem: Problem) -> tuple[dict[str, Item], dict[str, Resource], list[str]]:
    """Items and resources by key, and the items in an order where ``after`` items come first.

    Raises TimetableError for duplicate or unknown keys, bad durations and capacities, cycles in
    ``after``, and items longer than every opening of their venue.
    """
    resources: dict[str, Resource] = {}
    for r in problem.resources:
        if r.key in resources:
            raise TimetableError(f"场地 {r.name} 重复")
        if r.capacity < 1:
            raise TimetableError(f"场地 {r.name} 的数量须至少为 1")
        resources[r.key] = r
    items: dict[str, Item] = {}
    for it in problem.items:
        if it.key in items:
            raise TimetableError(f"赛程项目 {it.label} 重复")
        if it.duration <= 0:
            raise TimetableError(f"{it.label} 的时长须大于 0 分钟")
        resource = resources.get(it.resource)
        if resource is None:
            raise TimetableError(f"{it.label} 的场地不存在")
        if not 1 <= it.units <= resource.capacity:
            raise TimetableError(f"{it.label} 需要 {it.units} 块场地,{resource.name} 只有 {resource.capacity} 块")
        if it.pinned_unit is not None and not 1 <= it.pinned_unit <= resource.capacity - it.units + 1:
            raise TimetableError(f"{it.label} 固定的场地编号 {it.pinned_unit} 超出 {resource.name} 的数量 {resource.capacity}")
        longest = max((b - a for a, b in open_windows(resource)), default=0)
        if it.duration > longest:
            raise TimetableError(f"场地 {resource.name} 的开放时间放不下 {it.label} ({it.duration}分钟)")
        items[it.key] = it
    for it in problem.items:
        for p in it.after:
            if p not in items:
                raise TimetableError(f"{it.label} 须在一个不存在的项目之后")
            if p == it.key:
                raise TimetableError(f"{it.label} 不能排在自己之后")
    # Kahn's algorithm, stable in input order
    indegree = {k: len(set(it.after)) for k, it in items.items()}
    successors = successors_of(problem)
    ready = [k for k in items if indegree[k] == 0]
    order: list[str] = []
    while ready:
        k = ready.pop()
        order.append(k)
        for s in successors[k]:
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
    if len(order) != len(items):
        stuck = [items[k].label for k in items if indegree[k] > 0][:3]
        raise TimetableError("赛程先后顺序成环:" + "、".join(stuck))
    return items, resources, order


def gap(a: Item, b: Item, rest: int) -> int:
    """Minutes between a's end and b's start when b comes after a: the rest if they share anyone."""
    return rest if (a.people & b.people or a.teams & b.teams) else 0


def earliest_starts(problem: Problem) -> dict[str, int]:
    """Each item's earliest possible start from ``after`` chains, rests, opening hours, not_before, pins."""
    items, resources, order = check_structure(problem)
    wins = {k: open_windows(r) for k, r in resources.items()}
    ends = {k: [b for _, b in w] for k, w in wins.items()}
    est: dict[str, int] = {}
    for k in order:
        it = items[k]
        if it.pinned is not None:
            est[k] = it.pinned
            continue
        t = it.not_before or 0
        for p in it.after:
            pi = items[p]
            t = max(t, est[p] + pi.duration + gap(pi, it, problem.min_rest))
        s = fit(wins[it.resource], ends[it.resource], t, it.duration)
        if s is None:
            raise TimetableError(f"场地 {resources[it.resource].name} 的开放时间内排不下 {it.label} ({it.duration}分钟)")
        est[k] = s
    return est


def first_units(it: Item, capacity: int) -> Iterable[int]:
    """The first units the item may take: its pinned one, or each whose block fits the pool."""
    return (it.pinned_unit,) if it.pinned_unit is not None else range(1, capacity - it.units + 2)


def assign_units(problem: Problem, starts: dict[str, int]) -> dict[str, int] | None:
    """Court/table numbers once the times are known: pinned units stay, the others take the first
    unit (or block of units) free over their whole time, in start order. None if that leaves an
    item without a unit."""
    capacity = {r.key: r.capacity for r in problem.resources}
    busy: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    units: dict[str, int] = {}

    def free(key: tuple[str, int], s: int, e: int) -> bool:
        taken = busy[key]
        i = bisect.bisect_right(taken, (s, ALWAYS_OPEN_END))
        if i > 0 and taken[i - 1][1] > s:
            return False
        return not (i < len(taken) and taken[i][0] < e)

    by_start = sorted(problem.items, key=lambda it: (it.pinned_unit is None, starts[it.key], it.key))
    for it in by_start:
        s, e = starts[it.key], starts[it.key] + it.duration
        for u in first_units(it, capacity[it.resource]):
            if all(free((it.resource, v), s, e) for v in range(u, u + it.units)):
                for v in range(u, u + it.units):
                    bisect.insort(busy[(it.resource, v)], (s, e))
                units[it.key] = u
                break
        else:
            return None
    return units


def make_schedule(problem: Problem, starts: dict[str, int], units: dict[str, int]) -> Schedule:
    placements = tuple(
        Placement(item=it.key, start=starts[it.key], end=starts[it.key] + it.duration, resource=it.resource, unit=units[it.key])
        for it in sorted(problem.items, key=lambda it: (starts[it.key], it.resource, units[it.key], it.key))
    )
    return Schedule(placements=placements, finish=max((p.end for p in placements), default=0))


# The greedy list scheduler ---------------------------------------------------------------


def successors_of(problem: Problem) -> dict[str, list[str]]:
    """For each item, the items that must wait for it to end (the reverse of ``after``)."""
    successors: dict[str, list[str]] = defaultdict(list)
    for it in problem.items:
        for p in set(it.after):
            successors[p].append(it.key)
    return successors


def tails(problem: Problem, items: dict[str, Item], order: list[str]) -> dict[str, int]:
    """Critical path: the item's duration plus the longest chain of rests and successors after it."""
    successors = successors_of(problem)
    tail: dict[str, int] = {}
    for k in reversed(order):
        it = items[k]
        tail[k] = it.duration + max(
            (gap(it, items[s], problem.min_rest) + tail[s] for s in successors[k]), default=0
        )
    return tail


def _deadlines(problem: Problem, items: dict[str, Item], order: list[str]) -> dict[str, int]:
    """Latest end of items that a pinned item waits for (directly or through a chain)."""
    successors = successors_of(problem)
    latest_start: dict[str, int] = {}
    deadline: dict[str, int] = {}
    for k in reversed(order):
        it = items[k]
        end = None
        for s in successors[k]:
            if s in latest_start:
                limit = latest_start[s] - gap(it, items[s], problem.min_rest)
                end = limit if end is None else min(end, limit)
        if end is not None:
            deadline[k] = end
        if it.pinned is not None:
            latest_start[k] = it.pinned
        elif end is not None:
            latest_start[k] = end - it.duration
    return deadline


class _Board:
    """What is placed so far: busy times per unit and per person/team."""

    def __init__(self, problem: Problem, resources: dict[str, Resource]) -> None:
        self.rest = problem.min_rest
        self.resources = resources
        self.windows = {k: open_windows(r) for k, r in resources.items()}
        self.ends = {k: [b for _, b in w] for k, w in self.windows.items()}
        self.units: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)  # sorted, disjoint
        self.people: dict[str, list[tuple[int, int]]] = defaultdict(list)

    def unit_conflict_end(self, key: tuple[str, int], s: int, e: int) -> int | None:
        """None if the unit is free over [s, e), else the end of the first interval in the way."""
        taken = self.units[key]
        i = bisect.bisect_right(taken, (s, ALWAYS_OPEN_END))
        if i > 0 and taken[i - 1][1] > s:
            return taken[i - 1][1]
        if i < len(taken) and taken[i][0] < e:
            return taken[i][1]
        return None

    def person_conflict_end(self, who: Iterable[str], s: int, e: int) -> int | None:
        """None if everyone is free (with rest) over [s, e), else a later start worth trying."""
        later = None
        rest = self.rest
        for w in who:
            for a, b in self.people[w]:
                if a < e + rest and s < b + rest:
                    later = b + rest if later is None else max(later, b + rest)
        return later

    def earliest(self, it: Item, t: int) -> tuple[int, int] | None:
        r = self.resources[it.resource]
        wins, ends = self.windows[it.resource], self.ends[it.resource]
        who = entities(it)
        units = first_units(it, r.capacity)
        d = it.duration
        while True:
            s = fit(wins, ends, t, d)
            if s is None:
                return None
            later = self.person_conflict_end(who, s, s + d)
            if later is not None:
                t = later
                continue
            nxt = None
            for u in units:
                blocked = self.block_conflict_end(it, u, s, s + d)
                if blocked is None:
                    return s, u
                nxt = blocked if nxt is None else min(nxt, blocked)
            assert nxt is not None and nxt > s
            t = nxt

    def block_conflict_end(self, it: Item, u: int, s: int, e: int) -> int | None:
        """None if units u .. u + it.units − 1 are all free over [s, e), else a later start worth trying."""
        later = None
        for v in range(u, u + it.units):
            blocked = self.unit_conflict_end((it.resource, v), s, e)
            if blocked is not None:
                later = blocked if later is None else max(later, blocked)
        return later

    def place(self, it: Item, s: int, u: int) -> None:
        for v in range(u, u + it.units):
            bisect.insort(self.units[(it.resource, v)], (s, s + it.duration))
        for w in entities(it):
            self.people[w].append((s, s + it.duration))


PASSES = (("critical", False), ("critical", True), ("busiest", True), ("crowded", True), ("input", True))
BUSY_WEIGHT = 2  # "busiest": the critical path plus this many times the heaviest load of anyone in the item


def greedy(problem: Problem) -> Schedule:
    """A conflict-free schedule at once (see the module text); raises TimetableError if impossible.

    A few passes of the list scheduler with different priorities — critical path; critical path
    but the earliest possible start first; among the earliest starts, critical path plus the
    busiest person's load, the most people first, or input order — and the earliest finish kept
    (ties: the earlier pass).
    """
    items, resources, order = check_structure(problem)
    tail = tails(problem, items, order)
    deadline = _deadlines(problem, items, order)
    load: dict[str, int] = defaultdict(int)  # each person's and team's minutes of play and rest
    for it in items.values():
        for w in entities(it):
            load[w] += it.duration + problem.min_rest
    weights = {  # each rule's priority, heaviest first (input order breaks ties)
        "critical": tail,
        "busiest": {k: tail[k] + BUSY_WEIGHT * max((load[w] for w in entities(it)), default=0) for k, it in items.items()},
        "crowded": {k: len(entities(it)) for k, it in items.items()},
        "input": dict.fromkeys(items, 0),
    }
    best: Schedule | None = None
    error: TimetableError | None = None
    for rule, by_start in PASSES:
        try:
            schedule = _pass(problem, items, resources, weights[rule], deadline, by_start)
        except TimetableError as exc:
            error = error or exc
            continue
        if best is None or schedule.finish < best.finish:
            best = schedule
    if best is None:
        assert error is not None
        raise error
    return best


def _pass(
    problem: Problem, items: dict[str, Item], resources: dict[str, Resource], weight: dict[str, int],
    deadline: dict[str, int], by_start: bool,
) -> Schedule:
    """One list-scheduling pass: what a pinned item waits for first, then the heaviest ``weight``,
    then input order. ``by_start``: among the released items, the one that can start earliest
    goes first (that order breaks ties)."""
    board = _Board(problem, resources)
    rest = problem.min_rest
    starts: dict[str, int] = {}
    units: dict[str, int] = {}

    pinned = sorted((it for it in problem.items if it.pinned is not None), key=lambda it: (it.pinned, it.key))
    for it in pinned:
        assert it.pinned is not None
        s = it.pinned
        r = resources[it.resource]
        if fit(board.windows[it.resource], board.ends[it.resource], s, it.duration) != s:
            raise TimetableError(f"{it.label} 固定在 {clock(s)},不在场地 {r.name} 的开放时间内")
        if it.not_before is not None and s < it.not_before:
            raise TimetableError(f"{it.label} 固定在 {clock(s)},早于允许的最早时间 {clock(it.not_before)}")
        if board.person_conflict_end(entities(it), s, s + it.duration) is not None:
            raise TimetableError(f"{it.label} 固定在 {clock(s)},与另一个固定项目的参赛人员冲突(含休息时间)")
        for p in it.after:
            q = items[p]
            if q.pinned is not None and q.pinned + q.duration + gap(q, it, rest) > s:
                raise TimetableError(f"{it.label} 固定在 {clock(s)},早于须先进行的 {q.label}")
        for u in first_units(it, r.capacity):
            if board.block_conflict_end(it, u, s, s + it.duration) is None:
                break
        else:
            raise TimetableError(f"{it.label} 固定在 {clock(s)},场地 {r.name} 已被其他固定项目占满")
        board.place(it, s, u)
        starts[it.key], units[it.key] = s, u

    waiting = {k: len(set(it.after)) for k, it in items.items()}
    successors = successors_of(problem)
    position = {it.key: i for i, it in enumerate(problem.items)}

    def rank(k: str) -> tuple[int, int, int]:
        return (deadline.get(k, ALWAYS_OPEN_END), -weight[k], position[k])

    def ready_at(k: str) -> int:
        it = items[k]
        t = it.not_before or 0
        for p in it.after:
            pi = items[p]
            t = max(t, starts[p] + pi.duration + gap(pi, it, rest))
        return t

    heap: list[tuple[int, tuple[int, int, int], str]] = []

    def push(k: str) -> None:
        heapq.heappush(heap, (ready_at(k) if by_start else 0, rank(k), k))

    def release(k: str) -> None:
        for s in successors[k]:
            waiting[s] -= 1
            if waiting[s] == 0 and items[s].pinned is None:
                push(s)

    for k in items:
        if waiting[k] == 0 and items[k].pinned is None:
            push(k)
    for it in pinned:  # a pinned item's successors may go once all their other feeders are placed
        release(it.key)

    while heap:
        key0, _, k = heapq.heappop(heap)
        it = items[k]
        found = board.earliest(it, max(key0, ready_at(k)))
        if found is None:
            raise TimetableError(
                f"场地 {resources[it.resource].name} 的开放时间内排不下 {it.label} ({it.duration}分钟):请增加场次或场地"
            )
        s, u = found
        if by_start and heap and s > heap[0][0]:  # it can start only later now: let the others go first
            heapq.heappush(heap, (s, rank(k), k))
            continue
        if k in deadline and s + it.duration > deadline[k]:
            raise TimetableError(f"{it.label} 无法在其后固定时间的项目之前排完:请调整固定时间")
        board.place(it, s, u)
        starts[k], units[k] = s, u
        release(k)

    if len(starts) != len(items):  # a pinned item waiting for something that never got placed
        raise TimetableError("部分固定项目须在未排的项目之后,无法排出赛程")
    for it in pinned:  # pinned items whose feeders came out too late
        for p in it.after:
            if starts[p] + items[p].duration + gap(items[p], it, rest) > starts[it.key]:
                raise TimetableError(f"{it.label} 固定在 {clock(starts[it.key])},早于须先进行的 {items[p].label}")
    numbered = assign_units(problem, starts)
    return make_schedule(problem, starts, numbered if numbered is not None else units)


# The lower bound ---------------------------------------------------------------------------


def _fill(windows: Sequence[tuple[int, int]], start: int, work: int, per_window: int = 0) -> int | None:
    """The earliest time T with ``work`` minutes of open time in [start, T] (each window, or its
    part after ``start``, also credited ``per_window`` minutes: a rest that its last item needs
    not). None if the windows run out."""
    if work <= 0:
        return start
    for a, b in windows:
        if b <= start:
            continue
        a = max(a, start)
        room = (b - a) + per_window
        if room >= work:
            return a + max(work - per_window, 0)
        work -= room
    return None


def _load_bound(windows: Sequence[tuple[int, int]], jobs: list[tuple[int, int]], per_window: int, capacity: int) -> int:
    """Jobs (earliest start, work) sharing ``capacity`` units: for each earliest start t, the
    jobs that cannot begin before t need their work ÷ capacity of open time after t."""
    best = 0
    jobs.sort()
    suffix = 0
    for i in range(len(jobs) - 1, -1, -1):
        suffix += jobs[i][1]
        if i > 0 and jobs[i - 1][0] == jobs[i][0]:
            continue
        need = -(-suffix // capacity)
        end = _fill(windows, jobs[i][0], need, per_window)
        if end is None:
            end = windows[-1][1] if windows else jobs[i][0] + need
        best = max(best, end)
    return best


def _tailed_bound(
    windows: Sequence[tuple[int, int]], jobs: list[tuple[int, int, int, str]], per_window: int, capacity: int,
    finish_after: Callable[[str, int], int], most: int = 24,
) -> int:
    """Jobs (earliest start, work, tail, item key) — the tail being the chain that must still
    follow the job's end. For a threshold θ, the jobs with a tail of at least θ end by
    ``_load_bound`` at the earliest (time L), and the last of them still has its chain to go:
    the finish is at least the smallest ``finish_after(job, L)`` among them — the chain played
    from L in its venues' opening hours (so a chain that runs past 17:30 resumes the next
    morning), never less than L + θ. Up to ``most`` thresholds."""
    tails = sorted({q for _, _, q, _ in jobs})
    if len(tails) > most:
        step = len(tails) / most
        tails = sorted({tails[int(i * step)] for i in range(most)} | {tails[0], tails[-1]})
    by_tail = sorted(jobs, key=lambda j: j[2])
    best = 0
    for theta in tails:
        chosen = [j for j in by_tail if j[2] >= theta]
        if len(chosen) > capacity or theta:
            end = _load_bound(windows, [(h, w) for h, w, _, _ in chosen], per_window, capacity)
            best = max(best, end + theta)
            # the smallest finish_after among them, stopping as soon as it cannot raise ``best``
            # (one at or below it) or cannot get smaller (the chains left are at least as long)
            low = None
            for _, _, q, k in chosen:
                if low is not None and end + q >= low:
                    break
                value = finish_after(k, end)
                low = value if low is None else min(low, value)
                if low <= best:
                    break
            if low is not None:
                best = max(best, low)
    return best


def _chain_finisher(problem: Problem, items: dict[str, Item], resources: dict[str, Resource],
                    head: dict[str, int]) -> Callable[[str, int], int]:
    """``finish_after(k, end)``: the earliest time everything waiting for item k can be over if
    k ends at ``end`` — each successor starts no earlier than its own earliest start, k's end
    plus the rest they need, and inside an opening of its venue; then its own successors. It
    only grows with ``end``, so any later end gives a later (or equal) finish."""
    successors = successors_of(problem)
    wins = {k: open_windows(r) for k, r in resources.items()}
    ends = {k: [b for _, b in w] for k, w in wins.items()}
    memo: dict[tuple[str, int], int] = {}

    def finish_after(k: str, end: int) -> int:
        found = memo.get((k, end))
        if found is not None:
            return found
        best = end
        for s in successors[k]:
            it = items[s]
            t = max(head[s], end + gap(items[k], it, problem.min_rest))
            start = fit(wins[it.resource], ends[it.resource], t, it.duration)
            best = max(best, finish_after(s, (t if start is None else start) + it.duration))
        memo[(k, end)] = best
        return best

    return finish_after


def merge_intervals(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The intervals sorted, overlapping or touching ones joined."""
    merged: list[list[int]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def opening_spans(problem: Problem) -> list[tuple[int, int]]:
    """The times some venue is open, merged."""
    return merge_intervals(w for r in problem.resources for w in open_windows(r))


def opening_minutes(spans: Sequence[tuple[int, int]], t: int) -> int:
    """Minutes of ``spans`` (opening times, merged) before ``t``: how far into the meet's sessions ``t`` is."""
    return sum(max(0, min(b, t) - a) for a, b in spans if a < t)


def opening_time(spans: Sequence[tuple[int, int]], minutes: int) -> int:
    """The time ``minutes`` into ``spans`` (opening times, merged): the inverse of ``opening_minutes``;
    past their end, the last closing."""
    for a, b in spans:
        if minutes <= b - a:
            return a + minutes
        minutes -= b - a
    return spans[-1][1]


def heads(problem: Problem) -> dict[str, int]:
    """Earliest starts that also count the work before an item: all the items it waits for
    (directly or through a chain) that share a venue must first be played on that venue's units
    within its opening hours — a knockout final cannot start before its whole bracket is
    played. Never later than any schedule's start for the item."""
    items, resources, order = check_structure(problem)
    est = earliest_starts(problem)
    wins = {k: open_windows(r) for k, r in resources.items()}
    ends = {k: [b for _, b in w] for k, w in wins.items()}
    index = {k: i for i, k in enumerate(order)}
    ancestors: dict[str, int] = {}
    head: dict[str, int] = {}
    for k in order:
        it = items[k]
        mask = 0
        for p in it.after:
            mask |= ancestors[p] | (1 << index[p])
        ancestors[k] = mask
        if it.pinned is not None:
            head[k] = it.pinned
            continue
        t = est[k]
        for p in it.after:
            t = max(t, head[p] + items[p].duration + gap(items[p], it, problem.min_rest))
        if mask:
            work: dict[str, list[tuple[int, int]]] = defaultdict(list)
            m, i = mask, 0
            while m:
                if m & 1:
                    q = items[order[i]]
                    work[q.resource].append((head[q.key], q.duration * q.units))
                m >>= 1
                i += 1
            for key, jobs in work.items():
                if len(jobs) > resources[key].capacity:
                    t = max(t, _load_bound(wins[key], jobs, 0, resources[key].capacity))
        s = fit(wins[it.resource], ends[it.resource], t, it.duration)
        head[k] = s if s is not None else t
    return head


def _cliques(problem: Problem, items: dict[str, Item], head: dict[str, int], after: dict[str, int],
             wins: dict[str, list[tuple[int, int]]], finish_after: Callable[[str, int], int],
             seeds: int = 40) -> tuple[str, int] | None:
    """Items that pairwise share someone run one after another with rests between: grown
    greedily from the items with the most people, the slowest such group and its finish."""
    who = {k: entities(it) for k, it in items.items()}
    holders: dict[str, list[str]] = defaultdict(list)
    for k, w in who.items():
        for x in w:
            holders[x].append(k)
    best: tuple[str, int] | None = None
    for seed in sorted(items, key=lambda k: (-len(who[k]), k))[:seeds]:
        if len(who[seed]) < 2:
            break
        near: set[str] = set()
        for x in who[seed]:
            near.update(holders[x])
        near.discard(seed)
        group = [seed]
        for k in sorted(near, key=lambda k: (-head[k] - items[k].duration, -len(who[k]), k)):
            if all(who[k] & who[g] for g in group):
                group.append(k)
        if len(group) < 2:
            continue
        jobs = [(head[k], items[k].duration + problem.min_rest, after[k], k) for k in group]
        windows = merge_intervals(x for k in group for x in wins[items[k].resource])
        value = _tailed_bound(windows, jobs, problem.min_rest, 1, finish_after)
        if best is None or value > best[1]:
            best = (seed, value)
    return best


def lower_bound(problem: Problem) -> Bound:
    """A finish time no schedule can beat, with its parts (see the module text)."""
    items, resources, order = check_structure(problem)
    est = heads(problem)
    after = {k: t - items[k].duration for k, t in tails(problem, items, order).items()}  # chain after the end
    parts: dict[str, int] = {}
    parts["chain"] = max((est[k] + it.duration + after[k] for k, it in items.items()), default=0)
    wins = {k: open_windows(r) for k, r in resources.items()}
    finish_after = _chain_finisher(problem, items, resources, est)
    by_resource: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)
    for k, it in items.items():
        by_resource[it.resource].append((est[k], it.duration * it.units, after[k], k))
    for key, jobs4 in by_resource.items():
        parts[f"venue:{key}"] = _tailed_bound(wins[key], jobs4, 0, resources[key].capacity, finish_after)
    rest = problem.min_rest
    for kind, attr in (("person", "people"), ("team", "teams")):
        jobs_of: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)
        venues_of: dict[str, set[str]] = defaultdict(set)
        for k, it in items.items():
            for w in getattr(it, attr):
                # every item of one person, then a rest — except the last one of each opening
                jobs_of[w].append((est[k], it.duration + rest, after[k], k))
                venues_of[w].add(it.resource)
        best_key, best = None, -1
        for w, jobs in jobs_of.items():
            if len(jobs) < 2:
                continue
            windows = merge_intervals(x for v in venues_of[w] for x in wins[v])
            value = _tailed_bound(windows, jobs, rest, 1, finish_after)
            if value > best:
                best_key, best = w, value
        if best_key is not None:
            name = best_key.split(":", 1)[1] if best_key.startswith(("p:", "t:")) else best_key
            parts[f"{kind}:{name}"] = best
    clique = _cliques(problem, items, est, after, wins, finish_after)
    if clique is not None:
        parts[f"clique:{clique[0]}"] = clique[1]
    return Bound(value=max(parts.values(), default=0), parts=parts)
