"""What reading a session file gives: layouts, generations, results, refusals."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .._errors import SessionFormatError, UnknownFieldsError, _shown

Layout = Literal["legacy", "v1"]
LEGACY: Layout = "legacy"
V1: Layout = "v1"

#: Magic bytes at the start of an AES-GCM sealed snapshot (newer releases).
SEALED_MAGIC = b"A3SE"
#: The only ``SessionSnapshotV1.schema_version`` there is.
SNAPSHOT_SCHEMA_VERSION = 1

_V1_SESSIONS = Path("v1") / "sessions"
_JSON_WS = " \t\n\r"


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------
def unknown_fields_refusal(
    session_id: str, fields: list[str], source: Path | None, crate: str
) -> UnknownFieldsError:
    """The refusal of a save that would drop fields the stored copy has."""
    where = f" (read from {source})" if source is not None else ""
    return UnknownFieldsError(
        f"session {session_id!r}{where} has fields unknown to {crate} that saving would drop: "
        f"{_shown(fields)}; refusing to write it (use force=True to drop them)",
        fields,
        session_id=session_id,
        source=source,
    )


def _describe(msg: str, path: str, line: int | None, column: int | None) -> str:
    """The text of a SessionFormatError, in the binding's own format."""
    text = msg
    if path:
        text += f" (at `{path}`)"
    if line is not None and column is not None:
        text += f" at line {line} column {column}"
    return text


def _format_error(
    msg: str, *, path: str = "", line: int | None = None, column: int | None = None
) -> SessionFormatError:
    err = SessionFormatError(_describe(msg, path, line, column))
    err.msg = msg
    err.path = path
    err.line = line
    err.column = column
    return err


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
Generation = Literal["v3", "v9"]
GENERATIONS: tuple[Generation, ...] = ("v3", "v9")


@dataclass(frozen=True)
class SessionFile:
    """A session read from a file (or bytes) of either layout."""

    session: Any
    """The session, as the crate of ``generation`` parsed it (``a3s_session.SessionData`` for
    v3, ``a3s_session.v9.SessionData`` for v9)."""
    path: Path | None
    """Where it was read from (None for in-memory input)."""
    layout: Layout
    """``"legacy"`` (bare SessionData) or ``"v1"`` (SessionSnapshotV1 envelope)."""
    unknown_fields: list[str] = field(default_factory=list)
    """Paths of input fields the crate would not write back, relative to the session
    (``config.max_parallel_tasks``, ``messages[2].content[0].cache_control``)."""
    extras: dict[str, Any] = field(default_factory=dict)
    """The envelope's other members (``artifacts``, ``trace_events``, ...) as parsed JSON;
    empty for the legacy layout. Never written by this package."""
    generation: Generation = "v3"
    """Which crate read it: ``"v3"`` (a3s-code-core 3.0.0) or ``"v9"`` (9.1.3)."""
    snapshot: Any = field(default=None, repr=False)
    """The whole envelope as ``a3s_session.v9.SessionSnapshotV1`` when v9 read a v1 file."""
    source: bytes | str = field(default="", repr=False, compare=False)
    """The document as read (the file's bytes, or the str given)."""
    session_span: tuple[int, int] | None = field(default=None, repr=False, compare=False)
    """Where the session document is in :attr:`text` (``None``: all of it)."""

    # Decoded on first use: listing or validating a store never needs the text as str, and
    # decoding every file cost as much as a fifth of reading it.
    @functools.cached_property
    def text(self) -> str:
        """The exact text of the whole document."""
        source = self.source
        return source if isinstance(source, str) else source.decode("utf-8")

    @functools.cached_property
    def session_text(self) -> str:
        """The exact text of the session document (the whole file for ``legacy``, the
        ``session`` member for ``v1``)."""
        if self.session_span is None:
            return self.text
        start, end = self.session_span
        return self.text[start:end]

    @property
    def lossless(self) -> bool:
        """Whether the crate can write this session back without dropping input fields."""
        return not self.unknown_fields


@dataclass(frozen=True)
class DirectoryEntry:
    """One session file found by :meth:`SessionDirectory.scan`: read, or failed to read."""

    path: Path
    layout: Layout
    """Where the file was found (``legacy``: top level, ``v1``: ``v1/sessions/``); the layout
    of the document itself is ``file.layout`` (decided per document)."""
    id: str
    """The id the file name stands for: the file stem (legacy; the crate's ``list()``) or the
    decoded ``id_<base64url>`` (v1)."""
    file: SessionFile | None = None
    error: Exception | None = None
    """A SessionFormatError or OSError when the file could not be read."""
