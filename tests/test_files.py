"""Session files of both layouts (legacy bare SessionData, v1 snapshot envelope), unknown-field
detection, and SessionDirectory (reads both layouts, writes through the crate's store)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

import a3s_session as a3s
from a3s_session import files, v3
from a3s_session.files import (
    SessionDirectory,
    UnknownFieldsError,
    WriteRefusedError,
    find_unknown_fields,
    first_difference,
    parse_session_document,
    read_session_file,
    safe_session_id,
    v1_file_name,
    v1_id_from_file_name,
)

SAMPLE = Path(a3s.__file__).parent / "data" / "sample_session.json"


def load_session(path: str | Path, generation: files.Generation | None = None) -> Any:
    """The session as the document's own generation reads it (these tests are about files
    of both layouts; ``a3s_session.load_session`` itself reads with 9.1.3 by default)."""
    return a3s.load_session(path, generation=generation)


ENVELOPE_LISTS = (
    "artifacts",
    "retained_artifact_uris",
    "trace_events",
    "run_records",
    "verification_reports",
    "subagent_tasks",
)


def sample_dict(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc.update(changes)
    return doc


def envelope(session: Any, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"schema_version": 1, "session": session}
    doc.update({k: [] for k in ENVELOPE_LISTS})
    doc.update(extra)
    return doc


def write_v1(store: Path, session: dict[str, Any], **extra: Any) -> Path:
    """A v1 snapshot file as newer A3S Code lays it out."""
    folder = store / "v1" / "sessions"
    folder.mkdir(parents=True, exist_ok=True)
    name = "id_" + base64.urlsafe_b64encode(session["id"].encode()).decode().rstrip("=") + ".json"
    path = folder / name
    path.write_text(
        json.dumps(envelope(session, **extra), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return path


# ---------------------------------------------------------------------------------------------
# Layout detection
# ---------------------------------------------------------------------------------------------
def test_legacy_sample() -> None:
    f = read_session_file(SAMPLE)
    assert f.layout == "legacy"
    assert f.path == SAMPLE
    assert f.unknown_fields == [] and f.lossless
    assert f.extras == {}
    assert f.session_text == SAMPLE.read_text(encoding="utf-8")
    assert f.session == v3.SessionData.from_json(SAMPLE.read_bytes())
    assert load_session(str(SAMPLE)) == f.session


def test_v1_envelope(tmp_path: Path) -> None:
    path = write_v1(tmp_path, sample_dict(), trace_events=[{"kind": "x"}])
    f = read_session_file(path, generation="v3")
    assert f.layout == "v1"
    assert f.session == load_session(SAMPLE)
    assert f.unknown_fields == []
    assert set(f.extras) == set(ENVELOPE_LISTS)
    assert f.extras["trace_events"] == [{"kind": "x"}]
    assert json.loads(f.session_text) == sample_dict()


def test_v1_compact_and_member_order(tmp_path: Path) -> None:
    doc = {"subagent_tasks": [], "session": sample_dict(), "schema_version": 1}
    f = parse_session_document(json.dumps(doc, separators=(",", ":")), generation="v3")
    assert f.layout == "v1" and f.session.id == "sess-7f3c2a9e"


def test_legacy_document_with_only_session_data_keys_is_legacy() -> None:
    # A bare SessionData has neither `schema_version` nor `session` keys.
    f = parse_session_document(SAMPLE.read_bytes(), generation="v3")
    assert f.layout == "legacy"


@pytest.mark.parametrize("version", ["2", "0", '"1"', "true", "1.0", "null", "-1"])
def test_other_schema_versions_are_rejected(version: str) -> None:
    text = '{\n  "schema_version": ' + version + ',\n  "session": {}\n}'
    with pytest.raises(a3s.SessionFormatError) as info:
        parse_session_document(text, generation="v3")
    err = info.value
    assert "schema_version" in str(err) and "only version 1 is supported" in err.msg
    assert err.path == "schema_version"
    assert (err.line, err.column) == (2, 21)
    assert isinstance(err, ValueError)


def test_schema_version_2_message() -> None:
    with pytest.raises(a3s.SessionFormatError, match=r"unsupported snapshot schema_version 2"):
        parse_session_document(
            json.dumps(envelope(sample_dict()) | {"schema_version": 2}), generation="v3"
        )


def test_envelope_without_schema_version_or_session() -> None:
    with pytest.raises(a3s.SessionFormatError, match="no `schema_version`"):
        parse_session_document(json.dumps({"session": sample_dict()}), generation="v3")
    with pytest.raises(a3s.SessionFormatError, match="no `session`") as info:
        parse_session_document('{"schema_version": 1, "artifacts": []}', generation="v3")
    assert info.value.path == "session"


def test_envelope_duplicate_member() -> None:
    with pytest.raises(a3s.SessionFormatError, match="duplicate field `schema_version`"):
        parse_session_document(
            '{"schema_version": 1, "schema_version": 1, "session": {}}', generation="v3"
        )


def test_session_errors_are_positioned_in_the_whole_file(tmp_path: Path) -> None:
    session = sample_dict()
    session["config"]["max_context_length"] = -5
    path = write_v1(tmp_path, session)
    with pytest.raises(a3s.SessionFormatError) as info:
        read_session_file(path, generation="v3")
    err = info.value
    assert err.path == "session.config.max_context_length"
    assert "expected u32" in err.msg
    assert err.line is not None and err.column is not None
    line = path.read_text(encoding="utf-8").splitlines()[err.line - 1]
    assert line.encode()[: err.column].endswith(b'"max_context_length": -5')
    assert f"at line {err.line} column {err.column}" in str(err)


def test_session_error_on_the_first_line_shifts_the_column() -> None:
    text = '{"schema_version": 1, "session": {"id": 7}}'
    with pytest.raises(a3s.SessionFormatError) as info:
        parse_session_document(text, generation="v3")
    err = info.value
    assert err.path == "session.id"
    assert (err.line, err.column) == (1, text.index("7") + 1)


def test_session_member_not_an_object() -> None:
    with pytest.raises(a3s.SessionFormatError, match="expected struct SessionData") as info:
        parse_session_document('{"schema_version": 1, "session": 5}', generation="v3")
    assert info.value.path.startswith("session")


def test_column_counts_utf8_bytes_like_serde() -> None:
    text = '{"schema_version": 1, "é": 0, "session": {"id": 7}}'
    with pytest.raises(a3s.SessionFormatError) as info:
        parse_session_document(text, generation="v3")
    assert info.value.column == len(text[: text.index("7") + 1].encode())


@pytest.mark.parametrize("data", [b"A3SE", b"A3SE\x01\x00\x9f\xff binary", bytearray(b"A3SE..")])
def test_sealed_snapshot_is_rejected(data: bytes) -> None:
    with pytest.raises(a3s.SessionFormatError, match="encrypted snapshot"):
        parse_session_document(data, generation="v3")


def test_sealed_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "v1" / "sessions" / v1_file_name("s1")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"A3SE" + bytes(range(256)))
    with pytest.raises(a3s.SessionFormatError, match="encrypted snapshot"):
        load_session(path, generation="v3")
    entries = SessionDirectory(tmp_path).scan()
    assert len(entries) == 1 and entries[0].file is None
    assert "encrypted" in str(entries[0].error)


@pytest.mark.parametrize(
    "data", [b"", b"   ", b"[]", b'"x"', b"{", b'{"id": "x"', b"\xff\xfe{}", b"null"]
)
def test_not_a_session_is_the_crates_error(data: bytes) -> None:
    with pytest.raises(a3s.SessionFormatError) as info:
        parse_session_document(data, generation="v3")
    with pytest.raises(a3s.SessionFormatError) as crate:
        v3.SessionData.from_json(data)
    assert str(info.value) == str(crate.value)


def test_crate_errors_for_legacy_files_keep_position(tmp_path: Path) -> None:
    doc = sample_dict()
    doc["messages"][1]["content"][0]["type"] = "thinking"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    with pytest.raises(a3s.SessionFormatError) as info:
        read_session_file(path, generation="v3")
    assert info.value.line is not None and info.value.path.startswith("messages[1].content[0]")


def test_read_errors_are_oserrors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_session_file(tmp_path / "missing.json", generation="v3")
    with pytest.raises(IsADirectoryError):
        read_session_file(tmp_path, generation="v3")


# ---------------------------------------------------------------------------------------------
# Unknown fields
# ---------------------------------------------------------------------------------------------
def newer_session() -> dict[str, Any]:
    doc = sample_dict(tenant_id="acme", correlation_id="c-1")
    doc["config"]["max_parallel_tasks"] = 4
    doc["config"]["tool_result_transform_policy"] = {"mode": "x"}
    doc["messages"][1]["content"][0]["cache_control"] = {"type": "ephemeral"}
    doc["tasks"][2]["owner"] = "agent-2"
    return doc


NEWER_FIELDS = [
    "config.max_parallel_tasks",
    "config.tool_result_transform_policy",
    "messages[1].content[0].cache_control",
    "tasks[2].owner",
    "tenant_id",
    "correlation_id",
]


def test_unknown_fields_in_v1(tmp_path: Path) -> None:
    f = read_session_file(write_v1(tmp_path, newer_session()), generation="v3")
    assert sorted(f.unknown_fields) == sorted(NEWER_FIELDS)
    assert not f.lossless


def test_unknown_fields_in_legacy() -> None:
    # Its `tool_result_transform_policy` has a field 9.1.3 refuses: by default 9.1.3 judges
    # the document (it has 9.x fields) and that is the error; 3.0.0 reads it when asked.
    with pytest.raises(a3s.SessionFormatError) as err:
        parse_session_document(json.dumps(newer_session()))
    assert err.value.path == "config.tool_result_transform_policy.mode"
    f = parse_session_document(json.dumps(newer_session()), generation="v3")
    assert f.layout == "legacy"
    assert sorted(f.unknown_fields) == sorted(NEWER_FIELDS)


def test_keys_serde_consumes_are_not_unknown() -> None:
    doc = sample_dict()
    doc["todos"] = doc.pop("tasks")  # old key, written back as `tasks`
    doc["todos"][0]["dependencies"] = []  # omitted when empty
    doc["llm_config"] = {
        "provider": "anthropic",
        "model": "m",
        "api_key": "sk-secret",
        "base_url": None,
    }
    doc["parent_id"] = None  # an absent Option
    doc["tenant_id"] = None  # newer Option field, absent: nothing to lose
    f = parse_session_document(json.dumps(doc))
    assert f.unknown_fields == []
    assert len(f.session.tasks) == 3


def test_unknown_fields_inside_an_alias_are_found() -> None:
    doc = sample_dict()
    doc["todos"] = doc.pop("tasks")
    doc["todos"][1]["estimate"] = 3
    assert parse_session_document(json.dumps(doc)).unknown_fields == ["todos[1].estimate"]


def test_find_unknown_fields_direct() -> None:
    src = {"a": 1, "b": {"c": 2, "d": [{"e": 1, "f": 2}]}, "g": None}
    out = {"a": 1, "b": {"c": 2, "d": [{"e": 1}]}}
    assert find_unknown_fields(src, out) == ["b.d[0].f"]
    assert find_unknown_fields([1, 2], "x") == []


def test_tool_input_keys_are_all_kept() -> None:
    doc = sample_dict()
    doc["messages"][1]["content"][1]["input"] = {"z": 1, "a": {"nested": [None, {"k": None}]}}
    assert parse_session_document(json.dumps(doc)).unknown_fields == []


def test_first_difference() -> None:
    doc = sample_dict()
    written = v3.SessionData.from_dict(doc).to_dict()
    assert first_difference(doc, written) is None
    assert first_difference({"x": 5}, {"x": 5.0}) is None
    assert first_difference({"x": True}, {"x": 1}) == "x"
    assert first_difference({"x": [1, 2]}, {"x": [1]}) == "x"
    assert first_difference({"x": {"y": "a"}}, {"x": {"y": "b"}}) == "x.y"
    assert first_difference({"x": 1}, {}) == "x"
    assert first_difference({}, {"added_default": 1}) is None
    lanes = {"config": {"confirmation_policy": {"yolo_lanes": ["Query", "Execute"]}}}
    swapped = {"config": {"confirmation_policy": {"yolo_lanes": ["Execute", "Query"]}}}
    assert first_difference(lanes, swapped) is None
    assert first_difference({"l": ["Query", "Execute"]}, {"l": ["Execute", "Query"]}) == "l[0]"


# ---------------------------------------------------------------------------------------------
# File names
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sid", ["s", "sess-7f3c2a9e", "a/b\\c..d", "日本語 id", "ab", "abc", "a?b"]
)
def test_v1_file_names_round_trip(sid: str) -> None:
    name = v1_file_name(sid)
    assert name.startswith("id_") and name.endswith(".json") and "=" not in name
    assert "/" not in name and "+" not in name
    assert v1_id_from_file_name(name) == sid


@pytest.mark.parametrize(
    "name",
    [
        "id_QQ==.json",
        "id_QR.json",
        "id_Q.json",
        "id_QQ.json.tmp",
        "QQ.json",
        "id_Q Q.json",
        "id_" + base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("=") + ".json",
        "id_a+b/.json",
    ],
)
def test_not_v1_file_names(name: str) -> None:
    assert v1_id_from_file_name(name) is None


def test_safe_session_id_matches_the_crates_store(tmp_path: Path) -> None:
    for n, sid in enumerate(["a/b", "a\\b", "x..y", "..", "./.", "plain"]):
        # One store each: "a/b" and "a\\b" share a file name, so one store refuses the second.
        store = v3.FileSessionStore(tmp_path / str(n))
        s = load_session(SAMPLE)
        s.id = sid
        store.save(s)
        assert (tmp_path / str(n) / f"{safe_session_id(sid)}.json").is_file(), sid
        assert files.legacy_file_name(sid) == f"{safe_session_id(sid)}.json"


# ---------------------------------------------------------------------------------------------
# SessionDirectory
# ---------------------------------------------------------------------------------------------
def make_store(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    v3.FileSessionStore(store).save(load_session(SAMPLE))
    write_v1(store, sample_dict(id="newer/one", updated_at=1764053999))
    (store / "sess-7f3c2a9e.json.1764053999000000000.42.tmp").write_text("{", encoding="utf-8")
    (store / "notes.txt").write_text("not a session", encoding="utf-8")
    (store / "v1" / "sessions" / "id_bmV3.json.9.9.tmp").write_text("{", encoding="utf-8")
    (store / "v1" / "sessions" / "README").write_text("x", encoding="utf-8")
    (store / "v1" / "wal").mkdir()
    (store / "v1" / "wal" / "000001.log").write_bytes(b"\x00")
    (store / "traces").mkdir()
    (store / "traces" / "sess-7f3c2a9e.json").write_text("[]", encoding="utf-8")
    return store


def test_directory_lists_both_layouts(tmp_path: Path) -> None:
    d = SessionDirectory(make_store(tmp_path))
    entries = d.scan()
    assert [(e.layout, e.id, e.error) for e in entries] == [
        ("legacy", "sess-7f3c2a9e", None),
        ("v1", "newer/one", None),
    ]
    assert all(e.file is not None for e in entries)
    assert d.ids() == ["newer/one", "sess-7f3c2a9e"]
    assert repr(d).startswith("SessionDirectory(")


def test_directory_load_and_exists(tmp_path: Path) -> None:
    d = SessionDirectory(make_store(tmp_path))
    newer = d.load("newer/one")
    assert newer is not None and newer.updated_at == 1764053999
    read = d.read("newer/one")
    assert read is not None and read.layout == "v1"
    legacy = d.load("sess-7f3c2a9e")
    assert legacy == load_session(SAMPLE)
    assert d.load("nope") is None and d.read("nope") is None
    assert d.exists("newer/one") and d.exists("sess-7f3c2a9e") and not d.exists("nope")


def test_directory_prefers_v1_when_both_exist(tmp_path: Path) -> None:
    store = tmp_path / "s"
    v3.FileSessionStore(store).save(load_session(SAMPLE))
    write_v1(store, sample_dict(updated_at=1))
    d = SessionDirectory(store)
    read = d.read("sess-7f3c2a9e")
    assert read is not None and read.layout == "v1" and read.session.updated_at == 1
    assert [e.layout for e in d.scan()] == ["legacy", "v1"]
    assert d.ids() == ["sess-7f3c2a9e"]


def test_directory_reports_broken_files(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    (store / "broken.json").write_text('{"id": "b", ', encoding="utf-8")
    bad_name = store / "v1" / "sessions" / "id_Q.json"
    bad_name.write_text("{}", encoding="utf-8")
    wrong = write_v1(store, sample_dict(id="inside"))
    wrong.rename(wrong.with_name(v1_file_name("outside")))
    entries = {e.path.name: e for e in SessionDirectory(store).scan()}
    assert isinstance(entries["broken.json"].error, a3s.SessionFormatError)
    assert "not a v1 session file name" in str(entries["id_Q.json"].error)
    mismatch = entries[v1_file_name("outside")]
    assert mismatch.file is None and "holds session 'inside'" in str(mismatch.error)
    assert entries["sess-7f3c2a9e.json"].file is not None


def test_directory_missing_or_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        SessionDirectory(tmp_path / "missing").scan()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(NotADirectoryError):
        SessionDirectory(tmp_path / "file").ids()


def test_save_writes_through_the_crates_store(tmp_path: Path) -> None:
    d = SessionDirectory(tmp_path / "new")
    s = load_session(SAMPLE)
    s.id = "a/b"
    written = d.save(s)
    assert written == tmp_path / "new" / "a_b.json"
    assert written.read_text(encoding="utf-8") == s.to_json(pretty=True)
    assert v3.FileSessionStore(tmp_path / "new").load("a/b") == s
    assert d.load("a/b") == s
    assert not list((tmp_path / "new").glob("*.tmp"))


def test_save_refuses_a_session_loaded_with_unknown_fields(tmp_path: Path) -> None:
    store = tmp_path / "s"
    store.mkdir()
    (store / "sess-7f3c2a9e.json").write_text(
        json.dumps(newer_session(), indent=2), encoding="utf-8"
    )
    d = SessionDirectory(store, generation="v3")
    s = d.load("sess-7f3c2a9e")
    assert s is not None
    s.state = "Paused"
    with pytest.raises(UnknownFieldsError) as info:
        d.save(s)
    err = info.value
    assert isinstance(err, WriteRefusedError) and isinstance(err, ValueError)
    assert not isinstance(err, a3s.SessionFormatError)
    assert err.session_id == "sess-7f3c2a9e"
    assert sorted(err.fields) == sorted(NEWER_FIELDS)
    assert err.source == store / "sess-7f3c2a9e.json"
    assert "tenant_id" in str(err) and "force=True" in str(err)
    # Nothing was written.
    assert json.loads((store / "sess-7f3c2a9e.json").read_text(encoding="utf-8"))["tenant_id"]
    # A fresh directory object checks the stored copy too.
    with pytest.raises(UnknownFieldsError):
        SessionDirectory(store, generation="v3").save(s)
    # force drops them, with the crate's store.
    d.save(s, force=True)
    assert (store / "sess-7f3c2a9e.json").read_text(encoding="utf-8") == s.to_json(pretty=True)
    assert SessionDirectory(store).read("sess-7f3c2a9e").unknown_fields == []  # type: ignore[union-attr]
    d.save(s)  # clean now


def test_save_refuses_over_a_v1_snapshot(tmp_path: Path) -> None:
    store = tmp_path / "s"
    v1 = write_v1(store, newer_session())
    d = SessionDirectory(store)
    s = load_session(SAMPLE)
    with pytest.raises(UnknownFieldsError) as info:
        d.save(s)
    assert info.value.source == v1
    v1.write_text(json.dumps(envelope(sample_dict())), encoding="utf-8")  # no unknown fields
    with pytest.raises(WriteRefusedError, match="v1 snapshot") as refused:
        d.save(s)
    assert not isinstance(refused.value, UnknownFieldsError)
    assert not (store / "sess-7f3c2a9e.json").exists()
    d.save(s, force=True)
    assert (store / "sess-7f3c2a9e.json").is_file()
    read = d.read("sess-7f3c2a9e")
    assert read is not None and read.layout == "v1"  # the newer copy still wins on read


def test_save_refuses_to_replace_an_envelope_in_the_legacy_place(tmp_path: Path) -> None:
    store = tmp_path / "s"
    store.mkdir()
    (store / "sess-7f3c2a9e.json").write_text(json.dumps(envelope(sample_dict())), encoding="utf-8")
    with pytest.raises(WriteRefusedError):
        SessionDirectory(store).save(load_session(SAMPLE))


def test_save_over_a_corrupt_file_is_allowed(tmp_path: Path) -> None:
    store = tmp_path / "s"
    store.mkdir()
    (store / "sess-7f3c2a9e.json").write_text("{", encoding="utf-8")
    SessionDirectory(store).save(load_session(SAMPLE))
    assert load_session(store / "sess-7f3c2a9e.json") == load_session(SAMPLE)
