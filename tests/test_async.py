"""The stores' asyncio twins: run on the extension's runtime, never block the loop, and a
cancelled await never leaves a torn or half-written file."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from typing_extensions import Self

import a3s_session as a3s
from a3s_session import v3, v9

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import workloads

SAMPLE = Path(a3s.__file__).parent / "data" / "sample_session.json"
T = TypeVar("T")


def run(main: Callable[[], Awaitable[T]]) -> T:
    async def wrapped() -> T:
        return await main()

    return asyncio.run(wrapped())


def sample(sid: str = "sess-async", cls: Any = v3.SessionData) -> Any:
    s = cls.from_json(SAMPLE.read_text(encoding="utf-8"))
    s.id = sid
    return s


def stores(tmp_path: Path) -> list[Any]:
    return [v3.FileSessionStore(tmp_path / "v3"), v9.FileSessionStore(tmp_path / "v9")]


class Ticker:
    """A task on the running loop that counts 1 ms ticks: a call that held the loop would let
    it count none meanwhile."""

    def __init__(self) -> None:
        self.ticks = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Future[None] | None = None

    async def __aenter__(self) -> Self:
        async def tick() -> None:
            while not self._stop.is_set():
                self.ticks += 1
                await asyncio.sleep(0.001)

        self._task = asyncio.ensure_future(tick())
        await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._task is not None
        await self._task


@pytest.fixture(scope="module")
def big_text() -> str:
    """Workload L: a ~25 MB text-heavy session."""
    return workloads.text("L")


@pytest.mark.parametrize("generation", ["v3", "v9"])
def test_every_async_twin_matches_its_blocking_form(tmp_path: Path, generation: str) -> None:
    mod: Any = a3s if generation == "v3" else v9

    async def main() -> None:
        store = await mod.FileSessionStore.open_async(tmp_path / "store")
        assert type(store) is mod.FileSessionStore and store.dir == tmp_path / "store"
        s = sample(cls=mod.SessionData)
        fut = store.save_async(s, force=True)
        assert isinstance(fut, asyncio.Future)
        assert await fut is None
        assert await store.exists_async(s.id) is True
        assert await store.list_async() == store.list() == [s.id]
        loaded = await store.load_async(s.id)
        assert loaded == store.load(s.id) == s
        assert await store.load_async("nope") is None
        assert await store.health_check_async() is None
        await store.delete_async(s.id)
        assert await store.exists_async(s.id) is False
        assert await store.list_async() == []

    run(main)


def test_async_saves_write_what_blocking_saves_write(tmp_path: Path) -> None:
    v3_sync, v9_sync = stores(tmp_path / "sync")
    v3_async, v9_async = stores(tmp_path / "async")

    async def main() -> None:
        await v3_async.save_async(sample(), force=True)
        await v9_async.save_async(sample(cls=v9.SessionData), force=True)

    v3_sync.save(sample(), force=True)
    v9_sync.save(sample(cls=v9.SessionData), force=True)
    run(main)
    for a, b in ((v3_sync, v3_async), (v9_sync, v9_async)):
        files_a = sorted(p.relative_to(a.dir) for p in a.dir.rglob("*.json"))
        files_b = sorted(p.relative_to(b.dir) for p in b.dir.rglob("*.json"))
        assert files_a == files_b and files_a
        for rel in files_a:
            if "wal" in rel.parts:
                continue  # the WAL records times and sequence numbers
            assert (a.dir / rel).read_bytes() == (b.dir / rel).read_bytes(), rel


def test_v9_snapshot_and_cas_twins(tmp_path: Path) -> None:
    async def main() -> None:
        store = await v9.FileSessionStore.open_async(tmp_path)
        snap = v9.SessionSnapshotV1.session_only(sample(cls=v9.SessionData))
        await store.save_snapshot_async(snap, force=True)
        got = await store.load_snapshot_async(snap.session.id)
        assert got == store.load_snapshot(snap.session.id) == snap
        assert await store.load_snapshot_async("nope") is None
        assert got is not None
        digest = got.content_digest()
        snap.session.model_name = "changed"
        assert await store.save_snapshot_cas_async(snap, "not-the-digest", force=True) is False
        assert await store.save_snapshot_cas_async(snap, digest, force=True) is True
        changed = await store.load_async(snap.session.id)
        assert changed is not None and changed.model_name == "changed"
        assert (
            await store.save_snapshot_cas_async(snap, digest, force=True) is False
        )  # digest moved on

    run(main)


def test_errors_arrive_as_the_blocking_forms_raise_them(tmp_path: Path) -> None:
    v3_store = v3.FileSessionStore(tmp_path / "v3")
    (v3_store.dir / "bad.json").write_text('{"id": "bad", "config": 5}', encoding="utf-8")

    async def main() -> None:
        with pytest.raises(a3s.SessionFormatError) as async_err:
            await v3_store.load_async("bad")
        with pytest.raises(a3s.SessionFormatError) as sync_err:
            v3_store.load("bad")
        assert str(async_err.value) == str(sync_err.value)
        assert async_err.value.path == sync_err.value.path == "config"
        with pytest.raises(OSError) as async_os:
            await v3.FileSessionStore.open_async(SAMPLE)  # a file, not a directory
        with pytest.raises(OSError) as sync_os:
            v3.FileSessionStore(SAMPLE)
        assert type(async_os.value) is type(sync_os.value) is FileExistsError
        assert str(async_os.value) == str(sync_os.value)
        with pytest.raises(ValueError, match="32 bytes"):
            await v9.FileSessionStore.open_async(tmp_path / "k", encryption_key=b"short")
        sealed = await v9.FileSessionStore.open_async(tmp_path / "sealed", encryption_key=b"k" * 32)
        await sealed.save_async(sample(cls=v9.SessionData), force=True)
        plain = await v9.FileSessionStore.open_async(tmp_path / "sealed")
        with pytest.raises(ValueError, match="encryption key"):
            await plain.load_async("sess-async")

    run(main)


def test_outside_a_running_loop_it_says_so(tmp_path: Path) -> None:
    store = v3.FileSessionStore(tmp_path)
    with pytest.raises(RuntimeError, match="no running event loop"):
        store.list_async()


@pytest.mark.parametrize("generation", ["v3", "v9"])
def test_a_hundred_concurrent_saves_and_loads_from_one_loop(
    tmp_path: Path, generation: str
) -> None:
    mod: Any = a3s if generation == "v3" else v9
    store = mod.FileSessionStore(tmp_path)
    sessions = [sample(f"sess-{i:03d}", mod.SessionData) for i in range(100)]
    for i, s in enumerate(sessions):
        s.model_name = f"model-{i}"
    threads_before = threading.active_count()

    async def main() -> list[Any]:
        await asyncio.gather(*(store.save_async(s, force=True) for s in sessions))
        return list(await asyncio.gather(*(store.load_async(s.id) for s in sessions)))

    loaded = run(main)
    assert loaded == sessions
    assert store.list() == sorted(s.id for s in sessions)
    # Finished writes leave no queue behind (the map would otherwise grow with every id).
    native = importlib.import_module(
        f"{'a3s_session' if generation == 'v3' else 'a3s_session_v9'}._native"
    )
    assert native._queued_writes() == 0
    # The runtime is a fixed pool: a hundred calls did not leave a hundred Python threads.
    assert threading.active_count() <= threads_before + 1


def test_saves_of_one_session_land_in_call_order(tmp_path: Path) -> None:
    store = v3.FileSessionStore(tmp_path)
    versions = [sample() for _ in range(30)]
    for i, s in enumerate(versions):
        s.model_name = f"v{i}"

    async def main() -> None:
        await asyncio.gather(*(store.save_async(s, force=True) for s in versions))

    run(main)
    last = store.load("sess-async")
    assert last is not None and last.model_name == "v29"


def _assert_whole(path: Path, allowed: set[bytes]) -> None:
    if path.exists():
        assert path.read_bytes() in allowed


@pytest.mark.parametrize("generation", ["v3", "v9"])
def test_a_cancelled_save_is_all_or_nothing(tmp_path: Path, big_text: str, generation: str) -> None:
    """Cancel the await of a 25 MB save: the crate's write still completes (temp file,
    fsync, rename), readers only ever see the old or the new document, no temp file stays,
    and a save issued after it lands after it."""
    mod: Any = a3s if generation == "v3" else v9
    store = mod.FileSessionStore(tmp_path)
    big = mod.SessionData.from_json(big_text)
    small = mod.SessionData.from_json(SAMPLE.read_text(encoding="utf-8"))
    small.id = big.id
    store.save(small, force=True)
    path = next(p for p in tmp_path.rglob("*.json") if "wal" not in p.parts)
    old = path.read_bytes()
    seen: list[bytes] = []

    async def main() -> None:
        task = asyncio.ensure_future(store.save_async(big, force=True))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The write goes on without us: watch the file until it changes.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            data = path.read_bytes()
            seen.append(data)
            if data != old:
                break
            await asyncio.sleep(0.005)
        small.model_name = "after the cancelled save"
        await store.save_async(small, force=True)

    run(main)
    new_big = seen[-1]
    assert new_big != old, "the cancelled save never completed"
    assert all(data in (old, new_big) for data in seen)  # never torn
    json.loads(new_big)  # a whole document
    assert mod.SessionData.from_json(new_big) == big
    assert store.load(big.id).model_name == "after the cancelled save"
    leftovers = [p.name for p in tmp_path.rglob("*") if p.is_file() and ".tmp" in p.name]
    assert leftovers == []


@pytest.mark.parametrize("generation", ["v3", "v9"])
def test_the_loop_keeps_ticking_while_a_25_mb_session_saves(
    tmp_path: Path, big_text: str, generation: str
) -> None:
    mod: Any = a3s if generation == "v3" else v9
    store = mod.FileSessionStore(tmp_path)
    big = mod.SessionData.from_json(big_text)

    async def main() -> tuple[int, float]:
        async with Ticker() as ticker:
            before = ticker.ticks
            t = time.perf_counter()
            await store.save_async(big, force=True)
            elapsed = time.perf_counter() - t
            during = ticker.ticks - before
        print(f"\n{generation} 25 MB save_async: {elapsed * 1e3:.0f} ms, {during} ticks meanwhile")
        return during, elapsed

    during, elapsed = run(main)
    # Not a timing target: a save that held the loop would let the ticker run zero times.
    assert during >= 3, (during, elapsed)
    assert store.load(big.id) == big


def test_many_threads_each_with_its_own_loop(tmp_path: Path) -> None:
    """Loops in several threads share the one store runtime; every future lands on the loop
    that made it. (A3S_TEST_THREADS sets how many: the free-threaded job's stress mode.)"""
    import os

    n = max(2, int(os.environ.get("A3S_TEST_THREADS", "8")))
    store = v9.FileSessionStore(tmp_path)
    problems: list[str] = []

    def worker(k: int) -> None:
        async def main() -> None:
            mine = asyncio.get_running_loop()
            sessions = [sample(f"t{k}-{i}", v9.SessionData) for i in range(10)]
            futures = [store.save_async(s, force=True) for s in sessions]
            assert all(f.get_loop() is mine for f in futures)
            await asyncio.gather(*futures)
            loaded = await asyncio.gather(*(store.load_async(s.id) for s in sessions))
            assert loaded == sessions

        try:
            asyncio.run(main())
        except BaseException as err:  # noqa: BLE001 - reported below
            problems.append(f"thread {k}: {type(err).__name__}: {err}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not [t for t in threads if t.is_alive()], "a thread hung"
    assert problems == []
    assert len(store.list()) == 10 * n


@pytest.mark.parametrize("generation", ["v3", "v9"])
def test_from_json_async_and_to_json_async_keep_the_loop_running(
    big_text: str, generation: str
) -> None:
    mod: Any = v3 if generation == "v3" else v9

    async def main() -> tuple[Any, str, str, int, int]:
        async with Ticker() as ticker:
            before = ticker.ticks
            parsed = await mod.SessionData.from_json_async(big_text.encode())
            parse_ticks = ticker.ticks - before
            before = ticker.ticks
            text = await parsed.to_json_async()
            write_ticks = ticker.ticks - before
            pretty = await parsed.to_json_async(pretty=True)
        return parsed, text, pretty, parse_ticks, write_ticks

    parsed, text, pretty, parse_ticks, write_ticks = run(main)
    print(f"\n{generation} 25 MB: {parse_ticks} ticks while parsing, {write_ticks} while writing")
    assert parsed == mod.SessionData.from_json(big_text)
    assert text == parsed.to_json()
    if generation == "v3":
        assert text == big_text  # workload L is what 3.0.0 writes
    assert pretty == parsed.to_json(pretty=True)
    assert parse_ticks >= 3 and write_ticks >= 1


def test_from_json_async_errors_are_the_crates() -> None:
    async def main() -> None:
        with pytest.raises(a3s.SessionFormatError) as err:
            await v3.SessionData.from_json_async('{"id": "x",\n "config": 5}')
        assert err.value.path == "config" and err.value.line == 2
        with pytest.raises(TypeError):
            await v3.SessionData.from_json_async(5)  # type: ignore[arg-type]
        m = await v3.Message.from_json_async(b'{"role": "user", "content": []}')
        assert type(m) is v3.Message and await m.to_json_async() == m.to_json()

    run(main)
