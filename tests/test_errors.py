"""Details of ``SessionFormatError``: where ``line``/``column`` point, what ``path`` says,
what non-text input gives, and what happens when a bad in-place edit is folded back into
the crate value.

Positions follow serde_json: lines count ``\\n`` from 1; for a value of the wrong type or an
unknown variant the column is that of the value's last character (serde_json reports the
position after consuming it); for a syntax error it is the column of the unexpected character.
"""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

import a3s_session
from a3s_session import SessionFormatError
from a3s_session.v3 import (
    ContextUsage,
    ImageBlock,
    ImageSource,
    LlmConfigData,
    LlmCostRecord,
    Message,
    SessionConfig,
    SessionData,
    Task,
    TextBlock,
    TokenUsage,
    ToolResultBlock,
    ToolUseBlock,
)
from conftest import Oracle

SAMPLE_TEXT = (Path(a3s_session.__file__).parent / "data" / "sample_session.json").read_text(
    encoding="utf-8"
)
ALL_CLASSES = [
    SessionData,
    SessionConfig,
    ContextUsage,
    LlmConfigData,
    TokenUsage,
    Message,
    TextBlock,
    ImageBlock,
    ToolUseBlock,
    ToolResultBlock,
    ImageSource,
    Task,
    LlmCostRecord,
]


def rejected(data: Any, cls: type = SessionData) -> SessionFormatError:
    with pytest.raises(SessionFormatError) as info:
        cls.from_json(data)
    return info.value


def locate(doc: str, needle: str) -> tuple[int, int, int]:
    """(line, first column, last column), 1-based, of the unique `needle` in `doc`."""
    assert doc.count(needle) == 1, needle
    i = doc.index(needle)
    line = doc.count("\n", 0, i) + 1
    start = i - (doc.rfind("\n", 0, i) + 1) + 1
    return line, start, start + len(needle) - 1


# ---------------------------------------------------------------------------------------------
# Positions in a multi-line (pretty, as the crate's store writes) document
# ---------------------------------------------------------------------------------------------

# (id, text in the sample, replacement, the bad value inside the replacement, path)
VALUE_ERRORS = [
    (
        "u32_as_string",
        '"max_context_length": 200000',
        '"max_context_length": "200000"',
        '"200000"',
        "config.max_context_length",
    ),
    ("unknown_state", '"state": "Completed"', '"state": "Done"', '"Done"', "state"),
    ("negative_usize", '"turns": 3', '"turns": -3', "-3", "context_usage.turns"),
    (
        "float_in_i64",
        '"created_at": 1764050000',
        '"created_at": 1764050000.0',
        "1764050000.0",
        "created_at",
    ),
    (
        "unknown_status",
        '"status": "in_progress"',
        '"status": "doing"',
        '"doing"',
        "tasks[2].status",
    ),
    (
        "bad_timestamp",
        '"timestamp": "2025-11-25T06:15:25.500Z"',
        '"timestamp": "2025-13-25T06:15:25.500Z"',
        '"2025-13-25T06:15:25.500Z"',
        "cost_records[1].timestamp",
    ),
    (
        "unknown_block_type",
        '"type": "tool_use",\n          "id": "toolu_02"',
        '"type": "tool_usage",\n          "id": "toolu_02"',
        '"tool_usage"',
        "messages[3].content[0].type",
    ),
    (
        "bool_as_string",
        '"goal_tracking": true',
        '"goal_tracking": "true"',
        '"true"',
        "config.goal_tracking",
    ),
]


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize(
    ("old", "new", "value", "path"), [v[1:] for v in VALUE_ERRORS], ids=[v[0] for v in VALUE_ERRORS]
)
def test_value_error_points_at_the_value(
    old: str, new: str, value: str, path: str, crlf: bool
) -> None:
    doc = SAMPLE_TEXT.replace(old, new, 1)
    assert doc != SAMPLE_TEXT
    line, _, last = locate(doc, value)
    if crlf:
        doc = doc.replace("\n", "\r\n")  # serde_json counts \n only; columns restart after it
    err = rejected(doc)
    assert (err.line, err.column, err.path) == (line, last, path)
    assert line > 1
    assert str(err).endswith(f" at line {line} column {last}")
    assert f"(at `{path}`)" in str(err)


SYNTAX_ERRORS = [
    # (id, text, replacement, the unexpected character's context, message)
    (
        "missing_comma",
        '"auto_compact": true,\n',
        '"auto_compact": true\n',
        '"auto_compact_threshold"',
        "expected `,` or `}`",
    ),
    ("double_dot", '"percent": 9.117', '"percent": 9.1.17', ".17", "expected `,` or `}`"),
    (
        "bad_escape",
        '"workspace": "/home/dev',
        '"workspace": "\\q/home/dev',
        "\\q",
        "invalid escape",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "at", "msg"), [v[1:] for v in SYNTAX_ERRORS], ids=[v[0] for v in SYNTAX_ERRORS]
)
def test_syntax_error_points_at_the_character(old: str, new: str, at: str, msg: str) -> None:
    doc = SAMPLE_TEXT.replace(old, new, 1)
    line, first, last = locate(doc, at)
    err = rejected(doc)
    assert msg in err.msg
    assert err.line == line
    assert err.column is not None and first <= err.column <= last


def test_position_is_the_same_for_str_bytes_and_bytearray() -> None:
    doc = SAMPLE_TEXT.replace('"turns": 3', '"turns": "3"')
    errs = [rejected(d) for d in (doc, doc.encode(), bytearray(doc.encode()))]
    assert len({(e.msg, e.line, e.column, e.path) for e in errs}) == 1


def test_columns_count_bytes_of_non_ascii_text() -> None:
    # serde_json's column is a byte offset within the line: "é" counts 2.
    doc = '{"id": "é", "config": 5}'
    err = rejected(doc)
    assert err.path == "config"
    assert err.line == 1 and err.column == len(doc[:-1].encode())


# ---------------------------------------------------------------------------------------------
# Paths inside tool_result content lists
# ---------------------------------------------------------------------------------------------


def _sample_with(edit: Any) -> str:
    doc = json.loads(SAMPLE_TEXT)
    edit(doc["messages"][4]["content"][0]["content"])
    return json.dumps(doc)


GENERATIONS = [a3s_session.v3, a3s_session.v9]
UNTAGGED = "data did not match any variant of untagged enum ToolResultContentField"


@pytest.mark.parametrize("gen", GENERATIONS, ids=["v3", "v9"])
def test_error_inside_tool_result_content_has_the_full_path(gen: Any) -> None:
    def bad_data(items: list[Any]) -> None:
        items[1]["source"]["data"] = 5

    doc = _sample_with(bad_data)
    err = rejected(doc, gen.SessionData)
    # ContentBlock is internally tagged and ToolResultContentField untagged: serde buffers
    # them, so on its own it reaches only `messages[4].content[0]` and says no variant
    # matched. The class tables re-read the block part by part with the crate's types.
    assert err.path == "messages[4].content[0].content[1].source.data"
    assert err.msg == f"{UNTAGGED}: invalid type: integer `5`, expected a string"
    line, _, last = locate(doc, '"data": 5')
    assert (err.line, err.column) == (line, last)


@pytest.mark.parametrize("gen", GENERATIONS, ids=["v3", "v9"])
def test_missing_field_inside_tool_result_content(gen: Any) -> None:
    def no_data(items: list[Any]) -> None:
        del items[1]["source"]["data"]

    doc = _sample_with(no_data)
    err = rejected(doc, gen.SessionData)
    assert err.path == "messages[4].content[0].content[1].source"
    assert err.msg == f"{UNTAGGED}: missing field `data`"
    # serde_json puts a missing field at the object's closing brace.
    line, _, last = locate(doc, '"media_type": "image/png"}')
    assert (err.line, err.column) == (line, last)


@pytest.mark.parametrize("gen", GENERATIONS, ids=["v3", "v9"])
def test_error_inside_a_message_block_keeps_serdes_message(gen: Any) -> None:
    doc = json.loads(SAMPLE_TEXT)
    doc["messages"][1]["content"][1]["name"] = 7
    text = json.dumps(doc, indent=2)
    err = rejected(text, gen.SessionData)
    assert err.path == "messages[1].content[1].name"
    assert err.msg == "invalid type: integer `7`, expected a string"
    line, _, last = locate(text, '"name": 7')
    assert (err.line, err.column) == (line, last)


@pytest.mark.parametrize("gen", GENERATIONS, ids=["v3", "v9"])
def test_only_the_first_error_in_document_order_is_reported(gen: Any) -> None:
    doc = json.loads(SAMPLE_TEXT)
    doc["messages"][1]["content"][1]["id"] = []
    doc["messages"][1]["content"][1]["name"] = 7
    err = rejected(json.dumps(doc), gen.SessionData)
    assert err.path == "messages[1].content[1].id"
    assert err.msg == "invalid type: sequence, expected a string"


def _string_leaves(value: Any, path: str) -> list[str]:
    """Paths of the string values under `value` that are not tags or free-form tool input."""
    if isinstance(value, dict):
        return [
            p
            for k, v in value.items()
            if k not in ("type", "input")
            for p in _string_leaves(v, f"{path}.{k}" if path else k)
        ]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_leaves(v, f"{path}[{i}]")]
    return [path] if isinstance(value, str) else []


def _set_at(doc: Any, path: str, value: Any) -> None:
    steps: list[Any] = []
    for part in path.replace("[", ".[").split("."):
        steps.append(int(part[1:-1]) if part.startswith("[") else part)
    for step in steps[:-1]:
        doc = doc[step]
    doc[steps[-1]] = value


@pytest.mark.parametrize("gen", GENERATIONS, ids=["v3", "v9"])
def test_every_string_in_every_block_is_located(gen: Any) -> None:
    base = json.loads(SAMPLE_TEXT)
    leaves = [
        f"messages[{i}].content{p}"
        for i, m in enumerate(base["messages"])
        for p in _string_leaves(m["content"], "")
    ]
    assert len(leaves) >= 10
    for leaf in leaves:
        doc = json.loads(SAMPLE_TEXT)
        _set_at(doc, leaf, 5)
        text = json.dumps(doc)
        err = rejected(text, gen.SessionData)
        assert err.path == leaf
        if leaf.endswith("].content"):  # a tool result's str content: the untagged field
            assert err.msg == UNTAGGED
        else:
            assert err.msg.endswith("invalid type: integer `5`, expected a string"), err.msg
        # And from builtins, the same path without a position.
        with pytest.raises(SessionFormatError) as info:
            gen.SessionData.from_dict(doc)
        assert (info.value.path, info.value.msg, info.value.line) == (leaf, err.msg, None)


@pytest.mark.parametrize("gen", GENERATIONS, ids=["v3", "v9"])
def test_message_and_block_classes_locate_inside_blocks(gen: Any) -> None:
    message = json.loads(SAMPLE_TEXT)["messages"][4]
    message["content"][0]["content"][1]["source"]["media_type"] = False
    err = rejected(json.dumps(message), gen.Message)
    assert err.path == "content[0].content[1].source.media_type"
    err = rejected(json.dumps(message["content"][0]), gen.ToolResultBlock)
    assert err.path == "content[1].source.media_type"
    assert err.msg == f"{UNTAGGED}: invalid type: boolean `false`, expected a string"


def test_tool_result_content_list_validation_errors() -> None:
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    result: Any = s.messages[4].content[0]
    assert isinstance(s.messages[4].content[0], ToolResultBlock)
    with pytest.raises(SessionFormatError) as info:
        result.content.append({"type": "tool_use", "id": "a", "name": "b", "input": {}})
    # The block would land at position 2 of the tool result's content.
    assert info.value.path == "content[2].type" and "tool_use" in info.value.msg
    assert info.value.line is None
    with pytest.raises(SessionFormatError) as info:
        result.content[1] = {"type": "image", "source": {"type": "base64", "media_type": "x"}}
    assert "missing field `data`" in info.value.msg
    with pytest.raises(SessionFormatError):
        result.content = [{"type": "text", "text": "ok"}, {"type": "text"}]
    with pytest.raises(TypeError):
        result.content = 5
    assert s.to_json(pretty=True) == SAMPLE_TEXT


def test_tool_result_list_items_from_dicts_are_located() -> None:
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    result: Any = s.messages[4].content[0]
    bad = {"type": "image", "source": {"type": "base64", "media_type": "x", "data": 5}}
    with pytest.raises(SessionFormatError) as info:
        result.content.append(bad)
    assert info.value.path == "content[2].source.data"
    assert info.value.msg == "invalid type: integer `5`, expected a string"
    with pytest.raises(SessionFormatError) as info:
        s.messages[0].content.insert(0, bad)
    assert info.value.path == "content[0].source.data"
    assert s.to_json(pretty=True) == SAMPLE_TEXT


def test_scan_error_rows_have_the_full_path(tmp_path: Path) -> None:
    def bad_data(items: list[Any]) -> None:
        items[1]["source"]["data"] = 5

    (tmp_path / "bad.json").write_text(_sample_with(bad_data), encoding="utf-8")
    rows = a3s_session.scan(tmp_path).errors.collect().to_pylist()
    assert [r["field_path"] for r in rows] == ["messages[4].content[0].content[1].source.data"]
    assert rows[0]["message"] == f"{UNTAGGED}: invalid type: integer `5`, expected a string"


def test_v3_store_load_error_has_the_full_path(tmp_path: Path) -> None:
    def bad_data(items: list[Any]) -> None:
        items[1]["source"]["data"] = 5

    doc = json.loads(_sample_with(bad_data))
    (tmp_path / f"{doc['id']}.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SessionFormatError) as info:
        a3s_session.v3.FileSessionStore(tmp_path).load(doc["id"])
    assert info.value.path == "messages[4].content[0].content[1].source.data"


def test_v9_store_load_error_has_the_full_path(tmp_path: Path) -> None:
    a3s_session.sample_store(tmp_path)
    store = a3s_session.v9.FileSessionStore(tmp_path)
    session = store.load("sess-v9")
    assert session is not None
    files = {
        f: json.loads(f.read_text(encoding="utf-8"))
        for f in (tmp_path / "v1" / "sessions").glob("*.json")
    }
    path, doc = next((f, d) for f, d in files.items() if d["session"]["id"] == "sess-v9")
    doc["session"]["messages"][0]["content"][0]["text"] = 5
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SessionFormatError) as info:
        a3s_session.v9.FileSessionStore(tmp_path).load("sess-v9")
    # The crate's message (it names the file), and the field it could not say.
    assert info.value.path == "session.messages[0].content[0].text"
    assert info.value.msg.startswith("Failed to parse session snapshot: ")
    assert info.value.msg.endswith("invalid type: integer `5`, expected a string")


def test_from_dict_path_inside_a_message() -> None:
    msg = {
        "role": "user",
        "content": [
            {"type": "text", "text": "a"},
            {"type": "tool_result", "tool_use_id": "x", "content": [{"type": "text"}]},
        ],
    }
    with pytest.raises(SessionFormatError) as info:
        Message.from_dict(msg)
    assert info.value.path.startswith("content[1]")
    assert info.value.line is None and info.value.column is None


# ---------------------------------------------------------------------------------------------
# Errors from non-text input, and wrong input types
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"id": 1}, "id"),
        ({"id": "x", "config": {"name": "n"}}, "config"),
        (
            {
                "id": "x",
                "config": {
                    "name": "n",
                    "workspace": "w",
                    "max_context_length": -1,
                    "auto_compact": False,
                },
            },
            "config.max_context_length",
        ),
        ({"id": "x", "state": "Running"}, "state"),
    ],
)
def test_from_dict_errors_have_no_position(data: dict[str, Any], path: str) -> None:
    with pytest.raises(SessionFormatError) as info:
        SessionData.from_dict(data)
    err = info.value
    assert err.line is None and err.column is None
    assert err.path == path and err.msg
    assert " at line " not in str(err)


def test_listview_dict_errors_have_no_position() -> None:
    s: Any = SessionData(id="x")
    with pytest.raises(SessionFormatError) as info:
        s.tasks.append({"id": "1", "content": "c", "status": "done"})
    assert info.value.line is None and info.value.column is None
    assert info.value.path.endswith("status")


def test_listview_dict_errors_name_the_field_and_index() -> None:
    def fresh() -> Any:
        return SessionData(id="x", tasks=[_GOOD_TASK]).tasks

    cases: list[tuple[Any, str]] = [
        (lambda: fresh().append(_BAD_TASK), "tasks[1].status"),
        (lambda: fresh().insert(0, _BAD_TASK), "tasks[0].status"),
        (lambda: fresh().__setitem__(0, _BAD_TASK), "tasks[0].status"),
        (lambda: fresh().extend([_GOOD_TASK, _BAD_TASK]), "tasks[2].status"),
        (lambda: fresh().__iadd__([_GOOD_TASK, _BAD_TASK]), "tasks[2].status"),
        (lambda: fresh().__setitem__(slice(0, 1), [_GOOD_TASK, _BAD_TASK]), "tasks[1].status"),
    ]
    for act, path in cases:
        with pytest.raises(SessionFormatError) as info:
            act()
        assert info.value.path == path


_GOOD_TASK = {"id": "1", "content": "c", "status": "pending"}
_BAD_TASK = {"id": "2", "content": "c", "status": "done"}
_BAD_CONFIG = {"name": "n", "workspace": "w", "max_context_length": -1, "auto_compact": False}


def test_scalar_assignment_errors_name_the_field() -> None:
    s: Any = SessionData(id="x")
    with pytest.raises(SessionFormatError) as info:
        s.state = "Nope"
    assert info.value.path == "state"
    with pytest.raises(SessionFormatError) as info:
        s.config.queue_config = {"laneHandlers": {"Bogus": {}}}
    assert info.value.path.startswith("queue_config")


def test_dict_assignment_errors_name_the_field_and_index() -> None:
    # Regression test: an error inside a dict given for a class-valued or list field had the
    # path inside that dict only ('status', 'max_context_length', ''). It now has the field,
    # the list index and the inner path, the path from_dict reports for the same value.
    def setting(obj: Any, field: str, value: Any) -> Any:
        return lambda: setattr(obj, field, value)

    s: Any = SessionData(id="x")
    before = s.to_json()
    text_1 = [{"type": "text", "text": "a"}, {"type": "text", "text": 1}]
    cases: list[tuple[Any, str, str]] = [
        (
            setting(s, "tasks", [_GOOD_TASK, _BAD_TASK]),
            "tasks[1].status",
            "unknown variant `done`, expected one of `pending`",
        ),
        (
            lambda: SessionData(id="x", tasks=[_GOOD_TASK, _BAD_TASK]),
            "tasks[1].status",
            "unknown variant `done`",
        ),
        (
            setting(s, "config", _BAD_CONFIG),
            "config.max_context_length",
            "invalid value: integer `-1`, expected u32",
        ),
        (
            lambda: SessionData(id="x", config=_BAD_CONFIG),
            "config.max_context_length",
            "invalid value: integer `-1`, expected u32",
        ),
        (
            setting(
                Message(role="user"), "content", [{"type": "text", "text": "a"}, {"type": "?"}]
            ),
            "content[1].type",
            "unknown variant `?`, expected one of `text`, `image`, `tool_use`, `tool_result`",
        ),
        # Inside a block (an internally tagged enum, where serde alone stops at the block),
        # see test_error_inside_tool_result_content_has_the_full_path.
        (
            setting(Message(role="user"), "content", text_1),
            "content[1].text",
            "invalid type: integer `1`, expected a string",
        ),
        (
            lambda: Message(role="user", content=text_1),
            "content[1].text",
            "invalid type: integer `1`, expected a string",
        ),
        (
            setting(s, "messages", [{"role": "user", "content": text_1}]),
            "messages[0].content[1].text",
            "invalid type: integer `1`, expected a string",
        ),
    ]
    for act, path, msg in cases:
        with pytest.raises(SessionFormatError) as info:
            act()
        err = info.value
        assert err.path == path and err.msg.startswith(msg), (path, err)
        assert err.line is None and err.column is None
        assert str(err) == f"{err.msg} (at `{path}`)"
    # The same paths as from_dict gives for the same values.
    assert _from_dict_path(SessionData, {"id": "x", "tasks": [_GOOD_TASK, _BAD_TASK]}) == (
        "tasks[1].status"
    )
    assert _from_dict_path(SessionData, {"id": "x", "config": _BAD_CONFIG}) == (
        "config.max_context_length"
    )
    assert _from_dict_path(Message, {"role": "user", "content": text_1}) == "content[1].text"
    assert s.to_json() == before  # nothing was assigned


def _from_dict_path(cls: Any, data: dict[str, Any]) -> str:
    with pytest.raises(SessionFormatError) as info:
        cls.from_dict(data)
    return info.value.path


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "data",
    [None, 1, 1.5, ["{}"], {"id": "x"}, memoryview(b"{}"), Path("x.json")],
    ids=["None", "int", "float", "list", "dict", "memoryview", "path"],
)
def test_from_json_wants_str_or_bytes(cls: type, data: Any) -> None:
    with pytest.raises(TypeError, match="str, bytes or bytearray"):
        cls.from_json(data)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_from_json_errors_for_every_class(cls: type) -> None:
    err = rejected('{"surely": "not valid", ', cls)
    assert err.line == 1 and isinstance(err.column, int) and err.msg
    err = rejected("[1, 2, 3]" if cls is not Task else "7", cls)
    assert err.msg


@pytest.mark.parametrize(
    ("cls", "doc", "path", "line", "column"),
    [
        (TextBlock, '{"type":"text","text":1}', "text", 1, 23),
        (TextBlock, b'{"type":"text","text":1}\n\n', "text", 1, 23),
        (TextBlock, bytearray(b' {"type":"text",\n"text":1}  '), "text", 2, 8),
        (ToolUseBlock, '{"type":"tool_use","id":"i","name":"n"}', "", 1, 39),
        (
            ImageBlock,
            '{"type":"image","source":{"type":"base64","media_type":"x","data":5}}',
            "source.data",
            1,
            67,
        ),
        (
            ToolResultBlock,
            '{"type":"tool_result","tool_use_id":"x","content":[{"type":"text"}]}',
            "content[0]",
            1,
            66,
        ),
    ],
    ids=["str", "bytes_trailing_ws", "multiline", "missing_field", "nested", "untagged"],
)
def test_block_errors_from_text_have_a_position(
    cls: type, doc: str | bytes, path: str, line: int, column: int
) -> None:
    # The error comes from the buffered (internally tagged) content, where serde_json has no
    # position. A field's error points at its value, as serde_json does outside enums; the
    # block's own error (a missing field) at the end of the block, trailing blanks not counted.
    err = rejected(doc, cls)
    assert (err.path, err.line, err.column) == (path, line, column)
    assert f"at line {line} column {column}" in str(err)


def test_wrong_block_kind_is_a_format_error() -> None:
    err = rejected('{"type":"text","text":"a"}', ToolUseBlock)
    assert "tool_use" in err.msg and "text" in err.msg
    with pytest.raises(SessionFormatError):
        ImageBlock.from_dict({"type": "text", "text": "a"})


def test_wrong_block_kind_from_text_has_a_position() -> None:
    doc = '{"type":"tool_use","id":"i","name":"n","input":{}}'
    err = rejected(doc, TextBlock)
    assert (err.line, err.column) == (1, len(doc))


# ---------------------------------------------------------------------------------------------
# Folding bad in-place edits back into the crate value
# ---------------------------------------------------------------------------------------------


class Opaque:
    pass


# In-place edits of free-form JSON (ToolUseBlock.input) are folded back at to_json() by the same
# strict reader as from_dict: only what json.dumps would write as JSON is accepted.
# (value, message, where the error is, relative to the edited key)
BAD_INPUT_VALUES = [
    pytest.param(object(), "invalid type: object is not a JSON value", "", id="object"),
    pytest.param(Opaque(), "invalid type: Opaque is not a JSON value", "", id="custom_class"),
    pytest.param(b"raw", "invalid type: bytes is not a JSON value", "", id="bytes"),
    pytest.param(bytearray(b"raw"), "bytearray is not a JSON value", "", id="bytearray"),
    pytest.param(1 + 2j, "invalid type: complex is not a JSON value", "", id="complex"),
    pytest.param({1: "int key"}, "key must be a string, got int", "", id="non_str_key"),
    pytest.param({"a": {(1, 2): 1}}, "key must be a string, got tuple", ".a", id="tuple_key"),
    pytest.param({3}, "invalid type: set is not a JSON value", "", id="set"),
    pytest.param(frozenset({7}), "frozenset is not a JSON value", "", id="frozenset"),
    pytest.param([1, {2}], "invalid type: set is not a JSON value", "[1]", id="nested_set"),
    pytest.param(float("nan"), "floating point `NaN`, JSON has no NaN or Infinity", "", id="nan"),
    pytest.param(float("inf"), "floating point `inf`, JSON has no NaN", "", id="inf"),
    pytest.param({"x": [float("-inf")]}, "floating point `-inf`", ".x[0]", id="nested_-inf"),
    pytest.param(
        10**400,
        "invalid type: integer beyond the range of a float, expected any valid JSON value",
        "",
        id="int_beyond_f64",
    ),
    pytest.param("\ud800", "lone surrogate", "", id="lone_surrogate"),
]


def _fold_operations_at(s: Any) -> list[tuple[Any, str]]:
    """Operations that fold the edited views back, with the path prefix their errors carry."""
    at_session = "messages[1].content[1]."
    return [
        (lambda: s.to_json(), at_session),
        (lambda: s.to_json(pretty=True), at_session),
        (lambda: s.to_dict(), at_session),
        (lambda: s == SessionData.from_json(SAMPLE_TEXT), at_session),
        (lambda: SessionData.from_json(SAMPLE_TEXT) != s, at_session),
        (lambda: copy.copy(s), at_session),
        (lambda: copy.deepcopy(s), at_session),
        (lambda: pickle.dumps(s), at_session),
        (lambda: s.messages[1].to_json(), "content[1]."),
        (lambda: s.messages[1].to_dict(), "content[1]."),
        (lambda: s.messages[1].content[1].to_json(), ""),
    ]


def _fold_operations(s: Any) -> list[Any]:
    return [op for op, _ in _fold_operations_at(s)]


@pytest.mark.parametrize(("bad", "msg", "where"), BAD_INPUT_VALUES)
def test_bad_in_place_edit_raises_a_clear_error(bad: Any, msg: str, where: str) -> None:
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    inp = s.messages[1].content[1].input
    inp["bad"] = bad
    for op, prefix in _fold_operations_at(s):
        with pytest.raises(SessionFormatError) as info:
            op()
        err = info.value
        assert isinstance(err, ValueError)
        assert msg in err.msg
        assert err.line is None and err.column is None
        assert err.path == f"{prefix}input.bad{where}"
        assert str(err) == f"{err.msg} (at `{err.path}`)"
    # Nothing was corrupted: undo the edit and the session writes exactly what it read.
    del inp["bad"]
    assert s.to_json(pretty=True) == SAMPLE_TEXT


def test_self_referencing_input_is_a_recursion_error() -> None:
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    inp = s.messages[1].content[1].input
    inp["me"] = inp
    for op, prefix in _fold_operations_at(s):
        with pytest.raises(SessionFormatError, match="recursion limit") as info:
            op()
        assert info.value.path.startswith(f"{prefix}input.me.me.me")
    del inp["me"]
    assert s.to_json(pretty=True) == SAMPLE_TEXT


def test_too_deep_input_is_a_recursion_error() -> None:
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    deep: list[Any] = []
    cur = deep
    for _ in range(200):
        cur.append([])
        cur = cur[0]
    s.messages[1].content[1].input["deep"] = deep
    with pytest.raises(SessionFormatError, match="recursion limit") as info:
        s.to_json()
    assert info.value.path.startswith("messages[1].content[1].input.deep[0][0]")


def test_fold_error_path_names_the_fields() -> None:
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    s.messages[1].content[1].input["flags"]["bad"] = object()
    with pytest.raises(SessionFormatError) as info:
        s.to_json()
    assert info.value.path == "messages[1].content[1].input.flags.bad"
    block = s.messages[1].content[1]
    with pytest.raises(SessionFormatError) as info:
        block.to_json()
    assert info.value.path == "input.flags.bad"


def test_fold_error_path_has_the_list_indices() -> None:
    # Regression test: the path used to drop the list indices (`messages.content.input.bad`)
    # and str(e) said only `(at `bad`)`.
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    s.messages[4].content[0].content[1].source.data = "ok"  # a lifted view two lists deep
    s.messages[1].content[1].input["bad"] = object()
    with pytest.raises(SessionFormatError) as info:
        s.to_json()
    assert info.value.path == "messages[1].content[1].input.bad"
    assert str(info.value).endswith("(at `messages[1].content[1].input.bad`)")
    assert info.value.line is None and info.value.column is None
    # Deeper: an edit inside a list inside the input.
    del s.messages[1].content[1].input["bad"]
    s.messages[1].content[1].input["list"] = [0, [1, 2, {"k": object()}]]
    with pytest.raises(SessionFormatError) as info:
        s.to_dict()
    assert info.value.path == "messages[1].content[1].input.list[1][2].k"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ((1, "two"), [1, "two"]),
        ([(), ((),)], [[], [[]]]),
        (2**64 - 1, 2**64 - 1),
        (-(2**63), -(2**63)),
        (2**64, 1.8446744073709552e19),
        (2**70, 1.1805916207174113e21),
        (-(2**63) - 1, -9.223372036854776e18),
        (True, True),
        (1e308, 1e308),
    ],
    ids=[
        "tuple",
        "nested_tuples",
        "u64_max",
        "i64_min",
        "u64_max+1",
        "2**70",
        "i64_min-1",
        "bool",
        "big_float",
    ],
)
def test_python_values_fold_as_their_json(oracle: Oracle, value: Any, written: Any) -> None:
    # Tuples are read as lists; ints beyond 64 bits as floats, exactly as serde_json reads
    # the same number in JSON text (the crate writes it back as a float).
    block = ToolUseBlock(id="i", name="n", input={"v": value})
    text = block.to_json()
    got = json.loads(text)["input"]["v"]
    assert got == written and type(got) is type(written)
    doc = {"type": "tool_use", "id": "i", "name": "n", "input": {"v": value}}
    assert oracle.accept("ContentBlock", json.dumps(doc))["compact"] == text
    # The same in place, inside a session.
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    s.messages[1].content[1].input["v"] = value
    assert s.to_dict()["messages"][1]["content"][1]["input"]["v"] == written


_BAD_INPUT_ASSIGNMENTS = [
    ({"a": object()}, "input.a", "object is not a JSON value"),
    ({"a": b"x"}, "input.a", "bytes is not a JSON value"),
    ({1: 2}, "input", "key must be a string, got int"),
    ({3}, "input", "set is not a JSON value"),
    ([1, (2, {5})], "input[1][1]", "set is not a JSON value"),
    (float("nan"), "input", "JSON has no NaN or Infinity"),
    ({"a": [float("inf")]}, "input.a[0]", "JSON has no NaN or Infinity"),
    (10**400, "input", "integer beyond the range of a float, expected any valid JSON value"),
    ({"a": {"b": [1, {"c": object()}]}}, "input.a.b[1].c", "object is not a JSON value"),
    ("\udc80", "input", "lone surrogate"),
]


def test_bad_input_assignment_raises_at_assignment() -> None:
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    block = s.messages[1].content[1]
    old = block.input
    for bad, path, msg in _BAD_INPUT_ASSIGNMENTS:
        with pytest.raises(SessionFormatError) as info:
            block.input = bad
        assert info.value.path.endswith(path)
        assert msg in info.value.msg
        assert block.input is old
        with pytest.raises(SessionFormatError) as info:
            make: Any = ToolUseBlock
            make(id="i", name="n", input=bad)
        assert info.value.path.endswith(path)
        assert msg in info.value.msg
        # from_dict, and assigning the block inside a list, give exactly the path.
        doc = {"type": "tool_use", "id": "i", "name": "n", "input": bad}
        assert _from_dict_path(ToolUseBlock, doc) == path
        with pytest.raises(SessionFormatError) as info:
            Message(role="user").content = [doc]
        assert info.value.path == f"content[0].{path}"
    assert s.to_json(pretty=True) == SAMPLE_TEXT
    # A big int is a JSON number: accepted, and written as serde_json reads it (a float).
    block.input = 2**70
    assert json.loads(s.to_json())["messages"][1]["content"][1]["input"] == 1.1805916207174113e21


def test_input_assignment_error_names_the_field_once() -> None:
    for bad, path, _ in _BAD_INPUT_ASSIGNMENTS:
        block: Any = ToolUseBlock(id="i", name="n")
        with pytest.raises(SessionFormatError) as info:
            block.input = bad
        assert info.value.path == path
        assert str(info.value) == f"{info.value.msg} (at `{path}`)"
        with pytest.raises(SessionFormatError) as info:
            make: Any = ToolUseBlock
            make(id="i", name="n", input=bad)
        assert info.value.path == path


def test_error_class_has_defaults_for_its_attributes() -> None:
    # A SessionFormatError raised from Python (or a subclass) still has every attribute.
    assert SessionFormatError.msg == "" and SessionFormatError.path == ""
    assert SessionFormatError.line is None and SessionFormatError.column is None
    for err in (
        SessionFormatError("boom"),
        SessionFormatError(),
        type("Sub", (SessionFormatError,), {})("x"),
    ):
        assert err.msg == "" and err.path == ""
        assert err.line is None and err.column is None
        assert isinstance(err, ValueError)
    assert str(SessionFormatError("boom")) == "boom"


@pytest.mark.parametrize(
    "make",
    [
        lambda: SessionData.from_dict({"id": 1}),
        lambda: SessionData.from_json('{"id": "x", "config": 5}'),
        lambda: SessionData.from_json("{"),
    ],
    ids=["from_dict", "from_json", "syntax"],
)
def test_errors_copy_and_pickle_with_their_attributes(make: Any) -> None:
    with pytest.raises(SessionFormatError) as info:
        make()
    err = info.value
    for c in (copy.copy(err), copy.deepcopy(err), pickle.loads(pickle.dumps(err))):
        assert type(c) is SessionFormatError
        assert (c.msg, c.line, c.column, c.path, str(c)) == (
            err.msg,
            err.line,
            err.column,
            err.path,
            str(err),
        )


def test_errors_are_never_base_exceptions_only() -> None:
    # Whatever goes wrong, it is an Exception (a PanicException would not be).
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    s.messages[1].content[1].input["x"] = [object()]
    problems: list[BaseException] = []
    for op in _fold_operations(s):
        try:
            op()
        except Exception as e:  # noqa: BLE001 - collecting on purpose
            problems.append(e)
    assert len(problems) == len(_fold_operations(s))
    assert all(isinstance(p, SessionFormatError) for p in problems)
