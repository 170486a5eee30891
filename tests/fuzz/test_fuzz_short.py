"""Short fuzzing runs in the test suite.

* ``test_atheris_harness_runs_clean``: the atheris harness (``make fuzz``) for 20 seconds in a
  subprocess, skipped when atheris is not installed (it is not in the ``test`` extras).
* The hypothesis tests always run: random byte-level damage to corpus documents, and random
  Python values assigned to every settable attribute and pushed into list views, all driven
  through the harness's own checks (``fuzz_session.run_one`` / ``check_serialization``), with
  a bounded number of examples.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a3s_session.v3 import SessionData

HERE = Path(__file__).resolve().parent
HARNESS = HERE / "fuzz_session.py"


def _load_harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_session", HARNESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_session"] = module
    spec.loader.exec_module(module)
    return module


fz = _load_harness()
# More examples than the suite's default profile (each one is cheap: ~3 ms); a larger
# profile (A3S_HYPOTHESIS_PROFILE=a3s-explore) still wins.
MORE = settings(max_examples=max(600, settings().max_examples))


# ---------------------------------------------------------------------------------------------
# The atheris harness itself
# ---------------------------------------------------------------------------------------------
def test_atheris_harness_runs_clean(tmp_path: Path) -> None:
    if importlib.util.find_spec("atheris") is None:
        pytest.skip(
            "atheris is not installed (pip install atheris); the hypothesis fuzz tests in this "
            "file run instead"
        )
    env = {**os.environ, "A3S_FUZZ_DIR": str(tmp_path)}
    try:
        proc = subprocess.run(
            [sys.executable, str(HARNESS), "-max_total_time=20", "-timeout=20"],
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the fuzzer did not stop (a hang in the binding?): {exc.stderr!r:.4000}")
    log = proc.stderr
    crashes = sorted(p.name for p in (tmp_path / "artifacts").glob("*"))
    assert proc.returncode == 0 and not crashes, (
        f"the fuzzer found a bug (exit code {proc.returncode}, artifacts {crashes} in "
        f"{tmp_path}):\n{log[-6000:]}"
    )
    runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", log)
    assert runs is not None, log[-3000:]
    assert int(runs.group(1)) > 200, log[-3000:]


# ---------------------------------------------------------------------------------------------
# Hypothesis fallback: documents damaged at the byte level
# ---------------------------------------------------------------------------------------------
_EDIT = st.tuples(
    st.sampled_from(["set", "insert", "delete", "truncate", "splice"]),
    st.integers(min_value=0, max_value=1 << 20),
    st.binary(min_size=1, max_size=8)
    | st.sampled_from(
        [b"\xff", b"\xed\xa0\x80", b"\\ud800", b"[" * 200, b"1" * 400, b"NaN", b"\xef\xbb\xbf"]
    ),
)


def _damage(doc: bytes, edits: list[tuple[str, int, bytes]]) -> bytes:
    data = bytearray(doc)
    for op, at, blob in edits:
        pos = at % (len(data) + 1)
        if op == "set" and data:
            data[pos % len(data)] = blob[0]
        elif op == "insert":
            data[pos:pos] = blob
        elif op == "delete":
            del data[pos : pos + len(blob)]
        elif op == "truncate":
            del data[pos:]
        else:
            data[pos : pos + len(blob)] = blob
    return bytes(data)


@MORE
@given(
    doc=st.sampled_from([d for _, d in fz.SEED_DOCS]),
    edits=st.lists(_EDIT, max_size=6),
    mode=st.integers(0, 255),
    cls=st.integers(0, 255),
    seed=st.integers(0, 65535),
)
def test_damaged_documents(
    doc: bytes, edits: list[tuple[str, int, bytes]], mode: int, cls: int, seed: int
) -> None:
    header = bytes([mode, cls, seed & 0xFF, seed >> 8])
    fz.run_one(header + _damage(doc, edits))


@MORE
@given(
    doc=st.sampled_from([d for _, d in fz.SEED_DOCS]),
    seed=st.integers(0, 2**32 - 1),
    mode=st.integers(0, 255),
)
def test_structurally_mutated_documents(doc: bytes, seed: int, mode: int) -> None:
    import random

    rng = random.Random(seed)
    fz.run_one(bytes([mode, rng.randrange(256), seed & 0xFF, (seed >> 8) & 0xFF]) +
               fz.mutate_document(rng, doc))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Hypothesis fallback: arbitrary Python values into every attribute and list view
# ---------------------------------------------------------------------------------------------
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(fz.SPECIAL_INTS)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(fz.SPECIAL_FLOATS)
    | st.text(st.characters(exclude_categories=()), max_size=12)  # surrogates included
    | st.sampled_from(fz.SPECIAL_STRS)
    | st.binary(max_size=4)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=6) | st.sampled_from(fz.FIELD_NAMES), inner, max_size=4)
        | st.dictionaries(st.integers() | st.none(), inner, max_size=2)
        | st.frozensets(st.integers(), max_size=2)
    ),
    max_leaves=20,
)
# Values that look like what a field or list takes (from the corpus), so assignments also
# succeed and reach to_json, plus the harness's hostile objects.
_PLAUSIBLE = st.sampled_from(fz.POOL_ALL[:2000])
_ANY = _VALUES | _PLAUSIBLE | st.integers(0, 2**16).map(lambda n: fz.py_value(_rng(n)))


def _rng(seed: int) -> Any:
    import random

    return random.Random(seed)


@MORE
@given(
    picks=st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), _ANY), min_size=1, max_size=6
    ),
    as_list_op=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_arbitrary_values_assigned_and_inserted(
    picks: list[tuple[int, int, Any]], as_list_op: list[bool]
) -> None:
    ctx = fz.Ctx(0, "hypothesis-values")
    root = SessionData.from_json(fz.SAMPLE_BYTES)
    for (node_pick, attr_pick, value), list_op in zip(picks, as_list_op):
        nodes, views = fz.reachable(ctx, root)
        if list_op and views:
            view, field = views[node_pick % len(views)]
            op = attr_pick % 4
            if op == 0:
                fz.guard(ctx, f"{field}.append", view.append, value)
            elif op == 1:
                index = attr_pick % (2 * len(view) + 3) - len(view) - 1
                fz.guard(ctx, f"{field}.insert", view.insert, index, value)
            elif op == 2 and len(view):
                index = attr_pick % len(view)
                fz.guard(ctx, f"{field}[i] =", view.__setitem__, index, value)
            else:
                fz.guard(ctx, f"{field}.extend", view.extend, value)
        else:
            node = nodes[node_pick % len(nodes)]
            attrs = fz.ATTRS[type(node)]
            attr = attrs[attr_pick % len(attrs)]
            before = node.to_json()
            result = fz.guard(ctx, f"set {type(node).__name__}.{attr}", setattr, node, attr, value)
            if result is fz._FAILED:
                assert node.to_json() == before, f"a rejected {attr} assignment changed the object"
    # Nothing was edited in place, so whatever was accepted must serialize and parse back.
    fz.check_serialization(ctx, root, must_serialize=True)
