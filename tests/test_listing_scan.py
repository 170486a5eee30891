"""`ls` and `validate` read through the scan (the crates in Rust threads, no session objects);
every file the scan cannot pass as it is goes through the exact per-file read. Both ways must
give the same rows, messages and lines, file for file."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

import a3s_session as a3s
from a3s_session import v3, v9
from a3s_session.cli import commands, listing, main
from a3s_session.files import read_session_file, v1_file_name

SAMPLE = Path(a3s.__file__).parent / "data" / "sample_session.json"


def sample_dict(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc.update(changes)
    return doc


def envelope(session: dict[str, Any]) -> str:
    return json.dumps({"schema_version": 1, "session": session}, indent=2)


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A store with every kind of file a listing meets; the clean ones outnumber the rest."""
    root = tmp_path / "store"
    fs = v3.FileSessionStore(root)
    for i in range(12):  # as 3.0.0's store writes them (pretty)
        fs.save(
            v3.SessionData.from_dict(sample_dict(id=f"v3-{i:02}", updated_at=1_700_000_000 + i))
        )
    # Compact, by hand; a hidden file (the store layout lists it).
    (root / "compact.json").write_text(json.dumps(sample_dict(id="compact")))
    (root / ".hidden.json").write_text(json.dumps(sample_dict(id=".hidden")))
    # 9.x fields in the legacy layout: read by 9.1.3, nothing unknown to it.
    newer = sample_dict(id="newer-bare", tenant_id="acme")
    newer["config"]["max_parallel_tasks"] = 4
    (root / "newer-bare.json").write_text(json.dumps(newer))
    # A field neither crate knows: listed with its field (the exact read).
    (root / "extra.json").write_text(json.dumps(sample_dict(id="extra", surprise=1)))
    # Timestamps no datetime holds.
    (root / "far.json").write_text(
        json.dumps(sample_dict(id="far", created_at=-(2**62), updated_at=2**62))
    )
    # Broken and unreadable ones.
    (root / "broken.json").write_text('{"id": "broken", ')
    (root / "empty.json").write_bytes(b"")
    (root / "latin1.json").write_bytes(
        json.dumps(sample_dict(id="caf\xe9")).replace("\\u00e9", "\xe9").encode("latin-1")
    )
    (root / "sealed.json").write_bytes(b"A3SE" + b"\x00" * 40)
    (root / "a-directory.json").mkdir()
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "fifo.json")
    # Today's layout: envelopes, a bare document, a name that does not match its id.
    sessions = root / "v1" / "sessions"
    sessions.mkdir(parents=True)
    for sid in ("env-a", "env/b"):
        (sessions / v1_file_name(sid)).write_text(envelope(sample_dict(id=sid)))
    (sessions / v1_file_name("bare-v1")).write_text(json.dumps(sample_dict(id="bare-v1")))
    (sessions / v1_file_name("named")).write_text(envelope(sample_dict(id="not-named")))
    (sessions / "id_!!.json").write_text(envelope(sample_dict(id="bad-name")))
    with_extra = sample_dict(id="env-extra")
    with_extra["config"]["surprise"] = True
    (sessions / v1_file_name("env-extra")).write_text(envelope(with_extra))
    # A second store below the first.
    v9.FileSessionStore(root / "nested").save(
        v9.SessionData.from_dict(sample_dict(id="nested-v9")), force=True
    )
    return root


def _count_calls(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[Any]:
    calls: list[Any] = []
    real = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def _no_scan(monkeypatch: pytest.MonkeyPatch, module: Any) -> None:
    """The scan reads nothing: every file takes the exact per-file read."""

    def nothing(files: list[str], columns: Any, **_: Any) -> dict[int, dict[str, Any]]:
        return {}

    monkeypatch.setattr(module, "clean_session_rows", nothing)


@pytest.mark.parametrize("threads", [1, 2])
def test_ls_rows_and_errors_are_those_of_the_exact_read(
    mixed: Path, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    with monkeypatch.context() as m:
        _no_scan(m, listing)
        exact = listing.list_sessions(str(mixed), None, quiet=True)
    reread = _count_calls(monkeypatch, listing, "_read_row")
    fast = listing.list_sessions(str(mixed), None, quiet=True, threads=threads)
    assert fast == exact
    rows, errors = fast
    assert len(rows) == 22 and len(errors) == (7 if hasattr(os, "mkfifo") else 6)
    # Only what the scan could not pass was read again, one file at a time.
    again = sorted(p.name for _, p, _ in reread)
    clean = {r["path"] for r in rows if not r["unknown_fields"]}
    assert not clean & {str(p) for _, p, _ in reread}
    assert "extra.json" in again and "broken.json" in again and "far.json" not in again
    far = next(r for r in rows if r["id"] == "far")
    assert (far["created_at"], far["updated_at"]) == (-(2**62), 2**62)
    assert {r["id"]: r["generation"] for r in rows}["newer-bare"] == "v9"


def test_ls_with_a_generation_forced_reads_every_file_exactly(
    mixed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reread = _count_calls(monkeypatch, listing, "_read_row")
    rows, errors = listing.list_sessions(str(mixed), "v9", quiet=True)
    assert len(reread) == len(rows) + len(errors)


def test_validate_lines_are_those_of_the_exact_read(
    mixed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["validate", str(mixed)]
    with monkeypatch.context() as m:
        _no_scan(m, commands)
        exact_code = main(argv)
        exact = capsys.readouterr()
    reread = _count_calls(monkeypatch, commands, "_validate_one")
    assert main(argv) == exact_code == 2  # unreadable files among them
    fast = capsys.readouterr()
    assert (fast.out, fast.err) == (exact.out, exact.err)
    assert "OK " in fast.out and "FAIL " in fast.out and "fields unknown to" in fast.out
    # Files the scan passed as they are were not read again.
    clean = set(re.findall(r"^OK (\S+) \((?:legacy|v1 snapshot)\)$", fast.out, re.MULTILINE))
    assert len(clean) >= 15
    assert not clean & set(reread)


def test_validate_in_chunks_keeps_order(
    mixed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["validate", "-q", "--jobs", "2", str(mixed)]
    main(argv)
    whole = capsys.readouterr()
    monkeypatch.setattr(commands, "_VALIDATE_CHUNK", 3)
    main(argv)
    chunked = capsys.readouterr()
    assert (chunked.out, chunked.err) == (whole.out, whole.err)


def test_scan_counts_unknown_fields_when_asked(mixed: Path) -> None:
    files = sorted(str(p) for p in mixed.rglob("*.json") if p.is_file() and "fifo" not in p.name)
    plain = a3s.scan(files).sessions.collect()
    assert set(plain.column("unknown_field_count")) == {None}
    counted = a3s.scan(files, count_unknown=True).sessions.collect()
    got = dict(zip(counted.column("path"), counted.column("unknown_field_count")))
    assert len(got) >= 20
    for path, count in got.items():
        assert count == len(read_session_file(path).unknown_fields), path
    assert got[str(mixed / "extra.json")] == 1
    assert got[str(mixed / "v1" / "sessions" / v1_file_name("env-extra"))] == 1


def test_epoch_times_hold_what_datetimes_cannot(mixed: Path) -> None:
    table = a3s.scan([str(mixed / "far.json"), str(mixed / "compact.json")]).sessions.collect()
    assert table.column("created_at", epoch_times=True) == [-(2**62), sample_dict()["created_at"]]
    assert table.column("updated_at", epoch_times=True) == [2**62, sample_dict()["updated_at"]]
    with pytest.raises(OverflowError):
        table.column("created_at")  # as datetimes


@pytest.mark.parametrize("command", ["ls", "validate"])
def test_jobs_must_be_one_or_more(
    mixed: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "-j", "0", str(mixed)]) == 2
    assert "-j/--jobs: must be 1 or more, got 0" in capsys.readouterr().err
