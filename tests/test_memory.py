"""Memory: no leak over hundreds of thousands of operations, and how many copies a parse makes.

Each measurement runs in a fresh interpreter and reads the resident set size from
/proc/self/statm (Linux only). The loops run a warm-up first (mimalloc's and pymalloc's
arenas, caches, interned strings fill up), then must leave RSS flat: growth under 8 MiB
after 200,000 iterations, i.e. well under 50 bytes per iteration. Run with ``-s`` to see
the measured numbers.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from conftest import run_python_json

REPO = Path(__file__).resolve().parent.parent
MIB = 1 << 20

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/statm").exists(), reason="RSS is read from /proc/self/statm (Linux)"
)

_PRELUDE = r'''
import gc, importlib.util, json, os, resource, sys, time
import a3s_session as a3s
from a3s_session import SessionFormatError
from a3s_session.v3 import SessionData

SAMPLE = open("python/a3s_session/data/sample_session.json", encoding="utf-8").read()
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def peak():
    """Peak RSS since the last reset_peak() (VmHWM; ru_maxrss cannot be reset)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak():
    """Set the peak to the current RSS (Linux >= 4.0: write 5 to /proc/self/clear_refs)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def growth(body, n, warmup):
    """RSS growth over n calls of body(i), after warmup calls."""
    for i in range(warmup):
        body(i)
    gc.collect()
    before = rss()
    t = time.perf_counter()
    for i in range(n):
        body(i)
    elapsed = time.perf_counter() - t
    gc.collect()
    return {"growth": rss() - before, "seconds": elapsed, "n": n}
'''


def run_isolated(code: str, timeout: float = 180) -> Any:
    return run_python_json(_PRELUDE + textwrap.dedent(code), timeout=timeout, what="measurement")


def _check_flat(name: str, r: dict[str, Any], limit: int = 8 * MIB) -> None:
    print(
        f"\n{name}: {r['n']:,} iterations in {r['seconds']:.1f} s, RSS growth after warm-up "
        f"{r['growth'] / 1024:.0f} KiB ({r['growth'] / r['n']:.1f} B/iteration)"
    )
    assert r["growth"] < limit, f"{name}: RSS grew by {r['growth'] / MIB:.1f} MiB"


def test_round_trips_do_not_leak() -> None:
    r = run_isolated(
        """
        def body(i):
            out = SessionData.from_json(SAMPLE).to_json(pretty=True)
            assert len(out) == len(SAMPLE)
        print(json.dumps(growth(body, 200_000, 20_000)))
        """
    )
    _check_flat("from_json -> to_json", r)


def test_attribute_reads_do_not_leak() -> None:
    r = run_isolated(
        """
        s = SessionData.from_json(SAMPLE)
        def body(i):
            assert s.config.name
            assert s.messages[0].content[0].text
            s.total_usage.prompt_tokens
            s.config.permission_policy
            s.state
        print(json.dumps(growth(body, 200_000, 20_000)))
        """
    )
    _check_flat("attribute reads", r)


def test_view_creation_and_mutation_do_not_leak() -> None:
    r = run_isolated(
        """
        message = {"role": "user", "content": [{"type": "text", "text": "x"}]}
        def body(i):
            s = SessionData.from_json(SAMPLE)
            s.messages.append(message)
            s.messages[1].content[1].input["k"] = [i, {"n": None}]
            s.tool_names.append("t")
            s.tasks.pop()
            s.config.name = "n"
            s.to_json()
        print(json.dumps(growth(body, 200_000, 20_000)))
        """
    )
    _check_flat("view creation + mutation", r)


def test_errors_do_not_leak() -> None:
    r = run_isolated(
        """
        bad = SAMPLE.replace('"Completed"', '"Nope"')
        s = SessionData.from_json(SAMPLE)
        block = s.messages[1].content[1]
        def body(i):
            for fn in (lambda: SessionData.from_json(bad),
                       lambda: SessionData.from_json(b"\\xff"),
                       lambda: setattr(s.context_usage, "turns", -1),
                       lambda: setattr(block, "input", {"a": {1, 2}}),
                       lambda: s.messages.append({"role": 1})):
                try:
                    fn()
                except (SessionFormatError, TypeError, OverflowError):
                    pass
                else:
                    raise AssertionError("accepted")
        print(json.dumps(growth(body, 100_000, 10_000)))
        """
    )
    _check_flat("rejected inputs", r)


@pytest.fixture(scope="module")
def l_document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ~25 MB workload L (benchmarks/workloads.py), written by a separate interpreter."""
    path = tmp_path_factory.mktemp("workload") / "L.json"
    run_isolated(
        f"""
        spec = importlib.util.spec_from_file_location("workloads", "benchmarks/workloads.py")
        workloads = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(workloads)
        data = workloads.text("L").encode()
        open({str(path)!r}, "wb").write(data)
        print(json.dumps(len(data)))
        """
    )
    return path


_COPIES = """
data = open(PATH, "rb").read()
if KIND == "str":
    data = data.decode()
elif KIND == "bytearray":
    data = bytearray(data)
gc.collect()
out = {"size": len(data)}
reset_peak()
base = rss()
t = time.perf_counter()
s = SessionData.from_json(data)
out["parse_s"] = time.perf_counter() - t
out["parse_peak"] = peak() - base
out["value"] = rss() - base
reset_peak()
before_write = rss()
t = time.perf_counter()
written = s.to_json_bytes()
out["write_s"] = time.perf_counter() - t
out["write_peak"] = peak() - before_write
assert len(written) == out["size"] if KIND != "str" else True
print(json.dumps(out))
"""


def test_copies_of_a_25_mb_document_during_parse(l_document: Path) -> None:
    # Peak RSS growth of a fresh process during from_json (VmHWM, reset just before), over the
    # size of the input. From bytes, the only memory is the parsed crate value (Strings, Vecs,
    # serde_json::Value maps for tool input). A str is read through its UTF-8 form, which
    # CPython caches inside a non-ASCII str (one copy, alive as long as the str); a bytearray
    # is copied once (it could change while the parse runs detached; mimalloc keeps the freed
    # pages for a while, so RSS still shows it).
    results = {
        kind: run_isolated(f"PATH = {str(l_document)!r}\nKIND = {kind!r}\n" + _COPIES)
        for kind in ("bytes", "str", "bytearray")
    }
    size = results["bytes"]["size"]
    for kind, r in results.items():
        print(
            f"\nfrom_json({kind}) of {r['size'] / MIB:.1f} MiB in {r['parse_s']:.2f} s: peak RSS "
            f"growth {r['parse_peak'] / MIB:.0f} MiB = {r['parse_peak'] / size:.2f}x the input, "
            f"after it {r['value'] / MIB:.0f} MiB ({r['value'] / size:.2f}x); to_json_bytes "
            f"{r['write_s']:.2f} s, peak +{r['write_peak'] / MIB:.0f} MiB "
            f"({r['write_peak'] / size:.2f}x)"
        )
    value = results["bytes"]["value"]
    # bytes: no transient copy at all; the value is a small multiple of the text.
    assert results["bytes"]["parse_peak"] - value < 0.2 * size + 4 * MIB
    assert value < 3 * size
    # str and bytearray: at most one more copy of the input.
    for kind in ("str", "bytearray"):
        assert results[kind]["parse_peak"] - value < 1.3 * size + 4 * MIB, kind
    # Writing holds the output String (grown by doubling) and the bytes object made from it.
    for r in results.values():
        assert r["write_peak"] < 4.5 * size
