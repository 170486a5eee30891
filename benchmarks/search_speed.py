"""Full-text search on the scan corpus: first index, incremental update, queries.

    python benchmarks/search_speed.py [--files 10000] [--out benchmarks/SEARCH_RESULTS.md]

Targets (issue 20): the first index within 2x the scan's own time (the scan of the tables
the index reads: sessions, messages, blocks, errors); an update after 1 % of the files
changed within 5 % of the first index; a query under 50 ms. The corpus is the seeded one of
`scan_corpus.py` (built once, cached); the 1 % changed are rewritten with one more message
and restored afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import a3s_session
import scan_corpus
from a3s_session.fulltext import SearchIndex

# The corpus's texts are drawn from a vocabulary of about 35 words (workloads.py), so every
# query below matches a large share of all messages: the worst case for ranking.
QUERIES = (
    ("a common word", "the", {}),
    ("another word", "delimiter", {}),
    ("a phrase", '"the parser"', {}),
    ("a prefix", "pars*", {}),
    ("two words, one tool", "cargo test", {"tool": "bash"}),
    ("assistant messages, since a date", "token", {"role": "assistant", "since": "2025-06-01"}),
    ("one session", "delimiter", {"session": "s0000"}),
    ("no match", "zzyzxquux", {}),
)


def _scan_time(root: Path) -> float:
    start = time.perf_counter()
    for _ in a3s_session.scan(root).batches(["sessions", "messages", "blocks", "errors"]):
        pass
    return time.perf_counter() - start


def _change(paths: list[Path], share: float, seed: int) -> dict[Path, bytes]:
    """Rewrite `share` of the good files with one more message; returns the originals."""
    rng = random.Random(seed)
    good = [p for p in paths if p.name not in {n for n, _ in scan_corpus.BROKEN}]
    chosen = rng.sample(good, max(1, int(len(paths) * share)))
    originals = {}
    for p in chosen:
        data = p.read_bytes()
        originals[p] = data
        doc = json.loads(data)
        session = doc["session"] if isinstance(doc.get("session"), dict) else doc  # v1 envelope
        session["messages"].append(
            {"role": "user", "content": [{"type": "text", "text": "one more question"}]}
        )
        p.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return originals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument(
        "--dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "a3s-scan-corpus"
    )
    ap.add_argument("--rounds", type=int, default=3, help="scan rounds and query repetitions")
    ap.add_argument("--out", type=Path, help="also write the Markdown report here")
    args = ap.parse_args()

    root = args.dir / f"{args.files}"
    paths = scan_corpus.build(root, args.files)
    mb = sum(p.stat().st_size for p in paths) / 1e6
    print(f"corpus: {len(paths):,} files, {mb:,.0f} MB in {root}", flush=True)

    scan_times = [_scan_time(root) for _ in range(args.rounds)]
    scan_s = statistics.median(scan_times)
    print(f"scan (sessions, messages, blocks, errors): {scan_s:.2f} s", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        index_path = Path(tmp) / "search.sqlite3"
        with SearchIndex(index_path) as index:
            first = index.update([root])
        size_mb = index_path.stat().st_size / 1e6
        print(f"first index: {first.seconds:.2f} s, {first.messages:,} messages, {size_mb:,.0f} MB")
        with SearchIndex(index_path) as index:
            unchanged = index.update([root])
        originals = _change(paths, 0.01, seed=5)
        try:
            with SearchIndex(index_path) as index:
                update = index.update([root])
        finally:
            for p, data in originals.items():
                p.write_bytes(data)
        print(f"update, {update.read} changed: {update.seconds:.2f} s")
        query_rows = []
        with SearchIndex(index_path) as index:
            for label, query, filters in QUERIES:
                hits = index.query(query, [root], **filters)  # warm
                times = []
                for _ in range(max(args.rounds, 5)):
                    start = time.perf_counter()
                    hits = index.query(query, [root], **filters)
                    times.append(time.perf_counter() - start)
                query_rows.append((label, query, filters, len(hits), statistics.median(times)))
                print(f"query {query!r} {filters}: {statistics.median(times) * 1000:.1f} ms")

    lines = [
        (
            f"# `python benchmarks/search_speed.py` — results ({time.strftime('%Y-%m-%d')}, "
            f"this machine: {os.cpu_count()} CPUs)"
        ),
        "",
        (
            f"{len(paths):,} files, {mb:,.0f} MB (the scan corpus: 2 KB–2 MB, both layouts, "
            f"text-heavy and tool-call-dense, {len(scan_corpus.BROKEN)} broken); index in "
            f"SQLite FTS5 ({size_mb:,.0f} MB on disk, {first.messages:,} messages)."
        ),
        "",
        "| step | time | target | met |",
        "|---|---|---|---|",
        f"| scan of the tables the index reads (median of {len(scan_times)}) | {scan_s:.2f} s | | |",
        (
            f"| first index | {first.seconds:.2f} s (×{first.seconds / scan_s:.2f} the scan) "
            f"| ≤ ×2 the scan | {'yes' if first.seconds <= 2 * scan_s else 'no'} |"
        ),
        f"| update, nothing changed | {unchanged.seconds:.2f} s | | |",
        (
            f"| update after {update.read} files (1 %) changed | {update.seconds:.2f} s "
            f"({100 * update.seconds / first.seconds:.1f} % of the first) | ≤ 5 % | "
            f"{'yes' if update.seconds <= 0.05 * first.seconds else 'no'} |"
        ),
        "",
        "| query | filters | hits | median time | < 50 ms |",
        "|---|---|---|---|---|",
    ]
    for label, query, filters, n, t in query_rows:
        shown = ", ".join(f"{k}={v}" for k, v in filters.items()) or "-"
        lines.append(
            f"| {label}: `{query}` | {shown} | {n} | {t * 1000:.1f} ms | {'yes' if t < 0.05 else 'no'} |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
