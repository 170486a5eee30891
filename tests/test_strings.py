"""Python strs made from the crate's Rust strings (`pystr`): equal to the ones CPython makes.

Where the module may see CPython's string layout (a version-specific build), strs of 16 bytes
and more are allocated at their final width and filled from the UTF-8 directly. A str must
then be *exactly* what CPython's own decoder makes: the same characters and the same (narrowest)
width, or it compares unequal to an equal-looking str, hashes apart, and breaks dict lookups.
Every path a str leaves the crate by is checked: a scalar field, a text tool result, free-form
`tool_use.input` values and `to_json()`.
"""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a3s_session import v3

# One character of each UTF-8 length and of each width CPython stores a str at.
WIDTH_SAMPLES = ["a", "\x7f", "\x80", "\u00e9", "\u00ff", "\u0100", "\u07ff", "\u0800", "\u2014",
                 "\u65e5", "\uffff", "\U00010000", "\U0001f600", "\U0010ffff"]  # fmt: skip


def same_str(got: str, want: str) -> None:
    assert type(got) is str
    assert got == want
    assert hash(got) == hash(want)
    # The same storage width: a wider str of the same characters would still print the same.
    # (Against a fresh decode: `want` may carry a cached UTF-8 copy, which getsizeof counts.)
    assert sys.getsizeof(got) == sys.getsizeof(want.encode().decode())
    assert {got: 1}[want] == 1


def read_back(text: str) -> list[str]:
    """`text` through every way a str leaves the crate."""
    block = v3.TextBlock(text=text)
    doc = {
        "role": "user",
        "content": [
            {"type": "text", "text": text},
            {"type": "tool_use", "id": "t1", "name": "n", "input": {"k": text, "l": [text]}},
            {"type": "tool_result", "tool_use_id": "t1", "content": text},
        ],
    }
    m = v3.Message.from_json(json.dumps(doc))
    m2 = v3.Message.from_json(json.dumps(doc, ensure_ascii=False).encode())
    out = [block.text]
    for msg in (m, m2):
        t, u, r = msg.content
        assert isinstance(t, v3.TextBlock)
        assert isinstance(u, v3.ToolUseBlock)
        assert isinstance(r, v3.ToolResultBlock)
        given_input = u.input
        assert isinstance(given_input, dict)
        listed = given_input["l"]
        assert isinstance(listed, list)
        out += [t.text, given_input["k"], listed[0], r.content]
    out.append(json.loads(v3.TextBlock(text=text).to_json())["text"])
    return out


@pytest.mark.parametrize("prefix", [0, 1, 7, 8, 15, 16, 17, 31, 40])
@pytest.mark.parametrize("char", WIDTH_SAMPLES)
def test_every_width_at_every_offset(prefix: int, char: str) -> None:
    for text in (
        "x" * prefix + char,
        "x" * prefix + char + "y" * 20,
        char * (prefix + 1),
        "x" * prefix + char + "é" + "z" * 17 + char,
    ):
        for got in read_back(text):
            same_str(got, text)


def test_mixed_widths_and_long_strings() -> None:
    pieces = ["plain ascii ", "café ", "— “quoted” ", "日本語 ", "🎉 ", "\x00\x1f", "\n"]
    for n in (1, 3, 17, 200):
        text = "".join(pieces[i % len(pieces)] for i in range(n))
        for got in read_back(text):
            same_str(got, text)
    big = "ascii then more " * 5000 + "\u2014" + "tail" * 100
    for got in read_back(big):
        same_str(got, big)


def test_to_json_is_the_crates_text() -> None:
    text = "überprüfen — “quoted” 日本語 🎉 " * 3
    s = v3.TextBlock(text=text).to_json()
    same_str(s, v3.TextBlock(text=text).to_json_bytes().decode())
    assert s == json.dumps(
        {"type": "text", "text": text}, ensure_ascii=False, separators=(",", ":")
    )


@given(st.text(max_size=300))
def test_any_text_reads_back_exactly(text: str) -> None:
    for got in read_back(text):
        same_str(got, text)


@given(st.lists(st.sampled_from(WIDTH_SAMPLES + ["a" * 9, "b" * 16, " "]), max_size=60))
def test_runs_of_characters_of_every_width(parts: list[str]) -> None:
    text = "".join(parts)
    for got in read_back(text):
        same_str(got, text)
