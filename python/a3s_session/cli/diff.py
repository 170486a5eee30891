"""``a3s-session diff A B``: where two runs part (``a3s_session.comparison`` compares; this
prints)."""

from __future__ import annotations

import argparse
import json

from .._safe_text import visible
from ..comparison import RunSummary, SessionDiff, compare
from ..renderers.common import duration
from .commands import _read
from .layout import fit_table, plural, terminal_width
from .show import resolve
from .terminal import EXIT_INVALID, EXIT_OK, Style, _print

# Tool steps shown around each change (the rest of a long equal run is folded).
_CONTEXT = 2


def _side(tag: str, s: RunSummary, width: int) -> list[str]:
    crate = "3.0.0" if s.generation == "v3" else "9.1.3"
    head = (
        f"{tag}  {visible(s.session_id)}  (a3s-code-core {crate}, {plural(s.messages, 'message')})"
    )
    lines = [head[:width]]
    if s.label != s.session_id:
        label = visible(s.label)
        room = width - 3
        lines.append("   " + (label if len(label) <= room else "…" + label[-(room - 1) :]))
    return lines


def _delta(a: float, b: float, money: bool = False) -> str:
    d = b - a
    if money:
        return f"{'+' if d >= 0 else '-'}${abs(d):,.4f}"
    return f"{d:+,.0f}"


def _steps(d: SessionDiff) -> list[str]:
    """The aligned tool calls, long unchanged stretches folded."""
    steps = d.tool_steps
    changed = [i for i, s in enumerate(steps) if s.op != "="]
    keep = {j for i in changed for j in range(i - _CONTEXT, i + _CONTEXT + 1)}
    out: list[str] = []
    folded = 0
    for i, s in enumerate(steps):
        if i in keep:
            if folded:
                out.append(f"  … {plural(folded, 'call')} the same")
                folded = 0
            out.append(f"  {s.op} {visible(s.call)}")
        else:
            folded += 1
    if folded:
        out.append(f"  … {plural(folded, 'call')} the same")
    return out


def print_diff(d: SessionDiff, style: Style) -> None:
    width = terminal_width()
    for line in [*_side("A", d.a, width), *_side("B", d.b, width)]:
        _print(line)
    _print()
    if d.divergence is None:
        _print(style.green(f"identical: all {plural(d.shared_prefix, 'message')} the same"))
    else:
        v = d.divergence
        _print(f"shared prefix: {plural(d.shared_prefix, 'message')}")
        _print(style.bold(f"first divergence at message {v.index} ({v.reason})"))
        _print(f"  A: {visible(v.a or '(ended)')}"[:width])
        _print(f"  B: {visible(v.b or '(ended)')}"[:width])
        _print(
            f"after it: {plural(d.matched_after, 'message')} line up again, "
            f"{d.only_a:,} only in A, {d.only_b:,} only in B"
        )
    _print()
    rows = [
        ["messages", f"{d.a.messages:,}", f"{d.b.messages:,}", _delta(d.a.messages, d.b.messages)],
        [
            "tool calls",
            f"{d.a.tool_calls:,}",
            f"{d.b.tool_calls:,}",
            _delta(d.a.tool_calls, d.b.tool_calls),
        ],
        [
            "tool errors",
            f"{d.a.tool_errors:,}",
            f"{d.b.tool_errors:,}",
            _delta(d.a.tool_errors, d.b.tool_errors),
        ],
        [
            "input tokens",
            f"{d.a.prompt_tokens:,}",
            f"{d.b.prompt_tokens:,}",
            _delta(d.a.prompt_tokens, d.b.prompt_tokens),
        ],
        [
            "output tokens",
            f"{d.a.completion_tokens:,}",
            f"{d.b.completion_tokens:,}",
            _delta(d.a.completion_tokens, d.b.completion_tokens),
        ],
        [
            "cost (total_cost)",
            f"${d.a.cost_usd:,.4f}",
            f"${d.b.cost_usd:,.4f}",
            _delta(d.a.cost_usd, d.b.cost_usd, money=True),
        ],
        [
            "duration",
            duration(d.a.duration_s),
            duration(d.b.duration_s),
            ("+" if d.b.duration_s >= d.a.duration_s else "-")
            + duration(abs(d.b.duration_s - d.a.duration_s)),
        ],
    ]
    lines = fit_table(rows, ["", "A", "B", "B - A"], right={1, 2, 3}, width=width)
    _print(style.bold(lines[0]))
    for line in lines[1:]:
        _print(line)
    if d.tool_steps:
        _print()
        _print(style.bold("tool calls (= both, - only A, + only B)"))
        for line in _steps(d):
            _print(line[:width])
    if d.files:
        _print()
        _print(style.bold("files touched"))
        body = [[f.path, f.a or "-", f.b or "-"] for f in d.files]
        for line in fit_table(body, ["FILE", "A", "B"], shrink=[0], width=width)[1:]:
            _print("  " + line)
    for tag, errors in (("A", d.errors_a), ("B", d.errors_b)):
        if errors:
            _print()
            _print(style.bold(f"tool errors in {tag}"))
            for e in errors:
                _print(f"  {visible(e)}"[:width])


def cmd_diff(args: argparse.Namespace, style: Style) -> int:
    a = resolve(args.a, args.store)
    b = resolve(args.b, args.store)
    d = compare(_read(a).session, _read(b).session, labels=(a, b))
    if args.json:
        _print(json.dumps(d.as_json(), indent=2, ensure_ascii=False))
    else:
        print_diff(d, style)
    return EXIT_OK if d.identical else EXIT_INVALID
