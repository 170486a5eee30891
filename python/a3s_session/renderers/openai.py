"""A transcript as one line of OpenAI's chat fine-tuning JSONL: ``{"messages": [...],
"tools": [...]}``. The system prompt is a ``system`` message; assistant tool calls are
``tool_calls`` (``type: function``, arguments as a JSON string); each tool result is a
``tool`` message with its ``tool_call_id``. Images and reasoning have no place in that format
and are left out; model-only messages are kept (the model saw them)."""

from __future__ import annotations

import json
from typing import Any

from ..transcript import ToolCallPart, Transcript


def _arguments(p: ToolCallPart) -> str:
    return json.dumps(p.input, ensure_ascii=False, separators=(",", ":"))


def to_openai(t: Transcript) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    if t.system_prompt:
        messages.append({"role": "system", "content": t.system_prompt})
    for e in t.entries:
        if e.role == "assistant":
            msg: dict[str, Any] = {"role": "assistant", "content": e.text or None}
            calls = e.tool_calls
            if calls:
                msg["tool_calls"] = [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": _arguments(c)},
                    }
                    for c in calls
                ]
            elif msg["content"] is None:
                msg["content"] = ""
            messages.append(msg)
            continue
        for r in e.tool_results:
            messages.append({"role": "tool", "tool_call_id": r.tool_use_id, "content": r.text})
        if e.text or not e.tool_results:
            messages.append({"role": "user" if e.role != "system" else "system", "content": e.text})
    names = list(dict.fromkeys([*t.tool_names, *t.tools_used]))
    tools = [
        {
            "type": "function",
            "function": {
                "name": n,
                # The session keeps tool names only; any JSON object is accepted.
                "parameters": {"type": "object", "additionalProperties": True},
            },
        }
        for n in names
    ]
    out: dict[str, Any] = {"messages": messages}
    if tools:
        out["tools"] = tools
    return out


def to_openai_jsonl(t: Transcript) -> str:
    return json.dumps(to_openai(t), ensure_ascii=False) + "\n"
