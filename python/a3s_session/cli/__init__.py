"""The ``a3s-session`` command line.

::

    a3s-session                      summary + round-trip check of the bundled sample
    a3s-session FILE                 the same for FILE
    a3s-session inspect ID|FILE      summary of one session (either layout)
    a3s-session show ID|FILE         the transcript (terminal, --format md|html|json)
    a3s-session validate FILE...     does the crate accept these files (--roundtrip, --strict)
    a3s-session ls DIR               the sessions in a store directory, newest first
    a3s-session export ID|FILE       Markdown, HTML, OpenAI JSONL, ATIF, OTLP/JSON (redacted)
    a3s-session export DIR --format parquet -o OUTDIR
                                     every session's tables (scan) as Parquet
    a3s-session search QUERY [DIR..] full-text search across sessions (an index in the cache)
    a3s-session diff A B             where two runs part: prefix, divergence, tools, files, cost
    a3s-session usage [DIR...]       tokens and cost by day/week/month/session (alias: stats)
    a3s-session migrate SRC DST      copy a 3.0.0 store into a 9.1.3 store (SRC never written)
    a3s-session bench                the benchmarks (source checkout only)

Exit status: 0 success; 1 a session file failed validation (or a round trip differs);
2 usage errors and files that cannot be read (missing, a directory, no permission).
Tables and colour only when stdout is a terminal; ``NO_COLOR`` (non-empty) turns colour off.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
from collections.abc import Callable, Sequence

from .commands import (
    _GENERATION,
    check_roundtrip,
    cmd_default,
    cmd_export,
    cmd_inspect,
    cmd_ls,
    cmd_migrate,
    cmd_show,
    cmd_validate,
)
from .diff import cmd_diff
from .export import to_jsonl, to_markdown, write_private
from .parser import build_parser
from .repair import cmd_doctor
from .search import cmd_search
from .terminal import (
    COMMANDS,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    CliError,
    Progress,
    Style,
    _eprint,
    color_enabled,
    sample_path,
)
from .usage import cmd_usage

__all__ = [
    "COMMANDS",
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "PROG",
    "CliError",
    "Progress",
    "Style",
    "build_parser",
    "check_roundtrip",
    "checkout_root",
    "color_enabled",
    "main",
    "sample_path",
    "to_jsonl",
    "to_markdown",
    "write_private",
]


def checkout_root() -> pathlib.Path | None:
    """The source checkout this package runs from (editable install), if any."""
    root = pathlib.Path(__file__).resolve().parents[3]
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
    "show": cmd_show,
    "validate": cmd_validate,
    "ls": cmd_ls,
    "export": cmd_export,
    "search": cmd_search,
    "diff": cmd_diff,
    "usage": cmd_usage,
    "stats": cmd_usage,
    "migrate": cmd_migrate,
    "doctor": cmd_doctor,
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
            if argv[at + 1 :] in (["-h"], ["--help"]):
                parser.parse_args([*argv[: at + 1], "--help"])  # bench's own help, then exits
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
        _eprint(str(err))
        return err.status
    except SystemExit as exc:  # --help / --version
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_USAGE)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except MemoryError:
        sys.stdout.flush()
        _eprint(
            "out of memory (a session file over the size limit is refused before it is read; "
            "see A3S_SESSION_MAX_BYTES)"
        )
        return EXIT_INVALID
    except BrokenPipeError:
        # stdout went away (`a3s-session ls DIR | head`): silence the interpreter's flush.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_INVALID
