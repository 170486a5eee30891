"""Human-readable summaries of a session (used by the command line)."""

from __future__ import annotations

import collections
import datetime as _dt
from collections.abc import Callable, Iterable
from typing import Any

from ._safe_text import visible
from .abc import TextBlock, ToolResultBlock, ToolUseBlock


def when(ts: int) -> str:
    """Unix seconds as ``YYYY-MM-DD HH:MM:SS UTC``."""
    try:
        return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"{ts} (out of datetime range)"


def iso_when(ts: int) -> str:
    """Unix seconds as ISO 8601 UTC (``2025-11-25T06:55:25Z``), or the number as text."""
    try:
        return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(ts)


def summarize(s: Any) -> dict[str, Any]:
    """Counts and facts about a session of either generation, as plain (JSON-serializable)
    data."""
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
    tasks: collections.Counter[str] = collections.Counter(str(t.status.value) for t in s.tasks)
    usage = s.total_usage
    return {
        "id": s.id,
        "name": s.config.name,
        "state": str(s.state.value),
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
        "tasks": len(s.tasks),
        "tasks_by_status": dict(tasks),
        "created_at": when(s.created_at),
        "updated_at": when(s.updated_at),
        "created_at_unix": s.created_at,
        "updated_at_unix": s.updated_at,
    }


def _counts(d: dict[str, int]) -> str:
    ordered = sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{k} {v}" for k, v in ordered) or "-"


def rows(info: dict[str, Any]) -> list[tuple[str, str]]:
    """The summary as (label, text) rows."""
    tok = info["tokens"]
    tokens = f"{tok['total']:,} total = {tok['prompt']:,} prompt + {tok['completion']:,} completion"
    if tok["cache_read"]:
        tokens += f", {tok['cache_read']:,} cache read"
    if tok["cache_write"]:
        tokens += f", {tok['cache_write']:,} cache write"
    return [
        ("id", info["id"]),
        ("name", info["name"] or "-"),
        ("state", info["state"]),
        ("workspace", info["workspace"] or "-"),
        ("model", info["model"] or "-"),
        ("messages", f"{info['messages']} ({_counts(info['messages_by_role'])})"),
        (
            "tool calls",
            (
                f"{info['tool_calls']} ({_counts(info['tool_calls_by_name'])}), "
                f"{info['tool_errors']} errors"
            ),
        ),
        ("tokens", tokens),
        ("context", f"{info['context_percent']:.2f}% used"),
        ("cost", f"${info['cost_usd']:.6f} over {info['cost_records']} calls"),
        ("tasks", _counts(info["tasks_by_status"])),
        ("created", info["created_at"]),
        ("updated", info["updated_at"]),
    ]


def render(
    info: dict[str, Any],
    extra: Iterable[tuple[str, str]] = (),
    label_style: Callable[[str], str] = str,
) -> str:
    """The summary as aligned text lines (labels right-aligned), plus ``extra`` rows."""
    all_rows = rows(info) + list(extra)
    width = max(len(k) for k, _ in all_rows)
    # Values are session data (ids, names, models): one visible line each.
    return "\n".join(f"{label_style(k.rjust(width))}  {visible(str(v))}" for k, v in all_rows)
