"""Hostile documents and values: each gives a clean error or a correct result, never a crash.

The dangerous cases (deep nesting that could overflow the Rust stack, a 100 MB string,
a million messages) run in a subprocess, so that a crash shows as a failed test with the
signal that killed the interpreter rather than as a dead pytest.

Clean error means SessionFormatError (a ValueError) for a rejected document or value,
TypeError for a value of the wrong kind, OverflowError for an int out of a field's range.
"""

from __future__ import annotations

import copy
import json
import pickle
import textwrap
from pathlib import Path
from typing import Any

import pytest

from a3s_session import SessionFormatError
from a3s_session.v3 import (
    ContextUsage,
    LlmCostRecord,
    Message,
    SessionConfig,
    SessionData,
    Task,
    TokenUsage,
    ToolResultBlock,
    ToolUseBlock,
)
from conftest import CORPUS_DIR, run_python_json, sample_text

REPO = Path(__file__).resolve().parent.parent
SAMPLE_TEXT = sample_text()
FULL_TEXT = (CORPUS_DIR / "SessionData" / "full_every_field.json").read_text(encoding="utf-8")

# ---------------------------------------------------------------------------------------------
# Running a snippet in its own interpreter
# ---------------------------------------------------------------------------------------------
_PRELUDE = '''
import copy, json, os, pickle, resource, sys, time
import a3s_session as a3s
from a3s_session import SessionFormatError
from a3s_session.v3 import SessionData, ToolUseBlock, Message

def rss():
    """Resident set size now, in bytes (/proc/self/statm)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

def peak():
    """Peak resident set size since the last reset_peak() (VmHWM), in bytes. ru_maxrss cannot
    be reset, so it would count the peak of building the input too."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def reset_peak():
    """Set the peak to the current RSS (Linux >= 4.0: write 5 to /proc/self/clear_refs)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")

def outcome(fn):
    """What fn() did: {"ok": ...} or the exception (a PanicException is a BaseException)."""
    try:
        value = fn()
    except BaseException as e:
        return {"error": type(e).__name__, "module": type(e).__module__,
                "msg": str(getattr(e, "msg", None) or e)[:200]}
    return {"ok": value if isinstance(value, (int, str, bool, type(None))) else repr(value)[:80]}

def emit(obj):
    print(json.dumps(obj), flush=True)
'''


def run_isolated(code: str, timeout: float = 120) -> Any:
    """Run ``code`` (with the prelude above) in a fresh interpreter; the JSON it emitted last."""
    return run_python_json(_PRELUDE + textwrap.dedent(code), timeout=timeout, what="subprocess")


def _is_clean(result: dict[str, Any], *, msg: str = "") -> bool:
    return result.get("error") == "SessionFormatError" and msg in result.get("msg", "")


# ---------------------------------------------------------------------------------------------
# 100,000-deep nesting
# ---------------------------------------------------------------------------------------------
def test_deep_nesting_in_text_is_a_clean_error() -> None:
    results = run_isolated(
        """
        N = 100_000
        base = SessionData.from_json(open("python/a3s_session/data/sample_session.json").read())
        doc = base.to_json()
        arrays = "[" * N + "]" * N
        objects = '{"a":' * N + "1" + "}" * N
        block = '{"type":"tool_use","id":"t","name":"n","input":%s}'
        message = '{"role":"assistant","content":[%s]}' % block
        session = doc.replace('"messages":[', '"messages":[%s,' % message, 1)
        cases = {
            "session_arrays_str": lambda: SessionData.from_json(session % arrays),
            "session_arrays_bytes": lambda: SessionData.from_json((session % arrays).encode()),
            "session_arrays_bytearray": lambda: SessionData.from_json(
                bytearray((session % arrays).encode())),
            "session_objects": lambda: SessionData.from_json(session % objects),
            "session_unclosed": lambda: SessionData.from_json(session % ("[" * N)),
            "block": lambda: ToolUseBlock.from_json(block % arrays),
            "message": lambda: Message.from_json(message % objects),
            "top_level_arrays": lambda: SessionData.from_json(arrays),
        }
        out = {name: outcome(fn) for name, fn in cases.items()}
        # Nesting under a key the crate ignores is skipped without recursion: accepted.
        unknown = doc[:-1] + ',"unknown":' + arrays + "}"
        out["unknown_field"] = outcome(lambda: SessionData.from_json(unknown).to_json() == doc)
        emit(out)
        """
    )
    unknown = results.pop("unknown_field")
    assert unknown == {"ok": True}, unknown
    top = results.pop("top_level_arrays")
    assert top["error"] == "SessionFormatError", top
    for name, result in results.items():
        assert _is_clean(result, msg="recursion limit exceeded"), (name, result)


def test_deep_nesting_in_python_values_is_a_clean_error() -> None:
    results = run_isolated(
        """
        N = 100_000
        def deep_list():
            x = []
            for _ in range(N):
                x = [x]
            return x
        def deep_dict():
            x = {}
            for _ in range(N):
                x = {"a": x}
            return x
        def deep_tuple():
            x = ()
            for _ in range(N):
                x = (x,)
            return x
        text = open("python/a3s_session/data/sample_session.json").read()
        d = json.loads(text)
        d["messages"][1]["content"][1]["input"] = deep_list()
        out = {}
        out["from_dict_session"] = outcome(lambda: SessionData.from_dict(d))
        out["from_dict_block"] = outcome(lambda: ToolUseBlock.from_dict(
            {"type": "tool_use", "id": "t", "name": "n", "input": deep_dict()}))
        out["constructor"] = outcome(lambda: ToolUseBlock(id="t", name="n", input=deep_list()))
        s = SessionData.from_json(text)
        block = s.messages[1].content[1]
        before = s.to_json()
        for kind, make in (("list", deep_list), ("dict", deep_dict), ("tuple", deep_tuple)):
            out["assign_" + kind] = outcome(lambda: setattr(block, "input", make()))
        cyclic = {"a": 1}
        cyclic["self"] = cyclic
        out["assign_cycle"] = outcome(lambda: setattr(block, "input", cyclic))
        out["append_message"] = outcome(lambda: s.messages.append(
            {"role": "user", "content": [
                {"type": "tool_use", "id": "t", "name": "n", "input": deep_list()}]}))
        out["assign_policy"] = outcome(lambda: setattr(s.config, "permission_policy", deep_dict()))
        out["unchanged"] = {"ok": s.to_json() == before}
        # In-place: the input view is a plain dict, checked when folded back.
        block.input["deep"] = deep_list()
        for name, fn in {
            "to_json": s.to_json,
            "to_json_pretty": lambda: s.to_json(pretty=True),
            "to_json_bytes": s.to_json_bytes,
            "to_dict": s.to_dict,
            "copy": lambda: copy.copy(s),
            "deepcopy": lambda: copy.deepcopy(s),
            "pickle": lambda: pickle.dumps(s),
            "eq": lambda: s == SessionData.from_json(text),
            "block_to_json": block.to_json,
        }.items():
            out["inplace_" + name] = outcome(fn)
        del block.input["deep"]
        out["recovered"] = {"ok": s.to_json() == before}
        emit(out)
        """
    )
    assert results.pop("unchanged") == {"ok": True}
    assert results.pop("recovered") == {"ok": True}
    for name, result in results.items():
        assert _is_clean(result, msg="recursion limit exceeded"), (name, result)


# ---------------------------------------------------------------------------------------------
# Size: a 100 MB string, a million messages
# ---------------------------------------------------------------------------------------------
def test_100_mb_string_round_trips_with_bounded_memory() -> None:
    mb = 1 << 20
    r = run_isolated(
        """
        N = 100 * 1024 * 1024
        empty = SessionData(id="big", created_at=0, updated_at=0).to_json()
        doc = empty.replace('"messages":[]', '"messages":[{"role":"user","content":'
                            '[{"type":"text","text":"' + "é" * (N // 2) + '"}]}]').encode()
        reset_peak()  # building doc peaked higher than what is measured here
        base = rss()
        t = time.perf_counter()
        s = SessionData.from_json(doc)
        parse_s = time.perf_counter() - t
        after_parse = peak() - base
        text = s.messages[0].content[0].text
        ok_read = len(text) == N // 2 and text[:3] == "ééé"
        del text
        after_read = peak() - base
        out = s.to_json_bytes()
        ok_write = out == doc
        del out
        after_write = peak() - base
        emit({"doc": len(doc), "parse_s": parse_s, "after_parse": after_parse,
              "after_read": after_read, "after_write": after_write,
              "ok_read": ok_read, "ok_write": ok_write})
        """
    )
    assert r["ok_read"] and r["ok_write"]
    size = r["doc"]
    print(
        f"\n100 MB string: parse {r['parse_s']:.2f} s; peak RSS growth over the document: "
        f"parse {r['after_parse'] / mb:.0f} MiB, + read {r['after_read'] / mb:.0f} MiB, "
        f"+ to_json_bytes {r['after_write'] / mb:.0f} MiB ({r['after_write'] / size:.1f}x)"
    )
    # Parsing holds one copy (the crate's String); reading adds the Python str; writing the
    # output String and the bytes object. A small multiple, never unbounded.
    assert r["after_parse"] < 2 * size
    assert r["after_write"] < 8 * size


def test_a_million_messages() -> None:
    r = run_isolated(
        """
        empty = SessionData(id="million", created_at=0, updated_at=0).to_json()
        message = '{"role":"user","content":[{"type":"text","text":"hi"}]}'
        head, tail = empty.split('"messages":[]')
        doc = head + '"messages":[' + ",".join([message] * 1_000_000) + "]" + tail
        t = time.perf_counter()
        s = SessionData.from_json(doc)
        parse_s = time.perf_counter() - t
        untouched = s.to_json() == doc
        t = time.perf_counter()
        n = len(s.messages)
        view_s = time.perf_counter() - t
        t = time.perf_counter()
        viewed = s.to_json()
        write_s = time.perf_counter() - t
        s.messages.append({"role": "assistant", "content": []})
        last = json.loads(s.to_json())["messages"][-1]
        emit({"n": n, "untouched": untouched, "viewed": viewed == doc, "len": len(viewed),
              "doc": len(doc), "last": last, "parse_s": parse_s, "view_s": view_s,
              "write_s": write_s})
        """,
        timeout=180,
    )
    print(
        f"\n1,000,000 messages ({r['doc'] >> 20} MiB): parse {r['parse_s']:.1f} s, "
        f"view {r['view_s']:.1f} s, to_json {r['write_s']:.1f} s"
    )
    assert r["n"] == 1_000_000
    assert r["untouched"] and r["viewed"] and r["len"] == r["doc"]
    assert r["last"] == {"role": "assistant", "content": []}


# ---------------------------------------------------------------------------------------------
# Encoding: invalid UTF-8, lone surrogates, BOM
# ---------------------------------------------------------------------------------------------
INVALID_UTF8 = [
    pytest.param(b"\xff", id="ff"),
    pytest.param(b"\x80", id="lone_continuation"),
    pytest.param(b"\xc3", id="truncated_2_byte"),
    pytest.param(b"\xe2\x82", id="truncated_3_byte"),
    pytest.param(b"\xc0\xaf", id="overlong_slash"),
    pytest.param(b"\xe0\x80\xaf", id="overlong_3_byte"),
    pytest.param(b"\xed\xa0\x80", id="cesu8_high_surrogate"),
    pytest.param(b"\xed\xbf\xbf", id="cesu8_low_surrogate"),
    pytest.param(b"\xf4\x90\x80\x80", id="beyond_u10ffff"),
    pytest.param(b"\xf8\x88\x80\x80\x80", id="five_byte"),
]


@pytest.mark.parametrize("bad", INVALID_UTF8)
@pytest.mark.parametrize("where", ["string", "key", "whitespace", "end"])
def test_invalid_utf8_is_a_clean_error(bad: bytes, where: str) -> None:
    doc = SAMPLE_TEXT.encode()
    if where == "string":
        doc = doc.replace(b'"sess-7f3c2a9e"', b'"sess-' + bad + b'"', 1)
    elif where == "key":
        doc = doc.replace(b'"id"', b'"i' + bad + b'd"', 1)
    elif where == "whitespace":
        doc = doc.replace(b"\n", b"\n" + bad, 1)
    else:
        doc = doc + bad
    assert doc != SAMPLE_TEXT.encode()
    for data in (doc, bytearray(doc)):
        with pytest.raises(SessionFormatError, match="invalid UTF-8"):
            SessionData.from_json(data)
    # Free-form JSON is no exception.
    block = b'{"type":"tool_use","id":"t","name":"n","input":{"k":"' + bad + b'"}}'
    with pytest.raises(SessionFormatError, match="invalid UTF-8"):
        ToolUseBlock.from_json(block)


@pytest.mark.parametrize(
    "escape",
    ["\\ud800", "\\udfff", "\\ud800\\u0041", "\\udc00\\ud800", "\\ud800x"],
)
def test_lone_surrogate_escape_in_text_is_a_clean_error(escape: str) -> None:
    with pytest.raises(SessionFormatError):
        SessionData.from_json(SAMPLE_TEXT.replace('"sess-7f3c2a9e"', f'"{escape}"', 1))
    with pytest.raises(SessionFormatError):
        ToolUseBlock.from_json(
            '{"type":"tool_use","id":"t","name":"n","input":{"k":"' + escape + '"}}'
        )


def test_surrogate_pair_escape_is_one_character() -> None:
    s = SessionData.from_json(SAMPLE_TEXT.replace('"sess-7f3c2a9e"', '"\\ud83d\\ude00"', 1))
    assert s.id == "\U0001f600"


def test_python_str_with_a_real_surrogate_is_a_clean_error() -> None:
    with pytest.raises(SessionFormatError, match="surrogate"):
        SessionData.from_json(SAMPLE_TEXT.replace("sess-7f3c2a9e", "\ud800", 1))
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    for obj, field in (
        (s, "id"),
        (s, "model_name"),
        (s.config, "system_prompt"),
        (s.messages[0], "role"),
        (s.messages[0].content[0], "text"),
        (s.messages[1].content[1], "input"),
    ):
        with pytest.raises(SessionFormatError, match="surrogate"):
            setattr(obj, field, "a\udc80b")
    with pytest.raises(SessionFormatError, match="key is not valid UTF-8"):
        s.messages[1].content[1].input = {"\ud800": 1}
    with pytest.raises(SessionFormatError, match="surrogate"):
        s.messages.append({"role": "user\ud800", "content": []})
    assert s.to_json(pretty=True) == SAMPLE_TEXT


@pytest.mark.parametrize(
    "how",
    ["tool_names.append", "tool_names.insert", "tool_names =", "tool_names[0] =",
     "dependencies.append", "tool_result.content ="],
)  # fmt: skip
def test_lone_surrogate_is_rejected_when_it_enters_a_str_list_view(how: str) -> None:
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    task: Any = Task(id="1", content="c")
    result: Any = ToolResultBlock(tool_use_id="t")
    bad = "tool\ud800"
    actions = {
        "tool_names.append": lambda: s.tool_names.append(bad),
        "tool_names.insert": lambda: s.tool_names.insert(0, bad),
        "tool_names =": lambda: setattr(s, "tool_names", ["ok", bad]),
        "tool_names[0] =": lambda: s.tool_names.__setitem__(0, bad),
        "dependencies.append": lambda: task.dependencies.append(bad),
        "tool_result.content =": lambda: setattr(result, "content", bad),
    }
    with pytest.raises(ValueError, match="surrogate"):
        actions[how]()
    for obj in (s, task, result):
        json.loads(obj.to_json())


def test_a_surrogate_in_a_str_view_never_crashes() -> None:
    # Whatever the verdict on the bug above, the failure is an ordinary exception.
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    try:
        s.tool_names.append("\ud800")
    except ValueError:
        return
    for op in (s.to_json, s.to_dict, lambda: copy.copy(s), lambda: pickle.dumps(s)):
        with pytest.raises(ValueError):
            op()
    s.tool_names.pop()
    assert s.to_json(pretty=True) == SAMPLE_TEXT


@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", "\ufeff".encode()], ids=["bytes", "str"])
def test_bom_is_rejected_like_the_crate_does(bom: bytes) -> None:
    # The crate reads files with read_to_string + serde_json::from_str: a BOM is not JSON.
    doc = bom + SAMPLE_TEXT.encode()
    for data in (doc, doc.decode("utf-8"), bytearray(doc)):
        with pytest.raises(SessionFormatError) as info:
            SessionData.from_json(data)
        assert info.value.line == 1
    # Inside a string it is an ordinary character.
    s = SessionData.from_json(SAMPLE_TEXT.replace("sess-7f3c2a9e", "\ufeffid", 1))
    assert s.id == "\ufeffid"


# ---------------------------------------------------------------------------------------------
# Trailing data
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "tail",
    [" x", "{}", "\x00", "]", "}", " 1", ",", SAMPLE_TEXT, "\ufeff", "//"],
    ids=["word", "object", "nul", "bracket", "brace", "number", "comma", "second_doc", "bom",
         "comment"],
)  # fmt: skip
def test_trailing_data_is_a_clean_error(tail: str) -> None:
    with pytest.raises(SessionFormatError, match="trailing"):
        SessionData.from_json(SAMPLE_TEXT + tail)
    with pytest.raises(SessionFormatError, match="trailing"):
        SessionData.from_json((SAMPLE_TEXT + tail).encode())


def test_trailing_whitespace_is_accepted() -> None:
    s = SessionData.from_json(SAMPLE_TEXT + " \n\t\r\n" * 1000)
    assert s.to_json(pretty=True) == SAMPLE_TEXT


# ---------------------------------------------------------------------------------------------
# Numbers beyond every integer field kind; NaN and infinities
# ---------------------------------------------------------------------------------------------
# One field of each integer kind the persisted types have, as a path into full_every_field.json.
INT_FIELDS = {
    "u32": ("config", "max_context_length"),
    "usize": ("context_usage", "used_tokens"),
    "Option<usize>": ("thinking_budget",),
    "usize_in_list": ("cost_records", 0, "prompt_tokens"),
    "Option<usize>_nested": ("total_usage", "cache_read_tokens"),
    "i64": ("created_at",),
    "u64_policy": ("config", "confirmation_policy", "default_timeout_ms"),
    "usize_queue": ("config", "queue_config", "dlqMaxSize"),
    "u64_queue": ("config", "queue_config", "defaultTimeoutMs"),
    "u64_in_map": ("config", "queue_config", "laneTimeouts", "Generate"),
}
BOUNDS = {
    "u32": (0, 2**32 - 1),
    "i64": (-(2**63), 2**63 - 1),
}
U64 = (0, 2**64 - 1)


def _with_literal(path: tuple[Any, ...], literal: str) -> str:
    doc = json.loads(FULL_TEXT)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = "@@NUMBER@@"
    return json.dumps(doc).replace('"@@NUMBER@@"', literal)


@pytest.mark.parametrize("kind", list(INT_FIELDS))
def test_integer_beyond_its_field_is_a_clean_error(kind: str) -> None:
    path = INT_FIELDS[kind]
    low, high = BOUNDS.get(kind, U64)
    # The exact bounds are accepted and written back unchanged.
    for ok in (low, high):
        s = SessionData.from_json(_with_literal(path, str(ok)))
        out: Any = json.loads(s.to_json())
        for key in path:
            out = out[key]
        assert out == ok
    for bad in (
        str(high + 1),
        str(low - 1),
        "18446744073709551616",
        "-9223372036854775809",
        "1" + "0" * 400,
        "-" + "9" * 400,
        "1e400",
        "1.5",
    ):
        with pytest.raises(SessionFormatError) as info:
            SessionData.from_json(_with_literal(path, bad))
        # The path names the field (for a map with enum keys, such as laneTimeouts, only the
        # map: serde_path_to_error records no key it cannot read as a string).
        names = {str(k) for k in path[-2:]}
        assert info.value.path.split(".")[-1] in names, (bad, info.value.path)
        doc = json.loads(_with_literal(path, "0"))
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = json.loads(bad) if "e" not in bad else float("inf")
        with pytest.raises(SessionFormatError):
            SessionData.from_dict(doc)


# (factory, attribute, lowest, highest) for every integer attribute.
INT_ATTRS: list[tuple[Any, str, int, int]] = [
    (SessionConfig, "max_context_length", 0, 2**32 - 1),
    (ContextUsage, "used_tokens", 0, 2**64 - 1),
    (ContextUsage, "max_tokens", 0, 2**64 - 1),
    (ContextUsage, "turns", 0, 2**64 - 1),
    (TokenUsage, "prompt_tokens", 0, 2**64 - 1),
    (TokenUsage, "completion_tokens", 0, 2**64 - 1),
    (TokenUsage, "total_tokens", 0, 2**64 - 1),
    (TokenUsage, "cache_read_tokens", 0, 2**64 - 1),
    (TokenUsage, "cache_write_tokens", 0, 2**64 - 1),
    (lambda: LlmCostRecord(model="m", provider="p"), "prompt_tokens", 0, 2**64 - 1),
    (lambda: LlmCostRecord(model="m", provider="p"), "completion_tokens", 0, 2**64 - 1),
    (lambda: LlmCostRecord(model="m", provider="p"), "total_tokens", 0, 2**64 - 1),
    (lambda: SessionData(id="x"), "thinking_budget", 0, 2**64 - 1),
    (lambda: SessionData(id="x"), "created_at", -(2**63), 2**63 - 1),
    (lambda: SessionData(id="x"), "updated_at", -(2**63), 2**63 - 1),
]


@pytest.mark.parametrize(
    ("factory", "field", "low", "high"),
    INT_ATTRS,
    ids=[f"{i}-{a[1]}" for i, a in enumerate(INT_ATTRS)],
)
def test_int_assignment_beyond_the_field_overflows(
    factory: Any, field: str, low: int, high: int
) -> None:
    obj = factory()
    for ok in (low, high):
        setattr(obj, field, ok)
        assert getattr(obj, field) == ok
        assert type(obj).from_json(obj.to_json()).to_json() == obj.to_json()
    before = obj.to_json()
    for bad in (high + 1, low - 1, 2**64, -(2**64), 2**200):
        with pytest.raises(OverflowError, match=f"^{field}: "):
            setattr(obj, field, bad)
    # Beyond even a float: the same OverflowError.
    for bad in (10**400, -(10**400)):
        with pytest.raises(OverflowError, match=f"^{field}: "):
            setattr(obj, field, bad)
    assert obj.to_json() == before


NON_FINITE_LITERALS = ["NaN", "Infinity", "-Infinity", "nan", "inf", "-inf", "+1", "1e999"]
FLOAT_PATHS = {
    "f64": ("total_cost",),
    "Option<f64>": ("cost_records", 0, "cost_usd"),
    "f32": ("context_usage", "percent"),
    "f32_config": ("config", "auto_compact_threshold"),
    "free_json": ("messages", 1, "content", 1, "input"),
}


@pytest.mark.parametrize("literal", NON_FINITE_LITERALS)
@pytest.mark.parametrize("where", list(FLOAT_PATHS))
def test_nan_and_infinity_literals_are_a_clean_error(literal: str, where: str) -> None:
    path = FLOAT_PATHS[where]
    doc = json.loads(FULL_TEXT)
    node = doc
    for key in path[:-1]:
        node = node[key]
    if isinstance(node, list) and len(node) <= path[-1]:  # pragma: no cover - corpus changed
        pytest.skip("path missing from the corpus document")
    node[path[-1]] = "@@NUMBER@@"
    text = json.dumps(doc).replace('"@@NUMBER@@"', literal)
    if where.startswith("f32") and literal == "1e999":
        # serde_json's f32 visitor: an f64 out of range is the error, as for f64.
        pass
    with pytest.raises(SessionFormatError):
        SessionData.from_json(text)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")], ids=str)
def test_non_finite_float_assignment_is_a_clean_error(value: float) -> None:
    s: Any = SessionData.from_json(FULL_TEXT)
    before = s.to_json()
    targets: list[tuple[Any, str]] = [
        (s, "total_cost"),
        (s.context_usage, "percent"),
        (s.config, "auto_compact_threshold"),
        (s.cost_records[0], "cost_usd"),
        (s.messages[1].content[1], "input"),
    ]
    for obj, field in targets:
        with pytest.raises(SessionFormatError, match="NaN or Infinity"):
            setattr(obj, field, value)
    with pytest.raises(SessionFormatError, match="NaN or Infinity"):
        s.messages[1].content[1].input = {"x": [1, value]}
    with pytest.raises(SessionFormatError, match="NaN or Infinity"):
        s.cost_records.append({**json.loads(FULL_TEXT)["cost_records"][0], "cost_usd": value})
    d = json.loads(before)
    d["total_cost"] = value
    with pytest.raises(SessionFormatError, match="NaN or Infinity"):
        SessionData.from_dict(d)
    assert s.to_json() == before


def test_nan_put_in_place_into_input_fails_at_to_json_and_recovers() -> None:
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    block: Any = s.messages[1].content[1]
    block.input["nan"] = float("nan")
    for op in (s.to_json, s.to_dict, lambda: copy.copy(s), lambda: pickle.dumps(s)):
        with pytest.raises(SessionFormatError, match="NaN or Infinity") as info:
            op()
        assert info.value.path == "messages[1].content[1].input.nan"
    del block.input["nan"]
    assert s.to_json(pretty=True) == SAMPLE_TEXT


def test_messages_survive_hostile_containers() -> None:
    # Containers that are not JSON: rejected at the door, never folded back later.
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    before = s.to_json()
    for bad in ({"role": "user", "content": {1, 2}}, {"role": "user", "content": "text"},
                {"role": b"user", "content": []}, {1: "user"}):  # fmt: skip
        with pytest.raises((SessionFormatError, TypeError)):
            s.messages.append(bad)
    with pytest.raises((SessionFormatError, TypeError)):
        Message(role="user", content=[{"type": "tool_use", "id": "t", "name": "n", "input": {3}}])
    assert s.to_json() == before


def _nested(n: int) -> Any:
    value: Any = "leaf"
    for _ in range(n):
        value = [value]
    return value


def test_accepted_nesting_serializes_to_what_from_json_reads() -> None:
    # Regression test: a value assigned to ToolUseBlock.input could hold 127 nested containers
    # counted from itself, so to_json() wrote what from_json (and the crate) could not read:
    # ToolUseBlock(id='i', name='n', input=<126 nested lists>), or 123 levels assigned inside a
    # session (5 containers above the input). Whatever is accepted must serialize to a
    # document its class reads back; refusing at assignment or at to_json is fine.
    problems = []
    for n in range(118, 129):
        block: Any = ToolUseBlock(id="i", name="n")
        session: Any = SessionData.from_json(SAMPLE_TEXT)
        in_place: Any = SessionData.from_json(SAMPLE_TEXT)
        in_place.messages[1].content[1].input["deep"] = _nested(n)
        cases: list[tuple[str, Any, Any]] = [
            ("block.input =", block, lambda b=block, n=n: setattr(b, "input", _nested(n))),
            (
                "session block.input =",
                session,
                lambda s=session, n=n: setattr(s.messages[1].content[1], "input", _nested(n)),
            ),
            ("in-place edit", in_place, lambda: None),
        ]
        for name, obj, assign in cases:
            try:
                assign()
                out = obj.to_json()
            except SessionFormatError:
                continue  # refused: fine
            try:
                type(obj).from_json(out)
            except SessionFormatError as e:
                problems.append(f"{name} depth {n}: to_json output rejected ({e.msg})")
    assert not problems, problems
