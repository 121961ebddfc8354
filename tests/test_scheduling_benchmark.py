"""The draws benchmark runs alone: ``benchmarks/draws.py --quick`` ends with its figures as JSON,
including the cases compared with brackets-manager (its figures only when Node can run it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "draws.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        stdin=subprocess.DEVNULL,
    )


def test_quick_draws_benchmark_prints_figures_baselines_and_ratios_as_its_last_line(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    result = json.loads(quick_run.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == "draws" and result["size"] == "quick"
    for n in (8, 64, 512):
        for work in ("round_robin", "knockout", "groups_to_knockout", "swiss_round_1"):
            assert result["figures_ms"][f"{work}_{n}"] > 0
            assert result["ratio_to_sort"][f"{work}_{n}"] > 0
    assert set(result["baseline_sort_ms"]) == {"8", "64", "512", "standings_16"}
    assert result["figures_ms"]["standings_ITTF_16"] > 0
    assert set(result["goals"]["met"]) == {"draw_512", "standings_16"}


def test_quick_draws_benchmark_reports_the_brackets_manager_cases_with_or_without_node(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    versus = json.loads(quick_run.stdout.strip().splitlines()[-1])["versus_brackets_manager"]
    cases = versus["cases"]
    assert set(cases) == {
        "knockout_create_1024",
        "double_elimination_create_256",
        "round_robin_64_in_8_groups",
        "round_robin_128_in_1_group",
        "knockout_play_1024",
    }
    assert cases["double_elimination_create_256"]["zhijia"] == "not built"
    assert cases["double_elimination_create_256"]["zhijia_ms"] is None
    for case in set(cases) - {"double_elimination_create_256"}:
        assert cases[case]["zhijia_ms"] > 0
    assert versus["zhijia_check"]["knockout_play_1024"] == {"decided": 1024, "champion": 1}
    assert versus["zhijia_check"]["round_robin_128_in_1_group"]["matches"] == 128 * 127 // 2
    assert versus["goal_speedup_min"] == 3.0
    if versus["brackets_manager"]["available"]:
        assert cases["knockout_play_1024"]["brackets_manager_ms"] > 0
        assert versus["brackets_manager"]["check"]["knockout_play_1024"]["completed"] == 1023
        assert all(isinstance(versus["met"][case], bool) for case in set(cases) - {"double_elimination_create_256"})
    else:
        assert "brackets-manager unavailable" in quick_run.stdout
        assert all(row["speedup"] is None for row in cases.values())
