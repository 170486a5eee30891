"""A transcript as Markdown: a header with the totals, then one section per message; tool
calls, results and reasoning folded in ``<details>`` blocks (GitHub and most viewers fold
them)."""

from __future__ import annotations

import html
import re

from .._safe_text import visible
from .._summary import when
from ..transcript import Entry, ImagePart, TextPart, ToolCallPart, ToolResultPart, Transcript
from .common import duration, entry_title, money, turn_usage


def fence(text: str, info: str = "") -> str:
    """A fenced code block that the text cannot close."""
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text}\n{ticks}"


def code(text: str) -> str:
    """Inline code for any text (backticks inside are handled), on one line."""
    text = visible(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _image(image: ImagePart) -> str:
    return f"*[image: {visible(image.media_type or 'image')}, {image.size:,} bytes]*"


def _details(summary: str, body: str) -> str:
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"


def _result(part: ToolResultPart) -> str:
    label = "Tool error" if part.is_error else "Tool result"
    head = (
        f"{label}: <code>{html.escape(visible(part.name))}</code> · " if part.name else f"{label}: "
    )
    body = [fence(part.text)] if part.text or not part.images else []
    body.extend(_image(i) for i in part.images)
    return _details(head + html.escape(visible(part.tool_use_id)), "\n\n".join(body))


def _call(part: ToolCallPart) -> str:
    return _details(
        f"Tool call: <code>{html.escape(visible(part.name))}</code> · "
        f"{html.escape(visible(part.id))}",
        fence(part.input_json(), "json"),
    )


def entry_markdown(e: Entry) -> str:
    title = f"## {e.index}. {entry_title(e)}"
    if e.model_only:
        title += " *(model only)*"
    parts = [title]
    if e.usage:
        parts.append(f"*{turn_usage(e.usage)}*")
    if e.reasoning:
        quoted = "\n".join("> " + line if line else ">" for line in e.reasoning.splitlines())
        parts.append(_details("Reasoning", quoted))
    for p in e.parts:
        if isinstance(p, TextPart):
            parts.append(p.text)
        elif isinstance(p, ImagePart):
            parts.append(_image(p))
        elif isinstance(p, ToolCallPart):
            parts.append(_call(p))
        else:
            parts.append(_result(p))
    return "\n\n".join(parts)


def to_markdown(t: Transcript) -> str:
    """The transcript as one Markdown document."""
    head = [
        f"# {visible(t.title)}",
        "",
        f"- **Session:** {code(t.id)} ({t.state})",
        f"- **Model:** {visible(t.model or '-')}",
        f"- **Workspace:** {code(t.workspace) if t.workspace else '-'}",
        (
            f"- **Created:** {when(t.created_at)} · **Updated:** {when(t.updated_at)} "
            f"({duration(t.duration_s)})"
        ),
        (
            f"- **Tokens:** {t.total_tokens:,} ({t.prompt_tokens:,} in, {t.completion_tokens:,} out)"
            f" · **Cost:** {money(t.cost_usd)}"
        ),
    ]
    if t.tools_used:
        used = ", ".join(f"{code(name)} ×{n}" for name, n in t.tools_used.items())
        errors = f" · **Tool errors:** {t.tool_errors}" if t.tool_errors else ""
        head.append(f"- **Tools:** {used}{errors}")
    if t.tasks:
        head.append("- **Tasks:**")
        head.extend(
            f"  - [{'x' if status == 'completed' else ' '}] {visible(content)} *({status})*"
            for content, status in t.tasks
        )
    sections = ["\n".join(head)]
    if t.system_prompt:
        sections.append(_details("System prompt", fence(t.system_prompt)))
    sections.extend(entry_markdown(e) for e in t.entries)
    text = sections[0] + "\n\n---\n\n" + "\n\n".join(sections[1:]) + "\n"
    # A Markdown file is read in terminals and editors too: no raw control characters in it.
    return visible(text, keep_newlines=True)
