"""Exact A3S Code session records, backed by the real ``a3s-code-core`` crate.

Every class wraps the crate's own Rust type; JSON is parsed and written by the crate's
serde implementation, so output is byte-for-byte what A3S Code itself writes.

Two generations, each its own native build: ``a3s_session.v9`` (a3s-code-core 9.1.3, today's
A3S Code, which ``a3s_session.<Name>`` names) and ``a3s_session.v3`` (3.0.0, what 0.2 named
``a3s_session.<Name>``). :mod:`a3s_session.abc` has one type per record for either.
"""

from collections.abc import MutableSequence as _MutableSequence

from . import abc, v3, v9  # abc registers v3's and v9's classes
from ._errors import (
    ConflictError,
    DurableSourceError,
    FileTooLargeError,
    GenerationMismatchError,
    GenerationWarning,
    HandBackError,
    InvalidSessionIdError,
    NotRegularFileError,
    SealedStoreError,
    SessionFormatError,
    UnknownFieldsError,
    UnknownFieldsWarning,
    WriteRefusedError,
)
from ._native import ArrowTable, __version__
from ._samples import SAMPLE_SESSION_ID, sample_session_file, sample_store
from ._scan import (
    DEFAULT_BATCH_ROWS,
    TABLES,
    Scan,
    ScanBatches,
    ScanTable,
    ScanTables,
    scan,
    scan_contents,
)
from ._schema import json_schema_of as json_schema
from .accounting import SessionUsage, UsageReport, UsageRow, usage
from .comparison import SessionDiff, compare
from .files import SessionDirectory, SessionFile, load_session, read_session_file
from .fulltext import SearchHit, SearchIndex, search
from .locate import SessionNotFoundError, find_session
from .redaction import Redaction, Redactor, redact
from .renderers import FORMATS, Rendered, render
from .repair import DoctorReport, Finding, doctor
from .transcript import Transcript
from .v9 import (
    CRATE_VERSION,
    DEFAULT_AUTO_COMPACT_THRESHOLD,
    SESSION_SNAPSHOT_SCHEMA_VERSION,
    ContentBlock,
    ContextUsage,
    FileSessionStore,
    ImageBlock,
    ImageSource,
    ListView,
    LlmConfigData,
    LlmCostRecord,
    Message,
    PlanningMode,
    SessionConfig,
    SessionData,
    SessionSnapshotV1,
    SessionState,
    StorageBackend,
    Task,
    TaskPriority,
    TaskStatus,
    TextBlock,
    TokenUsage,
    ToolResultBlock,
    ToolResultTrust,
    ToolUseBlock,
    TranscriptVisibility,
    migrate_legacy_store,
)

CRATE_VERSIONS: dict[str, str] = {"v3": v3.CRATE_VERSION, "v9": v9.CRATE_VERSION}
"""The a3s-code-core version each generation links, by generation name."""

# ListView is a list-like view of a session's container field; let isinstance() agree.
_MutableSequence.register(v3.ListView)
_MutableSequence.register(v9.ListView)

__all__ = [
    "CRATE_VERSION",
    "CRATE_VERSIONS",
    "DEFAULT_AUTO_COMPACT_THRESHOLD",
    "DEFAULT_BATCH_ROWS",
    "FORMATS",
    "SAMPLE_SESSION_ID",
    "SESSION_SNAPSHOT_SCHEMA_VERSION",
    "TABLES",
    "ArrowTable",
    "ConflictError",
    "ContentBlock",
    "ContextUsage",
    "DoctorReport",
    "DurableSourceError",
    "FileSessionStore",
    "FileTooLargeError",
    "Finding",
    "GenerationMismatchError",
    "GenerationWarning",
    "HandBackError",
    "ImageBlock",
    "ImageSource",
    "InvalidSessionIdError",
    "ListView",
    "LlmConfigData",
    "LlmCostRecord",
    "Message",
    "NotRegularFileError",
    "PlanningMode",
    "Redaction",
    "Redactor",
    "Rendered",
    "Scan",
    "ScanBatches",
    "ScanTable",
    "ScanTables",
    "SealedStoreError",
    "SearchHit",
    "SearchIndex",
    "SessionConfig",
    "SessionData",
    "SessionDiff",
    "SessionDirectory",
    "SessionFile",
    "SessionFormatError",
    "SessionNotFoundError",
    "SessionSnapshotV1",
    "SessionState",
    "SessionUsage",
    "StorageBackend",
    "Task",
    "TaskPriority",
    "TaskStatus",
    "TextBlock",
    "TokenUsage",
    "ToolResultBlock",
    "ToolResultTrust",
    "ToolUseBlock",
    "Transcript",
    "TranscriptVisibility",
    "UnknownFieldsError",
    "UnknownFieldsWarning",
    "UsageReport",
    "UsageRow",
    "WriteRefusedError",
    "__version__",
    "abc",
    "compare",
    "doctor",
    "find_session",
    "json_schema",
    "load_session",
    "migrate_legacy_store",
    "read_session_file",
    "redact",
    "render",
    "sample_session_file",
    "sample_store",
    "scan",
    "scan_contents",
    "search",
    "usage",
    "v3",
    "v9",
]
