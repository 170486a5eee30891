"""``a3s-session doctor``: the report of :mod:`a3s_session.doctor`, for a terminal or --json."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from .._safe_text import visible
from ..repair import DoctorReport, doctor
from .terminal import EXIT_INVALID, EXIT_OK, CliError, Progress, Style, _os_message, _print


def _key(path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            raw = f.read(1024)
    except OSError as err:
        raise CliError(_os_message(err, path)) from None
    text = raw.strip()
    if len(text) == 64:
        try:
            return bytes.fromhex(text.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            pass
    if len(raw) == 32:
        return raw
    raise CliError(f"{path}: expected a 32-byte key (raw, or 64 hex digits)")


def cmd_doctor(args: argparse.Namespace, style: Style) -> int:
    bar: list[Progress] = []

    def progress(done: int, total: int) -> None:
        if not bar:
            bar.append(Progress(total, sys.stderr, "checking"))
        bar[0].update(done)

    try:
        report = doctor(
            args.dir, fix=args.fix, encryption_key=_key(args.key_file), progress=progress
        )
    except OSError as err:
        raise CliError(_os_message(err, args.dir)) from None
    finally:
        if bar:
            bar[0].clear()
    if args.json:
        _print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(report, style, args.fix)
    return EXIT_OK if report.ok else EXIT_INVALID


def _print_report(report: DoctorReport, style: Style, fixing: bool) -> None:
    """Findings, 80 columns: a tag line with the path in the store, then the text indented."""
    for f in report.findings:
        if f.fixed is not None:
            tag = style.green("FIXED")
        elif f.fixable:
            tag = style.yellow("FIXABLE")
        else:
            tag = style.red("PROBLEM")
        _print(f"{tag} {f.kind}: {visible(_within(f.path, report.store))}")
        for text in (f.message, f.fixed):
            if text is not None:
                _print(_wrapped(visible(text)))
    left = report.remaining
    fixable = sum(1 for f in left if f.fixable)
    summary = f"{report.checked_files} documents checked, {len(report.findings)} problems"
    if report.findings:
        summary += f", {len(report.findings) - len(left)} fixed, {len(left)} left"
    _print(style.bold(summary))
    if fixable and not fixing:
        _print(f"run with --fix to repair the {fixable} marked FIXABLE")


def _within(path: Path, store: Path) -> str:
    try:
        return str(path.relative_to(store)) or "."
    except ValueError:
        return str(path)


def _wrapped(text: str) -> str:
    return textwrap.fill(
        text, width=80, initial_indent="    ", subsequent_indent="    ", break_on_hyphens=False
    )
