"""A session as a transcript: the one view every renderer and export reads.

`Transcript.of(session)` walks a session of either generation once and gives plain frozen
values: entries (one per message) made of parts (text, image, tool call, tool result), the
reasoning, whether the crate marks the message model-only, per-turn tokens and cost, and the
session's totals. Every string goes through the ``redact`` function given (images' base64
data excepted: it is not text), so a renderer never sees a secret it was asked to hide.

Per-turn usage: the crate records one `LlmCostRecord` per model call and a model call ends
in one assistant message, so the n-th record belongs to the n-th assistant message. When the
counts differ (a session compacted, or records from another run) no turn is given usage
rather than a wrong one; the totals are the session's own.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .redaction import Batch

__all__ = [
    "Entry",
    "ImagePart",
    "TextPart",
    "ToolCallPart",
    "ToolResultPart",
    "Transcript",
    "TurnUsage",
]

Redact = Callable[[str], str]


@dataclass(frozen=True)
class TextPart:
    text: str


@dataclass(frozen=True)
class ImagePart:
    media_type: str
    data: str  # base64, as the session holds it

    @property
    def size(self) -> int:
        """Bytes of the image (from the base64 length)."""
        return len(self.data) * 3 // 4


@dataclass(frozen=True)
class ToolCallPart:
    id: str
    name: str
    input: Any  # the JSON value the model gave

    def input_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.input, indent=indent, ensure_ascii=False)


@dataclass(frozen=True)
class ToolResultPart:
    tool_use_id: str
    name: str | None  # the tool called, when the call is in the session
    text: str
    images: tuple[ImagePart, ...] = ()
    is_error: bool = False

    @property
    def line_count(self) -> int:
        return self.text.count("\n") + 1 if self.text else 0


Part = TextPart | ImagePart | ToolCallPart | ToolResultPart


@dataclass(frozen=True)
class TurnUsage:
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    timestamp: str  # RFC 3339, as the crate writes it


@dataclass(frozen=True)
class Entry:
    index: int  # 1-based position in `messages`
    role: str
    parts: tuple[Part, ...]
    reasoning: str | None = None
    # The crate's `transcript_visibility == "wire"`: runtime steering sent to the model only
    # (plan kickoffs, compaction summaries), never shown to the user by A3S Code itself.
    model_only: bool = False
    usage: TurnUsage | None = None

    @property
    def kind(self) -> str:
        """`user`, `assistant`, `tool-result` (a user message of tool results only), or the
        role."""
        if self.parts and all(isinstance(p, ToolResultPart) for p in self.parts):
            return "tool-result"
        return self.role

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.parts if isinstance(p, TextPart))

    @property
    def tool_calls(self) -> tuple[ToolCallPart, ...]:
        return tuple(p for p in self.parts if isinstance(p, ToolCallPart))

    @property
    def tool_results(self) -> tuple[ToolResultPart, ...]:
        return tuple(p for p in self.parts if isinstance(p, ToolResultPart))


@dataclass(frozen=True)
class Transcript:
    id: str
    title: str
    state: str
    model: str | None
    provider: str | None
    workspace: str
    system_prompt: str | None
    created_at: int  # Unix seconds
    updated_at: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float
    entries: tuple[Entry, ...]
    tool_names: tuple[str, ...] = ()  # the session's tool definitions
    tasks: tuple[tuple[str, str], ...] = ()  # (content, status) of the session's tasks
    generation: str = "v9"
    tools_used: dict[str, int] = field(default_factory=dict)
    tool_errors: int = 0

    @property
    def duration_s(self) -> int:
        return max(0, self.updated_at - self.created_at)

    @classmethod
    def of(cls, session: Any, *, redact: Redact | None = None) -> Transcript:
        """The transcript of a `SessionData` (either generation), every string through
        ``redact``."""
        if redact is not None:
            return _redacted(cls.of(session), redact)
        names: dict[str, str] = {}
        entries: list[Entry] = []
        tools_used: Counter[str] = Counter()
        errors = 0
        for i, m in enumerate(session.messages, 1):
            parts: list[Part] = []
            for b in m.content:
                parts.extend(_parts_of(b, names))
            for p in parts:
                if isinstance(p, ToolCallPart):
                    tools_used[p.name] += 1
                elif isinstance(p, ToolResultPart) and p.is_error:
                    errors += 1
            visibility = getattr(m, "transcript_visibility", None)
            shown = getattr(m, "transcript_text", None)
            if shown and m.role == "user":
                # What A3S Code shows for a composed prompt; the model got `content`.
                parts = [TextPart(shown)] + [p for p in parts if not isinstance(p, TextPart)]
            entries.append(
                Entry(
                    index=i,
                    role=m.role,
                    parts=tuple(parts),
                    reasoning=m.reasoning_content or None,
                    model_only=getattr(visibility, "value", visibility) == "wire",
                )
            )
        entries = _with_usage(entries, session.cost_records)
        usage = session.total_usage
        llm = session.llm_config
        return cls(
            id=session.id,
            title=session.config.name or session.id,
            state=session.state.value,
            model=session.model_name or (llm.model if llm else None),
            provider=llm.provider if llm else None,
            workspace=session.config.workspace or "",
            system_prompt=session.config.system_prompt or None,
            created_at=session.created_at,
            updated_at=session.updated_at,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            total_tokens=usage.total_tokens,
            cost_usd=session.total_cost,
            entries=tuple(entries),
            tool_names=tuple(session.tool_names),
            tasks=tuple((task.content, task.status.value) for task in session.tasks),
            generation="v3" if type(session).__module__.endswith("v3") else "v9",
            tools_used=dict(tools_used.most_common()),
            tool_errors=errors,
        )


def _redacted(t: Transcript, redact: Redact) -> Transcript:
    """`t` with every text through `redact`, all in one batch (`redaction.Batch`). Ids,
    roles, model names and image data are not text and stay as they are."""
    batch = Batch(redact)
    head = (batch.add(t.title), batch.add(t.workspace), batch.add(t.system_prompt or ""))
    tasks = [(batch.add(content), status) for content, status in t.tasks]
    plans: list[tuple[int, list[Any]]] = []  # per entry: reasoning slot, one plan per part
    for e in t.entries:
        parts: list[Any] = []
        for p in e.parts:
            if isinstance(p, (TextPart, ToolResultPart)):
                parts.append(batch.add(p.text))
            elif isinstance(p, ToolCallPart):
                parts.append(batch.add_json(p.input))
            else:
                parts.append(None)
        plans.append((batch.add(e.reasoning or ""), parts))
    batch.run()

    entries = []
    for e, (reasoning, parts) in zip(t.entries, plans):
        new_parts: list[Part] = []
        for p, plan in zip(e.parts, parts):
            if isinstance(p, TextPart):
                new_parts.append(TextPart(batch.text(plan)))
            elif isinstance(p, ToolCallPart):
                new_parts.append(ToolCallPart(p.id, p.name, batch.json(plan)))
            elif isinstance(p, ToolResultPart):
                new_parts.append(replace(p, text=batch.text(plan)))
            else:
                new_parts.append(p)
        entries.append(
            replace(
                e,
                parts=tuple(new_parts),
                reasoning=batch.text(reasoning) if e.reasoning is not None else None,
            )
        )
    return replace(
        t,
        title=batch.text(head[0]),
        workspace=batch.text(head[1]),
        system_prompt=batch.text(head[2]) if t.system_prompt is not None else None,
        tasks=tuple((batch.text(i), status) for i, status in tasks),
        entries=tuple(entries),
    )


def _parts_of(block: Any, names: dict[str, str]) -> list[Part]:
    kind = type(block).__name__
    if kind == "TextBlock":
        return [TextPart(block.text)]
    if kind == "ImageBlock":
        return [ImagePart(block.source.media_type, block.source.data)]
    if kind == "ToolUseBlock":
        names[block.id] = block.name
        return [ToolCallPart(block.id, block.name, block.input)]
    if kind == "ToolResultBlock":
        content = block.content
        images: tuple[ImagePart, ...] = ()
        if isinstance(content, str):
            text = content
        else:
            text = "\n\n".join(c.text for c in content if type(c).__name__ == "TextBlock")
            images = tuple(
                ImagePart(c.source.media_type, c.source.data)
                for c in content
                if type(c).__name__ == "ImageBlock"
            )
        return [
            ToolResultPart(
                block.tool_use_id,
                names.get(block.tool_use_id),
                text,
                images,
                bool(block.is_error),
            )
        ]
    raise TypeError(f"not a content block: {kind}")


def _with_usage(entries: list[Entry], records: Sequence[Any]) -> list[Entry]:
    assistant = [i for i, e in enumerate(entries) if e.role == "assistant"]
    if not records or len(records) != len(assistant):
        return entries
    out = list(entries)
    for i, rec in zip(assistant, records):
        usage = TurnUsage(
            model=rec.model,
            prompt_tokens=rec.prompt_tokens,
            completion_tokens=rec.completion_tokens,
            cost_usd=rec.cost_usd,
            timestamp=_timestamp(rec.timestamp),
        )
        e = out[i]
        out[i] = Entry(e.index, e.role, e.parts, e.reasoning, e.model_only, usage)
    return out


def _timestamp(value: Any) -> str:
    """A record's timestamp (a datetime, or the crate's string) as RFC 3339 text."""
    if hasattr(value, "isoformat"):
        text: str = value.isoformat()
        return text.replace("+00:00", "Z")
    return str(value)
