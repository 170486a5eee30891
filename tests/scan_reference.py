"""The scan's tables computed the slow, independent way: each file read on its own with
``read_session_file`` and every column taken from the Python objects. ``tests/test_scan.py``
and ``benchmarks/scan.py --verify`` compare the scan with this, row by row, field by field."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import a3s_session as a3s
from a3s_session import v9

TableRows = dict[str, list[dict[str, Any]]]
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_RFC3339 = re.compile(r"^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


def walk(root: Path) -> list[Path]:
    """The scan's order: `*.json` sorted by name, a directory's files before its
    subdirectories, hidden entries skipped."""
    if not root.is_dir():
        return [root]
    entries = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    files = [p for p in entries if not p.is_dir() and p.suffix == ".json"]
    out = list(files)
    for d in (p for p in entries if p.is_dir() and not p.is_symlink()):
        out.extend(walk(d))
    return out


def _micros(rfc3339: str) -> datetime:
    m = _RFC3339.match(rfc3339)
    assert m, rfc3339
    head, frac, zone = m.groups()
    base = datetime.fromisoformat(head + ("+00:00" if zone == "Z" else zone))
    micros = int((frac or "0")[:6].ljust(6, "0"))
    return base.replace(microsecond=micros).astimezone(timezone.utc)


def _is(block: Any, name: str) -> bool:
    return type(block).__name__ == name


def _block_type(block: Any) -> str:
    return {
        "TextBlock": "text",
        "ImageBlock": "image",
        "ToolUseBlock": "tool_use",
        "ToolResultBlock": "tool_result",
    }[type(block).__name__]


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(item.text for item in content if _is(item, "TextBlock"))


def rows_of(index: int, path: str | None, data: bytes, *, count_unknown: bool = False) -> TableRows:
    """The rows one input gives (an error row when it cannot be read): `read_session_file`
    for an existing file, `parse_session_document` for bytes. `count_unknown`: as the scan's
    option of that name."""
    out: TableRows = {name: [] for name in a3s.TABLES}
    try:
        if path is not None and Path(path).is_file():
            f = a3s.read_session_file(path)
        else:
            f = a3s.files.parse_session_document(data)
    except a3s.SessionFormatError as err:
        # A document no crate reads is judged by today's (9.1.3): envelopes always, bare
        # documents once 3.0.0 rejects them or they hold fields only 9.x knows.
        out["errors"].append(
            {
                "source_index": index,
                "path": path,
                "generation": None if data.startswith(b"A3SE") else "v9",
                "message": err.msg,
                "line": err.line,
                "column": err.column,
                "field_path": err.path or None,
            }
        )
        return out
    s = f.session
    newer = isinstance(s, v9.SessionData)
    blocks = [b for m in s.messages for b in m.content]
    usage, llm, ctx = s.total_usage, s.llm_config, s.context_usage
    out["sessions"].append(
        {
            "source_index": index,
            "path": path,
            "layout": f.layout,
            "generation": f.generation,
            "id": s.id,
            "name": s.config.name,
            "workspace": s.config.workspace,
            "state": s.state.value,
            "model_name": s.model_name,
            "llm_provider": llm.provider if llm else None,
            "llm_model": llm.model if llm else None,
            "created_at": _EPOCH + timedelta(seconds=s.created_at),
            "updated_at": _EPOCH + timedelta(seconds=s.updated_at),
            "message_count": len(s.messages),
            "block_count": len(blocks),
            "tool_call_count": sum(_is(b, "ToolUseBlock") for b in blocks),
            "tool_error_count": sum(
                _is(b, "ToolResultBlock") and b.is_error is True for b in blocks
            ),
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens,
            "cache_read_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
            "total_cost": s.total_cost,
            "cost_record_count": len(s.cost_records),
            "task_count": len(s.tasks),
            "tasks_completed": sum(t.status.value == "completed" for t in s.tasks),
            "thinking_enabled": s.thinking_enabled,
            "thinking_budget": s.thinking_budget,
            "parent_id": s.parent_id,
            "auto_compact_threshold": s.config.auto_compact_threshold,
            "context_used_tokens": ctx.used_tokens,
            "context_max_tokens": ctx.max_tokens,
            "context_percent": ctx.percent,
            "context_turns": ctx.turns,
            "tenant_id": s.tenant_id if newer else None,
            "principal": s.principal if newer else None,
            "agent_template_id": s.agent_template_id if newer else None,
            "correlation_id": s.correlation_id if newer else None,
            "unknown_field_count": len(f.unknown_fields) if count_unknown else None,
        }
    )
    for mi, m in enumerate(s.messages):
        out["messages"].append(
            {
                "source_index": index,
                "session_id": s.id,
                "message_index": mi,
                "role": m.role,
                "block_count": len(m.content),
                "text_length": sum(len(b.text) for b in m.content if _is(b, "TextBlock")),
                "tool_call_count": sum(_is(b, "ToolUseBlock") for b in m.content),
                "has_reasoning": m.reasoning_content is not None,
                "reasoning_length": None
                if m.reasoning_content is None
                else len(m.reasoning_content),
                "reasoning": m.reasoning_content,
                "transcript_visibility": m.transcript_visibility.value if newer else None,
            }
        )
        for bi, b in enumerate(m.content):
            row: dict[str, Any] = {
                "source_index": index,
                "session_id": s.id,
                "message_index": mi,
                "block_index": bi,
                "type": _block_type(b),
                "text": b.text if _is(b, "TextBlock") else None,
                "tool_use_id": b.id
                if _is(b, "ToolUseBlock")
                else (b.tool_use_id if _is(b, "ToolResultBlock") else None),
                "tool_name": b.name if _is(b, "ToolUseBlock") else None,
                # Compared as JSON values (the text itself is the crate's, tested elsewhere).
                "tool_input": b.input if _is(b, "ToolUseBlock") else None,
                "tool_result_text": _result_text(b.content) if _is(b, "ToolResultBlock") else None,
                "is_error": b.is_error if _is(b, "ToolResultBlock") else None,
                "image_media_type": b.source.media_type if _is(b, "ImageBlock") else None,
                "image_data_length": len(b.source.data) if _is(b, "ImageBlock") else None,
            }
            out["blocks"].append(row)
    for ri, r in enumerate(s.cost_records):
        out["cost_records"].append(
            {
                "source_index": index,
                "session_id": s.id,
                "record_index": ri,
                "model": r.model,
                "provider": r.provider,
                "prompt_tokens": r.prompt_tokens,
                "completion_tokens": r.completion_tokens,
                "total_tokens": r.total_tokens,
                "cost_usd": r.cost_usd,
                "timestamp": _micros(r.timestamp),
                "record_session_id": r.session_id,
            }
        )
    for ti, t in enumerate(s.tasks):
        out["tasks"].append(
            {
                "source_index": index,
                "session_id": s.id,
                "task_index": ti,
                "task_id": t.id,
                "content": t.content,
                "status": t.status.value,
                "priority": t.priority.value,
                "tool": t.tool,
                "dependencies": list(t.dependencies),
                "success_criteria": t.success_criteria,
            }
        )
    return out


def reference(paths: list[Path], *, count_unknown: bool = False) -> TableRows:
    """Every table for these files, in this order (source_index = position)."""
    out: TableRows = {name: [] for name in a3s.TABLES}
    for i, p in enumerate(paths):
        read = rows_of(i, os.fspath(p), p.read_bytes(), count_unknown=count_unknown)
        for name, rows in read.items():
            out[name].extend(rows)
    return out


def normalize_scan(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scan rows with tool_input parsed, to compare with `reference`."""
    for r in rows:
        if r.get("tool_input") is not None:
            r["tool_input"] = json.loads(r["tool_input"])
    return rows
