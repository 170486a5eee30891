"""a3s-code-core 9.1.3 (today's A3S Code): the same class names as :mod:`a3s_session.v3`,
plus ``SessionSnapshotV1``, the ``v1/sessions`` store and the enums 9.x added.

Backed by the ``a3s-session-v9`` native distribution, a separate build of the binding so that
serde_json parses exactly as the 9.1.3 crate's own build does (``float_roundtrip``).
"""

# The extension module itself, not its package: importing the package first imports this one.
from a3s_session_v9._native import (
    CRATE_VERSION,
    DEFAULT_AUTO_COMPACT_THRESHOLD,
    SESSION_SNAPSHOT_SCHEMA_VERSION,
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

GENERATION = "v9"
ContentBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock

__all__ = [
    "CRATE_VERSION",
    "DEFAULT_AUTO_COMPACT_THRESHOLD",
    "GENERATION",
    "SESSION_SNAPSHOT_SCHEMA_VERSION",
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
    "SessionSnapshotV1",
    "SessionState",
    "StorageBackend",
    "Task",
    "TaskPriority",
    "TaskStatus",
    "TextBlock",
    "TokenUsage",
    "ToolResultBlock",
    "ToolResultTrust",
    "ToolUseBlock",
    "TranscriptVisibility",
    "migrate_legacy_store",
]
