"""Heats run in their numbered order — pure.

The solvers place a round's heats (or a field event's flights) wherever they fit best, so a
timetable may run 第3组 before 第1组: the same finish, but not what the start lists, the
athletes or the call room expect. The heats of one round are interchangeable for the venue —
same venue, length, units and the same rounds to wait for — so once the times are known, heat 1
can take the earliest of the round's slots, heat 2 the next, and so on (simultaneous slots by
court or lane-block number). Different heats hold different people, though: a reorder is made
only where everyone it moves still keeps their rest before and after their other items, and
the rounds waiting for a heat still start after it. As heats of one round hold different people,
whether a heat may take a slot does not depend on the others: heat 1 takes the earliest slot it
may while every other heat still has one, then heat 2, and so on (an assignment with augmenting
paths), so a round that cannot run fully in order runs as nearly in order as it safely can. A
run whose items share someone (never a round of heats) is left as it is. Times, venues and the
finish do not change, only which heat takes which slot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from scheduling.timetable import Item, Placement, Problem, Schedule, entities, gap, successors_of


def in_running_order(problem: Problem, schedule: Schedule, runs: Sequence[Sequence[str]]) -> Schedule:
    """``schedule`` with each run's items (item keys, in running order: a round's heats by
    number) moved into its own slots in that order, wherever that breaks no rule."""
    items = {it.key: it for it in problem.items}
    at = {p.item: p for p in schedule.placements}
    if set(at) != set(items):  # not a whole timetable: nothing to reorder safely
        return schedule
    holders: dict[str, list[str]] = defaultdict(list)
    for it in problem.items:
        for w in entities(it):
            holders[w].append(it.key)
    after_me = successors_of(problem)

    def fits(moved: dict[str, Placement]) -> bool:
        rest = problem.min_rest
        for k, p in moved.items():
            it = items[k]
            if it.not_before is not None and p.start < it.not_before:
                return False
            for q in it.after:
                if moved.get(q, at[q]).end + gap(items[q], it, rest) > p.start:
                    return False
            for s in after_me[k]:
                if p.end + gap(it, items[s], rest) > moved.get(s, at[s]).start:
                    return False
            for w in entities(it):
                for j in holders[w]:
                    if j == k:
                        continue
                    o = moved.get(j, at[j])
                    if p.start < o.end + rest and o.start < p.end + rest:
                        return False
        return True

    def one_pass() -> bool:
        changed = False
        for run in runs:
            keys = [k for k in run if k in items]
            if len(keys) < 2 or not _interchangeable([items[k] for k in keys]):
                continue
            slots = sorted((at[k].start, at[k].unit) for k in keys)
            if all((at[k].start, at[k].unit) == slot for k, slot in zip(keys, slots, strict=True)):
                continue
            # whether heat k may take a slot does not depend on where the others go (they hold
            # other people), so the best order is an assignment problem
            allowed = {k: {slot for slot in slots if fits({k: _placed(items[k], slot)})} for k in keys}
            best = _earliest_in_turn(keys, {k: (at[k].start, at[k].unit) for k in keys}, allowed)
            moved = {k: _placed(items[k], slot) for k, slot in best.items() if (at[k].start, at[k].unit) != slot}
            if moved:
                at.update(moved)
                changed = True
        return changed

    # a move can make room in another round sharing its people: again until nothing moves (a
    # round only ever changes to an order earlier in turn — heat 1 first, then heat 2 … — so
    # this ends)
    while one_pass():
        pass
    return Schedule(placements=tuple(at[p.item] for p in schedule.placements), finish=schedule.finish)


def _earliest_in_turn(keys: list[str], now: dict[str, tuple[int, int]],
                      allowed: dict[str, set[tuple[int, int]]]) -> dict[str, tuple[int, int]]:
    """Heat 1 the earliest slot it may take while every other heat still has one, then heat 2,
    and so on. ``now`` is one such assignment (each heat's slot is allowed)."""
    match = dict(now)
    owner: dict[tuple[int, int], str | None] = {slot: k for k, slot in now.items()}
    fixed: set[str] = set()

    def rehome(h: str, seen: set[tuple[int, int]]) -> bool:  # an augmenting path for heat h
        for t in sorted(allowed[h]):
            if t in seen:
                continue
            seen.add(t)
            o = owner[t]
            if o is None or (o not in fixed and rehome(o, seen)):
                owner[t], match[h] = h, t
                return True
        return False

    for k in keys:
        for slot in sorted(allowed[k]):
            if slot == match[k]:
                break
            holder = owner[slot]
            assert holder is not None  # every slot holds a heat between two heats' turns
            if holder in fixed:
                continue
            saved_match, saved_owner = dict(match), dict(owner)
            owner[match[k]], owner[slot], match[k] = None, k, slot
            fixed.add(k)
            if rehome(holder, {slot}):
                break
            fixed.discard(k)
            match, owner = saved_match, saved_owner
        fixed.add(k)
    return match


def _strangers(run: list[Item]) -> bool:
    seen: set[str] = set()
    for it in run:
        who = entities(it)
        if seen & who:
            return False
        seen |= who
    return True


def _interchangeable(run: list[Item]) -> bool:
    """Alike for the venue and the rounds before, nothing pinned, and nobody in two of them."""
    first = run[0]
    shape = (first.resource, first.duration, first.units, frozenset(first.after))
    alike = all(
        it.pinned is None and it.pinned_unit is None and (it.resource, it.duration, it.units, frozenset(it.after)) == shape
        for it in run
    )
    return alike and _strangers(run)


def _placed(it: Item, slot: tuple[int, int]) -> Placement:
    start, unit = slot
    return Placement(item=it.key, start=start, end=start + it.duration, resource=it.resource, unit=unit)
