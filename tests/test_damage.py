"""Hostile files and damaged stores: no hang, no memory blow-up, no escape codes reaching a
terminal, no key-less overwrite of a sealed store, no id collisions, and a doctor that
repairs only what is provably safe."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import pickle
import random
import re
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import a3s_session as a3s
from a3s_session import doctor, v3, v9
from a3s_session.cli import main
from a3s_session.files import legacy_file_name, v1_file_name
from conftest import CORPUS_DIR, run_python_json

K1 = bytes(range(32))
K2 = bytes(range(1, 33))


def session9(session_id: str = "s") -> v9.SessionData:
    doc = json.loads((CORPUS_DIR / "SessionData" / "minimal.json").read_text())
    doc["id"] = session_id
    return v9.SessionData.from_json(json.dumps(doc))


def session3(session_id: str = "s") -> v3.SessionData:
    return v3.SessionData.from_json(session9(session_id).to_json(), unknown="ignore")


def snapshot(session_id: str = "s", name: str = "") -> v9.SessionSnapshotV1:
    s = session9(session_id)
    s.config.name = name
    return v9.SessionSnapshotV1.session_only(s)


# ---------------------------------------------------------------------------------------------
# 1. FIFOs, devices, sparse giants: refused before they are opened or read
# ---------------------------------------------------------------------------------------------
HOSTILE_READS = textwrap.dedent(
    r"""
    import contextlib, io, json, os, resource, sys, warnings
    warnings.simplefilter("ignore")
    # 3 GiB of address space: reading /dev/zero or a 1 GiB sparse file whole would exceed it.
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    import a3s_session as a3s
    from a3s_session import v3, v9
    from a3s_session.cli import main

    paths = json.loads(sys.argv[1])
    out = {}
    for name, path in paths.items():
        row = {}
        for label, call in [
            ("read_session_file", lambda: a3s.read_session_file(path)),
            ("load_session", lambda: a3s.load_session(path)),
        ]:
            try:
                call()
                row[label] = "no error"
            except Exception as e:
                row[label] = f"{type(e).__name__}: {e}"
        for command in (["inspect", path], ["validate", path], ["export", path], [path]):
            err, std = io.StringIO(), io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
                code = main(command)
            row[command[0] if len(command) > 1 else "default"] = [code, err.getvalue()]
        scan = a3s.scan(path).errors.collect().to_pylist()
        row["scan"] = [e["message"] for e in scan]
        out[name] = row
    print(json.dumps(out))
    """
)


def test_fifo_device_and_sparse_file_are_refused_under_a_memory_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "x.json"
    os.mkfifo(fifo)
    zero = tmp_path / "z.json"
    zero.symlink_to("/dev/zero")
    sparse = tmp_path / "big.json"
    with open(sparse, "wb") as f:
        f.truncate(1 << 30)
    paths = {"fifo": str(fifo), "zero": str(zero), "sparse": str(sparse), "dir": str(tmp_path)}
    started = time.monotonic()
    out = _run_hostile(paths)
    assert time.monotonic() - started < 60
    for name in ("fifo", "zero"):
        row = out[name]
        for api in ("read_session_file", "load_session"):
            assert row[api].startswith("NotRegularFileError"), row[api]
        for command in ("inspect", "validate", "export", "default"):
            code, err = row[command]
            assert code != 0 and "Traceback" not in err
            assert "not a regular file" in err, err
        assert any("not a regular file" in m for m in row["scan"]), row["scan"]
    row = out["sparse"]
    assert row["read_session_file"].startswith("FileTooLargeError")
    assert "1,073,741,824 bytes, over the limit of 268,435,456" in row["read_session_file"]
    for command in ("inspect", "validate", "export", "default"):
        code, err = row[command]
        assert code != 0 and "over the limit" in err and "Traceback" not in err
    assert any("over the limit" in m for m in row["scan"])


def _run_hostile(paths: dict[str, str]) -> Any:
    script = HOSTILE_READS.replace("json.loads(sys.argv[1])", repr(paths).join(["(", ")"]))
    return run_python_json(script, timeout=120, what="hostile reads under a memory limit")


def test_the_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.json"
    path.write_text(session9().to_json())
    size = path.stat().st_size
    with pytest.raises(a3s.FileTooLargeError, match="over the limit of 10 bytes"):
        a3s.read_session_file(path, max_bytes=10)
    monkeypatch.setenv("A3S_SESSION_MAX_BYTES", str(size - 1))
    with pytest.raises(a3s.FileTooLargeError):
        a3s.load_session(path)
    monkeypatch.setenv("A3S_SESSION_MAX_BYTES", str(size))
    assert a3s.load_session(path).id == "s"


def test_ls_reports_a_fifo_instead_of_skipping_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v9.FileSessionStore(tmp_path).save_snapshot(snapshot("ok"))
    os.mkfifo(tmp_path / "v1" / "sessions" / v1_file_name("pipe"))
    assert main(["ls", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "ok" in out and "FIFO" in err


@pytest.mark.parametrize("generation", ["v3", "v9"])
def test_a_store_never_opens_a_fifo(tmp_path: Path, generation: str) -> None:
    if generation == "v9":
        store: Any = v9.FileSessionStore(tmp_path)
        target = tmp_path / "v1" / "sessions" / v1_file_name("p")
        target.parent.mkdir(parents=True, exist_ok=True)
        value: Any = session9("p")
    else:
        store = v3.FileSessionStore(tmp_path)
        target = tmp_path / "p.json"
        value = session3("p")
    os.mkfifo(target)
    for call in (
        lambda: store.load("p"),
        lambda: store.exists("p"),
        lambda: store.save(value, force=True),
        lambda: store.delete("p"),
    ):
        with pytest.raises(a3s.NotRegularFileError, match="FIFO"):
            call()
    if generation == "v9":
        with pytest.raises(a3s.NotRegularFileError):
            store.load_snapshot("p")
        # list() reads every top-level *.json (legacy files): a FIFO there is refused too.
        os.mkfifo(tmp_path / "legacy.json")
        with pytest.raises(a3s.NotRegularFileError):
            store.list()


# ---------------------------------------------------------------------------------------------
# 2. Sealed stays sealed
# ---------------------------------------------------------------------------------------------
def _sealed_store(tmp_path: Path) -> tuple[Path, bytes]:
    v9.FileSessionStore(tmp_path, encryption_key=K1).save_snapshot(snapshot("s", "first"))
    path = tmp_path / "v1" / "sessions" / v1_file_name("s")
    return path, path.read_bytes()


@pytest.mark.parametrize("key", [None, K2], ids=["no-key", "wrong-key"])
def test_every_write_without_the_right_key_is_refused(tmp_path: Path, key: bytes | None) -> None:
    path, before = _sealed_store(tmp_path)
    store = v9.FileSessionStore(tmp_path, encryption_key=key)
    attempts = [
        lambda: store.save_snapshot_cas(snapshot("s", "second"), None),
        lambda: store.save_snapshot_cas(snapshot("s", "second"), None, force=True),
        lambda: store.save_snapshot(snapshot("s", "second")),
        lambda: store.save_snapshot(snapshot("s", "second"), force=True),
        lambda: store.save(session9("s"), force=True),
        # A new id: plaintext (or another key) must not be mixed into a sealed store either.
        lambda: store.save_snapshot(snapshot("new")),
        lambda: store.save(session9("new2"), force=True),
    ]
    for attempt in attempts:
        with pytest.raises(a3s.SealedStoreError):
            attempt()

    async def async_attempts() -> None:
        for make in (
            lambda: store.save_snapshot_async(snapshot("s", "second"), force=True),
            lambda: store.save_snapshot_cas_async(snapshot("s", "second"), None, force=True),
            lambda: store.save_async(session9("s"), force=True),
        ):
            with pytest.raises(a3s.SealedStoreError):
                await make()

    asyncio.run(async_attempts())
    assert path.read_bytes() == before
    assert not (tmp_path / "v1" / "sessions" / v1_file_name("new")).exists()
    # The right key still reads and writes.
    right = v9.FileSessionStore(tmp_path, encryption_key=bytearray(K1))
    loaded = right.load_snapshot("s")
    assert loaded is not None and loaded.session.config.name == "first"
    assert right.save_snapshot_cas(snapshot("s", "second"), loaded.content_digest())
    right.save_snapshot(snapshot("new"))


def test_keys_are_any_bytes_like(tmp_path: Path) -> None:
    for key in (K1, bytearray(K1), memoryview(K1)):
        store = v9.FileSessionStore(tmp_path, encryption_key=key)
        store.save_snapshot(snapshot("s"))
    with pytest.raises(TypeError, match="bytes-like"):
        v9.FileSessionStore(tmp_path, encryption_key="x" * 32)  # type: ignore[arg-type]


def test_a_plain_store_still_takes_a_key_holder(tmp_path: Path) -> None:
    v9.FileSessionStore(tmp_path).save_snapshot(snapshot("plain"))
    sealed = v9.FileSessionStore(tmp_path, encryption_key=K1)
    sealed.save_snapshot(snapshot("plain"))  # the crate seals it
    assert (tmp_path / "v1" / "sessions" / v1_file_name("plain")).read_bytes()[:4] == b"A3SE"


# ---------------------------------------------------------------------------------------------
# 3./4. The doctor: torn WAL, sequence conflicts, stray temp files, killed saves
# ---------------------------------------------------------------------------------------------
def test_torn_wal_tail_is_reported_and_fixed(tmp_path: Path) -> None:
    store = v9.FileSessionStore(tmp_path)
    for i in range(3):
        store.save_snapshot(snapshot(f"s{i}"))
    wal = tmp_path / "v1" / "wal" / "session-store.ndjson"
    data = wal.read_bytes()
    wal.write_bytes(data[:-40])
    with pytest.raises(ValueError, match="WAL"):
        v9.FileSessionStore(tmp_path)
    with pytest.raises(ValueError, match="WAL"):
        v9.FileSessionStore(tmp_path, recover_corrupt_wal=True)
    report = doctor(tmp_path)
    assert [f.kind for f in report.findings] == ["wal-torn-tail"]
    assert report.findings[0].fixable and not report.ok
    assert wal.read_bytes() == data[:-40]  # looking changes nothing
    fixed = doctor(tmp_path, fix=True)
    assert fixed.ok and fixed.findings[0].fixed is not None
    assert "committed" in fixed.findings[0].fixed or "open" in fixed.findings[0].fixed
    reopened = v9.FileSessionStore(tmp_path)
    assert reopened.list() == ["s0", "s1", "s2"]
    for i in range(3):
        assert reopened.load_snapshot(f"s{i}") == snapshot(f"s{i}")
    (kept,) = wal.parent.glob("session-store.ndjson.torn.*")
    torn = kept.read_bytes()
    kept_lines = data[: -40 - len(torn)]
    assert torn and data[:-40] == kept_lines + torn
    # The crate's recovery then committed the intent whose commit line was torn.
    assert wal.read_bytes().startswith(kept_lines)
    assert b'"phase":"committed"' in wal.read_bytes()[len(kept_lines) :]
    assert doctor(tmp_path).ok


def test_a_wal_rejected_in_the_middle_is_not_cut(tmp_path: Path) -> None:
    store = v9.FileSessionStore(tmp_path)
    for i in range(3):
        store.save_snapshot(snapshot(f"s{i}"))
    wal = tmp_path / "v1" / "wal" / "session-store.ndjson"
    lines = wal.read_bytes().splitlines(keepends=True)
    lines[1] = b'{"broken": true}\n'
    wal.write_bytes(b"".join(lines))
    report = doctor(tmp_path, fix=True)
    assert [f.kind for f in report.findings] == ["wal-rejected"]
    assert not report.ok and wal.read_bytes() == b"".join(lines)


def test_temp_files_of_dead_writers_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    v9.FileSessionStore(tmp_path).save_snapshot(snapshot("s"))
    sessions = tmp_path / "v1" / "sessions"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    stray = sessions / f"{v1_file_name('s')}.123.{dead_pid}.0.tmp"
    stray.write_bytes(b"x" * 1000)
    legacy_stray = tmp_path / f"old.json.456.{dead_pid}.tmp"
    legacy_stray.write_bytes(b"y")
    live = sessions / f"{v1_file_name('s')}.789.{os.getpid()}.1.tmp"
    live.write_bytes(b"z")
    report = doctor(tmp_path)
    kinds = sorted(f.kind for f in report.findings)
    assert kinds == ["live-temp-file", "stray-temp-file", "stray-temp-file"]
    assert stray.exists()
    fixed = doctor(tmp_path, fix=True)
    assert not stray.exists() and not legacy_stray.exists() and live.exists()
    assert not fixed.ok  # the live writer's file is left, and reported
    live.unlink()
    assert doctor(tmp_path).ok


SAVER = textwrap.dedent(
    """
    import sys
    from a3s_session import v3, v9
    gen, root = sys.argv[1], sys.argv[2]
    big = "y" * 3_000_000
    if gen == "v9":
        store = v9.FileSessionStore(root)
        s = v9.SessionData(id="s0")
    else:
        store = v3.FileSessionStore(root)
        s = v3.SessionData(id="s0")
    s.messages.append({"role": "user", "content": [{"type": "text", "text": big}]})
    print("ready", flush=True)
    i = 0
    while True:
        s.id = f"s{i % 3}"
        s.updated_at = i
        store.save(s, force=True)
        i += 1
    """
)


@pytest.mark.parametrize("generation", ["v3", "v9"])
def test_killed_saves_then_doctor_fix_leaves_no_temp_file(tmp_path: Path, generation: str) -> None:
    cycles = int(os.environ.get("A3S_KILL_CYCLES", "25"))
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    root = tmp_path / "store"
    rng = random.Random(7)
    for _ in range(cycles):
        proc = subprocess.Popen(
            [sys.executable, str(script), generation, str(root)], stdout=subprocess.PIPE
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    temps_before = list(root.rglob("*.tmp"))
    report = doctor(root, fix=True)
    assert report.ok, [f.to_dict() for f in report.remaining]
    assert not list(root.rglob("*.tmp"))
    assert len([f for f in report.findings if f.kind == "stray-temp-file"]) == len(temps_before)
    store: Any = v9.FileSessionStore(root) if generation == "v9" else v3.FileSessionStore(root)
    for sid in store.list():
        assert store.load(sid) is not None


def test_opening_a_store_deletes_nothing(tmp_path: Path) -> None:
    v9.FileSessionStore(tmp_path).save_snapshot(snapshot("s"))
    stray = tmp_path / "v1" / "sessions" / f"{v1_file_name('s')}.1.999999999.0.tmp"
    stray.write_bytes(b"x")
    v9.FileSessionStore(tmp_path).list()
    assert stray.exists()


def test_doctor_reports_collisions_mixtures_and_unlisted_files(tmp_path: Path) -> None:
    v9.FileSessionStore(tmp_path).save_snapshot(snapshot("plain"))
    v9.FileSessionStore(tmp_path, encryption_key=K1).save_snapshot(snapshot("sealed"))
    # A 3.0.0 file of id "a/b" (named a_b.json by the crate), and a hidden ".json".
    doc = json.loads(session3("a/b").to_json())
    (tmp_path / legacy_file_name("a/b")).write_text(json.dumps(doc))
    (tmp_path / ".json").write_text(session3("").to_json())
    (tmp_path / "v1" / "sessions" / "notes.json").write_text("{}")
    wrong = tmp_path / "v1" / "sessions" / v1_file_name("x")
    wrong.write_text(snapshot("y").to_json())
    report = doctor(tmp_path, fix=True)
    kinds = sorted(f.kind for f in report.findings)
    assert kinds == [
        "id-collision",
        "id-collision",
        "sealed-plain-mix",
        "unlisted-file",
        "unlisted-file",
    ], [f.to_dict() for f in report.findings]
    collision = next(f for f in report.findings if f.path.name == "a_b.json")
    assert "load('a_b') returns 'a/b'" in collision.message
    assert not report.ok and all(f.fixed is None for f in report.findings)


def test_doctor_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = v9.FileSessionStore(tmp_path)
    store.save_snapshot(snapshot("s"))
    assert main(["doctor", str(tmp_path)]) == 0
    wal = tmp_path / "v1" / "wal" / "session-store.ndjson"
    wal.write_bytes(wal.read_bytes()[:-10])
    capsys.readouterr()
    assert main(["doctor", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "FIXABLE wal-torn-tail" in out and "--fix" in out
    assert all(len(line) <= 80 for line in out.splitlines()), out
    assert main(["doctor", str(tmp_path), "--fix", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["findings"][0]["kind"] == "wal-torn-tail"
    assert report["findings"][0]["fixed"]
    assert main(["doctor", str(tmp_path / "missing")]) == 2


# ---------------------------------------------------------------------------------------------
# 5. Terminal escapes
# ---------------------------------------------------------------------------------------------
EVIL_ID = "x\u001b[2J\u001b]0;PWNED\u0007\nline2"


class _Tty:
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("tty", [False, True])
def test_no_control_character_reaches_the_terminal(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tty: bool,
) -> None:
    # No store of a3s-session writes such an id (see the id tests); a file can still hold one.
    snap = snapshot(EVIL_ID)
    snap.session.config.name = "name\u001b[31m\rover"
    snap.session.messages.append(
        {"role": "user", "content": [{"type": "text", "text": "hi\u001b]8;;http://x\u0007"}]}
    )
    path = tmp_path / "v1" / "sessions" / v1_file_name(EVIL_ID)
    path.parent.mkdir(parents=True)
    path.write_text(snap.to_json(pretty=True))
    (tmp_path / "evil.json").write_text(snap.session.to_json())
    if tty:
        monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    outputs = []
    for argv in (
        ["ls", str(tmp_path)],
        ["inspect", str(path)],
        ["validate", str(path)],
        ["export", str(path)],
        [str(path)],
        ["usage", str(tmp_path), "--by", "session"],
        ["search", "hi", str(tmp_path), "--index", str(tmp_path / "index" / "i.sqlite3")],
        ["diff", str(path), str(tmp_path / "evil.json")],
    ):
        main([*argv, "--color", "never"] if argv[0] in ("ls", "inspect") else argv)
        out, err = capsys.readouterr()
        outputs.append((argv[0], out, err))
    own_colours = re.compile(r"\x1b\[(?:0|1|2|31|32|33)m")  # a3s-session's, on a terminal
    for name, out, err in outputs:
        for text in (own_colours.sub("", out), err):
            assert "\x1b" not in text and "\x07" not in text and "\r" not in text, (name, text)
    # Data is escaped where it is formatted, so even a colour code in it shows as text.
    for name, out, _ in outputs:
        if name in ("inspect", "search"):
            assert "name\\x1b[31m\\rover" in out, (name, out)
        if name in ("usage", "search", "diff"):
            assert "x\\x1b[2J\\x1b]0;PWNED" in out, (name, out)
    ls_out = outputs[0][1]
    # Escaped (and on a terminal cut with … to fit 80 columns).
    assert "x\\x1b[2J\\x1b]0;PWNED\\x07\u23celi" in ls_out
    assert not any(line.startswith("line2") for line in ls_out.splitlines())


# ---------------------------------------------------------------------------------------------
# 6. Ids
# ---------------------------------------------------------------------------------------------
def test_v3_refuses_ids_it_could_not_list_back(tmp_path: Path) -> None:
    store = v3.FileSessionStore(tmp_path)
    store.save(session3("a_b"))
    # 3.0.0 files "a/b" as a_b.json too: that file is a_b's.
    with pytest.raises(a3s.InvalidSessionIdError, match="holds session 'a_b'"):
        store.save(session3("a/b"))
    for bad in ("", "a\x00b", "id\nline2", "cr\rid"):
        with pytest.raises(a3s.InvalidSessionIdError):
            store.save(session3(bad), force=True)
    assert store.list() == ["a_b"]
    loaded = store.load("a_b")
    assert loaded is not None and loaded.id == "a_b"


def test_v3_refuses_a_file_that_belongs_to_another_id(tmp_path: Path) -> None:
    # What a3s-code-core 3.0.0 itself writes for id "a/b".
    (tmp_path / "a_b.json").write_text(session3("a/b").to_json(pretty=True))
    store = v3.FileSessionStore(tmp_path)
    with pytest.raises(a3s.InvalidSessionIdError, match="holds session 'a/b'"):
        store.load("a_b")
    with pytest.raises(a3s.InvalidSessionIdError, match="holds session 'a/b'"):
        store.save(session3("a_b"), force=True)


@pytest.mark.parametrize("bad", ["", "a\x00b", "id\nline2", "cr\rid"])
def test_v9_refuses_ids_with_the_crates_reason(tmp_path: Path, bad: str) -> None:
    store = v9.FileSessionStore(tmp_path)
    for call in (
        lambda: store.save(session9(bad), force=True),
        lambda: store.save_snapshot(snapshot(bad), force=True),
        lambda: store.save_snapshot_cas(snapshot(bad), None, force=True),
    ):
        with pytest.raises(a3s.InvalidSessionIdError, match="sessionId is invalid"):
            call()
    assert store.list() == []


# ---------------------------------------------------------------------------------------------
# 8. Modes, deepcopy, pickle
# ---------------------------------------------------------------------------------------------
def test_v3_store_files_are_private(tmp_path: Path) -> None:
    store = v3.FileSessionStore(tmp_path)
    store.save(session3("a"))
    asyncio.run(_save_async(store, session3("b")))
    for name in ("a.json", "b.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    with store.edit("a") as s:
        s.config.name = "edited"
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o600


async def _save_async(store: v3.FileSessionStore, s: v3.SessionData) -> None:
    await store.save_async(s)


def test_deepcopy_keeps_the_key_in_process_and_pickle_never_carries_it() -> None:
    s: Any = v9.SessionData(id="k")
    s.llm_config = {"provider": "openai", "model": "m", "api_key": "sk-secret"}
    assert copy.deepcopy(s).llm_config.api_key == "sk-secret"  # documented: an in-process copy
    assert b"sk-secret" not in pickle.dumps(s)
    assert pickle.loads(pickle.dumps(s)).llm_config.api_key is None
