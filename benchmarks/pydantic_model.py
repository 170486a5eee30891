"""The a3s-code-core 3.0.0 session format as pydantic v2 models.

As faithful as pydantic reasonably allows:

- field order is the crate's; content blocks are a discriminated union on `"type"` (a
  `Literal` tag field declared first, where the crate's internally tagged enum writes it);
  tool_result content is `str | list[text/image block]`;
- strict mode: integer fields reject floats, bools and numeric strings like serde does
  (`ge`/`le` bounds give u32/u64/i64 ranges); float fields accept ints;
- per-field null-vs-omitted with `Field(exclude_if=...)`; `api_key` has `exclude=True`;
- `tasks` is read from `tasks` or `todos` (`AliasChoices`), written as `tasks`;
- permission rules are read from `"rule"` strings or `{"rule": ...}` objects;
- `tool_use.input` keys are sorted on input by an after-validator (the crate's BTreeMap).

Where it differs from the crate: f32 fields are f64 (`1/3` prints `0.3333333333333333`);
pydantic parses floats correctly rounded, where serde_json (no `float_roundtrip`, the crate's
build) lands one ulp off for some 17-digit floats (float *printing* matches serde_json's on
every case tried, and NaN/inf are written as `null` like serde_json); timestamps are `datetime` (nanoseconds lost, 6 fraction digits where
chrono prints 3 for whole milliseconds); integers beyond u64 in free-form JSON stay integers;
duplicate keys are not rejected (the last wins); `queue_config` and `security_config` are
opaque dicts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

U64 = Annotated[int, Field(ge=0, le=2**64 - 1)]
U32 = Annotated[int, Field(ge=0, le=2**32 - 1)]
I64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]

SessionState = Literal["Unknown", "Active", "Paused", "Completed", "Error"]
StorageBackend = Literal["memory", "file", "custom"]
PlanningMode = Literal["Auto", "Disabled", "Enabled"]
TaskStatus = Literal["pending", "in_progress", "completed", "failed", "skipped", "cancelled"]
TaskPriority = Literal["high", "medium", "low"]
PermissionDecision = Literal["allow", "deny", "ask"]
TimeoutAction = Literal["Reject", "AutoApprove"]
SessionLane = Literal["Control", "Query", "Execute", "Generate"]


def _is_none(v: Any) -> bool:
    return v is None


def _is_empty(v: Any) -> bool:
    return not v


def _sorted_json(v: Any) -> Any:
    if type(v) is dict:
        return {k: _sorted_json(v[k]) for k in sorted(v)}
    if type(v) is list:
        return [_sorted_json(x) for x in v]
    return v


class _Model(BaseModel):
    model_config = ConfigDict(strict=True)


class ImageSource(_Model):
    type: str
    media_type: str
    data: str


class TextBlock(_Model):
    type: Literal["text"] = "text"
    text: str


class ImageBlock(_Model):
    type: Literal["image"] = "image"
    source: ImageSource


class ToolUseBlock(_Model):
    type: Literal["tool_use"] = "tool_use"
    id: str
    name: str
    input: Any

    @field_validator("input", mode="after")
    @classmethod
    def _sort_keys(cls, v: Any) -> Any:
        return _sorted_json(v)


ToolResultItem = Annotated[TextBlock | ImageBlock, Field(discriminator="type")]


class ToolResultBlock(_Model):
    type: Literal["tool_result"] = "tool_result"
    tool_use_id: str
    content: str | list[ToolResultItem]
    is_error: bool | None = None


ContentBlock = Annotated[
    TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock, Field(discriminator="type")
]


class Message(_Model):
    role: str
    content: list[ContentBlock]
    reasoning_content: str | None = Field(default=None, exclude_if=_is_none)


class ContextUsage(_Model):
    used_tokens: U64
    max_tokens: U64
    percent: float  # f32 in the crate
    turns: U64


class TokenUsage(_Model):
    prompt_tokens: U64
    completion_tokens: U64
    total_tokens: U64
    cache_read_tokens: U64 | None = None
    cache_write_tokens: U64 | None = None


class LlmCostRecord(_Model):
    model: str
    provider: str
    prompt_tokens: U64
    completion_tokens: U64
    total_tokens: U64
    cost_usd: float | None = None
    timestamp: datetime
    session_id: str | None = None


class Task(_Model):
    id: str
    content: str
    status: TaskStatus
    priority: TaskPriority = "medium"
    tool: str | None = Field(default=None, exclude_if=_is_none)
    dependencies: list[str] = Field(default_factory=list, exclude_if=_is_empty)
    success_criteria: str | None = Field(default=None, exclude_if=_is_none)


class LlmConfigData(_Model):
    provider: str
    model: str
    api_key: str | None = Field(default=None, exclude=True)  # read, never written
    base_url: str | None = None


class ConfirmationPolicy(_Model):
    enabled: bool
    default_timeout_ms: U64
    timeout_action: TimeoutAction
    yolo_lanes: list[SessionLane]  # a HashSet in the crate

    @field_validator("yolo_lanes", mode="after")
    @classmethod
    def _dedup(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))


class PermissionRule(_Model):
    rule: str


def _rule(v: Any) -> Any:
    return {"rule": v} if type(v) is str else v


Rule = Annotated[PermissionRule, BeforeValidator(_rule)]


class PermissionPolicy(_Model):
    deny: list[Rule] = Field(default_factory=list)
    allow: list[Rule] = Field(default_factory=list)
    ask: list[Rule] = Field(default_factory=list)
    default_decision: PermissionDecision = "ask"
    enabled: bool = True


class SessionConfig(_Model):
    name: str
    workspace: str
    system_prompt: str | None = None
    max_context_length: U32
    auto_compact: bool
    auto_compact_threshold: float = 0.8  # f32 in the crate
    storage_type: StorageBackend = "file"
    queue_config: dict[str, Any] | None = Field(default=None, exclude_if=_is_none)
    confirmation_policy: ConfirmationPolicy | None = Field(default=None, exclude_if=_is_none)
    permission_policy: PermissionPolicy | None = Field(default=None, exclude_if=_is_none)
    parent_id: str | None = Field(default=None, exclude_if=_is_none)
    security_config: dict[str, Any] | None = Field(default=None, exclude_if=_is_none)
    planning_mode: PlanningMode = "Auto"
    goal_tracking: bool = False


class SessionData(_Model):
    id: str
    config: SessionConfig
    state: SessionState
    messages: list[Message]
    context_usage: ContextUsage
    total_usage: TokenUsage
    total_cost: float = 0.0
    model_name: str | None = Field(default=None, exclude_if=_is_none)
    cost_records: list[LlmCostRecord] = Field(default_factory=list)
    tool_names: list[str]
    thinking_enabled: bool
    thinking_budget: U64 | None = None
    created_at: I64
    updated_at: I64
    llm_config: LlmConfigData | None = Field(default=None, exclude_if=_is_none)
    tasks: list[Task] = Field(default_factory=list, validation_alias=AliasChoices("tasks", "todos"))
    parent_id: str | None = Field(default=None, exclude_if=_is_none)


def decode(data: bytes | str) -> SessionData:
    return SessionData.model_validate_json(data)


def encode(session: SessionData) -> str:
    return session.model_dump_json()
