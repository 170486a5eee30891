"""The argument parser of every command."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from .. import CRATE_VERSIONS, __version__
from .terminal import PROG, CliError


# ---------------------------------------------------------------------------------------------
# Argument parsing
# ---------------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """argparse, but errors become CliError (no SystemExit from inside main)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise CliError(message)


def _store_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store",
        metavar="DIR",
        help="the store to look the id up in (default: $A3S_SESSION_STORE, then A3S Code's "
        "sessions_dir)",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _jobs_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-j",
        "--jobs",
        type=_positive,
        metavar="N",
        help="files read at once (default: the CPUs available; 1: one after another)",
    )


def _redaction_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-redact",
        action="store_true",
        help="keep secrets (API keys, tokens, private keys, credentials) in shared formats",
    )
    p.add_argument("--redact-paths", action="store_true", help="also turn home directories into ~")


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
    common.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print only results: no progress, notes or summary lines",
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
    p.add_argument(
        "path",
        metavar="ID|PATH",
        help="a session file, or a session id (or a unique prefix of one) in the store",
    )
    _store_option(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser(
        "show",
        parents=[common],
        help="read one session: terminal transcript, Markdown, HTML or JSON",
        description="Show a session by id or path. On a terminal `text` is a paged transcript "
        "(tool calls and results one line each; --full expands them). md and html are "
        "redacted (secrets and credentials replaced; a summary line goes to stderr) unless "
        "--no-redact. Sessions are looked for in --store, then $A3S_SESSION_STORE, then the "
        "sessions_dir of A3S Code's config ($A3S_CONFIG, ~/.a3s/config.acl, "
        "./.a3s/config.acl).",
    )
    p.add_argument("session", metavar="ID|PATH")
    _store_option(p)
    p.add_argument(
        "--format",
        choices=("text", "md", "html", "json"),
        default="text",
        help="text (default), md, html (one self-contained page) or json (the crate's own)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (mode 0600)")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists (atomically)")
    p.add_argument("--full", action="store_true", help="text: expand tool calls and results")
    _redaction_options(p)

    p = sub.add_parser(
        "validate",
        parents=[common],
        help="check session files with the crate",
        description="Parse each file with the crate; print OK or the error with "
        "line:column and field path. A directory stands for every session file under it "
        "(both layouts, recursively). Exit 0 only when all pass.",
    )
    p.add_argument("paths", metavar="PATH", nargs="+", help="session files or directories")
    p.add_argument(
        "--roundtrip",
        action="store_true",
        help="also require the crate to write the session back unchanged (legacy: "
        "the same bytes, pretty or compact; v1: the session, as JSON values)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="fail files with fields unknown to the crate that read them",
    )
    _jobs_option(p)

    p = sub.add_parser(
        "ls",
        parents=[common],
        help="sessions in a store directory",
        description="The sessions under DIR (legacy <dir>/*.json and v1 <dir>/v1/sessions/, "
        "recursively, as usage and search read them), newest first; a last line counts them "
        "and the files that could not be read.",
    )
    p.add_argument("dir", metavar="DIR")
    p.add_argument(
        "--sort",
        choices=("updated", "created", "cost", "tokens", "messages", "name", "id"),
        default="updated",
        help="order (default: updated, newest first; numbers: largest first)",
    )
    p.add_argument("-n", "--limit", type=int, metavar="N", help="show the first N sessions")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _jobs_option(p)

    p = sub.add_parser(
        "export",
        parents=[common],
        help="transcript as Markdown or JSON Lines; a store's tables as Parquet",
        description="Write a readable transcript of a session file, or (--format parquet) "
        "the scan tables of every session under a directory as OUTDIR/<table>.parquet "
        "(needs pyarrow). Files are created with mode 0600 and never overwritten without "
        "--force.",
    )
    p.add_argument("path", metavar="ID|PATH", help="a session file or id; for parquet, a directory")
    _store_option(p)
    p.add_argument(
        "--format",
        choices=("md", "markdown", "html", "openai-jsonl", "atif", "otlp-json", "jsonl", "parquet"),
        default="md",
        help="md (default; also `markdown`), html, openai-jsonl (OpenAI chat fine-tuning), "
        "atif (Agent Trajectory Interchange Format v1.8), otlp-json (OpenTelemetry GenAI "
        "spans), jsonl (one crate-serialized Message per line) or parquet (sessions, "
        "messages, blocks, cost_records, tasks, errors). md, html, openai-jsonl, atif and "
        "otlp-json are redacted unless --no-redact",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE instead of stdout (parquet: the output directory, required)",
    )
    p.add_argument("--force", action="store_true", help="replace FILE if it exists (atomically)")
    _redaction_options(p)

    p = sub.add_parser(
        "search",
        parents=[common],
        help="full-text search across sessions",
        description="Search the text, reasoning, tool inputs and tool results of every session "
        "under DIR... (default: the stores `show` looks in). Words must all match; also "
        '"a phrase", pref*, OR, NOT, NEAR(a b). An index in ~/.cache/a3s-session (SQLite '
        "FTS5) is brought up to date first: only new and changed files are read. Exit 1 when "
        "nothing matches.",
    )
    p.add_argument("query", metavar="QUERY")
    p.add_argument("dirs", metavar="DIR", nargs="*")
    p.add_argument("--role", help="only messages of this role (user, assistant, ...)")
    p.add_argument(
        "--tool", metavar="NAME", help="only messages that call NAME or hold its results"
    )
    p.add_argument("--since", metavar="WHEN", help="sessions updated since (2026-11-01, 7d, 2w)")
    p.add_argument("--until", metavar="WHEN", help="sessions updated before")
    p.add_argument("--session", metavar="ID", help="only this session (an id or id prefix)")
    p.add_argument("-n", "--limit", type=int, default=20, metavar="N", help="hits to show (20)")
    p.add_argument("--tz", metavar="ZONE", help="time zone of dates (default: this machine's)")
    p.add_argument(
        "--index",
        metavar="FILE",
        help="the index file (default: $A3S_SESSION_INDEX, else "
        "$XDG_CACHE_HOME/a3s-session/search.sqlite3)",
    )
    p.add_argument("--no-update", action="store_true", help="search the index as it is")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser(
        "diff",
        parents=[common],
        help="compare two runs",
        description="Align the turns of two sessions (ids or paths, either generation): the "
        "shared prefix, the first divergence, then tool calls, files touched, tokens, cost "
        "and errors side by side. Exit 0 when the runs are the same, 1 when they differ.",
    )
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    _store_option(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser(
        "usage",
        aliases=["stats"],
        parents=[common],
        help="tokens and cost by day, week, month or session",
        description="Tokens and dollars of every session under DIR... (default: the stores "
        "`show` looks in), per period and group, with a totals row. Several folders merge: a "
        "session found twice is counted once (its newest copy). Costs come from cost_records "
        "(one per model call) when a session has them, else from total_cost (--cost-source "
        "to choose); every row says which, and sessions whose two sources disagree are "
        "listed. Exit 1 when a file could not be read.",
    )
    p.add_argument("dirs", metavar="DIR", nargs="*")
    p.add_argument(
        "--by",
        choices=("day", "week", "month", "session"),
        default="day",
        help="period of a row (default: day)",
    )
    p.add_argument(
        "--group",
        choices=("model", "provider", "workspace"),
        help="also split rows by model, provider or workspace",
    )
    p.add_argument("--since", metavar="WHEN", help="from (2026-11-01, 2026-11-01T08:00, 7d, 2w)")
    p.add_argument("--until", metavar="WHEN", help="before")
    p.add_argument("--tz", metavar="ZONE", help="time zone of days (default: this machine's)")
    p.add_argument(
        "--cost-source",
        choices=("auto", "cost_records", "total_cost"),
        default="auto",
        help="auto (default): cost_records when a session has them, else total_cost",
    )
    p.add_argument("--tools", action="store_true", help="also count calls and errors per tool")
    p.add_argument(
        "--top", type=int, default=10, metavar="N", help="disagreeing sessions to list (10)"
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="machine-readable output")
    out.add_argument("--csv", action="store_true", help="the rows and a TOTAL row as CSV")
    p.add_argument("--html", metavar="FILE", help="also write a one-page report with charts")
    p.add_argument("--force", action="store_true", help="replace the --html FILE if it exists")

    p = sub.add_parser(
        "migrate",
        parents=[common],
        help="copy a 3.0.0 store into a 9.1.3 store",
        description="Copy every session of the a3s-code-core 3.0.0 store SRC (with its side "
        "files) into the 9.1.3 store DST, one snapshot each, through the 9.1.3 crate's own "
        "legacy reader and store. SRC is never written.",
    )
    p.add_argument("src", metavar="SRC")
    p.add_argument("dst", metavar="DST")
    p.add_argument("--json", action="store_true", help="machine-readable report")

    p = sub.add_parser(
        "doctor",
        parents=[common],
        help="find (and --fix) damage in a store",
        description="Check a store directory: the write-ahead log, temp files of interrupted "
        "saves, sealed and plaintext documents mixed, ids whose file belongs to another id, "
        "files no store lists, and *.json that are not regular files. --fix repairs only "
        "what is provably safe (a torn last WAL line, a WAL sequence conflict, temp files "
        "whose writer is gone) and says what it did. Exit 1 while a problem remains.",
    )
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--fix", action="store_true", help="repair what is provably safe")
    p.add_argument(
        "--key-file",
        metavar="FILE",
        help="the store's 32-byte encryption key (raw, or 64 hex digits), to open a sealed "
        "store after a WAL repair",
    )
    p.add_argument("--json", action="store_true", help="machine-readable report")

    p = sub.add_parser(
        "bench",
        parents=[common],
        help="run the benchmarks (source checkout)",
        description="Run benchmarks/run.py of a source checkout; extra arguments are passed on.",
    )
    p.add_argument(
        "args",
        nargs=argparse.REMAINDER,
        help="arguments for benchmarks/run.py (`a3s-session bench -- --help` for its own)",
    )
    return parser
