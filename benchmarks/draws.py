"""Benchmark: generating draws and standings, against a plain sort of the same entrants.

    python benchmarks/draws.py            # full: medians over repeated runs
    python benchmarks/draws.py --quick    # one or two runs each, for CI

For fields of 8, 64 and 512 entrants (one in eight seeded, spread over n/8 workshops) it
times ``make_draw`` for every format, pairing a later Swiss round from random results, and
filling a whole knockout bracket winner by winner; then the standings of a 16-entrant round
robin under the ITTF tie-break list. The baseline is ``sorted()`` of the same entrants by
seed and id — the least any draw must do — so each ratio says how many sorts a draw costs.

Prints a table, then as the last line one JSON object of figures, baselines, ratios and
goals. Nothing here passes or fails.
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

from scheduling.draw import KnockoutDraw, make_draw  # noqa: E402
from scheduling.entrants import Entrant  # noqa: E402
from scheduling.knockout import Bracket, advance_winner  # noqa: E402
from scheduling.results import Played  # noqa: E402
from scheduling.round_robin import berger_rounds  # noqa: E402
from scheduling.standings import ITTF, rank  # noqa: E402
from scheduling.swiss import PlayedRound, pair_next_round  # noqa: E402

SIZES = (8, 64, 512)
SEED = 20261120
GOAL_DRAW_512_MS = 1000.0  # any draw of a 512 field within a second: an organiser clicking "编排"
GOAL_STANDINGS_16_MS = 20.0  # a group table recomputed on every result entry


def field(n: int) -> list[Entrant]:
    chance = random.Random(n)
    teams = max(2, n // 8)
    return [
        Entrant(i, f"选手{i}", team_id=chance.randrange(teams), seed=i if i <= n // 8 else None)
        for i in range(1, n + 1)
    ]


def timed(work: Callable[[], object], repeats: int, min_seconds: float) -> float:
    """Median milliseconds of ``work``, run at least ``repeats`` times and ``min_seconds`` long."""
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < repeats or time.perf_counter() - started < min_seconds:
        t0 = time.perf_counter()
        work()
        samples.append((time.perf_counter() - t0) * 1000)
        if len(samples) >= 1000:
            break
    return statistics.median(samples)


def swiss_history(entrants: list[Entrant], rounds: int) -> tuple[list[int], list[PlayedRound]]:
    chance = random.Random(SEED)
    ranking = [e.id for e in entrants]
    history: list[PlayedRound] = []
    for _ in range(rounds):
        rnd = pair_next_round(ranking, history)
        games = tuple(Played(p.home, p.away, winner=chance.choice([p.home, p.away, None])) for p in rnd.pairings)
        history.append(PlayedRound(games, (rnd.bye,) if rnd.bye is not None else ()))
    return ranking, history


def fill_bracket(bracket: Bracket) -> Bracket:
    for match_id in range(1, len(bracket.matches) + 1):
        match = bracket.match(match_id)
        if not match.bye and match.a is not None and match.b is not None:
            bracket = advance_winner(bracket, match_id, min(match.a, match.b))
    return bracket


def round_robin_records(n: int) -> list[Played]:
    chance = random.Random(SEED)
    records = []
    for rnd in berger_rounds(list(range(1, n + 1))):
        for p in rnd.pairings:
            loser_games = chance.randint(0, 2)
            a_wins = chance.random() < 0.5
            games = (3, loser_games) if a_wins else (loser_games, 3)
            points = (33 + chance.randint(0, 10), 20 + chance.randint(0, 12))
            records.append(Played(p.home, p.away, winner=p.home if a_wins else p.away, games=games, points=points))
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one or two runs each (for CI)")
    args = parser.parse_args(argv)
    repeats, min_seconds = (1, 0.0) if args.quick else (5, 0.5)

    rows: list[tuple[str, int, float, float]] = []  # (work, n, ms, baseline ms)
    for n in SIZES:
        entrants = field(n)
        baseline = timed(lambda: sorted(entrants, key=lambda e: (e.seed is None, e.seed or 0, e.id)), 5, 0.05)
        for label, fmt, settings in (
            ("round robin", "round_robin", None),
            ("knockout", "knockout", None),
            ("groups → knockout", "groups_knockout", {"group_size": 4}),
            ("swiss round 1", "swiss", None),
        ):
            rows.append((label, n, timed(lambda: make_draw(fmt, entrants, settings, SEED), repeats, min_seconds), baseline))
        ranking, history = swiss_history(entrants, 4)
        rows.append(("swiss round 5", n, timed(lambda: pair_next_round(ranking, history), repeats, min_seconds), baseline))
        draw = make_draw("knockout", entrants, None, SEED)
        assert isinstance(draw, KnockoutDraw)
        rows.append(("knockout: every winner", n, timed(lambda: fill_bracket(draw.bracket), repeats, min_seconds), baseline))

    records = round_robin_records(16)
    ids = list(range(1, 17))
    standings_baseline = timed(lambda: sorted(ids), 5, 0.05)
    standings_ms = timed(lambda: rank(ids, records, ITTF, seed=SEED), repeats, min_seconds)
    rows.append(("standings ITTF", 16, standings_ms, standings_baseline))

    print()
    print(f"Draws and standings ({'quick' if args.quick else 'full'}; median ms; Python {platform.python_version()})")
    print(f"{'work':<24}{'n':>6}{'ms':>12}{'sort ms':>12}{'ratio':>12}")
    for label, n, ms, base in rows:
        print(f"{label:<24}{n:>6}{ms:>12.3f}{base:>12.4f}{ms / base:>12.0f}")
    draw_512 = max(ms for label, n, ms, _ in rows if n == 512)
    print()
    print(f"slowest draw of 512: {draw_512:.1f} ms (goal < {GOAL_DRAW_512_MS:.0f} ms); "
          f"standings of 16: {standings_ms:.2f} ms (goal < {GOAL_STANDINGS_16_MS:.0f} ms)")

    key = lambda label, n: f"{label.replace(' → ', '_to_').replace(': ', '_').replace(' ', '_')}_{n}"  # noqa: E731
    result = {
        "benchmark": "draws",
        "size": "quick" if args.quick else "full",
        "python": platform.python_version(),
        "figures_ms": {key(label, n): round(ms, 4) for label, n, ms, _ in rows},
        "baseline_sort_ms": {str(n): round(base, 5) for label, n, _, base in rows if label == "round robin"}
        | {"standings_16": round(standings_baseline, 5)},
        "ratio_to_sort": {key(label, n): round(ms / base, 1) for label, n, ms, base in rows},
        "goals": {
            "draw_512_ms_max": GOAL_DRAW_512_MS,
            "standings_16_ms_max": GOAL_STANDINGS_16_MS,
            "met": {"draw_512": draw_512 < GOAL_DRAW_512_MS, "standings_16": standings_ms < GOAL_STANDINGS_16_MS},
        },
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
