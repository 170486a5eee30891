"""The 9.1 generation (a3s-code-core 9.1.3) against its own oracle, a binary that links only
that crate (``src/v9/oracle``), and beside the 3.0.0 generation in the same process."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest

import a3s_session as a3s
from a3s_session import v3, v9
from a3s_session.files import read_session_file, v1_file_name
from conftest import CORPUS_DIR, REPO_ROOT, OracleV9

KEY = bytes(range(32))


CLASSES: dict[str, Any] = {
    "SessionData": v9.SessionData,
    "SessionConfig": v9.SessionConfig,
    "ContextUsage": v9.ContextUsage,
    "LlmConfigData": v9.LlmConfigData,
    "Message": v9.Message,
    "ImageSource": v9.ImageSource,
    "TokenUsage": v9.TokenUsage,
    "Task": v9.Task,
    "LlmCostRecord": v9.LlmCostRecord,
}
CORPUS = sorted(p for p in CORPUS_DIR.glob("*/*.json") if p.parent.name in CLASSES)


def _sorted_sets(doc: Any) -> Any:
    """Sets (yolo_lanes) and the maps serde writes in hash order, comparable as values."""
    text = json.dumps(doc, sort_keys=True)
    value = json.loads(text)
    policy = (
        (value.get("config") or value).get("confirmation_policy")
        if isinstance(value, dict)
        else None
    )
    if isinstance(policy, dict) and isinstance(policy.get("yolo_lanes"), list):
        policy["yolo_lanes"].sort()
    return value


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_corpus_matches_the_9_1_3_crate(oracle9: OracleV9, path: Path) -> None:
    kind = path.parent.name
    text = path.read_text(encoding="utf-8")
    want = oracle9.roundtrip(kind, text)
    assert "error" not in want, want
    got = CLASSES[kind].from_json(text)
    for mine, theirs in (
        (got.to_json(), want["compact"]),
        (got.to_json(pretty=True), want["pretty"]),
    ):
        if mine != theirs:  # only hash-ordered maps/sets may differ in order
            assert len(mine) == len(theirs)
            assert _sorted_sets(json.loads(mine)) == _sorted_sets(json.loads(theirs))
    assert got.to_dict() == json.loads(got.to_json())
    assert pickle.loads(pickle.dumps(got)) == got


def _session_doc(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((CORPUS_DIR / "SessionData" / "minimal.json").read_text())
    doc.update(extra)
    return doc


def test_generations_are_built_apart(oracle9: OracleV9, oracle: Any) -> None:
    """One document whose floats the two crates parse differently: each generation gives
    exactly its own crate's bytes (one binary linking both would change the 3.0.0 side)."""
    doc = _session_doc()
    doc.pop("total_cost", None)
    raw = json.dumps(doc)[:-1] + ', "total_cost": 123456789012345.67}'
    mine3, mine9 = v3.SessionData.from_json(raw).to_json(), v9.SessionData.from_json(raw).to_json()
    assert mine3 == oracle.roundtrip("SessionData", raw)["compact"]
    assert mine9 == oracle9.roundtrip("SessionData", raw)["compact"]
    assert '"total_cost":123456789012345.69' in mine3
    assert '"total_cost":123456789012345.67' in mine9


def test_9x_fields_round_trip_and_validate(oracle9: OracleV9) -> None:
    doc = _session_doc(tenant_id="acme", principal="u1", correlation_id="c")
    doc["config"]["max_parallel_tasks"] = 3
    doc["config"]["enforce_active_skill_tool_restrictions"] = True
    doc["messages"] = [
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "t", "content": "x", "is_error": None,
                 "trust": "external", "redaction_reviewed": True},
            ],
            "transcript_text": "hi",
            "transcript_visibility": "wire",
        }
    ]  # fmt: skip
    text = json.dumps(doc)
    s = v9.SessionData.from_json(text)
    assert s.to_json() == oracle9.roundtrip("SessionData", text)["compact"]
    assert s.tenant_id == "acme" and s.config.max_parallel_tasks == 3
    m = s.messages[0]
    assert m.transcript_visibility == v9.TranscriptVisibility.WIRE
    block = m.content[0]
    assert isinstance(block, v9.ToolResultBlock)
    assert block.trust == v9.ToolResultTrust.EXTERNAL
    block.trust = "workspace_data"  # the default: the crate omits it
    m.transcript_visibility = "product"
    out = json.loads(s.to_json())
    assert "trust" not in out["messages"][0]["content"][0]
    assert "transcript_visibility" not in out["messages"][0]
    assert s.to_json() == oracle9.roundtrip("SessionData", s.to_json())["compact"]
    with pytest.raises(a3s.SessionFormatError) as err:
        v9.SessionData.from_json(text.replace('"wire"', '"nowhere"'))
    assert err.value.path == "messages[0].transcript_visibility"
    assert err.value.line == 1 and err.value.column is not None


def test_reject_what_the_crate_rejects(oracle9: OracleV9) -> None:
    for bad in ['{"id": 1}', "[]", '{"schema_version": 1}', "{"]:
        assert "error" in oracle9.roundtrip("SessionData", bad)
        with pytest.raises(a3s.SessionFormatError):
            v9.SessionData.from_json(bad)


def test_api_key_is_never_written() -> None:
    c = v9.LlmConfigData.from_json(
        '{"provider": "p", "model": "m", "api_key": "sk-1", "base_url": null}'
    )
    assert c.api_key == "sk-1"
    assert "sk-1" not in c.to_json() and "sk-1" not in repr(c) and b"sk-1" not in pickle.dumps(c)


def _snapshot(session_id: str = "s-1") -> Any:
    s = v9.SessionData.from_json(json.dumps(_session_doc(id=session_id, tenant_id="t")))
    return v9.SessionSnapshotV1.session_only(s)


def test_store_files_are_the_crates_both_ways(oracle9: OracleV9, tmp_path: Path) -> None:
    snap = _snapshot()
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    v9.FileSessionStore(mine).save_snapshot(snap)
    assert oracle9.store("SAVE_SNAPSHOT", theirs, snap.to_json()) == {"ok": True}
    name = Path("v1") / "sessions" / v1_file_name("s-1")
    assert (mine / name).read_bytes() == (theirs / name).read_bytes()
    # The crate loads what Python wrote; Python loads what the crate wrote.
    assert oracle9.store("LOAD_SNAPSHOT", mine, "s-1")["compact"] == snap.to_json()
    loaded = v9.FileSessionStore(theirs).load_snapshot("s-1")
    assert loaded is not None
    assert loaded == snap and loaded.to_json() == snap.to_json()
    assert v9.FileSessionStore(theirs).list() == ["s-1"]
    # Read as a file: v9 is picked, and writing it back gives the file's exact bytes.
    f = read_session_file(theirs / name)
    assert f.generation == "v9" and f.layout == "v1" and f.unknown_fields == []
    assert f.snapshot.to_json(pretty=True) == (theirs / name).read_text()


def test_compare_and_swap(tmp_path: Path) -> None:
    store = v9.FileSessionStore(tmp_path)
    snap = _snapshot()
    assert store.save_snapshot_cas(snap, None)

    def stored() -> v9.SessionSnapshotV1:
        loaded = store.load_snapshot("s-1")
        assert loaded is not None
        return loaded

    digest = stored().content_digest()
    snap.session.principal = "someone"
    assert not store.save_snapshot_cas(snap, "sha256:" + "0" * 64)
    assert stored().session.principal is None
    assert store.save_snapshot_cas(snap, digest)
    assert stored().session.principal == "someone"


def test_encrypted_store(oracle9: OracleV9, tmp_path: Path) -> None:
    store = v9.FileSessionStore(tmp_path, encryption_key=KEY)
    assert store.encrypted
    store.save_snapshot(_snapshot())
    raw = (tmp_path / "v1" / "sessions" / v1_file_name("s-1")).read_bytes()
    assert raw.startswith(b"A3SE") and b"s-1" not in raw
    assert store.load_snapshot("s-1") == _snapshot()
    assert oracle9.store("LOAD_SNAPSHOT", tmp_path, "s-1", KEY)["compact"] == _snapshot().to_json()
    with pytest.raises(ValueError, match="without an at-rest encryption key"):
        v9.FileSessionStore(tmp_path).load_snapshot("s-1")
    with pytest.raises(ValueError, match="32 bytes"):
        v9.FileSessionStore(tmp_path, encryption_key=b"short")
    with pytest.raises(a3s.SessionFormatError, match="encrypted"):
        read_session_file(tmp_path / "v1" / "sessions" / v1_file_name("s-1"))


def test_legacy_3_0_0_files_read_by_9_1_3(oracle9: OracleV9, tmp_path: Path) -> None:
    """The 9.1.3 store reads a 3.0.0 store's files (its legacy reader)."""
    sample = (REPO_ROOT / "python" / "a3s_session" / "data" / "sample_session.json").read_text()
    v3.FileSessionStore(tmp_path).save(v3.SessionData.from_json(sample))
    sid = v3.SessionData.from_json(sample).id
    loaded = v9.FileSessionStore(tmp_path).load(sid)
    assert loaded is not None
    assert loaded.to_json() == oracle9.roundtrip("SessionData", sample)["compact"]
    assert oracle9.store("LOAD", tmp_path, sid)["compact"] == loaded.to_json()


def test_generation_is_picked_from_the_document(tmp_path: Path) -> None:
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(_session_doc()))
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(_session_doc(tenant_id="t")))
    assert read_session_file(plain).generation == "v3"
    assert isinstance(a3s.load_session(plain), a3s.SessionData)
    f = read_session_file(newer)
    assert f.generation == "v9" and f.unknown_fields == []
    assert isinstance(f.session, v9.SessionData)
    assert read_session_file(newer, generation="v3").unknown_fields == ["tenant_id"]
    assert read_session_file(plain, generation="v9").generation == "v9"
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps(_session_doc(tenant_id="t", no_such_field=1)))
    assert read_session_file(unknown).unknown_fields == ["no_such_field"]


def test_module_api() -> None:
    assert a3s.CRATE_VERSIONS == {"v3": "3.0.0", "v9": "9.1.3"}
    assert a3s.SessionData is v9.SessionData and v9.SessionData is not v3.SessionData
    assert v9.SessionFormatError is a3s.SessionFormatError
    assert repr(v9.SessionData(id="x").messages) == "[]"
    assert "messages=[0 items]" in repr(v9.SessionData(id="x"))
    assert pickle.loads(pickle.dumps(_snapshot())) == _snapshot()


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_migrate_copies_a_3_0_0_store_through_the_9_1_3_crate(
    oracle9: OracleV9, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from a3s_session.cli import main

    src, dst = tmp_path / "src", tmp_path / "dst"
    sample = (REPO_ROOT / "python" / "a3s_session" / "data" / "sample_session.json").read_text()
    old = v3.SessionData.from_json(sample)
    v3.FileSessionStore(src).save(old)
    second = v3.SessionData.from_json(sample)
    second.id = "../second/one"
    v3.FileSessionStore(src).save(second)
    (src / "traces").mkdir()
    (src / "traces" / f"{old.id}.json").write_text("[]")
    before = _tree(src)
    mode = src.stat().st_mode
    assert main(["migrate", str(src), str(dst), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(report["migrated"]) == sorted([old.id, second.id])
    assert report["skipped"] == {} and report["lost"] == {}
    assert _tree(src) == before and src.stat().st_mode == mode  # SRC untouched
    # What the 9.1.3 crate itself reads back: a snapshot per session, the session as it
    # reads the legacy file.
    for s in (old, second):
        got = oracle9.store("LOAD_SNAPSHOT", dst, s.id)
        assert json.loads(got["compact"])["session"] == json.loads(
            oracle9.roundtrip("SessionData", s.to_json())["compact"]
        )
    assert main(["migrate", str(src), str(src / "inner")]) == 2
    assert "overlap" in capsys.readouterr().err


def test_the_v9_package_imports_before_a3s_session() -> None:
    """``import a3s_session_v9`` first: its package imports a3s_session (whose exception class
    the extension shares) before the extension, so neither sees the other half-initialized."""
    import subprocess
    import sys

    code = (
        "import a3s_session_v9, a3s_session; "
        "assert a3s_session_v9.SessionData is a3s_session.v9.SessionData; "
        "assert a3s_session_v9.SessionFormatError is a3s_session.SessionFormatError; "
        "print(a3s_session_v9.CRATE_VERSION)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "9.1.3"
