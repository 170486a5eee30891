"""A transcript as one self-contained HTML page: no script, no request at view time (styles
and images are inline), Markdown rendered by markdown-it-py with raw HTML escaped (a session
may hold any text), code highlighted by Pygments, tool calls and results in ``<details>``,
a header with the session's totals, readable on a phone and in dark mode."""

from __future__ import annotations

import html
import re
from typing import Any

from .._safe_text import visible
from .._summary import iso_when, when
from ..transcript import Entry, ImagePart, TextPart, ToolCallPart, ToolResultPart, Transcript
from .common import (
    duration,
    entry_title,
    html_text,
    looks_like_markdown,
    money,
    one_line,
    turn_usage,
)

# Image types a browser shows from a data: URL without running anything (no SVG).
_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")

_CSS = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#656d76;--line:#d0d7de;
--user:#ddf4ff;--assistant:#f6f8fa;--tool:#fff8c5;--err:#ffebe9;--code:#f6f8fa;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;
--line:#30363d;--user:#0c2d6b;--assistant:#161b22;--tool:#2e2a0c;--err:#4c1d1d;--code:#161b22;
--accent:#4493f8}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 system-ui,-apple-system,
"Segoe UI",Roboto,sans-serif;overflow-wrap:anywhere}
main{max-width:56rem;margin:0 auto;padding:1rem}
header h1{font-size:1.5rem;margin:.5rem 0}
.meta{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.5rem;
margin:1rem 0;padding:0}
.meta div{border:1px solid var(--line);border-radius:6px;padding:.4rem .6rem}
.meta dt{font-size:.75rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.meta dd{margin:0;font-weight:600}
.msg{border:1px solid var(--line);border-radius:8px;margin:1rem 0;padding:.25rem 1rem;
background:var(--assistant)}
.msg.user{background:var(--user)}.msg.tool-result{background:var(--tool)}
.msg.model-only{border-style:dashed;opacity:.85}
.role{display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline;font-size:.85rem;
color:var(--muted);margin:.5rem 0}
.role b{color:var(--fg);font-size:1rem}
.badge{border:1px solid var(--line);border-radius:1rem;padding:0 .5rem;font-size:.75rem}
details{border:1px solid var(--line);border-radius:6px;margin:.5rem 0;background:var(--bg)}
details.error{background:var(--err)}
summary{cursor:pointer;padding:.4rem .6rem;font-size:.9rem}
summary code{font-weight:600}
details>div{padding:0 .75rem .5rem}
.reasoning{color:var(--muted);font-style:italic}
pre{background:#161b22;color:#e6edf3;border:1px solid var(--line);border-radius:6px;padding:.6rem;
overflow-x:auto;font-size:.85rem;line-height:1.4;white-space:pre-wrap}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
img{max-width:100%;height:auto;border:1px solid var(--line);border-radius:4px}
a{color:var(--accent)}
table{border-collapse:collapse}td,th{border:1px solid var(--line);padding:.2rem .5rem}
"""


# Made on first use and kept: markdown-it's parser, Pygments' formatter and lexers by name.
_CACHE: dict[str, Any] = {}


def _markdown() -> Any:
    """markdown-it-py, CommonMark plus tables and strikethrough; raw HTML is shown as text
    and links only to http(s)/mailto, so a message cannot run script in the page."""
    if "markdown" not in _CACHE:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": False, "linkify": False, "highlight": _highlight})
        md.enable(["table", "strikethrough"])
        md.validateLink = _safe_link  # type: ignore[method-assign]  # markdown-it's own hook
        _CACHE["markdown"] = md
    return _CACHE["markdown"]


def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(("http://", "https://", "mailto:"))


def _formatter() -> Any:
    if "formatter" not in _CACHE:
        from pygments.formatters import HtmlFormatter

        # Inline styles: the page stays one file; code blocks are dark in both modes.
        _CACHE["formatter"] = HtmlFormatter(nowrap=True, noclasses=True, style="github-dark")
    return _CACHE["formatter"]


def _highlight(code: str, lang: str, _attrs: str) -> str:
    """Pygments for a fenced block with a language it knows; plain escaped text otherwise
    (markdown-it wraps what this returns in <pre><code>)."""
    if not lang or len(code) > 200_000:
        return ""
    lexer = _lexer(lang.lower())
    if lexer is None:
        return ""
    from pygments import highlight

    return str(highlight(code, lexer, _formatter()))


def _lexer(lang: str) -> Any:
    """Pygments' lexer for a fence's language (looked up once per language), or None."""
    key = f"lexer:{lang}"
    if key not in _CACHE:
        from pygments.lexers import get_lexer_by_name
        from pygments.util import ClassNotFound

        try:
            _CACHE[key] = get_lexer_by_name(lang)
        except ClassNotFound:
            _CACHE[key] = None
    return _CACHE[key]


def _md(text: str) -> str:
    shown = visible(text, keep_newlines=True)
    if not looks_like_markdown(shown):
        # What CommonMark makes of text without syntax: paragraphs split at blank lines.
        paragraphs = [p.strip() for p in _BLANK_LINE.split(shown) if p.strip()]
        return "".join(f"<p>{_text(p)}</p>\n" for p in paragraphs)
    return str(_markdown().render(shown))


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _text(text: str) -> str:
    """Text escaped as markdown-it escapes it (`&`, `<`, `>`, `"`; not `'`)."""
    return html.escape(text, quote=False).replace('"', "&quot;")


def _pre(text: str) -> str:
    """Plain preformatted text (tool input and output, the system prompt)."""
    return f"<pre><code>{html.escape(visible(text, keep_newlines=True))}</code></pre>"


def _image(image: ImagePart) -> str:
    media = image.media_type.lower()
    if media in _IMAGE_TYPES and _BASE64.fullmatch(image.data):
        return (
            f'<img alt="image ({html_text(media)}, {image.size:,} bytes)" loading="lazy" '
            f'src="data:{media};base64,{"".join(image.data.split())}">'
        )
    return f"<p><em>[image: {html_text(image.media_type or 'unknown type')}, not shown]</em></p>"


def _call(p: ToolCallPart) -> str:
    preview = one_line(p.input_json(indent=None), 80)
    return (
        f'<details class="call"><summary>Tool call <code>{html_text(p.name)}</code> '
        # The input is plain: highlighting thousands of small JSON objects would cost more
        # than the rest of the page (Markdown code fences are highlighted).
        f"<small>{html_text(preview)}</small></summary><div>{_pre(p.input_json())}"
        f"<small>id {html_text(p.id)}</small></div></details>"
    )


def _result(p: ToolResultPart) -> str:
    label = "Tool error" if p.is_error else "Tool result"
    name = f" <code>{html_text(p.name)}</code>" if p.name else ""
    lines = p.line_count
    size = f"{lines:,} line{'s' if lines != 1 else ''}" if lines else "no text"
    images = f", {len(p.images)} image{'s' if len(p.images) != 1 else ''}" if p.images else ""
    body = _pre(p.text) if p.text else ""
    body += "".join(_image(i) for i in p.images)
    cls = "result error" if p.is_error else "result"
    return (
        f'<details class="{cls}"><summary>{label}{name} <small>({size}{images})</small>'
        f"</summary><div>{body}<small>for {html_text(p.tool_use_id)}</small></div></details>"
    )


def _entry(e: Entry) -> str:
    title = entry_title(e)
    badges = []
    if e.model_only:
        badges.append('<span class="badge" title="sent to the model only">model only</span>')
    if e.usage:
        badges.append(f'<span class="badge">{html_text(turn_usage(e.usage))}</span>')
    out = [
        (
            f'<section class="msg {html_text(e.kind)}{" model-only" if e.model_only else ""}" '
            f'id="m{e.index}" data-role="{html_text(e.role)}">'
        ),
        (
            f'<div class="role"><b>{html_text(title)}</b><a href="#m{e.index}">#{e.index}</a>'
            f"{''.join(badges)}</div>"
        ),
    ]
    if e.reasoning:
        out.append(
            '<details class="reasoning"><summary>Reasoning</summary>'
            f"<div>{_md(e.reasoning)}</div></details>"
        )
    for p in e.parts:
        if isinstance(p, TextPart):
            out.append(_md(p.text))
        elif isinstance(p, ImagePart):
            out.append(_image(p))
        elif isinstance(p, ToolCallPart):
            out.append(_call(p))
        else:
            out.append(_result(p))
    out.append("</section>")
    return "\n".join(out)


def to_html(t: Transcript) -> str:
    """The transcript as one HTML document."""
    facts = [
        ("Model", t.model or "-"),
        ("State", t.state),
        ("Messages", f"{len(t.entries):,}"),
        ("Tokens", f"{t.total_tokens:,}"),
        ("In / out", f"{t.prompt_tokens:,} / {t.completion_tokens:,}"),
        ("Cost", money(t.cost_usd)),
        ("Duration", duration(t.duration_s)),
        ("Tool calls", f"{sum(t.tools_used.values()):,}"),
        ("Tool errors", f"{t.tool_errors:,}"),
    ]
    meta = "".join(f"<div><dt>{html_text(k)}</dt><dd>{html_text(v)}</dd></div>" for k, v in facts)
    tools = ""
    if t.tools_used:
        used = ", ".join(f"<code>{html_text(n)}</code>&nbsp;×{c}" for n, c in t.tools_used.items())
        tools = f"<p>Tools used: {used}</p>"
    system = ""
    if t.system_prompt:
        system = (
            '<details class="system"><summary>System prompt</summary>'
            f"<div>{_pre(t.system_prompt)}</div></details>"
        )
    where = f"<code>{html_text(t.workspace)}</code> · " if t.workspace else ""
    body = "\n".join(_entry(e) for e in t.entries)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="generator" content="a3s-session">
<title>{html_text(t.title)} · A3S Code session</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<header>
<h1>{html_text(t.title)}</h1>
<p><code>{html_text(t.id)}</code> · {where}<time datetime="{iso_when(t.created_at)}">{when(t.created_at)}</time></p>
<dl class="meta">{meta}</dl>
{tools}
{system}
</header>
{body}
</main>
</body>
</html>
"""
