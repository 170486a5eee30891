"""`show`, and the renderer formats of `export`: a session by id or path, through
`a3s_session.render`."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

from ..files import SessionFile
from ..locate import SessionNotFoundError, find_session
from ..renderers import SHAREABLE, Rendered, render
from .export import write_private
from .terminal import (
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    _eprint,
    _isatty,
    _os_message,
    color_enabled,
)

# `export --format` names of the renderer's formats (`markdown` is the older spelling).
EXPORT_FORMATS = {
    "md": "md",
    "markdown": "md",
    "html": "html",
    "openai-jsonl": "openai-jsonl",
    "atif": "atif",
    "otlp-json": "otlp-json",
}


def resolve(ref: str, store: str | None) -> str:
    """The file of a session given as a path, an id or an id prefix (see `a3s_session.locate`)."""
    try:
        return str(find_session(ref, store=store))
    except SessionNotFoundError as err:
        raise CliError(str(err), EXIT_USAGE) from None
    except OSError as err:
        raise CliError(_os_message(err, store or ref), EXIT_USAGE) from None


def rendered(
    f: SessionFile, fmt: str, args: argparse.Namespace, *, width: int = 80, color: bool = False
) -> Rendered:
    redact = None if not getattr(args, "no_redact", False) else False
    return render(
        f.session,
        fmt,
        redact=redact,
        redact_paths=getattr(args, "redact_paths", False),
        full=getattr(args, "full", False),
        width=width,
        color=color,
    )


def write_output(out: str, text: str, *, force: bool, source: str) -> None:
    try:
        if os.path.exists(out) and os.path.samefile(out, source):
            raise CliError(f"{out}: is the session file itself; refusing to overwrite it")
        write_private(out, text, force=force)
    except FileExistsError:
        raise CliError(f"{out}: already exists (use --force to replace it)") from None
    except OSError as err:
        raise CliError(_os_message(err, out)) from None


def page(text: str) -> None:
    """Through the pager when stdout is a terminal and the text is taller than it."""
    rows = shutil.get_terminal_size((80, 24)).lines
    pager = os.environ.get("PAGER") or ("less" if shutil.which("less") else "")
    if text.count("\n") < rows - 1 or not pager:
        sys.stdout.write(text)
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # colours, quit when it fits, keep the screen
    sys.stdout.flush()
    try:
        proc = subprocess.Popen(pager, shell=True, stdin=subprocess.PIPE, env=env)
        assert proc.stdin is not None
        try:
            proc.stdin.write(text.encode("utf-8", "replace"))
            proc.stdin.close()
        except BrokenPipeError:
            pass  # the user quit the pager early
        proc.wait()
    except OSError:
        sys.stdout.write(text)


def deliver(
    text: str,
    args: argparse.Namespace,
    *,
    source: str,
    wrote: str,
    summary: str | None,
    paged: bool = False,
) -> int:
    """`text` to ``-o FILE`` (then ``wrote FILE (<wrote>)`` on stderr) or to stdout (through
    the pager when `paged`), then `summary`, if any, as one line on stderr."""
    if args.output is not None:
        write_output(args.output, text, force=args.force, source=source)
        _eprint(f"wrote {args.output} ({wrote})", prefix=False)
        return EXIT_OK
    if paged:
        page(text)
    else:
        sys.stdout.write(text)
    if summary is not None:
        sys.stdout.flush()
        _eprint(summary, prefix=False)
    return EXIT_OK


def show(path: str, f: SessionFile, args: argparse.Namespace) -> int:
    """Print (or write with -o) the session read from `path` in ``args.format``."""
    fmt = args.format
    tty = _isatty(sys.stdout) and args.output is None
    color = (
        fmt == "text"
        and args.output is None
        and color_enabled(sys.stdout, getattr(args, "color", "auto"))
    )
    width = shutil.get_terminal_size((80, 24)).columns if tty else 80
    out = rendered(f, fmt, args, width=max(40, width), color=color)
    return deliver(
        out.text,
        args,
        source=path,
        wrote=f"{fmt}, {len(f.session.messages)} messages; {out.summary()}",
        summary=out.summary() if out.redacted and fmt in SHAREABLE else None,
        paged=tty and fmt == "text",
    )
