"""The stores' asyncio twins against the alternatives an async program has.

For each generation, three ways to use the store from one event loop:
- blocking calls on the loop's thread (the loop stops meanwhile);
- ``asyncio.to_thread(store.save, s)`` (a thread of the default executor per call);
- ``await store.save_async(s)`` (the extension's runtime).

Measured: the time for 100 concurrent saves then 100 concurrent loads of the sample session,
and the longest stall of a 1 ms ticker task while a 25 MB session (workload L) saves. Medians
of ``--repeat`` runs. Run: ``python benchmarks/async_store.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import a3s_session as a3s
import workloads
from a3s_session import v9

SAMPLE = (files("a3s_session") / "data/sample_session.json").read_bytes()


def _ways(
    store: Any,
) -> dict[str, tuple[Callable[[Any], Awaitable[Any]], Callable[[str], Awaitable[Any]]]]:
    async def blocking_save(s: Any) -> None:
        store.save(s)

    async def blocking_load(sid: str) -> Any:
        return store.load(sid)

    return {
        "blocking": (blocking_save, blocking_load),
        "to_thread": (
            lambda s: asyncio.to_thread(store.save, s),
            lambda sid: asyncio.to_thread(store.load, sid),
        ),
        "save_async": (store.save_async, store.load_async),
    }


async def _many(save: Any, load: Any, sessions: list[Any]) -> tuple[float, float]:
    t = time.perf_counter()
    await asyncio.gather(*(save(s) for s in sessions))
    saved = time.perf_counter() - t
    t = time.perf_counter()
    await asyncio.gather(*(load(s.id) for s in sessions))
    return saved, time.perf_counter() - t


async def _stall(save: Any, big: Any) -> float:
    """The longest gap between ticks of a 1 ms ticker while ``big`` saves."""
    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.ensure_future(ticker())
    await asyncio.sleep(0.02)
    gaps.clear()
    await save(big)
    stop.set()
    await task
    return max(gaps)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    big_text = workloads.text("L")
    print(f"25 MB session: {len(big_text) / 1e6:.1f} MB; medians of {args.repeat}\n")
    print("| generation | way | 100 saves | 100 loads | longest loop stall, 25 MB save |")
    print("|---|---|---|---|---|")
    for name, mod in (("v3", a3s), ("v9", v9)):
        big = mod.SessionData.from_json(big_text)
        for way in ("blocking", "to_thread", "save_async"):
            runs: list[tuple[float, float, float]] = []
            for _ in range(args.repeat):
                with tempfile.TemporaryDirectory() as d:
                    store = mod.FileSessionStore(d)
                    save, load = _ways(store)[way]
                    sessions = []
                    for i in range(100):
                        s = mod.SessionData.from_json(SAMPLE)
                        s.id = f"s{i:03d}"
                        sessions.append(s)
                    saved, loaded = asyncio.run(_many(save, load, sessions))
                    stall = asyncio.run(_stall(save, big))
                runs.append((saved, loaded, stall))
            best = [statistics.median(r[k] for r in runs) for k in range(3)]
            print(
                f"| {name} | {way} | {best[0] * 1e3:.0f} ms | {best[1] * 1e3:.0f} ms "
                f"| {best[2] * 1e3:.0f} ms |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
