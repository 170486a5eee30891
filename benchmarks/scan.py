"""The scan benchmark: many session files into the `sessions` table.

    python benchmarks/scan.py [--files 10000] [--rounds 3] [--verify] [--out FILE]

Builds (once, cached) the seeded corpus of `scan_corpus.py` — both layouts, text-heavy and
tool-call-dense sessions from 2 KB to 2 MB, a nested store, a few broken files — and times,
interleaved round by round (medians reported), each contender producing the same `sessions`
rows from every file:

- `a3s_session.scan` with 1 and 2 threads (`pyarrow.table(scan(dir).sessions)`);
- DuckDB `read_json(..., format='auto')` with the same thread count, selecting the same
  columns (both layouts through `coalesce`); it stops at the first broken file, so it is
  given the good files only;
- polars `read_json` per file, concatenated;
- pure Python: `json.loads` per file, columns in lists, `pyarrow.table`;
- `read_session_file` (the session classes) in a thread pool of 2, columns from attributes.

Then peak memory of a full scan of all six tables (streamed, batches dropped as they come)
in a fresh process, for a quarter of the corpus and for all of it, against the largest
file plus the largest batch. `--verify` also checks every row of every table against
per-file reads (`tests/scan_reference.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import scan_corpus

Contender = Callable[[list[Path], Path], int]


_PY_COLUMNS = (
    "id",
    "name",
    "workspace",
    "state",
    "model_name",
    "created_at",
    "updated_at",
    "message_count",
    "total_tokens",
    "total_cost",
)


def _py_row(d: Any) -> tuple[Any, ...] | None:
    """The columns of one parsed document, or None when it is not a session (the least a
    port must check before pyarrow would choke on it)."""
    if not isinstance(d, dict):
        return None
    s = d.get("session", d)
    if not isinstance(s, dict) or not isinstance(s.get("id"), str):
        return None
    if not all(isinstance(s.get(k), int) for k in ("created_at", "updated_at")):
        return None
    c = s["config"]
    return (
        s["id"],
        c["name"],
        c["workspace"],
        s["state"],
        s.get("model_name"),
        s["created_at"],
        s["updated_at"],
        len(s["messages"]),
        s["total_usage"]["total_tokens"],
        s["total_cost"],
    )


def scan_with(threads: int) -> Contender:
    def run(paths: list[Path], root: Path) -> int:
        import pyarrow as pa

        import a3s_session

        return int(pa.table(a3s_session.scan(root, threads=threads).sessions).num_rows)

    return run


def duckdb_with(threads: int) -> Contender:
    def run(paths: list[Path], root: Path) -> int:
        import duckdb

        con = duckdb.connect()
        con.execute(f"SET threads={threads}")
        # DuckDB cannot skip a malformed file in a JSON array/object reader ("Parse errors
        # cannot be ignored for JSON formats other than 'newline_delimited'"): it is given
        # the good files only.
        broken = {name for name, _ in scan_corpus.BROKEN}
        files = [str(p) for p in paths if p.name not in broken]
        # Both layouts: a v1 envelope has the session under `session`.
        sql = """
            select coalesce(session.id, id) as id,
                   coalesce(session.config.name, config.name) as name,
                   coalesce(session.config.workspace, config.workspace) as workspace,
                   coalesce(session.state, state) as state,
                   coalesce(session.model_name, model_name) as model_name,
                   to_timestamp(coalesce(session.created_at, created_at)) as created_at,
                   to_timestamp(coalesce(session.updated_at, updated_at)) as updated_at,
                   len(coalesce(session.messages, messages)) as message_count,
                   coalesce(session.total_usage.total_tokens, total_usage.total_tokens) as total_tokens,
                   coalesce(session.total_cost, total_cost) as total_cost
            from read_json(?, format='auto', union_by_name=true, ignore_errors=true,
                           maximum_object_size=100000000)
        """
        t = con.sql(sql, params=[files]).to_arrow_table()
        return int(t.num_rows)

    return run


def polars_loop(paths: list[Path], root: Path) -> int:
    import polars as pl

    frames = []
    for p in paths:
        try:
            df = pl.read_json(p.read_bytes())
        except (pl.exceptions.PolarsError, ValueError, UnicodeDecodeError):
            continue  # a broken file: skipped, as a generic reader does
        if "session" in df.columns:
            df = df.select(pl.col("session").struct.unnest())
        if "id" not in df.columns:
            continue
        frames.append(
            df.select(
                pl.col("id"),
                pl.col("config").struct.field("name").alias("name"),
                pl.col("state"),
                pl.col("messages").list.len().alias("message_count"),
                pl.col("total_cost").cast(pl.Float64),
            )
        )
    return pl.concat(frames, how="diagonal_relaxed").height


def pure_python(paths: list[Path], root: Path) -> int:
    import pyarrow as pa

    rows = []
    for p in paths:
        try:
            row = _py_row(json.loads(p.read_bytes()))
        except (ValueError, UnicodeDecodeError):
            continue
        if row is not None:
            rows.append(row)
    return int(pa.table(dict(zip(_PY_COLUMNS, map(list, zip(*rows))))).num_rows)


def classes_in_pool(paths: list[Path], root: Path) -> int:
    import pyarrow as pa

    import a3s_session

    def row(p: Path) -> dict[str, Any] | None:
        try:
            s = a3s_session.read_session_file(p).session
        except (a3s_session.SessionFormatError, OSError):
            return None
        return {
            "id": s.id,
            "name": s.config.name,
            "workspace": s.config.workspace,
            "state": s.state.value,
            "model_name": s.model_name,
            "created_at": s.created_at,
            "updated_at": s.updated_at,
            "message_count": len(s.messages),
            "total_tokens": s.total_usage.total_tokens,
            "total_cost": s.total_cost,
        }

    with ThreadPoolExecutor(2) as pool:
        rows = [r for r in pool.map(row, paths) if r is not None]
    return int(pa.Table.from_pylist(rows).num_rows)


CONTENDERS: dict[str, Contender] = {
    "a3s_session.scan, 1 thread": scan_with(1),
    "a3s_session.scan, 2 threads": scan_with(2),
    "DuckDB read_json, 1 thread": duckdb_with(1),
    "DuckDB read_json, 2 threads": duckdb_with(2),
    "polars read_json per file": polars_loop,
    "pure Python (json.loads + pyarrow)": pure_python,
    "SessionData classes, pool of 2": classes_in_pool,
}

_MEMORY_SCRIPT = """
import os, sys, threading, pyarrow as pa, a3s_session
page = os.sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page
paths = sys.argv[1:]
base = rss()
peak = base
done = threading.Event()
def sample():
    global peak
    while not done.is_set():
        peak = max(peak, rss())
        done.wait(0.002)
sampler = threading.Thread(target=sample)
sampler.start()
largest_batch = 0
for batch in a3s_session.scan(paths, threads=2).batches():
    size = sum(pa.table(batch[n]).nbytes for n in a3s_session.TABLES)
    largest_batch = max(largest_batch, size)
    del batch
done.set()
sampler.join()
print(base, max(peak, rss()), largest_batch)
"""


def memory(paths: list[Path]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, *map(str, paths)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    base, peak, batch = (int(x) for x in out)
    largest = max(p.stat().st_size for p in paths)
    grown = peak - base
    return {
        "files": len(paths),
        "baseline_mb": base / 1e6,
        "peak_growth_mb": grown / 1e6,
        "largest_file_mb": largest / 1e6,
        "largest_batch_mb": batch / 1e6,
        "ratio": grown / (largest + batch),
    }


def verify(root: Path, chunk: int = 250) -> int:
    """Every row of every table equals per-file reads; `chunk` files at a time (a list of
    paths is a source like the directory; `source_index` counts within it), so memory holds
    one chunk's rows twice, not the corpus's."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import a3s_session
    from scan_reference import normalize_scan, reference, walk

    paths = walk(root)
    rows = 0
    for start in range(0, len(paths), chunk):
        part = paths[start : start + chunk]
        want = reference(part)
        got = a3s_session.scan(part).collect()
        for name in a3s_session.TABLES:
            have = normalize_scan(got[name].to_pylist())
            if have != want[name]:
                raise SystemExit(f"verify: {name} of files {start}.. differs from per-file reads")
            rows += len(have)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the fast contenders")
    ap.add_argument(
        "--slow-rounds", type=int, default=1, help="rounds of polars, pure Python and the pool"
    )
    ap.add_argument(
        "--dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "a3s-scan-corpus"
    )
    ap.add_argument("--verify", action="store_true", help="check every row against per-file reads")
    ap.add_argument("--only", nargs="*", help="contenders whose name contains one of these")
    ap.add_argument("--out", type=Path, help="also write the Markdown table here")
    args = ap.parse_args()

    root = args.dir / f"{args.files}"
    t0 = time.perf_counter()
    paths = scan_corpus.build(root, args.files)
    mb = sum(p.stat().st_size for p in paths) / 1e6
    print(f"corpus: {len(paths)} files, {mb:.1f} MB in {root} ({time.perf_counter() - t0:.0f} s)")
    if args.verify:
        t0 = time.perf_counter()
        print(
            f"verify: every row of every table equals per-file reads ({verify(root):,} rows, {time.perf_counter() - t0:.0f} s)"
        )

    chosen = {
        k: f for k, f in CONTENDERS.items() if not args.only or any(o in k for o in args.only)
    }
    times: dict[str, list[float]] = {k: [] for k in chosen}
    rows: dict[str, int] = {}
    slow = ("polars", "pure Python", "pool")
    for r in range(args.rounds):
        for name, f in chosen.items():
            if r >= args.slow_rounds and any(k in name for k in slow):
                continue
            start = time.perf_counter()
            rows[name] = f(paths, root)
            times[name].append(time.perf_counter() - start)
    lines = [
        (
            f"{len(paths):,} files, {mb:,.0f} MB (2 KB–2 MB, both layouts, "
            f"{len(scan_corpus.BROKEN)} broken); medians of interleaved rounds; "
            f"{os.cpu_count()} CPUs"
        ),
        "",
        "| contender | rows | time | files/s | MB/s | runs |",
        "|---|---|---|---|---|---|",
    ]
    for name, ts in times.items():
        t = statistics.median(ts)
        lines.append(
            f"| {name} | {rows[name]:,} | {t:.2f} s | {len(paths) / t:,.0f} | {mb / t:,.0f} "
            f"| {len(ts)} |"
        )
    speed = {k: statistics.median(v) for k, v in times.items()}
    if "a3s_session.scan, 2 threads" in speed and "a3s_session.scan, 1 thread" in speed:
        two, one = speed["a3s_session.scan, 2 threads"], speed["a3s_session.scan, 1 thread"]
        lines.append("")
        lines.append(f"- 2 threads ÷ 1 thread: ×{one / two:.2f} (target ≥ ×1.8)")
        for threads in (1, 2):
            duck = speed.get(f"DuckDB read_json, {threads} thread{'s' if threads > 1 else ''}")
            ours = speed[f"a3s_session.scan, {threads} thread{'s' if threads > 1 else ''}"]
            if duck:
                lines.append(
                    f"- scan ÷ DuckDB at {threads} thread(s): ×{duck / ours:.2f} (target ≥ ×1.5)"
                )
    mem = [memory(paths[: len(paths) // 4]), memory(paths)]
    lines += [
        "",
        "| peak memory (RSS sampled every 2 ms, above the RSS after imports), full scan of all six tables | files | growth | largest file + largest batch | ratio |",
        "|---|---|---|---|---|",
    ]
    for m in mem:
        lines.append(
            f"| streamed, batches dropped | {m['files']:,} | {m['peak_growth_mb']:.0f} MB | "
            f"{m['largest_file_mb']:.1f} + {m['largest_batch_mb']:.0f} MB | ×{m['ratio']:.2f} (target ≤ ×2) |"
        )
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
