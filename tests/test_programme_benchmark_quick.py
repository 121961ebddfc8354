"""The programme benchmark runs alone: ``benchmarks/programme.py --quick`` ends with its figures
as JSON. Figures are not judged here (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_programme_benchmark_prints_figures_baselines_and_ratios_as_its_last_line() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "programme.py"), "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True, stdin=subprocess.DEVNULL,
    )
    assert "programme_html" in done.stdout.splitlines()[1]  # the readable table came first
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == "programme" and result["size"] == "quick" and result["backend"] == "sqlite"
    assert result["athletes"] == 300 and result["entries"] > result["athletes"]
    assert set(result["ms"]) == {
        "programme_html", "programme_xlsx", "plain_select", "trivial_render", "trivial_xlsx",
        "timetable_organiser_page", "timetable_public_page", "timetable_check", "build_problem",
    }
    assert result["timetable_items"] > 0  # the programme prints a published timetable
    assert all(value > 0 for value in result["ms"].values())
    assert result["html_rows"] > result["entries"] and result["xlsx_rows"] > 0
    assert result["ratio_html_to_select_plus_render"] > 0 and result["ratio_xlsx_to_trivial_xlsx"] > 0
    assert result["ratio_timetable_check_to_build_problem"] > 0
    assert result["goals"]["html_ms"] == 3000 and result["goals"]["xlsx_ms"] == 5000
    assert set(result["goals"]["met"]) <= {"html", "xlsx"}
