"""The timetable benchmark runs alone: ``benchmarks/timetable.py --quick`` ends with its figures as
JSON, and every schedule it measured passed the independent validator. Figures are not judged
here (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_timetable_benchmark_prints_figures_baselines_and_zero_conflicts() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "timetable.py"), "--quick", "--seconds", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True, stdin=subprocess.DEVNULL,
    )
    assert "first-fit" in done.stdout  # the readable table came first
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == "timetable" and result["size"] == "quick"
    assert set(result["meets"]) == {"200"}
    meet = result["meets"]["200"]
    assert 150 <= meet["items"] <= 300
    assert meet["conflicts"] == {"greedy": 0, "first_fit": 0, "cpsat": 0}
    assert set(meet["finish"]) == {"first_fit", "greedy", "cpsat"} == set(meet["gap_pct"])
    assert meet["lower_bound"] <= meet["bound"] <= meet["finish"]["cpsat"] <= meet["finish"]["greedy"]
    assert meet["greedy_s"] > 0 and meet["first_fit_s"] > 0
    assert set(result["ratios"]["200"]) == {"greedy_finish_open_minutes_vs_first_fit", "cpsat_finish_open_minutes_vs_greedy"}
    assert set(result["goals"]["met"]) == {"gap_800_within_5pct", "greedy_under_1s", "zero_conflicts"}
    assert result["goals"]["met"]["zero_conflicts"] is True
