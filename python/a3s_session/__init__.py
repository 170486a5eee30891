"""Exact A3S Code session records, backed by the real ``a3s-code-core`` crate.

Every class wraps the crate's own Rust type; JSON is parsed and written by the crate's
serde implementation, so output is byte-for-byte what A3S Code itself writes.
"""

from collections.abc import MutableSequence as _MutableSequence

from ._native import (
    CRATE_VERSION,
    DEFAULT_AUTO_COMPACT_THRESHOLD,
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
from .files import (
    SessionDirectory,
    SessionFile,
    UnknownFieldsError,
    WriteRefusedError,
    load_session,
    read_session_file,
)

ContentBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock

# ListView is a list-like view of a session's container field; let isinstance() agree.
_MutableSequence.register(ListView)

__all__ = [
    "CRATE_VERSION",
    "DEFAULT_AUTO_COMPACT_THRESHOLD",
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
    "load_session",
    "read_session_file",
]
