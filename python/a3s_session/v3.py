"""a3s-code-core 3.0.0, the generation the package started from: the classes that
``a3s_session.<Name>`` also names. See :mod:`a3s_session.v9` for today's A3S Code."""

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
)

GENERATION = "v3"
ContentBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock

__all__ = [
    "CRATE_VERSION",
    "DEFAULT_AUTO_COMPACT_THRESHOLD",
    "GENERATION",
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
]
