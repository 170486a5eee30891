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
        help="fail files with fields unknown to the crate that read them",
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
        "stats",
        parents=[common],
        help="cost, tokens and tool use across many sessions",
        description="Scan every session under DIR (both layouts, recursively) with the "
        "crates and print cost and tokens per model per day, the top sessions by cost, and "
        "tool calls and error rates per tool. Exit 1 when a file could not be read.",
    )
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--top", type=int, default=10, metavar="N", help="sessions to list (10)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

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
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments for benchmarks/run.py")
    return parser
