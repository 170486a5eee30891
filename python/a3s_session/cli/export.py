"""Transcripts: Markdown and JSON Lines, written privately and atomically."""

from __future__ import annotations

import html
import json
import os
import pathlib
import re
from typing import Any

from .. import v9
from .._native import (
    ImageBlock,
    Message,
    SessionData,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
)
from .._safe_text import visible
from .._summary import when


def _fence(text: str, info: str = "") -> str:
    """A fenced code block that the text cannot close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text}\n{ticks}"


def _code(text: str) -> str:
    """Inline code for any text (backticks inside are handled), on one line."""
    text = visible(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _image_text(source: Any) -> str:
    data = getattr(source, "data", "") or ""
    media = getattr(source, "media_type", "image") or "image"
    return f"*[image: {media}, {len(data):,} base64 characters]*"


def _details(summary: str, body: str) -> str:
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"


def _result_body(block: ToolResultBlock) -> str:
    content = block.content
    if isinstance(content, str):
        return _fence(content)
    parts = []
    for item in content:
        if isinstance(item, (TextBlock, v9.TextBlock)):
            parts.append(_fence(item.text))
        elif isinstance(item, (ImageBlock, v9.ImageBlock)):
            parts.append(_image_text(item.source))
    return "\n\n".join(parts) or "*(empty)*"


def _message_markdown(index: int, m: Message, tool_names: dict[str, str]) -> str:
    blocks = list(m.content)
    role = m.role
    title = role.capitalize()
    if blocks and all(isinstance(b, (ToolResultBlock, v9.ToolResultBlock)) for b in blocks):
        title = "Tool result" if len(blocks) == 1 else "Tool results"
    parts = [f"## {index}. {title}"]
    if m.reasoning_content:
        lines = m.reasoning_content.splitlines()
        quoted = "\n".join("> " + line if line else ">" for line in lines)
        parts.append(_details("Reasoning", quoted))
    for b in blocks:
        if isinstance(b, (TextBlock, v9.TextBlock)):
            parts.append(b.text)
        elif isinstance(b, (ImageBlock, v9.ImageBlock)):
            parts.append(_image_text(b.source))
        elif isinstance(b, (ToolUseBlock, v9.ToolUseBlock)):
            tool_names[b.id] = b.name
            body = _fence(json.dumps(b.input, indent=2, ensure_ascii=False), "json")
            parts.append(
                _details(
                    f"Tool call: <code>{html.escape(visible(b.name))}</code> · "
                    f"{html.escape(visible(b.id))}",
                    body,
                )
            )
        elif isinstance(b, (ToolResultBlock, v9.ToolResultBlock)):
            name = tool_names.get(b.tool_use_id)
            label = "Tool error" if b.is_error else "Tool result"
            head = (
                f"{label}: <code>{html.escape(visible(name))}</code> · " if name else f"{label}: "
            )
            parts.append(_details(head + html.escape(visible(b.tool_use_id)), _result_body(b)))
    return "\n\n".join(parts)


def to_markdown(s: SessionData) -> str:
    """A readable transcript: header, then one section per message; tool calls, results and
    reasoning folded in ``<details>`` blocks."""
    model = s.model_name or (s.llm_config.model if s.llm_config else None)
    usage = s.total_usage
    head = [
        f"# {visible(s.config.name or s.id)}",
        "",
        f"- **Session:** {_code(s.id)} ({s.state.value})",
        f"- **Model:** {visible(model or '-')}",
        f"- **Workspace:** {_code(s.config.workspace) if s.config.workspace else '-'}",
        f"- **Created:** {when(s.created_at)} · **Updated:** {when(s.updated_at)}",
        f"- **Tokens:** {usage.total_tokens:,} · **Cost:** ${s.total_cost:.6f}",
    ]
    if len(s.tasks):
        head.append("- **Tasks:**")
        head.extend(
            f"  - [{'x' if t.status.value == 'completed' else ' '}] {visible(t.content)} "
            f"*({t.status.value})*"
            for t in s.tasks
        )
    sections = ["\n".join(head)]
    tool_names: dict[str, str] = {}
    for i, m in enumerate(s.messages, 1):
        sections.append(_message_markdown(i, m, tool_names))
    text = sections[0] + "\n\n---\n\n" + "\n\n".join(sections[1:]) + "\n"
    # A Markdown file is read in terminals and editors too: no raw control characters in it.
    return visible(text, keep_newlines=True)


def to_jsonl(s: SessionData) -> str:
    """One line per message: the crate's own compact JSON for it."""
    return "".join(m.to_json() + "\n" for m in s.messages)


def write_private(path: str, data: str, *, force: bool) -> None:
    """Write ``data`` to a new file with mode 0600 (O_CREAT|O_EXCL); with ``force``, replace an
    existing file atomically (0600 temp file in the same directory, fsync, rename)."""
    payload = data.encode("utf-8")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    if not force:
        fd = os.open(path, flags, 0o600)
        try:
            os.fchmod(fd, 0o600)
            _write_all(fd, payload)
        finally:
            os.close(fd)
        return
    target = pathlib.Path(path)
    if target.is_dir():
        raise IsADirectoryError(21, "Is a directory", path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, flags, 0o600)
    try:
        try:
            os.fchmod(fd, 0o600)
            _write_all(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]
