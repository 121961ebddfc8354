"""The results benchmark runs alone: ``benchmarks/results.py --quick`` ends with its figures as
JSON. Figures are not judged here (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_results_benchmark_prints_figures_baselines_and_ratios_as_its_last_line() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "results.py"), "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True, stdin=subprocess.DEVNULL,
    )
    assert "bare_write" in done.stdout  # the readable table came first
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == "results" and result["size"] == "quick" and result["backend"] == "sqlite"
    for key in ("p50_ms", "p95_ms"):
        assert set(result[key]) == {"enter", "ranking", "team_totals", "total", "bare_write"}
        assert all(value > 0 for value in result[key].values())
    assert result["ratio_total_to_bare_write_p95"] > 1 and result["ratio_rank_to_sorted"] > 0
    assert set(result["goals"]["met"]) == {"mark_p95", "rank_5000"}
