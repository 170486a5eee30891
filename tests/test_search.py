"""Full-text search: what is indexed (text, reasoning, tool inputs, tool results; both
generations), filters, ranking, the incremental update, interruption, and the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from a3s_session import fulltext, scan, v3, v9
from a3s_session.cli import main
from a3s_session.files import v1_file_name
from a3s_session.files.walk import session_files
from a3s_session.fulltext import SearchIndex, search
from session_factory import DAY, MONDAY, call, result, session_dict, text, write


def _store(root: Path) -> dict[str, Path]:
    files = {}
    files["parser"] = write(
        root / "laptop",
        session_dict(
            "sess-parser",
            [
                text("user", "The tokenizer chokes on exponent literals like 1e400"),
                call("t1", "grep", {"pattern": "fn parse_number", "path": "src/"}, "Looking."),
                result("t1", "src/number.rs:42: fn parse_number(input: &str)"),
                text(
                    "assistant",
                    "Fixed the overflow.",
                    reasoning="Perhaps saturate to infinity like serde_json does",
                ),
            ],
            name="fix the parser",
            updated=MONDAY + 3 * DAY,
        ),
        v3,
    )
    files["deploy"] = write(
        root / "laptop",
        session_dict(
            "sess-deploy",
            [
                text("user", "deploy the staging cluster"),
                call("t9", "bash", {"command": "kubectl rollout restart deploy/api"}),
                result("t9", "error: the server doesn't have a resource type rollout", True),
                text("assistant", "The kubectl on this machine is too old."),
            ],
            name="deploy staging",
            workspace="/work/ops",
            updated=MONDAY + 10 * DAY,
        ),
        v9,
    )
    return files


@pytest.fixture
def store(tmp_path: Path) -> Path:
    _store(tmp_path / "store")
    return tmp_path / "store"


@pytest.fixture
def index(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "search.sqlite3"


def test_walk_finds_what_the_scan_reads(store: Path) -> None:
    (store / "laptop" / ".hidden.json").write_text("{}")
    (store / "laptop" / "notes.txt").write_text("x")
    walked = [p for p, _ in session_files(store)]
    scanned = scan(store).sessions.collect().column("path")
    assert walked == scanned and len(walked) == 2


@pytest.mark.parametrize(
    ("query", "field", "session"),
    [
        ("exponent", "text", "sess-parser"),
        ("saturate infinity", "reasoning", "sess-parser"),
        ("grep pattern", "tool_input", "sess-parser"),
        ("resource type rollout", "tool_result", "sess-deploy"),
        ("restart", "tool_input", "sess-deploy"),
    ],
)
def test_every_kind_of_text_is_found(
    store: Path, index: Path, query: str, field: str, session: str
) -> None:
    hits = search(query, [store], index=index)
    assert hits, query
    assert hits[0].session_id == session
    assert hits[0].field == field
    # The highlighted spans are the query's words.
    words = {hit.snippet[a:b].lower() for hit in hits[:1] for a, b in hit.highlights}
    assert words & {w.lower() for w in query.split()}


def test_hit_carries_where_and_when(store: Path, index: Path) -> None:
    (hit,) = search("overflow", [store], index=index, tz="UTC")
    assert (hit.session_id, hit.message_index, hit.role) == ("sess-parser", 3, "assistant")
    assert hit.session_name == "fix the parser"
    assert hit.time.isoformat() == "2026-11-05T00:00:00+00:00"
    assert hit.path.endswith("sess-parser.json")
    assert json.loads(json.dumps(hit.as_json()))["snippet"] == hit.snippet


def test_filters(store: Path, index: Path) -> None:
    def ids(**kw: Any) -> list[tuple[str, int]]:
        return [
            (h.session_id, h.message_index)
            for h in search("kubectl OR grep", [store], index=index, **kw)
        ]

    # The grep call, the kubectl call and the assistant's text naming kubectl.
    assert sorted(ids()) == [("sess-deploy", 1), ("sess-deploy", 3), ("sess-parser", 1)]
    assert ids(tool="bash") == [("sess-deploy", 1)]
    assert ids(tool="grep") == [("sess-parser", 1)]
    assert {sid for sid, _ in ids(role="user")} <= {"sess-parser", "sess-deploy"}
    assert all(sid == "sess-deploy" for sid, _ in ids(since="2026-11-10", tz="UTC"))
    assert all(sid == "sess-parser" for sid, _ in ids(until="2026-11-10", tz="UTC"))
    assert all(sid == "sess-deploy" for sid, _ in ids(session="sess-dep"))


def test_query_syntax_and_plain_words(store: Path, index: Path) -> None:
    assert search('"deploy the staging"', [store], index=index)
    assert not search('"staging the deploy"', [store], index=index)
    assert search("expon*", [store], index=index)
    assert search("kubectl NOT staging", [store], index=index)
    # Not FTS5 syntax: searched as plain words rather than refused.
    assert search("deploy/api", [store], index=index)
    assert search("1e400 parse_number(input", [store], index=index) == []
    assert search("src/number.rs:42", [store], index=index)
    with pytest.raises(ValueError):
        search("   ", [store], index=index)


def test_results_are_limited_to_the_folders_asked(tmp_path: Path, store: Path, index: Path) -> None:
    other = tmp_path / "other"
    write(other, session_dict("sess-other", [text("user", "kubectl elsewhere")]))
    search("kubectl", [store, other], index=index)
    assert {h.session_id for h in search("kubectl", [other], index=index)} == {"sess-other"}
    assert "sess-other" not in {h.session_id for h in search("kubectl", [store], index=index)}


def test_update_reads_only_new_and_changed_files(store: Path, index: Path) -> None:
    with SearchIndex(index) as idx:
        first = idx.update([store])
        assert (first.files, first.read, first.removed) == (2, 2, 0)
        again = idx.update([store])
        assert (again.read, again.removed, again.messages) == (0, 0, 0)
        # Change one file, add one, remove one.
        changed = store / "laptop" / "sess-parser.json"
        doc = json.loads(changed.read_text())
        doc["messages"][0]["content"][0]["text"] = "now about quasars"
        changed.write_text(json.dumps(doc, indent=2))
        write(store / "laptop", session_dict("sess-new", [text("user", "brand new nebula")]))
        gone = store / "laptop" / "v1" / "sessions" / v1_file_name("sess-deploy")
        assert idx.query("kubectl", [store])[0].path == str(gone)
        gone.unlink()
        later = idx.update([store])
        assert (later.read, later.removed) == (2, 1)
        assert idx.query("quasars", [store]) and not idx.query("exponent", [store])
        assert idx.query("nebula", [store]) and not idx.query("kubectl", [store])


def test_a_list_of_files_is_a_scope_too(tmp_path: Path, index: Path) -> None:
    root = tmp_path / "many"
    files = [
        write(root, session_dict(f"s{i:02d}", [text("user", f"comet {i}")])) for i in range(40)
    ]
    hits = search("comet", files[:35], index=index, limit=100)
    assert len(hits) == 35  # 35 roots: more than the SQL path ranges take
    assert {h.session_id for h in search("comet", files[:3], index=index, limit=100)} == {
        "s00",
        "s01",
        "s02",
    }


def test_a_failing_write_is_raised_and_leaves_no_half_batch(
    tmp_path: Path, index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "few"
    for i in range(3):
        write(root, session_dict(f"s{i}", [text("user", "aurora")]))

    def broken(db: Any, prepared: Any, passages: Any) -> Any:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO files(path, size, mtime_ns) VALUES ('half', 0, 0)")
        db.execute("ROLLBACK")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(fulltext, "_write", broken)
    with SearchIndex(index) as idx, pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        idx.update([root])
    assert sqlite3.connect(index).execute("SELECT count(*) FROM files").fetchone()[0] == 0


def test_identical_messages_are_indexed_once_and_found_in_each_copy(
    tmp_path: Path, index: Path
) -> None:
    laptop, server = tmp_path / "laptop", tmp_path / "server"
    doc = session_dict("twin", [text("user", "pulsar timing"), text("assistant", "ok")])
    a = write(laptop, doc, v3)
    write(server, doc, v9)
    write(server, session_dict("other", [text("user", "pulsar timing")]))
    # One hit per text: the newest message holding it, and how many others do.
    (hit,) = search("pulsar", [laptop, server], index=index)
    assert hit.also == 2 and hit.path == str(a)
    assert search("pulsar", [laptop, server], index=index, session="other")[0].also == 0
    assert search("pulsar", [server], index=index)[0].also == 1
    db = sqlite3.connect(index)
    assert db.execute("SELECT count(*) FROM passages").fetchone()[0] == 2  # "pulsar...", "ok"
    a.unlink()
    assert search("pulsar", [laptop, server], index=index)[0].also == 1
    assert db.execute("SELECT count(*) FROM passages").fetchone()[0] == 2
    for p in server.rglob("*.json"):
        p.unlink()
    assert search("pulsar", [laptop, server], index=index) == []
    assert db.execute("SELECT count(*) FROM passages").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM passage_keys").fetchone()[0] == 0


def test_unreadable_files_are_counted_not_searched(store: Path, index: Path) -> None:
    (store / "laptop" / "broken.json").write_text('{"id": "cut", "config": {')
    with SearchIndex(index) as idx:
        report = idx.update([store])
        assert report.unreadable == 1 and idx.unreadable([store]) == 1
        row = (
            sqlite3.connect(index)
            .execute("SELECT error FROM files WHERE error IS NOT NULL")
            .fetchone()
        )
        assert "EOF" in row[0]


def test_an_interrupted_update_keeps_what_it_committed(
    tmp_path: Path, index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "many"
    for i in range(12):
        write(root, session_dict(f"s{i:02d}", [text("user", f"topic marker{i}")]))
    from a3s_session import fulltext

    monkeypatch.setattr(fulltext, "_FILES_PER_BATCH", 1)
    calls = {"n": 0}
    real = fulltext._prepare

    def dying(batch: Any, on_disk: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(batch, on_disk)

    monkeypatch.setattr(fulltext, "_prepare", dying)
    with SearchIndex(index) as idx, pytest.raises(KeyboardInterrupt):
        idx.update([root], threads=1)
    monkeypatch.setattr(fulltext, "_prepare", real)
    with SearchIndex(index) as idx:
        kept = sqlite3.connect(index).execute("SELECT count(*) FROM files").fetchone()[0]
        assert 0 < kept < 12
        report = idx.update([root])
        assert report.read == 12 - kept
        assert len(idx.query("topic", [root], limit=50)) == 12


def test_index_file_is_private_and_outside_the_store(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("A3S_SESSION_INDEX", raising=False)
    search("kubectl", [store])
    made = tmp_path / "xdg" / "a3s-session" / "search.sqlite3"
    assert made.is_file() and (made.stat().st_mode & 0o077) == 0
    assert not [p for p in store.rglob("*") if "sqlite" in p.name]


def test_cli_search_text_and_json(
    store: Path, index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "kubectl", str(store), "--index", str(index), "--color", "never"]) == 0
    out, err = capsys.readouterr()
    assert "sess-deploy" in out and "**kubectl**" in out and "indexed 2 new or changed files" in err
    assert all(len(line) <= 80 for line in out.splitlines())
    assert (
        main(["search", "kubectl", str(store), "--index", str(index), "--json", "--tool", "bash"])
        == 0
    )
    hits = json.loads(capsys.readouterr()[0])
    assert hits and {h["session_id"] for h in hits} == {"sess-deploy"}
    assert set(hits[0]) >= {"session_id", "message_index", "role", "time", "snippet", "field"}
    assert main(["search", "nothing-like-this", str(store), "--index", str(index)]) == 1
    assert "no match" in capsys.readouterr()[0]


def test_cli_search_without_a_folder_uses_the_default_store(
    store: Path, index: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("A3S_SESSION_STORE", str(store))
    monkeypatch.setenv("A3S_SESSION_INDEX", str(index))
    assert main(["search", "quasars OR kubectl", "--json"]) == 0
    assert json.loads(capsys.readouterr()[0])
