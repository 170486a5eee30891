"""Reading one document or file: which layout, which generation, and the session."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Literal

from .. import v3, v9
from .._errors import UnknownFieldsError, UnknownFieldsWarning, _shown
from .._native import SEALED_SNAPSHOT_MESSAGE, SessionData, SessionFormatError, is_envelope
from .._origin import Origin, absolute, remember
from .._reading import read_document_stamped
from .envelope import _parse_snapshot, _parse_snapshot_v9, _top_level_members
from .model import GENERATIONS, LEGACY, SEALED_MAGIC, Generation, SessionFile, _format_error


def parse_session_document(
    data: bytes | str, *, path: Path | None = None, generation: Generation | None = None
) -> SessionFile:
    """Parse one session document of either layout (see the module docs).

    ``generation`` picks the crate. By default (None) the document decides: a v1 envelope is
    read by 9.1.3; a bare document is a 3.0.0 document when 3.0.0 reads all of it, and is
    judged by 9.1.3 as soon as it has a field 3.0.0 does not know that 9.1.3 does. Then a
    9.1.3 rejection is *the* error: nothing falls back to the older crate. Which crate read
    it is ``SessionFile.generation``. Raises :class:`~a3s_session.SessionFormatError` for
    anything the deciding crate rejects, and for a sealed (encrypted) file, which only a
    :class:`a3s_session.v9.FileSessionStore` opened with its key can read."""
    if generation is not None and generation not in GENERATIONS:
        raise ValueError(f"generation must be one of {GENERATIONS}, got {generation!r}")
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
        if data.startswith(SEALED_MAGIC):
            raise _format_error(SEALED_SNAPSHOT_MESSAGE)
    # A bare document is parsed from the bytes themselves (the crate checks the UTF-8 and says
    # where it breaks); it is decoded to str only when someone asks for its text.
    if is_envelope(data):  # (only UTF-8 text is taken for one)
        text = data if isinstance(data, str) else data.decode("utf-8")
        if generation != "v3":
            return _parse_snapshot_v9(text, path)
        members = _top_level_members(text)  # with positions, for errors in the envelope
        if members is not None:
            return _parse_snapshot(text, members, path)
    if generation is not None:
        return _parse_bare(data, path, generation)
    try:
        first = _parse_bare(data, path, "v3")
    except SessionFormatError:
        # 3.0.0 rejects it: today's crate is the judge (its error, or its reading).
        return _parse_bare(data, path, "v9")
    if not first.unknown_fields:
        return first  # a 3.0.0 document
    # Fields 3.0.0 does not know: 9.1.3 decides, and its rejection is the error.
    newer = _parse_bare(data, path, "v9")
    if set(newer.unknown_fields) == set(first.unknown_fields):
        return first  # none of them is 9.x's: a 3.0.0 document with fields neither reads
    return newer


def _parse_bare(source: bytes | str, path: Path | None, generation: Generation) -> SessionFile:
    """``source`` is the document as given (the bytes of a file, or a str)."""
    cls = v9.SessionData if generation == "v9" else SessionData
    session = cls.from_json(source, unknown="ignore")
    return SessionFile(
        session=session,
        path=path,
        layout=LEGACY,
        unknown_fields=session.unknown_fields(source),
        generation=generation,
        source=source,
    )


def read_session_file(
    path: str | os.PathLike[str],
    *,
    generation: Generation | None = None,
    max_bytes: int | None = None,
) -> SessionFile:
    """Read a session file of either layout, with its layout, generation, unknown fields and
    envelope (see :func:`parse_session_document` for how the generation is chosen; a file in
    a ``v1/sessions`` directory, where today's store writes, is read by 9.1.3).

    The session (and snapshot) remember the version of the file read: a store's ``save``
    over that file after it changed raises :class:`~a3s_session.ConflictError`.

    Only a regular file is opened, and at most ``max_bytes`` of it read (default: 256 MiB,
    or ``$A3S_SESSION_MAX_BYTES``): a FIFO, device, socket or directory raises
    :class:`~a3s_session.NotRegularFileError` and a larger file
    :class:`~a3s_session.FileTooLargeError`, before anything is read.

    Raises OSError (FileNotFoundError, PermissionError, the two above, ...) when the file
    cannot be read and :class:`~a3s_session.SessionFormatError` when it is not a session."""
    p = path if isinstance(path, Path) else Path(path)
    data, stamp = read_document_stamped(p, max_bytes)
    if generation is None and p.parent.parts[-2:] == ("v1", "sessions"):
        generation = "v9"  # written by today's store
    read = parse_session_document(data, path=p, generation=generation)
    # Pinned to the version read (unpinned if it changed while being read), so a save over
    # a newer version is refused.
    origin = Origin(absolute([p]), None if stamp is None else (stamp,))
    remember(read.session, origin)
    if read.snapshot is not None:
        remember(read.snapshot, origin)
    return read


def load_session(
    path: str | os.PathLike[str],
    *,
    generation: Generation | None = "v9",
    unknown: Literal["warn", "error", "ignore"] = "warn",
    max_bytes: int | None = None,
) -> Any:
    """The session in a file of either layout, read by today's crate (9.1.3) unless
    ``generation`` says ``"v3"`` (or None: the document decides, see
    :func:`parse_session_document`). Fields the crate ignores are reported as ``unknown``
    says (an :class:`~a3s_session.UnknownFieldsWarning` by default). Only regular files
    within ``max_bytes`` are read (see :func:`read_session_file`)."""
    read = read_session_file(path, generation=generation, max_bytes=max_bytes)
    if read.unknown_fields and unknown != "ignore":
        report = _unknown_report(read)
        if unknown == "error":
            raise report
        warnings.warn(UnknownFieldsWarning(str(report), read.unknown_fields), stacklevel=2)
    return read.session


def _unknown_report(read: SessionFile) -> UnknownFieldsError:
    fields = read.unknown_fields
    crate = f"a3s-code-core {(v9 if read.generation == 'v9' else v3).CRATE_VERSION}"
    what = "field" if len(fields) == 1 else "fields"
    return UnknownFieldsError(
        f"{read.path}: {len(fields)} {what} {crate} ignores (writing the session back would "
        f"drop them): {_shown(fields)}",
        fields,
        session_id=read.session.id,
        source=read.path,
    )
