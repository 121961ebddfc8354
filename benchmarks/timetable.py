"""Benchmark: the meet timetable — greedy, then CP-SAT — against the lower bound.

    python benchmarks/timetable.py            # meets of ~200 and ~800 items, CP-SAT 60 s on 2 workers
    python benchmarks/timetable.py --quick    # the ~200-item meet, CP-SAT 5 s, for CI
    python benchmarks/timetable.py --parts    # the ~800-item meet's parts: where its difficulty lies

A synthetic meet is generated from a seed: 300 (or 1 500) athletes in 12 (or 30) teams, each
entered in one to three events; three days with sessions 08:30–11:30 and 13:30–17:30; venue
pools — the track (1), the jumping pit (1), the throwing circle (1), badminton courts (6),
table-tennis tables (8), basketball courts (2), the chess hall (20 boards) and the tug-of-war
field (1). Track events run heats then a final; field events run in flights of 12; badminton
is a knockout; table tennis groups of four then a knockout of the group winners and runners-up
on the app's draw lines (a group's two places in different halves, excluding each other);
basketball teams play groups then semi-finals and a final (a group's rounds in order); 400 m, 1500 m and shot put are
timed finals (the heats or flights rank together); chess plays Swiss rounds (each round
after the previous one); tug of war is a knockout of teams. Later rounds carry only those who
can reach them.

For each meet: the greedy schedule (time and finish), a naive first-fit baseline (items in input
order, no priorities), CP-SAT hinted by greedy (time to its best, its bound), and the lower bound.
Finish times are compared in *open minutes* (minutes of session time from the first opening),
so the lunch breaks and nights in between do not flatter the gap: gap % = (open minutes to the
finish − open minutes to the bound) ÷ open minutes to the bound. Every schedule is checked by the
independent validator (conflicts must be 0).

Goals (issue 7): the 800-item meet within 5 % of the lower bound in 60 s on 2 cores; greedy
under 1 s. Prints a table, then as the last line one JSON object of figures, baselines, ratios
and goals. Nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import msgspec

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from scheduling.alternatives import Line, joined, with_lines  # noqa: E402
from scheduling.groups import group_name, qualifier_lines  # noqa: E402
from scheduling.round_robin import berger_rounds  # noqa: E402
from scheduling.timetable import (  # noqa: E402
    Item,
    Problem,
    Resource,
    Schedule,
    Window,
    _Board,
    assign_units,
    check_structure,
    gap,
    greedy,
    lower_bound,
    make_schedule,
    opening_minutes,
    opening_spans,
)
from scheduling.timetable_check import validate  # noqa: E402
from scheduling.timetable_cpsat import improve  # noqa: E402

SEED = 20261203
DAYS = 3
SESSIONS = ((8 * 60 + 30, 11 * 60 + 30), (13 * 60 + 30, 17 * 60 + 30))
GOAL_GAP_PCT = 5.0
GOAL_GREEDY_S = 1.0
SIZES = {"200": (300, 12), "800": (1500, 30)}
# entrants per event and gender (teams for basketball and tug of war): the meet's quotas (限报人数)
QUOTAS = {
    "200": {"100m": 40, "400m": 24, "1500m": 12, "long_jump": 16, "shot_put": 16, "badminton": 24,
            "table_tennis": 20, "chess": 12, "basketball": 8, "tug": 12},
    "800": {"100m": 160, "400m": 96, "1500m": 48, "long_jump": 60, "shot_put": 60, "badminton": 80,
            "table_tennis": 88, "chess": 40, "basketball": 16, "tug": 30},
}
CHESS_ROUNDS = {"200": 3, "800": 4}


# The synthetic meet ------------------------------------------------------------------------


def windows(days: int = DAYS) -> tuple[Window, ...]:
    return tuple(Window(d * 1440 + a, d * 1440 + b) for d in range(days) for a, b in SESSIONS)


def venues(days: int = DAYS) -> tuple[Resource, ...]:
    w = windows(days)
    pools = (
        ("track", "田径跑道", 1), ("jump", "跳远沙坑", 1), ("throw", "投掷区", 1), ("badminton", "羽毛球场", 6),
        ("tt", "乒乓球台", 8), ("basketball", "篮球场", 2), ("chess", "棋类赛场", 20), ("tug", "拔河场地", 1),
    )
    return tuple(Resource(key=k, name=n, capacity=c, windows=w) for k, n, c in pools)


EVENTS = (  # (key, sport, weight in the entry lottery)
    ("100m", "track", 5), ("400m", "track", 3), ("1500m", "track", 2), ("long_jump", "jump", 2),
    ("shot_put", "throw", 2), ("badminton", "badminton", 4), ("table_tennis", "tt", 5), ("chess", "chess", 3),
    ("basketball", "basketball", 3), ("tug", "tug", 3),
)


def meet(size: str, seed: int = SEED) -> Problem:
    """A synthetic meet (see the module text); the same seed gives the same meet."""
    athletes, teams = SIZES[size]
    quota, chess_rounds = QUOTAS[size], CHESS_ROUNDS[size]
    rnd = random.Random(seed)
    team_of = {a: a % teams for a in range(athletes)}
    gender = {a: "M" if rnd.random() < 0.55 else "F" for a in range(athletes)}
    entries: dict[tuple[str, str], list[int]] = defaultdict(list)
    squads: dict[str, set[int]] = defaultdict(set)  # team sport -> teams with a squad
    names = [e[0] for e in EVENTS]
    weights = [e[2] for e in EVENTS]
    for a in range(athletes):
        chosen: set[str] = set()
        for _ in range(rnd.choice((1, 2, 2, 3))):
            chosen.add(rnd.choices(names, weights)[0])
        for e in chosen:
            if e in ("basketball", "tug"):
                if team_of[a] in squads[e] or len(squads[e]) < quota[e]:
                    squads[e].add(team_of[a])
                    entries[(e, "X")].append(a)
            elif len(entries[(e, gender[a])]) < quota[e]:
                entries[(e, gender[a])].append(a)
    items: list[Item] = []

    def add(key: str, label: str, resource: str, duration: int, people: set[int] = frozenset(),  # type: ignore[assignment]
            teams_: set[int] = frozenset(), after: list[str] | tuple[str, ...] = ()) -> str:  # type: ignore[assignment]
        items.append(Item(
            key=key, label=label, resource=resource, duration=duration,
            people=frozenset(f"p:{p}" for p in people), teams=frozenset(f"t:{t}" for t in teams_), after=tuple(after),
        ))
        return key

    only: dict[str, dict[str, frozenset[Line]]] = {}  # item -> who is there by a group place only
    Side = tuple[tuple[str, ...], frozenset[int], dict[str, frozenset[Line]]]  # waits, people, by place only

    def round_robin(prefix: str, label: str, resource: str, duration: int, members: list[int], team: bool) -> list[str]:
        """A group's Berger rounds, each after the round before, as the app has them; its items' keys."""
        keys: list[str] = []
        previous: list[str] = []
        for rd in berger_rounds(members):
            current = [
                add(f"{prefix}-{pr.home}-{pr.away}", f"{label} 第{rd.number}轮 {pr.home}v{pr.away}", resource, duration,
                    set() if team else {pr.home, pr.away}, {pr.home, pr.away} if team else set(), previous)
                for pr in rd.pairings
            ]
            keys += current
            previous = current
        return keys

    def knockout(prefix: str, label: str, resource: str, duration: int, sides: list[frozenset[int]], team: bool,
                 lines: list[Side] | None = None) -> None:
        """A knockout of ``sides`` (byes spread: slot i meets slot size−1−i), or of ``lines`` given
        in bracket order — each a side's waits (its group's matches), its people and those of them
        there only by a group place (as the app's builder has them); no people is a bye."""
        if lines is None:
            size = 1
            while size < len(sides):
                size *= 2
            slots: list[Side] = [((), s, {}) for s in sides]
            slots += [((), frozenset(), {})] * (size - len(sides))
            lines = [slots[i] for pair in zip(range(size // 2), range(size - 1, size // 2 - 1, -1), strict=False) for i in pair]
        current = lines
        rnd_no = 1
        while len(current) > 1:
            nxt: list[Side] = []
            for m in range(0, len(current), 2):
                (fa, pa, oa), (fb, pb, ob) = current[m], current[m + 1]
                if not pa or not pb:  # a bye: the other side goes through untouched
                    nxt.append(current[m] if pa else current[m + 1])
                    continue
                by_place = joined({f"p:{x}" for x in pa}, oa, {f"p:{x}" for x in pb}, ob) if oa or ob else {}
                key = add(f"{prefix}-r{rnd_no}-{m // 2}", f"{label} 第{rnd_no}轮 第{m // 2 + 1}场", resource, duration,
                          set() if team else set(pa | pb), set(pa | pb) if team else set(), sorted(set(fa) | set(fb)))
                if by_place:
                    only[key] = by_place
                nxt.append(((key,), pa | pb, by_place))
            current = nxt
            rnd_no += 1

    for (event, g), people in sorted(entries.items()):
        rnd.shuffle(people)
        tag = f"{event}-{g}"
        name = {"M": "男子", "F": "女子", "X": ""}[g] + event
        if event in ("100m", "400m", "1500m"):
            lanes = 8 if event != "1500m" else 12
            heats = [people[i::max(1, -(-len(people) // lanes))] for i in range(max(1, -(-len(people) // lanes)))]
            duration = {"100m": 8, "400m": 10, "1500m": 12}[event]
            if len(heats) == 1 or event != "100m":  # 400 m and 1500 m: timed finals (the heats rank by time)
                for i, h in enumerate(heats):
                    add(f"{tag}-heat{i}", f"{name} 第{i + 1}组", "track", duration, set(h))
                continue
            keys = [add(f"{tag}-heat{i}", f"{name} 预赛第{i + 1}组", "track", duration, set(h)) for i, h in enumerate(heats)]
            add(f"{tag}-final", f"{name} 决赛", "track", duration, set(people), after=keys)
        elif event in ("long_jump", "shot_put"):
            flights = max(1, -(-len(people) // 12))
            resource = "jump" if event == "long_jump" else "throw"
            keys = [add(f"{tag}-f{i}", f"{name} 第{i + 1}组", resource, 40, set(people[i::flights])) for i in range(flights)]
            if flights > 1 and event == "long_jump":  # shot put: flights rank together, no final
                add(f"{tag}-final", f"{name} 决赛", resource, 30, set(people), after=keys)
        elif event == "badminton":
            knockout(tag, name, "badminton", 30, [frozenset({p}) for p in people], False)
        elif event == "table_tennis":
            groups = [people[i::max(1, len(people) // 4)] for i in range(max(1, len(people) // 4))]
            group_items: dict[str, tuple[tuple[str, ...], frozenset[int]]] = {}
            for gi, grp in enumerate(groups):
                keys = round_robin(f"{tag}-g{gi}", f"{name} 小组{gi + 1}", "tt", 20, grp, False)
                group_items[group_name(gi)] = (tuple(keys), frozenset(grp))
            # the winner and runner-up of each group go on, on the app's draw lines (winners on the
            # seed lines, runners-up crossed over and in the other half from their group's winner);
            # a first knockout match waits for its own groups' matches, as the app's builder does
            if len(groups) > 1:
                lines = [
                    (*group_items[spot.group], {f"p:{x}": frozenset({(f"{tag}g{spot.group}", str(spot.rank))}) for x in group_items[spot.group][1]})
                    if spot is not None else ((), frozenset(), {})
                    for spot in qualifier_lines(len(groups), 2)
                ]
                knockout(f"{tag}-ko", f"{name} 淘汰赛", "tt", 20, [], False, lines)
        elif event == "chess":
            rounds = min(chess_rounds, max(1, len(people) - 1))
            previous: list[str] = []
            for r in range(rounds):
                boards = len(people) // 2
                keys = [
                    add(f"{tag}-r{r + 1}-b{b}", f"{name} 第{r + 1}轮 第{b + 1}台", "chess", 60, {people[2 * b], people[2 * b + 1]}, after=previous)
                    for b in range(boards)
                ]
                # Swiss, every round paired in advance (rotating), as in a re-solve once rounds are
                # paired; before that the app places each round still to pair as one block of boards
                previous = keys
                people = people[1:] + people[:1]
        elif event in ("basketball", "tug"):
            sides_t = sorted(squads[event])
            if event == "tug":
                knockout(tag, "拔河", "tug", 15, [frozenset({t}) for t in sides_t], True)
                continue
            groups_t = [sides_t[i::4] for i in range(4)]
            group_keys: list[list[str]] = []
            for gi, grp in enumerate(groups_t):
                group_keys.append(round_robin(f"{tag}-g{gi}", f"篮球 {gi + 1}组", "basketball", 40, grp, True))
            semis = []
            for s in range(2):  # the winners of groups s and 3−s: it waits for those two groups only
                reach = set(groups_t[s]) | set(groups_t[3 - s])
                semis.append(add(f"{tag}-sf{s}", f"篮球 半决赛{s + 1}", "basketball", 40, set(), reach,
                                 group_keys[s] + group_keys[3 - s]))
            add(f"{tag}-final", "篮球 决赛", "basketball", 40, set(), set(sides_t), semis)
    return Problem(items=tuple(with_lines(items, only)), resources=venues(), min_rest=15)


# The baseline and the measures --------------------------------------------------------------


def extended(problem: Problem) -> Problem:
    """The meet with three extra days of sessions (for the baseline, and to measure it)."""
    return Problem(items=problem.items, resources=venues(DAYS + 3), min_rest=problem.min_rest)


def first_fit(problem: Problem) -> Schedule:
    """Naive baseline: items in input order (each after its ``after`` items), earliest feasible start.

    It may need more than the meet's days, so it gets three extra days of the same sessions."""
    problem = extended(problem)
    items, resources, order = check_structure(problem)
    board = _Board(problem, resources)
    starts: dict[str, int] = {}
    units: dict[str, int] = {}
    placed: set[str] = set()
    pending = list(problem.items)
    while pending:
        later = []
        for it in pending:
            if any(p not in placed for p in it.after):
                later.append(it)
                continue
            t = it.not_before or 0
            for p in it.after:
                t = max(t, starts[p] + items[p].duration + gap(items[p], it, problem.min_rest))
            found = board.earliest(it, t)
            if found is None:
                raise SystemExit(f"first-fit could not place {it.label}")
            board.place(it, *found)
            starts[it.key], units[it.key] = found
            placed.add(it.key)
        pending = later
    return make_schedule(problem, starts, assign_units(problem, starts) or units)


PARTS = (  # (name, events): parts of the large meet, each its own items and venues
    ("table tennis", ("table_tennis",)),
    ("table tennis + badminton", ("table_tennis", "badminton")),
    ("+ chess", ("table_tennis", "badminton", "chess")),
    ("whole meet", tuple(e[0] for e in EVENTS)),
)


def part(problem: Problem, events: tuple[str, ...]) -> Problem:
    """The meet's items of these events only, waiting only for each other. Dropping items only
    loosens the rules, so a part's lower bound is also a bound for the whole meet."""
    kept = tuple(it for it in problem.items if it.key.split("-", 1)[0] in events)
    keys = {it.key for it in kept}
    return msgspec.structs.replace(
        problem, items=tuple(msgspec.structs.replace(it, after=tuple(a for a in it.after if a in keys)) for it in kept)
    )


def run_parts(seconds: float, workers: int) -> list[dict[str, Any]]:
    """Greedy then ``improve`` on each part of the large meet, with the gap to the part's bound."""
    whole = meet("800")
    rows = []
    for name, events in PARTS:
        problem = part(whole, events)
        g = greedy(problem)
        result = improve(problem, g, seconds=seconds, workers=workers)
        bound = max(lower_bound(problem).value, result.bound)
        rows.append({
            "part": name, "items": len(problem.items), "greedy": hhmm(g.finish), "cpsat": hhmm(result.schedule.finish),
            "bound": hhmm(bound), "optimal": result.optimal, "seconds": round(result.seconds, 1),
            "gap_pct": round(gap_pct(problem, result.schedule.finish, bound), 2),
            "conflicts": len(validate(problem, result.schedule)),
        })
    return rows


def gap_pct(problem: Problem, finish: int, bound: int) -> float:
    spans = opening_spans(extended(problem))
    base = opening_minutes(spans, bound)
    return 100.0 * (opening_minutes(spans, finish) - base) / base if base else 0.0


def hhmm(t: int) -> str:
    d, m = divmod(t, 1440)
    return f"D{d + 1} {m // 60:02d}:{m % 60:02d}"


def run(size: str, seconds: float, workers: int) -> dict[str, Any]:
    athletes, teams = SIZES[size]
    problem = meet(size)
    began = time.perf_counter()
    g = greedy(problem)
    greedy_s = time.perf_counter() - began
    began = time.perf_counter()
    naive = first_fit(problem)
    naive_s = time.perf_counter() - began
    began = time.perf_counter()
    lb = lower_bound(problem)
    bound_s = time.perf_counter() - began
    found_at: list[float] = []
    cp_began = time.perf_counter()

    def progress(schedule: Schedule, best_bound: int) -> None:
        found_at.append(time.perf_counter() - cp_began)

    result = improve(problem, g, seconds=seconds, workers=workers, on_progress=progress)
    best_bound = max(lb.value, result.bound)
    conflicts = {
        "greedy": len(validate(problem, g)),
        "first_fit": len(validate(extended(problem), naive)),
        "cpsat": len(validate(problem, result.schedule)),
    }
    top = sorted(lb.parts.items(), key=lambda kv: -kv[1])[:3]
    return {
        "items": len(problem.items),
        "athletes": athletes,
        "teams": teams,
        "greedy_s": round(greedy_s, 4),
        "first_fit_s": round(naive_s, 4),
        "lower_bound_s": round(bound_s, 4),
        "cpsat_s": round(result.seconds, 2),
        "cpsat_to_best_s": round(found_at[-1], 2) if found_at else 0.0,
        "cpsat_improvements": len(found_at),
        "finish": {"first_fit": naive.finish, "greedy": g.finish, "cpsat": result.schedule.finish},
        "finish_clock": {"first_fit": hhmm(naive.finish), "greedy": hhmm(g.finish), "cpsat": hhmm(result.schedule.finish)},
        "lower_bound": lb.value,
        "lower_bound_clock": hhmm(lb.value),
        "bound_after_cpsat": result.bound,
        "bound": best_bound,
        "bound_parts_top": dict(top),
        "optimal": result.optimal,
        "gap_pct": {
            "first_fit": round(gap_pct(problem, naive.finish, best_bound), 2),
            "greedy": round(gap_pct(problem, g.finish, best_bound), 2),
            "cpsat": round(gap_pct(problem, result.schedule.finish, best_bound), 2),
        },
        "conflicts": conflicts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 200-item meet only, CP-SAT 5 s")
    parser.add_argument("--seconds", type=float, default=None, help="CP-SAT time limit (default 60, quick 5)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--parts", action="store_true", help="the large meet's parts (table tennis, + badminton, + chess, all)")
    args = parser.parse_args()
    if args.parts:
        seconds = args.seconds if args.seconds is not None else 60.0
        print(f"Parts of the large meet: greedy, then CP-SAT {seconds:g} s on {args.workers} workers")
        rows = run_parts(seconds, args.workers)
        for r in rows:
            print(f"{r['part']:>26} {r['items']:>4} items | greedy {r['greedy']} | cp-sat {r['cpsat']} | bound {r['bound']}"
                  f"{' (optimal)' if r['optimal'] else ''} | gap {r['gap_pct']:5.1f} % | conflicts {r['conflicts']}")
        print(json.dumps({"benchmark": "timetable-parts", "seconds": seconds, "workers": args.workers, "parts": rows}, ensure_ascii=False))
        return
    seconds = args.seconds if args.seconds is not None else (5.0 if args.quick else 60.0)
    sizes = ["200"] if args.quick else ["200", "800"]
    print(f"Meet timetable: greedy, first-fit baseline, CP-SAT {seconds:g} s on {args.workers} workers "
          f"(Python {platform.python_version()}, {os.cpu_count()} CPUs seen)")
    header = f"{'meet':>5} {'items':>5} {'greedy s':>8} {'ff s':>6} {'cp best s':>9} | {'first-fit':>9} {'greedy':>9} {'cp-sat':>9} {'bound':>9} | {'gap% ff/gr/cp':>17} | conflicts"
    print(header)
    meets: dict[str, Any] = {}
    for size in sizes:
        r = run(size, seconds, args.workers)
        meets[size] = r
        f, gp = r["finish_clock"], r["gap_pct"]
        print(
            f"{size:>5} {r['items']:>5} {r['greedy_s']:>8.3f} {r['first_fit_s']:>6.3f} {r['cpsat_to_best_s']:>9.2f} | "
            f"{f['first_fit']:>9} {f['greedy']:>9} {f['cpsat']:>9} {hhmm(r['bound']):>9} | "
            f"{gp['first_fit']:>5.1f}/{gp['greedy']:>5.1f}/{gp['cpsat']:>5.1f} | {sum(r['conflicts'].values())}"
        )
        print(f"      bound parts (largest): {r['bound_parts_top']}; after CP-SAT (its own bound included) {hhmm(r['bound_after_cpsat'])}")
    big = meets.get("800") or meets["200"]
    result = {
        "benchmark": "timetable",
        "size": "quick" if args.quick else "full",
        "seconds": seconds,
        "workers": args.workers,
        "meets": meets,
        "ratios": {
            size: {
                "greedy_finish_open_minutes_vs_first_fit": round(
                    (m["gap_pct"]["greedy"] + 100) / (m["gap_pct"]["first_fit"] + 100), 4
                ),
                "cpsat_finish_open_minutes_vs_greedy": round((m["gap_pct"]["cpsat"] + 100) / (m["gap_pct"]["greedy"] + 100), 4),
            }
            for size, m in meets.items()
        },
        "goals": {
            "gap_pct": GOAL_GAP_PCT,
            "greedy_s": GOAL_GREEDY_S,
            "met": {
                "gap_800_within_5pct": big["gap_pct"]["cpsat"] <= GOAL_GAP_PCT,
                "greedy_under_1s": all(m["greedy_s"] < GOAL_GREEDY_S for m in meets.values()),
                "zero_conflicts": all(sum(m["conflicts"].values()) == 0 for m in meets.values()),
            },
        },
        "python": platform.python_version(),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
