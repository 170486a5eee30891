"""Small formatting shared by the renderers."""

from __future__ import annotations

from ..transcript import TurnUsage


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
