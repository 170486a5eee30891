"""``a3s-session ls``: the sessions under a directory, one line each, fitting the terminal."""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
from typing import Any

from .._names import v1_id_from_file_name
from .._native import SessionFormatError
from .._safe_text import visible
from .._scan import clean_session_rows
from .._summary import iso_when
from ..files import SessionDirectory, SessionFile
from ..files.model import V1, Layout
from ..files.walk import store_roots
from .layout import compact_number, fit_table, plural, terminal_width
from .terminal import (
    EXIT_INVALID,
    EXIT_OK,
    LS_COLUMNS,
    CliError,
    Progress,
    Style,
    _eprint,
    _isatty,
    _os_message,
    _print,
    format_error,
)

# --sort KEY -> (row field, largest first?)
SORTS: dict[str, tuple[str, bool]] = {
    "updated": ("updated_at", True),
    "created": ("created_at", True),
    "cost": ("cost_usd", True),
    "tokens": ("tokens", True),
    "messages": ("messages", True),
    "name": ("name", False),
    "id": ("id", False),
}


def _row(f: SessionFile, path: pathlib.Path) -> dict[str, Any]:
    s = f.session
    return {
        "id": s.id,
        "layout": f.layout,
        "generation": f.generation,
        "state": str(s.state.value),
        "name": s.config.name,
        "messages": len(s.messages),
        "tokens": s.total_usage.total_tokens,
        "cost_usd": s.total_cost,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "updated": iso_when(s.updated_at),
        "unknown_fields": f.unknown_fields,
        "path": str(path),
    }


def _error_text(path: pathlib.Path, problem: Exception | None) -> str:
    if isinstance(problem, SessionFormatError):
        return format_error(path, problem)
    if isinstance(problem, OSError):
        return _os_message(problem, path)
    return f"{path}: {problem}"


def list_sessions(
    top: str, generation: Any, *, quiet: bool = False, threads: int | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per session file under ``top`` (every store in it, recursively), and one
    message per file that could not be read, in listing order.

    The files are read by the scan (the crates in Rust threads, ``threads`` of them, no
    session object made); a file it cannot read cleanly (an error, fields the crate would
    drop, a v1 file name that does not match the id inside) is read again one at a time as
    :class:`SessionDirectory` reads it, which gives its message or its unknown fields."""
    if not os.path.isdir(top):
        if os.path.exists(top):
            raise CliError(f"{top}: not a directory, expected a session store")
        raise CliError(f"{top}: no such file or directory")
    try:
        stores = [SessionDirectory(root, generation=generation) for root in store_roots(top)]
    except OSError as err:
        raise CliError(_os_message(err, top)) from None
    entries = [(d, p, layout) for d in stores for p, layout in d._files()]
    bar = Progress(len(entries), sys.stderr, "reading") if not quiet else None
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    try:
        # A generation forced on every file is read the exact way only.
        scanned = _scanned_rows(entries, threads, bar) if generation is None else {}
        for done, entry in enumerate(entries, 1):
            row = scanned.get(done - 1)
            if row is None:
                row, error = _read_row(entry)
                if row is None:
                    errors.append(error)
                    continue
            rows.append(row)
            if bar is not None and not scanned:
                bar.update(done)
    finally:
        if bar is not None:
            bar.clear()
    return rows, errors


#: The scan's columns a row is made of.
_SCANNED = (
    "id",
    "layout",
    "generation",
    "state",
    "name",
    "message_count",
    "total_tokens",
    "total_cost",
    "created_at",
    "updated_at",
)


def _scanned_rows(
    entries: list[tuple[SessionDirectory, pathlib.Path, Layout]],
    threads: int | None,
    bar: Progress | None,
) -> dict[int, dict[str, Any]]:
    """Rows of the files the scan read cleanly, by position in ``entries``."""
    if not entries:
        return {}
    progress = None if bar is None else (lambda done, _bytes: bar.update(done))
    files = [str(p) for _, p, _ in entries]
    clean = clean_session_rows(files, _SCANNED, threads=threads, progress=progress)
    rows: dict[int, dict[str, Any]] = {}
    for index, c in clean.items():
        _, p, layout = entries[index]
        if layout == V1 and v1_id_from_file_name(p.name) != c["id"]:
            continue  # read again, for the message
        rows[index] = {
            "id": c["id"],
            "layout": c["layout"],
            "generation": c["generation"],
            "state": c["state"],
            "name": c["name"],
            "messages": c["message_count"],
            "tokens": c["total_tokens"],
            "cost_usd": c["total_cost"],
            "created_at": c["created_at"],
            "updated_at": c["updated_at"],
            "updated": iso_when(c["updated_at"]),
            "unknown_fields": [],
            "path": files[index],
        }
    return rows


def _read_row(
    entry: tuple[SessionDirectory, pathlib.Path, Layout],
) -> tuple[dict[str, Any] | None, str]:
    """One file's row read the exact way, or (None, why it could not be read)."""
    directory, p, layout = entry
    e = directory._entry(p, layout)
    if e.file is None:
        return None, _error_text(e.path, e.error)
    return _row(e.file, e.path), ""


def _sorted(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    field, descending = SORTS[key]
    rows = sorted(rows, key=lambda r: (r["id"], r["layout"]))
    return sorted(rows, key=lambda r: r[field], reverse=descending)


def cmd_ls(args: argparse.Namespace, style: Style, generation: Any) -> int:
    quiet = getattr(args, "quiet", False)
    rows, errors = list_sessions(
        args.dir, generation, quiet=quiet, threads=getattr(args, "jobs", None)
    )
    for line in errors:
        _eprint(line)
    total = len(rows)
    rows = _sorted(rows, args.sort)
    if args.limit is not None:
        if args.limit < 0:
            raise CliError("--limit must be 0 or more")
        rows = rows[: args.limit]
    if args.json:
        _print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif _isatty(sys.stdout):
        _print_table(rows, style, args.dir)
        if not quiet and (rows or errors):
            _print(_summary(total, len(rows), errors))
    else:
        _print("\t".join((*LS_COLUMNS, "name", "path")))
        for r in rows:
            _print("\t".join(visible(str(r[k])) for k in (*LS_COLUMNS, "name", "path")))
    if errors and not quiet and not _isatty(sys.stdout):
        _eprint(plural(len(errors), "file") + " could not be read")
    return EXIT_INVALID if errors else EXIT_OK


def _summary(total: int, shown: int, errors: list[str]) -> str:
    text = plural(total, "session")
    if shown < total:
        text = f"{shown:,} of {text} shown"
    if errors:
        text += f"; {plural(len(errors), 'file')} could not be read (above)"
    return text


def _print_table(rows: list[dict[str, Any]], style: Style, where: str) -> None:
    if not rows:
        _print(f"no sessions in {where}")
        return
    header = ["ID", "NAME", "GEN", "MSGS", "TOKENS", "COST", "UPDATED"]
    body = [
        [
            r["id"] + ("*" if r["unknown_fields"] else ""),
            r["name"] or "-",
            r["generation"],
            f"{r['messages']:,}",
            compact_number(r["tokens"]),
            f"${r['cost_usd']:,.2f}",
            iso_when(r["updated_at"])[:16].replace("T", " "),
        ]
        for r in rows
    ]
    lines = fit_table(body, header, right={3, 4, 5}, shrink=[1, 0], width=terminal_width())
    _print(style.bold(lines[0]))
    for line in lines[1:]:
        _print(line)
    if any(r["unknown_fields"] for r in rows):
        _print(style.yellow("* has fields unknown to the crate that read it (not written back)"))
