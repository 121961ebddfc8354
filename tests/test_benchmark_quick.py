"""The registration benchmark runs: ``benchmarks/registration.py --quick`` completes and ends
with its JSON line. Figures are not judged here (no timing asserts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "registration.py"
FIGURE_KEYS = {"requests", "errors", "throughput", "p50_ms", "p99_ms"}

pytestmark = pytest.mark.server


def run_quick(*args: str, env: dict[str, str] | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    result = json.loads(last)
    assert {"figures", "baseline", "ratio", "goals"} <= result.keys(), result
    assert FIGURE_KEYS <= result["baseline"]["bare"].keys()
    assert {"throughput_ratio_min", "p99_ms_max"} <= result["goals"].keys()
    assert "bare" in done.stdout and "p99 ms" in done.stdout  # the readable table came first
    return result


def test_quick_benchmark_prints_its_figures_as_json() -> None:
    """SQLite only: the PostgreSQL path of the benchmark shares its server code with the race tests."""
    env = {k: v for k, v in os.environ.items() if k != "ZHIJIA_BENCH_POSTGRES_URL"}
    result = run_quick("--backends", "sqlite", env=env)
    assert set(result["figures"]) == {"sqlite"}
    assert FIGURE_KEYS <= result["figures"]["sqlite"].keys()
    assert set(result["ratio"]) == {"sqlite"}
