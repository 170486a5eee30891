"""An asyncio agent's store: every call awaits the crate's async store on the extension's
runtime, so the event loop keeps serving other tasks. Run it: ``python examples/asyncio_store.py``."""

from __future__ import annotations

import asyncio
import tempfile
from importlib.resources import files

import a3s_session as a3s


async def main(store_dir: str) -> list[str]:
    # `async with`: on the way out, wait for every write still running (see below).
    async with await a3s.FileSessionStore.open_async(store_dir) as store:
        sample = (files("a3s_session") / "data/sample_session.json").read_bytes()
        sessions = []
        for i in range(10):
            s = a3s.SessionData.from_json(sample)
            s.id = f"agent-{i}"
            sessions.append(s)
        # 10 saves at once. force: copies of a record, written as they are (not handed to
        # an agent's fact log: their workspace is not here; see "Handing a session back").
        await asyncio.gather(*(store.save_async(s, force=True) for s in sessions))
        loaded = await store.load_async("agent-3")
        assert loaded is not None and loaded == sessions[3]
        # A cancelled await never tears a file: the crate's write (temp file, fsync, rename)
        # runs to its end, and the next save of the same session lands after it.
        task = asyncio.ensure_future(store.save_async(sessions[0]))
        task.cancel()
        await store.delete_async("agent-9")
        return await store.list_async()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as d:
        print(asyncio.run(main(d)))
