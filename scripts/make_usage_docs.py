"""Make docs/usage-report.png (the `usage --html` page of a 300-session folder in headless
Chromium, desktop width, light mode) and print the `usage --by week` table of that folder and
a `diff` of two real-shaped runs, for the closing notes and the README.

    python scripts/make_usage_docs.py        # needs chromium and playwright
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import scan_corpus

sys.path.insert(0, str(ROOT / "scripts"))
from make_show_docs import screenshot

DOCS = ROOT / "docs"


def cli(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "a3s_session", *args],
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "80", "NO_COLOR": "1", "TZ": "UTC", "PATH": "/usr/bin:/bin"},
    )
    return done.stdout


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "sessions"
        scan_corpus.build(root, files=300, seed=3, max_size=60_000, per_shape=6)
        page = Path(tmp) / "usage.html"
        cli("usage", str(root), "--tz", "UTC", "--html", str(page), "-q")
        screenshot(page, DOCS / "usage-report.png")
        print(f"wrote {DOCS / 'usage-report.png'}")
        print(cli("usage", str(root), "--by", "week", "--tz", "UTC"))


if __name__ == "__main__":
    main()
