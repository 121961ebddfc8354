"""The draws benchmark runs alone: ``benchmarks/draws.py --quick`` ends with its figures as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_draws_benchmark_prints_figures_baselines_and_ratios_as_its_last_line() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "draws.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == "draws" and result["size"] == "quick"
    for n in (8, 64, 512):
        for work in ("round_robin", "knockout", "groups_to_knockout", "swiss_round_1"):
            assert result["figures_ms"][f"{work}_{n}"] > 0
            assert result["ratio_to_sort"][f"{work}_{n}"] > 0
    assert set(result["baseline_sort_ms"]) == {"8", "64", "512", "standings_16"}
    assert result["figures_ms"]["standings_ITTF_16"] > 0
    assert set(result["goals"]["met"]) == {"draw_512", "standings_16"}
