"""The ranking benchmark runs alone: ``benchmarks/ranking.py --quick`` ends with its figures as
JSON. Figures are not judged here (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_ranking_benchmark_prints_figures_baselines_and_ratios_as_its_last_line() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "ranking.py"), "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True, stdin=subprocess.DEVNULL,
    )
    assert "sorted() ms" in done.stdout  # the readable table came first
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == "ranking" and result["size"] == "quick"
    for key in ("figures_ms", "baseline_sort_ms", "ratio_to_sort"):
        assert set(result[key]) == {"rank_5000", "team_points_meet"}
        assert all(value > 0 for value in result[key].values())
    assert set(result["goals"]["met"]) == {"rank_5000"}
    assert result["goals"]["rank_5000_ms_max"] == 50.0
