"""``a3s-session usage``: tokens and dollars by period and group (``a3s_session.accounting``
computes; this prints)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from .._scan import scan
from ..accounting import UsageReport, UsageRow, usage
from ..locate import default_stores
from ..renderers.usage_html import usage_page
from .layout import compact_number, fit_table, plural, terminal_width
from .show import write_output
from .tables import report_errors
from .terminal import (
    EXIT_INVALID,
    EXIT_OK,
    CliError,
    Progress,
    Style,
    _eprint,
    _os_message,
    _print,
)

SOURCE_MARK = {"cost_records": "R", "total_cost": "T", "both": "R+T", "none": "-"}


def roots_of(dirs: list[str], command: str) -> list[str]:
    """The directories given, or the default stores (as `show` finds sessions)."""
    if dirs:
        return dirs
    found = [str(p.path) for p in default_stores() if p.path.is_dir()]
    if not found:
        raise CliError(
            f"{command}: no directory given and no session store found: pass DIR, set "
            "$A3S_SESSION_STORE, or set sessions_dir in ~/.a3s/config.acl"
        )
    return found


def _row_cells(r: UsageRow, grouped: bool) -> list[str]:
    cells = [r.period]
    if grouped:
        cells.append(r.group or "")
    cells += [
        f"{r.sessions:,}",
        f"{r.calls:,}",
        compact_number(r.prompt_tokens),
        compact_number(r.completion_tokens),
        f"${r.cost_usd:,.2f}",
        SOURCE_MARK[r.cost_source],
    ]
    return cells


def print_report(report: UsageReport, roots: list[str], style: Style, top: int) -> None:
    width = terminal_width()
    grouped = report.group is not None
    span = ""
    if report.since or report.until:
        since = report.since.date().isoformat() if report.since else "start"
        until = report.until.date().isoformat() if report.until else "now"
        span = f", {since} to {until}"
    folders = plural(len(roots), "folder")
    _print(
        style.bold(f"Usage by {report.by}{span}")
        + f" ({report.tz} time): {plural(len(report.sessions), 'session')} in {folders}"
    )
    if report.duplicates:
        _print(
            f"{plural(report.duplicates, 'copy', 'copies')} of sessions found twice, counted once"
        )
    _print()
    header = [report.by.upper()]
    if grouped:
        header.append((report.group or "").upper())
    header += ["SESSIONS", "CALLS", "INPUT", "OUTPUT", "COST", "FROM"]
    body = [_row_cells(r, grouped) for r in report.rows]
    totals = _row_cells(report.totals, grouped)
    if grouped:
        totals[1] = ""
    right = set(range(2 if grouped else 1, len(header) - 1))
    shrink = [1, 0] if grouped else [0]
    lines = fit_table([*body, totals], header, right=right, shrink=shrink, width=width)
    _print(style.bold(lines[0]))
    for line in lines[1:-1]:
        _print(line)
    _print(style.bold(lines[-1]))
    _print(style.dim("FROM: R cost_records (one per model call), T total_cost (sessions"))
    _print(style.dim("without cost records), R+T both. Tokens exact in --json and --csv."))
    odd = report.disagreements
    if odd:
        _print()
        source = "total_cost" if report.cost_source == "total_cost" else "cost_records"
        _print(
            style.yellow(
                f"{plural(len(odd), 'session')} where cost_records and total_cost disagree"
            )
        )
        _print(style.yellow(f"(counted from {source}):"))
        rows = [
            [s.session_id, s.name, f"${s.records_cost:,.2f}", f"${s.total_cost:,.2f}"]
            for s in sorted(odd, key=lambda s: -abs(s.total_cost - s.records_cost))[:top]
        ]
        for line in fit_table(
            rows, ["ID", "NAME", "RECORDS", "TOTAL_COST"], right={2, 3}, shrink=[1, 0], width=width
        ):
            _print("  " + line)
        if len(odd) > top:
            _print(f"  … and {len(odd) - top:,} more (--json lists them all)")
        unpriced = sum(1 for s in odd if s.unpriced_records)
        if unpriced:
            _print(
                f"  {plural(unpriced, 'of them has', 'of them have')} cost records without "
                "cost_usd (counted as $0)"
            )
    if report.tools:
        _print()
        _print(style.bold("Tool calls"))
        rows = [
            [
                t.tool,
                f"{t.calls:,}",
                f"{t.results:,}",
                f"{t.errors:,}",
                "-" if t.error_rate is None else f"{100 * t.error_rate:.1f}%",
            ]
            for t in report.tools
        ]
        for line in fit_table(
            rows,
            ["TOOL", "CALLS", "RESULTS", "ERRORS", "ERROR RATE"],
            right={1, 2, 3, 4},
            shrink=[0],
            width=width,
        ):
            _print(line)
    if report.unreadable:
        _print()
        _print(
            style.yellow(f"{plural(len(report.unreadable), 'file')} could not be read (see stderr)")
        )


def cmd_usage(args: argparse.Namespace, style: Style) -> int:
    quiet = getattr(args, "quiet", False)
    roots = roots_of(args.dirs, "usage")
    bar: list[Progress] = []

    def progress(done: int, size: int) -> None:
        if bar:
            bar[0].update(done, size)

    for root in roots:  # the scan's listing error does not name the folder
        if not os.path.exists(root):
            raise CliError(f"{root}: no such file or directory")
    # Size the bar from a listing of the folders (the pass lists them again; cheap).
    try:
        total = scan(roots).total or (0, 0)
    except OSError as err:
        raise CliError(_os_message(err, err.filename or "")) from None
    bar.append(Progress(total[0], sys.stderr, "scanning", total_bytes=total[1]))
    try:
        report = usage(
            roots,
            by=args.by,
            group=args.group,
            since=args.since,
            until=args.until,
            tz=args.tz,
            cost_source=args.cost_source,
            tools=args.tools,
            progress=progress,
        )
    except ValueError as err:
        raise CliError(str(err)) from None
    except OSError as err:
        raise CliError(_os_message(err, err.filename or "")) from None
    finally:
        bar[0].clear()
    report_errors(report.unreadable)
    status = EXIT_INVALID if report.unreadable else EXIT_OK
    if args.html:
        write_output(args.html, usage_page(report, roots), force=args.force, source=roots[0])
        if not quiet:
            _eprint(f"wrote {args.html} ({plural(len(report.sessions), 'session')})", prefix=False)
    if args.json:
        _print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    elif args.csv:
        for line in report.to_csv().split("\n")[:-1]:
            _print(line)
    elif not args.html or not quiet:
        print_report(report, roots, style, args.top)
    return status
