"""Session text made safe to show on a terminal or in a Markdown page.

Session files carry text from models, tools and users; an id or a tool output may hold
``ESC [2J`` (clear the screen), ``ESC ] 0;...BEL`` (retitle the terminal), a carriage return
that overwrites a row, or a line break that splits one. Everything shown to a person goes
through :func:`visible` first: control characters become visible escapes and line breaks a
visible mark, so a row stays one row and a terminal only ever receives printable text.
"""

from __future__ import annotations

import re

# DEL, C1 controls, and the Unicode bidirectional overrides/isolates that can make text
# display in another order than it is stored; with the C0 controls, all that is escaped.
_UNSAFE_BEYOND_C0 = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f{_UNSAFE_BEYOND_C0}]")
# In a whole page, tab and line feed are its layout.
_UNSAFE_IN_PAGE = re.compile(f"[\x00-\x08\x0b-\x1f{_UNSAFE_BEYOND_C0}]")

_SHOWN = {"\n": "\u23ce", "\t": "\\t", "\r": "\\r"}

# The only escape sequences a3s-session itself prints: the SGR styles of cli.terminal.Style.
_OWN_SGR = re.compile(r"\x1b\[(?:0|1|2|31|32|33)m")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    shown = _SHOWN.get(ch)
    if shown is not None:
        return shown
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``), a line break as
    ``⏎`` and a tab as ``\\t`` (both kept as they are with ``keep_newlines``: the layout of
    a whole page)."""
    if keep_newlines:
        return _UNSAFE_IN_PAGE.sub(_escape, text)
    return _UNSAFE.sub(_escape, text)


def terminal_safe(line: str) -> str:
    """A line about to be written to a terminal: :func:`visible` with line breaks kept,
    except for a3s-session's own colour codes (a last guard; data is made visible where it
    is formatted)."""
    parts = _OWN_SGR.split(line)
    codes = _OWN_SGR.findall(line)
    out = [visible(parts[0], keep_newlines=True)]
    for code, part in zip(codes, parts[1:]):
        out.append(code)
        out.append(visible(part, keep_newlines=True))
    return "".join(out)
