"""Small formatting shared by the renderers."""

from __future__ import annotations

import html
import re

from .._safe_text import visible
from ..transcript import Entry, TurnUsage

# Text in which CommonMark would find any syntax: emphasis, code, headings, quotes, tables,
# links and images, HTML, entities, escapes, lists, thematic breaks and setext underlines,
# indented code, hard line breaks. Text without any reads the same as plain paragraphs, so
# the renderers skip the Markdown parser for it (most messages of a long session).
_MARKDOWN = re.compile(
    r"[*_`#>|~\\\[\]<&]|^ {0,3}(?:[-+=]|\d{1,9}[.)])(?:\s|$)|^ {0,3}[-=]+[ \t]*$"
    r"|^(?: {4}|\t)|(?<=\S) {2,}\n",
    re.MULTILINE,
)


def looks_like_markdown(text: str) -> bool:
    return _MARKDOWN.search(text) is not None


def entry_title(e: Entry) -> str:
    """`User`, `Assistant`, `Tool result(s)` for a message of tool results only."""
    if e.kind == "tool-result":
        return "Tool result" if len(e.parts) == 1 else "Tool results"
    return e.role.capitalize()


def money(usd: float | None) -> str:
    if usd is None:
        return "-"
    return f"${usd:,.4f}" if usd < 1 else f"${usd:,.2f}"


def duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {s:02d}s"
    hours, m = divmod(minutes, 60)
    return f"{hours}h {m:02d}m"


def turn_usage(u: TurnUsage) -> str:
    cost = f" · {money(u.cost_usd)}" if u.cost_usd is not None else ""
    return f"{u.prompt_tokens:,} in · {u.completion_tokens:,} out{cost}"


def one_line(text: str, width: int) -> str:
    """The first line of `text`, cut to `width` characters with an ellipsis."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    more = len(text.strip().splitlines()) > 1
    if len(first) > width:
        return first[: max(0, width - 1)] + "…"
    return first + (" …" if more and len(first) + 2 <= width else "")


def html_text(text: object) -> str:
    """Session data for an HTML page: control characters shown as escapes, then HTML-escaped
    (quotes too, so it is safe in attributes)."""
    return html.escape(visible(str(text)))


def compact_number(n: float) -> str:
    """``987``, ``12.3K``, ``4.5M``, ``1.2B``: exact figures belong in JSON and CSV."""
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= size:
            value = n / size
            return f"{value:.{1 if value < 100 else 0}f}{unit}"
    return f"{int(n):,}"
