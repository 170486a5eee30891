"""`benchmarks/run.py --quick` runs to the end and prints its report (no timing assertions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def test_quick_benchmark_runs(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "| workload | operation | a3s_session |" in proc.stdout
    assert "## Targets" in proc.stdout
    assert "## Exactness" in proc.stdout
    report = out.read_text(encoding="utf-8")
    assert "| text S | decode |" in report and "| dense M | round trip |" in report
    assert "## Per shape: msgspec's time" in report
