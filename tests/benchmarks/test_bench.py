"""pytest-benchmark timings: decode / encode / round trip of workloads S and M.

Compares a3s_session with msgspec (``benchmarks/msgspec_model.py``). Skipped cleanly when
pytest-benchmark or msgspec is not installed. Run just these with::

    python -m pytest tests/benchmarks --benchmark-only

The full comparison (pure Python, pydantic, native Rust, memory, threads) is
``python benchmarks/run.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytest_benchmark")
pytest.importorskip("msgspec")

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import a3s_session
import msgspec_model
import workloads

CODECS: dict[str, tuple[Callable[[bytes], Any], Callable[[Any], str | bytes]]] = {
    "a3s_session": (a3s_session.SessionData.from_json, a3s_session.SessionData.to_json),
    "msgspec": (msgspec_model.decode, msgspec_model.encode),
}
SIZES = ["S", "M"]


@cache
def workload(size: str) -> bytes:
    return workloads.text(size).encode("utf-8")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lib", list(CODECS))
def test_decode(benchmark: Any, lib: str, size: str) -> None:
    decode, _ = CODECS[lib]
    data = workload(size)
    benchmark.group = f"decode {size}"
    session = benchmark(decode, data)
    assert len(session.messages) > 0


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lib", list(CODECS))
def test_encode(benchmark: Any, lib: str, size: str) -> None:
    decode, encode = CODECS[lib]
    session = decode(workload(size))
    benchmark.group = f"encode {size}"
    out = benchmark(encode, session)
    assert len(out) > 0


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lib", list(CODECS))
def test_roundtrip(benchmark: Any, lib: str, size: str) -> None:
    decode, encode = CODECS[lib]
    data = workload(size)
    benchmark.group = f"round trip {size}"
    out = benchmark(lambda: encode(decode(data)))
    if lib == "a3s_session":
        assert out == data.decode("utf-8")  # the crate's own bytes come back unchanged
