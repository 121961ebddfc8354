"""Benchmark: generating draws and standings, against a plain sort of the same entrants.

    python benchmarks/draws.py            # full: medians over repeated runs
    python benchmarks/draws.py --quick    # one or two runs each, for CI

For fields of 8, 64 and 512 entrants (one in eight seeded, spread over n/8 workshops) it
times ``make_draw`` for every format, pairing a later Swiss round from random results, and
filling a whole knockout bracket winner by winner; then the standings of a 16-entrant round
robin under the ITTF tie-break list. The baseline is ``sorted()`` of the same entrants by
seed and id — the least any draw must do — so each ratio says how many sorts a draw costs.

Then the cases of brackets-manager.js (the best-known open-source bracket engine) with its
in-memory storage, timed in the same run by ``benchmarks/brackets_manager/bench.mjs`` under
Node: create a 1024 knockout, a 256 double elimination (zhijia has none: "not built"), a round
robin of 64 in 8 groups and of 128 in one group, and create-then-play a 1024 knockout to the
end. Both sides get the same field, seeds 1..n. The goal is a speed-up of at least 3× per case.
``npm ci`` runs there only when node_modules is missing (not in ``--quick``); without Node,
npm or the registry the comparison prints "brackets-manager unavailable" and is skipped.

Prints tables, then as the last line one JSON object of figures, baselines, ratios and
goals. Nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduling.draw import Draw, GroupsKnockoutDraw, KnockoutDraw, RoundRobinDraw, make_draw  # noqa: E402
from scheduling.entrants import Entrant  # noqa: E402
from scheduling.groups import draw_groups  # noqa: E402
from scheduling.knockout import Bracket, advance_winner, champion  # noqa: E402
from scheduling.results import Played  # noqa: E402
from scheduling.round_robin import berger_rounds  # noqa: E402
from scheduling.rounds import Round  # noqa: E402
from scheduling.standings import ITTF, rank  # noqa: E402
from scheduling.swiss import PlayedRound, pair_next_round  # noqa: E402

SIZES = (8, 64, 512)
SEED = 20261120
GOAL_DRAW_512_MS = 1000.0  # any draw of a 512 field within a second: an organiser clicking "编排"
GOAL_STANDINGS_16_MS = 20.0  # a group table recomputed on every result entry
GOAL_SPEEDUP_VS_BRACKETS_MANAGER = 3.0  # each case at least 3× faster than brackets-manager
BRACKETS_MANAGER_DIR = Path(__file__).resolve().parent / "brackets_manager"

# brackets-manager case → what zhijia runs for it (None: zhijia has no such format).
VERSUS_CASES: dict[str, str | None] = {
    "knockout_create_1024": 'make_draw("knockout", 1024 entrants); also builds the 3rd-place match',
    "double_elimination_create_256": None,
    "round_robin_64_in_8_groups": 'make_draw("groups_knockout", 64 entrants, group_count=8): '
    "groups by snake seeding, Berger rounds per group, knockout lines",
    "round_robin_128_in_1_group": 'make_draw("round_robin", 128 entrants)',
    "knockout_play_1024": 'make_draw("knockout", 1024) then advance_winner match by match '
    "(upper line wins) to the final and 3rd-place match",
}


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


def seeded_field(n: int) -> list[Entrant]:
    """brackets-manager's input: seeding 1..n, everyone placed by seed, no 代表队."""
    return [Entrant(i, f"Team {i}", seed=i) for i in range(1, n + 1)]


def play_knockout(entrants: list[Entrant]) -> Bracket:
    """Create the knockout, then decide every match in order, the upper line winning."""
    draw = make_draw("knockout", entrants, None, SEED)
    assert isinstance(draw, KnockoutDraw)
    bracket = draw.bracket
    for match_id in range(1, len(bracket.matches) + 1):
        match = bracket.matches[match_id - 1]  # matches are numbered round by round
        if not match.bye and match.winner is None and match.a is not None and match.b is not None:
            bracket = advance_winner(bracket, match_id, match.a)
    return bracket


def groups_then_berger(entrants: list[Entrant], group_count: int) -> list[tuple[Round, ...]]:
    """The bare round robin in groups: draw_groups, then berger_rounds for each group."""
    stage = draw_groups(entrants, group_count, random.Random(SEED))
    return [berger_rounds(g.entrants) for g in stage.groups]


def zhijia_versus_cases(repeats: int, min_seconds: float) -> tuple[dict[str, float | None], dict[str, object]]:
    """zhijia's median ms for each brackets-manager case, and counts showing the work was done."""
    f1024, f64, f128 = seeded_field(1024), seeded_field(64), seeded_field(128)
    played = play_knockout(f1024)
    check: dict[str, object] = {
        "knockout_create_1024": {"matches": len(played.matches)},
        "round_robin_64_in_8_groups": _round_robin_counts(make_draw("groups_knockout", f64, {"group_count": 8}, SEED)),
        "round_robin_128_in_1_group": _round_robin_counts(make_draw("round_robin", f128, None, SEED)),
        "knockout_play_1024": {
            "decided": sum(1 for m in played.matches if m.winner is not None and not m.bye),
            "champion": champion(played),
        },
    }
    figures: dict[str, float | None] = {
        "knockout_create_1024": timed(lambda: make_draw("knockout", f1024, None, SEED), repeats, min_seconds),
        "double_elimination_create_256": None,
        "round_robin_64_in_8_groups": timed(
            lambda: make_draw("groups_knockout", f64, {"group_count": 8}, SEED), repeats, min_seconds
        ),
        "round_robin_128_in_1_group": timed(lambda: make_draw("round_robin", f128, None, SEED), repeats, min_seconds),
        "knockout_play_1024": timed(lambda: play_knockout(f1024), repeats, min_seconds),
    }
    figures["round_robin_64_in_8_groups_bare"] = timed(lambda: groups_then_berger(f64, 8), repeats, min_seconds)
    return figures, check


def _round_robin_counts(draw: Draw) -> dict[str, int]:
    if isinstance(draw, GroupsKnockoutDraw):
        rounds_per_group = draw.group_rounds
    else:
        assert isinstance(draw, RoundRobinDraw)
        rounds_per_group = (draw.rounds,)
    return {
        "groups": len(rounds_per_group),
        "rounds": sum(len(rounds) for rounds in rounds_per_group),
        "matches": sum(len(r.pairings) for rounds in rounds_per_group for r in rounds),
    }


def brackets_manager_figures(quick: bool) -> tuple[dict[str, Any] | None, str]:
    """brackets-manager's medians from bench.mjs under Node, or None and why not."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None:
        return None, "node not found"
    if not (BRACKETS_MANAGER_DIR / "node_modules").is_dir():
        if quick:
            return None, "skipped in --quick: node_modules not installed (a full run installs it)"
        if npm is None:
            return None, "npm not found"
        try:
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=BRACKETS_MANAGER_DIR,
                capture_output=True,
                text=True,
                timeout=600,
                check=True,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.SubprocessError) as error:
            return None, f"npm ci failed ({type(error).__name__}); offline?"
    repeats, min_seconds = ("1", "0") if quick else ("11", "0.5")
    try:
        done = subprocess.run(
            [node, "bench.mjs", repeats, min_seconds],
            cwd=BRACKETS_MANAGER_DIR,
            capture_output=True,
            text=True,
            timeout=900,
            check=True,
            stdin=subprocess.DEVNULL,
        )
        found = json.loads(done.stdout.strip().splitlines()[-1])
        found["median_ms"] = {k: float(v) for k, v in found["median_ms"].items()}
    except (OSError, subprocess.SubprocessError, ValueError, IndexError, KeyError, TypeError) as error:
        return None, f"bench.mjs failed ({type(error).__name__})"
    return found, ""


def versus_brackets_manager(quick: bool) -> dict[str, object]:
    repeats, min_seconds = (1, 0.0) if quick else (5, 0.5)
    zhijia, zhijia_check = zhijia_versus_cases(repeats, min_seconds)
    bm, why_not = brackets_manager_figures(quick)
    bm_ms: dict[str, float] = bm["median_ms"] if bm else {}
    cases: dict[str, dict[str, Any]] = {}
    for case, zhijia_path in VERSUS_CASES.items():
        zj, other = zhijia.get(case), bm_ms.get(case)
        speedup = other / zj if zj and other else None
        cases[case] = {
            "zhijia_ms": None if zj is None else round(zj, 4),
            "brackets_manager_ms": None if other is None else round(other, 4),
            "speedup": None if speedup is None else round(speedup, 2),
            "goal_met": None if speedup is None else speedup >= GOAL_SPEEDUP_VS_BRACKETS_MANAGER,
            "zhijia": zhijia_path or "not built",
        }
    bare_ms = zhijia["round_robin_64_in_8_groups_bare"]
    bare_other = bm_ms.get("round_robin_64_in_8_groups")
    print()
    print(f"zhijia against brackets-manager ({'quick' if quick else 'full'}; median ms; same field: seeds 1..n)")
    if bm:
        versions = ", ".join(f"{k} {v}" for k, v in bm["versions"].items())
        print(f"brackets-manager: {versions}, in-memory storage, {bm['runner']}; "
              f"zhijia: Python {platform.python_version()}")
    else:
        print(f"brackets-manager unavailable: {why_not}")
    print(f"{'case':<32}{'zhijia ms':>12}{'b-m ms':>12}{'speed-up':>11}  goal ≥{GOAL_SPEEDUP_VS_BRACKETS_MANAGER:.0f}×")
    for case, row in cases.items():
        zj_text = "not built" if row["zhijia_ms"] is None else f"{row['zhijia_ms']:.3f}"
        other_text = "—" if row["brackets_manager_ms"] is None else f"{row['brackets_manager_ms']:.3f}"
        speed_text = "—" if row["speedup"] is None else f"{row['speedup']:.1f}×"
        met_text = {True: "met", False: "NOT met", None: "—"}[row["goal_met"]]
        print(f"{case:<32}{zj_text:>12}{other_text:>12}{speed_text:>11}  {met_text}")
    bare_speed = f"{bare_other / bare_ms:.1f}×" if bare_other and bare_ms else "—"
    print(f"  (for reference, draw_groups + berger_rounds per group without the knockout lines: "
          f"{bare_ms:.3f} ms, {bare_speed})")
    for case, path in VERSUS_CASES.items():
        print(f"  zhijia {case}: {path or 'not built (zhijia has no double elimination)'}")
    return {
        "brackets_manager": {
            "available": bm is not None,
            "reason": why_not or None,
            "versions": bm.get("versions") if bm else None,
            "runner": bm.get("runner") if bm else None,
            "samples": bm.get("samples") if bm else None,
            "check": bm.get("check") if bm else None,
        },
        "zhijia_check": zhijia_check,
        "round_robin_64_in_8_groups_bare_ms": round(bare_ms, 4) if bare_ms else None,
        "goal_speedup_min": GOAL_SPEEDUP_VS_BRACKETS_MANAGER,
        "cases": cases,
        "met": {case: row["goal_met"] for case, row in cases.items()},
    }


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

    versus = versus_brackets_manager(args.quick)

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
        "versus_brackets_manager": versus,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
