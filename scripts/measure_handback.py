"""Count, with the real A3S Code 9.1.3 agent, how many Python edits reach it: for each v9
store save method and plaintext/encrypted stores, the agent answers a prompt, Python appends
one exchange and saves, the agent resumes and answers another. Counted: the model request
carried the exchange; the agent's next save kept it. Run with hand-back (0.4) and with
``force=True`` (the record alone: what every save did before).

    python scripts/measure_handback.py PATH-TO-a3s-session-agent-v9

(The driver is built by ``cargo build --release --manifest-path src/v9/Cargo.toml -p
a3s-session-agent-v9``; the tests build it too.)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from a3s_session import v9
from test_handback_agent import KEY, Agent, Model, append_exchange, open_store, text


def save_with(method: str, store: v9.FileSessionStore, sid: str, tag: str, force: bool) -> None:
    if method == "edit" and not force:
        with store.edit(sid) as s:
            append_exchange(s, tag)
        return
    snap = store.load_snapshot(sid)
    assert snap is not None
    digest = snap.content_digest()
    append_exchange(snap.session, tag)
    if method == "save":
        store.save(snap.session, force=force)
    elif method == "save_async":
        asyncio.run(_await(lambda: store.save_async(snap.session, force=force)))
    elif method == "save_snapshot":
        store.save_snapshot(snap, force=force)
    elif method == "save_snapshot_async":
        asyncio.run(_await(lambda: store.save_snapshot_async(snap, force=force)))
    else:  # save_snapshot_cas, and edit's commit
        assert store.save_snapshot_cas(snap, digest, force=force)


async def _await(start: Callable[[], Awaitable[None]]) -> None:
    await start()  # the future belongs to this loop


def main() -> None:
    driver = Path(sys.argv[1])
    methods = [
        "save",
        "save_async",
        "save_snapshot",
        "save_snapshot_async",
        "save_snapshot_cas",
        "edit",
    ]
    print("| save method | store | hand-back: reached model / kept | force=True: reached / kept |")
    print("|---|---|---|---|")
    totals = {True: [0, 0], False: [0, 0]}
    for method in methods:
        for key in (None, KEY):
            row = []
            for force in (False, True):
                with tempfile.TemporaryDirectory() as tmp_name:
                    tmp = Path(tmp_name)
                    (tmp / "ws").mkdir()
                    model = Model("openai")
                    try:
                        agent = Agent(driver, tmp, model, tmp / "store", key)
                        agent.send("s-1", "first prompt", workspace=tmp / "ws", resume=False)
                        save_with(method, open_store(tmp / "store", key), "s-1", "PY", force)
                        agent.send("s-1", "second prompt", workspace=tmp / "ws", resume=True)
                        reached = ("user", "PY question") in model.turn("second prompt")
                        kept_session = open_store(tmp / "store", key).load("s-1")
                        assert kept_session is not None
                        kept = "PY question" in [text(m) for m in kept_session.messages]
                    finally:
                        model.close()
                totals[force][0] += reached
                totals[force][1] += kept
                row.append(f"{'yes' if reached else 'no'} / {'yes' if kept else 'no'}")
            print(f"| `{method}` | {'encrypted' if key else 'plaintext'} | {row[0]} | {row[1]} |")
    n = len(methods) * 2
    print(
        f"\nhand-back: reached the model {totals[False][0]}/{n}, kept {totals[False][1]}/{n}; "
        f"force=True: reached {totals[True][0]}/{n}, kept {totals[True][1]}/{n}"
    )


if __name__ == "__main__":
    main()
