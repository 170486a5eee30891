"""Human-readable summaries of a session (used by the command line)."""

from __future__ import annotations

import collections
import datetime as _dt
from typing import Any

from ._native import SessionData, TextBlock, ToolResultBlock, ToolUseBlock


def _when(ts: int) -> str:
    try:
        return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"{ts} (out of datetime range)"


def summarize(s: SessionData) -> dict[str, Any]:
    """Counts and facts about a session, as plain data."""
    roles: collections.Counter[str] = collections.Counter()
    tool_calls: collections.Counter[str] = collections.Counter()
    tool_errors = 0
    text_chars = 0
    for m in s.messages:
        roles[m.role] += 1
        for b in m.content:
            if isinstance(b, TextBlock):
                text_chars += len(b.text)
            elif isinstance(b, ToolUseBlock):
                tool_calls[b.name] += 1
            elif isinstance(b, ToolResultBlock) and b.is_error:
                tool_errors += 1
    tasks: collections.Counter[str] = collections.Counter(str(t.status) for t in s.tasks)
    usage = s.total_usage
    return {
        "id": s.id,
        "name": s.config.name,
        "state": str(s.state),
        "workspace": s.config.workspace,
        "model": s.model_name or (s.llm_config.model if s.llm_config else None),
        "messages": sum(roles.values()),
        "messages_by_role": dict(roles),
        "tool_calls": sum(tool_calls.values()),
        "tool_calls_by_name": dict(tool_calls),
        "tool_errors": tool_errors,
        "text_chars": text_chars,
        "tokens": {
            "prompt": usage.prompt_tokens,
            "completion": usage.completion_tokens,
            "total": usage.total_tokens,
            "cache_read": usage.cache_read_tokens,
            "cache_write": usage.cache_write_tokens,
        },
        "context_percent": s.context_usage.percent,
        "cost_usd": s.total_cost,
        "cost_records": len(s.cost_records),
        "tasks_by_status": dict(tasks),
        "created_at": _when(s.created_at),
        "updated_at": _when(s.updated_at),
    }


def render(info: dict[str, Any]) -> str:
    """The summary as aligned text lines."""
    def counts(d: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(d.items(), key=lambda kv: -kv[1])) or "-"

    tok = info["tokens"]
    rows = [
        ("id", info["id"]),
        ("name", info["name"] or "-"),
        ("state", info["state"]),
        ("workspace", info["workspace"] or "-"),
        ("model", info["model"] or "-"),
        ("messages", f"{info['messages']} ({counts(info['messages_by_role'])})"),
        ("tool calls", f"{info['tool_calls']} ({counts(info['tool_calls_by_name'])}), {info['tool_errors']} errors"),
        ("tokens", f"{tok['total']:,} total = {tok['prompt']:,} prompt + {tok['completion']:,} completion"
                   + (f", {tok['cache_read']:,} cache read" if tok["cache_read"] else "")),
        ("context", f"{info['context_percent']:.2f}% used"),
        ("cost", f"${info['cost_usd']:.6f} over {info['cost_records']} calls"),
        ("tasks", counts(info["tasks_by_status"])),
        ("created", info["created_at"]),
        ("updated", info["updated_at"]),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.rjust(width)}  {v}" for k, v in rows)
