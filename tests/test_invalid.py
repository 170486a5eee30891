"""Documents that a3s-code-core 3.0.0 rejects must raise ``SessionFormatError``.

Every expectation here was checked against the crate's serde derives (store/session_data.rs,
llm/types.rs, planning/mod.rs, telemetry.rs) and serde_json 1.0's parser:

* serde_json refuses a BOM, comments, NaN/Infinity literals, trailing data, numbers out of
  f64 range, and more than 127 nested containers (its recursion limit of 128).
* A ``\\uD800`` escape not followed by a low surrogate is an error ("unexpected end of hex
  escape") when the string is deserialized into a field, but is *not* validated inside a value
  that is skipped (an unknown key): ``ignore_str`` only consumes the four hex digits.
* Integers: negatives / floats / > u64 are refused for usize and u32; a u64 above i64::MAX is
  refused for i64 (``created_at``); JSON numbers beyond u64 are parsed as f64 and refused.
* Internally tagged enums (``ContentBlock``) buffer their content before deserializing it, so
  an error *inside* a block is reported at the block (``messages[1].content[0]``), while a bad
  ``type`` tag is reported at ``messages[1].content[0].type``.

``pytest.raises(SessionFormatError)`` doubles as the no-panic check: a
``pyo3_runtime.PanicException`` derives from ``BaseException`` and would escape it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import a3s_session
from a3s_session import SessionFormatError, v3
from a3s_session.v3 import SessionData
from conftest import Oracle

SAMPLE_TEXT = (Path(a3s_session.__file__).parent / "data" / "sample_session.json").read_text(
    encoding="utf-8"
)
SAMPLE: dict[str, Any] = json.loads(SAMPLE_TEXT)


# ---------------------------------------------------------------------------------------------
# Building invalid documents from the sample
# ---------------------------------------------------------------------------------------------

Key = str | int


def _walk(doc: Any, path: tuple[Key, ...]) -> Any:
    for k in path:
        doc = doc[k]
    return doc


def setp(path: tuple[Key, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def f(doc: dict[str, Any]) -> None:
        _walk(doc, path[:-1])[path[-1]] = value

    return f


def delp(path: tuple[Key, ...]) -> Callable[[dict[str, Any]], None]:
    def f(doc: dict[str, Any]) -> None:
        del _walk(doc, path[:-1])[path[-1]]

    return f


def edited(*edits: Callable[[dict[str, Any]], None]) -> str:
    doc = copy.deepcopy(SAMPLE)
    for e in edits:
        e(doc)
    return json.dumps(doc, ensure_ascii=False)


def text_sub(old: str, new: str) -> str:
    """Replace one occurrence in the sample text (for things json.dumps cannot write)."""
    assert SAMPLE_TEXT.count(old) >= 1, old
    return SAMPLE_TEXT.replace(old, new, 1)


def deep(opener: str, closer: str, n: int) -> str:
    return opener * n + closer * n


@dataclass(frozen=True)
class Prefix:
    """The path must start with this (errors reported at an enclosing tagged block)."""

    value: str


@dataclass(frozen=True)
class Case:
    id: str
    doc: str | bytes
    path: str | Prefix | None = None  # None: no assertion on the path (syntax errors)
    msg: str | None = None  # substring expected in e.msg
    dict_ok: bool = False  # also meaningful through from_dict(json.loads(doc))


CASES: list[Case] = [
    # --- JSON syntax, truncation, top level -------------------------------------------------
    Case("empty", "", "", "EOF while parsing a value"),
    Case("whitespace_only", "   \n\t ", "", "EOF while parsing a value"),
    Case("unclosed_object", "{", "", "EOF while parsing an object"),
    Case(
        "truncated_mid_string", SAMPLE_TEXT[:100], "config.workspace", "EOF while parsing a string"
    ),
    Case("truncated_half", SAMPLE_TEXT[: len(SAMPLE_TEXT) // 2], None, "EOF"),
    Case("missing_colon", '{"id" "x"}', "", "expected `:`"),
    Case("single_quotes", "{'id': 'x'}", "", "key must be a string"),
    Case("trailing_comma", SAMPLE_TEXT[:-2] + ",\n}", "", "trailing comma"),
    Case("line_comment", "// saved by a3s\n" + SAMPLE_TEXT, "", "expected value"),
    Case("null_document", "null", "", "invalid type: null, expected struct SessionData"),
    Case("top_level_array_empty", "[]", "", "invalid length 0"),
    Case("top_level_array_short", '["sess-1"]', "", "invalid length 1"),
    Case("top_level_string", '"sess-1"', "", "invalid type: string"),
    Case("top_level_number", "42", "", "invalid type: integer `42`"),
    Case("top_level_empty_object", "{}", "", "missing field `id`"),
    Case("trailing_garbage", SAMPLE_TEXT + " x", "", "trailing characters"),
    Case("trailing_second_document", SAMPLE_TEXT + "\n{}", "", "trailing characters"),
    Case("bom_prefix_str", "\ufeff" + SAMPLE_TEXT, "", "expected value"),
    Case("bom_prefix_bytes", b"\xef\xbb\xbf" + SAMPLE_TEXT.encode(), "", "expected value"),
    # --- non-finite and out-of-range numbers -------------------------------------------------
    Case("nan_literal", text_sub("9.117", "NaN"), "context_usage.percent", "expected value"),
    Case("infinity_literal", text_sub("9.117", "Infinity"), "context_usage.percent"),
    Case("neg_infinity_literal", text_sub("9.117", "-Infinity"), "context_usage.percent"),
    Case(
        "f64_overflow_total_cost",
        text_sub("0.083571", "1e400"),
        "total_cost",
        "number out of range",
    ),
    Case(
        "f64_overflow_percent",
        text_sub("9.117", "-1e999"),
        "context_usage.percent",
        "number out of range",
    ),
    # --- missing required fields -------------------------------------------------------------
    *[
        Case(f"missing_{k}", edited(delp((k,))), "", f"missing field `{k}`", True)
        for k in (
            "id",
            "config",
            "state",
            "messages",
            "context_usage",
            "total_usage",
            "tool_names",
            "thinking_enabled",
            "created_at",
            "updated_at",
        )
    ],
    *[
        Case(
            f"missing_config_{k}",
            edited(delp(("config", k))),
            "config",
            f"missing field `{k}`",
            True,
        )
        for k in ("name", "workspace", "max_context_length", "auto_compact")
    ],
    *[
        Case(
            f"missing_context_usage_{k}",
            edited(delp(("context_usage", k))),
            "context_usage",
            f"missing field `{k}`",
            True,
        )
        for k in ("used_tokens", "max_tokens", "percent", "turns")
    ],
    Case(
        "missing_total_usage_total_tokens",
        edited(delp(("total_usage", "total_tokens"))),
        "total_usage",
        "missing field `total_tokens`",
        True,
    ),
    Case(
        "missing_message_role",
        edited(delp(("messages", 0, "role"))),
        "messages[0]",
        "missing field `role`",
        True,
    ),
    Case(
        "missing_message_content",
        edited(delp(("messages", 2, "content"))),
        "messages[2]",
        "missing field `content`",
        True,
    ),
    Case(
        "missing_block_type",
        edited(delp(("messages", 0, "content", 0, "type"))),
        Prefix("messages[0].content[0]"),
        "missing field `type`",
        True,
    ),
    Case(
        "missing_text_of_text_block",
        edited(delp(("messages", 5, "content", 0, "text"))),
        Prefix("messages[5].content[0]"),
        "missing field `text`",
        True,
    ),
    Case(
        "missing_tool_use_input",
        edited(delp(("messages", 1, "content", 1, "input"))),
        Prefix("messages[1].content[1]"),
        "missing field `input`",
        True,
    ),
    Case(
        "missing_image_source_data",
        edited(delp(("messages", 4, "content", 0, "content", 1, "source", "data"))),
        Prefix("messages[4].content[0]"),
        None,
        True,
    ),
    Case(
        "missing_llm_config_model",
        edited(delp(("llm_config", "model"))),
        "llm_config",
        "missing field `model`",
        True,
    ),
    Case(
        "missing_task_status",
        edited(delp(("tasks", 0, "status"))),
        "tasks[0]",
        "missing field `status`",
        True,
    ),
    Case(
        "missing_task_content",
        edited(delp(("tasks", 2, "content"))),
        "tasks[2]",
        "missing field `content`",
        True,
    ),
    Case(
        "missing_cost_record_timestamp",
        edited(delp(("cost_records", 0, "timestamp"))),
        "cost_records[0]",
        "missing field `timestamp`",
        True,
    ),
    Case(
        "missing_confirmation_policy_timeout",
        edited(delp(("config", "confirmation_policy", "default_timeout_ms"))),
        "config.confirmation_policy",
        "missing field `default_timeout_ms`",
        True,
    ),
    # --- wrong types per field ---------------------------------------------------------------
    Case("id_int", edited(setp(("id",), 5)), "id", "invalid type: integer `5`", True),
    Case("id_null", edited(setp(("id",), None)), "id", "invalid type: null", True),
    Case("config_array", edited(setp(("config",), [])), "config", None, True),
    Case("config_null", edited(setp(("config",), None)), "config", None, True),
    Case("state_int", edited(setp(("state",), 1)), "state", None, True),
    Case("messages_object", edited(setp(("messages",), {})), "messages", None, True),
    Case("messages_string", edited(setp(("messages",), "hi")), "messages", None, True),
    Case(
        "message_role_null",
        edited(setp(("messages", 0, "role"), None)),
        "messages[0].role",
        None,
        True,
    ),
    Case(
        "message_content_string",
        edited(setp(("messages", 0, "content"), "hello")),
        "messages[0].content",
        "expected a sequence",
        True,
    ),
    Case(
        "message_reasoning_int",
        edited(setp(("messages", 1, "reasoning_content"), 5)),
        "messages[1].reasoning_content",
        None,
        True,
    ),
    Case(
        "text_block_text_int",
        edited(setp(("messages", 1, "content", 0, "text"), 5)),
        Prefix("messages[1].content[0]"),
        "invalid type: integer `5`",
        True,
    ),
    Case(
        "tool_result_is_error_string",
        edited(setp(("messages", 2, "content", 0, "is_error"), "yes")),
        Prefix("messages[2].content[0]"),
        None,
        True,
    ),
    Case(
        "tool_result_content_int",
        edited(setp(("messages", 2, "content", 0, "content"), 5)),
        Prefix("messages[2].content[0]"),
        "untagged enum ToolResultContentField",
        True,
    ),
    Case("tool_names_item_int", edited(setp(("tool_names", 2), 1)), "tool_names[2]", None, True),
    Case("tool_names_string", edited(setp(("tool_names",), "read")), "tool_names", None, True),
    Case(
        "thinking_enabled_string",
        edited(setp(("thinking_enabled",), "true")),
        "thinking_enabled",
        "expected a boolean",
        True,
    ),
    Case(
        "thinking_enabled_int",
        edited(setp(("thinking_enabled",), 1)),
        "thinking_enabled",
        "expected a boolean",
        True,
    ),
    Case(
        "thinking_budget_negative",
        edited(setp(("thinking_budget",), -1)),
        "thinking_budget",
        None,
        True,
    ),
    Case("total_cost_string", edited(setp(("total_cost",), "0.08")), "total_cost", None, True),
    Case("model_name_int", edited(setp(("model_name",), 4)), "model_name", None, True),
    Case(
        "max_context_length_negative",
        edited(setp(("config", "max_context_length"), -1)),
        "config.max_context_length",
        "expected u32",
        True,
    ),
    Case(
        "max_context_length_u32_overflow",
        edited(setp(("config", "max_context_length"), 2**32)),
        "config.max_context_length",
        "expected u32",
        True,
    ),
    Case(
        "max_context_length_float",
        edited(setp(("config", "max_context_length"), 2000.0)),
        "config.max_context_length",
        "floating point",
        True,
    ),
    Case(
        "auto_compact_string",
        edited(setp(("config", "auto_compact"), "yes")),
        "config.auto_compact",
        "expected a boolean",
        True,
    ),
    Case(
        "auto_compact_threshold_string",
        edited(setp(("config", "auto_compact_threshold"), "0.8")),
        "config.auto_compact_threshold",
        "expected f32",
        True,
    ),
    Case(
        "system_prompt_list",
        edited(setp(("config", "system_prompt"), ["a"])),
        "config.system_prompt",
        None,
        True,
    ),
    Case(
        "percent_string",
        edited(setp(("context_usage", "percent"), "x")),
        "context_usage.percent",
        "expected f32",
        True,
    ),
    Case(
        "percent_null",
        edited(setp(("context_usage", "percent"), None)),
        "context_usage.percent",
        "invalid type: null",
        True,
    ),
    Case(
        "used_tokens_negative",
        edited(setp(("context_usage", "used_tokens"), -1)),
        "context_usage.used_tokens",
        "expected usize",
        True,
    ),
    Case(
        "used_tokens_float",
        edited(setp(("context_usage", "used_tokens"), 1.0)),
        "context_usage.used_tokens",
        "floating point",
        True,
    ),
    Case(
        "used_tokens_exponent",
        text_sub('"used_tokens": 18234', '"used_tokens": 1e3'),
        "context_usage.used_tokens",
        "floating point",
    ),
    Case(
        "turns_above_u64",
        edited(setp(("context_usage", "turns"), 2**64)),
        "context_usage.turns",
        "floating point",
        True,
    ),
    Case(
        "prompt_tokens_bool",
        edited(setp(("total_usage", "prompt_tokens"), True)),
        "total_usage.prompt_tokens",
        "invalid type: boolean",
        True,
    ),
    Case(
        "cache_write_tokens_negative",
        edited(setp(("total_usage", "cache_write_tokens"), -1)),
        "total_usage.cache_write_tokens",
        None,
        True,
    ),
    Case(
        "created_at_i64_overflow",
        edited(setp(("created_at",), 2**63)),
        "created_at",
        "expected i64",
        True,
    ),
    Case(
        "created_at_i64_underflow",
        edited(setp(("created_at",), -(2**63) - 1)),
        "created_at",
        "expected i64",
        True,
    ),
    Case(
        "created_at_float",
        edited(setp(("created_at",), 1764050000.5)),
        "created_at",
        "floating point",
        True,
    ),
    Case(
        "updated_at_rfc3339",
        edited(setp(("updated_at",), "2025-11-25T06:15:02Z")),
        "updated_at",
        None,
        True,
    ),
    Case(
        "cost_record_timestamp_garbage",
        edited(setp(("cost_records", 0, "timestamp"), "yesterday")),
        "cost_records[0].timestamp",
        None,
        True,
    ),
    Case(
        "cost_record_timestamp_epoch",
        edited(setp(("cost_records", 0, "timestamp"), 1764050000)),
        "cost_records[0].timestamp",
        None,
        True,
    ),
    Case(
        "cost_record_cost_string",
        edited(setp(("cost_records", 1, "cost_usd"), "0.1")),
        "cost_records[1].cost_usd",
        None,
        True,
    ),
    Case(
        "task_dependencies_string",
        edited(setp(("tasks", 1, "dependencies"), "1")),
        "tasks[1].dependencies",
        "expected a sequence",
        True,
    ),
    Case(
        "task_content_null",
        edited(setp(("tasks", 0, "content"), None)),
        "tasks[0].content",
        None,
        True,
    ),
    # FORMAT.md says Task.content is "also read as description"; 3.0.0 has no such alias.
    Case(
        "task_description_instead_of_content",
        edited(setp(("tasks",), [{"id": "1", "description": "d", "status": "pending"}])),
        "tasks[0]",
        "missing field `content`",
        True,
    ),
    Case(
        "llm_config_api_key_int",
        edited(setp(("llm_config", "api_key"), 5)),
        "llm_config.api_key",
        None,
        True,
    ),
    Case("llm_config_string", edited(setp(("llm_config",), "anthropic")), "llm_config", None, True),
    # --- unknown enum variants ---------------------------------------------------------------
    Case("state_unknown", edited(setp(("state",), "Running")), "state", "unknown variant", True),
    Case("state_wrong_case", edited(setp(("state",), "active")), "state", "unknown variant", True),
    Case(
        "planning_mode_wrong_case",
        edited(setp(("config", "planning_mode"), "auto")),
        "config.planning_mode",
        "unknown variant",
        True,
    ),
    Case(
        "storage_type_unknown",
        edited(setp(("config", "storage_type"), "disk")),
        "config.storage_type",
        "unknown variant",
        True,
    ),
    Case(
        "storage_type_wrong_case",
        edited(setp(("config", "storage_type"), "File")),
        "config.storage_type",
        "unknown variant",
        True,
    ),
    # "done" is accepted by TaskStatus::from_str, but not by its Deserialize.
    Case(
        "task_status_done",
        edited(setp(("tasks", 0, "status"), "done")),
        "tasks[0].status",
        "unknown variant `done`",
        True,
    ),
    Case(
        "task_status_camel",
        edited(setp(("tasks", 2, "status"), "InProgress")),
        "tasks[2].status",
        "unknown variant",
        True,
    ),
    Case(
        "task_priority_unknown",
        edited(setp(("tasks", 0, "priority"), "urgent")),
        "tasks[0].priority",
        "unknown variant",
        True,
    ),
    Case(
        "block_type_unknown",
        edited(setp(("messages", 1, "content", 0, "type"), "bogus")),
        "messages[1].content[0].type",
        "unknown variant `bogus`",
        True,
    ),
    Case(
        "block_type_wrong_case",
        edited(setp(("messages", 3, "content", 0, "type"), "ToolUse")),
        "messages[3].content[0].type",
        "unknown variant",
        True,
    ),
    Case(
        "tool_result_item_is_tool_use",
        edited(
            setp(
                ("messages", 4, "content", 0, "content", 0),
                {"type": "tool_use", "id": "a", "name": "b", "input": {}},
            )
        ),
        Prefix("messages[4].content[0]"),
        None,
        True,
    ),
    Case(
        "timeout_action_unknown",
        edited(setp(("config", "confirmation_policy", "timeout_action"), "Maybe")),
        "config.confirmation_policy.timeout_action",
        "unknown variant",
        True,
    ),
    Case(
        "default_decision_unknown",
        edited(setp(("config", "permission_policy", "default_decision"), "never")),
        "config.permission_policy.default_decision",
        "unknown variant",
        True,
    ),
    Case(
        "yolo_lane_unknown",
        edited(setp(("config", "confirmation_policy", "yolo_lanes"), ["Query", "Fast"])),
        "config.confirmation_policy.yolo_lanes[1]",
        "unknown variant",
        True,
    ),
    # --- duplicate keys in structs -----------------------------------------------------------
    Case(
        "duplicate_id",
        text_sub('"id": "sess-7f3c2a9e",', '"id": "a", "id": "b",'),
        "",
        "duplicate field `id`",
    ),
    Case(
        "duplicate_config_name",
        text_sub('"name": "refactor-parser",', '"name": "a", "name": "b",'),
        "config",
        "duplicate field `name`",
    ),
    Case(
        "duplicate_percent",
        text_sub('"percent": 9.117,', '"percent": 1, "percent": 2,'),
        "context_usage",
        "duplicate field `percent`",
    ),
    Case(
        "duplicate_block_text",
        text_sub('"text": "Let me look at the number parser."', '"text": "a", "text": "b"'),
        Prefix("messages[1].content[0]"),
        "duplicate field `text`",
    ),
    Case(
        "tasks_and_todos",
        text_sub('"tasks": [', '"todos": [], "tasks": ['),
        "",
        "duplicate field `tasks`",
    ),
    # --- encoding: invalid UTF-8, surrogates, escapes, control characters ---------------------
    # The input must be UTF-8 as a whole, as for the crate's store (read_to_string): checked
    # before parsing, so the error has no field path.
    Case(
        "invalid_utf8_in_id",
        SAMPLE_TEXT.encode().replace(b"sess-7f3c2a9e", b"\xff\xfe", 1),
        "",
        "invalid UTF-8 at byte 11",
    ),
    Case(
        "invalid_utf8_in_tool_input",
        SAMPLE_TEXT.encode().replace(b"fn parse_number", b"fn \xc3(", 1),
        "",
        "invalid UTF-8 at byte",
    ),
    Case(
        "overlong_utf8_in_text",
        SAMPLE_TEXT.encode().replace(b"Let me", b"Let \xc0\xafme", 1),
        "",
        "invalid UTF-8 at byte",
    ),
    Case(
        "lone_high_surrogate_in_id",
        text_sub('"sess-7f3c2a9e"', '"\\ud800"'),
        "id",
        "unexpected end of hex escape",
    ),
    Case(
        "lone_low_surrogate_in_id",
        text_sub('"sess-7f3c2a9e"', '"\\udc00"'),
        "id",
        "lone leading surrogate in hex escape",
    ),
    Case("high_surrogate_then_non_low", text_sub('"sess-7f3c2a9e"', '"\\ud800\\u0041"'), "id"),
    Case(
        "lone_surrogate_in_tool_input",
        text_sub('"fn parse_number"', '"\\ud83d"'),
        "messages[1].content[1].input.pattern",
        "unexpected end of hex escape",
    ),
    Case("invalid_escape", text_sub('"sess-7f3c2a9e"', '"sess\\x41"'), "id", "invalid escape"),
    Case("raw_control_char", text_sub('"sess-7f3c2a9e"', '"sess\n7f"'), "id", "control character"),
    # --- nesting beyond serde_json's limit (127 nested containers) --------------------------
    Case(
        "deep_arrays_in_tool_input",
        text_sub('"fn parse_number"', deep("[", "]", 200)),
        Prefix("messages[1].content[1].input.pattern"),
        "recursion limit exceeded",
    ),
    Case(
        "deep_objects_in_tool_input",
        text_sub('"fn parse_number"', deep('{"a":', "}", 150).replace("}", "1}", 1)),
        Prefix("messages[1].content[1].input.pattern"),
        "recursion limit exceeded",
    ),
    Case(
        "deep_arrays_in_tool_result",
        text_sub(
            '"src/number.rs:42: fn parse_number(input: &str) -> Result<f64> {"', deep("[", "]", 129)
        ),
        Prefix("messages[2].content[0]"),
        "recursion limit exceeded",
    ),
]

IDS = [c.id for c in CASES]
assert len(set(IDS)) == len(IDS), "case ids must be unique"
assert len(CASES) >= 45


def _check_path(err: SessionFormatError, expected: str | Prefix | None) -> None:
    assert isinstance(err.path, str)
    if isinstance(expected, Prefix):
        assert err.path.startswith(expected.value), (err.path, expected.value)
    elif expected is not None:
        assert err.path == expected


def _rejected(doc: Any) -> SessionFormatError:
    with pytest.raises(SessionFormatError) as info:
        SessionData.from_json(doc)
    return info.value


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_invalid_document_is_rejected(case: Case) -> None:
    err = _rejected(case.doc)
    assert isinstance(err, ValueError)
    assert type(err) is SessionFormatError
    assert isinstance(err.msg, str) and err.msg.strip()
    if case.msg is not None:
        assert case.msg in err.msg
    # Text input: a position is always known (serde_json counts lines from 1).
    assert isinstance(err.line, int) and err.line >= 1
    assert isinstance(err.column, int) and err.column >= 0
    _check_path(err, case.path)
    # The str() of the exception carries the message (and the path when there is one).
    assert err.msg in str(err)
    if err.path:
        assert f"(at `{err.path}`)" in str(err)
    else:  # at the top (syntax errors there included): no "(at ...)" part, never "?"
        assert "(at " not in str(err)
    assert err.path != "?" and not err.path.startswith("?")


# Positions are serde_json's (README: "column in bytes; 0 at the start of a line"): lines count
# "\n" from 1, and the column is the number of bytes from the start of the line to the error
# position -- so an error reported right after a newline (EOF there, an empty document, a raw
# newline inside a string, which serde_json reports after consuming it) is at column 0.
_START_OF_LINE_CASES = {"empty", "raw_control_char"}
CASE_BY_ID = {c.id: c for c in CASES}


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.id not in _START_OF_LINE_CASES], ids=lambda c: c.id
)
def test_position_is_one_based_away_from_the_start_of_a_line(case: Case) -> None:
    err = _rejected(case.doc)
    assert isinstance(err.line, int) and err.line >= 1
    assert isinstance(err.column, int) and err.column >= 1


def _serde_json_position(text: bytes, index: int) -> tuple[int, int]:
    """serde_json's (line, column) for the byte offset ``index`` of ``text`` (its
    ``position_of_index``): 1 + the newlines before it, and the bytes since the last one."""
    return text.count(b"\n", 0, index) + 1, index - (text.rfind(b"\n", 0, index) + 1)


def _oracle_error(oracle: Oracle, text: str) -> tuple[str, int]:
    """The crate's error message for the SessionData document ``text``, and the byte offset
    it is at. The oracle protocol turns every newline into a space (which changes no offset),
    so its answer is always on line 1 and its column is that offset."""
    reply = oracle.roundtrip("SessionData", text)
    assert "error" in reply, reply
    msg, sep, column = reply["error"].rpartition(" at line 1 column ")
    assert sep and column.isdigit(), reply
    return msg, int(column)


START_OF_LINE_DOCS = [
    # (document, the same error without the newline for the oracle, expected column)
    pytest.param(CASE_BY_ID["empty"].doc, None, 0, id="empty"),
    pytest.param("\n", None, 0, id="newline_only"),
    pytest.param("\n\n  \n", None, 0, id="blank_lines"),
    pytest.param("{\n", None, 0, id="unclosed_object"),
    pytest.param(SAMPLE_TEXT[:-1], None, 0, id="truncated_last"),
    # The raw newline would be a plain space for the oracle: another control character in
    # its place gives it the same error at the same offset.
    pytest.param(
        CASE_BY_ID["raw_control_char"].doc,
        cast(str, CASE_BY_ID["raw_control_char"].doc).replace("sess\n7f", "sess\x1f7f"),
        0,
        id="raw_control_char",
    ),
    # An unexpected character that starts a line is at column 1, as anywhere else.
    pytest.param(SAMPLE_TEXT + "\nx", None, 1, id="trailing_character"),
    pytest.param("{\n,", None, 1, id="unexpected_comma"),
]


@pytest.mark.parametrize(("doc", "oracle_doc", "column"), START_OF_LINE_DOCS)
def test_position_at_the_start_of_a_line_is_serde_jsons(
    oracle: Oracle, doc: str, oracle_doc: str | None, column: int
) -> None:
    msg, index = _oracle_error(oracle, doc if oracle_doc is None else oracle_doc)
    line, at_column = _serde_json_position(doc.encode(), index)
    assert at_column == column
    for data in (doc, doc.encode()):
        err = _rejected(data)
        assert err.msg == msg
        assert (err.line, err.column) == (line, column)
        assert str(err).endswith(f" at line {line} column {column}")


STR_CASES = [c for c in CASES if isinstance(c.doc, str)]


@pytest.mark.parametrize("case", STR_CASES, ids=[c.id for c in STR_CASES])
def test_bytes_input_gives_the_same_error(case: Case) -> None:
    assert isinstance(case.doc, str)
    from_str = _rejected(case.doc)
    for data in (case.doc.encode("utf-8"), bytearray(case.doc.encode("utf-8"))):
        err = _rejected(data)
        assert (err.msg, err.line, err.column, err.path) == (
            from_str.msg,
            from_str.line,
            from_str.column,
            from_str.path,
        )


DICT_CASES = [c for c in CASES if c.dict_ok]


@pytest.mark.parametrize("case", DICT_CASES, ids=[c.id for c in DICT_CASES])
def test_from_dict_rejects_the_same_values(case: Case) -> None:
    """from_dict(d) rejects exactly what from_json(json.dumps(d)) rejects, at the same path.

    Regression test for the strict reader: from_dict used to go through pythonize, which read
    any object as a bool by truthiness ('true', 0), True as an integer, and iterated a str
    where a list was wanted ('read' -> ['r', 'e', 'a', 'd']).
    """
    data = json.loads(case.doc)
    with pytest.raises(SessionFormatError) as info:
        SessionData.from_dict(data)
    err = info.value
    assert isinstance(err, ValueError)
    assert isinstance(err.msg, str) and err.msg.strip()
    assert err.line is None and err.column is None
    assert " at line " not in str(err)
    from_text = _rejected(case.doc)
    assert err.path == from_text.path
    if case.id in _ENUM_WORDING:
        # serde_json's deserialize_enum answers anything but a string or an object with a
        # bare "expected value"; from a dict the binding gives serde's invalid-type message.
        assert from_text.msg == "expected value"
        assert err.msg == "invalid type: integer `1`, expected enum SessionState"
    else:
        assert err.msg == from_text.msg
    if case.msg is not None:
        assert case.msg in err.msg


_ENUM_WORDING = {"state_int"}
# serde_json words some values its own way in error messages: a JSON null is "null" (serde's
# default is "unit value") and floats are printed with ryu ("1.8446744073709552e+19").
_NULL_WORDING = {"id_null", "config_null", "message_role_null", "percent_null", "task_content_null"}
_FLOAT_WORDING = {"turns_above_u64", "created_at_i64_underflow"}


def test_from_dict_message_is_serde_jsons(oracle: Oracle) -> None:
    # Regression test: from_dict said "unit value" for None and printed an int beyond 64 bits
    # as `18446744073709552000.0`.
    for case in DICT_CASES:
        if case.id in _NULL_WORDING | _FLOAT_WORDING:
            with pytest.raises(SessionFormatError) as info:
                SessionData.from_dict(json.loads(case.doc))
            msg = info.value.msg
            assert msg == _rejected(case.doc).msg, case.id
            assert msg == _oracle_error(oracle, cast(str, case.doc))[0], case.id
            if case.id in _NULL_WORDING:
                assert msg.startswith("invalid type: null, expected "), msg
            else:
                assert "unit value" not in msg and ".0`" not in msg, msg
    assert _rejected(CASE_BY_ID["turns_above_u64"].doc).msg == (
        "invalid type: floating point `1.8446744073709552e+19`, expected usize"
    )


def test_from_dict_rejects_non_mappings() -> None:
    non_mappings: list[Any] = [None, [], "{}", 42, b"{}"]
    for data in non_mappings:
        with pytest.raises(SessionFormatError) as info:
            SessionData.from_dict(data)
        assert info.value.line is None and info.value.path == ""


def test_from_dict_rejects_deep_nesting_without_crash() -> None:
    nested: list[Any] = []
    cur = nested
    for _ in range(300):
        cur.append([])
        cur = cur[0]
    doc = copy.deepcopy(SAMPLE)
    doc["messages"][1]["content"][1]["input"] = nested
    with pytest.raises(SessionFormatError, match="recursion limit"):
        SessionData.from_dict(doc)


def _nested_lists(n: int) -> list[Any]:
    top: list[Any] = []
    cur = top
    for _ in range(n - 1):
        cur.append([])
        cur = cur[0]
    return top


def _deep_block(n: int) -> dict[str, Any]:
    # 2 objects (block, input) + n arrays: nesting depth n + 2.
    return {"type": "tool_use", "id": "i", "name": "n", "input": {"v": _nested_lists(n)}}


def _deep_session(n: int) -> dict[str, Any]:
    doc = copy.deepcopy(SAMPLE)
    doc["messages"] = [{"role": "user", "content": [_deep_block(n)]}]
    return doc  # 5 containers above the input's arrays: nesting depth n + 6


@pytest.mark.parametrize(
    ("kind", "make", "n", "accepted"),
    [
        ("ContentBlock", _deep_block, 125, True),
        ("ContentBlock", _deep_block, 126, False),
        ("ContentBlock", _deep_block, 127, False),
        ("SessionData", _deep_session, 121, True),
        ("SessionData", _deep_session, 122, False),
        ("SessionData", _deep_session, 123, False),
    ],
    ids=["block_127", "block_128", "block_129", "session_127", "session_128", "session_129"],
)
def test_from_dict_nesting_limit_is_serde_jsons(
    oracle: Oracle, kind: str, make: Callable[[int], dict[str, Any]], n: int, accepted: bool
) -> None:
    # Regression test: from_dict accepted one level more than serde_json (depth 128).
    # serde_json accepts 127 nested containers and rejects the 128th.
    doc = make(n)
    text = json.dumps(doc)
    cls: Any = v3.ToolUseBlock if kind == "ContentBlock" else SessionData
    crate_accepts = "error" not in oracle.roundtrip(kind, text)
    assert crate_accepts == accepted

    def accepts(parse: Callable[[], Any]) -> bool:
        try:
            parse()
        except SessionFormatError as e:
            assert "recursion limit exceeded" in e.msg
            return False
        return True

    assert accepts(lambda: cls.from_json(text)) == crate_accepts
    assert accepts(lambda: cls.from_dict(doc)) == crate_accepts


def _assign_input(n: int) -> None:
    block: Any = v3.ToolUseBlock(id="i", name="n")
    block.input = _nested_lists(n)


def _assign_content(n: int) -> None:
    msg: Any = v3.Message(role="user")
    msg.content = [{"type": "tool_use", "id": "i", "name": "n", "input": _nested_lists(n)}]


def _append_block(n: int) -> None:
    msg: Any = v3.Message(role="user")
    msg.content.append({"type": "tool_use", "id": "i", "name": "n", "input": _nested_lists(n)})


def _construct_block(n: int) -> None:
    v3.ToolUseBlock(id="i", name="n", input=_nested_lists(n))


@pytest.mark.parametrize(
    ("assign", "above"),
    [(_assign_input, 5), (_construct_block, 5), (_append_block, 1), (_assign_content, 1)],
    ids=["input_setter", "constructor", "list_view_append", "content_setter"],
)
def test_assigned_value_nesting_limit_is_serde_jsons(
    assign: Callable[[int], None], above: int
) -> None:
    # A block given as a dict is read like a JSON document of its own: 127 nested containers
    # are accepted, the 128th is rejected (``above`` counts the containers around the arrays).
    # A value given for ``ToolUseBlock.input`` itself leaves room for the 5 containers a
    # session puts around it (session, messages, message, content, block), so a session
    # holding it still reads back.
    assign(127 - above)
    with pytest.raises(SessionFormatError, match="recursion limit exceeded"):
        assign(128 - above)


def test_from_dict_block_tag_must_be_a_string(oracle: Oracle) -> None:
    # Regression test: from_dict (and dicts given to setters and list views) read an int as a
    # variant identifier (serde's variant index); serde_json reads identifiers as strings only.
    blocks: list[Any] = [
        {"type": 0, "text": "hi"},
        {"type": 1, "source": {"type": "base64", "media_type": "m", "data": "d"}},
        [0, "hi"],
        [2, "i", "n", {}],
    ]
    for block in blocks:
        doc = {"role": "user", "content": [block]}
        assert "error" in oracle.roundtrip("Message", json.dumps(doc))
        with pytest.raises(SessionFormatError):
            v3.Message.from_json(json.dumps(doc))
        with pytest.raises(SessionFormatError):
            v3.Message.from_dict(doc)
        if isinstance(block, dict):
            with pytest.raises(SessionFormatError):
                v3.Message(role="user").content.append(block)


def test_from_dict_block_as_a_sequence_with_a_string_tag(oracle: Oracle) -> None:
    # The sequence form itself is serde's, and the crate accepts it.
    doc = {"role": "user", "content": [["tool_use", "i", "n", {"k": 1}], ("text", "hi")]}
    want = oracle.accept("Message", json.dumps(doc))["compact"]
    assert v3.Message.from_json(json.dumps(doc)).to_json() == want
    assert v3.Message.from_dict(doc).to_json() == want


def test_python_str_with_lone_surrogate() -> None:
    # A Python str holding a real surrogate cannot be UTF-8: rejected before parsing, so there
    # is no position to report.
    err = _rejected(SAMPLE_TEXT.replace("sess-7f3c2a9e", "sess-\ud800", 1))
    assert "surrogate" in err.msg
    assert err.line is None and err.column is None


# ---------------------------------------------------------------------------------------------
# Edge documents the crate accepts (so must we)
# ---------------------------------------------------------------------------------------------


def test_lone_surrogate_in_skipped_value_is_accepted() -> None:
    # serde_json validates escapes only in strings it deserializes; an unknown key is skipped
    # with ignore_str, which does not check surrogate pairing. The crate accepts this.
    doc = text_sub('"id": "sess-7f3c2a9e",', '"id": "sess-7f3c2a9e", "note": "\\ud800",')
    s: Any = SessionData.from_json(doc)
    assert s.id == "sess-7f3c2a9e"
    assert "note" not in s.to_json()


def test_invalid_utf8_in_skipped_value_is_rejected() -> None:
    # Regression test: invalid UTF-8 inside a skipped (unknown-key) string used to be accepted
    # from bytes. JSON text must be UTF-8, and the crate's FileSessionStore::load reads with
    # read_to_string, which rejects the whole file.
    doc = SAMPLE_TEXT.encode().replace(
        b'"id": "sess-7f3c2a9e",', b'"id": "sess-7f3c2a9e", "note": "\xff",', 1
    )
    at = doc.index(b"\xff")
    for data in (doc, bytearray(doc)):
        err = _rejected(data)
        assert err.msg == f"invalid UTF-8 at byte {at}"
        assert err.path == ""
        assert err.line == doc[:at].count(b"\n") + 1


UTF8_POSITION_DOCS = [
    pytest.param(b'{\n  "id": "\xff"}', id="in_string"),
    pytest.param(b'{"id": "\xc3"}', id="truncated_sequence"),
    pytest.param(b'{\n  "id": "\xc3\xa9\xff"}', id="after_multibyte_char"),
    pytest.param(b"\xff", id="first_byte"),
    pytest.param(b"{\n\xff}", id="start_of_line"),
    pytest.param(b'{"id": "x"} \xed\xa0\x80', id="encoded_surrogate_after_the_value"),
]


def _utf8_error_at(doc: bytes) -> int:
    with pytest.raises(UnicodeDecodeError) as info:
        doc.decode("utf-8")
    return info.value.start


@pytest.mark.parametrize("doc", UTF8_POSITION_DOCS)
def test_invalid_utf8_is_reported_at_the_byte(doc: bytes) -> None:
    at = _utf8_error_at(doc)
    err = _rejected(doc)
    assert err.msg == f"invalid UTF-8 at byte {at}"
    assert err.path == ""
    assert err.line == doc[:at].count(b"\n") + 1
    assert str(err).startswith(f"invalid UTF-8 at byte {at} at line {err.line} column ")


def test_invalid_utf8_column_is_that_of_the_byte() -> None:
    # Regression test: the column was the 0-based column of the bad byte (0 when the byte
    # starts a line). It is now the 1-based column of the offending byte, in bytes, as
    # serde_json counts the column of an unexpected character.
    for param in UTF8_POSITION_DOCS:
        doc = param.values[0]
        assert isinstance(doc, bytes)
        at = _utf8_error_at(doc)
        err = _rejected(doc)
        line_start = doc.rfind(b"\n", 0, at) + 1
        assert err.column == at - line_start + 1, (param.id, err.column)


def test_syntax_error_column_is_that_of_the_character(oracle: Oracle) -> None:
    # The convention the UTF-8 check follows: serde_json's 1-based column of the offending
    # character, in bytes ("é" is 2).
    assert _rejected('{"id": x').column == 8
    assert _rejected('{\n  "id": x').column == 9
    assert _rejected("x").column == 1
    assert _rejected('{"id": "é", x').column == 14
    for doc in ('{"id": x', '{"id": "é", x', "x"):
        assert _oracle_error(oracle, doc)[1] == _rejected(doc).column


def test_unknown_keys_are_ignored() -> None:
    doc = copy.deepcopy(SAMPLE)
    doc["future_field"] = {"x": [1, 2]}
    doc["config"]["max_parallel_tasks"] = 4  # a 3.1.0 field
    doc["messages"][0]["content"][0]["cache_control"] = {"type": "ephemeral"}
    s: Any = SessionData.from_json(json.dumps(doc))
    assert s.to_json(pretty=True) == SAMPLE_TEXT


def test_duplicate_keys_in_free_form_input_last_wins() -> None:
    # tool_use.input is a serde_json::Value: duplicate keys are not an error there.
    doc = text_sub('"pattern": "fn parse_number"', '"pattern": "a", "pattern": "b"')
    s: Any = SessionData.from_json(doc)
    assert s.messages[1].content[1].input["pattern"] == "b"


def test_optional_and_defaulted_fields_may_be_missing() -> None:
    doc = copy.deepcopy(SAMPLE)
    for k in ("total_cost", "model_name", "cost_records", "thinking_budget", "llm_config", "tasks"):
        del doc[k]
    for k in (
        "system_prompt",
        "auto_compact_threshold",
        "storage_type",
        "confirmation_policy",
        "permission_policy",
        "planning_mode",
        "goal_tracking",
    ):
        del doc["config"][k]
    del doc["total_usage"]["cache_read_tokens"]
    del doc["messages"][1]["reasoning_content"]
    del doc["messages"][4]["content"][0]["is_error"]
    out = json.loads(SessionData.from_json(json.dumps(doc)).to_json())
    assert out["total_cost"] == 0.0 and out["thinking_budget"] is None
    assert out["cost_records"] == [] and out["tasks"] == []
    assert out["config"]["auto_compact_threshold"] == 0.8
    assert out["config"]["storage_type"] == "file"
    assert out["config"]["planning_mode"] == "Auto"
    assert out["config"]["system_prompt"] is None
    assert out["total_usage"]["cache_read_tokens"] is None


def test_integer_limits_are_accepted() -> None:
    doc = copy.deepcopy(SAMPLE)
    doc["context_usage"]["used_tokens"] = 2**64 - 1
    doc["thinking_budget"] = 2**64 - 1
    doc["config"]["max_context_length"] = 2**32 - 1
    doc["created_at"] = -(2**63)
    doc["updated_at"] = 2**63 - 1
    text = json.dumps(doc)
    out = json.loads(SessionData.from_json(text).to_json())
    assert out["context_usage"]["used_tokens"] == 2**64 - 1
    assert out["thinking_budget"] == 2**64 - 1
    assert out["config"]["max_context_length"] == 2**32 - 1
    assert (out["created_at"], out["updated_at"]) == (-(2**63), 2**63 - 1)


def test_deep_nesting_in_skipped_value_is_accepted() -> None:
    # serde_json skips an unknown key's value iteratively, without the depth limit.
    doc = "{" + '"x": ' + deep("[", "]", 5000) + ", " + SAMPLE_TEXT[1:]
    assert SessionData.from_json(doc).to_json(pretty=True) == SAMPLE_TEXT


def test_nesting_below_the_limit_is_accepted() -> None:
    doc = text_sub('"fn parse_number"', deep("[", "]", 100))
    s: Any = SessionData.from_json(doc)
    assert SessionData.from_json(s.to_json()) == s


def test_f32_overflow_becomes_infinity_and_is_written_as_null() -> None:
    # serde reads an f32 from a JSON f64 with `as f32`: 1e39 is accepted as +inf; serde_json
    # then writes inf as null, which the crate refuses to load again (FORMAT trap 3).
    s: Any = SessionData.from_json(text_sub("9.117", "1e39"))
    assert s.context_usage.percent == float("inf")
    out = s.to_json()
    assert '"percent":null' in out
    with pytest.raises(SessionFormatError) as info:
        SessionData.from_json(out)
    assert info.value.path == "context_usage.percent"


def test_content_block_in_sequence_form_is_accepted() -> None:
    # serde's internally tagged enums also accept a sequence whose first element is the tag.
    doc = edited(setp(("messages", 0, "content"), [["text", "hi"]]))
    s: Any = SessionData.from_json(doc)
    assert s.messages[0].content[0].text == "hi"


# ---------------------------------------------------------------------------------------------
# Fuzz: corrupted samples either load or raise SessionFormatError -- never anything else.
# ---------------------------------------------------------------------------------------------

_COMPACT = SessionData.from_json(SAMPLE_TEXT).to_json().encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pos=st.integers(min_value=0, max_value=len(_COMPACT) - 1),
    op=st.sampled_from(["delete", "replace", "insert", "truncate"]),
    byte=st.integers(min_value=0, max_value=255),
)
def test_corrupted_documents_never_crash(pos: int, op: str, byte: int) -> None:
    b = bytes([byte])
    data = {
        "delete": _COMPACT[:pos] + _COMPACT[pos + 1 :],
        "replace": _COMPACT[:pos] + b + _COMPACT[pos + 1 :],
        "insert": _COMPACT[:pos] + b + _COMPACT[pos:],
        "truncate": _COMPACT[:pos],
    }[op]
    try:
        s: Any = SessionData.from_json(data)
    except SessionFormatError as e:
        assert e.msg and isinstance(e.line, int)
    else:
        s.to_json()
