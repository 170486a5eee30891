"""A pure-Python port of the a3s-code-core 3.0.0 session format: dataclasses + stdlib json.

This is the "what if we just wrote it in Python" contender of the benchmarks. It follows the
crate's field rules as far as a careful, ordinary port would:

- fields are written in the crate's declaration order;
- per-field null-vs-omitted rules (`system_prompt`, `thinking_budget`, `base_url`, `is_error`,
  `cache_*` always written, null when absent; `model_name`, `llm_config`, `parent_id`,
  `reasoning_content`, `tool`, `success_criteria`, the optional policies omitted when None;
  `dependencies` omitted when empty);
- serde defaults on input (`total_cost` 0.0, `auto_compact_threshold` 0.8, `storage_type`
  "file", `planning_mode` "Auto", priority "medium", permission-policy defaults, ...);
- `tasks` is also read from the old key `todos`, always written as `tasks`;
- content blocks are tagged by `"type"`; tool_result content is a string or a list of
  text/image blocks (untagged); `api_key` is read but never written;
- permission rules are read from `"rule"` strings or `{"rule": ...}` objects;
- object keys inside `tool_use.input` are sorted (the crate keeps them in a BTreeMap);
- unsigned integer fields reject negatives, floats and bools; float fields accept ints.

Where it differs from the crate (measured by `run.py`'s exactness column):

- f32 fields (`context_usage.percent`, `auto_compact_threshold`) are kept as Python floats
  (f64): a value such as 1/3 prints as `0.3333333333333333`, not the crate's `0.33333334`;
- float text comes from Python's `repr`: `1.5e-07` / `4.6e-05` where the crate's serde_json
  (1.0.154) writes `1.5e-7` / `0.000046` (both write `1e+21`); integers beyond u64/i64 in
  free-form JSON stay integers (serde_json makes them f64); NaN/inf are written as
  `NaN`/`Infinity` (serde_json writes `null`);
- Python parses every float correctly rounded; serde_json without its `float_roundtrip`
  feature (the crate's build) lands one ulp off for some 17-digit floats, so the crate
  re-encodes `0.44324839357743884` as `0.4432483935774389` and this port does not;
- timestamps are `datetime` objects, so nanoseconds are truncated to microseconds (the
  crate keeps them);
- duplicate keys are not detected (the last one wins; serde rejects them in structs);
- `queue_config` and `security_config` are kept as plain dicts (validated by nobody,
  written back as given, without the crate's defaults).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "ContextUsage",
    "ImageBlock",
    "ImageSource",
    "LlmConfigData",
    "LlmCostRecord",
    "Message",
    "SessionConfig",
    "SessionData",
    "Task",
    "TextBlock",
    "TokenUsage",
    "ToolResultBlock",
    "ToolUseBlock",
    "decode",
    "encode",
]

SESSION_STATES = frozenset({"Unknown", "Active", "Paused", "Completed", "Error"})
STORAGE_BACKENDS = frozenset({"memory", "file", "custom"})
PLANNING_MODES = frozenset({"Auto", "Disabled", "Enabled"})
TASK_STATUSES = frozenset({"pending", "in_progress", "completed", "failed", "skipped", "cancelled"})
TASK_PRIORITIES = frozenset({"high", "medium", "low"})
PERMISSION_DECISIONS = frozenset({"allow", "deny", "ask"})
TIMEOUT_ACTIONS = frozenset({"Reject", "AutoApprove"})
SESSION_LANES = frozenset({"Control", "Query", "Execute", "Generate"})


class FormatError(ValueError):
    """A document the port rejects."""


# ---------------------------------------------------------------------------------------------
# Scalar checks
# ---------------------------------------------------------------------------------------------
def _req(d: dict[str, Any], key: str) -> Any:
    try:
        return d[key]
    except KeyError:
        raise FormatError(f"missing field `{key}`") from None
    except TypeError:
        raise FormatError(f"expected an object, got {type(d).__name__}") from None


def _str(v: Any) -> str:
    if type(v) is not str:
        raise FormatError(f"expected a string, got {v!r}")
    return v


def _opt_str(v: Any) -> str | None:
    return None if v is None else _str(v)


def _bool(v: Any) -> bool:
    if type(v) is not bool:
        raise FormatError(f"expected a boolean, got {v!r}")
    return v


def _uint(v: Any, bits: int = 64) -> int:
    if type(v) is not int or v < 0 or v >> bits:
        raise FormatError(f"expected u{bits}, got {v!r}")
    return v


def _opt_uint(v: Any) -> int | None:
    return None if v is None else _uint(v)


def _int64(v: Any) -> int:
    if type(v) is not int or not -(1 << 63) <= v < (1 << 63):
        raise FormatError(f"expected i64, got {v!r}")
    return v


def _float(v: Any) -> float:
    if type(v) is float:
        return v
    if type(v) is int:
        return float(v)
    raise FormatError(f"expected a number, got {v!r}")


def _opt_float(v: Any) -> float | None:
    return None if v is None else _float(v)


def _enum(v: Any, allowed: frozenset[str]) -> str:
    if v not in allowed or type(v) is not str:
        raise FormatError(f"unknown variant {v!r}, expected one of {sorted(allowed)}")
    return v


def _list(v: Any) -> list[Any]:
    if type(v) is not list:
        raise FormatError(f"expected an array, got {type(v).__name__}")
    return v


def _sorted_json(v: Any) -> Any:
    """Free-form JSON as the crate keeps it: object keys sorted (serde_json's BTreeMap)."""
    if type(v) is dict:
        return {k: _sorted_json(v[k]) for k in sorted(v)}
    if type(v) is list:
        return [_sorted_json(x) for x in v]
    return v


_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})\Z"
)


def _datetime(v: Any) -> datetime:
    m = _RFC3339.match(_str(v))
    if m is None:
        raise FormatError(f"expected an RFC 3339 date and time, got {v!r}")
    date, time, frac, offset = m.groups()
    micros = (frac or "").ljust(6, "0")[:6]  # datetime has microseconds only
    tz = "+00:00" if offset in ("Z", "z") else offset
    try:
        dt = datetime.fromisoformat(f"{date}T{time}.{micros}{tz}")
    except ValueError as exc:
        raise FormatError(str(exc)) from None
    return dt.astimezone(timezone.utc)


def _rfc3339(dt: datetime) -> str:
    """chrono's `SecondsFormat::AutoSi` with `Z`: 0, 3 or 6 fraction digits (no nanos here)."""
    dt = dt.astimezone(timezone.utc)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    us = dt.microsecond
    if us == 0:
        return base + "Z"
    if us % 1000 == 0:
        return f"{base}.{us // 1000:03d}Z"
    return f"{base}.{us:06d}Z"


# ---------------------------------------------------------------------------------------------
# Content blocks
# ---------------------------------------------------------------------------------------------
@dataclass(slots=True)
class ImageSource:
    type: str
    media_type: str
    data: str

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImageSource:
        return cls(_str(_req(d, "type")), _str(_req(d, "media_type")), _str(_req(d, "data")))

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "media_type": self.media_type, "data": self.data}


@dataclass(slots=True)
class TextBlock:
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"type": "text", "text": self.text}


@dataclass(slots=True)
class ImageBlock:
    source: ImageSource

    def to_dict(self) -> dict[str, Any]:
        return {"type": "image", "source": self.source.to_dict()}


@dataclass(slots=True)
class ToolUseBlock:
    id: str
    name: str
    input: Any

    def to_dict(self) -> dict[str, Any]:
        return {"type": "tool_use", "id": self.id, "name": self.name, "input": self.input}


@dataclass(slots=True)
class ToolResultBlock:
    tool_use_id: str
    content: str | list[TextBlock | ImageBlock]
    is_error: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        content = self.content
        return {
            "type": "tool_result",
            "tool_use_id": self.tool_use_id,
            "content": content if type(content) is str else [b.to_dict() for b in content],
            "is_error": self.is_error,
        }


ContentBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock


def _result_item(d: Any) -> TextBlock | ImageBlock:
    kind = _req(d, "type")
    if kind == "text":
        return TextBlock(_str(_req(d, "text")))
    if kind == "image":
        return ImageBlock(ImageSource.from_dict(_req(d, "source")))
    raise FormatError(f"unknown variant {kind!r}, expected `text` or `image`")


def _block(d: Any) -> ContentBlock:
    kind = _req(d, "type")
    if kind == "text":
        return TextBlock(_str(_req(d, "text")))
    if kind == "tool_use":
        return ToolUseBlock(
            _str(_req(d, "id")), _str(_req(d, "name")), _sorted_json(_req(d, "input"))
        )
    if kind == "tool_result":
        content = _req(d, "content")
        if type(content) is not str:
            try:
                content = [_result_item(x) for x in _list(content)]
            except FormatError:
                raise FormatError(
                    "data did not match any variant of untagged enum ToolResultContentField"
                ) from None
        is_error = d.get("is_error")
        return ToolResultBlock(
            _str(_req(d, "tool_use_id")), content, None if is_error is None else _bool(is_error)
        )
    if kind == "image":
        return ImageBlock(ImageSource.from_dict(_req(d, "source")))
    raise FormatError(f"unknown variant {kind!r}")


@dataclass(slots=True)
class Message:
    role: str
    content: list[ContentBlock]
    reasoning_content: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Message:
        return cls(
            _str(_req(d, "role")),
            [_block(b) for b in _list(_req(d, "content"))],
            _opt_str(d.get("reasoning_content")),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role, "content": [b.to_dict() for b in self.content]}
        if self.reasoning_content is not None:
            out["reasoning_content"] = self.reasoning_content
        return out


# ---------------------------------------------------------------------------------------------
# Small records
# ---------------------------------------------------------------------------------------------
@dataclass(slots=True)
class ContextUsage:
    used_tokens: int
    max_tokens: int
    percent: float  # an f32 in the crate
    turns: int

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ContextUsage:
        return cls(
            _uint(_req(d, "used_tokens")),
            _uint(_req(d, "max_tokens")),
            _float(_req(d, "percent")),
            _uint(_req(d, "turns")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "used_tokens": self.used_tokens,
            "max_tokens": self.max_tokens,
            "percent": self.percent,
            "turns": self.turns,
        }


@dataclass(slots=True)
class TokenUsage:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TokenUsage:
        return cls(
            _uint(_req(d, "prompt_tokens")),
            _uint(_req(d, "completion_tokens")),
            _uint(_req(d, "total_tokens")),
            _opt_uint(d.get("cache_read_tokens")),
            _opt_uint(d.get("cache_write_tokens")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
        }


@dataclass(slots=True)
class LlmCostRecord:
    model: str
    provider: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float | None
    timestamp: datetime
    session_id: str | None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LlmCostRecord:
        return cls(
            _str(_req(d, "model")),
            _str(_req(d, "provider")),
            _uint(_req(d, "prompt_tokens")),
            _uint(_req(d, "completion_tokens")),
            _uint(_req(d, "total_tokens")),
            _opt_float(d.get("cost_usd")),
            _datetime(_req(d, "timestamp")),
            _opt_str(d.get("session_id")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "provider": self.provider,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "cost_usd": self.cost_usd,
            "timestamp": _rfc3339(self.timestamp),
            "session_id": self.session_id,
        }


@dataclass(slots=True)
class Task:
    id: str
    content: str
    status: str
    priority: str = "medium"
    tool: str | None = None
    dependencies: list[str] = field(default_factory=list)
    success_criteria: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Task:
        return cls(
            _str(_req(d, "id")),
            _str(_req(d, "content")),
            _enum(_req(d, "status"), TASK_STATUSES),
            _enum(d.get("priority", "medium"), TASK_PRIORITIES),
            _opt_str(d.get("tool")),
            [_str(x) for x in _list(d.get("dependencies", []))],
            _opt_str(d.get("success_criteria")),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "content": self.content,
            "status": self.status,
            "priority": self.priority,
        }
        if self.tool is not None:
            out["tool"] = self.tool
        if self.dependencies:
            out["dependencies"] = self.dependencies
        if self.success_criteria is not None:
            out["success_criteria"] = self.success_criteria
        return out


@dataclass(slots=True)
class LlmConfigData:
    provider: str
    model: str
    api_key: str | None = None  # read, never written
    base_url: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LlmConfigData:
        return cls(
            _str(_req(d, "provider")),
            _str(_req(d, "model")),
            _opt_str(d.get("api_key")),
            _opt_str(d.get("base_url")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "model": self.model, "base_url": self.base_url}


@dataclass(slots=True)
class ConfirmationPolicy:
    enabled: bool
    default_timeout_ms: int
    timeout_action: str
    yolo_lanes: list[str]  # a HashSet in the crate

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ConfirmationPolicy:
        lanes: list[str] = []
        for lane in _list(_req(d, "yolo_lanes")):
            if _enum(lane, SESSION_LANES) not in lanes:
                lanes.append(lane)
        return cls(
            _bool(_req(d, "enabled")),
            _uint(_req(d, "default_timeout_ms")),
            _enum(_req(d, "timeout_action"), TIMEOUT_ACTIONS),
            lanes,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "default_timeout_ms": self.default_timeout_ms,
            "timeout_action": self.timeout_action,
            "yolo_lanes": self.yolo_lanes,
        }


def _rule(v: Any) -> str:
    if type(v) is str:
        return v
    if type(v) is dict and type(v.get("rule")) is str:
        return v["rule"]
    raise FormatError(f"expected a permission rule, got {v!r}")


@dataclass(slots=True)
class PermissionPolicy:
    deny: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    ask: list[str] = field(default_factory=list)
    default_decision: str = "ask"
    enabled: bool = True

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PermissionPolicy:
        return cls(
            [_rule(r) for r in _list(d.get("deny", []))],
            [_rule(r) for r in _list(d.get("allow", []))],
            [_rule(r) for r in _list(d.get("ask", []))],
            _enum(d.get("default_decision", "ask"), PERMISSION_DECISIONS),
            _bool(d.get("enabled", True)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "deny": [{"rule": r} for r in self.deny],
            "allow": [{"rule": r} for r in self.allow],
            "ask": [{"rule": r} for r in self.ask],
            "default_decision": self.default_decision,
            "enabled": self.enabled,
        }


def _opt(cls: Any, v: Any) -> Any:
    return None if v is None else cls.from_dict(v)


def _opt_dict(v: Any) -> dict[str, Any] | None:
    if v is None:
        return None
    if type(v) is not dict:
        raise FormatError(f"expected an object, got {type(v).__name__}")
    return v


@dataclass(slots=True)
class SessionConfig:
    name: str
    workspace: str
    system_prompt: str | None
    max_context_length: int
    auto_compact: bool
    auto_compact_threshold: float = 0.8  # an f32 in the crate
    storage_type: str = "file"
    queue_config: dict[str, Any] | None = None
    confirmation_policy: ConfirmationPolicy | None = None
    permission_policy: PermissionPolicy | None = None
    parent_id: str | None = None
    security_config: dict[str, Any] | None = None
    planning_mode: str = "Auto"
    goal_tracking: bool = False

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SessionConfig:
        return cls(
            _str(_req(d, "name")),
            _str(_req(d, "workspace")),
            _opt_str(d.get("system_prompt")),
            _uint(_req(d, "max_context_length"), 32),
            _bool(_req(d, "auto_compact")),
            _float(d.get("auto_compact_threshold", 0.8)),
            _enum(d.get("storage_type", "file"), STORAGE_BACKENDS),
            _opt_dict(d.get("queue_config")),
            _opt(ConfirmationPolicy, d.get("confirmation_policy")),
            _opt(PermissionPolicy, d.get("permission_policy")),
            _opt_str(d.get("parent_id")),
            _opt_dict(d.get("security_config")),
            _enum(d.get("planning_mode", "Auto"), PLANNING_MODES),
            _bool(d.get("goal_tracking", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "workspace": self.workspace,
            "system_prompt": self.system_prompt,
            "max_context_length": self.max_context_length,
            "auto_compact": self.auto_compact,
            "auto_compact_threshold": self.auto_compact_threshold,
            "storage_type": self.storage_type,
        }
        if self.queue_config is not None:
            out["queue_config"] = self.queue_config
        if self.confirmation_policy is not None:
            out["confirmation_policy"] = self.confirmation_policy.to_dict()
        if self.permission_policy is not None:
            out["permission_policy"] = self.permission_policy.to_dict()
        if self.parent_id is not None:
            out["parent_id"] = self.parent_id
        if self.security_config is not None:
            out["security_config"] = self.security_config
        out["planning_mode"] = self.planning_mode
        out["goal_tracking"] = self.goal_tracking
        return out


@dataclass(slots=True)
class SessionData:
    id: str
    config: SessionConfig
    state: str
    messages: list[Message]
    context_usage: ContextUsage
    total_usage: TokenUsage
    total_cost: float
    model_name: str | None
    cost_records: list[LlmCostRecord]
    tool_names: list[str]
    thinking_enabled: bool
    thinking_budget: int | None
    created_at: int
    updated_at: int
    llm_config: LlmConfigData | None = None
    tasks: list[Task] = field(default_factory=list)
    parent_id: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SessionData:
        if type(d) is not dict:
            raise FormatError(f"expected an object, got {type(d).__name__}")
        if "tasks" in d:
            if "todos" in d:
                raise FormatError("duplicate field `tasks`")
            tasks = d["tasks"]
        else:
            tasks = d.get("todos", [])
        return cls(
            _str(_req(d, "id")),
            SessionConfig.from_dict(_req(d, "config")),
            _enum(_req(d, "state"), SESSION_STATES),
            [Message.from_dict(m) for m in _list(_req(d, "messages"))],
            ContextUsage.from_dict(_req(d, "context_usage")),
            TokenUsage.from_dict(_req(d, "total_usage")),
            _float(d.get("total_cost", 0.0)),
            _opt_str(d.get("model_name")),
            [LlmCostRecord.from_dict(r) for r in _list(d.get("cost_records", []))],
            [_str(t) for t in _list(_req(d, "tool_names"))],
            _bool(_req(d, "thinking_enabled")),
            _opt_uint(d.get("thinking_budget")),
            _int64(_req(d, "created_at")),
            _int64(_req(d, "updated_at")),
            _opt(LlmConfigData, d.get("llm_config")),
            [Task.from_dict(t) for t in _list(tasks)],
            _opt_str(d.get("parent_id")),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "config": self.config.to_dict(),
            "state": self.state,
            "messages": [m.to_dict() for m in self.messages],
            "context_usage": self.context_usage.to_dict(),
            "total_usage": self.total_usage.to_dict(),
            "total_cost": self.total_cost,
        }
        if self.model_name is not None:
            out["model_name"] = self.model_name
        out["cost_records"] = [r.to_dict() for r in self.cost_records]
        out["tool_names"] = self.tool_names
        out["thinking_enabled"] = self.thinking_enabled
        out["thinking_budget"] = self.thinking_budget
        out["created_at"] = self.created_at
        out["updated_at"] = self.updated_at
        if self.llm_config is not None:
            out["llm_config"] = self.llm_config.to_dict()
        out["tasks"] = [t.to_dict() for t in self.tasks]
        if self.parent_id is not None:
            out["parent_id"] = self.parent_id
        return out

    @classmethod
    def from_json(cls, data: str | bytes) -> SessionData:
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise FormatError(str(exc)) from None
        return cls.from_dict(doc)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


def decode(data: str | bytes) -> SessionData:
    return SessionData.from_json(data)


def encode(session: SessionData) -> str:
    return session.to_json()
