"""Store torture for the 9.1 generation: SIGKILL during snapshot saves, concurrent saves,
hostile ids, symlinks, encrypted and plaintext files in one directory."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from a3s_session import v9
from a3s_session.files import v1_file_name
from conftest import CORPUS_DIR

KEY = bytes(range(32))


def session(session_id: str = "s") -> v9.SessionData:
    doc = json.loads((CORPUS_DIR / "SessionData" / "minimal.json").read_text())
    doc["id"] = session_id
    return v9.SessionData.from_json(json.dumps(doc))


def snapshot(session_id: str = "s") -> v9.SessionSnapshotV1:
    return v9.SessionSnapshotV1.session_only(session(session_id))


SAVER = textwrap.dedent(
    """
    import sys, json
    from a3s_session import v9
    store = v9.FileSessionStore(sys.argv[1])
    base = v9.SessionData.from_json(open(sys.argv[2], encoding="utf-8").read())
    i = 0
    print("ready", flush=True)
    while True:
        s = base.__copy__()
        s.id = f"s{i % 3}"
        s.updated_at = i
        s.messages.append({"role": "user", "content": [{"type": "text", "text": "y" * (i % 50000)}]})
        store.save_snapshot(v9.SessionSnapshotV1.session_only(s))
        i += 1
    """
)


def test_sigkill_during_snapshot_saves_leaves_loadable_snapshots_and_a_wal(tmp_path: Path) -> None:
    cycles = int(os.environ.get("A3S_KILL_CYCLES", "40"))
    store_dir = tmp_path / "store"
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    base = tmp_path / "base.json"
    base.write_text(session().to_json())
    rng = random.Random(99)
    for _ in range(cycles):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(store_dir), str(base)], stdout=subprocess.PIPE
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.08))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # The crate reopens the store (WAL recovery included) and every listed id loads.
        store = v9.FileSessionStore(store_dir)
        for session_id in store.list():
            loaded = store.load_snapshot(session_id)
            assert loaded is not None and loaded.session.id == session_id
    assert set(v9.FileSessionStore(store_dir).list()) <= {"s0", "s1", "s2"}
    assert (store_dir / "v1" / "wal").is_dir()


def test_threads_save_same_and_different_ids(tmp_path: Path) -> None:
    store = v9.FileSessionStore(tmp_path)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(25):
                snap = snapshot("shared" if i % 2 else f"t{n}")
                snap.session.updated_at = n * 1000 + i
                store.save_snapshot(snap)
                if i % 5 == 0:
                    store.list()
                    store.load_snapshot("shared")
        except BaseException as e:  # noqa: BLE001 - surface anything, panics included
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert sorted(store.list()) == sorted(["shared", *[f"t{n}" for n in range(6)]])
    for sid in store.list():
        loaded = store.load_snapshot(sid)
        assert loaded is not None
        path = tmp_path / "v1" / "sessions" / v1_file_name(sid)
        assert path.read_text() == loaded.to_json(pretty=True)
    # A second handle in the same process reopens what the first wrote.
    assert sorted(v9.FileSessionStore(tmp_path).list()) == sorted(store.list())


@pytest.mark.parametrize(
    "session_id", ["../../etc/passwd", "a\\b", "..", "/abs/olute", "a/../../b"]
)
def test_hostile_ids_stay_inside_the_store(tmp_path: Path, session_id: str) -> None:
    root = tmp_path / "outer" / "store"
    store = v9.FileSessionStore(root)
    store.save_snapshot(snapshot(session_id))
    sessions = [p for p in tmp_path.rglob("*.json") if "wal" not in p.parts]
    assert len(sessions) == 1 and sessions[0].parent == root / "v1" / "sessions"
    loaded = store.load_snapshot(session_id)
    assert loaded is not None and loaded.session.id == session_id
    store.delete(session_id)
    assert store.list() == []


def test_symlinked_snapshot_is_not_written_through(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store = v9.FileSessionStore(root)
    outside = tmp_path / "precious.txt"
    outside.write_text("do not touch")
    target = root / "v1" / "sessions" / v1_file_name("victim")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(outside)
    try:
        store.save_snapshot(snapshot("victim"))
    except OSError:
        pass  # refusing is as good as replacing
    assert outside.read_text() == "do not touch"


def test_encrypted_and_plaintext_files_mixed(tmp_path: Path) -> None:
    plain = v9.FileSessionStore(tmp_path)
    plain.save_snapshot(snapshot("plain"))
    sealed = v9.FileSessionStore(tmp_path, encryption_key=KEY)
    sealed.save_snapshot(snapshot("sealed"))
    # With the key, both read (the crate opens plaintext too); without it, only plaintext.
    assert sealed.load_snapshot("plain") == snapshot("plain")
    assert sealed.load_snapshot("sealed") == snapshot("sealed")
    assert plain.load_snapshot("plain") == snapshot("plain")
    with pytest.raises(ValueError, match="encryption key"):
        plain.load_snapshot("sealed")
    with pytest.raises(ValueError):
        v9.FileSessionStore(tmp_path, encryption_key=bytes(32)).load_snapshot("sealed")


def test_corrupt_snapshot_raises_format_error(tmp_path: Path) -> None:
    store = v9.FileSessionStore(tmp_path)
    store.save_snapshot(snapshot("s"))
    path = tmp_path / "v1" / "sessions" / v1_file_name("s")
    path.write_text(path.read_text()[:-10])
    with pytest.raises(ValueError):
        store.load_snapshot("s")


def test_recovering_constructor_opens_a_healthy_store(tmp_path: Path) -> None:
    v9.FileSessionStore(tmp_path).save_snapshot(snapshot("s"))
    store = v9.FileSessionStore(tmp_path, recover_corrupt_wal=True)
    assert store.list() == ["s"]
    with pytest.raises(ValueError, match="plaintext"):
        v9.FileSessionStore(tmp_path, encryption_key=KEY, recover_corrupt_wal=True)
