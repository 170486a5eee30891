"""Exact A3S Code session records, backed by the real ``a3s-code-core`` crate.

Every class wraps the crate's own Rust type; JSON is parsed and written by the crate's
serde implementation, so output is byte-for-byte what A3S Code itself writes.

Two generations, each its own native build: ``a3s_session.v3`` (a3s-code-core 3.0.0, which
``a3s_session.<Name>`` also names) and ``a3s_session.v9`` (9.1.3, today's A3S Code).
"""

from collections.abc import MutableSequence as _MutableSequence

from . import v3, v9
from ._native import (
    CRATE_VERSION,
    DEFAULT_AUTO_COMPACT_THRESHOLD,
    ArrowTable,
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
    SessionFormatError,
    SessionState,
    StorageBackend,
    Task,
    TaskPriority,
    TaskStatus,
    TextBlock,
    TokenUsage,
    ToolResultBlock,
    ToolUseBlock,
    __version__,
)
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
from .files import (
    SessionDirectory,
    SessionFile,
    UnknownFieldsError,
    WriteRefusedError,
    load_session,
    read_session_file,
)

ContentBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock

CRATE_VERSIONS: dict[str, str] = {"v3": v3.CRATE_VERSION, "v9": v9.CRATE_VERSION}
"""The a3s-code-core version each generation links, by generation name."""

# ListView is a list-like view of a session's container field; let isinstance() agree.
_MutableSequence.register(ListView)
_MutableSequence.register(v9.ListView)

__all__ = [
    "CRATE_VERSION",
    "CRATE_VERSIONS",
    "DEFAULT_AUTO_COMPACT_THRESHOLD",
    "DEFAULT_BATCH_ROWS",
    "TABLES",
    "ArrowTable",
    "ContentBlock",
    "ContextUsage",
    "FileSessionStore",
    "ImageBlock",
    "ImageSource",
    "ListView",
    "LlmConfigData",
    "LlmCostRecord",
    "Message",
    "PlanningMode",
    "Scan",
    "ScanBatches",
    "ScanTable",
    "ScanTables",
    "SessionConfig",
    "SessionData",
    "SessionDirectory",
    "SessionFile",
    "SessionFormatError",
    "SessionState",
    "StorageBackend",
    "Task",
    "TaskPriority",
    "TaskStatus",
    "TextBlock",
    "TokenUsage",
    "ToolResultBlock",
    "ToolUseBlock",
    "UnknownFieldsError",
    "WriteRefusedError",
    "__version__",
    "json_schema",
    "load_session",
    "read_session_file",
    "scan",
    "scan_contents",
    "v3",
    "v9",
]
