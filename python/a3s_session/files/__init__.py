"""Session files of every A3S Code release, each read through the crate of the generation
its document calls for (a3s-code-core 3.0.0 or 9.1.3; see :func:`parse_session_document`).

Two on-disk layouts exist:

``legacy``
    What a3s-code-core 3.0.0's ``FileSessionStore`` writes: ``<dir>/<safe id>.json``, a bare
    ``SessionData`` document (pretty JSON).
``v1``
    What newer A3S Code releases (5.x - 9.x) write: ``<dir>/v1/sessions/id_<base64url(id)>.json``,
    a ``SessionSnapshotV1`` envelope ``{"schema_version": 1, "session": {...}, "artifacts": ...}``.

The layout is decided per document, not per file name: a JSON object with a ``schema_version``
or ``session`` key is a snapshot envelope, anything else is parsed as a bare ``SessionData``.
The session itself is always parsed by the crate, from the exact bytes of the file, so errors
carry the crate's message and a line/column in the file.

Unknown fields
    A newer release writes fields that the 3.0.0 crate does not know (``tenant_id``,
    ``config.max_parallel_tasks``, ...). serde ignores them on input, so a session read here and
    written back would silently lose them. Every read therefore compares the object keys of the
    input with those of the crate's own re-serialization and reports the keys that would be
    dropped (:attr:`SessionFile.unknown_fields`). The policy is **refuse**:
    :meth:`SessionDirectory.save` raises :class:`UnknownFieldsError` for a session whose stored
    copy has such fields, unless called with ``force=True``. Keys that serde consumes on purpose
    are not reported: the old ``todos`` key (written back as ``tasks``, and compared as such),
    ``llm_config.api_key`` (read, never written), keys whose value is ``null`` (an absent
    ``Option``) and an empty ``tasks[].dependencies`` (omitted when empty).

Encrypted (sealed) snapshots, which start with the magic bytes ``A3SE``, are not supported and
raise :class:`~a3s_session.SessionFormatError`.
"""

from __future__ import annotations

from .._errors import ConflictError, UnknownFieldsError, WriteRefusedError
from .detect import load_session, parse_session_document, read_session_file
from .diff import find_unknown_fields, first_difference
from .directory import SessionDirectory
from .model import (
    GENERATIONS,
    LEGACY,
    SEALED_MAGIC,
    SNAPSHOT_SCHEMA_VERSION,
    V1,
    DirectoryEntry,
    Generation,
    Layout,
    SessionFile,
)
from .names import legacy_file_name, safe_session_id, v1_file_name, v1_id_from_file_name

__all__ = [
    "GENERATIONS",
    "LEGACY",
    "SEALED_MAGIC",
    "SNAPSHOT_SCHEMA_VERSION",
    "V1",
    "ConflictError",
    "DirectoryEntry",
    "Generation",
    "Layout",
    "SessionDirectory",
    "SessionFile",
    "UnknownFieldsError",
    "WriteRefusedError",
    "find_unknown_fields",
    "first_difference",
    "legacy_file_name",
    "load_session",
    "parse_session_document",
    "read_session_file",
    "safe_session_id",
    "v1_file_name",
    "v1_id_from_file_name",
]
