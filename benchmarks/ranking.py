"""Benchmark: ranking marks and adding up team points, against a plain sort of the same numbers.

    python benchmarks/ranking.py            # full: medians over repeated runs
    python benchmarks/ranking.py --quick    # a few runs each, for CI

``rank_5000``: 5 000 electronic times (some tied, some DNF/DQ) ranked with shared places.
``team_points_meet``: a meet of 40 events × 60 entrants over 20 teams, every event ranked,
then team totals and the medal table. Each baseline is ``sorted()`` of the same raw numbers
(for the meet, 40 sorts of 60), the least any ranking must do, so each ratio says how many
plain sorts the real work costs. Goal: ranking 5 000 marks well under 50 ms.

Prints a table, then as the last line one JSON object of figures, baselines, ratios and goals.
Nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduling.marks import Mark, status_mark, time_mark  # noqa: E402
from scheduling.points import EventResult, medal_table, team_table  # noqa: E402
from scheduling.ranking import Performance, rank  # noqa: E402

SEED = 20261120
GOAL_RANK_5000_MS = 50.0
EVENTS, ENTRANTS, TEAMS = 40, 60, 20


def marks(n: int, chance: random.Random) -> tuple[list[Mark], list[int]]:
    raw = [chance.randrange(10_500, 14_000) for _ in range(n)]
    made = [
        status_mark(chance.choice(["DNF", "DQ", "DNS"])) if chance.random() < 0.03 else time_mark(v) for v in raw
    ]
    return made, raw


def timed(work: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few runs each (for CI)")
    args = parser.parse_args()
    repeats = 3 if args.quick else 31
    chance = random.Random(SEED)

    big, big_raw = marks(5000, chance)
    performances = [Performance(i, m) for i, m in enumerate(big)]
    meet = [marks(ENTRANTS, chance) for _ in range(EVENTS)]
    team_of = {i: i % TEAMS for i in range(ENTRANTS)}

    def whole_meet() -> None:
        results = [
            EventResult(e, tuple(rank(Performance(i, m) for i, m in enumerate(ms))), team_of, team_event=e % 10 == 0)
            for e, (ms, _) in enumerate(meet)
        ]
        team_table(results)
        medal_table(results)

    def sort_meet() -> None:
        for _, raw in meet:
            sorted(raw)

    figures = {"rank_5000": timed(lambda: rank(performances), repeats), "team_points_meet": timed(whole_meet, repeats)}
    baseline = {"rank_5000": timed(lambda: sorted(big_raw), repeats), "team_points_meet": timed(sort_meet, repeats)}
    ratio = {k: figures[k] / baseline[k] for k in figures}

    print(f"Ranking and team points ({'quick' if args.quick else 'full'}; median of {repeats} runs, ms; Python {platform.python_version()})")
    print(f"{'work':<20}{'size':>16}{'ms':>10}{'sorted() ms':>14}{'ratio':>9}")
    sizes = {"rank_5000": "5000 marks", "team_points_meet": f"{EVENTS}×{ENTRANTS}"}
    for k in figures:
        print(f"{k:<20}{sizes[k]:>16}{figures[k]:>10.3f}{baseline[k]:>14.4f}{ratio[k]:>9.1f}")
    met = figures["rank_5000"] < GOAL_RANK_5000_MS
    print(f"rank 5000 marks: {figures['rank_5000']:.1f} ms (goal < {GOAL_RANK_5000_MS:.0f} ms): {'met' if met else 'NOT met'}")
    result = {
        "benchmark": "ranking",
        "size": "quick" if args.quick else "full",
        "repeats": repeats,
        "figures_ms": figures,
        "baseline_sort_ms": baseline,
        "ratio_to_sort": ratio,
        "goals": {"rank_5000_ms_max": GOAL_RANK_5000_MS, "met": {"rank_5000": met}},
        "python": platform.python_version(),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
