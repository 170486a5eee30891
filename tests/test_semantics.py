"""Python-side semantics of the binding: identity, live views, validation on the way in,
constructor defaults (the crate's), f32 behaviour, value survival, assignment errors, enums,
equality, copying, pickling and repr.

Crate facts used here (a3s-code-core 3.0.0):
* ``SessionConfig::default()``: name "", workspace "", system_prompt None, max_context_length 0,
  auto_compact false, auto_compact_threshold DEFAULT_AUTO_COMPACT_THRESHOLD (0.80f32),
  storage_type StorageBackend::File (``#[default]``), planning_mode PlanningMode::Auto
  (``#[default]``), goal_tracking false (store/session_data.rs).
* ``ContextUsage::default()`` has max_tokens 200_000; ``TokenUsage`` derives Default.
* ``Task::new`` gives status Pending, priority Medium; ``TaskStatus`` is
  ``rename_all = "snake_case"``.
* ``SessionData.tasks`` is ``#[serde(default, alias = "todos")]``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import re
from pathlib import Path
from typing import Any

import pytest

import a3s_session
from a3s_session import SessionFormatError, v3
from a3s_session.v3 import (
    ContextUsage,
    ImageBlock,
    ImageSource,
    ListView,
    LlmConfigData,
    LlmCostRecord,
    Message,
    PlanningMode,
    SessionConfig,
    SessionData,
    SessionState,
    StorageBackend,
    Task,
    TaskPriority,
    TaskStatus,
    TextBlock,
    TokenUsage,
    ToolResultBlock,
    ToolUseBlock,
)

SAMPLE_TEXT = (Path(a3s_session.__file__).parent / "data" / "sample_session.json").read_text(
    encoding="utf-8"
)


@pytest.fixture
def s() -> Any:
    return SessionData.from_json(SAMPLE_TEXT)


def out(obj: Any) -> Any:
    """What the crate writes for obj, parsed."""
    return json.loads(obj.to_json())


# One instance of every class, built with only its required keywords.
MINIMAL: dict[type, dict[str, Any]] = {
    SessionData: {"id": "x"},
    SessionConfig: {},
    ContextUsage: {},
    LlmConfigData: {"provider": "p", "model": "m"},
    TokenUsage: {},
    Message: {"role": "user"},
    TextBlock: {"text": "t"},
    ImageBlock: {"source": ImageSource(media_type="image/png", data="AA==")},
    ToolUseBlock: {"id": "i", "name": "n"},
    ToolResultBlock: {"tool_use_id": "i"},
    ImageSource: {"media_type": "image/png", "data": "AA=="},
    Task: {"id": "1", "content": "c"},
    LlmCostRecord: {"model": "m", "provider": "p"},
}
ALL_CLASSES = list(MINIMAL)


# ---------------------------------------------------------------------------------------------
# Identity and live views
# ---------------------------------------------------------------------------------------------


def test_views_are_identical_on_every_read(s: Any) -> None:
    assert s.messages is s.messages
    assert s.config is s.config
    assert s.context_usage is s.context_usage
    assert s.total_usage is s.total_usage
    assert s.llm_config is s.llm_config
    assert s.tool_names is s.tool_names
    assert s.tasks is s.tasks
    assert s.cost_records is s.cost_records
    assert s.messages[0] is s.messages[0]
    assert s.messages[0].content is s.messages[0].content
    block = s.messages[1].content[1]
    assert isinstance(block, ToolUseBlock)
    assert block.input is block.input
    result = s.messages[4].content[0]
    assert isinstance(result, ToolResultBlock)
    assert result.content is result.content
    image = result.content[1]
    assert isinstance(image, ImageBlock)
    assert image.source is image.source
    assert s.tasks[1].dependencies is s.tasks[1].dependencies
    for lv in (
        s.messages,
        s.tool_names,
        s.tasks,
        s.cost_records,
        s.messages[0].content,
        result.content,
        s.tasks[1].dependencies,
    ):
        assert isinstance(lv, ListView)


def test_mutations_are_seen_by_to_json(s: Any) -> None:
    s.messages.append(Message(role="user", content=[TextBlock(text="thanks")]))
    s.config.name = "x"
    s.messages[0].content[0].text = "y"
    s.context_usage.turns = 4
    s.total_usage.cache_write_tokens = 7
    s.messages[4].content[0].content[1].source.media_type = "image/gif"
    s.messages[4].content[0].content[1].source.type = "url"
    s.tasks[0].status = TaskStatus.FAILED
    s.tasks[1].dependencies.append("3")
    s.cost_records[1].cost_usd = 0.5
    d = out(s)
    assert d["messages"][-1] == {"role": "user", "content": [{"type": "text", "text": "thanks"}]}
    assert d["config"]["name"] == "x"
    assert d["messages"][0]["content"][0]["text"] == "y"
    assert d["context_usage"]["turns"] == 4
    assert d["total_usage"]["cache_write_tokens"] == 7
    assert d["messages"][4]["content"][0]["content"][1]["source"]["media_type"] == "image/gif"
    assert d["messages"][4]["content"][0]["content"][1]["source"]["type"] == "url"
    assert d["tasks"][0]["status"] == "failed"
    assert d["tasks"][1]["dependencies"] == ["1", "3"]
    assert d["cost_records"][1]["cost_usd"] == 0.5
    assert s.to_dict() == d


def test_tool_use_input_is_edited_in_place(s: Any) -> None:
    block = s.messages[1].content[1]
    inp = block.input
    assert isinstance(inp, dict)
    inp["flags"]["max"] = 99
    inp["new"] = [1, {"b": None}]
    del inp["path"]
    d = out(s)["messages"][1]["content"][1]["input"]
    assert d == {
        "flags": {"ignore_case": False, "max": 99},
        "new": [1, {"b": None}],
        "pattern": "fn parse_number",
    }
    # Keys come out sorted (serde_json's Map without preserve_order).
    text = s.messages[1].content[1].to_json()
    assert text.index('"flags"') < text.index('"new"') < text.index('"pattern"')
    # Replacing the whole value works too, and the new object is the live one.
    new: dict[str, Any] = {"z": 1}
    block.input = new
    assert block.input is new
    new["a"] = 2
    assert out(block)["input"] == {"a": 2, "z": 1}
    block.input = "plain string"
    assert out(block)["input"] == "plain string"


def test_listview_operations(s: Any) -> None:
    names = s.tool_names
    assert list(names) == ["read", "write", "edit", "bash", "grep", "glob"]
    assert len(names) == 6 and "grep" in names and names[-1] == "glob"
    assert names.index("edit") == 2 and names.count("bash") == 1
    del names[0]
    names.insert(0, "first")
    assert names.pop() == "glob"
    names[1:3] = ["A", "B", "C"]
    names.extend(["x"])
    names += ["y"]
    assert s.tool_names is names
    assert out(s)["tool_names"] == ["first", "A", "B", "C", "bash", "grep", "x", "y"]
    names.sort()
    assert out(s)["tool_names"] == sorted(["first", "A", "B", "C", "bash", "grep", "x", "y"])
    names.reverse()
    assert out(s)["tool_names"] == ["y", "x", "grep", "first", "bash", "C", "B", "A"]
    names.remove("A")
    assert "A" not in out(s)["tool_names"]
    assert names == list(names) and isinstance(names.copy(), list)
    names.clear()
    assert out(s)["tool_names"] == []


def test_listview_of_objects(s: Any) -> None:
    msgs = s.messages
    first = msgs[0]
    msgs.reverse()
    assert msgs[-1] is first
    msgs.sort(key=lambda m: m.role)
    assert [m["role"] for m in out(s)["messages"]] == ["assistant"] * 3 + ["user"] * 3
    popped = msgs.pop(0)
    assert isinstance(popped, Message)
    msgs.insert(0, {"role": "system", "content": [{"type": "text", "text": "sys"}]})
    assert isinstance(msgs[0], Message)
    assert out(s)["messages"][0] == {"role": "system", "content": [{"type": "text", "text": "sys"}]}
    msgs[1:] = []
    assert len(out(s)["messages"]) == 1
    # Reversed iteration and slicing read the live items.
    assert next(reversed(msgs)) is msgs[-1]
    assert msgs[:1][0] is msgs[0]


def test_listview_items_are_shared_not_copied(s: Any) -> None:
    tb = TextBlock(text="shared")
    s.messages[0].content.append(tb)
    assert s.messages[0].content[-1] is tb
    tb.text = "mutated later"
    assert out(s)["messages"][0]["content"][-1] == {"type": "text", "text": "mutated later"}


def test_listview_rejects_wrong_items(s: Any) -> None:
    before = s.to_json()
    with pytest.raises(TypeError):
        s.messages.append("hello")
    with pytest.raises(TypeError):
        s.messages.append(TextBlock(text="a block is not a message"))
    with pytest.raises(TypeError):
        s.messages[0].content.append(Message(role="user"))
    with pytest.raises(TypeError):
        s.tool_names.append(1)
    with pytest.raises(TypeError):
        s.tool_names[0] = None
    with pytest.raises(TypeError):
        s.tool_names[0:1] = [1]
    with pytest.raises(TypeError):
        s.tasks.insert(0, 5)
    with pytest.raises(TypeError):
        s.cost_records.append(s.tasks[0])
    # A tool_result holds only text and image blocks.
    result = s.messages[4].content[0]
    with pytest.raises(TypeError):
        result.content.append(ToolUseBlock(id="a", name="b"))
    with pytest.raises(SessionFormatError):
        result.content.append({"type": "tool_use", "id": "a", "name": "b", "input": {}})
    # A malformed dict is refused through the crate's Deserialize.
    with pytest.raises(SessionFormatError):
        s.messages.append({"role": "user"})
    with pytest.raises(SessionFormatError):
        s.tasks.append({"id": "9", "content": "c", "status": "done"})
    assert s.to_json() == before


def test_failed_extend_leaves_the_list_unchanged(s: Any) -> None:
    before = list(s.tool_names)
    with pytest.raises(TypeError):
        s.tool_names.extend(["ok", "also ok", 3])
    assert list(s.tool_names) == before
    n = len(s.messages)
    with pytest.raises((TypeError, ValueError)):
        s.messages.extend([{"role": "user", "content": []}, {"role": 5}])
    assert len(s.messages) == n
    with pytest.raises(TypeError):
        s.messages += [Message(role="user"), "nope"]
    assert len(s.messages) == n
    assert s.to_json(pretty=True) == SAMPLE_TEXT


def test_listview_accepts_dicts(s: Any) -> None:
    s.messages.append({"role": "user", "content": [{"type": "text", "text": "hi"}]})
    m = s.messages[-1]
    assert isinstance(m, Message) and isinstance(m.content[0], TextBlock)
    s.messages[0].content[0] = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "AA=="},
    }
    assert isinstance(s.messages[0].content[0], ImageBlock)
    s.tasks.append({"id": "4", "content": "four", "status": "pending"})
    assert isinstance(s.tasks[-1], Task) and s.tasks[-1].priority == TaskPriority.MEDIUM
    s.cost_records.append(
        {
            "model": "m",
            "provider": "p",
            "prompt_tokens": 1,
            "completion_tokens": 2,
            "total_tokens": 3,
            "cost_usd": None,
            "timestamp": "2025-01-01T00:00:00Z",
            "session_id": None,
        }
    )
    assert isinstance(s.cost_records[-1], LlmCostRecord)
    s.messages[4].content[0].content.append({"type": "text", "text": "more"})
    d = out(s)
    assert d["messages"][4]["content"][0]["content"][-1] == {"type": "text", "text": "more"}
    assert d["tasks"][-1] == {
        "id": "4",
        "content": "four",
        "status": "pending",
        "priority": "medium",
    }


def test_container_fields_accept_lists_on_assignment(s: Any) -> None:
    s.tool_names = ("a", "b")
    assert isinstance(s.tool_names, ListView) and list(s.tool_names) == ["a", "b"]
    s.messages = [{"role": "user", "content": []}]
    assert out(s)["messages"] == [{"role": "user", "content": []}]
    with pytest.raises(TypeError):
        s.messages = "not a list"
    with pytest.raises(TypeError):
        s.tool_names = "abc"
    with pytest.raises(TypeError):
        s.config = 5
    result: Any = s.messages[0]
    result.content = [ToolResultBlock(tool_use_id="t", content="plain")]
    block: Any = result.content[0]
    block.content = [TextBlock(text="a"), {"type": "text", "text": "b"}]
    assert out(block)["content"] == [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
    block.content = "back to text"
    assert out(block)["content"] == "back to text"


# ---------------------------------------------------------------------------------------------
# Constructors
# ---------------------------------------------------------------------------------------------


def test_session_config_default_is_the_crate_default() -> None:
    assert json.loads(SessionConfig().to_json()) == {
        "name": "",
        "workspace": "",
        "system_prompt": None,
        "max_context_length": 0,
        "auto_compact": False,
        "auto_compact_threshold": 0.8,
        "storage_type": "file",
        "planning_mode": "Auto",
        "goal_tracking": False,
    }
    # Field order is the struct's declaration order; optional policies are omitted.
    assert SessionConfig().to_json() == (
        '{"name":"","workspace":"","system_prompt":null,"max_context_length":0,'
        '"auto_compact":false,"auto_compact_threshold":0.8,"storage_type":"file",'
        '"planning_mode":"Auto","goal_tracking":false}'
    )
    c = SessionConfig()
    assert c.storage_type is StorageBackend.FILE and c.planning_mode is PlanningMode.AUTO
    assert c.auto_compact_threshold == v3.DEFAULT_AUTO_COMPACT_THRESHOLD
    assert c.queue_config is None and c.confirmation_policy is None
    assert c.permission_policy is None and c.security_config is None and c.parent_id is None


def test_other_defaults() -> None:
    assert ContextUsage().to_json() == (
        '{"used_tokens":0,"max_tokens":200000,"percent":0.0,"turns":0}'
    )
    assert TokenUsage().to_json() == (
        '{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0,'
        '"cache_read_tokens":null,"cache_write_tokens":null}'
    )
    assert Task(id="1", content="c").to_json() == (
        '{"id":"1","content":"c","status":"pending","priority":"medium"}'
    )
    assert Message(role="user").to_json() == '{"role":"user","content":[]}'
    assert ToolUseBlock(id="i", name="n").to_json() == (
        '{"type":"tool_use","id":"i","name":"n","input":null}'
    )
    assert ToolResultBlock(tool_use_id="i").to_json() == (
        '{"type":"tool_result","tool_use_id":"i","content":"","is_error":null}'
    )
    assert ImageSource(media_type="a", data="b").to_json() == (
        '{"type":"base64","media_type":"a","data":"b"}'
    )
    assert LlmConfigData(provider="p", model="m").to_json() == (
        '{"provider":"p","model":"m","base_url":null}'
    )
    rec = out(LlmCostRecord(model="m", provider="p"))
    assert rec["cost_usd"] is None and rec["session_id"] is None and rec["total_tokens"] == 0
    # Stamped now, in chrono's RFC 3339 form (UTC, "Z", nanoseconds when present).
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z", rec["timestamp"])
    assert int(rec["timestamp"][:4]) >= 2025


def test_session_data_constructor() -> None:
    before = int(dt.datetime.now(dt.timezone.utc).timestamp())
    s: Any = SessionData(
        id="new",
        messages=[{"role": "user", "content": []}],
        state=SessionState.ACTIVE,
        config={"name": "n", "workspace": "w", "max_context_length": 1, "auto_compact": True},
    )
    after = int(dt.datetime.now(dt.timezone.utc).timestamp())
    d = out(s)
    assert d["id"] == "new" and d["state"] == "Active" and d["config"]["name"] == "n"
    assert len(d["messages"]) == 1
    assert before <= d["created_at"] <= after + 1 and d["updated_at"] == d["created_at"]
    assert d["context_usage"] == json.loads(ContextUsage().to_json())
    assert d["thinking_budget"] is None and "llm_config" not in d and d["tasks"] == []
    # What it writes, the crate reads back.
    assert SessionData.from_json(s.to_json()) == s


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_required_and_unknown_keywords(cls: type) -> None:
    required = MINIMAL[cls]
    obj = cls(**required)
    assert cls.from_json(obj.to_json()) == obj
    for missing in required:
        kwargs = {k: v for k, v in required.items() if k != missing}
        with pytest.raises(TypeError, match=missing):
            cls(**kwargs)
    with pytest.raises(TypeError, match="bogus"):
        cls(**required, bogus=1)
    with pytest.raises(TypeError):
        cls("positional")


# ---------------------------------------------------------------------------------------------
# f32 and exact value survival
# ---------------------------------------------------------------------------------------------


def test_f32_percent() -> None:
    cu = ContextUsage()
    cu.percent = 1 / 3
    text = cu.to_json()
    assert '"percent":0.33333334' in text
    assert cu.percent == json.loads(text)["percent"] == 0.33333334
    cu.percent = 0.1
    assert '"percent":0.1,' in cu.to_json() and cu.percent == 0.1
    cu.percent = 1
    assert '"percent":1.0,' in cu.to_json() and cu.percent == 1.0


def test_f32_auto_compact_threshold(s: Any) -> None:
    s.config.auto_compact_threshold = 1 / 3
    d = out(s)
    assert '"auto_compact_threshold":0.33333334' in s.to_json()
    assert s.config.auto_compact_threshold == d["config"]["auto_compact_threshold"]
    # The sample's 0.85 reads back as 0.85 (the f32's shortest decimal), not 0.8500000238...
    assert SessionData.from_json(SAMPLE_TEXT).config.auto_compact_threshold == 0.85
    assert SessionData.from_json(SAMPLE_TEXT).context_usage.percent == 9.117


EXACT_INPUT = {
    "big": 18446744073709551615,
    "min": -9223372036854775808,
    "tiny": 5e-324,
    "huge": 1e21,
    "small": 1.5e-7,
    "neg_zero": -0.0,
    "text": '日本語 🎉 \u2028 \x7f "quoted" \\ /',
    "nested": [[], {}, [None, True, False]],
}


def _exact_doc() -> str:
    doc = json.loads(SAMPLE_TEXT)
    doc["messages"][3]["content"][0]["input"] = EXACT_INPUT
    doc["cost_records"][0]["timestamp"] = "2025-11-25T06:15:02.123456789Z"
    doc["context_usage"]["used_tokens"] = 2**64 - 1
    doc["created_at"] = 2**63 - 1
    doc["id"] = "sess-\u00fc\U0001f600"
    return json.dumps(doc, ensure_ascii=False)


@pytest.mark.parametrize("touch", [False, True], ids=["untouched", "views_lifted"])
def test_values_survive_bit_for_bit(touch: bool) -> None:
    canonical = SessionData.from_json(_exact_doc()).to_json()
    s: Any = SessionData.from_json(canonical)
    if touch:
        # Lift every view into Python objects, and edit something unrelated.
        _ = [m.content for m in s.messages]
        _ = s.messages[3].content[0].input
        _ = [r.timestamp for r in s.cost_records]
        _ = s.context_usage.used_tokens, s.config, s.tasks, s.tool_names, s.llm_config
        s.config.name = s.config.name
    assert s.to_json() == canonical
    d = json.loads(canonical)
    inp = d["messages"][3]["content"][0]["input"]
    assert inp == EXACT_INPUT
    assert str(inp["neg_zero"]) == "-0.0"
    assert "18446744073709551615" in canonical and "-9223372036854775808" in canonical
    assert "5e-324" in canonical
    assert '"timestamp":"2025-11-25T06:15:02.123456789Z"' in canonical
    assert '"used_tokens":18446744073709551615' in canonical
    assert '"created_at":9223372036854775807' in canonical
    # serde_json writes non-ASCII raw, no \\u escapes (except what JSON requires).
    assert "日本語 🎉" in canonical and "sess-ü😀" in canonical
    if touch:
        assert s.messages[3].content[0].input == EXACT_INPUT
        assert s.cost_records[0].timestamp == "2025-11-25T06:15:02.123456789Z"
        assert s.context_usage.used_tokens == 2**64 - 1


def test_sample_round_trips_byte_for_byte() -> None:
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    assert s.to_json(pretty=True) == SAMPLE_TEXT
    _ = [m.content for m in s.messages], s.config, s.tasks
    assert s.to_json(pretty=True) == SAMPLE_TEXT


# ---------------------------------------------------------------------------------------------
# Assignment errors
# ---------------------------------------------------------------------------------------------


def test_u32_out_of_range() -> None:
    c = SessionConfig()
    for bad in (-1, 2**32, 2**64, 2**70):
        with pytest.raises(OverflowError, match="^max_context_length: "):
            c.max_context_length = bad
    assert c.max_context_length == 0
    c.max_context_length = 2**32 - 1
    assert out(c)["max_context_length"] == 2**32 - 1


def test_usize_and_i64_out_of_range(s: Any) -> None:
    before = s.to_json()
    for bad in (-1, 2**64, -(2**64)):
        with pytest.raises(OverflowError, match="^used_tokens: "):
            s.context_usage.used_tokens = bad
    for bad in (2**63, -(2**63) - 1, 2**70):
        with pytest.raises(OverflowError, match="^created_at: "):
            s.created_at = bad
    for bad in (-1, 2**64):
        with pytest.raises(OverflowError, match="^thinking_budget: "):
            s.thinking_budget = bad  # Option<usize>
    assert s.to_json() == before
    s.created_at = -(2**63)
    assert out(s)["created_at"] == -(2**63)


@pytest.mark.parametrize(
    ("obj", "field", "value"),
    [
        (lambda: SessionConfig(), "max_context_length", "5"),
        (lambda: ContextUsage(), "used_tokens", "3"),
        (lambda: ContextUsage(), "turns", 1.5),
        (lambda: SessionData(id="x"), "created_at", "1764050000"),
        (lambda: SessionData(id="x"), "thinking_budget", 2.0),
        (lambda: ContextUsage(), "percent", "0.5"),
        (lambda: SessionConfig(), "name", 5),
        (lambda: SessionConfig(), "system_prompt", b"bytes"),
        (lambda: TextBlock(text="t"), "text", ["list"]),
    ],
    ids=[
        "u32_str",
        "usize_str",
        "usize_float",
        "i64_str",
        "opt_usize_float",
        "f32_str",
        "str_int",
        "optstr_bytes",
        "str_list",
    ],
)
def test_wrong_python_type_is_type_error(obj: Any, field: str, value: Any) -> None:
    target = obj()
    before = target.to_json()
    with pytest.raises(TypeError):
        setattr(target, field, value)
    assert target.to_json() == before


@pytest.mark.parametrize(
    ("factory", "field", "rust"),
    [
        (ContextUsage, "used_tokens", "usize"),
        (SessionConfig, "max_context_length", "u32"),
        (lambda: SessionData(id="x"), "created_at", "i64"),
        (lambda: SessionData(id="x"), "thinking_budget", "usize"),
        (TokenUsage, "cache_read_tokens", "usize"),
        (lambda: SessionData(id="x"), "total_cost", "f64"),
        (ContextUsage, "percent", "f32"),
    ],
    ids=["usize", "u32", "i64", "opt_usize", "opt_usize_token", "f64", "f32"],
)
@pytest.mark.parametrize("value", [True, False])
def test_bool_into_number_field_is_type_error(
    factory: Any, field: str, rust: str, value: bool
) -> None:
    # Regression test: True was read as 1 (bool is an int subclass); the crate rejects JSON
    # true/false for numbers, and so does the binding now.
    obj = factory()
    before = obj.to_json()
    with pytest.raises(TypeError) as info:
        setattr(obj, field, value)
    assert str(info.value) == (
        f"{field}: invalid type: boolean `{str(value).lower()}`, expected {rust}"
    )
    assert obj.to_json() == before


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("false", 'string "false"'),
        (0, "integer `0`"),
        (1, "integer `1`"),
        ([], "sequence"),
        ((), "sequence"),
        ({}, "map"),
        (1.0, "floating point `1.0`"),
        (None, "null"),
        (b"", "bytes is not a JSON value"),
    ],
    ids=["str", "int0", "int1", "list", "tuple", "dict", "float", "None", "bytes"],
)
def test_non_bool_into_bool_field_is_type_error(value: Any, shown: str) -> None:
    # Regression test: bool fields took any object by truthiness ('false' stored True);
    # the crate accepts only JSON true/false.
    c = SessionConfig()
    with pytest.raises(TypeError) as info:
        c.auto_compact = value
    msg = str(info.value)
    assert msg.startswith("auto_compact: invalid type: ") and shown in msg
    assert c.auto_compact is False
    s: Any = SessionData(id="x")
    with pytest.raises(TypeError, match="^thinking_enabled: invalid type: "):
        s.thinking_enabled = value
    assert s.thinking_enabled is False


def test_bool_fields_take_bools() -> None:
    c = SessionConfig()
    c.auto_compact = True
    c.goal_tracking = True
    assert out(c)["auto_compact"] is True and c.goal_tracking is True


def test_bad_enum_string_is_value_error(s: Any) -> None:
    cases = [
        (s, "state", "active"),
        (s.config, "storage_type", "File"),
        (s.config, "planning_mode", "auto"),
        (s.tasks[0], "status", "done"),
        (s.tasks[0], "priority", "HIGH"),
    ]
    before = s.to_json()
    for obj, field, value in cases:
        with pytest.raises(ValueError) as info:
            setattr(obj, field, value)
        assert isinstance(info.value, SessionFormatError)
        assert info.value.path == field
    assert s.to_json() == before


NON_NUMBER_FIELDS = [
    (SessionConfig, "storage_type"),  # enum
    (lambda: SessionData(id="x"), "state"),  # enum
    (lambda: SessionData(id="x"), "id"),  # str
    (lambda: SessionData(id="x"), "model_name"),  # Option<str>
    (SessionConfig, "auto_compact"),  # bool
    (SessionConfig, "queue_config"),  # Option<struct>, set from a dict
]


def _assert_type_error(factory: Any, field: str, value: Any) -> None:
    obj = factory()
    before = obj.to_json()
    shown = repr(value) if abs(value) < 2**100 else "a 400-digit int"
    try:
        setattr(obj, field, value)
    except TypeError as e:
        assert str(e).startswith(f"{field}: invalid type: "), e
    except Exception as e:
        raise AssertionError(f"{field} = {shown}: {type(e).__name__}: {e}") from e
    else:
        raise AssertionError(f"{field} = {shown} was accepted")
    assert obj.to_json() == before


@pytest.mark.parametrize(
    ("factory", "field"), NON_NUMBER_FIELDS, ids=[f for _, f in NON_NUMBER_FIELDS]
)
def test_int_into_non_number_field_is_type_error(factory: Any, field: str) -> None:
    # Regression test: SessionConfig().storage_type = 1 raised OverflowError.
    for value in (1, 0, -1, 2**63, -(2**63)):
        _assert_type_error(factory, field, value)


# (class, oracle kind, field, what serde says it expected); the kinds let the oracle read
# {field: value} as JSON, and the error there is the first one (at the only key).
_NON_NUMBER_EXPECTED = {
    "storage_type": (SessionConfig, "enum StorageBackend"),
    "state": (SessionData, "enum SessionState"),
    "id": (SessionData, "a string"),
    "model_name": (SessionData, "a string"),
    "auto_compact": (SessionConfig, "a boolean"),
    "queue_config": (SessionConfig, "struct SessionQueueConfig"),
}


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (2**64, "floating point `1.8446744073709552e+19`"),
        (-(2**70), "floating point `-1.1805916207174113e+21`"),
        (10**400, "integer beyond the range of a float"),
        (-(10**400), "integer beyond the range of a float"),
    ],
    ids=["2**64", "-2**70", "10**400", "-10**400"],
)
def test_big_int_into_non_number_field_is_type_error(oracle: Any, value: int, shown: str) -> None:
    # Regression test: these raised OverflowError (and 10**400 SessionFormatError). An int is
    # the wrong type there whatever its size; one beyond 64 bits is worded as serde_json words
    # the same JSON number (read as a float), one beyond f64 as the binding's own.
    for factory, field in NON_NUMBER_FIELDS:
        _assert_type_error(factory, field, value)
        obj = factory()
        with pytest.raises(TypeError) as info:
            setattr(obj, field, value)
        cls, expected = _NON_NUMBER_EXPECTED[field]
        assert str(info.value) == f"{field}: invalid type: {shown}, expected {expected}"
        if abs(value) < 2**1000 and not expected.startswith("enum "):
            # serde_json answers a number where an enum is wanted with a bare
            # "expected value" (see test_invalid.py); elsewhere its message is the same.
            reply = oracle.roundtrip(cls.__name__, json.dumps({field: value}))
            assert reply["error"].startswith(str(info.value).split(": ", 1)[1] + " at line 1")


_NUMBER_FIELDS: list[tuple[Any, str, str]] = [
    (TokenUsage, "prompt_tokens", "usize"),
    (SessionConfig, "max_context_length", "u32"),
    (lambda: SessionData(id="x"), "created_at", "i64"),
    (lambda: SessionData(id="x"), "thinking_budget", "usize"),
    (lambda: SessionData(id="x"), "total_cost", "f64"),
    (ContextUsage, "percent", "f32"),
]


def test_int_beyond_f64_into_number_field_is_overflow_error() -> None:
    # Regression test: these raised SessionFormatError('int too large to convert to float').
    for factory, field, rust in _NUMBER_FIELDS:
        obj = factory()
        before = obj.to_json()
        for value in (10**400, -(10**400)):
            with pytest.raises(OverflowError) as info:
                setattr(obj, field, value)
            assert str(info.value) == (
                f"{field}: invalid type: integer beyond the range of a float, expected {rust}"
            )
        assert obj.to_json() == before


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (-1, "invalid value: integer `-1`"),
        (2**64, "invalid type: floating point `1.8446744073709552e+19`"),
        (-(2**63) - 1, "invalid type: floating point `-9.223372036854776e+18`"),
    ],
    ids=["-1", "2**64", "i64_min-1"],
)
def test_int_out_of_range_for_integer_field_is_overflow_error(
    oracle: Any, value: int, shown: str
) -> None:
    # The message is serde_json's for the same JSON number (beyond 64 bits it reads a float).
    for factory, field, rust in _NUMBER_FIELDS:
        if rust in ("f32", "f64") or (rust == "i64" and value == -1):
            continue
        obj = factory()
        before = obj.to_json()
        with pytest.raises(OverflowError) as info:
            setattr(obj, field, value)
        assert str(info.value) == f"{field}: {shown}, expected {rust}"
        assert obj.to_json() == before
    reply = oracle.roundtrip("TokenUsage", json.dumps({"prompt_tokens": value}))
    assert reply["error"].startswith(f"{shown}, expected usize at line 1 column ")


def test_enum_fields_accept_members_and_wire_strings(s: Any) -> None:
    s.state = "Paused"
    assert s.state is SessionState.PAUSED
    s.state = SessionState.ERROR
    s.config.storage_type = "memory"
    s.config.planning_mode = PlanningMode.DISABLED
    s.tasks[0].status = "cancelled"
    s.tasks[0].priority = TaskPriority.LOW
    d = out(s)
    assert d["state"] == "Error" and d["config"]["storage_type"] == "memory"
    assert d["config"]["planning_mode"] == "Disabled"
    assert d["tasks"][0]["status"] == "cancelled" and d["tasks"][0]["priority"] == "low"


def test_policy_fields_are_validated_at_assignment(s: Any) -> None:
    c = s.config
    before = c.confirmation_policy
    assert isinstance(before, dict)
    with pytest.raises(ValueError) as info:
        c.confirmation_policy = {"enabled": True}  # three required fields missing
    assert isinstance(info.value, SessionFormatError)
    assert info.value.path.startswith("confirmation_policy")
    with pytest.raises(ValueError):
        c.permission_policy = {"default_decision": "never"}
    with pytest.raises(ValueError):
        c.security_config = {"enabled": True}
    with pytest.raises(ValueError):
        c.queue_config = {"laneHandlers": {"Bogus": {}}}
    with pytest.raises(TypeError):
        c.confirmation_policy = "strict"
    assert c.confirmation_policy == before
    assert s.to_json(pretty=True) == SAMPLE_TEXT


def _where(err: BaseException) -> str:
    """The field path an assignment error names (SessionFormatError.path, or the prefix of a
    TypeError/OverflowError message)."""
    if isinstance(err, SessionFormatError):
        return err.path
    return str(err).split(": ", 1)[0]


POLICY_ERRORS = [
    ("queue_config", {"enableDlq": 1}, "queue_config.enableDlq"),
    ("queue_config", {"dlqMaxSize": -1}, "queue_config.dlqMaxSize"),
    ("queue_config", {"retryPolicy": {"maxRetries": "x"}}, "queue_config.retryPolicy.maxRetries"),
    (
        "confirmation_policy",
        {"enabled": 1, "default_timeout_ms": 1, "timeout_action": "AutoApprove", "yolo_lanes": []},
        "confirmation_policy.enabled",
    ),
    ("permission_policy", {"allow": [1]}, "permission_policy.allow[0]"),
    ("security_config", {"enabled": "yes"}, "security_config.enabled"),
]


@pytest.mark.parametrize(
    ("field", "value", "path"), POLICY_ERRORS, ids=[p for _, _, p in POLICY_ERRORS]
)
def test_policy_errors_through_the_parent_have_the_full_path(
    field: str, value: Any, path: str
) -> None:
    base = {"name": "n", "workspace": "w", "max_context_length": 1, "auto_compact": False}
    with pytest.raises(SessionFormatError) as info:
        SessionConfig.from_dict({**base, field: value})
    assert info.value.path == path
    msg = info.value.msg
    # Regression test: through the parent the path lacked the parent field ('config.').
    s: Any = SessionData(id="x")
    with pytest.raises(SessionFormatError) as info:
        s.config = {**base, field: value}
    assert (info.value.path, info.value.msg) == (f"config.{path}", msg)
    with pytest.raises(SessionFormatError) as info:
        SessionData(id="x", config={**base, field: value})
    assert (info.value.path, info.value.msg) == (f"config.{path}", msg)
    with pytest.raises(SessionFormatError) as info:
        SessionData.from_dict({"id": "x", "config": {**base, field: value}})
    assert (info.value.path, info.value.msg) == (f"config.{path}", msg)


def test_policy_assignment_errors_have_the_full_path() -> None:
    # Regression test: an error inside a dict assigned to a policy field was reported at the
    # field only ('queue_config'), and a wrong type in it as a TypeError. It is now a
    # SessionFormatError with the path and message from_dict gives.
    def by_setter(field: str, value: Any) -> None:
        setattr(SessionConfig(), field, value)

    def by_constructor(field: str, value: Any) -> None:
        SessionConfig(**{field: value})

    base = {"name": "n", "workspace": "w", "max_context_length": 1, "auto_compact": False}
    for field, value, path in POLICY_ERRORS:
        with pytest.raises(SessionFormatError) as info:
            SessionConfig.from_dict({**base, field: value})
        msg = info.value.msg
        for assign in (by_setter, by_constructor):
            with pytest.raises(SessionFormatError) as info:
                assign(field, value)
            err = info.value
            assert (err.path, err.msg) == (path, msg), f"{field} = {value!r}: {err!r}"
            assert _where(err) == path
            assert err.line is None and err.column is None


def test_policy_fields_read_as_copies(s: Any) -> None:
    policy = s.config.permission_policy
    assert isinstance(policy, dict)
    policy["default_decision"] = "deny"
    assert s.config.permission_policy["default_decision"] == "ask"
    s.config.permission_policy = policy
    assert out(s)["config"]["permission_policy"]["default_decision"] == "deny"
    # A plain string rule is read as {"rule": ...}; serde defaults fill the rest.
    s.config.permission_policy = {"allow": ["Read(*)"]}
    assert s.config.permission_policy == {
        "deny": [],
        "allow": [{"rule": "Read(*)"}],
        "ask": [],
        "default_decision": "ask",
        "enabled": True,
    }
    s.config.queue_config = {}
    q = s.config.queue_config
    assert q["controlMaxConcurrency"] == 4 and q["queryMaxConcurrency"] == 12  # serde defaults


def test_cost_record_timestamp_accepts_aware_datetime() -> None:
    r: Any = LlmCostRecord(model="m", provider="p")
    r.timestamp = dt.datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=dt.timezone.utc)
    assert r.timestamp == "2025-01-02T03:04:05.123456Z"
    r.timestamp = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert r.timestamp == "2025-01-02T01:04:05Z"  # normalized to UTC, as chrono writes
    r.timestamp = "2025-01-01T00:00:00.000000001+00:00"
    assert out(r)["timestamp"] == "2025-01-01T00:00:00.000000001Z"
    with pytest.raises(ValueError):
        r.timestamp = dt.datetime(2025, 1, 2, 3, 4, 5)  # naive: no offset, chrono refuses
    with pytest.raises(ValueError):
        r.timestamp = "yesterday"
    with pytest.raises(TypeError):
        r.timestamp = 1764050000
    assert r.timestamp == "2025-01-01T00:00:00.000000001Z"


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (("config",), "system_prompt"),
        ((), "model_name"),
        ((), "thinking_budget"),
        ((), "llm_config"),
        (("total_usage",), "cache_read_tokens"),
        (("messages", 1), "reasoning_content"),
        (("cost_records", 0), "cost_usd"),
        (("tasks", 0), "tool"),
        (("config",), "confirmation_policy"),
    ],
)
def test_optional_fields_can_be_set_to_none(s: Any, path: tuple[Any, ...], key: str) -> None:
    # Regression test: the setter treated `obj.f = None` like `del obj.f` and raised
    # AttributeError('cannot delete a field').
    obj: Any = s
    written: Any = out(s)
    for p in path:
        obj = getattr(obj, p) if isinstance(p, str) else obj[p]
        written = written[p]
    assert getattr(obj, key) is not None and written[key] is not None
    setattr(obj, key, None)
    assert getattr(obj, key) is None
    written = out(s)
    for p in path:
        written = written[p]
    assert written.get(key) is None  # written as null, or omitted (skip_serializing_if)
    assert SessionData.from_json(s.to_json()) == s


@pytest.mark.parametrize(
    ("factory", "field", "expected"),
    [
        (SessionConfig, "auto_compact", "a boolean"),
        (SessionConfig, "name", "a string"),
        (ContextUsage, "turns", "usize"),
        (ContextUsage, "percent", "f32"),
        (lambda: SessionData(id="x"), "state", "enum SessionState"),
        (lambda: SessionData(id="x"), "created_at", "i64"),
    ],
    ids=["bool", "str", "usize", "f32", "enum", "i64"],
)
def test_none_into_required_field_is_type_error(factory: Any, field: str, expected: str) -> None:
    obj = factory()
    before = obj.to_json()
    with pytest.raises(TypeError) as info:
        setattr(obj, field, None)
    # serde_json's wording for a JSON null (serde's default would be "unit value").
    assert str(info.value) == f"{field}: invalid type: null, expected {expected}"
    assert obj.to_json() == before


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        (lambda: SessionData(id="x"), "config"),
        (lambda: SessionData(id="x"), "context_usage"),
        (lambda: SessionData(id="x"), "messages"),
        (lambda: SessionData(id="x"), "tool_names"),
        (lambda: Message(role="user"), "content"),
        (lambda: ToolUseBlock(id="i", name="n"), "input"),
    ],
    ids=["object", "object2", "list", "str_list", "content", "input"],
)
def test_none_into_required_object_or_list_field(obj: Any, field: str) -> None:
    # A non-optional nested object or list can't be None either (free-form JSON can: it is
    # JSON null).
    target = obj()
    if field == "input":
        target.input = None
        assert target.input is None and out(target)["input"] is None
        return
    before = target.to_json()
    with pytest.raises(TypeError):
        setattr(target, field, None)
    assert target.to_json() == before


def test_optional_fields_can_be_none_through_the_constructor() -> None:
    c = SessionConfig(system_prompt=None, parent_id=None)
    assert c.system_prompt is None
    assert out(LlmConfigData(provider="p", model="m", base_url=None))["base_url"] is None


def test_fields_cannot_be_deleted(s: Any) -> None:
    with pytest.raises(AttributeError):
        del s.config.name
    with pytest.raises(AttributeError):
        del s.messages


# ---------------------------------------------------------------------------------------------
# Enums
# ---------------------------------------------------------------------------------------------


def test_enums_are_str_and_equal_their_wire_names() -> None:
    assert SessionState.ACTIVE == "Active" and isinstance(SessionState.ACTIVE, str)
    assert str(SessionState.ACTIVE) == "Active" and f"{TaskStatus.IN_PROGRESS}" == "in_progress"
    assert SessionState("Completed") is SessionState.COMPLETED
    assert [m.value for m in SessionState] == ["Unknown", "Active", "Paused", "Completed", "Error"]
    assert [m.value for m in PlanningMode] == ["Auto", "Disabled", "Enabled"]
    assert [m.value for m in StorageBackend] == ["memory", "file", "custom"]
    assert [m.value for m in TaskPriority] == ["high", "medium", "low"]
    assert [m.value for m in TaskStatus] == [
        "pending",
        "in_progress",
        "completed",
        "failed",
        "skipped",
        "cancelled",
    ]
    with pytest.raises(ValueError):
        SessionState("active")
    s: Any = SessionData.from_json(SAMPLE_TEXT)
    assert s.state == "Completed" and s.state is SessionState.COMPLETED
    assert s.tasks[2].status == "in_progress"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_task_status_members_come_from_the_crate() -> None:
    sources = sorted(
        Path.home().glob(".cargo/registry/src/*/a3s-code-core-3.0.0/src/planning/mod.rs")
    )
    if not sources:
        pytest.skip("a3s-code-core 3.0.0 source not in the cargo registry")
    text = sources[0].read_text(encoding="utf-8")
    m = re.search(
        r'rename_all = "snake_case"\)\]\s*pub enum TaskStatus \{(.*?)\n\}', text, re.DOTALL
    )
    assert m, "TaskStatus not found in the crate source"
    body = re.sub(r"(///.*|#\[.*?\])", "", m.group(1))
    variants = re.findall(r"^\s*([A-Z][A-Za-z]*),?\s*$", body, re.MULTILINE)
    assert [_snake(v) for v in variants] == [t.value for t in TaskStatus]


def test_tasks_read_from_todos_written_as_tasks() -> None:
    doc = json.loads(SAMPLE_TEXT)
    doc["todos"] = doc.pop("tasks")
    s: Any = SessionData.from_json(json.dumps(doc))
    assert [t.id for t in s.tasks] == ["1", "2", "3"]
    text = s.to_json()
    assert '"todos"' not in text and '"tasks":[' in text
    assert s.to_json(pretty=True) == SAMPLE_TEXT
    assert SessionData.from_dict(doc).to_json(pretty=True) == SAMPLE_TEXT


# ---------------------------------------------------------------------------------------------
# Equality, hashing, copies, pickling, repr
# ---------------------------------------------------------------------------------------------


def test_equality(s: Any) -> None:
    other: Any = SessionData.from_json(s.to_json())
    assert s == other
    assert (s != other) is False
    assert s.__eq__(s) is True
    other.messages[0].content[0].text = "changed"
    assert s != other
    assert s.config == SessionConfig.from_json(s.config.to_json())
    assert s.__eq__(1) is NotImplemented
    assert s.config.__eq__(s) is NotImplemented
    assert s != 1 and s != s.to_json() and s != s.to_dict()
    assert SessionConfig() != ContextUsage()
    assert TextBlock(text="a") != ToolResultBlock(tool_use_id="a")
    assert TextBlock(text="a") == TextBlock(text="a")
    assert s.messages == list(s.messages)


def test_equality_ignores_hash_set_order() -> None:
    # Regression test: __eq__ compared serde_json::Value arrays, so a HashSet (yolo_lanes)
    # written in per-instance random order made two parses of the same document unequal.
    doc = json.loads(SAMPLE_TEXT)
    doc["config"]["confirmation_policy"]["yolo_lanes"] = ["Query", "Control", "Execute", "Generate"]
    text = json.dumps(doc)
    for _ in range(20):
        assert SessionData.from_json(text) == SessionData.from_json(text)
        assert SessionConfig.from_dict(doc["config"]) == SessionConfig.from_dict(doc["config"])
        assert copy.deepcopy(s := SessionData.from_json(text)) == s
    # Still a comparison of the sets' members.
    fewer = copy.deepcopy(doc)
    fewer["config"]["confirmation_policy"]["yolo_lanes"] = ["Query", "Control", "Execute"]
    assert SessionData.from_json(text) != SessionData.from_dict(fewer)
    assert SessionConfig.from_dict(doc["config"]) != SessionConfig.from_dict(fewer["config"])


@pytest.mark.parametrize("cls", [*ALL_CLASSES, ListView], ids=lambda c: c.__name__)
def test_unhashable(cls: type) -> None:
    obj = SessionData(id="x").messages if cls is ListView else cls(**MINIMAL[cls])
    with pytest.raises(TypeError):
        hash(obj)


@pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy], ids=["copy", "deepcopy"])
def test_copies_are_independent(s: Any, copier: Any) -> None:
    s.messages[1].content[1].input["flags"]["max"] = 5  # a lifted, edited view
    c = copier(s)
    assert c == s and c is not s
    c.config.name = "copy"
    c.messages.pop()
    c.messages[0].content[0].text = "copy text"
    c.messages[1].content[1].input["flags"]["max"] = 6
    c.tool_names.append("new")
    assert s.config.name == "refactor-parser"
    assert len(s.messages) == 6 and s.messages[0].content[0].text.startswith("The parser")
    assert s.messages[1].content[1].input["flags"]["max"] == 5
    assert "new" not in s.tool_names
    # And the other way round.
    s.context_usage.turns = 99
    assert c.context_usage.turns == 3


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_copy_each_class(cls: type) -> None:
    obj = cls(**MINIMAL[cls])
    for copier in (copy.copy, copy.deepcopy):
        c = copier(obj)
        assert type(c) is cls and c == obj and c is not obj


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip(s: Any, protocol: int) -> None:
    s.messages[1].content[1].input["added"] = [1.5, None]
    s.config.name = "pickled"
    back: Any = pickle.loads(pickle.dumps(s, protocol=protocol))
    assert type(back) is SessionData and back == s
    assert back.to_json() == s.to_json()
    for obj in (
        s.config,
        s.messages[1],
        s.messages[1].content[1],
        s.tasks[0],
        s.cost_records[0],
        s.context_usage,
        s.total_usage,
        s.llm_config,
        s.messages[4].content[0].content[1].source,
    ):
        b = pickle.loads(pickle.dumps(obj, protocol=protocol))
        assert type(b) is type(obj) and b == obj
    lst = pickle.loads(pickle.dumps(s.tool_names, protocol=protocol))
    assert lst == list(s.tool_names)


@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (lambda: SessionData(id="x"), "total_cost"),
        (ContextUsage, "percent"),
        (SessionConfig, "auto_compact_threshold"),
        (lambda: LlmCostRecord(model="m", provider="p"), "cost_usd"),
    ],
    ids=["f64", "f32", "f32_threshold", "opt_f64"],
)
def test_non_finite_floats_are_rejected_at_assignment(factory: Any, field: str) -> None:
    # JSON has no NaN/Infinity: serde_json would write them as null, which the crate then
    # refuses to read into a float field (FORMAT trap 3). Assignment rejects them instead.
    obj = factory()
    before = obj.to_json()
    for value in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(SessionFormatError) as info:
            setattr(obj, field, value)
        assert "JSON has no NaN or Infinity" in info.value.msg
        assert info.value.path == field
        assert info.value.line is None and info.value.column is None
    assert obj.to_json() == before


@pytest.mark.parametrize("value", [1e39, -1e39, 3.5e38, float(2**128 - 2**103)])
def test_float_beyond_f32_is_rejected_at_assignment(value: float) -> None:
    # As JSON the crate would read it as +-inf (serde's f64 -> f32 `as` cast), then write
    # null, which it can't read back. (2**128 - 2**103 rounds to inf: it is the midpoint.)
    c = ContextUsage()
    with pytest.raises(OverflowError, match="percent: .*out of range for an f32 field"):
        c.percent = value
    assert c.percent == 0.0
    c.percent = 3.4028234663852886e38  # f32::MAX itself is fine (read back as its JSON)
    assert c.percent == 3.4028235e38 and '"percent":3.4028235e+38' in c.to_json()


def test_int_beyond_f32_is_rejected_at_assignment() -> None:
    # Regression test: an int beyond f32's range was stored as inf (written as null, which
    # the crate can't read back). It is now refused like the same float is.
    c = ContextUsage()
    for value in (10**39, -(10**39), 2**128):
        with pytest.raises((SessionFormatError, OverflowError)) as info:
            c.percent = value
        assert "percent" in str(info.value)
        assert "out of range for an f32 field" in str(info.value)
        assert c.percent == 0.0
    c.percent = 2**127  # within range: stored as an f32, read back as its JSON
    assert c.percent == 1.7014118e38 and '"percent":1.7014118e+38' in c.to_json()


def test_int_beyond_f32_is_overflow_error() -> None:
    for value in (10**39, -(10**39), 2**128):
        c = ContextUsage()
        try:
            c.percent = value
        except OverflowError as e:
            assert str(e).startswith("percent: "), e
        except Exception as e:
            raise AssertionError(f"percent = {value}: {type(e).__name__}: {e}") from e
        else:
            raise AssertionError(f"percent = {value} was accepted")


def test_non_finite_floats_read_from_json_are_written_as_null(oracle: Any) -> None:
    # The crate itself reads a finite JSON number beyond f32 into an f32 field as inf, and
    # writes it as null, which it then refuses to read (FORMAT trap 3). The binding passes
    # this through, from text and from dicts alike.
    text = '{"used_tokens":1,"max_tokens":2,"percent":1e39,"turns":0}'
    want = '{"used_tokens":1,"max_tokens":2,"percent":null,"turns":0}'
    assert oracle.accept("ContextUsage", text)["compact"] == want
    for c in (ContextUsage.from_json(text), ContextUsage.from_dict(json.loads(text))):
        assert c.percent == float("inf")
        assert c.to_json() == want and out(c)["percent"] is None
        with pytest.raises(SessionFormatError, match="invalid type: null, expected f32"):
            ContextUsage.from_json(c.to_json())


def test_pickle_of_non_finite_float_round_trips_or_fails_early() -> None:
    # Assignment now refuses NaN/inf, but the crate's own reading still produces inf (a JSON
    # number beyond f32 in an f32 field), and so does a dict.
    s: Any = SessionData.from_dict(
        {
            **json.loads(SessionData(id="x").to_json()),
            "context_usage": {"used_tokens": 1, "max_tokens": 2, "percent": 1e39, "turns": 0},
        }
    )
    assert s.context_usage.percent == float("inf")
    # It fails at dumps, saying why (not later, at loads, far from the cause).
    with pytest.raises(ValueError, match="cannot pickle this SessionData.*f32"):
        pickle.dumps(s)
    with pytest.raises(ValueError, match="cannot pickle"):
        pickle.dumps(s.context_usage)
    s.context_usage.percent = 0.5
    back: Any = pickle.loads(pickle.dumps(s))
    assert back.context_usage.percent == 0.5


def test_repr_is_short(s: Any) -> None:
    long_text = "word " * 2000
    s.messages[0].content[0].text = long_text
    objs = [
        s,
        s.config,
        s.messages[0],
        s.messages[0].content[0],
        s.messages[1].content[1],
        s.messages[4].content[0],
        s.messages[4].content[0].content[1],
        s.tasks[0],
        s.cost_records[0],
        s.llm_config,
        s.context_usage,
        s.total_usage,
    ]
    for obj in objs:
        r = repr(obj)
        assert len(r) < 200, r
        assert r.startswith(type(obj).__name__ + "(")
        assert long_text not in r
    assert "messages=[6 items]" in repr(s)
    assert "sess-7f3c2a9e" in repr(s)


# ---------------------------------------------------------------------------------------------
# Module-level API
# ---------------------------------------------------------------------------------------------


def test_tool_names_from_definitions() -> None:
    defs: Any = [
        {
            "name": "read",
            "description": "Read a file",
            "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
        },
        {"name": "bash", "description": "", "parameters": None},
    ]
    assert SessionData.tool_names_from_definitions(defs) == ["read", "bash"]
    assert SessionData.tool_names_from_definitions([]) == []
    with pytest.raises(SessionFormatError):
        bad: Any = [{"name": "x"}]  # description is required
        SessionData.tool_names_from_definitions(bad)


def test_module_constants() -> None:
    assert v3.DEFAULT_AUTO_COMPACT_THRESHOLD == 0.8
    assert v3.CRATE_VERSION == "3.0.0"
    assert issubclass(SessionFormatError, ValueError)
