"""An independent check of a timetable against its problem — pure.

Written apart from the solvers (it shares only the types), so a bug in one is not repeated in
the other. Each broken rule becomes one ``Conflict`` with a Chinese message:

- ``missing`` / ``duplicate`` / ``unknown``: every item placed exactly once, nothing else placed;
- ``duration``: end − start is the item's duration; ``resource``: on the item's own resource;
- ``window``: inside one opening of its resource (never across lunch or a night);
- ``unit``: the court/table numbers (an item of several units takes ``unit`` and the next ones)
  within 1..capacity; ``unit_overlap``: two items on one unit at once; ``capacity``: more units
  taken at once than the resource has;
- ``person`` / ``team``: someone in two places at once; ``rest``: less than ``min_rest`` between
  one of their items' end and their next start;
- ``order``: an ``after`` item not ended before this one starts;
- ``pinned`` / ``pinned_unit``: a pinned item moved; ``not_before``: started too early;
- ``finish``: the schedule's finish is not its last end.
"""

from __future__ import annotations

from collections import defaultdict

import msgspec

from scheduling.timetable import Placement, Problem, Resource, Schedule


class Conflict(msgspec.Struct, frozen=True):
    kind: str
    items: tuple[str, ...]
    message: str  # Chinese


def _hhmm(minute: int) -> str:
    day, rest = divmod(minute, 1440)
    return f"第{day + 1}天 {rest // 60:02d}:{rest % 60:02d}"


def _unit_name(resource: Resource | None, key: str, unit: int | None) -> str:
    """"乒乓球室 3号台": the venue and one of its courts or tables."""
    if resource is None:
        return f"{key} {unit}号"
    return f"{resource.name} {unit}{resource.unit_word}"


def validate(problem: Problem, schedule: Schedule) -> list[Conflict]:
    out: list[Conflict] = []
    items = {it.key: it for it in problem.items}
    resources = {r.key: r for r in problem.resources}
    label = {k: it.label for k, it in items.items()}

    def name(k: str) -> str:
        return label.get(k, k)

    placed: dict[str, Placement] = {}
    for p in schedule.placements:
        if p.item not in items:
            out.append(Conflict("unknown", (p.item,), f"赛程中有不存在的项目 {p.item}"))
            continue
        if p.item in placed:
            out.append(Conflict("duplicate", (p.item,), f"{name(p.item)} 被排了不止一次"))
            continue
        placed[p.item] = p
    for k in items:
        if k not in placed:
            out.append(Conflict("missing", (k,), f"{name(k)} 没有排进赛程"))

    for k, p in placed.items():
        it = items[k]
        if p.end - p.start != it.duration:
            out.append(Conflict("duration", (k,), f"{name(k)} 排了 {p.end - p.start} 分钟,应为 {it.duration} 分钟"))
        if p.resource != it.resource:
            out.append(Conflict("resource", (k,), f"{name(k)} 排在了别的场地"))
        resource = resources.get(p.resource)
        if resource is None:
            out.append(Conflict("resource", (k,), f"{name(k)} 的场地不存在"))
            continue
        if resource.windows:
            # an opening is a maximal run of windows that overlap or touch
            spans: list[list[int]] = []
            for w in sorted(resource.windows, key=lambda w: w.start):
                if w.end <= w.start:
                    continue
                if spans and w.start <= spans[-1][1]:
                    spans[-1][1] = max(spans[-1][1], w.end)
                else:
                    spans.append([w.start, w.end])
            if not any(a <= p.start and p.end <= b for a, b in spans):
                out.append(
                    Conflict("window", (k,), f"{name(k)}({_hhmm(p.start)}–{_hhmm(p.end)})不在 {resource.name} 的开放时间内")
                )
        if not (1 <= p.unit and p.unit + it.units - 1 <= resource.capacity):
            numbers = str(p.unit) if it.units == 1 else f"{p.unit}–{p.unit + it.units - 1}"
            out.append(Conflict("unit", (k,), f"{name(k)} 的场地编号 {numbers} 不在 1–{resource.capacity} 之内"))
        if it.pinned is not None and p.start != it.pinned:
            out.append(Conflict("pinned", (k,), f"{name(k)} 固定在 {_hhmm(it.pinned)},却排在 {_hhmm(p.start)}"))
        if it.pinned_unit is not None and p.unit != it.pinned_unit:
            out.append(Conflict("pinned_unit", (k,), f"{name(k)} 固定在 {_unit_name(resources.get(it.resource), it.resource, it.pinned_unit)},却排在 {p.unit} 号"))
        if it.not_before is not None and p.start < it.not_before:
            out.append(Conflict("not_before", (k,), f"{name(k)} 不能早于 {_hhmm(it.not_before)} 开始"))
        for before in it.after:
            q = placed.get(before)
            if q is not None and q.end > p.start:
                out.append(Conflict("order", (before, k), f"{name(k)} 须在 {name(before)} 结束之后开始"))

    # one unit, one item at a time
    by_unit: dict[tuple[str, int], list[Placement]] = defaultdict(list)
    by_resource: dict[str, list[Placement]] = defaultdict(list)
    for p in placed.values():
        for unit in range(p.unit, p.unit + items[p.item].units):
            by_unit[(p.resource, unit)].append(p)
        by_resource[p.resource].append(p)
    for (res, unit), ps in by_unit.items():
        ps.sort(key=lambda p: (p.start, p.end))
        latest: Placement | None = None
        for p in ps:
            if latest is not None and p.start < latest.end:
                out.append(
                    Conflict(
                        "unit_overlap", (latest.item, p.item),
                        f"{name(latest.item)} 与 {name(p.item)} 同时占用 {_unit_name(resources.get(res), res, unit)}",
                    )
                )
            if latest is None or p.end > latest.end:
                latest = p
    # never more at once than the capacity (a sweep over starts and ends; an end frees before a start)
    for res, ps in by_resource.items():
        if res not in resources:
            continue
        cap = resources[res].capacity
        points = sorted([(p.start, 1, p.item) for p in ps] + [(p.end, 0, p.item) for p in ps])
        running: set[str] = set()
        taken = 0
        reported = False
        for _, is_start, k in points:
            if is_start:
                running.add(k)
                taken += items[k].units
                if taken > cap and not reported:
                    out.append(
                        Conflict("capacity", tuple(sorted(running)), f"{resources[res].name} 同时占用 {taken} 块场地,超过 {cap} 块")
                    )
                    reported = True
            else:
                running.discard(k)
                taken -= items[k].units

    # people and teams: never two places at once, and a rest between
    rest = problem.min_rest
    busy: dict[str, list[Placement]] = defaultdict(list)
    for k, p in placed.items():
        for who in items[k].people | items[k].teams:
            busy[who].append(p)
    people = {x for it in problem.items for x in it.people}
    seen: set[tuple[str, str, str]] = set()
    for who, ps in busy.items():
        ps.sort(key=lambda p: (p.start, p.end))
        kind = "person" if who in people else "team"
        for i, a in enumerate(ps):
            for b in ps[i + 1 :]:
                if b.start >= a.end + rest:
                    break  # sorted by start: the later ones start later still
                pair = tuple(sorted((a.item, b.item)))
                if b.start < a.end:
                    key = (kind, *pair)
                    if key not in seen:
                        seen.add(key)
                        who_text = "队伍" if kind == "team" else "运动员"
                        out.append(Conflict(kind, pair, f"{who_text} {who} 同时在 {name(a.item)} 和 {name(b.item)}"))
                else:
                    key = ("rest", *pair)
                    if key not in seen:
                        seen.add(key)
                        out.append(
                            Conflict("rest", pair, f"{who} 在 {name(a.item)} 与 {name(b.item)} 之间休息不足 {rest} 分钟")
                        )
    if schedule.placements and schedule.finish != max(p.end for p in schedule.placements):
        out.append(Conflict("finish", (), "赛程的结束时间与最后一场的结束时间不符"))
    return out
