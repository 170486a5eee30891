"""What the hand-back check costs a 9.1.3 save whose conversation did not change (the usual
save: config, tasks, a rename), against ``force=True`` (the record alone), and the longest
event-loop stall of ``save_async`` on the largest session.

    python benchmarks/handback_cost.py

Prints a Markdown table (medians of interleaved rounds). Not a test: numbers only.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from a3s_session import v9


def session(messages: int, chars: int) -> v9.SessionData:
    s = v9.SessionData(id="bench", config=v9.SessionConfig(workspace="/nonexistent"))
    s.messages.extend(
        {
            "role": "user" if i % 2 == 0 else "assistant",
            "content": [{"type": "text", "text": "x" * chars}],
        }
        for i in range(messages)
    )
    return s


def timed(fn: object, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


async def stall(store: v9.FileSessionStore, s: v9.SessionData, force: bool) -> float:
    """The longest gap between 1 ms ticks while one save_async runs."""
    worst, last, done = 0.0, time.perf_counter(), False

    async def ticker() -> None:
        nonlocal worst, last
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            worst, last = max(worst, now - last), now

    task = asyncio.ensure_future(ticker())
    await asyncio.sleep(0.005)
    last = time.perf_counter()
    await store.save_async(s, force=force)
    done = True
    await task
    return worst


def main() -> None:
    shapes = [("S", 10, 200), ("M", 200, 2_000), ("L", 2_000, 12_500)]  # L: about 25 MB
    print("| session | messages | force=True | checked (unchanged) | extra |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        store = v9.FileSessionStore(Path(tmp))
        for name, n, chars in shapes:
            s = session(n, chars)
            store.save(s, force=True)
            s = store.load("bench")
            assert s is not None
            s.config.name = "renamed"  # not a conversation change
            rounds = 15 if name != "L" else 5
            forced = timed(lambda s=s: store.save(s, force=True), rounds)
            checked = timed(lambda s=s: store.save(s), rounds)
            size = len(s.to_json()) / 1e6
            print(
                f"| {name} ({size:.2f} MB) | {n} | {forced * 1e3:.2f} ms | {checked * 1e3:.2f} ms "
                f"| +{(checked - forced) * 1e3:.2f} ms ({checked / forced - 1:+.0%}) |"
            )
        s = store.load("bench")
        assert s is not None
        stalls = {
            force: [asyncio.run(stall(store, s, force)) for _ in range(3)]
            for force in (True, False)
        }
        print(
            f"\nsave_async of L, longest loop stall (median of 3): force=True "
            f"{statistics.median(stalls[True]) * 1e3:.0f} ms, checked "
            f"{statistics.median(stalls[False]) * 1e3:.0f} ms"
        )


if __name__ == "__main__":
    main()
