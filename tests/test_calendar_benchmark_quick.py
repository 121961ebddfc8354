"""The calendar benchmark runs alone: ``benchmarks/calendar_views.py --quick`` ends with its figures as
JSON. Figures are not judged here (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_calendar_benchmark_prints_figures_baselines_and_ratios_as_its_last_line() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "calendar_views.py"), "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True, stdin=subprocess.DEVNULL,
    )
    assert "month_page" in done.stdout and "bare icalendar" in done.stdout  # the readable table came first
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == "calendar" and result["size"] == "quick" and result["backend"] == "sqlite"
    assert result["month_items"] >= 400 and result["feed_events"] >= 1000
    for key in ("p50_ms", "p95_ms"):
        assert set(result[key]) == {"month_page", "month_page_cold", "month_service", "feed", "bare_request"}
        assert all(value > 0 for value in result[key].values())
    assert result["baseline_sorted_items_ms"] > 0 and result["baseline_bare_icalendar_ms"] > 0
    assert result["ratio_month_page_to_bare_request"] > 1 and result["ratio_feed_to_bare_icalendar"] > 0
    assert set(result["goals"]["met"]) == {"month_page", "month_page_cold", "feed"}
