"""A transcript for a terminal, drawn by rich: roles as rules, Markdown rendered and code
highlighted, wrapped to the width; tool calls and results one line each unless ``full``;
reasoning dimmed; model-only messages marked; per-turn tokens and cost on the rule."""

from __future__ import annotations

import io
from typing import Any

from .._safe_text import visible
from .._summary import when
from ..transcript import Entry, ImagePart, TextPart, ToolCallPart, ToolResultPart, Transcript
from .common import duration, money, one_line, turn_usage

_ROLE_STYLE = {"user": "bold cyan", "assistant": "bold green", "tool-result": "bold yellow"}


def _console(width: int, color: bool) -> Any:
    from rich.console import Console

    return Console(
        file=io.StringIO(),
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )


def _markdown(text: str) -> Any:
    from rich.markdown import Markdown

    return Markdown(visible(text, keep_newlines=True), code_theme="ansi_dark", hyperlinks=False)


def _call_line(p: ToolCallPart, width: int) -> str:
    args = one_line(p.input_json(indent=None), max(10, width - len(p.name) - 8))
    return f"▸ {visible(p.name)} {visible(args)}"


def _result_line(p: ToolResultPart, width: int) -> str:
    label = "✗" if p.is_error else "◂"
    name = f"{visible(p.name)}: " if p.name else ""
    lines = p.text.count("\n") + 1 if p.text else 0
    size = f" ({lines} lines)" if lines > 1 else ""
    images = f" [{len(p.images)} image(s)]" if p.images else ""
    room = max(10, width - len(name) - len(size) - len(images) - 4)
    return f"{label} {name}{visible(one_line(p.text, room))}{size}{images}"


def _entry(console: Any, e: Entry, width: int, full: bool) -> None:
    from rich.rule import Rule
    from rich.syntax import Syntax
    from rich.text import Text

    title = {"tool-result": "tool result"}.get(e.kind, e.role)
    label = Text(f" {e.index}. {title} ", style=_ROLE_STYLE.get(e.kind, "bold"))
    if e.model_only:
        label.append(" [model only] ", style="bold magenta")
    if e.usage:
        label.append(f" {turn_usage(e.usage)} ", style="dim")
    console.print(Rule(label, align="left", style="dim"))
    if e.reasoning:
        console.print(Text(visible(e.reasoning, keep_newlines=True), style="dim italic"))
    for p in e.parts:
        if isinstance(p, TextPart):
            if p.text.strip():
                console.print(_markdown(p.text))
        elif isinstance(p, ImagePart):
            console.print(Text(f"[image: {visible(p.media_type)}, {p.size:,} bytes]", "dim"))
        elif isinstance(p, ToolCallPart):
            console.print(Text(_call_line(p, width), style="yellow"), overflow="ellipsis")
            if full:
                console.print(Syntax(p.input_json(), "json", theme="ansi_dark", word_wrap=True))
        else:
            style = "red" if p.is_error else "yellow"
            console.print(Text(_result_line(p, width), style=style), overflow="ellipsis")
            if full and p.text:
                console.print(Text(visible(p.text, keep_newlines=True)))


def to_terminal(t: Transcript, *, width: int = 80, color: bool = False, full: bool = False) -> str:
    """The transcript as terminal text (ANSI colours when ``color``), ``width`` columns."""
    from rich.text import Text

    console = _console(width, color)
    console.print(Text(visible(t.title), style="bold"))
    facts = [
        f"{t.id} · {t.state} · {t.model or '-'}",
        f"{when(t.created_at)} · {duration(t.duration_s)}",
        (
            f"{t.total_tokens:,} tokens ({t.prompt_tokens:,} in, {t.completion_tokens:,} out) · "
            f"{money(t.cost_usd)}"
        ),
    ]
    if t.tools_used:
        used = ", ".join(f"{n} ×{c}" for n, c in t.tools_used.items())
        errors = f" · {t.tool_errors} error(s)" if t.tool_errors else ""
        facts.append(f"tools: {used}{errors}")
    for line in facts:
        console.print(Text(visible(line), style="dim"), overflow="fold")
    if t.system_prompt:
        console.print(Text(f"system prompt: {one_line(t.system_prompt, width - 16)}", "dim"))
    for e in t.entries:
        console.print()
        _entry(console, e, width, full)
    out: str = console.file.getvalue()
    # rich pads paragraphs to the width; trailing blanks only get in the way of copying.
    return "\n".join(line.rstrip(" ") for line in out.split("\n"))
