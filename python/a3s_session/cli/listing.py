"""``a3s-session ls``: the sessions under a directory, one line each, fitting the terminal."""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
from typing import Any

from .._native import SessionFormatError
from .._safe_text import visible
from .._summary import iso_when
from ..files import SessionDirectory, SessionFile
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
    top: str, generation: Any, *, quiet: bool = False
) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per session file under ``top`` (every store in it, recursively), read one file
    at a time, and one message per file that could not be read."""
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
        for done, (directory, p, layout) in enumerate(entries, 1):
            e = directory._entry(p, layout)
            if e.file is None:
                errors.append(_error_text(e.path, e.error))
            else:
                rows.append(_row(e.file, e.path))
            if bar is not None:
                bar.update(done)
    finally:
        if bar is not None:
            bar.clear()
    return rows, errors


def _sorted(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    field, descending = SORTS[key]
    rows = sorted(rows, key=lambda r: (r["id"], r["layout"]))
    return sorted(rows, key=lambda r: r[field], reverse=descending)


def cmd_ls(args: argparse.Namespace, style: Style, generation: Any) -> int:
    quiet = getattr(args, "quiet", False)
    rows, errors = list_sessions(args.dir, generation, quiet=quiet)
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
