"""Tables and counts that read well in a terminal: columns that fit the width (long cells cut
with ``…``), thousands separators, singular and plural."""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Sequence

from .._safe_text import visible
from ..renderers.common import compact_number

__all__ = ["compact_number", "fit_table", "plural", "terminal_width"]


def terminal_width(default: int = 80) -> int:
    """The terminal's width when stdout is one (``$COLUMNS`` wins), else ``default``."""
    if os.environ.get("COLUMNS", "").isdigit():
        return max(40, int(os.environ["COLUMNS"]))
    try:
        if sys.stdout.isatty():
            return max(40, os.get_terminal_size(sys.stdout.fileno()).columns)
    except (OSError, ValueError, AttributeError):
        pass
    return default


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 session``, ``2,345 sessions`` (``words``: an irregular plural)."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def fit_table(
    rows: Sequence[Sequence[str]],
    header: Sequence[str],
    *,
    right: Collection[int] = (),
    shrink: Sequence[int] = (),
    width: int = 80,
    gap: int = 2,
) -> list[str]:
    """Lines of a table no wider than ``width``: the columns in ``shrink`` (in that order)
    give up characters, down to their header's width, cells cut with ``…``."""
    cells = [[visible(c) for c in r] for r in rows]
    heads = list(header)
    widths = [max(len(r[i]) for r in [heads, *cells]) for i in range(len(heads))]
    over = sum(widths) + gap * (len(widths) - 1) - width
    for i in shrink:
        if over <= 0:
            break
        floor = max(len(heads[i]), 6)
        take = min(over, max(widths[i] - floor, 0))
        widths[i] -= take
        over -= take

    def line(r: Sequence[str]) -> str:
        return (
            (" " * gap)
            .join(
                _cut(c, w).rjust(w) if i in right else _cut(c, w).ljust(w)
                for i, (c, w) in enumerate(zip(r, widths))
            )
            .rstrip()
        )

    return [line(heads), *(line(r) for r in cells)]
