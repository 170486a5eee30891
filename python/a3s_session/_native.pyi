"""Type stubs for ``a3s_session._native``, the compiled core of a3s-session.

Every class wraps one a3s-code-core 3.0.0 type. Conventions shared by all classes:

- constructors take keyword arguments only (one per field);
- enum fields read as the enum and accept the enum or its wire name;
- nested objects read as instances and accept an instance or a ``dict``;
- list fields read as a live ``ListView`` and accept any iterable of instances or dicts;
- ``from_json`` / ``to_json`` / ``from_dict`` / ``to_dict`` go through the crate's serde impls;
- instances compare by value and are unhashable.
"""

import asyncio
import builtins
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableSequence, Sequence
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import (
    Any,
    ClassVar,
    Literal,
    SupportsIndex,
    TypeAlias,
    TypedDict,
    TypeVar,
    final,
    overload,
    type_check_only,
)

from _typeshed import SupportsRichComparison, SupportsRichComparisonT
from typing_extensions import Required, Self

__all__ = [
    "CRATE_VERSION",
    "DEFAULT_AUTO_COMPACT_THRESHOLD",
    "SEALED_SNAPSHOT_MESSAGE",
    "ArrowTable",
    "ContextUsage",
    "FileSessionStore",
    "ImageBlock",
    "ImageSource",
    "ListView",
    "LlmConfigData",
    "LlmCostRecord",
    "Message",
    "PlanningMode",
    "ScanPass",
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
    "__version__",
    "_queued_writes",
    "_scan_reader",
    "is_envelope",
    "line_column",
    "scan_pass",
    "scan_table_columns",
    "scan_table_names",
    "schema_capsule",
    "top_level_keys",
    "top_level_members",
    "use_fast_writer",
]

__version__: str
"""Version of the a3s-session package."""
CRATE_VERSION: str
"""Version of a3s-code-core compiled in (from Cargo.lock)."""
DEFAULT_AUTO_COMPACT_THRESHOLD: float
"""The crate's default ``SessionConfig.auto_compact_threshold`` (an f32, read as its JSON)."""

_T = TypeVar("_T")
_Unknown: TypeAlias = Literal["warn", "error", "ignore"]
"""What ``from_json`` / ``from_dict`` do about fields the crate ignores: warn
(``UnknownFieldsWarning``), raise (``UnknownFieldsError``) or nothing."""

# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------

class SessionFormatError(ValueError):
    """A document (or value) that the a3s-code-core crate rejects."""

    msg: str
    """serde's message, without position."""
    line: int | None
    """1-based line of the error in JSON text input; None for dict/Python input."""
    column: int | None
    """1-based column of the error in JSON text input; None for dict/Python input."""
    path: str
    """Field path of the error, e.g. ``messages[3].content[0].type`` ("" at the top)."""

def line_column(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (bytes, as serde_json counts) of byte ``offset`` in ``data``:
    the position rule of every error, for Python code that finds errors itself."""

def _queued_writes() -> int:
    """Sessions with a store write queued or running (tests: finished queues are forgotten)."""

def use_fast_writer(enabled: bool) -> bool:
    """Write JSON with the fast writer (serde_json's exact bytes, checked by differential
    tests; the default) or, with ``False``, with serde_json itself. Process-wide, for this
    generation's module; returns the previous setting."""

SEALED_SNAPSHOT_MESSAGE: str
"""The error message for an AES-GCM sealed (``A3SE``) snapshot, which only a
``v9.FileSessionStore`` opened with its key can read."""

def is_envelope(text: str | bytes) -> bool:
    """Whether a document is a v1 snapshot envelope: a JSON object with a ``schema_version``
    or ``session`` key (False for anything that is not one JSON object, or not UTF-8)."""

def top_level_keys(text: str | bytes) -> list[str] | None:
    """The keys of a top-level JSON object in document order, or None when ``text`` is not
    one JSON object (or not UTF-8)."""

def top_level_members(text: str) -> list[tuple[str, str]] | None:
    """``(key, exact text of the value)`` of each member of a top-level JSON object, for text
    the crate has already read as a whole; None when it is not an object."""

# ---------------------------------------------------------------------------------------
# The scan (``a3s_session.scan`` is the friendly front; these are its engine)
# ---------------------------------------------------------------------------------------
_scan_reader: object
"""This generation's reader for the scan (a capsule of its ``#[repr(C)]`` function table)."""

@final
class ArrowTable:
    """A table of scan rows held in memory as Arrow record batches. Speaks the Arrow
    PyCapsule interface: ``pyarrow.table(t)``, ``polars.DataFrame(t)``, DuckDB."""

    @staticmethod
    def empty(name: str) -> ArrowTable:
        """An empty table of this name."""
    @staticmethod
    def join(name: str, parts: Sequence[ArrowTable]) -> ArrowTable:
        """The batches of several tables of the same name, as one table (no copy)."""
    @property
    def name(self) -> str: ...
    @property
    def num_rows(self) -> int: ...
    @property
    def num_batches(self) -> int: ...
    @property
    def column_names(self) -> list[str]: ...
    def __len__(self) -> int: ...
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def __arrow_c_schema__(self) -> object: ...
    def column(self, name: str, *, epoch_times: bool = False) -> list[Any]:
        """One column as Python values (timestamps as aware UTC datetimes, or with
        ``epoch_times`` as the integers stored: seconds or microseconds since 1970; float32
        values as the shortest float that prints the same)."""
    def to_pylist(self) -> list[dict[str, Any]]:
        """Every row as a dict of column name to value."""
    def to_pyarrow(self) -> Any:
        """As a ``pyarrow.Table`` (needs pyarrow)."""
    def to_polars(self) -> Any:
        """As a ``polars.DataFrame`` (needs polars)."""
    def to_pandas(self) -> Any:
        """As a ``pandas.DataFrame`` (needs pyarrow and pandas)."""

@final
class ScanPass(Iterator[dict[str, ArrowTable]]):
    """One pass over a scan's source: batches of the wanted tables, or one C stream."""

    def __iter__(self) -> Self: ...
    def __next__(self) -> dict[str, ArrowTable]: ...
    @property
    def total(self) -> tuple[int, int] | None:
        """(inputs, bytes) in all, when known up front."""
    @property
    def done(self) -> tuple[int, int]:
        """(inputs, bytes) read so far."""
    def take_stream(self, table: str) -> object:
        """This pass as an ``arrow_array_stream`` capsule of one table (uses the pass up)."""

def scan_pass(
    *,
    tables: Sequence[str],
    threads: int,
    batch_rows: int,
    primary: object,
    newer: object | None = None,
    paths: Sequence[str | os.PathLike[str]] | None = None,
    files: Sequence[str | os.PathLike[str]] | None = None,
    contents: object | None = None,
    names: Sequence[str | None] | None = None,
    iterator: Iterable[object] | None = None,
    progress: Callable[[int, int], object] | None = None,
    count_unknown: bool = False,
) -> ScanPass:
    """Open one pass over paths (walked), files (exactly these), contents or an iterator (see
    ``a3s_session.scan``)."""

def schema_capsule(name: str) -> object:
    """The Arrow schema of a scan table, as an ``arrow_schema`` capsule."""

def scan_table_names() -> list[str]:
    """The scan's table names, in order."""

def scan_table_columns(name: str) -> list[tuple[str, str, bool, str]]:
    """(name, Arrow type, nullable, what it holds) of each column of a scan table."""

# ---------------------------------------------------------------------------------------
# Enums (``enum.Enum`` with a ``str`` mixin; values are the crate's wire names)
# ---------------------------------------------------------------------------------------

class SessionState(str, Enum):
    """State of a session."""

    UNKNOWN = "Unknown"
    ACTIVE = "Active"
    PAUSED = "Paused"
    COMPLETED = "Completed"
    ERROR = "Error"

class PlanningMode(str, Enum):
    """When the planning phase runs."""

    AUTO = "Auto"
    DISABLED = "Disabled"
    ENABLED = "Enabled"

class StorageBackend(str, Enum):
    """Where a session is stored."""

    MEMORY = "memory"
    FILE = "file"
    CUSTOM = "custom"

class TaskStatus(str, Enum):
    """Status of a task."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"

class TaskPriority(str, Enum):
    """Priority of a task."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

_SessionStateLike: TypeAlias = (
    SessionState | Literal["Unknown", "Active", "Paused", "Completed", "Error"]
)
_PlanningModeLike: TypeAlias = PlanningMode | Literal["Auto", "Disabled", "Enabled"]
_StorageBackendLike: TypeAlias = StorageBackend | Literal["memory", "file", "custom"]
_TaskStatusLike: TypeAlias = (
    TaskStatus | Literal["pending", "in_progress", "completed", "failed", "skipped", "cancelled"]
)
_TaskPriorityLike: TypeAlias = TaskPriority | Literal["high", "medium", "low"]

# Wire names of crate enums that only occur inside the policy dicts.
_SessionLane: TypeAlias = Literal["Control", "Query", "Execute", "Generate"]
_TimeoutAction: TypeAlias = Literal["Reject", "AutoApprove"]
_PermissionDecision: TypeAlias = Literal["allow", "deny", "ask"]
_TaskHandlerMode: TypeAlias = Literal["Internal", "External", "Hybrid"]
_RedactionStrategy: TypeAlias = Literal["Mask", "Remove", "Hash"]
_SensitivityLevel: TypeAlias = Literal[
    "Public", "Normal", "Sensitive", "HighlySensitive", "Critical"
]

# A JSON document as Python builtins (what ``tool_use`` input may be assigned).
_JSON: TypeAlias = Mapping[str, _JSON] | Sequence[_JSON] | str | int | float | bool | None
# A dict converted through the crate's Deserialize impl where an instance is expected.
_Dict: TypeAlias = dict[str, Any]

# ---------------------------------------------------------------------------------------
# Policy dicts of SessionConfig. ``XDict`` is exactly what the getter returns (every key
# present); ``XInput`` is the looser shape the crate also accepts on assignment (keys with
# serde defaults may be left out). They exist for type checking only (not importable at
# runtime): import them under ``if TYPE_CHECKING:``.
# ---------------------------------------------------------------------------------------

@type_check_only
class ConfirmationPolicyDict(TypedDict):
    """``a3s_code_core::hitl::ConfirmationPolicy`` (every key required on input too)."""

    enabled: bool
    default_timeout_ms: int
    timeout_action: _TimeoutAction
    yolo_lanes: list[_SessionLane]

@type_check_only
class PermissionRuleDict(TypedDict):
    """One permission rule as written; on input a plain ``str`` is accepted too."""

    rule: str

@type_check_only
class PermissionPolicyDict(TypedDict):
    """``a3s_code_core::permissions::PermissionPolicy`` as read."""

    deny: list[PermissionRuleDict]
    allow: list[PermissionRuleDict]
    ask: list[PermissionRuleDict]
    default_decision: _PermissionDecision
    enabled: bool

@type_check_only
class PermissionPolicyInput(TypedDict, total=False):
    """``PermissionPolicy`` as accepted: every key optional, rules as ``str`` or dict."""

    deny: list[str | PermissionRuleDict]
    allow: list[str | PermissionRuleDict]
    ask: list[str | PermissionRuleDict]
    default_decision: _PermissionDecision
    enabled: bool

@type_check_only
class LaneHandlerConfigDict(TypedDict):
    """``a3s_code_core::queue::LaneHandlerConfig`` (snake_case keys)."""

    mode: _TaskHandlerMode
    timeout_ms: int

@type_check_only
class RetryPolicyConfigDict(TypedDict):
    strategy: str
    maxRetries: int
    initialDelayMs: int
    fixedDelayMs: int | None

@type_check_only
class RetryPolicyConfigInput(TypedDict, total=False):
    strategy: Required[str]
    maxRetries: int
    initialDelayMs: int
    fixedDelayMs: int | None

@type_check_only
class RateLimitConfigDict(TypedDict):
    limitType: str
    maxOperations: int | None

@type_check_only
class RateLimitConfigInput(TypedDict, total=False):
    limitType: Required[str]
    maxOperations: int | None

@type_check_only
class PriorityBoostConfigDict(TypedDict):
    strategy: str
    deadlineMs: int | None

@type_check_only
class PriorityBoostConfigInput(TypedDict, total=False):
    strategy: Required[str]
    deadlineMs: int | None

@type_check_only
class QueueConfigDict(TypedDict):
    """``a3s_code_core::queue::SessionQueueConfig`` as read (camelCase keys)."""

    controlMaxConcurrency: int
    queryMaxConcurrency: int
    executeMaxConcurrency: int
    generateMaxConcurrency: int
    laneHandlers: dict[_SessionLane, LaneHandlerConfigDict]
    enableDlq: bool
    dlqMaxSize: int | None
    enableMetrics: bool
    enableAlerts: bool
    defaultTimeoutMs: int | None
    storagePath: str | None
    retryPolicy: RetryPolicyConfigDict | None
    rateLimit: RateLimitConfigDict | None
    priorityBoost: PriorityBoostConfigDict | None
    pressureThreshold: int | None
    laneTimeouts: dict[_SessionLane, int]

@type_check_only
class QueueConfigInput(TypedDict, total=False):
    """``SessionQueueConfig`` as accepted: every key optional (camelCase keys)."""

    controlMaxConcurrency: int
    queryMaxConcurrency: int
    executeMaxConcurrency: int
    generateMaxConcurrency: int
    laneHandlers: Mapping[_SessionLane, LaneHandlerConfigDict]
    enableDlq: bool
    dlqMaxSize: int | None
    enableMetrics: bool
    enableAlerts: bool
    defaultTimeoutMs: int | None
    storagePath: str | None
    retryPolicy: RetryPolicyConfigInput | RetryPolicyConfigDict | None
    rateLimit: RateLimitConfigInput | RateLimitConfigDict | None
    priorityBoost: PriorityBoostConfigInput | PriorityBoostConfigDict | None
    pressureThreshold: int | None
    laneTimeouts: Mapping[_SessionLane, int]

@type_check_only
class ClassificationRuleDict(TypedDict):
    name: str
    pattern: str
    level: _SensitivityLevel
    description: str

@type_check_only
class FeatureTogglesDict(TypedDict):
    output_sanitizer: bool
    taint_tracking: bool
    tool_interceptor: bool
    injection_defense: bool

@type_check_only
class SecurityConfigDict(TypedDict):
    """``a3s_code_core::security::SecurityConfig`` (every key required on input too)."""

    enabled: bool
    classification_rules: list[ClassificationRuleDict]
    redaction_strategy: _RedactionStrategy
    network_whitelist: list[str]
    dangerous_commands: list[str]
    features: FeatureTogglesDict

@type_check_only
class ToolDefinitionDict(TypedDict):
    """``a3s_code_core::llm::ToolDefinition``: ``parameters`` is a JSON Schema."""

    name: str
    description: str
    parameters: Any

# ---------------------------------------------------------------------------------------
# ListView
# ---------------------------------------------------------------------------------------

@final
class ListView(MutableSequence[_T]):
    """The live list behind a list field: items are shared with the owner and checked
    (dicts converted through the crate) as they go in. Not constructible from Python."""

    def __len__(self) -> int: ...
    @overload
    def __getitem__(self, index: SupportsIndex, /) -> _T: ...
    @overload
    def __getitem__(self, index: slice, /) -> list[_T]: ...
    @overload
    def __setitem__(self, index: SupportsIndex, value: _T | _Dict, /) -> None: ...
    @overload
    def __setitem__(self, index: slice, value: Iterable[_T | _Dict], /) -> None: ...
    def __delitem__(self, index: SupportsIndex | slice, /) -> None: ...
    def __iter__(self) -> Iterator[_T]: ...
    def __reversed__(self) -> Iterator[_T]: ...
    def __contains__(self, value: object, /) -> bool: ...
    def append(self, value: _T | _Dict) -> None: ...
    def extend(self, values: Iterable[_T | _Dict]) -> None: ...
    def __iadd__(self, values: Iterable[_T | _Dict], /) -> Self: ...
    def insert(self, index: SupportsIndex, value: _T | _Dict) -> None: ...
    def pop(self, index: SupportsIndex = ...) -> _T:
        """Remove and return the item at ``index`` (default: the last)."""

    def remove(self, value: _T) -> None: ...
    def index(
        self, value: object, start: SupportsIndex = 0, stop: SupportsIndex = sys.maxsize, /
    ) -> int: ...
    def count(self, value: object) -> int: ...
    def clear(self) -> None: ...
    def reverse(self) -> None: ...
    @overload
    def sort(
        self: ListView[SupportsRichComparisonT], *, key: None = None, reverse: bool = False
    ) -> None: ...
    @overload
    def sort(
        self, *, key: Callable[[_T], SupportsRichComparison], reverse: bool = False
    ) -> None: ...
    def copy(self) -> list[_T]:
        """A plain ``list`` with the same (shared) items."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __reduce__(self) -> tuple[type[list[Any]], tuple[list[_T]]]:
        """Pickles (and copies) as a plain list."""

# ---------------------------------------------------------------------------------------
# Session
# ---------------------------------------------------------------------------------------

@final
class SessionData:
    """A persisted A3S Code session: the crate's ``SessionData``."""

    def __new__(
        cls,
        *,
        id: str,
        config: SessionConfig | _Dict = ...,
        state: _SessionStateLike = ...,
        messages: Iterable[Message | _Dict] = ...,
        context_usage: ContextUsage | _Dict = ...,
        total_usage: TokenUsage | _Dict = ...,
        total_cost: float = 0.0,
        model_name: str | None = None,
        cost_records: Iterable[LlmCostRecord | _Dict] = ...,
        tool_names: Iterable[str] = ...,
        thinking_enabled: bool = False,
        thinking_budget: int | None = None,
        created_at: int = ...,
        updated_at: int = ...,
        llm_config: LlmConfigData | _Dict | None = None,
        tasks: Iterable[Task | _Dict] = ...,
        parent_id: str | None = None,
    ) -> Self:
        """``created_at`` / ``updated_at`` default to now (Unix seconds)."""

    @property
    def id(self) -> str: ...
    @id.setter
    def id(self, value: str) -> None: ...
    @property
    def config(self) -> SessionConfig: ...
    @config.setter
    def config(self, value: SessionConfig | _Dict) -> None: ...
    @property
    def state(self) -> SessionState: ...
    @state.setter
    def state(self, value: _SessionStateLike) -> None: ...
    @property
    def messages(self) -> ListView[Message]: ...
    @messages.setter
    def messages(self, value: Iterable[Message | _Dict]) -> None: ...
    @property
    def context_usage(self) -> ContextUsage: ...
    @context_usage.setter
    def context_usage(self, value: ContextUsage | _Dict) -> None: ...
    @property
    def total_usage(self) -> TokenUsage: ...
    @total_usage.setter
    def total_usage(self, value: TokenUsage | _Dict) -> None: ...
    @property
    def total_cost(self) -> float: ...
    @total_cost.setter
    def total_cost(self, value: float) -> None: ...
    @property
    def model_name(self) -> str | None: ...
    @model_name.setter
    def model_name(self, value: str | None) -> None: ...
    @property
    def cost_records(self) -> ListView[LlmCostRecord]: ...
    @cost_records.setter
    def cost_records(self, value: Iterable[LlmCostRecord | _Dict]) -> None: ...
    @property
    def tool_names(self) -> ListView[str]: ...
    @tool_names.setter
    def tool_names(self, value: Iterable[str]) -> None: ...
    @property
    def thinking_enabled(self) -> bool: ...
    @thinking_enabled.setter
    def thinking_enabled(self, value: bool) -> None: ...
    @property
    def thinking_budget(self) -> int | None: ...
    @thinking_budget.setter
    def thinking_budget(self, value: int | None) -> None: ...
    @property
    def created_at(self) -> int:
        """Unix epoch seconds."""

    @created_at.setter
    def created_at(self, value: int) -> None: ...
    @property
    def updated_at(self) -> int:
        """Unix epoch seconds."""

    @updated_at.setter
    def updated_at(self, value: int) -> None: ...
    @property
    def llm_config(self) -> LlmConfigData | None: ...
    @llm_config.setter
    def llm_config(self, value: LlmConfigData | _Dict | None) -> None: ...
    @property
    def tasks(self) -> ListView[Task]:
        """Read from ``tasks`` (or the old key ``todos``)."""

    @tasks.setter
    def tasks(self, value: Iterable[Task | _Dict]) -> None: ...
    @property
    def parent_id(self) -> str | None: ...
    @parent_id.setter
    def parent_id(self, value: str | None) -> None: ...
    @staticmethod
    def tool_names_from_definitions(tools: Sequence[ToolDefinitionDict]) -> list[str]:
        """The crate's ``SessionData::tool_names_from_definitions``."""

    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

@final
class SessionConfig:
    """Session configuration: the crate's ``SessionConfig``; ``SessionConfig()`` is the
    crate's ``Default``. Policy fields read as dicts (a copy: assign to change them)."""

    def __new__(
        cls,
        *,
        name: str = "",
        workspace: str = "",
        system_prompt: str | None = None,
        max_context_length: int = 0,
        auto_compact: bool = False,
        auto_compact_threshold: float = 0.8,
        storage_type: _StorageBackendLike = ...,
        queue_config: QueueConfigDict | QueueConfigInput | None = None,
        confirmation_policy: ConfirmationPolicyDict | None = None,
        permission_policy: PermissionPolicyDict | PermissionPolicyInput | None = None,
        parent_id: str | None = None,
        security_config: SecurityConfigDict | None = None,
        planning_mode: _PlanningModeLike = ...,
        goal_tracking: bool = False,
    ) -> Self: ...
    @property
    def name(self) -> str: ...
    @name.setter
    def name(self, value: str) -> None: ...
    @property
    def workspace(self) -> str: ...
    @workspace.setter
    def workspace(self, value: str) -> None: ...
    @property
    def system_prompt(self) -> str | None: ...
    @system_prompt.setter
    def system_prompt(self, value: str | None) -> None: ...
    @property
    def max_context_length(self) -> int: ...
    @max_context_length.setter
    def max_context_length(self, value: int) -> None: ...
    @property
    def auto_compact(self) -> bool: ...
    @auto_compact.setter
    def auto_compact(self, value: bool) -> None: ...
    @property
    def auto_compact_threshold(self) -> float:
        """An f32 in the crate; reads as the float its JSON prints."""

    @auto_compact_threshold.setter
    def auto_compact_threshold(self, value: float) -> None: ...
    @property
    def storage_type(self) -> StorageBackend: ...
    @storage_type.setter
    def storage_type(self, value: _StorageBackendLike) -> None: ...
    @property
    def queue_config(self) -> QueueConfigDict | None: ...
    @queue_config.setter
    def queue_config(self, value: QueueConfigDict | QueueConfigInput | None) -> None: ...
    @property
    def confirmation_policy(self) -> ConfirmationPolicyDict | None: ...
    @confirmation_policy.setter
    def confirmation_policy(self, value: ConfirmationPolicyDict | None) -> None: ...
    @property
    def permission_policy(self) -> PermissionPolicyDict | None: ...
    @permission_policy.setter
    def permission_policy(
        self, value: PermissionPolicyDict | PermissionPolicyInput | None
    ) -> None: ...
    @property
    def parent_id(self) -> str | None: ...
    @parent_id.setter
    def parent_id(self, value: str | None) -> None: ...
    @property
    def security_config(self) -> SecurityConfigDict | None: ...
    @security_config.setter
    def security_config(self, value: SecurityConfigDict | None) -> None: ...
    @property
    def planning_mode(self) -> PlanningMode: ...
    @planning_mode.setter
    def planning_mode(self, value: _PlanningModeLike) -> None: ...
    @property
    def goal_tracking(self) -> bool: ...
    @goal_tracking.setter
    def goal_tracking(self, value: bool) -> None: ...
    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

@final
class ContextUsage:
    """Context window usage."""

    def __new__(
        cls,
        *,
        used_tokens: int = 0,
        max_tokens: int = 200000,
        percent: float = 0.0,
        turns: int = 0,
    ) -> Self: ...
    @property
    def used_tokens(self) -> int: ...
    @used_tokens.setter
    def used_tokens(self, value: int) -> None: ...
    @property
    def max_tokens(self) -> int: ...
    @max_tokens.setter
    def max_tokens(self, value: int) -> None: ...
    @property
    def percent(self) -> float:
        """An f32 in the crate; reads as the float its JSON prints."""

    @percent.setter
    def percent(self, value: float) -> None: ...
    @property
    def turns(self) -> int: ...
    @turns.setter
    def turns(self, value: int) -> None: ...
    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

@final
class LlmConfigData:
    """Per-session LLM client settings. ``api_key`` is accepted but never written by the
    crate (not in ``to_json``, ``to_dict``, pickle, nor ``repr``)."""

    def __new__(
        cls,
        *,
        provider: str,
        model: str,
        api_key: str | None = None,
        base_url: str | None = None,
    ) -> Self: ...
    @property
    def provider(self) -> str: ...
    @provider.setter
    def provider(self, value: str) -> None: ...
    @property
    def model(self) -> str: ...
    @model.setter
    def model(self, value: str) -> None: ...
    @property
    def api_key(self) -> str | None: ...
    @api_key.setter
    def api_key(self, value: str | None) -> None: ...
    @property
    def base_url(self) -> str | None: ...
    @base_url.setter
    def base_url(self, value: str | None) -> None: ...
    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

# ---------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------

_ContentBlock: TypeAlias = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock
_ToolResultItem: TypeAlias = TextBlock | ImageBlock

@final
class Message:
    """One conversation message."""

    def __new__(
        cls,
        *,
        role: str,
        content: Iterable[_ContentBlock | _Dict] = ...,
        reasoning_content: str | None = None,
    ) -> Self: ...
    @property
    def role(self) -> str: ...
    @role.setter
    def role(self, value: str) -> None: ...
    @property
    def content(self) -> ListView[_ContentBlock]: ...
    @content.setter
    def content(self, value: Iterable[_ContentBlock | _Dict]) -> None: ...
    @property
    def reasoning_content(self) -> str | None: ...
    @reasoning_content.setter
    def reasoning_content(self, value: str | None) -> None: ...
    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

@final
class TextBlock:
    """``{"type": "text", "text": ...}``."""

    def __new__(cls, *, text: str) -> Self: ...
    @property
    def text(self) -> str: ...
    @text.setter
    def text(self, value: str) -> None: ...
    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

@final
class ImageBlock:
    """``{"type": "image", "source": ImageSource}``."""

    def __new__(cls, *, source: ImageSource | _Dict) -> Self: ...
    @property
    def source(self) -> ImageSource: ...
    @source.setter
    def source(self, value: ImageSource | _Dict) -> None: ...
    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

@final
class ToolUseBlock:
    """``{"type": "tool_use", "id", "name", "input"}``; ``input`` is any JSON value, read as
    plain Python builtins and edited in place."""

    def __new__(cls, *, id: str, name: str, input: _JSON = None) -> Self: ...
    @property
    def id(self) -> str: ...
    @id.setter
    def id(self, value: str) -> None: ...
    @property
    def name(self) -> str: ...
    @name.setter
    def name(self, value: str) -> None: ...
    @property
    def input(self) -> Any: ...
    @input.setter
    def input(self, value: _JSON) -> None: ...
    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

@final
class ToolResultBlock:
    """``{"type": "tool_result", "tool_use_id", "content", "is_error"}``; ``content`` is a
    ``str`` or a list of ``TextBlock`` / ``ImageBlock``."""

    def __new__(
        cls,
        *,
        tool_use_id: str,
        content: str | Iterable[_ToolResultItem | _Dict] = "",
        is_error: bool | None = None,
    ) -> Self: ...
    @property
    def tool_use_id(self) -> str: ...
    @tool_use_id.setter
    def tool_use_id(self, value: str) -> None: ...
    @property
    def content(self) -> str | ListView[_ToolResultItem]: ...
    @content.setter
    def content(self, value: str | Iterable[_ToolResultItem | _Dict]) -> None: ...
    @property
    def is_error(self) -> bool | None: ...
    @is_error.setter
    def is_error(self, value: bool | None) -> None: ...
    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

@final
class ImageSource:
    """Image data of an image block: ``{"type", "media_type", "data"}``."""

    def __new__(cls, *, type: str = "base64", media_type: str, data: str) -> Self: ...
    @property
    def type(self) -> str:
        """The source kind, ``"base64"`` in practice (``source_type`` in the crate)."""

    @type.setter
    def type(self, value: str) -> None: ...
    @property
    def media_type(self) -> str: ...
    @media_type.setter
    def media_type(self, value: str) -> None: ...
    @property
    def data(self) -> str:
        """Base64 text."""

    @data.setter
    def data(self, value: str) -> None: ...
    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

@final
class TokenUsage:
    """Token counts; the two cache counters are always written (null when unknown)."""

    def __new__(
        cls,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        total_tokens: int = 0,
        cache_read_tokens: int | None = None,
        cache_write_tokens: int | None = None,
    ) -> Self: ...
    @property
    def prompt_tokens(self) -> int: ...
    @prompt_tokens.setter
    def prompt_tokens(self, value: int) -> None: ...
    @property
    def completion_tokens(self) -> int: ...
    @completion_tokens.setter
    def completion_tokens(self, value: int) -> None: ...
    @property
    def total_tokens(self) -> int: ...
    @total_tokens.setter
    def total_tokens(self, value: int) -> None: ...
    @property
    def cache_read_tokens(self) -> int | None: ...
    @cache_read_tokens.setter
    def cache_read_tokens(self, value: int | None) -> None: ...
    @property
    def cache_write_tokens(self) -> int | None: ...
    @cache_write_tokens.setter
    def cache_write_tokens(self, value: int | None) -> None: ...
    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

# ---------------------------------------------------------------------------------------
# Tasks and cost records
# ---------------------------------------------------------------------------------------

@final
class Task:
    """A planned or tracked task."""

    def __new__(
        cls,
        *,
        id: str,
        content: str,
        status: _TaskStatusLike = ...,
        priority: _TaskPriorityLike = ...,
        tool: str | None = None,
        dependencies: Iterable[str] = ...,
        success_criteria: str | None = None,
    ) -> Self: ...
    @property
    def id(self) -> str: ...
    @id.setter
    def id(self, value: str) -> None: ...
    @property
    def content(self) -> str: ...
    @content.setter
    def content(self, value: str) -> None: ...
    @property
    def status(self) -> TaskStatus: ...
    @status.setter
    def status(self, value: _TaskStatusLike) -> None: ...
    @property
    def priority(self) -> TaskPriority: ...
    @priority.setter
    def priority(self, value: _TaskPriorityLike) -> None: ...
    @property
    def tool(self) -> str | None: ...
    @tool.setter
    def tool(self, value: str | None) -> None: ...
    @property
    def dependencies(self) -> ListView[str]:
        """IDs of tasks that must complete first."""

    @dependencies.setter
    def dependencies(self, value: Iterable[str]) -> None: ...
    @property
    def success_criteria(self) -> str | None: ...
    @success_criteria.setter
    def success_criteria(self, value: str | None) -> None: ...
    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

@final
class LlmCostRecord:
    """Cost of one LLM call."""

    def __new__(
        cls,
        *,
        model: str,
        provider: str,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        total_tokens: int = 0,
        cost_usd: float | None = None,
        timestamp: str | datetime = ...,
        session_id: str | None = None,
    ) -> Self:
        """``timestamp`` defaults to now."""

    @property
    def model(self) -> str: ...
    @model.setter
    def model(self, value: str) -> None: ...
    @property
    def provider(self) -> str: ...
    @provider.setter
    def provider(self, value: str) -> None: ...
    @property
    def prompt_tokens(self) -> int: ...
    @prompt_tokens.setter
    def prompt_tokens(self, value: int) -> None: ...
    @property
    def completion_tokens(self) -> int: ...
    @completion_tokens.setter
    def completion_tokens(self, value: int) -> None: ...
    @property
    def total_tokens(self) -> int: ...
    @total_tokens.setter
    def total_tokens(self, value: int) -> None: ...
    @property
    def cost_usd(self) -> float | None: ...
    @cost_usd.setter
    def cost_usd(self, value: float | None) -> None: ...
    @property
    def timestamp(self) -> str:
        """The crate's RFC 3339 text (UTC, nanoseconds kept)."""

    @timestamp.setter
    def timestamp(self, value: str | datetime) -> None:
        """RFC 3339 text or an aware ``datetime``."""

    @property
    def session_id(self) -> str | None: ...
    @session_id.setter
    def session_id(self, value: str | None) -> None: ...
    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

# ---------------------------------------------------------------------------------------
# Store
# ---------------------------------------------------------------------------------------

@final
class FileSessionStore:
    """The crate's own ``FileSessionStore``: one pretty-printed ``<safe id>.json`` per
    session in ``dir``, written atomically. I/O runs with the interpreter released."""

    def __new__(cls, dir: str | os.PathLike[str]) -> Self:
        """Open (creating it if needed) a store directory."""

    @property
    def dir(self) -> Path:
        """The store directory."""

    def save(self, session: SessionData) -> None:
        """Write a session atomically (temp file, fsync, rename)."""

    def load(self, id: str) -> SessionData | None:
        """The session with this id, or None when there is no such file; a corrupt file
        raises ``SessionFormatError``."""

    def delete(self, id: str) -> None:
        """Remove the session file and its side files."""

    def exists(self, id: str) -> bool: ...
    def list(self) -> builtins.list[str]:
        """Ids (file stems) of the stored sessions, sorted."""

    def health_check(self) -> None:
        """Raise ``OSError`` unless the directory is writable."""
    # The asyncio twins: futures of the running loop, run on the extension's store runtime
    # (no thread per call). Cancelling one stops the wait, never the write.
    @classmethod
    def open_async(cls, dir: str | os.PathLike[str]) -> asyncio.Future[Self]:
        """``FileSessionStore(dir)`` without blocking the event loop."""
    def save_async(self, session: SessionData) -> asyncio.Future[None]:
        """``save`` (the session is copied when called)."""
    def load_async(self, id: str) -> asyncio.Future[SessionData | None]: ...
    def delete_async(self, id: str) -> asyncio.Future[None]: ...
    def exists_async(self, id: str) -> asyncio.Future[bool]: ...
    def list_async(self) -> asyncio.Future[builtins.list[str]]: ...
    def health_check_async(self) -> asyncio.Future[None]: ...
