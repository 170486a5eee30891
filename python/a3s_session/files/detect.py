"""Reading one document or file: which layout, which generation, and the session."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .. import v9
from .._native import SessionData, SessionFormatError
from .diff import _confirm_unknown, find_unknown_fields
from .envelope import _decode, _Member, _parse_snapshot, _parse_snapshot_v9, _top_level_members
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
            raise _format_error(
                "encrypted snapshot: a sealed A3SE file can only be read through "
                "a3s_session.v9.FileSessionStore(dir, encryption_key=...)"
            )
    text = _decode(data)
    if text is None:  # not UTF-8: let the crate say where
        cls = v9.SessionData if generation == "v9" else SessionData
        session = cls.from_json(data)
        return SessionFile(session=session, path=path, layout=LEGACY, generation=generation or "v3")
    members = _top_level_members(text)
    if members is not None and any(m.key in ("schema_version", "session") for m in members):
        if generation == "v3":
            return _parse_snapshot(text, members, path)
        return _parse_snapshot_v9(text, members, path)
    if generation == "v9":
        return _parse_bare(text, members, path, "v9")
    first = _parse_bare(text, members, path, "v3")
    if generation is None and first.unknown_fields:
        # Fields 3.0.0 does not know: today's crate may know them all.
        try:
            newer = _parse_bare(text, members, path, "v9")
        except SessionFormatError:
            return first
        if len(newer.unknown_fields) < len(first.unknown_fields):
            return newer
    return first


def _parse_bare(
    text: str, members: list[_Member] | None, path: Path | None, generation: Generation
) -> SessionFile:
    cls = v9.SessionData if generation == "v9" else SessionData
    session = cls.from_json(text)
    unknown: list[str] = []
    if members is not None:
        source = {m.key: m.value for m in members}
        unknown = _confirm_unknown(cls, source, find_unknown_fields(source, session.to_dict()))
    return SessionFile(
        session=session,
        path=path,
        layout=LEGACY,
        unknown_fields=unknown,
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
    envelope (see :func:`parse_session_document` for how the generation is chosen).

    Raises OSError (FileNotFoundError, IsADirectoryError, PermissionError, ...) when the file
    cannot be read and :class:`~a3s_session.SessionFormatError` when it is not a session."""
    p = Path(path)
    return parse_session_document(_read_bytes(p), path=p, generation=generation)


def load_session(path: str | os.PathLike[str], *, generation: Generation | None = None) -> Any:
    """The session in a file of either layout (see :func:`read_session_file`): an
    ``a3s_session.SessionData`` (v3) or ``a3s_session.v9.SessionData``."""
    return read_session_file(path, generation=generation).session
