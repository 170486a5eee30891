"""Documents edited through the Python API, checked against the crate.

Each test loads a document, edits it through the binding (views over nested lists, blocks
built from classes or dicts, in-place edits of free-form JSON, scalar assignments), and then
hands ``json.dumps(obj.to_dict())`` to the oracle, which parses it with the crate's serde and
writes it back. The oracle's compact and pretty output must equal ``obj.to_json()`` and
``obj.to_json(pretty=True)`` byte for byte: the binding must write exactly what the crate would
write for the edited value, and what it reports through ``to_dict()`` must be that same value.

Floats put in by these edits are short decimals (1/3 only in f32 fields): this build of
serde_json reads some 16-17 digit floats one ULP off (see test_properties.py), so for those the
crate itself would not reproduce the value from its JSON text.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from a3s_session import v3
from a3s_session.v3 import (
    ImageBlock,
    ImageSource,
    Message,
    SessionData,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
)
from conftest import Oracle, assert_same_json, corpus_documents, sample_text, unordered_entries

U64_MAX = 2**64 - 1
I64_MIN = -(2**63)
I64_MAX = 2**63 - 1


def check_against_crate(oracle: Oracle, obj: Any, kind: str = "SessionData") -> None:
    """The crate, given what the binding reports, writes what the binding writes."""
    compact = obj.to_json()
    pretty = obj.to_json(pretty=True)
    as_dict = obj.to_dict()
    assert as_dict == json.loads(compact)
    for text in (
        json.dumps(as_dict),  # ASCII with \\u escapes, Python's float repr
        json.dumps(as_dict, ensure_ascii=False, indent=1),
        compact,
        pretty,
    ):
        reply = oracle.accept(kind, text)
        assert reply["compact"] == compact
        assert reply["pretty"] == pretty
    # And the binding reads its own output back to the same bytes.
    assert type(obj).from_json(compact).to_json() == compact


def as_text(block: object) -> TextBlock:
    assert isinstance(block, TextBlock), block
    return block


def as_tool_use(block: object) -> ToolUseBlock:
    assert isinstance(block, ToolUseBlock), block
    return block


def fresh_sample() -> SessionData:
    return SessionData.from_json(sample_text())


def touch_everything(obj: Any, depth: int = 0) -> None:
    """Read every attribute of ``obj`` recursively, creating every lazy view on the way."""
    assert depth < 50
    if isinstance(obj, (str, bytes, int, float, bool, type(None), enum.Enum)):
        return
    if isinstance(obj, dict):
        for value in obj.values():
            touch_everything(value, depth + 1)
        return
    if isinstance(obj, (list, tuple, v3.ListView)):
        for item in obj:
            touch_everything(item, depth + 1)
        for i in range(len(obj)):
            touch_everything(obj[i], depth + 1)
            touch_everything(obj[i - len(obj)], depth + 1)
        for item in obj[:]:
            touch_everything(item, depth + 1)
        return
    names = [n for n in dir(obj) if not n.startswith("_")]
    for name in names:
        value = getattr(obj, name)
        if callable(value):
            continue
        touch_everything(value, depth + 1)
    repr(obj)


# ---------------------------------------------------------------------------------------------
# Views created, nothing changed: output unchanged
# ---------------------------------------------------------------------------------------------
SESSION_DOCS = [("sample", sample_text())] + [
    (path.stem, path.read_text(encoding="utf-8"))
    for kind, path in corpus_documents()
    if kind == "SessionData"
]


@pytest.mark.parametrize("text", [t for _, t in SESSION_DOCS], ids=[n for n, _ in SESSION_DOCS])
def test_views_without_changes_serialize_identically(oracle: Oracle, text: str) -> None:
    untouched = SessionData.from_json(text)
    expected_compact = untouched.to_json()
    expected_pretty = untouched.to_json(pretty=True)

    s = SessionData.from_json(text)
    touch_everything(s)
    # Reading views again (now cached) and iterating them changes nothing either.
    for m in s.messages:
        for block in m.content:
            if isinstance(block, ToolUseBlock):
                _ = block.input
            elif isinstance(block, ToolResultBlock) and not isinstance(block.content, str):
                list(block.content)
    unordered = unordered_entries("SessionData", json.loads(text))
    assert_same_json("SessionData", s.to_json(), expected_compact, unordered=unordered)
    assert_same_json("SessionData", s.to_json(pretty=True), expected_pretty, unordered=unordered)
    assert_same_json(
        "SessionData",
        s.to_json(),
        oracle.accept("SessionData", text)["compact"],
        unordered=unordered,
    )
    if not unordered:
        check_against_crate(oracle, s)


def test_views_on_sample_keep_file_bytes() -> None:
    """The sample is a file as the store writes it: touching views must not change a byte."""
    s = fresh_sample()
    touch_everything(s)
    assert s.to_json(pretty=True) == sample_text()


# ---------------------------------------------------------------------------------------------
# Edits through the API
# ---------------------------------------------------------------------------------------------
def _edit_append_message_from_classes(s: SessionData) -> None:
    s.messages.append(
        Message(
            role="assistant",
            content=[
                TextBlock(text="Appending — 追加 🚀 \u0000\u001f\u2028"),
                ToolUseBlock(
                    id="toolu_new",
                    name="write",
                    input={"zeta": [1.5e-7, 1e21, 5e-324], "alpha": {"y": U64_MAX, "x": I64_MIN}},
                ),
                ImageBlock(source=ImageSource(type="base64", media_type="image/png", data="AAAA")),
            ],
            reasoning_content="why not",
        )
    )
    s.messages.append(
        Message(
            role="user",
            content=[
                ToolResultBlock(
                    tool_use_id="toolu_new",
                    content=[
                        TextBlock(text="written"),
                        ImageBlock(source=ImageSource(type="base64", media_type="a", data="b")),
                    ],
                    is_error=False,
                )
            ],
        )
    )


def _edit_first_text(s: SessionData) -> None:
    as_text(s.messages[0].content[0]).text = "edited in place: ünïcödé, 日本語, e\u0301, 🦀"


def _edit_tool_input_in_place(s: SessionData) -> None:
    block = s.messages[1].content[1]
    assert isinstance(block, ToolUseBlock)
    block.input["flags"]["max"] = U64_MAX
    block.input["flags"]["neg"] = I64_MIN
    block.input["zz"] = {"y": 1, "x": [2, {"b": 0.1, "a": 1e-7}]}
    block.input["AA"] = None
    del block.input["path"]


def _edit_percent_third(s: SessionData) -> None:
    s.context_usage.percent = 1 / 3
    s.config.auto_compact_threshold = 2 / 3


def _edit_append_task_dict(s: SessionData) -> None:
    s.tasks.append(
        {
            "id": "4",
            "content": "Added from a dict",
            "status": "pending",
            "priority": "high",
            "dependencies": ["3"],
        }
    )
    s.tasks[0].status = v3.TaskStatus.FAILED
    s.tasks[1].priority = "low"
    s.tasks[2].tool = "bash"
    s.tasks[2].success_criteria = "green"


def _edit_tool_result_blocks(s: SessionData) -> None:
    tr = s.messages[2].content[0]
    assert isinstance(tr, ToolResultBlock)
    tr.content = [
        TextBlock(text="now a list"),
        {"type": "image", "source": {"type": "base64", "media_type": "image/gif", "data": "R0"}},
    ]
    tr.is_error = True
    multi = s.messages[4].content[0]
    assert isinstance(multi, ToolResultBlock)
    multi.content = "back to a plain string"
    # is_error=None through the constructor (assigning None is the binding bug below).
    multi.is_error = False
    s.messages[4].content[0] = ToolResultBlock(
        tool_use_id=multi.tool_use_id, content=multi.content, is_error=None
    )


def _edit_tool_result_list_in_place(s: SessionData) -> None:
    tr = s.messages[4].content[0]
    assert isinstance(tr, ToolResultBlock)
    assert not isinstance(tr.content, str)
    tr.content.append(TextBlock(text="appended"))
    as_text(tr.content[0]).text = "first text edited"
    tr.content.insert(0, {"type": "text", "text": "inserted from a dict"})


def _edit_scalars(s: SessionData) -> None:
    s.id = 'renamed/with\\odd"chars\n'
    s.state = v3.SessionState.ERROR
    s.total_cost = 1e21
    s.created_at = I64_MIN
    s.updated_at = I64_MAX
    s.thinking_enabled = False
    s.thinking_budget = U64_MAX
    s.model_name = "renamed-model"
    s.parent_id = "parent-🦀"
    s.total_usage.cache_read_tokens = U64_MAX
    s.total_usage.prompt_tokens = 0
    s.total_usage = v3.TokenUsage(
        prompt_tokens=1,
        completion_tokens=2,
        total_tokens=3,
        cache_read_tokens=U64_MAX,
        cache_write_tokens=7,
    )
    s.total_usage.cache_write_tokens = None
    s.context_usage.used_tokens = U64_MAX
    s.tool_names.append("new_tool")
    s.tool_names[0] = "renamed_tool"


def _edit_config(s: SessionData) -> None:
    c = s.config
    c.planning_mode = v3.PlanningMode.DISABLED
    c.storage_type = "memory"
    c.system_prompt = ""
    c.max_context_length = 2**32 - 1
    c.goal_tracking = False
    c.queue_config = {"laneTimeouts": {"Query": 5}, "enableDlq": True, "dlqMaxSize": U64_MAX}
    c.confirmation_policy = {
        "enabled": False,
        "default_timeout_ms": U64_MAX,
        "timeout_action": "AutoApprove",
        "yolo_lanes": ["Generate"],
    }
    c.permission_policy = {"allow": ["Read(*)", {"rule": "Glob(*)"}], "default_decision": "deny"}
    c.security_config = {
        "enabled": True,
        "classification_rules": [
            {"name": "k", "pattern": "sk-.*", "level": "Critical", "description": "keys"}
        ],
        "redaction_strategy": "Mask",
        "network_whitelist": ["localhost"],
        "dangerous_commands": ["rm -rf /"],
        "features": {
            "output_sanitizer": True,
            "taint_tracking": False,
            "tool_interceptor": True,
            "injection_defense": False,
        },
    }
    c.parent_id = "p"


def _edit_cost_records(s: SessionData) -> None:
    s.cost_records.append(
        {
            "model": "m",
            "provider": "p",
            "prompt_tokens": U64_MAX,
            "completion_tokens": 0,
            "total_tokens": U64_MAX,
            "cost_usd": 1.5e-7,
            "timestamp": "2025-01-01T00:00:00.123456789+02:00",
            "session_id": None,
        }
    )
    s.cost_records[0].timestamp = dt.datetime(
        2025, 6, 30, 10, 15, 42, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))
    )
    s.cost_records[1].cost_usd = 5e-324
    s.cost_records[1].timestamp = "2016-12-31T23:59:60.5Z"


def _edit_llm_config(s: SessionData) -> None:
    s.llm_config = v3.LlmConfigData(
        provider="openai", model="gpt-4o", api_key="sk-never-written", base_url=None
    )
    config = s.llm_config
    assert config is not None
    config.base_url = "http://localhost:8080/v1"


def _edit_list_operations(s: SessionData) -> None:
    ms = s.messages
    ms.reverse()
    ms.insert(1, {"role": "user", "content": [{"type": "text", "text": "from a dict"}]})
    popped = ms.pop(0)
    ms.append(popped)
    del ms[2]
    ms[0:1] = [Message(role="system", content=[]), ms[0]]
    ms.extend(m for m in [Message(role="tool", content=[TextBlock(text="gen")])])
    ms += [Message(role="x", content=[])]
    ms.sort(key=lambda m: m.role)
    s.tasks.remove(s.tasks[1])
    s.tasks.clear()


def _edit_replace_whole_lists(s: SessionData) -> None:
    s.messages = [
        {"role": "user", "content": [{"type": "text", "text": "only"}]},
        Message(role="assistant", content=[ToolUseBlock(id="1", name="n", input=[{"b": 1}])]),
    ]
    s.tasks = [v3.Task(id="t", content="c", status="in_progress")]
    s.cost_records = []
    as_tool_use(s.messages[1].content[0]).input = "now a string"


def _edit_aliasing(s: SessionData) -> None:
    # The same Message object twice: Python list semantics, both entries see the edit.
    m = Message(role="user", content=[TextBlock(text="twice")])
    s.messages.append(m)
    s.messages.append(m)
    as_text(m.content[0]).text = "twice, edited"
    # A message detached by pop no longer belongs to the session.
    gone = s.messages.pop(0)
    gone.role = "should not appear"


def _edit_copy_then_edit(s: SessionData) -> None:
    twin = copy.deepcopy(s)
    twin.messages.clear()
    twin.tasks.clear()
    s.messages[0] = pickle.loads(pickle.dumps(s.messages[1]))
    as_text(s.messages[1].content[0]).text = "only the original changes"


EDITS: dict[str, Callable[[SessionData], None]] = {
    "append_message_from_classes": _edit_append_message_from_classes,
    "first_text": _edit_first_text,
    "tool_input_in_place": _edit_tool_input_in_place,
    "percent_third": _edit_percent_third,
    "append_task_dict": _edit_append_task_dict,
    "tool_result_list_in_place": _edit_tool_result_list_in_place,
    "tool_result_blocks": _edit_tool_result_blocks,
    "scalars": _edit_scalars,
    "config": _edit_config,
    "cost_records": _edit_cost_records,
    "llm_config": _edit_llm_config,
    "list_operations": _edit_list_operations,
    "replace_whole_lists": _edit_replace_whole_lists,
    "aliasing": _edit_aliasing,
    "copy_then_edit": _edit_copy_then_edit,
}


@pytest.mark.parametrize("edit", list(EDITS.values()), ids=list(EDITS))
def test_edit_matches_crate(oracle: Oracle, edit: Callable[[SessionData], None]) -> None:
    s = fresh_sample()
    before = s.to_json()
    edit(s)
    assert s.to_json() != before
    check_against_crate(oracle, s)


def test_all_edits_together(oracle: Oracle) -> None:
    s = fresh_sample()
    for name, edit in EDITS.items():
        if name in {"replace_whole_lists", "list_operations", "aliasing", "copy_then_edit"}:
            continue
        edit(s)
        check_against_crate(oracle, s)
    for name in ("list_operations", "aliasing", "copy_then_edit", "replace_whole_lists"):
        EDITS[name](s)
        check_against_crate(oracle, s)


def test_edits_reach_the_output() -> None:
    """Spot checks that the edits are in the JSON (not only self-consistent)."""
    s = fresh_sample()
    _edit_percent_third(s)
    _edit_tool_input_in_place(s)
    _edit_scalars(s)
    _edit_llm_config(s)
    out = json.loads(s.to_json())
    text = s.to_json()
    assert '"percent":0.33333334' in text
    assert '"auto_compact_threshold":0.6666667' in text
    assert '"total_cost":1e+21' in text or '"total_cost":1e21' in text
    assert out["created_at"] == I64_MIN and out["updated_at"] == I64_MAX
    assert out["thinking_budget"] == U64_MAX
    assert out["model_name"] == "renamed-model"
    assert out["total_usage"]["cache_write_tokens"] is None
    assert "api_key" not in out["llm_config"] and "sk-never-written" not in text
    grep_input = out["messages"][1]["content"][1]["input"]
    assert list(grep_input) == sorted(grep_input)  # free-form JSON keys come out sorted
    assert grep_input["flags"]["max"] == U64_MAX


def test_aliasing_semantics() -> None:
    s = fresh_sample()
    n = len(s.messages)
    _edit_aliasing(s)
    texts = [b.text for m in s.messages for b in m.content if isinstance(b, TextBlock)]
    assert texts.count("twice, edited") == 2
    assert "should not appear" not in s.to_json()
    assert len(s.messages) == n + 1


def test_copy_is_independent_of_edits() -> None:
    s = fresh_sample()
    original = s.to_json()
    for twin in (copy.copy(s), copy.deepcopy(s), pickle.loads(pickle.dumps(s))):
        _edit_tool_input_in_place(twin)
        _edit_append_message_from_classes(twin)
        _edit_first_text(twin)
        assert s.to_json() == original


def test_edit_of_standalone_objects(oracle: Oracle) -> None:
    m = Message(role="user", content=[])
    m.content.append({"type": "tool_use", "id": "x", "name": "n", "input": {"b": [], "a": {}}})
    as_tool_use(m.content[0]).input["c"] = {"nested": [1, 2.5, "three", None, True]}
    m.reasoning_content = "🤔"
    check_against_crate(oracle, m, "Message")

    task = v3.Task(id="t", content="c", status="pending")
    task.dependencies.append("u")
    task.dependencies.extend(["v", "w"])
    check_against_crate(oracle, task, "Task")
    task.dependencies.clear()  # empty dependencies are omitted again
    check_against_crate(oracle, task, "Task")
    assert "dependencies" not in task.to_json()

    block = ToolResultBlock(tool_use_id="x", content="s", is_error=None)
    assert block.is_error is None
    block.content = [TextBlock(text="a")]
    as_text(block.content[0]).text = "b"
    check_against_crate(oracle, block, "ContentBlock")


def test_clearing_optionals_by_rebuilding(oracle: Oracle) -> None:
    """Options written as null vs omitted, reached by rebuilding objects with None."""
    s = fresh_sample()
    s.config = v3.SessionConfig.from_dict(
        {**s.config.to_dict(), "system_prompt": None, "confirmation_policy": None}
    )
    s.messages[1] = Message(role="assistant", content=list(s.messages[1].content))
    s.llm_config = v3.LlmConfigData(provider="p", model="m")
    check_against_crate(oracle, s)
    out = json.loads(s.to_json())
    assert out["config"]["system_prompt"] is None
    assert "confirmation_policy" not in out["config"]
    assert "reasoning_content" not in out["messages"][1]
    assert out["llm_config"] == {"provider": "p", "model": "m", "base_url": None}


# (field path, the owning object in the binding, the owning object in the parsed JSON)
OPTIONAL_FIELDS: list[tuple[str, Callable[[SessionData], Any], Callable[[Any], Any]]] = [
    ("SessionData.model_name", lambda s: s, lambda d: d),
    ("SessionData.parent_id", lambda s: s, lambda d: d),
    ("SessionData.thinking_budget", lambda s: s, lambda d: d),
    ("SessionData.llm_config", lambda s: s, lambda d: d),
    ("SessionConfig.system_prompt", lambda s: s.config, lambda d: d["config"]),
    ("SessionConfig.confirmation_policy", lambda s: s.config, lambda d: d["config"]),
    ("SessionConfig.permission_policy", lambda s: s.config, lambda d: d["config"]),
    ("TokenUsage.cache_read_tokens", lambda s: s.total_usage, lambda d: d["total_usage"]),
    ("Message.reasoning_content", lambda s: s.messages[1], lambda d: d["messages"][1]),
    (
        "ToolResultBlock.is_error",
        lambda s: s.messages[2].content[0],
        lambda d: d["messages"][2]["content"][0],
    ),
    ("Task.tool", lambda s: s.tasks[0], lambda d: d["tasks"][0]),
    ("LlmCostRecord.cost_usd", lambda s: s.cost_records[0], lambda d: d["cost_records"][0]),
    ("LlmConfigData.base_url", lambda s: s.llm_config, lambda d: d["llm_config"]),
]


@pytest.mark.parametrize(
    "path, owner, json_owner", OPTIONAL_FIELDS, ids=[p for p, _, _ in OPTIONAL_FIELDS]
)
def test_assign_none_to_optional_fields(
    oracle: Oracle,
    path: str,
    owner: Callable[[SessionData], Any],
    json_owner: Callable[[Any], Any],
) -> None:
    """Setting an Optional field to None clears it: the binding then writes exactly what the
    crate writes for the same document with that field set to ``null`` (``null`` or omitted,
    per the field's serde attributes).

    Regression test: the setters used to treat ``obj.f = None`` like ``del obj.f`` and raised
    AttributeError('cannot delete a field').
    """
    text = corpus_dir_doc("full_every_field")
    s = SessionData.from_json(text)
    obj = owner(s)
    field = path.split(".")[1]
    assert getattr(obj, field) is not None  # the corpus document sets every field
    setattr(obj, field, None)
    assert getattr(obj, field) is None
    check_against_crate(oracle, s)
    doc = json.loads(text)
    json_owner(doc)[field] = None
    want = oracle.accept("SessionData", json.dumps(doc))["compact"]
    assert s.to_json() == want
    written = json_owner(json.loads(s.to_json()))
    assert written.get(field) is None  # null, or omitted
    # `del` still refuses (a field can be cleared, not removed), and changes nothing.
    with pytest.raises(AttributeError):
        delattr(obj, field)
    assert s.to_json() == want


def corpus_dir_doc(stem: str) -> str:
    for _, path in corpus_documents():
        if path.stem == stem:
            return path.read_text(encoding="utf-8")
    raise LookupError(stem)
