"""The ``a3s-session`` command line.

::

    a3s-session                      summary + round-trip check of the bundled sample
    a3s-session FILE                 the same for FILE
    a3s-session inspect FILE         summary of one session file (either layout)
    a3s-session validate FILE...     does the crate accept these files (--roundtrip, --strict)
    a3s-session ls DIR               the sessions in a store directory, newest first
    a3s-session export FILE          transcript as Markdown or JSON Lines
    a3s-session bench                the benchmarks (source checkout only)

Exit status: 0 success; 1 a session file failed validation (or a round trip differs);
2 usage errors and files that cannot be read (missing, a directory, no permission).
Tables and colour only when stdout is a terminal; ``NO_COLOR`` (non-empty) turns colour off.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import pathlib
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, NoReturn, TextIO

from . import CRATE_VERSION, CRATE_VERSIONS, __version__, v9
from ._native import (
    ImageBlock,
    Message,
    SessionData,
    SessionFormatError,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
)
from ._summary import iso_when, render, summarize, when
from .files import (
    V1,
    SessionDirectory,
    SessionFile,
    first_difference,
    read_session_file,
)

PROG = "a3s-session"
COMMANDS = ("inspect", "validate", "ls", "export", "bench")
PROGRESS_MIN_FILES = 20
#: Columns of `ls` output when piped (tab-separated, one header line).
LS_COLUMNS = ("id", "layout", "generation", "state", "messages", "tokens", "cost_usd", "updated")

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A problem reported as one line on stderr (no traceback) with an exit status."""

    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------------------------------
# Terminal handling
# ---------------------------------------------------------------------------------------------
def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def color_enabled(stream: TextIO, mode: str = "auto") -> bool:
    """Colour for ``stream``: ``always``/``never``, or (``auto``) only on a terminal, unless
    ``NO_COLOR`` is set to a non-empty value or ``TERM=dumb``."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return _isatty(stream)


class Style:
    """ANSI styling that is a no-op when disabled."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _sgr(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled and text else text

    def bold(self, text: str) -> str:
        return self._sgr("1", text)

    def dim(self, text: str) -> str:
        return self._sgr("2", text)

    def red(self, text: str) -> str:
        return self._sgr("31", text)

    def green(self, text: str) -> str:
        return self._sgr("32", text)

    def yellow(self, text: str) -> str:
        return self._sgr("33", text)


class Progress:
    """A one-line progress bar on ``stream``, drawn only for many items on a terminal."""

    def __init__(self, total: int, stream: TextIO, label: str) -> None:
        self.total = total
        self.stream = stream
        self.label = label
        self.enabled = total >= PROGRESS_MIN_FILES and _isatty(stream)
        self._shown = 0

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // max(self.total, 1)
        line = f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total}"
        self.stream.write("\r" + line)
        self.stream.flush()
        self._shown = len(line)

    def clear(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def sample_path() -> pathlib.Path:
    """The bundled sample session, as written by the crate's FileSessionStore (pretty)."""
    return pathlib.Path(str(resources.files("a3s_session") / "data" / "sample_session.json"))


def _os_message(err: OSError, path: str | os.PathLike[str]) -> str:
    reason = err.strerror or str(err)
    if isinstance(err, IsADirectoryError):
        reason = "is a directory, expected a session file"
    elif isinstance(err, FileNotFoundError):
        reason = "no such file or directory"
    elif isinstance(err, PermissionError):
        reason = "permission denied"
    return f"{os.fspath(path)}: {reason}"


def format_error(path: str | os.PathLike[str], err: SessionFormatError) -> str:
    """``PATH:LINE:COLUMN: message [at field.path]`` (position and path when known)."""
    where = os.fspath(path)
    if err.line is not None and err.column is not None:
        where += f":{err.line}:{err.column}"
    msg = err.msg if err.msg is not None else str(err)
    field = err.path if err.path and err.path != "?" else ""
    return f"{where}: {msg}" + (f" [at {field}]" if field else "")


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
    return "v1 snapshot" + (f" ({', '.join(parts)})" if parts else "") + f", read by {_crate_text(f)}"


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
        return _compare_text(f.text, f.snapshot.to_json(pretty=True), f.snapshot.to_json(), f.session.to_dict())
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
        f.session_text, session.to_json(pretty=True), session.to_json(), session.to_dict()
    )


def _compare_text(text: str, pretty: str, compact: str, session_dict: dict[str, Any]) -> RoundTrip:
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
    return RoundTrip(
        False, f"differs from the crate's {layout} output at {_byte_position(text, index)}", None
    )


# ---------------------------------------------------------------------------------------------
# Argument parsing
# ---------------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """argparse, but errors become CliError (no SystemExit from inside main)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise CliError(message)


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default=argparse.SUPPRESS,
        help="colour output: auto (default: only on a terminal, honours NO_COLOR), always, never",
    )
    common.add_argument(
        "--generation",
        choices=("v3", "v9"),
        default=argparse.SUPPRESS,
        help="read files with a3s-code-core 3.0.0 (v3) or 9.1.3 (v9); default: chosen per "
        "file (a v1 envelope or a field only 9.x has: v9)",
    )
    parser = _Parser(
        prog=PROG,
        description="Inspect, validate, list and export A3S Code sessions with the real "
        f"a3s-code-core serde code ({CRATE_VERSIONS['v3']} and {CRATE_VERSIONS['v9']}). "
        "Without a command: summary and "
        "round-trip check of FILE (default: the bundled sample).",
        epilog="exit status: 0 ok, 1 a session failed validation, 2 usage or I/O error",
        parents=[common],
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"{PROG} {__version__} (a3s-code-core {CRATE_VERSIONS['v3']} and "
        f"{CRATE_VERSIONS['v9']})",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "inspect",
        parents=[common],
        help="summary of one session file",
        description="Summary of a session file of either layout (legacy bare "
        "SessionData or v1 snapshot envelope).",
    )
    p.add_argument("path", metavar="PATH")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser(
        "validate",
        parents=[common],
        help="check session files with the crate",
        description="Parse each file with the crate; print OK or the error with "
        "line:column and field path. Exit 0 only when all pass.",
    )
    p.add_argument("paths", metavar="PATH", nargs="+")
    p.add_argument(
        "--roundtrip",
        action="store_true",
        help="also require the crate to write the session back unchanged (legacy: "
        "the same bytes, pretty or compact; v1: the session, as JSON values)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="fail files with fields unknown to a3s-code-core 3.0.0",
    )

    p = sub.add_parser(
        "ls",
        parents=[common],
        help="sessions in a store directory",
        description="The sessions in a store directory (legacy <dir>/*.json and "
        "v1 <dir>/v1/sessions/), newest first.",
    )
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser(
        "export",
        parents=[common],
        help="transcript as Markdown or JSON Lines",
        description="Write a readable transcript. Files are created with mode "
        "0600 and never overwritten without --force.",
    )
    p.add_argument("path", metavar="PATH")
    p.add_argument(
        "--format",
        choices=("markdown", "jsonl"),
        default="markdown",
        help="markdown (default) or jsonl (one crate-serialized Message per line)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists (atomically)")

    p = sub.add_parser(
        "bench",
        parents=[common],
        help="run the benchmarks (source checkout)",
        description="Run benchmarks/run.py of a source checkout; extra arguments are passed on.",
    )
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments for benchmarks/run.py")
    return parser


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------
def _print(text: str = "") -> None:
    print(text, file=sys.stdout)


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
    f = _read(args.path)
    info = summarize(f.session)
    if args.json:
        info.update(
            path=args.path,
            layout=f.layout,
            unknown_fields=f.unknown_fields,
            envelope={
                k: (len(v) if isinstance(v, (list, dict)) else v) for k, v in f.extras.items()
            },
        )
        _print(json.dumps(info, indent=2, ensure_ascii=False))
        return EXIT_OK
    _print(render(info, _extra_rows(f, style), style.bold))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, style: Style) -> int:
    paths: list[str] = args.paths
    progress = Progress(len(paths), sys.stderr, "validating")
    failed = unreadable = 0
    for done, path in enumerate(paths, 1):
        line, status = _validate_one(path, args.roundtrip, args.strict, style)
        if status == EXIT_INVALID:
            failed += 1
        elif status == EXIT_USAGE:
            unreadable += 1
        progress.clear()
        if status == EXIT_USAGE:
            sys.stdout.flush()
            print(f"{PROG}: {line}", file=sys.stderr)
        else:
            _print(line)
            sys.stdout.flush()
        progress.update(done)
    progress.clear()
    if len(paths) > 1:
        ok = len(paths) - failed - unreadable
        summary = f"{len(paths)} files: {ok} OK, {failed} failed"
        if unreadable:
            summary += f", {unreadable} unreadable"
        _print(style.bold(summary))
    if unreadable:
        return EXIT_USAGE
    return EXIT_INVALID if failed else EXIT_OK


def _validate_one(path: str, roundtrip: bool, strict: bool, style: Style) -> tuple[str, int]:
    try:
        f = read_session_file(path, generation=_GENERATION[0])
    except OSError as err:
        return _os_message(err, path), EXIT_USAGE
    except SessionFormatError as err:
        return f"{style.red('FAIL')} {format_error(path, err)}", EXIT_INVALID
    notes: list[str] = [f.layout if f.layout != V1 else "v1 snapshot"]
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
    word = style.green("OK") if ok else style.red("FAIL")
    return f"{word} {path} ({'; '.join(notes)})", EXIT_OK if ok else EXIT_INVALID


def _ls_rows(directory: SessionDirectory) -> tuple[list[dict[str, Any]], list[str]]:
    try:
        entries = directory.scan()
    except OSError as err:
        if isinstance(err, NotADirectoryError):
            raise CliError(f"{directory.path}: not a directory, expected a session store") from None
        raise CliError(_os_message(err, directory.path)) from None
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    for e in entries:
        if e.file is None:
            problem = e.error
            if isinstance(problem, SessionFormatError):
                errors.append(format_error(e.path, problem))
            elif isinstance(problem, OSError):
                errors.append(_os_message(problem, e.path))
            else:
                errors.append(f"{e.path}: {problem}")
            continue
        s = e.file.session
        usage = s.total_usage
        rows.append(
            {
                "id": s.id,
                "layout": e.file.layout,
                "generation": e.file.generation,
                "state": str(s.state.value),
                "name": s.config.name,
                "messages": len(s.messages),
                "tokens": usage.total_tokens,
                "cost_usd": s.total_cost,
                "created_at": s.created_at,
                "updated_at": s.updated_at,
                "updated": iso_when(s.updated_at),
                "unknown_fields": e.file.unknown_fields,
                "path": str(e.path),
            }
        )
    rows.sort(key=lambda r: (-r["updated_at"], r["id"], r["layout"]))
    return rows, errors


def cmd_ls(args: argparse.Namespace, style: Style) -> int:
    rows, errors = _ls_rows(SessionDirectory(args.dir, generation=_GENERATION[0]))
    for line in errors:
        print(f"{PROG}: {line}", file=sys.stderr)
    if args.json:
        _print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif _isatty(sys.stdout):
        _print_table(rows, style, args.dir)
    else:
        _print("\t".join(LS_COLUMNS))
        for r in rows:
            _print("\t".join(str(r[k]) for k in LS_COLUMNS))
    return EXIT_INVALID if errors else EXIT_OK


def _print_table(rows: list[dict[str, Any]], style: Style, where: str) -> None:
    if not rows:
        _print(f"no sessions in {where}")
        return
    header = ("ID", "LAYOUT", "GEN", "STATE", "MESSAGES", "TOKENS", "COST", "UPDATED")
    right = {4, 5, 6}
    body = [
        (
            r["id"],
            r["layout"] + ("*" if r["unknown_fields"] else ""),
            r["generation"],
            r["state"],
            f"{r['messages']:,}",
            f"{r['tokens']:,}",
            f"${r['cost_usd']:.4f}",
            when(r["updated_at"]),
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in [header, *body]) for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    _print(style.bold(fmt(header)))
    for cells in body:
        _print(fmt(cells))
    if any(r["unknown_fields"] for r in rows):
        _print(
            style.yellow(
                "* has fields unknown to the crate that read it (not written back)"
            )
        )


# -- export ------------------------------------------------------------------------------------
def _fence(text: str, info: str = "") -> str:
    """A fenced code block that the text cannot close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text}\n{ticks}"


def _code(text: str) -> str:
    """Inline code for any text (backticks inside are handled)."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _image_text(source: Any) -> str:
    data = getattr(source, "data", "") or ""
    media = getattr(source, "media_type", "image") or "image"
    return f"*[image: {media}, {len(data):,} base64 characters]*"


def _details(summary: str, body: str) -> str:
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"


def _result_body(block: ToolResultBlock) -> str:
    content = block.content
    if isinstance(content, str):
        return _fence(content)
    parts = []
    for item in content:
        if isinstance(item, (TextBlock, v9.TextBlock)):
            parts.append(_fence(item.text))
        elif isinstance(item, (ImageBlock, v9.ImageBlock)):
            parts.append(_image_text(item.source))
    return "\n\n".join(parts) or "*(empty)*"


def _message_markdown(index: int, m: Message, tool_names: dict[str, str]) -> str:
    blocks = list(m.content)
    role = m.role
    title = role.capitalize()
    if blocks and all(isinstance(b, (ToolResultBlock, v9.ToolResultBlock)) for b in blocks):
        title = "Tool result" if len(blocks) == 1 else "Tool results"
    parts = [f"## {index}. {title}"]
    if m.reasoning_content:
        lines = m.reasoning_content.splitlines()
        quoted = "\n".join("> " + line if line else ">" for line in lines)
        parts.append(_details("Reasoning", quoted))
    for b in blocks:
        if isinstance(b, (TextBlock, v9.TextBlock)):
            parts.append(b.text)
        elif isinstance(b, (ImageBlock, v9.ImageBlock)):
            parts.append(_image_text(b.source))
        elif isinstance(b, (ToolUseBlock, v9.ToolUseBlock)):
            tool_names[b.id] = b.name
            body = _fence(json.dumps(b.input, indent=2, ensure_ascii=False), "json")
            parts.append(
                _details(
                    f"Tool call: <code>{html.escape(b.name)}</code> · {html.escape(b.id)}", body
                )
            )
        elif isinstance(b, (ToolResultBlock, v9.ToolResultBlock)):
            name = tool_names.get(b.tool_use_id)
            label = "Tool error" if b.is_error else "Tool result"
            head = f"{label}: <code>{html.escape(name)}</code> · " if name else f"{label}: "
            parts.append(_details(head + html.escape(b.tool_use_id), _result_body(b)))
    return "\n\n".join(parts)


def to_markdown(s: SessionData) -> str:
    """A readable transcript: header, then one section per message; tool calls, results and
    reasoning folded in ``<details>`` blocks."""
    model = s.model_name or (s.llm_config.model if s.llm_config else None)
    usage = s.total_usage
    head = [
        f"# {s.config.name or s.id}",
        "",
        f"- **Session:** {_code(s.id)} ({s.state.value})",
        f"- **Model:** {model or '-'}",
        f"- **Workspace:** {_code(s.config.workspace) if s.config.workspace else '-'}",
        f"- **Created:** {when(s.created_at)} · **Updated:** {when(s.updated_at)}",
        f"- **Tokens:** {usage.total_tokens:,} · **Cost:** ${s.total_cost:.6f}",
    ]
    if len(s.tasks):
        head.append("- **Tasks:**")
        head.extend(
            f"  - [{'x' if t.status.value == 'completed' else ' '}] {t.content} "
            f"*({t.status.value})*"
            for t in s.tasks
        )
    sections = ["\n".join(head)]
    tool_names: dict[str, str] = {}
    for i, m in enumerate(s.messages, 1):
        sections.append(_message_markdown(i, m, tool_names))
    return sections[0] + "\n\n---\n\n" + "\n\n".join(sections[1:]) + "\n"


def to_jsonl(s: SessionData) -> str:
    """One line per message: the crate's own compact JSON for it."""
    return "".join(m.to_json() + "\n" for m in s.messages)


def write_private(path: str, data: str, *, force: bool) -> None:
    """Write ``data`` to a new file with mode 0600 (O_CREAT|O_EXCL); with ``force``, replace an
    existing file atomically (0600 temp file in the same directory, fsync, rename)."""
    payload = data.encode("utf-8")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    if not force:
        fd = os.open(path, flags, 0o600)
        try:
            os.fchmod(fd, 0o600)
            _write_all(fd, payload)
        finally:
            os.close(fd)
        return
    target = pathlib.Path(path)
    if target.is_dir():
        raise IsADirectoryError(21, "Is a directory", path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, flags, 0o600)
    try:
        try:
            os.fchmod(fd, 0o600)
            _write_all(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


def cmd_export(args: argparse.Namespace, style: Style) -> int:
    f = _read(args.path)
    text = to_markdown(f.session) if args.format == "markdown" else to_jsonl(f.session)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    out = args.output
    try:
        if os.path.exists(out) and os.path.samefile(out, args.path):
            raise CliError(f"{out}: is the session file itself; refusing to overwrite it")
        write_private(out, text, force=args.force)
    except FileExistsError:
        raise CliError(f"{out}: already exists (use --force to replace it)") from None
    except OSError as err:
        raise CliError(_os_message(err, out)) from None
    print(f"wrote {out} ({args.format}, {len(f.session.messages)} messages)", file=sys.stderr)
    return EXIT_OK


def checkout_root() -> pathlib.Path | None:
    """The source checkout this package runs from (editable install), if any."""
    root = pathlib.Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "benchmarks" / "run.py").is_file():
        return root
    return None


def cmd_bench(args: argparse.Namespace, style: Style) -> int:
    root = checkout_root()
    if root is None:
        raise CliError(
            "bench needs a source checkout of a3s-session (benchmarks/run.py was not "
            "found next to this package); clone the repository and install it with "
            "`pip install -e .`"
        )
    rest = list(args.args[1:] if args.args[:1] == ["--"] else args.args)
    proc = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "run.py"), *rest], cwd=root, check=False
    )
    return proc.returncode


COMMAND_FUNCS: dict[str, Callable[[argparse.Namespace, Style], int]] = {
    "inspect": cmd_inspect,
    "validate": cmd_validate,
    "ls": cmd_ls,
    "export": cmd_export,
    "bench": cmd_bench,
}


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------
def _run(argv: list[str]) -> int:
    parser = build_parser()
    # `a3s-session FILE` (no command): the summary + round trip of FILE, as before commands.
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        if len(argv) > 1:
            parser.error(f"unknown command {argv[0]!r} (commands: {', '.join(COMMANDS)})")
        if not os.path.exists(argv[0]):
            raise CliError(
                f"{argv[0]}: no such file or directory (and not a command: {', '.join(COMMANDS)})"
            )
        return cmd_default(argv[0], Style(color_enabled(sys.stdout)))
    args = None
    if "bench" in argv:  # everything after `bench` goes to benchmarks/run.py, verbatim
        at = argv.index("bench")
        head = parser.parse_args(argv[: at + 1])
        if head.command == "bench":
            head.args = argv[at + 1 :]
            args = head
    if args is None:
        args = parser.parse_args(argv)
    style = Style(color_enabled(sys.stdout, getattr(args, "color", "auto")))
    _GENERATION[0] = getattr(args, "generation", None)
    if args.command is None:
        return cmd_default(None, style)
    return COMMAND_FUNCS[args.command](args, style)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (never raises for user errors)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(args)
    except CliError as err:
        sys.stdout.flush()
        print(f"{PROG}: {err}", file=sys.stderr)
        return err.status
    except SystemExit as exc:  # --help / --version
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_USAGE)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # stdout went away (`a3s-session ls DIR | head`): silence the interpreter's flush.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_INVALID
