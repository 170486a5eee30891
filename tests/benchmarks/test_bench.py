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
import msgspec_model  # pyright: ignore[reportMissingImports]
import workloads  # pyright: ignore[reportMissingImports]

CODECS: dict[str, tuple[Callable[[bytes], Any], Callable[[Any], str | bytes]]] = {
    "a3s_session": (a3s_session.v3.SessionData.from_json, a3s_session.v3.SessionData.to_json),
    "msgspec": (msgspec_model.decode, msgspec_model.encode),
}
SIZES = ["S", "M"]


@cache
def workload(size: str) -> bytes:
    return workloads.text(size).encode("utf-8")


@pytest.fixture
def bench(request: pytest.FixtureRequest) -> Any:
    """pytest-benchmark's fixture; skip (not error) when the plugin is installed but disabled
    (`-p no:benchmark`)."""
    try:
        return request.getfixturevalue("benchmark")
    except pytest.FixtureLookupError:
        pytest.skip("the pytest-benchmark plugin is not active")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lib", list(CODECS))
def test_decode(bench: Any, lib: str, size: str) -> None:
    decode, _ = CODECS[lib]
    data = workload(size)
    bench.group = f"decode {size}"
    session = bench(decode, data)
    assert len(session.messages) > 0


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lib", list(CODECS))
def test_encode(bench: Any, lib: str, size: str) -> None:
    decode, encode = CODECS[lib]
    session = decode(workload(size))
    bench.group = f"encode {size}"
    out = bench(encode, session)
    assert len(out) > 0


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lib", list(CODECS))
def test_roundtrip(bench: Any, lib: str, size: str) -> None:
    decode, encode = CODECS[lib]
    data = workload(size)
    bench.group = f"round trip {size}"
    out = bench(lambda: encode(decode(data)))
    if lib == "a3s_session":
        assert out == data.decode("utf-8")  # the crate's own bytes come back unchanged
