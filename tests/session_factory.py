"""Sessions with known content for the search, diff and usage tests, written to disk the way
each generation's crate writes them (3.0.0: legacy ``<dir>/<id>.json``; 9.1.3: its store's
``v1/sessions/``)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import a3s_session
from a3s_session import SessionDirectory, v3, v9

SAMPLE = Path(a3s_session.__file__).parent / "data" / "sample_session.json"
DAY = 86_400
# 2026-11-02 00:00:00 UTC, a Monday.
MONDAY = 1_793_577_600


def text(role: str, body: str, reasoning: str | None = None) -> dict[str, Any]:
    m: dict[str, Any] = {"role": role, "content": [{"type": "text", "text": body}]}
    if reasoning is not None:
        m["reasoning_content"] = reasoning
    return m


def call(tool_id: str, name: str, args: dict[str, Any], say: str | None = None) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": say}] if say else []
    content.append({"type": "tool_use", "id": tool_id, "name": name, "input": args})
    return {"role": "assistant", "content": content}


def result(tool_id: str, output: str, error: bool = False) -> dict[str, Any]:
    return {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": tool_id, "content": output, "is_error": error}
        ],
    }


def record(
    ts: int, cost: float | None, model: str = "claude-sonnet-4", tokens: int = 1000
) -> dict[str, Any]:
    import datetime as dt

    when = dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    provider = "openai" if model.startswith("gpt") else "anthropic"
    return {
        "model": model,
        "provider": provider,
        "prompt_tokens": tokens,
        "completion_tokens": tokens // 10,
        "total_tokens": tokens + tokens // 10,
        "cost_usd": cost,
        "timestamp": when,
        "session_id": None,
    }


def session_dict(
    sid: str,
    messages: list[dict[str, Any]],
    *,
    name: str = "",
    workspace: str = "/work/project-a",
    created: int = MONDAY,
    updated: int | None = None,
    records: list[dict[str, Any]] | None = None,
    total_cost: float = 0.0,
    tokens: tuple[int, int] = (0, 0),
    model: str | None = "claude-sonnet-4",
) -> dict[str, Any]:
    d = json.loads(SAMPLE.read_text(encoding="utf-8"))
    d["id"] = sid
    d["config"]["name"] = name or sid
    d["config"]["workspace"] = workspace
    d["messages"] = copy.deepcopy(messages)
    d["created_at"] = created
    d["updated_at"] = updated if updated is not None else created + 600
    d["cost_records"] = records or []
    d["total_cost"] = total_cost
    d["total_usage"] = {
        "prompt_tokens": tokens[0],
        "completion_tokens": tokens[1],
        "total_tokens": sum(tokens),
        "cache_read_tokens": None,
        "cache_write_tokens": None,
    }
    d["model_name"] = model
    return d


def write(directory: Path, d: dict[str, Any], gen: Any = v9) -> Path:
    """Write the session as its generation's store does; returns the file."""
    directory.mkdir(parents=True, exist_ok=True)
    if gen is v3:
        for m in d["messages"]:
            m.pop("transcript_visibility", None)
    session = gen.SessionData.from_dict(d)
    return SessionDirectory(directory).save(session, force=True)
