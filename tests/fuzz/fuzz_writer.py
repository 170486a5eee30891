#!/usr/bin/env python3
"""Differential fuzz of the fast JSON writer against serde_json, on mutated sessions.

    python tests/fuzz/fuzz_writer.py --seconds 1800        # the long run
    python tests/fuzz/fuzz_writer.py --seconds 10 --seed 3

Each round takes a seed document (the corpus, the bundled sample, the benchmark workloads'
small sizes), mutates its JSON tree (strings get control characters, quotes, backslashes,
non-ASCII and emoji at random offsets; numbers get random bits, extremes, f32 edges; keys,
array items and whole members are added, dropped or duplicated), and lets both generations'
crates read it. Every document a crate accepts is written with the fast writer and with
serde_json (``use_fast_writer(False)``), compact and pretty, as ``str`` and ``bytes``: any
difference is printed and counted. Exit status 1 when there was one.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import importlib.util
import json
import math
import random
import string
import struct
import sys
import time
from pathlib import Path
from typing import Any

import a3s_session
from a3s_session import _native, v9

# The 9.1 extension itself (for its writer switch), once the package has loaded it.
native9 = importlib.import_module("a3s_session_v9")

ROOT = Path(__file__).resolve().parent.parent.parent
_PIECES = [
    "\x00", "\x01", "\x08", "\t", "\n", "\x0b", "\x0c", "\r", "\x1b", "\x1f", "\x7f", '"',
    "\\", "/", "é", "ß", "日本語", "😀", "\u2028", "\ufffd", "\u00a0", " ", "abcdefgh",
    "\\u0000", "</script>",
]  # fmt: skip
_NUMBERS = [
    0, -0.0, 1, -1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**64 - 1, -(2**63), 0.1, 0.8, 1e-7,
    1e21, 1e22, 5e-324, 1.7976931348623157e308, 3.4028235e38, 1.1754944e-38, 1e-45,
    123456789012345.67, 9.4999999999999997e-05, 0.30000000000000004,
]  # fmt: skip


def seeds() -> list[tuple[str, Any]]:
    """(kind, document) pairs to mutate."""
    out: list[tuple[str, Any]] = []
    for path in sorted((ROOT / "tests" / "corpus").glob("*/*.json")):
        if not path.name.startswith("invalid"):
            out.append((path.parent.name, json.loads(path.read_text(encoding="utf-8"))))
    sample = ROOT / "python" / "a3s_session" / "data" / "sample_session.json"
    out.append(("SessionData", json.loads(sample.read_text(encoding="utf-8"))))
    spec = importlib.util.spec_from_file_location("workloads", ROOT / "benchmarks" / "workloads.py")
    assert spec is not None and spec.loader is not None
    workloads = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(workloads)

    for shape in ("text", "dense", "mix"):
        out.append(("SessionData", workloads.session_dict(5_000, seed=11, shape=shape)))
    return out


def _mutate_string(rng: random.Random, s: str) -> str:
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, len(s))
        piece = rng.choice(_PIECES) * rng.randint(1, 3)
        s = s[:at] + piece + s[at:] if rng.random() < 0.8 else s[:at]
    return s


def _mutate_number(rng: random.Random, x: float) -> Any:
    r = rng.random()
    if r < 0.4:
        return rng.choice(_NUMBERS)
    if r < 0.6:
        return rng.uniform(-1e6, 1e6)
    if r < 0.8:
        return rng.randint(0, 2**64 - 1)
    value: float = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
    return value if math.isfinite(value) else x


def mutate(rng: random.Random, doc: Any, rate: float) -> Any:
    if isinstance(doc, dict):
        out = {}
        for k, v in doc.items():
            if rng.random() < rate * 0.2:
                continue  # drop a member
            key = _mutate_string(rng, k) if rng.random() < rate * 0.05 else k
            out[key] = mutate(rng, v, rate)
        if rng.random() < rate * 0.2:
            out["".join(rng.choices(string.ascii_lowercase, k=5))] = rng.choice(
                [None, 1, "x", [], {}]
            )
        return out
    if isinstance(doc, list):
        items = [mutate(rng, v, rate) for v in doc if rng.random() > rate * 0.1]
        if items and rng.random() < rate * 0.3:
            items.append(copy.deepcopy(rng.choice(items)))
        return items
    if isinstance(doc, str):
        return _mutate_string(rng, doc) if rng.random() < rate else doc
    if isinstance(doc, bool) or doc is None:
        return doc
    if isinstance(doc, (int, float)):
        return _mutate_number(rng, doc) if rng.random() < rate else doc
    return doc


def _writes(value: Any) -> list[str | bytes]:
    return [value.to_json(), value.to_json(pretty=True), value.to_json_bytes()]


def run(seconds: float, seed: int, verbose: bool = False) -> dict[str, Any]:
    rng = random.Random(seed)
    docs = seeds()
    generations = [(a3s_session, _native), (v9, native9)]
    compared = accepted = 0
    differences: list[str] = []
    deadline = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        kind, doc = rng.choice(docs)
        mutated = mutate(rng, doc, rate=rng.choice([0.05, 0.2, 0.5]))
        if kind == "ContentBlock":  # no class of its own: a block is written in a message
            kind, mutated = "Message", {"role": "user", "content": [mutated]}
        text = json.dumps(mutated, ensure_ascii=rng.random() < 0.2)
        for package, module in generations:
            cls = getattr(package, kind)
            try:
                value = cls.from_json(text)
            except a3s_session.SessionFormatError:
                continue
            accepted += 1
            fast = _writes(value)
            module.use_fast_writer(False)
            try:
                slow = _writes(value)
            finally:
                module.use_fast_writer(True)
            compared += 1
            if fast != slow:
                differences.append(f"{package.__name__}.{kind}: {text[:2000]}")
                if verbose:
                    print("DIFFERENCE", differences[-1], file=sys.stderr)
    return {
        "rounds": rounds,
        "accepted": accepted,
        "compared": compared,
        "differences": differences,
        "seconds": seconds,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description="Differential fuzz of the fast JSON writer.")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    report = run(args.seconds, args.seed, verbose=True)
    print(
        f"{report['rounds']:,} mutated documents, {report['compared']:,} values written both "
        f"ways (compact, pretty, bytes) in {args.seconds:.0f} s: "
        f"{len(report['differences'])} differences"
    )
    return 1 if report["differences"] else 0


if __name__ == "__main__":
    sys.exit(main())
