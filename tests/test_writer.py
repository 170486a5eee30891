"""The fast JSON writer against serde_json, in the same process, for both generations.

The writer (``src/binding/src/writer.rs``) is on by default; ``use_fast_writer(False)`` makes
every value go through serde_json itself (as each generation's crate builds it). Every test
here writes the same value both ways and wants the same bytes, compact and pretty. The rest
of the suite compares the (fast) output with the oracle, which links the crate alone.
``tests/fuzz/fuzz_writer.py`` is the long-running version of this (mutated sessions).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import a3s_session
from a3s_session import _native, v3, v9
from conftest import CORPUS_DIR, class_for

# The 9.1 extension itself (for its writer switch), once the package has loaded it.
_native9 = importlib.import_module("a3s_session_v9")
from test_properties import ANY_FLOATS, rendered

REPO = Path(__file__).resolve().parent.parent
FUZZ = REPO / "tests" / "fuzz" / "fuzz_writer.py"


@contextmanager
def serde_json_only(module: Any) -> Iterator[None]:
    previous = module.use_fast_writer(False)
    try:
        yield
    finally:
        module.use_fast_writer(previous)


def assert_both_ways(value: Any, module: Any) -> None:
    fast = [value.to_json(), value.to_json(pretty=True), value.to_json_bytes()]
    with serde_json_only(module):
        slow = [value.to_json(), value.to_json(pretty=True), value.to_json_bytes()]
    assert fast == slow


def test_the_switch_switches() -> None:
    assert _native.use_fast_writer(True) is True  # on by default
    assert _native.use_fast_writer(False) is True
    assert _native.use_fast_writer(True) is False


def _corpus() -> list[Path]:
    return sorted(p for p in CORPUS_DIR.glob("*/*.json") if not p.name.startswith("invalid"))


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_documents(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    v3_cls = class_for(path.parent.name, json.loads(text))
    for cls, module in ((v3_cls, _native), (getattr(v9, v3_cls.__name__), _native9)):
        try:
            value = cls.from_json(text)
        except a3s_session.SessionFormatError:
            continue  # a document this generation rejects
        assert_both_ways(value, module)


def _load(path: Path) -> Any:
    """A script of the repository (not a package module) as a module, by its file name."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def _workloads() -> Any:
    return _load(REPO / "benchmarks" / "workloads.py")


@pytest.mark.parametrize("shape", ["text", "dense", "mix", "store"])
def test_benchmark_workloads(shape: str) -> None:
    text = _workloads().text("M", shape=shape)
    assert_both_ways(v3.SessionData.from_json(text), _native)
    assert_both_ways(v9.SessionData.from_json(text), _native9)


@given(rendered(ANY_FLOATS.session))
def test_generated_sessions(case: tuple[Any, str]) -> None:
    _, text = case
    assert_both_ways(v3.SessionData.from_json(text), _native)
    assert_both_ways(v9.SessionData.from_json(text), _native9)


_ESCAPES = st.text(
    st.sampled_from(["\x00", "\x1f", "\x7f", '"', "\\", "/", "\n", "é", "日", "😀", "a", " "]),
    max_size=40,
)


@given(_ESCAPES, st.integers(min_value=0, max_value=17))
def test_strings_with_escapes_at_every_offset(s: str, pad: int) -> None:
    session = v3.SessionData(id="x" * pad + s)
    session.messages.append({"role": "user", "content": [{"type": "text", "text": s * 3}]})
    assert_both_ways(session, _native)


def test_mutation_fuzz_short_run() -> None:
    """A few seconds of the long-running differential fuzz (`tests/fuzz/fuzz_writer.py`)."""
    report = _load(FUZZ).run(seconds=8.0, seed=1)
    assert report["compared"] > 100
    assert report["differences"] == []
