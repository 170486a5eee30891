"""The a3s-code-core 3.0.0 session format as msgspec Structs.

As faithful as msgspec reasonably allows:

- field order is the crate's (`kw_only=True` lets required fields follow defaulted ones); content blocks are a tagged union on `"type"`; tool_result
  content is `str | list[TextBlock | ImageBlock]` (msgspec's untagged str/array union);
- per-field null-vs-omitted: structs whose only optional fields are omitted when None use
  `omit_defaults=True` (Message, Task); structs that always write their Nones use plain `None`
  defaults; where both kinds meet in one struct (SessionData, SessionConfig) the omitted ones
  default to `UNSET` and `__post_init__` turns an explicit `null` back into `UNSET`;
- `tasks` is also read from `todos` (a hidden `UNSET` field moved over in `__post_init__`);
- `api_key` is read but never written (moved out of the field in `__post_init__`);
- permission rules are read from `"rule"` strings or `{"rule": ...}` objects;
- integer fields carry `Meta(ge=0, le=...)` bounds; the encoder uses
  `order="deterministic"`, which sorts dict keys (so `tool_use.input` comes out sorted like
  the crate's BTreeMap) while keeping struct fields in declaration order.

Where it differs from the crate: f32 fields are f64 (`1/3` prints `0.3333333333333333`);
msgspec writes `1e21` / `1e16` where the crate's serde_json (1.0.154) writes `1e+21` / `1e+16`
(small exponents agree: `1.5e-7`, `0.000046`); msgspec parses floats correctly rounded, where
serde_json (no `float_roundtrip`) lands one ulp off for some 17-digit floats;
timestamps are `datetime` (nanoseconds truncated to microseconds, and always 6 fraction digits
where chrono prints 3 for whole milliseconds); integers beyond u64 in free-form JSON stay
integers; duplicate keys are not rejected; `queue_config` and `security_config` are opaque
dicts (no defaults, and their keys are sorted on output by the deterministic encoder).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType, field

U64 = Annotated[int, Meta(ge=0)]  # msgspec bounds must fit i64; its ints stop at u64 max
U32 = Annotated[int, Meta(ge=0, le=2**32 - 1)]
I64 = Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)]

SessionState = Literal["Unknown", "Active", "Paused", "Completed", "Error"]
StorageBackend = Literal["memory", "file", "custom"]
PlanningMode = Literal["Auto", "Disabled", "Enabled"]
TaskStatus = Literal["pending", "in_progress", "completed", "failed", "skipped", "cancelled"]
TaskPriority = Literal["high", "medium", "low"]
PermissionDecision = Literal["allow", "deny", "ask"]
TimeoutAction = Literal["Reject", "AutoApprove"]
SessionLane = Literal["Control", "Query", "Execute", "Generate"]


class ImageSource(Struct):
    type: str
    media_type: str
    data: str


class TextBlock(Struct, tag="text", tag_field="type"):
    text: str


class ImageBlock(Struct, tag="image", tag_field="type"):
    source: ImageSource


class ToolUseBlock(Struct, tag="tool_use", tag_field="type"):
    id: str
    name: str
    input: Any


class ToolResultBlock(Struct, tag="tool_result", tag_field="type"):
    tool_use_id: str
    content: str | list[TextBlock | ImageBlock]
    is_error: bool | None = None


ContentBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock


class Message(Struct, omit_defaults=True):
    role: str
    content: list[ContentBlock]
    reasoning_content: str | None = None


class ContextUsage(Struct):
    used_tokens: U64
    max_tokens: U64
    percent: float  # f32 in the crate
    turns: U64


class TokenUsage(Struct):
    prompt_tokens: U64
    completion_tokens: U64
    total_tokens: U64
    cache_read_tokens: U64 | None = None
    cache_write_tokens: U64 | None = None


class LlmCostRecord(Struct, kw_only=True):
    model: str
    provider: str
    prompt_tokens: U64
    completion_tokens: U64
    total_tokens: U64
    cost_usd: float | None = None
    timestamp: datetime
    session_id: str | None = None


class Task(Struct, omit_defaults=True):
    id: str
    content: str
    status: TaskStatus
    # Always written by the crate (default "medium" on input): UNSET default + __post_init__,
    # so omit_defaults never drops it.
    priority: TaskPriority | UnsetType = UNSET
    tool: str | None = None
    dependencies: list[str] = field(default_factory=list)
    success_criteria: str | None = None

    def __post_init__(self) -> None:
        if self.priority is UNSET:
            self.priority = "medium"


class LlmConfigData(Struct, dict=True):
    provider: str
    model: str
    api_key: str | None | UnsetType = UNSET  # read, never written
    base_url: str | None = None

    def __post_init__(self) -> None:
        self.secret_api_key = None if self.api_key is UNSET else self.api_key
        self.api_key = UNSET


class ConfirmationPolicy(Struct):
    enabled: bool
    default_timeout_ms: U64
    timeout_action: TimeoutAction
    yolo_lanes: set[SessionLane]


class PermissionRule(Struct):
    rule: str


def _rules(rules: list[str | PermissionRule]) -> list[str | PermissionRule]:
    return [PermissionRule(r) if type(r) is str else r for r in rules]


class PermissionPolicy(Struct):
    deny: list[str | PermissionRule] = field(default_factory=list)
    allow: list[str | PermissionRule] = field(default_factory=list)
    ask: list[str | PermissionRule] = field(default_factory=list)
    default_decision: PermissionDecision = "ask"
    enabled: bool = True

    def __post_init__(self) -> None:
        self.deny = _rules(self.deny)
        self.allow = _rules(self.allow)
        self.ask = _rules(self.ask)


class SessionConfig(Struct, kw_only=True):
    name: str
    workspace: str
    system_prompt: str | None = None
    max_context_length: U32
    auto_compact: bool
    auto_compact_threshold: float = 0.8  # f32 in the crate
    storage_type: StorageBackend = "file"
    queue_config: dict[str, Any] | None | UnsetType = UNSET
    confirmation_policy: ConfirmationPolicy | None | UnsetType = UNSET
    permission_policy: PermissionPolicy | None | UnsetType = UNSET
    parent_id: str | None | UnsetType = UNSET
    security_config: dict[str, Any] | None | UnsetType = UNSET
    planning_mode: PlanningMode = "Auto"
    goal_tracking: bool = False

    def __post_init__(self) -> None:
        if self.queue_config is None:
            self.queue_config = UNSET
        if self.confirmation_policy is None:
            self.confirmation_policy = UNSET
        if self.permission_policy is None:
            self.permission_policy = UNSET
        if self.parent_id is None:
            self.parent_id = UNSET
        if self.security_config is None:
            self.security_config = UNSET


class SessionData(Struct, kw_only=True):
    id: str
    config: SessionConfig
    state: SessionState
    messages: list[Message]
    context_usage: ContextUsage
    total_usage: TokenUsage
    total_cost: float = 0.0
    model_name: str | None | UnsetType = UNSET
    cost_records: list[LlmCostRecord] = field(default_factory=list)
    tool_names: list[str]
    thinking_enabled: bool
    thinking_budget: U64 | None = None
    created_at: I64
    updated_at: I64
    llm_config: LlmConfigData | None | UnsetType = UNSET
    tasks: list[Task] | UnsetType = UNSET
    todos: list[Task] | UnsetType = UNSET  # old key, read only
    parent_id: str | None | UnsetType = UNSET

    def __post_init__(self) -> None:
        if self.model_name is None:
            self.model_name = UNSET
        if self.llm_config is None:
            self.llm_config = UNSET
        if self.parent_id is None:
            self.parent_id = UNSET
        if self.todos is not UNSET:
            if self.tasks is not UNSET:
                raise ValueError("duplicate field `tasks`")
            self.tasks = self.todos
            self.todos = UNSET
        elif self.tasks is UNSET:
            self.tasks = []


_decoder = msgspec.json.Decoder(SessionData)
_encoder = msgspec.json.Encoder(order="deterministic")


def decode(data: bytes | str) -> SessionData:
    return _decoder.decode(data)


def encode(session: SessionData) -> bytes:
    return _encoder.encode(session)
