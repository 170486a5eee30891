"""How long rendering a session takes, per format, shape and size (benchmarks/workloads.py:
text-heavy, tool-call-dense and mixed sessions of ~500 KB and ~20 MB), with redaction on
(the default for md, html, openai-jsonl, atif, otlp-json) and, for comparison, off.

    python benchmarks/render_speed.py            # writes benchmarks/RENDER_RESULTS.md
    python benchmarks/render_speed.py --quick    # 500 KB only

Times are the median of ``--rounds`` runs of ``a3s_session.render`` on a session already read
(reading is measured by benchmarks/run.py); the 20 MB sessions are timed once each, for the
formats people open (text, md, html). One process, one thread.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import a3s_session
from a3s_session import render
from workloads import session_dict

FORMATS = ("text", "md", "html", "openai-jsonl", "atif", "otlp-json")
SIZES = {"500 KB": 500_000, "20 MB": 20_000_000}


def timed(fn: object, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", default=str(HERE / "RENDER_RESULTS.md"))
    args = ap.parse_args()
    sizes = {"500 KB": SIZES["500 KB"]} if args.quick else SIZES
    rows = []
    for size_name, size in sizes.items():
        for shape in ("text", "dense", "mix"):
            session = a3s_session.SessionData.from_dict(session_dict(size, shape=shape))
            nbytes = len(session.to_json())
            big = size >= 5_000_000
            rounds = 1 if big else args.rounds
            render(session, "md")  # imports and caches (detect-secrets, markdown-it, pygments)
            for fmt in ("text", "md", "html") if big else FORMATS:
                on = timed(lambda s=session, f=fmt: render(s, f, redact=True), rounds)
                off = timed(lambda s=session, f=fmt: render(s, f, redact=False), rounds)
                out = render(session, fmt)
                rows.append((size_name, shape, nbytes, fmt, on, off, len(out.text)))
                print(
                    f"{size_name:>6} {shape:>5} {fmt:>12}: {on:7.3f} s redacted, {off:7.3f} s not",
                    flush=True,
                )
    lines = [
        "# Render speed",
        "",
        (
            f"`python benchmarks/render_speed.py` on {platform.machine()}, Python "
            f"{platform.python_version()}, a3s-session {a3s_session.__version__}: median seconds of "
            f"`a3s_session.render(session, FORMAT)` on a session already read; redaction on (the "
            "default for md, html, openai-jsonl, atif, otlp-json) and off."
        ),
        "",
        "| size | shape | JSON bytes | format | redacted (s) | not redacted (s) | output bytes |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for size_name, shape, nbytes, fmt, on, off, outlen in rows:
        lines.append(
            f"| {size_name} | {shape} | {nbytes:,} | {fmt} | {on:.3f} | {off:.3f} | {outlen:,} |"
        )
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
