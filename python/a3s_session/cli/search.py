"""``a3s-session search``: full-text search across sessions (``a3s_session.fulltext`` keeps
the index and answers; this prints)."""

from __future__ import annotations

import argparse
import json
import sys

from .._safe_text import visible
from ..fulltext import SearchHit, SearchIndex
from .layout import plural, terminal_width
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
from .usage import roots_of

_FIELD_LABEL = {
    "text": "",
    "reasoning": "reasoning",
    "tool_input": "tool input",
    "tool_result": "tool result",
}


def _marked(hit: SearchHit, style: Style) -> str:
    """The snippet with each match bold (colour) or between ** (no colour)."""
    out, at = [], 0
    for start, end in hit.highlights:
        out.append(visible(hit.snippet[at:start]))
        term = visible(hit.snippet[start:end])
        out.append(style.bold(style.yellow(term)) if style.enabled else f"**{term}**")
        at = end
    out.append(visible(hit.snippet[at:]))
    return "".join(out)


def print_hits(hits: list[SearchHit], style: Style) -> None:
    width = terminal_width()
    for hit in hits:
        where = f"#{hit.message_index + 1} {visible(hit.role)}"
        label = _FIELD_LABEL[hit.field]
        if label:
            where += f" {label}"
        if hit.tools:
            where += f" [{visible(', '.join(hit.tools))}]"
        when = hit.time.strftime("%Y-%m-%d %H:%M")
        title = f"{visible(hit.session_id)}  {when}  {where}"
        name = visible(hit.session_name)
        room = width - len(title) - 2
        if name and room > 8:
            title += "  " + (name if len(name) <= room else name[: room - 1] + "…")
        _print(style.bold(title[:width]))
        _print("  " + _marked(hit, style))
        if hit.also:
            _print(style.dim(f"  (the same text in {plural(hit.also, 'more message')})"))


def cmd_search(args: argparse.Namespace, style: Style) -> int:
    quiet = getattr(args, "quiet", False)
    roots = roots_of(args.dirs, "search")
    bar: list[Progress] = []

    def progress(done: int, total: int) -> None:
        if not bar:
            bar.append(Progress(total, sys.stderr, "indexing"))
        bar[0].update(done)

    try:
        with SearchIndex(args.index) as index:
            if not args.no_update:
                try:
                    report = index.update(roots, progress=progress)
                finally:
                    if bar:
                        bar[0].clear()
                if report.read and not quiet and not args.json:
                    took = f" in {report.seconds:.1f} s" if report.seconds >= 1 else ""
                    gone = f", {report.removed:,} gone" if report.removed else ""
                    _eprint(
                        f"indexed {plural(report.read, 'new or changed file')}{took} "
                        f"({plural(report.files, 'file')} in all{gone})",
                        prefix=False,
                    )
            hits = index.query(
                args.query,
                roots,
                role=args.role,
                tool=args.tool,
                since=args.since,
                until=args.until,
                session=args.session,
                limit=args.limit,
                tz=args.tz,
            )
            unreadable = index.unreadable(roots)
    except ValueError as err:
        raise CliError(str(err)) from None
    except OSError as err:
        raise CliError(_os_message(err, err.filename or args.index or "")) from None
    if args.json:
        _print(json.dumps([h.as_json() for h in hits], indent=2, ensure_ascii=False))
    elif hits:
        print_hits(hits, style)
        if not quiet:
            more = " (the best; --limit N for more)" if len(hits) == args.limit else ""
            _print(style.dim(f"{plural(len(hits), 'hit')}{more}"))
    elif not quiet:
        _print(f"no match for {visible(repr(args.query))}")
    if unreadable and not quiet:
        _eprint(
            f"{plural(unreadable, 'file')} could not be read and are not searched "
            "(a3s-session validate DIR says why)"
        )
    return EXIT_OK if hits else EXIT_INVALID
