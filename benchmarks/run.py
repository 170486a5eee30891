"""Benchmark a3s_session against pure Python, msgspec, pydantic and the crate in native Rust.

    python benchmarks/run.py                     # full run, writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick             # seconds: tiny counts, S and M only, no L/RSS
    python benchmarks/run.py --with-wheel-size   # also build a wheel (maturin) to size it
    python benchmarks/run.py --shapes text,dense --sizes S,M   # a subset

Method (see also the "Method" section of the report):

- Workloads come from `workloads.py` (fixed seed) and are the crate's own compact JSON; every
  workload is loaded by the crate before anything is timed.
- The Python contenders (a3s_session, msgspec, pydantic, pure Python) run in this one process,
  interleaved: each round times every contender once (A B C D, then B C D A, ...), each sample
  repeats the call enough times to last a few tens of milliseconds; the report shows the
  median over rounds of the time per call. The garbage collector is off inside a sample (as
  `timeit` does) and collected between samples; a call's time includes freeing its result.
- The native Rust contender (`benchnative/`, the crate with serde_json and nothing else)
  times itself inside Rust in its own process and reports medians.
- Peak RSS is measured in one fresh subprocess per contender.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EDGE_DIR = HERE / "edge"
sys.path.insert(0, str(HERE))

import workloads

NATIVE_NAME = "a3s-session-benchnative"
EDIT_TEXT = "Please also update the changelog and bump the version."
A3S = "a3s_session"
A3S_BYTES = "a3s_session (to_json_bytes)"
A3S_V9 = "a3s_session.v9 (9.1.3, to_json_bytes)"
NATIVE = "native Rust"
SHA_PROBE = "hashlib.sha256 of M-sized bytes (GIL-free reference)"


# ---------------------------------------------------------------------------------------------
# Contenders
# ---------------------------------------------------------------------------------------------
@dataclass
class Contender:
    name: str
    decode: Callable[[bytes], Any]
    encode: Callable[[Any], str | bytes]
    text_cls: type
    result_cls: type
    new_message: Callable[[], Any]
    # An output variant of another contender: same decode, so it is timed only where output
    # matters (encode, round trip, load-edit-save) and checked for exactness.
    output_variant: bool = False
    # Which crate's bytes this contender writes: the exactness table compares with 3.0.0's
    # (the 9.1 generation writes 9.1.3's, checked against that crate by tests/test_v9.py).
    generation: str = "v3"


def load_contenders() -> tuple[list[Contender], list[str]]:
    """The Python contenders that can be imported here, and notes on those that cannot."""
    import a3s_session as a3s
    import purepy

    contenders = [
        Contender(
            A3S,
            a3s.v3.SessionData.from_json,
            a3s.v3.SessionData.to_json,
            a3s.v3.TextBlock,
            a3s.v3.ToolResultBlock,
            lambda: {"role": "user", "content": [{"type": "text", "text": EDIT_TEXT}]},
        )
    ]
    if hasattr(a3s.v3.SessionData, "to_json_bytes"):
        contenders.append(
            Contender(
                A3S_BYTES,
                a3s.v3.SessionData.from_json,
                a3s.v3.SessionData.to_json_bytes,
                a3s.v3.TextBlock,
                a3s.v3.ToolResultBlock,
                lambda: {"role": "user", "content": [{"type": "text", "text": EDIT_TEXT}]},
                output_variant=True,
            )
        )
    contenders.append(
        Contender(
            A3S_V9,
            a3s.v9.SessionData.from_json,
            a3s.v9.SessionData.to_json_bytes,
            a3s.v9.TextBlock,
            a3s.v9.ToolResultBlock,
            lambda: {"role": "user", "content": [{"type": "text", "text": EDIT_TEXT}]},
            generation="v9",
        )
    )
    notes = []
    try:
        import msgspec_model as mm

        contenders.append(
            Contender(
                "msgspec",
                mm.decode,
                mm.encode,
                mm.TextBlock,
                mm.ToolResultBlock,
                lambda: mm.Message(role="user", content=[mm.TextBlock(text=EDIT_TEXT)]),
            )
        )
    except ImportError as exc:
        notes.append(f"msgspec skipped: {exc}")
    try:
        import pydantic_model as pm

        contenders.append(
            Contender(
                "pydantic",
                pm.decode,
                pm.encode,
                pm.TextBlock,
                pm.ToolResultBlock,
                lambda: pm.Message(role="user", content=[pm.TextBlock(text=EDIT_TEXT)]),
            )
        )
    except ImportError as exc:
        notes.append(f"pydantic skipped: {exc}")
    contenders.append(
        Contender(
            "pure Python",
            purepy.decode,
            purepy.encode,
            purepy.TextBlock,
            purepy.ToolResultBlock,
            lambda: purepy.Message(role="user", content=[purepy.TextBlock(text=EDIT_TEXT)]),
        )
    )
    return contenders, notes


def read_all_text(c: Contender, data: bytes) -> int:
    """Decode, then read the text of every message (text blocks and tool results)."""
    s = c.decode(data)
    text_cls, result_cls = c.text_cls, c.result_cls
    n = 0
    for m in s.messages:
        for b in m.content:
            t = type(b)
            if t is text_cls:
                n += len(b.text)
            elif t is result_cls:
                n += result_chars(b.content, text_cls)
    return n


def result_chars(content: Any, text_cls: type) -> int:
    """The characters of a tool result's content: a str, or a list of text/image blocks."""
    if type(content) is str:
        return len(content)
    return sum(len(item.text) for item in content if type(item) is text_cls)


def round_trip(c: Contender, data: bytes) -> str | bytes:
    return c.encode(c.decode(data))


def load_edit_save(c: Contender, data: bytes) -> str | bytes:
    s = c.decode(data)
    s.messages.append(c.new_message())
    s.updated_at = s.updated_at + 1
    return c.encode(s)


def as_text(out: str | bytes) -> str:
    return out.decode("utf-8") if isinstance(out, bytes) else out


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------
def measure(
    cases: dict[str, Callable[[], object]], rounds: int, sample_s: float, max_number: int = 100_000
) -> dict[str, float]:
    """Median seconds per call for each case, interleaved and rotated round by round."""
    numbers: dict[str, int] = {}
    for name, fn in cases.items():
        fn()  # warm-up (imports, caches, first-touch allocations)
        gc.collect()
        t0 = time.perf_counter()
        fn()
        once = time.perf_counter() - t0
        numbers[name] = max(1, min(max_number, int(sample_s / max(once, 1e-7))))
    names = list(cases)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            fn, n = cases[name], numbers[name]
            gc.collect()
            gc.disable()
            try:
                t0 = time.perf_counter_ns()
                for _ in range(n):
                    fn()
                elapsed = time.perf_counter_ns() - t0
            finally:
                gc.enable()
            samples[name].append(elapsed / n / 1e9)
    return {name: statistics.median(v) for name, v in samples.items()}


def measure_attribute_reads(
    objects: dict[str, Any], rounds: int, reads: int
) -> dict[str, tuple[float, float]]:
    """(raw, net of the empty loop) seconds per `o.config.name` read, per object."""
    timers = {name: timeit.Timer("o.config.name", globals={"o": o}) for name, o in objects.items()}
    raw = time_statements(timers, rounds, reads)
    empty = raw.pop("(empty loop)")
    return {name: (t, t - empty) for name, t in raw.items()}


def time_statements(timers: dict[str, timeit.Timer], rounds: int, reads: int) -> dict[str, float]:
    """Median seconds per run of each statement, interleaved and rotated round by round, with
    an empty statement timed alongside as "(empty loop)"."""
    timers = {**timers, "(empty loop)": timeit.Timer("pass")}
    samples: dict[str, list[float]] = {name: [] for name in timers}
    names = list(timers)
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            samples[name].append(timers[name].timeit(reads) / reads)
    return {name: statistics.median(v) for name, v in samples.items()}


def _cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def thread_throughput(
    cases: dict[str, tuple[Callable[[], object], int]], rounds: int
) -> dict[str, tuple[float, float, float]]:
    """Per case `name: (fn, n)`: median calls per second with one thread doing n calls and with
    two threads doing n calls each, and the median CPU use of the two-thread runs (process CPU
    seconds / wall seconds: about 2.0 when both threads really ran at once, about 1.0 when they
    took turns or the machine had only one free core). Cases are interleaved round by round,
    so a GIL-free reference case sees the same machine conditions as the others."""

    def run(fn: Callable[[], object], n: int, nthreads: int) -> tuple[float, float]:
        barrier = threading.Barrier(nthreads + 1)

        def work() -> None:
            barrier.wait()
            for _ in range(n):
                fn()

        threads = [threading.Thread(target=work) for _ in range(nthreads)]
        for t in threads:
            t.start()
        gc.collect()
        gc.disable()
        try:
            barrier.wait()
            t0, c0 = time.perf_counter(), _cpu_seconds()
            for t in threads:
                t.join()
            elapsed, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
        finally:
            gc.enable()
        return nthreads * n / elapsed, cpu / elapsed

    one: dict[str, list[float]] = {name: [] for name in cases}
    two: dict[str, list[float]] = {name: [] for name in cases}
    use: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (fn, n) in cases.items():
            one[name].append(run(fn, n, 1)[0])
            rate, cpu = run(fn, n, 2)
            two[name].append(rate)
            use[name].append(cpu)
    return {
        name: (
            statistics.median(one[name]),
            statistics.median(two[name]),
            statistics.median(use[name]),
        )
        for name in cases
    }


def _sha256_chunk(buf: bytes) -> None:
    hashlib.sha256(buf).digest()  # releases the GIL for large buffers


# ---------------------------------------------------------------------------------------------
# Native Rust
# ---------------------------------------------------------------------------------------------
def find_native(build: bool) -> tuple[Path | None, str]:
    exe = NATIVE_NAME + (".exe" if os.name == "nt" else "")
    dirs = []
    if os.environ.get("CARGO_TARGET_DIR"):
        dirs.append(Path(os.environ["CARGO_TARGET_DIR"]))
    dirs.append(REPO / "target")
    for d in dirs:
        path = d / "release" / exe
        if path.is_file() and os.access(path, os.X_OK):
            return path, ""
    cargo = shutil.which("cargo")
    if not build or not cargo:
        return None, f"{NATIVE_NAME} not built (cargo build --release -p {NATIVE_NAME})"
    cmd = [
        cargo,
        "build",
        "--release",
        "-p",
        NATIVE_NAME,
        "--message-format=json-render-diagnostics",
    ]
    print(f"building {NATIVE_NAME} ...", file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        return None, f"`{' '.join(cmd)}` failed ({proc.returncode})"
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if (
            msg.get("reason") == "compiler-artifact"
            and msg.get("executable")
            and (msg.get("target", {}).get("name") == NATIVE_NAME)
        ):
            return Path(msg["executable"]), ""
    return None, "cargo reported no executable"


def run_native(binary: Path, iterations: int, path: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [str(binary), str(iterations), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.splitlines()[-1])


def native_emit(binary: Path, paths: list[Path]) -> dict[str, str | None]:
    proc = subprocess.run(
        [str(binary), "--emit", *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    out: dict[str, str | None] = {}
    # Split on "\n" only: the compact texts hold raw U+2028 etc., which splitlines() breaks at.
    for line in filter(None, proc.stdout.split("\n")):
        msg = json.loads(line)
        out[msg["file"]] = msg.get("compact")
    return out


# ---------------------------------------------------------------------------------------------
# Memory (fresh subprocess per contender)
# ---------------------------------------------------------------------------------------------
def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def touch_all(c: Contender, s: Any) -> int:
    """Read every message's content and every block's type: what a walk over a session makes
    every library build."""
    n = 0
    for m in s.messages:
        for b in m.content:
            n += type(b) is c.text_cls
    return n


def rss_child(name: str, path: str, touch: str = "no") -> None:
    """Entry point of the memory subprocess: load `path` with contender `name` (and with
    `touch` = "touch", walk every message and block, see `touch_all`).

    Peak comes from the kernel's high-water mark of this process (`VmHWM`, reset to the current
    RSS after imports by writing 5 to /proc/self/clear_refs where allowed). `ru_maxrss` is no
    good here: Linux carries the parent's peak over fork/exec into it.
    """
    contenders, _ = load_contenders()
    c = next(c for c in contenders if c.name == name)
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    base_rss, base_hwm = _status_kib("VmRSS"), _status_kib("VmHWM")
    data = Path(path).read_bytes()
    s = c.decode(data)
    if touch == "touch":
        touch_all(c, s)
    peak = _status_kib("VmHWM") - base_rss
    del data
    gc.collect()
    retained = _status_kib("VmRSS") - base_rss
    reset = base_hwm <= base_rss + 1024 * 1024
    print(
        json.dumps({"peak": peak, "retained": retained, "hwm_reset": reset, "alive": s is not None})
    )


def measure_rss(name: str, path: Path, touch: bool) -> dict[str, int]:
    mode = "touch" if touch else "no"
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--rss-child", name, str(path), mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Exactness
# ---------------------------------------------------------------------------------------------
_KEY = re.compile(r'"([^"\\]+)":')


def where_differs(got: str, want: str) -> str:
    """The JSON key nearest before the first difference (a short hint)."""
    i = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    keys = _KEY.findall(want[max(0, i - 400) : i + 1])
    return keys[-1] if keys else f"offset {i}"


def exactness(
    contenders: list[Contender], files: list[tuple[str, bytes]], native: dict[str, str | None]
) -> dict[str, tuple[int, list[str]]]:
    import a3s_session as a3s

    ref = {label: a3s.v3.SessionData.from_json(data).to_json() for label, data in files}
    out: dict[str, tuple[int, list[str]]] = {}
    for c in contenders:
        if c.generation != "v3":
            continue
        ok, bad = 0, []
        for label, data in files:
            try:
                got = as_text(c.encode(c.decode(data)))
            except Exception as exc:  # noqa: BLE001 - any rejection is a result, not a crash
                bad.append(f"{label} (rejected: {type(exc).__name__})")
                continue
            if got == ref[label]:
                ok += 1
            else:
                bad.append(f"{label} ({where_differs(got, ref[label])})")
        out[c.name] = (ok, bad)
    if native:
        ok, bad = 0, []
        for label, _ in files:
            got = native.get(label)
            if got == ref[label]:
                ok += 1
            else:
                bad.append(label if got is None else f"{label} ({where_differs(got, ref[label])})")
        out[NATIVE] = (ok, bad)
    return out


# ---------------------------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------------------------
def package_sizes(with_wheel: bool) -> dict[str, Any]:
    import a3s_session._native as native

    so = Path(native.__file__)
    pkg = so.parent
    installed = sum(
        p.stat().st_size for p in pkg.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    mtime = dt.datetime.fromtimestamp(so.stat().st_mtime, dt.timezone.utc)
    sizes: dict[str, Any] = {
        "so": so.stat().st_size,
        "so_name": so.name,
        "so_mtime": mtime.strftime("%Y-%m-%d %H:%M UTC"),
        "installed": installed,
    }
    if with_wheel:
        maturin = shutil.which("maturin")
        cmd = [maturin] if maturin else [sys.executable, "-m", "maturin"]
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run(
                [*cmd, "build", "--release", "-o", tmp],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                check=False,
            )
            wheels = list(Path(tmp).glob("*.whl"))
            if proc.returncode == 0 and wheels:
                sizes["wheel"] = wheels[0].stat().st_size
                sizes["wheel_name"] = wheels[0].name
            else:
                sizes["wheel_error"] = (proc.stdout.strip().splitlines() or ["?"])[-1][:200]
    return sizes


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------
def fmt_time(s: float | None) -> str:
    if s is None:
        return "–"
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def machine_info() -> list[str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for mod in ("a3s_session", "msgspec", "pydantic"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except (ImportError, AttributeError):
            versions.append(f"{mod} (not installed)")
    import a3s_session

    return [
        f"- Date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- CPU: {cpu}; cores: {os.cpu_count()}",
        (
            f"- Python: {platform.python_implementation()} {platform.python_version()} "
            f"({platform.machine()}, {platform.system()} {platform.release()})"
        ),
        f"- Packages: {', '.join(versions)}; a3s-code-core {a3s_session.CRATE_VERSION}",
        "- Load average (1/5/15 min) when the report was written: "
        + " / ".join(f"{x:.2f}" for x in os.getloadavg())
        + " (other work on the machine makes absolute times noisy; ratios are interleaved)",
    ]


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
@dataclass
class Config:
    quick: bool
    sizes: list[str]
    shapes: list[str]
    rounds: dict[str, int]
    sample_s: dict[str, float]
    native_iters: dict[str, int]
    attr_reads: int
    attr_rounds: int
    thread_rounds: int
    thread_s: float


def config(quick: bool) -> Config:
    if quick:
        return Config(
            quick=True,
            sizes=["S", "M"],
            shapes=["text", "dense"],
            rounds={"S": 3, "M": 3},
            sample_s={"S": 0.003, "M": 0.003},
            native_iters={"S": 50, "M": 10},
            attr_reads=100_000,
            attr_rounds=3,
            thread_rounds=2,
            thread_s=0.02,
        )
    return Config(
        quick=False,
        sizes=["S", "M", "L"],
        shapes=list(workloads.SHAPES),
        rounds={"S": 9, "M": 9, "L": 5},
        sample_s={"S": 0.04, "M": 0.06, "L": 0.0},
        native_iters={"S": 5000, "M": 300, "L": 15},
        attr_reads=1_000_000,
        attr_rounds=7,
        thread_rounds=5,
        thread_s=0.25,
    )


OPS = ["decode", "encode", "round trip", "decode + read all text", "load-edit-save"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny counts, S and M only, seconds")
    ap.add_argument("--with-wheel-size", action="store_true", help="build a wheel with maturin")
    ap.add_argument(
        "--out",
        type=Path,
        help="where to write the Markdown report "
        "(default: benchmarks/RESULTS.md for a full run, nowhere for --quick)",
    )
    ap.add_argument("--shapes", help="comma-separated subset of the shapes (default: all)")
    ap.add_argument("--sizes", help="comma-separated subset of S,M,L (default: all)")
    ap.add_argument(
        "--rss-child", nargs=3, metavar=("CONTENDER", "FILE", "TOUCH"), help=argparse.SUPPRESS
    )
    args = ap.parse_args(argv)
    if args.rss_child:
        rss_child(*args.rss_child)
        return 0

    cfg = config(args.quick)
    if args.shapes:
        cfg.shapes = [x for x in cfg.shapes if x in args.shapes.split(",")]
    if args.sizes:
        cfg.sizes = [x for x in cfg.sizes if x in args.sizes.split(",")]
    if "M" not in cfg.sizes or "text" not in cfg.shapes:
        ap.error("the run needs the text M workload (attribute reads and threads use it)")
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {msg}", file=sys.stderr, flush=True)

    import a3s_session as a3s

    contenders, notes = load_contenders()
    readers = [c for c in contenders if not c.output_variant]  # distinct decode paths
    tmp = tempfile.TemporaryDirectory(prefix="a3s-bench-")
    tmpdir = Path(tmp.name)

    # --- workloads ---------------------------------------------------------------------------
    # Workload labels are "<shape> <size>"; `size_of` gives the size letter.
    data: dict[str, bytes] = {}
    paths: dict[str, Path] = {}
    shapes: dict[str, str] = {}
    labels = [f"{shape} {size}" for shape in cfg.shapes for size in cfg.sizes]
    for label in labels:
        shape, size = label.split()
        text = workloads.text(size, shape=shape)
        raw = text.encode("utf-8")
        s = a3s.v3.SessionData.from_json(raw)  # the crate must accept it before we time anything
        assert s.to_json(pretty=shape == "store") == text, f"{label} does not round-trip"
        data[label], paths[label] = raw, tmpdir / f"{shape}-{size}.json"
        paths[label].write_bytes(raw)
        values = len(re.findall(rb'[:\[,]\s*(?:"|-|[0-9]|t|f|n|\{|\[)', raw))
        shapes[label] = (
            f"{fmt_bytes(len(raw))}, {len(s.messages):,} messages, {len(s.cost_records)} cost "
            f"records, {len(s.tasks)} tasks, ~{len(raw) / max(1, values):.0f} bytes per JSON value"
        )
        log(f"workload {label}: {shapes[label]}")

    # Sanity: every contender decodes every workload to the same text and edits alike.
    for label, raw in data.items():
        counts = {c.name: read_all_text(c, raw) for c in contenders}
        assert len(set(counts.values())) == 1, f"contenders disagree on {label} text: {counts}"
        for c in contenders:
            doc = json.loads(as_text(load_edit_save(c, raw)))
            assert doc["messages"][-1]["content"][0]["text"] == EDIT_TEXT, c.name
            assert doc["updated_at"] == json.loads(raw)["updated_at"] + 1, c.name

    # --- native Rust -------------------------------------------------------------------------
    native_bin, native_note = find_native(build=not cfg.quick)
    native: dict[str, dict[str, Any]] = {}
    if native_bin is not None:
        for label in labels:
            iters = cfg.native_iters[label.split()[1]]
            native[label] = run_native(native_bin, iters, paths[label])
            if not native[label]["identical"]:
                notes.append(f"native Rust did not re-encode {label} byte-identically")
        log(f"native Rust done ({native_bin})")
    else:
        notes.append(native_note)
        log(native_note)

    # --- timings -----------------------------------------------------------------------------
    results: dict[tuple[str, str], dict[str, float]] = {}
    for label in labels:
        size = label.split()[1]
        raw = data[label]
        decoded = {c.name: c.decode(raw) for c in contenders}
        op_cases: dict[str, dict[str, Callable[[], object]]] = {
            "decode": {c.name: partial(c.decode, raw) for c in readers},
            "encode": {c.name: partial(c.encode, decoded[c.name]) for c in contenders},
            "round trip": {c.name: partial(round_trip, c, raw) for c in contenders},
            "decode + read all text": {c.name: partial(read_all_text, c, raw) for c in readers},
            "load-edit-save": {c.name: partial(load_edit_save, c, raw) for c in contenders},
        }
        for op in OPS:
            results[(label, op)] = measure(op_cases[op], cfg.rounds[size], cfg.sample_s[size])
            if label in native:
                key = {"decode": "decode_ns", "encode": "encode_ns", "round trip": "roundtrip_ns"}
                if op in key:
                    results[(label, op)][NATIVE] = native[label][key[op]] / 1e9
            log(
                f"{label} {op}: "
                + ", ".join(f"{k} {fmt_time(v)}" for k, v in results[(label, op)].items())
            )
        del decoded

    # --- attribute reads ---------------------------------------------------------------------
    class _PlainConfig:
        def __init__(self) -> None:
            self.name = "benchmark session"

    class _Plain:
        def __init__(self) -> None:
            self.config = _PlainConfig()

    attr_objs: dict[str, Any] = {"plain Python object": _Plain()}
    attr_objs.update({c.name: c.decode(data["text M"]) for c in readers})
    attrs = measure_attribute_reads(attr_objs, cfg.attr_rounds, cfg.attr_reads)
    log("attribute reads done")

    # --- threads -----------------------------------------------------------------------------
    thread_fns: dict[str, Callable[[], object]] = {
        c.name: partial(c.decode, data["text M"]) for c in readers
    }
    # A GIL-free reference: how much parallelism the machine gave us at the time.
    thread_fns[SHA_PROBE] = partial(_sha256_chunk, b"\0" * len(data["text M"]))
    thread_cases: dict[str, tuple[Callable[[], object], int]] = {}
    for name, fn in thread_fns.items():
        t0 = time.perf_counter()
        fn()
        once = time.perf_counter() - t0
        thread_cases[name] = (fn, max(2, int(cfg.thread_s / max(once, 1e-6))))
    threads = thread_throughput(thread_cases, cfg.thread_rounds)
    log("threads done")

    # --- memory ------------------------------------------------------------------------------
    # (workload, contender, touched) -> measurement, for every L workload.
    rss: dict[tuple[str, str, bool], dict[str, int]] = {}
    for label in [x for x in labels if x.endswith(" L")]:
        for c in readers:
            for touched in (False, True):
                rss[(label, c.name, touched)] = measure_rss(c.name, paths[label], touched)
        log(f"memory {label} done")

    # --- exactness ---------------------------------------------------------------------------
    edge_files = sorted(EDGE_DIR.glob("*.json"))
    files = [(f"workload {label}", data[label]) for label in labels]
    files += [(p.stem, p.read_bytes()) for p in edge_files]
    emitted: dict[str, str | None] = {}
    if native_bin is not None:
        by_path = native_emit(native_bin, [paths[x] for x in labels] + edge_files)
        for label in labels:
            emitted[f"workload {label}"] = by_path.get(str(paths[label]))
        for p in edge_files:
            emitted[p.stem] = by_path.get(str(p))
    exact = exactness(contenders, files, emitted)
    log("exactness done")

    sizes = package_sizes(args.with_wheel_size)

    # --- report ------------------------------------------------------------------------------
    names = (
        [c.name for c in contenders if c.name.startswith(A3S)]
        + ([NATIVE] if native else [])
        + [c.name for c in contenders if not c.name.startswith(A3S)]
    )
    out: list[str] = ["# a3s-session benchmarks", ""]
    if cfg.quick:
        out += ["**Quick mode**: tiny iteration counts, S and M only; numbers are indicative.", ""]
    out += ["## Machine", "", *machine_info(), ""]
    out += ["## Workloads", ""]
    out += [f"- {label}: {shapes[label]}" for label in labels]
    out += [f"- edge cases: {len(edge_files)} small documents in `benchmarks/edge/`", ""]

    out += ["## Time per call (median; ×N = that contender's time / a3s_session's)", ""]
    rows = []
    for label in labels:
        for op in OPS:
            res = results[(label, op)]
            base = res[A3S]
            cells = []
            for name in names:
                v = res.get(name)
                if v is None:
                    cells.append("–")
                elif name == A3S:
                    cells.append(f"**{fmt_time(v)}**")
                else:
                    cells.append(f"{fmt_time(v)} (×{v / base:.2f})")
            rows.append([label, op, *cells])
    out += table(["workload", "operation", *names], rows)
    out += [""]

    out += [f"## {cfg.attr_reads:,} reads of `s.config.name` (session M)", ""]
    plain_net = attrs["plain Python object"][1]
    rows = [
        [name, f"{raw * 1e9:.1f} ns", f"{net * 1e9:.1f} ns", f"×{net / plain_net:.2f}"]
        for name, (raw, net) in attrs.items()
    ]
    out += table(
        ["object", "per read (with loop)", "per read (net of loop)", "vs plain (net)"], rows
    )
    out += [""]

    out += ["## Decoding M on two threads vs one (throughput)", ""]
    rows = [
        [name, f"{one:,.0f}/s", f"{two:,.0f}/s", f"×{two / one:.2f}", f"{use:.2f}"]
        for name, (one, two, use) in threads.items()
    ]
    out += table(["contender", "1 thread", "2 threads", "ratio", "CPU/wall (2 threads)"], rows)
    out += [
        "",
        (
            "CPU/wall near 2.0 means both threads ran at once; the sha256 row shows what "
            "this machine allowed at the time (other load takes cores away)."
        ),
        "",
    ]

    if rss:
        out += ["## Memory after loading L (fresh process each)", ""]
        rows = []
        for (label, name, touched), r in rss.items():
            size_l = len(data[label])
            rows.append(
                [
                    label,
                    name,
                    "loaded, then every message and block read" if touched else "loaded",
                    fmt_bytes(r["peak"]),
                    f"×{r['peak'] / size_l:.2f}",
                    fmt_bytes(r["retained"]),
                    f"×{r['retained'] / size_l:.2f}",
                ]
            )
        out += table(
            [
                "workload",
                "contender",
                "what",
                "peak RSS − baseline",
                "÷ file size",
                "retained RSS (input freed)",
                "÷ file size",
            ],
            rows,
        )
        out += ["", "Peak includes the input `bytes` read from disk (alive while parsing)."]
        if not all(r.get("hwm_reset", True) for r in rss.values()):
            out += [
                (
                    "The peak counter could not be reset after imports; peaks may include "
                    "import-time memory."
                )
            ]
        out += [""]

    out += ["## Size of a3s_session", ""]
    out += [
        (
            f"- installed native module `{sizes['so_name']}`: {fmt_bytes(sizes['so'])} "
            f"(built {sizes['so_mtime']})"
        ),
        f"- installed package directory: {fmt_bytes(sizes['installed'])}",
    ]
    if "wheel" in sizes:
        out += [f"- wheel `{sizes['wheel_name']}`: {fmt_bytes(sizes['wheel'])}"]
    elif "wheel_error" in sizes:
        out += [f"- wheel: build failed ({sizes['wheel_error']})"]
    else:
        out += ["- wheel: not built (pass `--with-wheel-size`)"]
    out += [""]

    out += [
        (
            f"## Exactness: byte-identical re-encodings out of {len(files)} files "
            f"({len(labels)} workloads + {len(edge_files)} edge cases)"
        ),
        "",
    ]
    out += [
        (
            "Reference: the 3.0.0 crate's bytes (`a3s_session` `to_json`, i.e. the crate's "
            "serde); the 9.1 generation writes 9.1.3's bytes and is checked against that crate "
            "alone by the test suite, so it is not in this table. "
            "`differs on` names each failing file and the JSON key nearest the first "
            "difference."
        ),
        "",
    ]
    rows = []
    for name in names:
        if name == A3S:
            rows.append([name, f"{len(files)}/{len(files)}", "(reference)"])
            continue
        if name not in exact:  # another generation's bytes: see the note above the table
            continue
        ok, bad = exact[name]
        rows.append([name, f"{ok}/{len(files)}", "; ".join(bad) or "–"])
    out += table(["contender", "identical", "differs on"], rows)
    out += [""]

    # --- targets -----------------------------------------------------------------------------
    def ratio(label: str, op: str, other: str, ours: str = A3S) -> float | None:
        res = results.get((label, op), {})
        return res[other] / res[ours] if other in res and ours in res else None

    # Targets hold on every shape: judged on the worst M/L workload (S is mostly call overhead).
    judged = [x for x in labels if not x.endswith(" S")]

    def worst(op: str, other: str, ours: str) -> tuple[float, str] | None:
        found = [(r, x) for x in judged if (r := ratio(x, op, other, ours)) is not None]
        return min(found) if found else None

    targets: list[tuple[str, str, bool | None]] = []

    def target(
        label: str, got: tuple[float, str] | None, ok: Callable[[float], bool], show: str
    ) -> None:
        if got is None:
            targets.append((label, "not measured", None))
        else:
            value, where = got
            targets.append((label, show.format(value) + f" (worst: {where})", ok(value)))

    target(
        "round trip ≥2× faster than msgspec",
        worst("round trip", "msgspec", A3S_BYTES),
        lambda v: v >= 2,
        "msgspec takes ×{:.2f}",
    )
    target(
        "round trip no slower than native Rust (the crate's own serde)",
        worst("round trip", NATIVE, A3S_BYTES),
        lambda v: v >= 1,
        "native takes ×{:.2f}",
    )
    target(
        "round trip ≥20× faster than pure Python",
        worst("round trip", "pure Python", A3S_BYTES),
        lambda v: v >= 20,
        "pure Python takes ×{:.2f}",
    )
    target(
        "decode + read all text ≥1.3× faster than msgspec",
        worst("decode + read all text", "msgspec", A3S),
        lambda v: v >= 1.3,
        "msgspec takes ×{:.2f}",
    )
    target(
        "encode no slower than msgspec",
        worst("encode", "msgspec", A3S_BYTES),
        lambda v: v >= 1,
        "msgspec takes ×{:.2f}",
    )
    target(
        "load-edit-save ≥1.5× faster than msgspec",
        worst("load-edit-save", "msgspec", A3S_BYTES),
        lambda v: v >= 1.5,
        "msgspec takes ×{:.2f}",
    )
    target(
        "attribute read within 2× of a plain attribute",
        (attrs[A3S][1] / plain_net, "text M"),
        lambda v: v <= 2,
        "×{:.2f} plain (net of loop)",
    )
    touched = [
        (r["peak"] / len(data[label]), label)
        for (label, name, t), r in rss.items()
        if name == A3S and t
    ]
    target(
        "peak RSS ≤3× file size after reading every message (L)",
        max(touched) if touched else None,
        lambda v: v <= 3,
        "×{:.2f} file size",
    )
    one, two, _ = threads[A3S]
    target(
        "two threads ≥1.7× the throughput of one",
        (two / one, "text M"),
        lambda v: v >= 1.7,
        "×{:.2f}",
    )

    # The headline: msgspec's time ÷ ours per shape, the worst shape included.
    out += ["## Per shape: msgspec's time ÷ a3s_session's (>1: a3s_session is faster)", ""]
    head_ops = [
        ("decode", A3S),
        ("encode", A3S_BYTES),
        ("round trip", A3S_BYTES),
        ("decode + read all text", A3S),
        ("load-edit-save", A3S_BYTES),
    ]
    rows = []
    for label in labels:
        cells = []
        for op, ours in head_ops:
            r = ratio(label, op, "msgspec", ours)
            cells.append("–" if r is None else f"×{r:.2f}")
        rows.append([label, *cells])
    out += table(["workload", *[op for op, _ in head_ops]], rows)
    out += [
        "",
        "Output operations use `to_json_bytes` (msgspec writes bytes too).",
        "",
    ]

    out += ["## Targets", ""]
    out += table(
        ["target", "measured", "met?"],
        [
            [label, shown, "–" if ok is None else ("met" if ok else "**missed**")]
            for label, shown, ok in targets
        ],
    )
    out += [""]

    out += ["## Method", ""]
    out += [
        "- Python contenders run interleaved in one process (round r starts at contender r, "
        f"then the rest in order); {cfg.rounds['M']} rounds for S/M"
        + (f", {cfg.rounds['L']} for L" if "L" in cfg.rounds else "")
        + "; each sample repeats the call to last about "
        f"{cfg.sample_s['M'] * 1000:.0f} ms (one call for L); medians of time per call.",
        (
            "- GC is disabled inside a sample and collected between samples; a call's time "
            "includes freeing its result."
        ),
        (
            "- Inputs are `bytes`; outputs are each library's natural type (`str` for a3s_session, "
            "pydantic and pure Python, `bytes` for msgspec). `a3s_session (to_json_bytes)` is the "
            "same session written with `to_json_bytes()` (no `str` to build); it shares "
            "a3s_session's decode, so it appears only where output matters. Targets where output "
            "matters are judged on `to_json_bytes` (msgspec and native Rust write bytes too); the "
            "`to_json` figure is noted beside them."
        ),
        (
            "- decode + read all text: decode, then read `.text` of every text block and the "
            "content of every tool result (string or text blocks)."
        ),
        (
            "- load-edit-save: decode, append a user text message (a dict for a3s_session, the "
            "library's own classes for the others), `updated_at += 1`, encode."
        ),
        (
            "- native Rust: `benchnative/` (a3s-code-core + serde_json, nothing else) times "
            "`serde_json::from_str::<SessionData>` / `to_string` / both inside Rust, "
            f"{', '.join(f'{k}: {v}' for k, v in cfg.native_iters.items())} iterations, medians; "
            "it has no Python objects, so only decode/encode/round trip are comparable."
        ),
        (
            f"- Attribute reads use `timeit` ({cfg.attr_reads:,} reads of `o.config.name`); the ratio "
            "subtracts the empty `timeit` loop from both sides."
        ),
        (
            "- Threads: one thread doing N decodes of M vs two threads doing N each (about "
            f"{cfg.thread_s:.2f} s of work per thread); throughput = decodes per second; medians of "
            f"{cfg.thread_rounds} rounds, all cases interleaved round by round."
        ),
        (
            "- Memory: the kernel's peak RSS (`VmHWM`, reset after imports) minus the RSS after "
            "imports, in a fresh process per contender; retained = RSS after dropping the input "
            "bytes, minus the same baseline."
        ),
        (
            "- Contender models: `benchmarks/purepy.py`, `msgspec_model.py`, `pydantic_model.py` "
            "(each module's docstring lists where it differs from the crate)."
        ),
    ]
    if notes:
        out += ["", "Notes:", *[f"- {n}" for n in notes]]
    out += ["", f"Total benchmark time: {time.perf_counter() - started:.0f} s.", ""]

    report = "\n".join(out)
    print(report)
    dest = args.out or (None if cfg.quick else HERE / "RESULTS.md")
    if dest is not None:
        dest.write_text(report, encoding="utf-8")
        log(f"wrote {dest}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
