"""The a3s-session command line: every subcommand, exit statuses, TTY/pipe/NO_COLOR behaviour."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import a3s_session as a3s
from a3s_session import cli, v3, v9
from a3s_session.cli import main
from a3s_session.files import v1_file_name

SAMPLE = Path(a3s.__file__).parent / "data" / "sample_session.json"
ANSI = "\x1b["


def sample_dict(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc.update(changes)
    return doc


def v1_text(session: dict[str, Any], schema_version: Any = 1) -> str:
    doc = {
        "schema_version": schema_version,
        "session": session,
        "artifacts": [],
        "retained_artifact_uris": [],
        "trace_events": [],
        "run_records": [],
        "verification_reports": [],
        "subagent_tasks": [],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def write_v1(store: Path, session: dict[str, Any]) -> Path:
    path = store / "v1" / "sessions" / v1_file_name(session["id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(v1_text(session), encoding="utf-8")
    return path


def newer_session(**changes: Any) -> dict[str, Any]:
    doc = sample_dict(tenant_id="acme", **changes)
    doc["config"]["max_parallel_tasks"] = 4
    return doc


@pytest.fixture(autouse=True)
def _no_color_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_tty(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], *, stdout: bool = True, stderr: bool = False
) -> tuple[int, str, str]:
    out: io.StringIO = FakeTTY() if stdout else io.StringIO()
    err: io.StringIO = FakeTTY() if stderr else io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = main(argv)
    return code, out.getvalue(), err.getvalue()


def one_line(text: str) -> str:
    assert text.endswith("\n") and text.count("\n") == 1, text
    assert "Traceback" not in text
    return text


# ---------------------------------------------------------------------------------------------
# No command: the bundled sample
# ---------------------------------------------------------------------------------------------
def test_no_arguments_summarizes_the_bundled_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0].endswith("id_c2Vzcy03ZjNjMmE5ZQ.json  (bundled sample)")  # the 9.1.3 store
    assert "sess-7f3c2a9e" in out and "refactor-parser" in out
    assert "created  2025-11-25 05:53:20 UTC" in out
    assert "read by a3s-code-core 9.1.3" in out
    assert lines[-1] == "round trip: byte-identical (5,850 bytes, pretty)"
    assert ANSI not in out


def test_file_shorthand(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    compact = tmp_path / "c.json"
    compact.write_text(v3.SessionData.from_json(SAMPLE.read_bytes()).to_json(), encoding="utf-8")
    assert main([str(compact)]) == 0
    out = capsys.readouterr().out
    assert f"round trip: byte-identical ({compact.stat().st_size:,} bytes, compact)" in out
    reformatted = tmp_path / "r.json"
    reformatted.write_text(json.dumps(sample_dict(), indent=4), encoding="utf-8")
    assert main([str(reformatted)]) == 1
    assert "round trip: differs from the crate's pretty output at line 2" in capsys.readouterr().out


def test_file_shorthand_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-file.json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "no-such-file.json: no such file or directory" in one_line(err)
    assert main(["lss", "x"]) == 2
    assert "unknown command 'lss'" in capsys.readouterr().err


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert a3s.__version__ in capsys.readouterr().out
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in cli.COMMANDS:
        assert command in out
    assert main(["validate", "--help"]) == 0
    assert "--roundtrip" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--nope"],
        ["inspect"],
        ["validate"],
        ["export", str(SAMPLE), "--format", "pdf"],
        ["ls"],
        ["--color", "sometimes"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: ") and "Traceback" not in err
    assert err.splitlines()[-1].startswith("a3s-session: ")


def test_main_reads_sys_argv(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["a3s-session", "inspect", str(SAMPLE)])
    assert main() == 0
    assert "sess-7f3c2a9e" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# inspect
# ---------------------------------------------------------------------------------------------
def test_inspect_legacy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(SAMPLE)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    rows = dict(line.strip().split("  ", 1) for line in out.splitlines())
    assert rows["id"] == "sess-7f3c2a9e"
    assert rows["state"] == "Completed"
    assert rows["name"] == "refactor-parser"
    assert rows["workspace"] == "/home/dev/projects/tinyjson"
    assert rows["model"] == "claude-sonnet-4"
    assert rows["messages"] == "6 (assistant 3, user 3)"
    assert rows["tool calls"] == "2 (edit 1, grep 1), 0 errors"
    assert rows["tokens"].startswith("18,234 total")
    assert rows["cost"] == "$0.083571 over 2 calls"
    assert rows["tasks"] == "completed 2, in_progress 1"
    assert rows["created"] == "2025-11-25 05:53:20 UTC"
    assert rows["updated"] == "2025-11-25 06:55:25 UTC"
    assert rows["layout"].startswith("legacy")
    assert "unknown" not in rows


def test_inspect_v1_with_unknown_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_v1(tmp_path, newer_session())
    assert main(["inspect", "--generation", "v3", str(path)]) == 0
    out = capsys.readouterr().out
    assert "v1 snapshot (artifacts 0, retained_artifact_uris 0" in out
    assert "2 fields unknown to a3s-code-core 3.0.0" in out
    assert "config.max_parallel_tasks, tenant_id" in out


def test_inspect_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_v1(tmp_path, newer_session())
    assert main(["inspect", "--generation", "v3", "--json", str(path)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["id"] == "sess-7f3c2a9e"
    assert info["layout"] == "v1"
    assert info["unknown_fields"] == ["config.max_parallel_tasks", "tenant_id"]
    assert info["envelope"]["trace_events"] == 0
    assert info["messages_by_role"] == {"user": 3, "assistant": 3}
    assert info["updated_at_unix"] == 1764053725


def test_inspect_missing_directory_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["inspect", str(tmp_path / "missing.json")]) == 2
    assert "missing.json: no such file or directory" in one_line(capsys.readouterr().err)
    assert main(["inspect", str(tmp_path)]) == 2
    assert "is a directory, expected a session file" in one_line(capsys.readouterr().err)

    locked = tmp_path / "locked.json"
    locked.write_bytes(SAMPLE.read_bytes())

    real_open = os.open

    def denied(path: Any, flags: int, *args: Any) -> int:
        if str(path).endswith("locked.json"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", denied)
    assert main(["inspect", str(locked)]) == 2
    assert "locked.json: permission denied" in one_line(capsys.readouterr().err)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_inspect_really_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked.json"
    locked.write_bytes(SAMPLE.read_bytes())
    locked.chmod(0)
    try:
        assert main(["inspect", str(locked)]) == 2
        assert "permission denied" in one_line(capsys.readouterr().err)
    finally:
        locked.chmod(0o600)


def test_inspect_invalid_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = sample_dict()
    doc["config"]["max_context_length"] = "big"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    assert main(["inspect", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    line = one_line(err)
    number = next(
        i for i, text in enumerate(bad.read_text().splitlines(), 1) if "max_context_length" in text
    )
    assert f"{bad}:{number}:" in line
    assert "invalid type" in line and "[at config.max_context_length]" in line


# ---------------------------------------------------------------------------------------------
# validate
# ---------------------------------------------------------------------------------------------
def test_validate_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    v1 = write_v1(tmp_path, sample_dict())
    assert main(["validate", str(SAMPLE), str(v1)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        f"OK {SAMPLE} (legacy)",
        f"OK {v1} (v1 snapshot)",
        "2 files: 2 OK, 0 failed",
    ]


def test_validate_roundtrip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    session = v3.SessionData.from_json(SAMPLE.read_bytes())
    compact = tmp_path / "compact.json"
    compact.write_text(session.to_json(), encoding="utf-8")
    v1 = write_v1(tmp_path, sample_dict())
    assert (
        main(["validate", "--generation", "v3", "--roundtrip", str(SAMPLE), str(compact), str(v1)])
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"OK {SAMPLE} (legacy; round trip byte-identical (pretty))"
    assert out[1] == f"OK {compact} (legacy; round trip byte-identical (compact))"
    assert out[2].startswith(f"OK {v1} (v1 snapshot; round trip of the session equal as JSON")
    assert "semantically, not byte for byte" in out[2]


def test_validate_roundtrip_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    indented = tmp_path / "indented.json"
    indented.write_text(json.dumps(sample_dict(), indent=4, ensure_ascii=False), encoding="utf-8")
    newline = tmp_path / "newline.json"
    newline.write_text(SAMPLE.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    v1_changed = tmp_path / "v1.json"
    doc = sample_dict()
    doc["context_usage"]["percent"] = 0.1234567891234  # f32: written back shorter
    v1_changed.write_text(v1_text(doc), encoding="utf-8")
    args = [str(p) for p in (indented, newline, v1_changed)]
    assert main(["validate", "--generation", "v3", *args]) == 0  # all valid
    capsys.readouterr()
    assert main(["validate", "--generation", "v3", "--roundtrip", *args]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        f"FAIL {indented} (legacy; round trip differs from the crate's "
        "pretty output at line 2 column"
    )
    assert (
        out[1] == f"FAIL {newline} (legacy; round trip differs only in trailing whitespace "
        "(pretty))"
    )
    assert out[2] == (
        f"FAIL {v1_changed} (v1 snapshot; round trip of the session differs at "
        "session.context_usage.percent)"
    )
    assert out[3] == "3 files: 0 OK, 3 failed"


def test_validate_roundtrip_hash_map_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = sample_dict()
    doc["config"]["confirmation_policy"]["yolo_lanes"] = ["Query", "Execute", "Generate"]
    doc["config"]["queue_config"] = {"laneTimeouts": {"Query": 5, "Execute": 6, "Control": 7}}
    session = v3.SessionData.from_dict(doc)
    path = tmp_path / "lanes.json"
    text = session.to_json(pretty=True)
    lanes = json.loads(text)["config"]["confirmation_policy"]["yolo_lanes"]
    # Written in some other order than the crate's current one, as another process would.
    other = text.replace(
        json.dumps(lanes, indent=2).replace("\n", "\n      "),
        json.dumps(lanes[::-1], indent=2).replace("\n", "\n      "),
    )
    assert other != text
    path.write_text(other, encoding="utf-8")
    assert main(["validate", "--roundtrip", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK ") and ("byte-identical" in out or "hash-map order" in out)


def test_validate_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    doc = sample_dict()
    doc["messages"][2]["content"][0]["is_error"] = "no"
    bad.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(SAMPLE.read_text(encoding="utf-8")[:100], encoding="utf-8")
    assert main(["validate", str(SAMPLE), str(bad), str(truncated)]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0].startswith("OK ")
    assert lines[1].startswith(f"FAIL {bad}:")
    assert "[at messages[2].content[0]" in lines[1]
    line, column = lines[1].split(":")[1:3]
    assert int(line) > 1 and int(column) > 1
    assert lines[2].startswith(f"FAIL {truncated}:") and "EOF while parsing" in lines[2]
    assert lines[3] == "3 files: 1 OK, 2 failed"


def test_validate_unreadable_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    gone = tmp_path / "gone.json"
    folder = tmp_path / "folder.json"  # a directory named like a file: validated inside
    folder.mkdir()
    assert main(["validate", str(SAMPLE), str(gone), str(folder), str(bad)]) == 2
    out, err = capsys.readouterr()
    assert out.splitlines()[-1] == "3 files: 1 OK, 1 failed, 1 unreadable"
    assert err.splitlines() == [
        f"a3s-session: {tmp_path / 'gone.json'}: no such file or directory",
    ]
    # A directory: every session file under it.
    assert main(["validate", str(tmp_path)]) == 1
    out, _ = capsys.readouterr()
    assert out.startswith("FAIL ") and "bad.json" in out and len(out.splitlines()) == 1
    assert main(["validate", "-q", str(SAMPLE)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["validate", str(folder)]) == 2
    assert "no session files" in capsys.readouterr().err


def test_validate_v1_rejections(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    v2 = tmp_path / "v2.json"
    v2.write_text(v1_text(sample_dict(), schema_version=2), encoding="utf-8")
    sealed = tmp_path / "sealed.json"
    sealed.write_bytes(b"A3SE\x00\x01\x02 ciphertext")
    assert main(["validate", "--generation", "v3", str(v2), str(sealed)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"FAIL {v2}:2:21: unsupported snapshot schema_version 2 (only version 1 "
        "is supported) [at schema_version]"
    )
    assert out[1].startswith(f"FAIL {sealed}: encrypted snapshot: a sealed A3SE file")


def test_validate_unknown_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_v1(tmp_path, newer_session())
    assert main(["validate", "--generation", "v3", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        f"OK {path} (v1 snapshot; 2 fields unknown to a3s-code-core 3.0.0: "
        "config.max_parallel_tasks, tenant_id)"
    )
    assert main(["validate", "--generation", "v3", "--strict", str(path)]) == 1
    assert capsys.readouterr().out.startswith("FAIL ")
    assert main(["validate", "--generation", "v3", "--roundtrip", str(path)]) == 1
    out = capsys.readouterr().out
    assert "round trip would drop 2 fields unknown to a3s-code-core 3.0.0" in out


def test_validate_progress_bar_on_a_tty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = []
    for i in range(20):
        p = tmp_path / f"s{i:02}.json"
        p.write_bytes(SAMPLE.read_bytes())
        paths.append(str(p))
    code, out, err = run_tty(monkeypatch, ["validate", *paths], stdout=False, stderr=True)
    assert code == 0
    assert "validating [" in err and "20/20" in err and "\r" in err
    assert err.endswith("\r")  # cleared at the end
    assert "validating" not in out and out.count("OK ") == 20
    # Too few files, or stderr not a terminal: no bar.
    _, _, err = run_tty(monkeypatch, ["validate", *paths[:19]], stdout=False, stderr=True)
    assert err == ""
    _, _, err = run_tty(monkeypatch, ["validate", *paths], stdout=False, stderr=False)
    assert err == ""


def test_ls_progress_bar_on_a_tty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(20):
        doc = json.loads(SAMPLE.read_bytes())
        doc["id"] = f"s{i:02}"
        (tmp_path / f"s{i:02}.json").write_text(json.dumps(doc))
    code, out, err = run_tty(monkeypatch, ["ls", str(tmp_path)], stdout=False, stderr=True)
    assert code == 0
    assert "reading [" in err and "20/20" in err and err.endswith("\r")
    assert "reading" not in out and len(out.splitlines()) == 21  # header + one row each
    _, _, err = run_tty(monkeypatch, ["ls", str(tmp_path)], stdout=False, stderr=False)
    assert err == ""


def test_migrate_progress_bar_on_a_tty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "old"
    src.mkdir()
    for i in range(20):
        doc = json.loads(SAMPLE.read_bytes())
        doc["id"] = f"s{i:02}"
        (src / f"s{i:02}.json").write_text(json.dumps(doc))
    argv = ["migrate", str(src), str(tmp_path / "new")]
    code, out, err = run_tty(monkeypatch, argv, stdout=False, stderr=True)
    assert code == 0, (out, err)
    assert "migrating [" in err and "0/20" in err  # the crate's one call has begun
    assert "checking [" in err and "20/20" in err and err.endswith("\r")
    assert "migrated 20 sessions" in out and "checking" not in out


def test_progress_bar_unit() -> None:
    stream = FakeTTY()
    bar = cli.Progress(40, stream, "x")
    bar.update(10)
    drawn = "x [#######.......................] 10/40"
    assert stream.getvalue() == "\r" + drawn
    bar.clear()
    assert stream.getvalue().endswith("\r" + " " * len(drawn) + "\r")
    assert not cli.Progress(40, io.StringIO(), "x").enabled


# ---------------------------------------------------------------------------------------------
# ls
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    fs = v3.FileSessionStore(root)
    old = v3.SessionData.from_dict(sample_dict(id="old", updated_at=1700000000))
    fs.save(old)
    fs.save(v3.SessionData.from_dict(sample_dict(id="middle", updated_at=1750000000)))
    write_v1(root, newer_session(id="newest/v1", updated_at=1770000000))
    (root / "old.json.1.2.tmp").write_text("{", encoding="utf-8")
    (root / "v1" / "sessions" / "ignored.txt").write_text("x", encoding="utf-8")
    return root


def test_ls_piped(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Each file is read by the generation its document calls for, and says which.
    assert main(["ls", str(store)]) == 0
    out, err = capsys.readouterr()
    assert err == "" and ANSI not in out
    assert out.splitlines() == [
        "id\tlayout\tgeneration\tstate\tmessages\ttokens\tcost_usd\tupdated\tname\tpath",
        (
            "newest/v1\tv1\tv9\tCompleted\t6\t18234\t0.083571\t2026-02-02T02:40:00Z"
            f"\trefactor-parser\t{store / 'v1' / 'sessions' / v1_file_name('newest/v1')}"
        ),
        (
            "middle\tlegacy\tv3\tCompleted\t6\t18234\t0.083571\t2025-06-15T15:06:40Z"
            f"\trefactor-parser\t{store / 'middle.json'}"
        ),
        (
            "old\tlegacy\tv3\tCompleted\t6\t18234\t0.083571\t2023-11-14T22:13:20Z"
            f"\trefactor-parser\t{store / 'old.json'}"
        ),
    ]


def test_ls_json(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", "--generation", "v3", "--json", str(store)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["newest/v1", "middle", "old"]
    assert rows[0]["layout"] == "v1"
    assert rows[0]["unknown_fields"] == ["config.max_parallel_tasks", "tenant_id"]
    assert rows[0]["path"].endswith(v1_file_name("newest/v1"))
    assert rows[2] | {"path": None} == {
        "id": "old",
        "layout": "legacy",
        "generation": "v3",
        "state": "Completed",
        "name": "refactor-parser",
        "messages": 6,
        "tokens": 18234,
        "cost_usd": 0.083571,
        "created_at": 1764050000,
        "updated_at": 1700000000,
        "updated": "2023-11-14T22:13:20Z",
        "unknown_fields": [],
        "path": None,
    }


def test_ls_table_on_a_tty(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run_tty(monkeypatch, ["ls", str(store)])
    assert code == 0 and err == ""
    assert ANSI in out
    plain = out.replace("\x1b[1m", "").replace("\x1b[33m", "").replace("\x1b[0m", "")
    lines = plain.splitlines()
    assert lines[0].split() == ["ID", "NAME", "GEN", "MSGS", "TOKENS", "COST", "UPDATED"]
    # The v1 file has fields 3.0.0 lacks: 9.1.3 reads it, and knows them all.
    assert lines[1].split() == [
        "newest/v1",
        "refactor-parser",
        "v9",
        "6",
        "18.2K",
        "$0.08",
        "2026-02-02",
        "02:40",
    ]
    assert lines[-1] == "3 sessions"
    assert all(len(line) <= 80 for line in lines)
    assert not any(line.startswith("* has fields unknown") for line in lines)


def test_ls_sort_limit_recursion_and_summary(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    nested = store / "team" / "b"
    v3.FileSessionStore(nested).save(
        v3.SessionData.from_dict(sample_dict(id="deep", updated_at=1760000000, total_cost=9.5))
    )
    (nested / "broken.json").write_text("{", encoding="utf-8")
    assert main(["ls", "--json", "--sort", "cost", "-n", "2", str(store)]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["deep", "middle"]
    assert main(["ls", "--json", "--sort", "id", str(store)]) == 1
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [
        "deep",
        "middle",
        "newest/v1",
        "old",
    ]
    code, out, err = run_tty(monkeypatch, ["ls", "--limit", "1", "--color", "never", str(store)])
    assert code == 1 and "broken.json" in err
    assert out.splitlines()[-1] == "1 of 4 sessions shown; 1 file could not be read (above)"
    code, out, _ = run_tty(monkeypatch, ["ls", "-q", "--color", "never", str(store)])
    assert "sessions" not in out.splitlines()[-1]
    # A long name is cut with … to fit 80 columns.
    long = sample_dict(id="long", updated_at=1780000000)
    long["config"]["name"] = "a very long session name " * 6
    v3.FileSessionStore(store).save(v3.SessionData.from_dict(long))
    code, out, _ = run_tty(monkeypatch, ["ls", "--color", "never", str(store)])
    assert "…" in out and all(len(line) <= 80 for line in out.splitlines())


def test_ls_no_color(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, _ = run_tty(monkeypatch, ["ls", str(store)])
    assert code == 0 and ANSI not in out and out.startswith("ID ")
    monkeypatch.delenv("NO_COLOR")
    code, out, _ = run_tty(monkeypatch, ["ls", "--color", "never", str(store)])
    assert ANSI not in out and out.startswith("ID ")
    code, out, _ = run_tty(monkeypatch, ["--color=never", "ls", str(store)])
    assert ANSI not in out and out.startswith("ID ")


def test_color_always_when_piped(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--color", "always", str(SAMPLE)]) == 0
    assert "\x1b[32mOK\x1b[0m" in capsys.readouterr().out


def test_color_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    tty, pipe = FakeTTY(), io.StringIO()
    assert cli.color_enabled(tty) and not cli.color_enabled(pipe)
    assert cli.color_enabled(pipe, "always") and not cli.color_enabled(tty, "never")
    monkeypatch.setenv("NO_COLOR", "")  # empty: no effect (no-color.org)
    assert cli.color_enabled(tty)
    monkeypatch.setenv("NO_COLOR", "yes")
    assert not cli.color_enabled(tty)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not cli.color_enabled(tty)


def test_inspect_on_a_tty_is_coloured(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run_tty(monkeypatch, ["inspect", str(SAMPLE)])
    assert code == 0 and "\x1b[1m" in out
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run_tty(monkeypatch, ["inspect", str(SAMPLE)])
    assert ANSI not in out


def test_ls_broken_files(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (store / "broken.json").write_text('{"id": ', encoding="utf-8")
    assert main(["ls", str(store)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 4
    assert err.splitlines()[0].startswith(f"a3s-session: {store / 'broken.json'}:1:")
    assert err.splitlines()[-1] == "a3s-session: 1 file could not be read"
    assert main(["ls", "--json", str(store)]) == 1
    assert len(json.loads(capsys.readouterr().out)) == 3


def test_ls_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["ls", "--generation", "v3", str(tmp_path / "none")]) == 2
    assert "none: no such file or directory" in one_line(capsys.readouterr().err)
    assert main(["ls", "--generation", "v3", str(SAMPLE)]) == 2
    assert "not a directory" in one_line(capsys.readouterr().err)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["ls", "--generation", "v3", str(empty)]) == 0
    assert capsys.readouterr().out == (
        "id\tlayout\tgeneration\tstate\tmessages\ttokens\tcost_usd\tupdated\tname\tpath\n"
    )
    code, out, _ = run_tty(monkeypatch, ["ls", str(empty)])
    assert code == 0 and out == f"no sessions in {empty}\n"


# ---------------------------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------------------------
def test_export_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(SAMPLE)]) == 0
    out, err = capsys.readouterr()
    assert err == "redacted: nothing found\n"  # Markdown is for sharing: redacted
    assert out.startswith("# refactor-parser\n\n- **Session:** `sess-7f3c2a9e` (Completed)\n")
    assert "- [x] Find the number parser *(completed)*" in out
    for n, title in enumerate(
        ["User", "Assistant", "Tool result", "Assistant", "Tool result", "Assistant"], 1
    ):
        assert f"\n## {n}. {title}\n" in out
    assert "<summary>Tool call: <code>grep</code> · toolu_01</summary>" in out
    assert "<summary>Tool result: <code>grep</code> · toolu_01</summary>" in out
    assert "<summary>Reasoning</summary>\n\n> Look at the number parser first." in out
    assert '"pattern": "fn parse_number"' in out
    assert "Ünïcödé names too: 日本語." in out
    assert out.count("<details>") == out.count("</details>") == 6  # with the system prompt
    assert out.endswith("\n") and not out.endswith("\n\n")


def test_export_markdown_edge_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = sample_dict()
    doc["messages"] = [
        {
            "role": "user",
            "content": [
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"},
                },
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "t<1>", "name": "a&b", "input": {"q": "```"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "t<1>",
                    "is_error": True,
                    "content": [
                        {"type": "text", "text": "boom ```` fence"},
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/gif", "data": "R0lG"},
                        },
                    ],
                },
                {"type": "tool_result", "tool_use_id": "unknown", "content": "", "is_error": None},
            ],
        },
    ]
    path = tmp_path / "edge.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["export", str(path)]) == 0
    out = capsys.readouterr().out
    assert "*[image: image/png, 3 bytes]*" in out
    assert "<summary>Tool call: <code>a&amp;b</code> · t&lt;1&gt;</summary>" in out
    assert "<summary>Tool error: <code>a&amp;b</code> · t&lt;1&gt;</summary>" in out
    assert "<summary>Tool result: unknown</summary>" in out
    assert "\n`````\nboom ```` fence\n`````\n" in out
    assert "## 3. Tool results" in out


def test_export_jsonl(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(SAMPLE), "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    session = v3.SessionData.from_json(SAMPLE.read_bytes())
    assert len(lines) == len(session.messages) == 6
    for line, message in zip(lines, session.messages):
        assert line == message.to_json()
        assert v3.Message.from_json(line) == message


def test_export_to_file_is_private_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.md"
    old_umask = os.umask(0)
    try:
        assert main(["export", str(SAMPLE), "-o", str(out)]) == 0
    finally:
        os.umask(old_umask)
    assert "read by a3s-code-core 3.0.0" in capsys.readouterr().err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    first = out.read_text(encoding="utf-8")
    assert first.startswith("# refactor-parser")

    assert main(["export", str(SAMPLE), "--format", "jsonl", "-o", str(out)]) == 2
    _, err = capsys.readouterr()
    assert "already exists (use --force to replace it)" in one_line(err)
    assert out.read_text(encoding="utf-8") == first

    out.chmod(0o644)
    assert main(["export", str(SAMPLE), "--format", "jsonl", "-o", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8").startswith('{"role":"user"')
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.md"]  # no temp files left


def test_export_never_follows_a_symlink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    assert main(["export", str(SAMPLE), "-o", str(link)]) == 2
    assert target.read_text(encoding="utf-8") == "keep"
    capsys.readouterr()


def test_export_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(tmp_path / "none.json")]) == 2
    assert "no such file or directory" in one_line(capsys.readouterr().err)
    assert main(["export", str(SAMPLE), "-o", str(tmp_path), "--force"]) == 2
    assert "is a directory" in one_line(capsys.readouterr().err)
    assert main(["export", str(SAMPLE), "-o", str(tmp_path / "no" / "dir.md")]) == 2
    assert "no such file or directory" in one_line(capsys.readouterr().err)
    copy = tmp_path / "copy.json"
    copy.write_bytes(SAMPLE.read_bytes())
    assert main(["export", str(copy), "-o", str(copy), "--force"]) == 2
    assert "is the session file itself" in one_line(capsys.readouterr().err)
    assert copy.read_bytes() == SAMPLE.read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    assert main(["export", str(bad)]) == 1
    assert "missing field" in one_line(capsys.readouterr().err)


def test_export_v1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_v1(tmp_path, sample_dict())
    assert main(["export", str(path), "--format", "jsonl"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 6


# ---------------------------------------------------------------------------------------------
# bench
# ---------------------------------------------------------------------------------------------
def test_bench_without_a_checkout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "checkout_root", lambda: None)
    assert main(["bench"]) == 2
    assert "bench needs a source checkout" in one_line(capsys.readouterr().err)


def test_bench_runs_the_checkouts_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "benchmarks").mkdir()
    script = tmp_path / "benchmarks" / "run.py"
    script.write_text(
        "import pathlib, sys\n"
        "pathlib.Path('ran.txt').write_text(' '.join(sys.argv[1:]))\n"
        "sys.exit(3)\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(cli, "checkout_root", lambda: tmp_path)
    assert main(["bench", "--quick", "S"]) == 3
    assert (tmp_path / "ran.txt").read_text(encoding="utf-8") == "--quick S"


def test_checkout_root() -> None:
    root = cli.checkout_root()
    if root is not None:
        assert (root / "benchmarks" / "run.py").is_file()


# ---------------------------------------------------------------------------------------------
# Real processes
# ---------------------------------------------------------------------------------------------
def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    return env


def test_python_dash_m(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "a3s_session"],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "(bundled sample)" in proc.stdout and ANSI not in proc.stdout
    assert proc.stdout.rstrip().endswith("round trip: byte-identical (5,850 bytes, pretty)")
    proc = subprocess.run(
        [sys.executable, "-m", "a3s_session", "inspect", str(tmp_path)],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert one_line(proc.stderr).startswith("a3s-session: ")


def _entry_point() -> Iterator[str]:
    found = shutil.which("a3s-session") or str(Path(sys.executable).parent / "a3s-session")
    if os.access(found, os.X_OK):
        yield found


@pytest.mark.parametrize(
    "exe",
    list(_entry_point())
    or [
        pytest.param("", marks=pytest.mark.skip(reason="a3s-session console script not installed"))
    ],
)
def test_console_script(exe: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [exe, "validate", "--roundtrip", str(SAMPLE)],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"OK {SAMPLE} (legacy; round trip byte-identical (pretty))\n"
    proc = subprocess.run(
        [exe, "ls", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    doc = sample_dict()
    doc["messages"] = doc["messages"] * 3000
    big.write_text(json.dumps(doc), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "a3s_session", "export", str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_bench_help_is_the_commands_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "checkout_root", lambda: None)  # help needs no checkout
    assert main(["bench", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: a3s-session bench") and "benchmarks/run.py" in out


@pytest.mark.parametrize("gen", [v3, v9], ids=["v3", "v9"])
def test_repr_of_a_long_list_shows_its_head_and_length(gen: Any) -> None:
    doc = sample_dict()
    doc["messages"] = [
        {"role": "user", "content": [{"type": "text", "text": f"m{i}"}]} for i in range(7152)
    ]
    session = gen.SessionData.from_dict(doc)
    text = repr(session.messages)
    assert text.endswith("... 7,147 more] (7,152 items)") and len(text) < 2_000
    assert text.count("Message(") == 5
    assert repr(session.tool_names) == repr(list(session.tool_names))  # short: a list's repr
