"""Reading one document or file: which layout, which generation, and the session."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .. import v9
from .._native import SEALED_SNAPSHOT_MESSAGE, SessionData, SessionFormatError, is_envelope
from .envelope import _decode, _parse_snapshot, _parse_snapshot_v9, _top_level_members
from .model import GENERATIONS, LEGACY, SEALED_MAGIC, Generation, SessionFile, _format_error


def parse_session_document(
    data: bytes | str, *, path: Path | None = None, generation: Generation | None = None
) -> SessionFile:
    """Parse one session document of either layout (see the module docs).

    ``generation`` picks the crate; by default it is chosen from the document: a v1 envelope,
    or a bare document with fields only 9.x knows, is read by v9, anything else by v3 (the
    choice is ``SessionFile.generation``). Raises :class:`~a3s_session.SessionFormatError` for
    anything the chosen crate rejects, and for a sealed (encrypted) file, which only a
    :class:`a3s_session.v9.FileSessionStore` opened with its key can read."""
    if generation is not None and generation not in GENERATIONS:
        raise ValueError(f"generation must be one of {GENERATIONS}, got {generation!r}")
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
        if data.startswith(SEALED_MAGIC):
            raise _format_error(SEALED_SNAPSHOT_MESSAGE)
    text = _decode(data)
    if text is None:  # not UTF-8: let the crate say where
        cls = v9.SessionData if generation == "v9" else SessionData
        session = cls.from_json(data)
        return SessionFile(session=session, path=path, layout=LEGACY, generation=generation or "v3")
    # The Rust side reads the bytes themselves (no second UTF-8 encoding of the str).
    source: bytes | str = data if isinstance(data, bytes) else text
    if is_envelope(source):
        if generation != "v3":
            return _parse_snapshot_v9(text, path)
        members = _top_level_members(text)  # with positions, for errors in the envelope
        if members is not None:
            return _parse_snapshot(text, members, path)
    if generation == "v9":
        return _parse_bare(text, source, path, "v9")
    first = _parse_bare(text, source, path, "v3")
    if generation is None and first.unknown_fields:
        # Fields 3.0.0 does not know: today's crate may know them all.
        try:
            newer = _parse_bare(text, source, path, "v9")
        except SessionFormatError:
            return first
        if len(newer.unknown_fields) < len(first.unknown_fields):
            return newer
    return first


def _parse_bare(
    text: str, source: bytes | str, path: Path | None, generation: Generation
) -> SessionFile:
    """``source`` is the document as given (the bytes of a file), ``text`` the same as str."""
    cls = v9.SessionData if generation == "v9" else SessionData
    session = cls.from_json(source)
    return SessionFile(
        session=session,
        path=path,
        layout=LEGACY,
        unknown_fields=session.unknown_fields(source),
        session_text=text,
        generation=generation,
        text=text,
    )


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; a directory is reported as IsADirectoryError on every platform."""
    if path.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(path))
    return path.read_bytes()


def read_session_file(
    path: str | os.PathLike[str], *, generation: Generation | None = None
) -> SessionFile:
    """Read a session file of either layout, with its layout, generation, unknown fields and
    envelope (see :func:`parse_session_document` for how the generation is chosen; a file in
    a ``v1/sessions`` directory, where today's store writes, is tried with 9.1.3 first).

    Raises OSError (FileNotFoundError, IsADirectoryError, PermissionError, ...) when the file
    cannot be read and :class:`~a3s_session.SessionFormatError` when it is not a session."""
    p = Path(path)
    data = _read_bytes(p)
    if generation is None and p.parent.parts[-2:] == ("v1", "sessions"):
        # Written by today's store: when 9.1.3 reads it whole (no unknown field), that is
        # the answer, without trying 3.0.0 on it first.
        try:
            read = parse_session_document(data, path=p, generation="v9")
        except SessionFormatError:
            pass
        else:
            if not read.unknown_fields:
                return read
    return parse_session_document(data, path=p, generation=generation)


def load_session(path: str | os.PathLike[str], *, generation: Generation | None = None) -> Any:
    """The session in a file of either layout (see :func:`read_session_file`): an
    ``a3s_session.SessionData`` (v3) or ``a3s_session.v9.SessionData``."""
    return read_session_file(path, generation=generation).session
