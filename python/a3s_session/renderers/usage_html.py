"""The usage report as one self-contained HTML page: charts drawn as inline SVG (no script,
no request, nothing to install), readable on a phone and in dark mode."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ..accounting import UsageReport, UsageRow, tabulate
from .common import compact_number, html_text

__all__ = ["usage_page"]

# Colour-blind-safe (Okabe-Ito), then grey for "other".
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
_OTHER = "#999999"
_MAX_SERIES = len(_PALETTE)

_CSS = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#656d76;--line:#d0d7de}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;
--line:#30363d}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,
"Segoe UI",Roboto,sans-serif;overflow-wrap:anywhere}
main{max-width:64rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.meta{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.5rem;
margin:1rem 0;padding:0}
.meta div{border:1px solid var(--line);border-radius:6px;padding:.4rem .6rem}
.meta dt{font-size:.75rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.meta dd{margin:0;font-weight:600}
figure{margin:0}svg{width:100%;height:auto;display:block}
svg text{fill:var(--fg);font-size:11px;font-family:system-ui,sans-serif}
svg .axis{stroke:var(--line)}
.legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;font-size:.85rem;margin:.25rem 0;padding:0;
list-style:none}
.legend i{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;
vertical-align:-.1rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.9rem;width:100%}
td,th{border-bottom:1px solid var(--line);padding:.25rem .5rem;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:var(--muted);font-size:.85rem}
.warn{border-left:4px solid #D55E00;padding:.25rem .75rem;margin:1.5rem 0}
.warn summary{cursor:pointer}
"""


def _money(x: float) -> str:
    return f"${x:,.2f}"


def _series(rows: Sequence[UsageRow]) -> list[str]:
    """The groups to colour, most expensive first; the rest become "other"."""
    spend: dict[str, float] = defaultdict(float)
    for r in rows:
        spend[r.group or "-"] += r.cost_usd
    ranked = sorted(spend, key=lambda g: (-spend[g], g))
    if len(ranked) > _MAX_SERIES:
        return [*ranked[: _MAX_SERIES - 1], "other"]
    return ranked


def _stacked_bars(
    periods: list[str],
    stacks: dict[str, dict[str, float]],
    series: list[str],
    colours: dict[str, str],
    label: str,
) -> str:
    """A stacked bar chart: one bar per period, one segment per series, <title> tooltips."""
    width, height, left, bottom, top = 720, 260, 64, 40, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = max((sum(stacks[p].values()) for p in periods), default=0.0) or 1.0
    step = plot_w / max(len(periods), 1)
    bar = max(step * 0.7, 1.0)
    money = label == "cost"
    show = _money if money else compact_number
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{html_text(label)} per period">',
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}"/>',
    ]
    for k in range(5):
        value = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        parts.append(
            f'<line class="axis" x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" '
            'stroke-dasharray="2 4"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{html_text(show(value))}</text>'
        )
    every = max(1, len(periods) // 12)
    for i, p in enumerate(periods):
        x = left + i * step + (step - bar) / 2
        y = top + plot_h
        for s in series:
            value = stacks[p].get(s, 0.0)
            if value <= 0:
                continue
            h = plot_h * value / peak
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colours[s]}"><title>{html_text(p)} · {html_text(s)}: {html_text(show(value))}'
                "</title></rect>"
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                f"{html_text(p[5:] if len(p) == 10 else p)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _legend(series: list[str], colours: dict[str, str]) -> str:
    items = "".join(
        f'<li><i style="background:{colours[s]}"></i>{html_text(s)}</li>' for s in series
    )
    return f'<ul class="legend">{items}</ul>'


def _top_sessions(report: UsageReport, n: int = 10) -> str:
    top = [s for s in report.sessions[:n] if s.counted_cost > 0]
    if not top:
        return '<p class="note">No session has a cost in this period.</p>'
    peak = top[0].counted_cost or 1.0
    row_h, left, width = 26, 250, 720
    svg_h = row_h * len(top) + 8
    parts = [f'<svg viewBox="0 0 {width} {svg_h}" role="img" aria-label="top sessions by cost">']
    for i, s in enumerate(top):
        y = 4 + i * row_h
        w = (width - left - 90) * s.counted_cost / peak
        name = s.name or s.session_id
        name = name if len(name) <= 34 else name[:33] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{html_text(name)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 8}" '
            f'fill="{_PALETTE[0]}"><title>{html_text(s.session_id)}: {html_text(_money(s.counted_cost))} '
            f"({html_text(s.cost_source)})</title></rect>"
            f'<text x="{left + max(w, 1) + 6:.1f}" y="{y + 16}">{html_text(_money(s.counted_cost))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(report: UsageReport) -> str:
    head = [
        report.by,
        *(["" + (report.group or "")] if report.group else []),
        "sessions",
        "calls",
        "input tokens",
        "output tokens",
        "cost",
        "from",
    ]
    numeric = {"sessions", "calls", "input tokens", "output tokens", "cost"}
    th = "".join(f'<th class="{"n" if h in numeric else ""}">{html_text(h)}</th>' for h in head)

    def cells(r: UsageRow) -> str:
        values = [
            r.period,
            *([r.group or ""] if report.group else []),
            f"{r.sessions:,}",
            f"{r.calls:,}",
            f"{r.prompt_tokens:,}",
            f"{r.completion_tokens:,}",
            _money(r.cost_usd),
            r.cost_source,
        ]
        return "".join(
            f'<td class="{"n" if h in numeric else ""}">{html_text(v)}</td>'
            for h, v in zip(head, values)
        )

    body = "".join(f"<tr>{cells(r)}</tr>" for r in report.rows)
    total = report.totals
    return (
        f'<div class="scroll"><table><thead><tr>{th}</tr></thead><tbody>{body}</tbody>'
        f"<tfoot><tr>{cells(total)}</tr></tfoot></table></div>"
    )


def usage_page(report: UsageReport, roots: Sequence[str]) -> str:
    """The report as one HTML document."""
    by = report.by if report.by != "session" else "day"
    rows, _ = tabulate(report.items, by, "model")
    periods = sorted({r.period for r in rows}, key=lambda p: p)
    series = _series(rows)
    colours = {s: _PALETTE[i] if s != "other" else _OTHER for i, s in enumerate(series)}
    cost: dict[str, dict[str, float]] = {p: defaultdict(float) for p in periods}
    for r in rows:
        key = r.group if r.group in colours else "other"
        cost[r.period][key or "-"] += r.cost_usd
    token_rows, _ = tabulate(report.items, by, None)
    tokens = {
        r.period: {
            "input": float(r.prompt_tokens),
            "output": float(r.completion_tokens),
        }
        for r in token_rows
    }
    token_colours = {"input": _PALETTE[0], "output": _PALETTE[1]}
    t = report.totals
    facts = [
        ("Sessions", f"{len(report.sessions):,}"),
        ("Cost", _money(t.cost_usd)),
        ("from cost_records", _money(t.cost_from_records)),
        ("from total_cost", _money(t.cost_from_total_cost)),
        ("Input tokens", f"{t.prompt_tokens:,}"),
        ("Output tokens", f"{t.completion_tokens:,}"),
        ("Model calls", f"{t.calls:,}"),
        ("Folders", f"{len(roots):,}"),
    ]
    meta = "".join(f"<div><dt>{html_text(k)}</dt><dd>{html_text(v)}</dd></div>" for k, v in facts)
    odd = sorted(report.disagreements, key=lambda s: -abs(s.total_cost - s.records_cost))
    warn = ""
    if odd:
        items = "".join(
            f"<tr><td><code>{html_text(s.session_id)}</code></td><td>{html_text(s.name)}</td>"
            f'<td class="n">{html_text(_money(s.records_cost))}</td>'
            f'<td class="n">{html_text(_money(s.total_cost))}</td></tr>'
            for s in odd[:50]
        )
        more = (
            f"<p>… and {len(odd) - 50:,} more (--json lists them all).</p>" if len(odd) > 50 else ""
        )
        counted = "total_cost" if report.cost_source == "total_cost" else "cost_records"
        warn = (
            f'<details class="warn"><summary><b>{len(odd):,} '
            f"session{'s' if len(odd) != 1 else ''}</b> where cost_records and total_cost "
            f"disagree (counted from {counted})</summary>"
            '<div class="scroll"><table><thead><tr><th>session</th><th>name</th>'
            '<th class="n">cost_records</th><th class="n">total_cost</th></tr></thead>'
            f"<tbody>{items}</tbody></table></div>{more}</details>"
        )
    span = ""
    if report.since or report.until:
        since = report.since.date().isoformat() if report.since else "the start"
        until = report.until.date().isoformat() if report.until else "now"
        span = f" from {since} to {until}"
    dupes = (
        f" {report.duplicates:,} duplicate cop{'y' if report.duplicates == 1 else 'ies'} "
        "(the same session in two folders) counted once."
        if report.duplicates
        else ""
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="a3s-session">
<title>A3S Code usage by {html_text(report.by)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>A3S Code usage by {html_text(report.by)}</h1>
<p class="note">{html_text(", ".join(roots))}{html_text(span)} · {html_text(report.tz)} time ·
cost source: {html_text(report.cost_source)}.{html_text(dupes)}</p>
<dl class="meta">{meta}</dl>
<h2>Cost per {html_text(by)}, by model</h2>
<figure id="cost-chart">{_stacked_bars(periods, cost, series, colours, "cost")}
{_legend(series, colours)}</figure>
<h2>Tokens per {html_text(by)}</h2>
<figure id="token-chart">{_stacked_bars(periods, tokens, ["input", "output"], token_colours, "tokens")}
{_legend(["input", "output"], token_colours)}</figure>
<h2>Top sessions by cost</h2>
<figure id="top-sessions">{_top_sessions(report)}</figure>
<h2>By {html_text(report.by)}</h2>
{_table(report)}
{warn}
</main>
</body>
</html>
"""
