"""Many files: the CLI and the directory reader over a store of small sessions, against reading
the same files in a plain loop.

    python benchmarks/many_files.py               # 5,000 files of ~20 KB (the realistic mix)
    python benchmarks/many_files.py --files 500   # fewer, for a quick look

The files are written by the crates' own stores: the 3.0.0 ``FileSessionStore`` (bare
``SessionData``, pretty) and, with ``--v9``, the 9.1.3 store (``v1/sessions`` snapshots).
Each command runs as a fresh process (so its time includes starting Python: shown apart);
each is run ``--rounds`` times, interleaved, and the median is reported. ``ls`` and
``validate`` read on every CPU by default; their ``-j 1`` rows show one thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import workloads

LOOP_JSON = """
import json, sys, pathlib
for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.json')):
    json.loads(p.read_bytes())
"""
LOOP_FROM_JSON = """
import sys, pathlib
from a3s_session.v3 import SessionData
for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.json')):
    SessionData.from_json(p.read_bytes())
"""
LOOP_FROM_JSON_V9 = """
import sys, pathlib
from a3s_session import v9
for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.json')):
    v9.SessionData.from_json(p.read_bytes())
"""
LOOP_DIRECTORY = """
import sys
from a3s_session.files import SessionDirectory
entries = SessionDirectory(sys.argv[1]).scan()
assert all(e.file is not None for e in entries), [e.error for e in entries if e.file is None][:3]
"""
STARTUP = "import a3s_session.cli"


def make_store(root: Path, n: int, v9: bool) -> Path:
    import a3s_session

    store_dir = root / ("v9" if v9 else "v3")
    store = (a3s_session.v9 if v9 else a3s_session.v3).FileSessionStore(store_dir)
    cls = a3s_session.v9.SessionData if v9 else a3s_session.v3.SessionData
    for i in range(n):
        doc = workloads.session_dict(20_000, seed=1000 + i, shape="mix")
        doc["id"] = f"session-{i:05d}"
        doc["updated_at"] += i
        # force: the benchmark's workspace does not exist here, so 9.1.3's hand-back check
        # (is there a fact log to resume from?) would refuse the save.
        store.save(cls.from_dict(doc), force=True)
    return store_dir


def run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--v9", action="store_true", help="also a 9.1.3 store (v1/sessions files)")
    args = ap.parse_args(argv)
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="a3s-many-") as tmp:
        root = Path(tmp)
        stores = {"3.0.0 store (legacy files)": make_store(root, args.files, v9=False)}
        if args.v9:
            stores["9.1.3 store (v1/sessions)"] = make_store(root, args.files, v9=True)
        for title, store in stores.items():
            files = sorted(str(p) for p in store.rglob("*.json"))
            size = sum(Path(f).stat().st_size for f in files)
            from_json = LOOP_FROM_JSON_V9 if "9.1.3" in title else LOOP_FROM_JSON
            cases = {
                "python startup + import": [py, "-c", STARTUP],
                "json.loads loop": [py, "-c", LOOP_JSON, str(store)],
                "from_json loop": [py, "-c", from_json, str(store)],
                "SessionDirectory.scan()": [py, "-c", LOOP_DIRECTORY, str(store)],
                "a3s-session ls": [py, "-m", "a3s_session", "ls", str(store)],
                "a3s-session validate": [py, "-m", "a3s_session", "validate", *files],
                # One thread: what the per-file work costs, with nothing overlapped.
                "a3s-session ls -j 1": [py, "-m", "a3s_session", "ls", "-j", "1", str(store)],
                "a3s-session validate -j 1": [
                    *(py, "-m", "a3s_session", "validate", "-j", "1"),
                    *files,
                ],
            }
            times: dict[str, list[float]] = {k: [] for k in cases}
            for r in range(args.rounds):
                names = list(cases)
                k = r % len(names)
                for name in names[k:] + names[:k]:
                    times[name].append(run(cases[name]))
            med = {k: statistics.median(v) for k, v in times.items()}
            startup = med["python startup + import"]
            base = med["from_json loop"] - startup
            cpus = (
                len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
            )
            print(f"\n### {title}: {len(files):,} files, {size / 1e6:.1f} MB, {cpus} CPUs\n")
            print("| command | wall (median) | minus startup | per file | ÷ from_json loop |")
            print("|---|---|---|---|---|")
            for name, t in med.items():
                net = t - startup
                ratio = "–" if name.startswith("python") else f"×{net / base:.2f}"
                print(
                    f"| {name} | {t:.2f} s | {net:.2f} s | {net / len(files) * 1e6:.0f} µs | {ratio} |"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
