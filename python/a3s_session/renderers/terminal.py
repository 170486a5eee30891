"""A transcript for a terminal: roles as rules, Markdown rendered and code highlighted by
rich, wrapped to the width; tool calls and results one line each unless ``full``;
reasoning dimmed; model-only messages marked; per-turn tokens and cost on the rule."""

from __future__ import annotations

import io
from typing import Any

from .._safe_text import visible
from .._summary import when
from ..transcript import Entry, ImagePart, TextPart, ToolCallPart, ToolResultPart, Transcript
from .common import duration, looks_like_markdown, money, one_line, turn_usage

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
    lines = p.line_count
    size = f" ({lines} lines)" if lines > 1 else ""
    images = f" [{len(p.images)} image(s)]" if p.images else ""
    room = max(10, width - len(name) - len(size) - len(images) - 4)
    return f"{label} {name}{visible(one_line(p.text, room))}{size}{images}"


# SGR codes of the lines drawn without rich (rules, tool lines): one per style used.
_SGR = {
    "bold cyan": "1;36",
    "bold green": "1;32",
    "bold yellow": "1;33",
    "bold": "1",
    "bold magenta": "1;35",
    "dim": "2",
    "dim italic": "2;3",
    "yellow": "33",
    "red": "31",
}


class _Screen:
    """Lines for the terminal. Rules, tool lines and plain text are drawn here directly
    (rich's per-call layout cost dominates on sessions with thousands of tool calls); only
    Markdown goes through rich."""

    def __init__(self, width: int, color: bool) -> None:
        from rich.cells import cell_len, set_cell_size

        self.width, self.color = width, color
        self.cell_len, self.fit = cell_len, set_cell_size
        self.console = _console(width, color)
        self.out = self.console.file

    def paint(self, text: str, style: str) -> str:
        return f"\x1b[{_SGR[style]}m{text}\x1b[0m" if self.color and text else text

    def line(self, text: str, style: str = "") -> None:
        if self.cell_len(text) > self.width:
            text = self.fit(text, self.width - 1) + "…"
        self.out.write((self.paint(text, style) if style else text) + "\n")

    def rule(self, pieces: list[tuple[str, str]]) -> None:
        used = sum(self.cell_len(t) for t, _ in pieces) + 1
        head = "".join(self.paint(t, st) for t, st in pieces)
        self.out.write(head + " " + self.paint("─" * max(0, self.width - used), "dim") + "\n")

    def text(self, text: str, style: str = "") -> None:
        """Plain text, wrapped by rich only when a line is wider than the screen."""
        shown = visible(text, keep_newlines=True)
        lines = shown.split("\n")
        if all(self.cell_len(x) <= self.width for x in lines):
            for x in lines:
                self.out.write((self.paint(x, style) if style else x) + "\n")
            return
        from rich.text import Text

        self.console.print(Text(shown, style=style or ""))

    def markdown(self, text: str) -> None:
        if looks_like_markdown(text):
            self.console.print(_markdown(text))
        else:
            self.text(text)


def _entry(screen: _Screen, e: Entry, full: bool) -> None:
    width = screen.width
    title = {"tool-result": "tool result"}.get(e.kind, e.role)
    pieces = [(f" {e.index}. {title} ", _ROLE_STYLE.get(e.kind, "bold"))]
    if e.model_only:
        pieces.append((" [model only] ", "bold magenta"))
    if e.usage:
        pieces.append((f" {turn_usage(e.usage)} ", "dim"))
    screen.rule(pieces)
    if e.reasoning:
        screen.text(e.reasoning, "dim italic")
    for p in e.parts:
        if isinstance(p, TextPart):
            if p.text.strip():
                screen.markdown(p.text)
        elif isinstance(p, ImagePart):
            screen.line(f"[image: {visible(p.media_type)}, {p.size:,} bytes]", "dim")
        elif isinstance(p, ToolCallPart):
            screen.line(_call_line(p, width), "yellow")
            if full:
                from rich.syntax import Syntax

                screen.console.print(
                    Syntax(p.input_json(), "json", theme="ansi_dark", word_wrap=True)
                )
        else:
            screen.line(_result_line(p, width), "red" if p.is_error else "yellow")
            if full and p.text:
                screen.text(p.text)


def to_terminal(t: Transcript, *, width: int = 80, color: bool = False, full: bool = False) -> str:
    """The transcript as terminal text (ANSI colours when ``color``), ``width`` columns."""
    screen = _Screen(width, color)
    screen.line(visible(t.title), "bold")
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
        screen.text(visible(line), "dim")
    if t.system_prompt:
        screen.line(f"system prompt: {visible(one_line(t.system_prompt, width - 16))}", "dim")
    for e in t.entries:
        screen.out.write("\n")
        _entry(screen, e, full)
    out: str = screen.out.getvalue()
    # rich pads paragraphs to the width; trailing blanks only get in the way of copying.
    return "\n".join(line.rstrip(" ") for line in out.split("\n"))
