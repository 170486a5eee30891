"""Costs around a 9.1.3 store's writes that users asked to see measured:

* **the crate's WAL re-read**: every commit of a3s-code-core 9.1.3's ``FileSessionStore``
  re-reads its whole write-ahead log under its lock (``commit_snapshot_under_lock`` calls
  ``load_entries``), so a commit gets slower as the log grows. Measured as the median time of
  a ``save_snapshot(force=True)`` of a small session after N commits.
* **the guards a3s-session adds to a write** (regular-file check, id check, sealed-state
  check): a forced save of a small session, guards on vs the native store's save alone.

    python benchmarks/store_guards.py [--commits 2000]

Prints a Markdown table. Not a test: numbers only.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from a3s_session import v9

KEY = bytes(range(32))


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


def wal_growth(commits: int) -> list[tuple[int, float, int]]:
    """(commits so far, median ms of the next 50 commits, WAL bytes) at a few points."""
    out = []
    with tempfile.TemporaryDirectory() as d:
        store = v9.FileSessionStore(d)
        snap = v9.SessionSnapshotV1.session_only(v9.SessionData(id="s"))
        wal = Path(d) / "v1" / "wal" / "session-store.ndjson"
        marks = {1, commits // 4, commits // 2, commits}
        done = 0
        while done < commits + 50:
            t = time.perf_counter()
            store.save_snapshot(snap, force=True)
            elapsed = time.perf_counter() - t
            done += 1
            for mark in marks:
                if mark <= done < mark + 50:
                    out.append((mark, elapsed, wal.stat().st_size))
        rows: dict[int, list[float]] = {}
        sizes: dict[int, int] = {}
        for mark, elapsed, size in out:
            rows.setdefault(mark, []).append(elapsed)
            sizes.setdefault(mark, size)
    return [(mark, _median_ms(s), sizes[mark]) for mark, s in sorted(rows.items())]


def guard_cost(rounds: int = 300) -> tuple[float, float, float, float]:
    """Median ms of a forced save: through a3s-session (guards) and the native store alone;
    plaintext and sealed."""
    results = []
    for key in (None, KEY):
        with tempfile.TemporaryDirectory() as d:
            store = v9.FileSessionStore(d, encryption_key=key)
            for i in range(200):  # a store with some documents in it
                store.save_snapshot(v9.SessionSnapshotV1.session_only(v9.SessionData(id=f"o{i}")))
            snap = v9.SessionSnapshotV1.session_only(v9.SessionData(id="s"))
            guarded, native = [], []
            for _ in range(rounds):
                t = time.perf_counter()
                store.save_snapshot(snap, force=True)
                guarded.append(time.perf_counter() - t)
                t = time.perf_counter()
                store.native.save_snapshot(snap)
                native.append(time.perf_counter() - t)
            results += [_median_ms(guarded), _median_ms(native)]
    return results[0], results[1], results[2], results[3]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=2000)
    args = parser.parse_args()
    print("| commits in the WAL | median ms per commit (next 50) | WAL bytes |")
    print("|---:|---:|---:|")
    for mark, ms, size in wal_growth(args.commits):
        print(f"| {mark:,} | {ms:.2f} | {size:,} |")
    g, n, gs, ns = guard_cost()
    print()
    print("| forced save of a small session (200 others in the store) | a3s-session | native |")
    print("|---|---:|---:|")
    print(f"| plaintext | {g:.2f} ms | {n:.2f} ms |")
    print(f"| sealed | {gs:.2f} ms | {ns:.2f} ms |")


if __name__ == "__main__":
    main()
