"""The commands: inspect, validate, ls, export, migrate, and the default summary."""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .. import CRATE_VERSIONS, v9
from .._native import (
    SessionFormatError,
)
from .._scan import clean_session_rows
from .._summary import render, summarize
from ..factlog import log_status
from ..files import (
    V1,
    SessionFile,
    find_unknown_fields,
    first_difference,
    read_session_file,
    safe_session_id,
)
from ..files.walk import session_files
from .export import to_jsonl
from .layout import plural
from .listing import cmd_ls as list_command
from .show import EXPORT_FORMATS, deliver, rendered, resolve, show
from .tables import cmd_export_parquet
from .terminal import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    Progress,
    Style,
    _eprint,
    _os_message,
    _print,
    format_error,
    sample_path,
)

# Which crate reads files (None: chosen per document); set from --generation in `main`.
_GENERATION: list[Any] = [None]


def _read(path: str) -> SessionFile:
    """Read a session file; CliError(2) when unreadable, CliError(1) when not a session."""
    try:
        return read_session_file(path, generation=_GENERATION[0])
    except OSError as err:
        raise CliError(_os_message(err, path), EXIT_USAGE) from None
    except SessionFormatError as err:
        raise CliError(format_error(path, err), EXIT_INVALID) from None


def _unknown_text(fields: Sequence[str], limit: int = 6) -> str:
    shown = ", ".join(fields[:limit])
    if len(fields) > limit:
        shown += f", ... ({len(fields)} in all)"
    return shown


def _crate_text(f: SessionFile) -> str:
    return f"a3s-code-core {CRATE_VERSIONS[f.generation]}"


def _layout_text(f: SessionFile) -> str:
    if f.layout != V1:
        return f"legacy (bare SessionData), read by {_crate_text(f)}"
    parts = []
    for key, value in f.extras.items():
        parts.append(f"{key} {len(value)}" if isinstance(value, (list, dict)) else key)
    return (
        "v1 snapshot" + (f" ({', '.join(parts)})" if parts else "") + f", read by {_crate_text(f)}"
    )


@dataclass
class RoundTrip:
    ok: bool
    verdict: str
    layout: str | None = None
    """``pretty`` or ``compact``: the crate output the file was compared with (legacy)."""

    @property
    def detail(self) -> str:
        return f"{self.verdict} ({self.layout})" if self.layout else self.verdict


def _byte_position(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    start = text.rfind("\n", 0, index) + 1
    return f"line {line} column {len(text[start:index].encode('utf-8')) + 1}"


def _has_unordered(session_dict: dict[str, Any]) -> bool:
    cfg = session_dict.get("config") or {}
    queue = cfg.get("queue_config") or {}
    policy = cfg.get("confirmation_policy") or {}
    return (
        len(queue.get("laneHandlers") or {}) > 1
        or len(queue.get("laneTimeouts") or {}) > 1
        or len(policy.get("yolo_lanes") or []) > 1
    )


def _canonical(doc: Any) -> Any:
    """A parsed session with its one set-valued field (``yolo_lanes``) sorted; maps already
    compare regardless of order as dicts."""
    policy = (doc.get("config") or {}).get("confirmation_policy") if isinstance(doc, dict) else None
    if isinstance(policy, dict) and isinstance(policy.get("yolo_lanes"), list):
        policy["yolo_lanes"] = sorted(policy["yolo_lanes"], key=str)
    return doc


def check_roundtrip(f: SessionFile) -> RoundTrip:
    """Does the crate write this session back as it was read?

    Legacy files must come back byte for byte (pretty or compact; for sessions with several
    hash-map/set entries, whose order serde does not fix, equal as JSON and in length). For v1
    snapshots only the ``session`` member is compared, as JSON values."""
    session = f.session
    if f.unknown_fields:
        return RoundTrip(
            False,
            f"would drop {len(f.unknown_fields)} fields unknown to "
            f"{_crate_text(f)}: {_unknown_text(f.unknown_fields)}",
        )
    if f.snapshot is not None:
        # Today's store writes the whole envelope, pretty: compare all of it, byte for byte.
        return _compare_text(
            f.text, f.snapshot.to_json(pretty=True), f.snapshot.to_json(), f.session.to_dict()
        )
    if f.layout == V1:
        source = json.loads(f.session_text)
        written = json.loads(session.to_json())
        diff = first_difference(source, written)
        if diff is None:
            return RoundTrip(
                True,
                "of the session equal as JSON (v1 envelope: compared "
                "semantically, not byte for byte)",
            )
        where = f" at session.{diff}" if diff else ""
        return RoundTrip(False, f"of the session differs{where}")
    return _compare_text(
        f.session_text,
        session.to_json(pretty=True),
        session.to_json(),
        session.to_dict(),
        generation=f.generation,
    )


_NUMBER_CHARS = frozenset("0123456789+-.eE")


def _number_at(text: str, index: int) -> str | None:
    """The JSON number token around ``index``, or None when ``index`` is not inside one."""
    if index >= len(text) or text[index] not in _NUMBER_CHARS:
        return None
    start = index
    while start > 0 and text[start - 1] in _NUMBER_CHARS:
        start -= 1
    end = index
    while end < len(text) and text[end] in _NUMBER_CHARS:
        end += 1
    token = text[start:end]
    try:
        float(token)
    except ValueError:
        return None
    return token


def _float_reading_note(text: str, out: str, index: int, generation: str) -> str:
    """When 3.0.0 wrote a number back as another value: why (its serde_json build reads
    floats without ``float_roundtrip``, so a decimal may land one ulp away)."""
    if generation != "v3":
        return ""
    read, written = _number_at(text, index), _number_at(out, index)
    if read is None or written is None or float(read) == float(written):
        return ""
    return (
        f": the number {read} comes back as {written}, because a3s-code-core 3.0.0's "
        "serde_json reads floats without `float_roundtrip` (9.1.3 reads it exactly: "
        "--generation v9)"
    )


def _compare_text(
    text: str,
    pretty: str,
    compact: str,
    session_dict: dict[str, Any],
    *,
    generation: str = "v9",
) -> RoundTrip:
    """Is ``text`` what the crate writes (``pretty`` or ``compact``)?"""
    if pretty == text:
        return RoundTrip(True, "byte-identical", "pretty")
    if compact == text:
        return RoundTrip(True, "byte-identical", "compact")
    out = pretty if "\n" in text else compact
    layout = "pretty" if out is pretty else "compact"
    if _has_unordered(session_dict) and len(out) == len(text):
        try:
            same = _canonical(json.loads(text)) == _canonical(json.loads(out))
        except ValueError:
            same = False
        if same:
            return RoundTrip(True, "identical up to hash-map order", layout)
    if out == text.rstrip(" \t\r\n"):
        return RoundTrip(False, "differs only in trailing whitespace", layout)
    index = next((i for i, (a, b) in enumerate(zip(text, out)) if a != b), min(len(text), len(out)))
    note = _float_reading_note(text, out, index, generation)
    return RoundTrip(
        False,
        f"differs from the crate's {layout} output at {_byte_position(text, index)}{note}",
        None,
    )


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------
def _extra_rows(f: SessionFile, style: Style, *, file_row: bool = True) -> list[tuple[str, str]]:
    extra = [("file", str(f.path))] if file_row else []
    extra.append(("layout", _layout_text(f)))
    if f.unknown_fields:
        extra.append(
            (
                "unknown",
                style.yellow(
                    f"{len(f.unknown_fields)} fields unknown to {_crate_text(f)} "
                    f"(not written back): {_unknown_text(f.unknown_fields)}"
                ),
            )
        )
    return extra


_AGREEMENT_TEXT = {
    "agrees": "messages agree with it",
    "messages-ahead": "messages has turns the log lacks (the agent will drop them)",
    "log-ahead": "the log has turns messages lacks (the agent went on)",
    "differs": "messages and the log differ",
}


def _fact_log_row(status: dict[str, object] | None, style: Style) -> list[tuple[str, str]]:
    """9.1.3 resumes from the workspace's fact log, not from messages: say what it holds."""
    if status is None:
        return []
    if not status["reachable"]:
        return [("fact log", style.dim(f"workspace {status['workspace'] or '(empty)'} not here"))]
    if not status.get("exists"):
        return [("fact log", f"none yet in {status['workspace']}")]
    if "error" in status:
        return [("fact log", style.red(f"unreadable: {status['error']}"))]
    agreement = str(status["agreement"])
    text = f"{status['facts']} facts; {_AGREEMENT_TEXT[agreement]}"
    if status["durable_source"] not in ("none", "holds"):
        text += f"; {status['durable_source']}"
    good = agreement == "agrees" and status["durable_source"] in ("none", "holds")
    return [("fact log", text if good else style.yellow(text)), ("log file", str(status["path"]))]


def cmd_default(path: str | None, style: Style) -> int:
    """Summary and round-trip check (what ``python -m a3s_session`` prints)."""
    target = path if path is not None else str(sample_path())
    f = _read(target)
    _print(f"{target}{'  (bundled sample)' if path is None else ''}")
    _print(render(summarize(f.session), _extra_rows(f, style, file_row=False), style.bold))
    rt = check_roundtrip(f)
    size = len(f.session_text.encode("utf-8"))
    verdict = style.green(rt.verdict) if rt.ok else style.red(rt.verdict)
    _print(f"round trip: {verdict} ({size:,} bytes{', ' + rt.layout if rt.layout else ''})")
    return EXIT_OK if rt.ok else EXIT_INVALID


def cmd_inspect(args: argparse.Namespace, style: Style) -> int:
    path = resolve(args.path, args.store)
    f = _read(path)
    info = summarize(f.session)
    fact_log = log_status(f.session)
    if args.json:
        info.update(
            path=path,
            layout=f.layout,
            unknown_fields=f.unknown_fields,
            envelope={
                k: (len(v) if isinstance(v, (list, dict)) else v) for k, v in f.extras.items()
            },
        )
        if fact_log is not None:
            info["fact_log"] = fact_log
        _print(json.dumps(info, indent=2, ensure_ascii=False))
        return EXIT_OK
    _print(render(info, _extra_rows(f, style) + _fact_log_row(fact_log, style), style.bold))
    return EXIT_OK


def _expand(paths: Sequence[str]) -> list[str]:
    """Files as given; a directory as every session file under it (as the scan finds them)."""
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            out.extend(path for path, _ in session_files(p))
        else:
            out.append(p)
    return out


def cmd_validate(args: argparse.Namespace, style: Style) -> int:
    paths = _expand(args.paths)
    if not paths:
        raise CliError(f"no session files (*.json) in {', '.join(args.paths)}")
    quiet = getattr(args, "quiet", False)
    progress = Progress(len(paths), sys.stderr, "validating")
    failed = unreadable = 0
    # The scan reads every file first (the crates in Rust threads); a file it cannot pass
    # as it is, and every file of --roundtrip or a forced generation, is read the exact way.
    fast = not args.roundtrip and _GENERATION[0] is None
    for done, path, clean in _scanned_first(paths, fast, getattr(args, "jobs", None), progress):
        if clean is not None:
            line, status = _verdict(path, True, [_layout_note(clean)], style), EXIT_OK
        else:
            line, status = _validate_one(path, args.roundtrip, args.strict, style)
        if status == EXIT_INVALID:
            failed += 1
        elif status == EXIT_USAGE:
            unreadable += 1
        progress.clear()
        if status == EXIT_USAGE:
            sys.stdout.flush()
            _eprint(line)
        elif not (quiet and status == EXIT_OK):
            _print(line)
            if progress.enabled:  # before the bar is drawn again (stderr lines flush above)
                sys.stdout.flush()
        progress.update(done)
    progress.clear()
    if len(paths) > 1 and not quiet:
        ok = len(paths) - failed - unreadable
        summary = f"{plural(len(paths), 'file')}: {ok:,} OK, {failed:,} failed"
        if unreadable:
            summary += f", {unreadable:,} unreadable"
        _print(style.bold(summary))
    if unreadable:
        return EXIT_USAGE
    return EXIT_INVALID if failed else EXIT_OK


#: Files scanned at once by validate: output starts after the first chunk, not the last.
_VALIDATE_CHUNK = 2048


def _scanned_first(
    paths: list[str], fast: bool, threads: int | None, progress: Progress
) -> Iterator[tuple[int, str, str | None]]:
    """(position from 1, path, layout if the scan read it cleanly, else None), in order."""
    for start in range(0, len(paths), _VALIDATE_CHUNK):
        chunk = paths[start : start + _VALIDATE_CHUNK]
        clean: dict[int, dict[str, Any]] = {}
        if fast:

            def scanned(done: int, _bytes: int, start: int = start) -> None:
                progress.update(start + done)

            clean = clean_session_rows(chunk, ["layout"], threads=threads, progress=scanned)
        for i, path in enumerate(chunk):
            row = clean.get(i)
            yield start + i + 1, path, None if row is None else row["layout"]


def _layout_note(layout: str) -> str:
    return layout if layout != V1 else "v1 snapshot"


def _verdict(path: str, ok: bool, notes: list[str], style: Style) -> str:
    word = style.green("OK") if ok else style.red("FAIL")
    return f"{word} {path} ({'; '.join(notes)})"


def _validate_one(path: str, roundtrip: bool, strict: bool, style: Style) -> tuple[str, int]:
    try:
        f = read_session_file(path, generation=_GENERATION[0])
    except OSError as err:
        return _os_message(err, path), EXIT_USAGE
    except SessionFormatError as err:
        return f"{style.red('FAIL')} {format_error(path, err)}", EXIT_INVALID
    notes: list[str] = [_layout_note(f.layout)]
    ok = True
    if roundtrip:
        rt = check_roundtrip(f)
        ok = rt.ok
        notes.append("round trip " + rt.detail)
    if f.unknown_fields and not roundtrip:
        if strict:
            ok = False
        notes.append(
            style.yellow(
                f"{len(f.unknown_fields)} fields unknown to {_crate_text(f)}: "
                f"{_unknown_text(f.unknown_fields)}"
            )
        )
    return _verdict(path, ok, notes, style), EXIT_OK if ok else EXIT_INVALID


def cmd_ls(args: argparse.Namespace, style: Style) -> int:
    return list_command(args, style, _GENERATION[0])


# -- export ------------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace, style: Style) -> int:
    if args.format == "parquet":
        return cmd_export_parquet(args, style)
    path = resolve(args.path, args.store)
    f = _read(path)
    summary = None  # jsonl is the crate's own JSON of each message, never redacted
    fmt = EXPORT_FORMATS.get(args.format, args.format)
    if fmt == "jsonl":
        text = to_jsonl(f.session)
    else:
        out = rendered(f, fmt, args)
        text, summary = out.text, out.summary()
    said = f"; {summary}" if summary is not None else ""
    return deliver(
        text,
        args,
        source=path,
        wrote=f"{fmt}, {len(f.session.messages)} messages, read by {_crate_text(f)}{said}",
        summary=summary,
    )


def cmd_show(args: argparse.Namespace, style: Style) -> int:
    path = resolve(args.session, args.store)
    return show(path, _read(path), args)


def cmd_migrate(args: argparse.Namespace, style: Style) -> int:
    src, dst = pathlib.Path(args.src), pathlib.Path(args.dst)
    if not src.is_dir():
        raise CliError(f"{src}: not a directory, expected a 3.0.0 session store")
    waiting = Progress(sum(1 for _ in src.glob("*.json")), sys.stderr, "migrating")
    waiting.update(0)  # the crate migrates the whole store in one call: say it started
    try:
        report = v9.migrate_legacy_store(src, dst)
    except ValueError as err:
        raise CliError(str(err)) from None
    except OSError as err:
        raise CliError(_os_message(err, dst)) from None
    finally:
        waiting.clear()
    migrated: list[str] = report["migrated"]
    skipped: dict[str, str] = report["skipped"]
    # What 3.0.0 read of each session must all be in what 9.1.3 wrote.
    lost: dict[str, list[str]] = {}
    target = v9.FileSessionStore(dst)
    checking = Progress(len(migrated), sys.stderr, "checking")
    for done, sid in enumerate(migrated, 1):
        checking.update(done)
        legacy = src / f"{safe_session_id(sid)}.json"
        try:
            # The generation the document calls for, so 9.x fields are checked too.
            old = read_session_file(legacy).session if legacy.exists() else None
        except SessionFormatError:
            old = None  # the crate migrated what it could read; nothing to compare with
        new = target.load(sid)
        if old is not None and new is not None:
            missing = find_unknown_fields(old.to_dict(), new.to_dict())
            if missing:
                lost[sid] = missing
    checking.clear()
    if args.json:
        _print(json.dumps({"migrated": migrated, "skipped": skipped, "lost": lost}, indent=2))
    else:
        for sid, reason in skipped.items():
            _print(style.red("SKIP") + f" {sid}: {reason}")
        for sid, fields in lost.items():
            _print(style.yellow("LOST") + f" {sid}: {_unknown_text(fields)}")
        _print(
            f"migrated {len(migrated)} sessions from {src} into {dst} "
            f"(a3s-code-core {CRATE_VERSIONS['v9']} store); {len(skipped)} skipped"
        )
    return EXIT_INVALID if skipped or lost else EXIT_OK
