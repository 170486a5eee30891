"""The crate's messages as JSON Lines, and files written privately and atomically (the
renderers are `a3s_session.render`)."""

from __future__ import annotations

import os
import pathlib

from .._native import SessionData


def to_markdown(s: SessionData) -> str:
    """A readable transcript, not redacted (``a3s_session.render(s, "md")`` redacts)."""
    from ..renderers import render

    return render(s, "md", redact=False).text


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
