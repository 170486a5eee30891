"""What the unknown-field check costs on decode: ``from_json`` (``unknown="warn"``, the
default, which runs the check) against ``from_json(unknown="ignore")`` (no check), for every
shape and size, both generations. Interleaved, fresh inputs, medians; writes
benchmarks/UNKNOWN_RESULTS.md.

    python benchmarks/unknown_check.py [--quick]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workloads
from a3s_session import v3, v9

OUT = Path(__file__).resolve().parent / "UNKNOWN_RESULTS.md"


def _time(fn: Callable[[], Any], budget: float) -> float:
    """Seconds per call: the median of batches of calls that each take ~1/20 of the budget."""
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t
        if dt > budget / 40 or n > 1 << 20:
            break
        n *= 2
    samples = []
    deadline = time.perf_counter() + budget
    while time.perf_counter() < deadline or len(samples) < 5:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t) / n)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="S and M only, short runs")
    args = parser.parse_args(argv)
    sizes = ("S", "M") if args.quick else ("S", "M", "L")
    budget = 0.3 if args.quick else 2.0
    rows = []
    for shape in workloads.SHAPES:
        for size in sizes:
            data = workloads.text(size, shape=shape).encode("utf-8")
            for gen in (v3, v9):
                cls = gen.SessionData
                cls.from_json(data, unknown="error")  # the crate must accept it, no unknowns
                rounds = []
                for _ in range(3):  # A B A B ...: drift hits both
                    off = _time(partial(cls.from_json, data, unknown="ignore"), budget / 2)
                    on = _time(partial(cls.from_json, data), budget / 2)
                    rounds.append((off, on))
                off = statistics.median(r[0] for r in rounds)
                on = statistics.median(r[1] for r in rounds)
                rows.append((shape, size, gen.GENERATION, len(data), off, on))
                print(f"{shape:6} {size} {gen.GENERATION}: {off * 1e6:10.1f} µs -> "
                      f"{on * 1e6:10.1f} µs  (+{(on - off) * 1e6:.2f} µs, {on / off - 1:+.1%})")  # fmt: skip
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# The unknown-field check on decode",
        "",
        (
            f"`python benchmarks/unknown_check.py{' --quick' if args.quick else ''}`, {when}, "
            f"{platform.machine()}, CPython {platform.python_version()}. `from_json(data)` "
            '(checks) against `from_json(data, unknown="ignore")` (does not); medians of 3 '
            "interleaved rounds. Inputs are what the 3.0.0 crate writes (compact; pretty for "
            "`store`), so every check ends on the cheap path: for 9.1.3 too, whose output adds "
            "the fields 9.x defaults."
        ),
        "",
        "| shape | size | generation | bytes | no check | with check | cost | cost % |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for shape, size, gen, n, off, on in rows:
        lines.append(
            f"| {shape} | {size} | {gen} | {n:,} | {off * 1e6:,.1f} µs | {on * 1e6:,.1f} µs | "
            f"{(on - off) * 1e6:+,.2f} µs | {on / off - 1:+.1%} |"
        )
    OUT.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
