"""`show`, and sessions by id for `inspect` and `export`: where stores are looked for, the
formats, redaction by default for what is shared, and output that fits 80 columns."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

import a3s_session
from a3s_session.cli import main
from a3s_session.locate import SessionNotFoundError, default_stores, find_session
from test_render import ANTHROPIC, rich_session


@pytest.fixture
def store(tmp_path: Path) -> Path:
    d = tmp_path / "store"
    a3s_session.sample_store(d)
    return d


@pytest.fixture
def secret_store(tmp_path: Path) -> Path:
    d = tmp_path / "secrets"
    a3s_session.v9.FileSessionStore(d).save(rich_session(), force=True)
    return d


@pytest.fixture(autouse=True)
def _no_ambient_stores(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Only the stores a test sets up: no $A3S_SESSION_STORE, no config of this machine.
    monkeypatch.delenv("A3S_SESSION_STORE", raising=False)
    monkeypatch.delenv("A3S_CONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_show_by_id_from_the_store_option(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "sess-v9", "--store", str(store))
    assert code == 0 and err == ""
    assert "sess-v9" in out and " 1. user " in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_show_by_unique_prefix_and_ambiguous_prefix(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "show", "sess-7f", "--store", str(store))
    assert code == 0 and "sess-7f3c2a9e" in out
    code, _, err = run(capsys, "show", "sess-", "--store", str(store))
    assert code == 2 and "matches 3 sessions" in err
    code, _, err = run(capsys, "show", "nope", "--store", str(store))
    assert code == 2 and "no session with this id" in err and str(store) in err


def test_the_store_comes_from_the_environment_then_a3s_codes_config(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SessionNotFoundError, match="no session store to look in"):
        find_session("sess-v9")
    # A3S Code's own config: the crate reads sessions_dir (relative to the working dir).
    config = tmp_path / "home" / ".a3s" / "config.acl"
    config.parent.mkdir(parents=True)
    config.write_text(f'sessions_dir = "{store.relative_to(tmp_path)}"\n', encoding="utf-8")
    assert [p.path for p in default_stores()] == [tmp_path / store.relative_to(tmp_path)]
    assert find_session("sess-v9").parent.parent.parent == store
    # $A3S_SESSION_STORE comes first.
    other = tmp_path / "other"
    a3s_session.v9.FileSessionStore(other).save(rich_session(), force=True)
    monkeypatch.setenv("A3S_SESSION_STORE", str(other))
    assert find_session("sess-7f3c2a9e").is_relative_to(other)
    assert find_session("sess-v9").is_relative_to(store)
    # A config the crate rejects names no store.
    config.write_text("x = {\n", encoding="utf-8")
    assert [p.source for p in default_stores()] == ["$A3S_SESSION_STORE"]


def test_inspect_and_export_take_ids_too(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", "sess-v9", "--store", str(store), "--json")
    assert code == 0 and json.loads(out)["id"] == "sess-v9"
    code, out, err = run(capsys, "export", "sess-v9", "--store", str(store))
    assert code == 0 and out.startswith("# ") and err.startswith("redacted: ")


@pytest.mark.parametrize("fmt", ["md", "html", "openai-jsonl", "atif", "otlp-json"])
def test_every_shared_export_is_redacted_and_says_so(
    secret_store: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / f"out.{fmt}"
    export = ("export", "sess-7f3c2a9e", "--store", str(secret_store), "--format", fmt)
    code, out, err = run(capsys, *export, "-o", str(target))
    assert code == 0 and out == ""
    assert "redacted: " in err and "anthropic-api-key" in err and ANTHROPIC not in err
    text = target.read_text(encoding="utf-8")
    assert ANTHROPIC not in text
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    code, _, err = run(capsys, *export, "-o", str(target))
    assert code == 2 and "already exists" in err


def test_no_redact_and_redact_paths(secret_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ("export", "sess-7f3c2a9e", "--store", str(secret_store))
    _, out, err = run(capsys, *args, "--no-redact")
    assert ANTHROPIC in out and err.strip() == "not redacted"
    _, out, _ = run(capsys, *args, "--redact-paths")
    assert "/home/dev" not in out and "`~/projects/tinyjson`" in out


def test_show_formats(
    secret_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("show", "sess-7f3c2a9e", "--store", str(secret_store))
    _, text, _ = run(capsys, *base)
    _, full, _ = run(capsys, *base, "--full")
    assert len(full) > len(text) and "[model only]" in text
    assert ANTHROPIC not in text  # folded to one line (and cut), not redacted: text is yours
    _, md, err = run(capsys, *base, "--format", "md")
    assert ANTHROPIC not in md and err.startswith("redacted: ")
    _, page, _ = run(capsys, *base, "--format", "html")
    assert page.startswith("<!doctype html>") and ANTHROPIC not in page
    _, doc, err = run(capsys, *base, "--format", "json")
    assert json.loads(doc)["id"] == "sess-7f3c2a9e" and err == ""
    code, _, err = run(capsys, *base, "--format", "html", "-o", str(tmp_path / "p.html"))
    assert code == 0 and "wrote " in err and "redacted: " in err


def test_show_a_path_of_either_generation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    legacy = tmp_path / "legacy.json"
    legacy.write_text(
        a3s_session.v3.SessionData.from_json(
            (Path(a3s_session.__file__).parent / "data" / "sample_session.json").read_text(
                encoding="utf-8"
            ),
            unknown="ignore",
        ).to_json(pretty=True),
        encoding="utf-8",
    )
    for path in (str(a3s_session.sample_session_file()), str(legacy)):
        code, out, _ = run(capsys, "show", path)
        assert code == 0 and "refactor-parser" in out


def test_show_missing_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", "missing.json")
    assert code == 2 and "missing.json" in err


def test_a_long_transcript_on_a_terminal_goes_through_the_pager(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from a3s_session.cli import show

    paged = tmp_path / "paged.txt"
    monkeypatch.setattr(show, "_isatty", lambda _stream: True)
    monkeypatch.setenv("PAGER", f"cat > {paged}")
    monkeypatch.setenv("LINES", "10")
    monkeypatch.setenv("COLUMNS", "72")
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, _ = run(capsys, "show", "sess-v9", "--store", str(store))
    assert code == 0 and out == ""
    text = paged.read_text(encoding="utf-8")
    assert " 1. user " in text and max(len(line) for line in text.splitlines()) <= 72
    # Shorter than the screen: printed, no pager.
    paged.unlink()
    monkeypatch.setenv("LINES", "500")
    code, out, _ = run(capsys, "show", "sess-v9", "--store", str(store))
    assert code == 0 and " 1. user " in out and not paged.exists()
