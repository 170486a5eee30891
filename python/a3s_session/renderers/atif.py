"""A transcript in the Agent Trajectory Interchange Format (ATIF v1.8, Harbor's RFC 0001):
one ``user`` step per prompt, one ``agent`` step per assistant message with its reasoning,
tool calls, the observations (tool results) that answer them and, when the crate's cost
records match the turns, per-step tokens and cost; ``final_metrics`` from the session's
totals. The system prompt is a ``system`` step."""

from __future__ import annotations

import json
from typing import Any

from .._native import __version__
from ..transcript import Entry, Transcript

SCHEMA_VERSION = "ATIF-v1.8"


def _arguments(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"input": value}


def _agent_step(e: Entry, results: dict[str, Any]) -> dict[str, Any]:
    step: dict[str, Any] = {"source": "agent", "message": e.text}
    if e.usage:
        step["model_name"] = e.usage.model
        step["timestamp"] = e.usage.timestamp
        metrics: dict[str, Any] = {
            "prompt_tokens": e.usage.prompt_tokens,
            "completion_tokens": e.usage.completion_tokens,
        }
        if e.usage.cost_usd is not None:
            metrics["cost_usd"] = e.usage.cost_usd
        step["metrics"] = metrics
    if e.reasoning:
        step["reasoning_content"] = e.reasoning
    calls = e.tool_calls
    if calls:
        step["tool_calls"] = [
            {"tool_call_id": c.id, "function_name": c.name, "arguments": _arguments(c.input)}
            for c in calls
        ]
        answered = [results[c.id] for c in calls if c.id in results]
        if answered:
            step["observation"] = {"results": answered}
    if e.model_only:
        step["extra"] = {"transcript_visibility": "wire"}
    return step


def to_atif(t: Transcript) -> dict[str, Any]:
    # Tool results arrive in the next (user) message; ATIF puts them on the calling step.
    results: dict[str, Any] = {}
    for e in t.entries:
        for r in e.tool_results:
            item: dict[str, Any] = {"source_call_id": r.tool_use_id, "content": r.text}
            if r.is_error:
                item["extra"] = {"is_error": True}
            results[r.tool_use_id] = item
    steps: list[dict[str, Any]] = []
    if t.system_prompt:
        steps.append({"source": "system", "message": t.system_prompt})
    for e in t.entries:
        if e.role == "assistant":
            steps.append(_agent_step(e, results))
        elif e.kind != "tool-result":
            step: dict[str, Any] = {"source": "system" if e.role == "system" else "user"}
            step["message"] = e.text
            if e.model_only:
                step["extra"] = {"transcript_visibility": "wire"}
            steps.append(step)
    for i, step in enumerate(steps, 1):
        step["step_id"] = i
    return {
        "schema_version": SCHEMA_VERSION,
        "session_id": t.id,
        "agent": {
            "name": "a3s-code",
            "version": f"a3s-code-core {'9.1.3' if t.generation == 'v9' else '3.0.0'}",
            "model_name": t.model,
            "extra": {"exported_by": f"a3s-session {__version__}"},
        },
        "steps": steps,
        "final_metrics": {
            "total_prompt_tokens": t.prompt_tokens,
            "total_completion_tokens": t.completion_tokens,
            "total_cost_usd": t.cost_usd,
            "total_steps": len(steps),
        },
    }


def to_atif_json(t: Transcript) -> str:
    return json.dumps(to_atif(t), ensure_ascii=False, indent=2) + "\n"
