"""Terminal output: exit codes, the one error type, colour, progress, error lines."""

from __future__ import annotations

import os
import pathlib
import sys
import time
from typing import TextIO

from .._native import (
    SessionFormatError,
)
from .._safe_text import terminal_safe, visible

PROG = "a3s-session"
COMMANDS = (
    "inspect",
    "show",
    "validate",
    "ls",
    "export",
    "search",
    "diff",
    "usage",
    "stats",
    "migrate",
    "doctor",
    "bench",
)
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
    """A one-line progress bar on ``stream``, drawn only for many items on a terminal. Given
    ``total_bytes``, it also shows MB/s and the time left."""

    def __init__(
        self, total: int, stream: TextIO, label: str, *, total_bytes: int | None = None
    ) -> None:
        self.total = total
        self.total_bytes = total_bytes
        self.stream = stream
        self.label = label
        self.enabled: bool = total >= PROGRESS_MIN_FILES and _isatty(stream)
        self._shown = 0
        self._start = time.monotonic()

    def update(self, done: int, bytes_done: int | None = None) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // max(self.total, 1)
        line = f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total}"
        if bytes_done is not None and self.total_bytes:
            elapsed = max(time.monotonic() - self._start, 1e-6)
            rate = bytes_done / elapsed
            left = (self.total_bytes - bytes_done) / rate if rate > 0 else 0.0
            line += f"  {rate / 1e6:.1f} MB/s  ETA {_duration(left)}"
        pad = max(self._shown - len(line), 0)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._shown = len(line)

    def clear(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0


def _duration(seconds: float) -> str:
    s = int(seconds + 0.5)
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def sample_path() -> pathlib.Path:
    """The bundled sample session: its snapshot in the bundled 9.1.3 store, as the crate's
    FileSessionStore wrote it."""
    from .._samples import sample_session_file

    return sample_session_file("v9")


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


def _print(text: str = "") -> None:
    """Write to stdout; every control character but a3s-session's own colours is shown as
    an escape (session data never reaches the terminal raw)."""
    print(terminal_safe(text), file=sys.stdout)


def _eprint(text: str = "", *, prefix: bool = True) -> None:
    """One line to stderr (``a3s-session: `` first), control characters shown as escapes."""
    print((f"{PROG}: " if prefix and text else "") + visible(text), file=sys.stderr)
