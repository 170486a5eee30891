"""Objects a record keeps for fields read again (`src/binding/src/kept.rs`): a kept value is
the same object on every read and never outlives an assignment; views are kept from the first
read; copies (policy configs) never are. Both generations."""

from __future__ import annotations

import copy
import json
import pickle
import sys
import threading
from types import GetSetDescriptorType, MemberDescriptorType, ModuleType
from typing import Any

import pytest

import a3s_session
from a3s_session import v3

GENERATIONS = [pytest.param(v3, id="v3"), pytest.param(a3s_session.v9, id="v9")]

MESSAGES = [
    {"role": "user", "content": [{"type": "text", "text": "hello"}]},
    {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "t1", "name": "bash", "input": {"command": "ls"}}],
    },
]


def load(gen: ModuleType) -> Any:
    """A session read back from its JSON (so its lists are lazy, as after a load)."""
    s = gen.SessionData(id="s-1", messages=MESSAGES)
    s.config.name = "first"
    return gen.SessionData.from_json(s.to_json())


@pytest.mark.parametrize("gen", GENERATIONS)
def test_a_scalar_read_twice_is_the_same_object_until_assigned(gen: ModuleType) -> None:
    s = load(gen)
    m = s.messages[0]
    first, second, third = m.role, m.role, m.role
    assert first == second == third == "user"
    assert second is third  # kept from the second read
    m.role = "assistant"
    assert m.role == "assistant" and m.role is m.role
    assert '"role":"assistant"' in s.to_json()
    s.id = "s-2"
    assert s.id == "s-2" and s.id == "s-2"


@pytest.mark.parametrize("gen", GENERATIONS)
def test_a_failed_assignment_keeps_the_old_value(gen: ModuleType) -> None:
    s = load(gen)
    assert s.id == s.id == "s-1"  # kept now
    with pytest.raises(TypeError):
        s.id = 3
    assert s.id == "s-1"


@pytest.mark.parametrize("gen", GENERATIONS)
def test_views_are_kept_and_replaced_on_assignment(gen: ModuleType) -> None:
    s = load(gen)
    config = s.config
    assert s.config is config
    assert config.name == config.name == "first"  # kept now
    config.name = "second"
    assert s.config.name == "second"
    s.config = gen.SessionConfig(name="third")
    assert s.config is not config and s.config.name == "third"
    assert config.name == "second"  # the old object lives on, detached
    block = s.messages[1].content[0]
    block.input["command"] = "pwd"
    assert block.input is block.input
    block.input = {"command": "make"}
    assert block.input == {"command": "make"}
    assert '"command":"make"' in s.to_json()


@pytest.mark.parametrize("gen", GENERATIONS)
def test_a_text_tool_result_is_a_copy_kept_from_its_second_read(gen: ModuleType) -> None:
    # A str result is immutable: read once (a walk) it is made and let go, and the crate's
    # value keeps the text (no second copy held); a block list is a view, kept at once.
    doc = {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "x" * 1000}],
    }
    s = gen.SessionData(id="s-1", messages=[MESSAGES[0], MESSAGES[1], doc])
    s = gen.SessionData.from_json(s.to_json())
    block = s.messages[2].content[0]
    before = sys.getrefcount(block)
    first = block.content
    assert first == "x" * 1000 and sys.getrefcount(first) == 2  # only `first` holds it
    second, third = block.content, block.content
    assert first is not second and second is third  # kept from the second read
    assert sys.getrefcount(block) == before
    assert json.loads(s.to_json())["messages"][2]["content"][0]["content"] == "x" * 1000
    block.content = "changed"
    assert block.content == "changed" and block.content is block.content
    assert json.loads(s.to_json())["messages"][2]["content"][0]["content"] == "changed"
    block.content = [gen.TextBlock(text="a")]
    assert block.content is block.content and block.content[0].text == "a"


@pytest.mark.parametrize("gen", GENERATIONS)
def test_policy_configs_stay_copies(gen: ModuleType) -> None:
    s = load(gen)
    s.config.confirmation_policy = {
        "enabled": True,
        "default_timeout_ms": 1000,
        "timeout_action": "Reject",
        "yolo_lanes": [],
    }
    a = s.config.confirmation_policy
    b = s.config.confirmation_policy
    c = s.config.confirmation_policy
    assert a == b == c and b is not c  # a fresh copy on every read, never kept
    c["enabled"] = False
    assert s.config.confirmation_policy["enabled"] is True


@pytest.mark.parametrize("gen", GENERATIONS)
def test_kept_values_are_freed_with_their_record(gen: ModuleType) -> None:
    b = load(gen).messages[0].content[0]
    b.text = "kept-value"
    assert b.text == "kept-value"  # the first read: made, not kept
    kept = b.text  # the second read's object is kept
    assert b.text is kept
    held = sys.getrefcount(kept)
    del b
    assert sys.getrefcount(kept) == held - 1


@pytest.mark.parametrize("gen", GENERATIONS)
def test_slot_values_are_freed_with_their_record(gen: ModuleType) -> None:
    s = load(gen)
    s.id = "slot-value"
    kept = s.id
    held = sys.getrefcount(kept)
    del s
    assert sys.getrefcount(kept) == held - 1


# Slot fields (a table's `slots`): member descriptors over objects made with the record.
SLOT_FIELDS = [
    ("SessionData", ["id", "state", "total_cost", "model_name", "created_at", "updated_at"]),
    ("SessionConfig", ["name", "workspace", "max_context_length", "auto_compact"]),
    ("Message", ["role"]),
    ("ToolUseBlock", ["id", "name"]),
    ("ToolResultBlock", ["tool_use_id", "is_error"]),
    ("TokenUsage", ["prompt_tokens", "total_tokens", "cache_read_tokens"]),
]
# Python 3.13+ says whether the GIL is on; older ones always have it.
GIL = bool(getattr(sys, "_is_gil_enabled", lambda: True)())


@pytest.mark.parametrize("gen", GENERATIONS)
def test_slot_fields_are_member_descriptors_and_others_getters(gen: ModuleType) -> None:
    # A member descriptor is what CPython reads as fast as a `__slots__` attribute; free-
    # threaded builds keep nothing, so every field there is a getter.
    slot_kind = MemberDescriptorType if GIL else GetSetDescriptorType
    for cls_name, fields in SLOT_FIELDS:
        cls = getattr(gen, cls_name)
        for field in fields:
            assert isinstance(cls.__dict__[field], slot_kind), (cls_name, field)
    assert isinstance(gen.TextBlock.__dict__["text"], GetSetDescriptorType)
    assert isinstance(gen.SessionData.__dict__["messages"], GetSetDescriptorType)


def _slot_values(s: Any) -> dict[str, Any]:
    m = s.messages[1]
    use = m.content[0]
    return {
        "id": s.id,
        "state": s.state,
        "total_cost": s.total_cost,
        "created_at": s.created_at,
        "name": s.config.name,
        "max_context_length": s.config.max_context_length,
        "role": m.role,
        "tool": (use.id, use.name),
        "tokens": (s.total_usage.total_tokens, s.total_usage.cache_read_tokens),
    }


@pytest.mark.parametrize("gen", GENERATIONS)
def test_slot_fields_read_the_crate_value_from_the_first_read(gen: ModuleType) -> None:
    made = gen.SessionData(id="s-1", messages=MESSAGES)
    made.config.name = "first"
    read = gen.SessionData.from_json(made.to_json())
    doc = read.to_dict()
    for s in (made, read, gen.SessionData.from_dict(doc), copy.deepcopy(read), _pickled(read)):
        values = _slot_values(s)
        assert values["id"] == doc["id"] and values["name"] == "first"
        assert values["state"] is gen.SessionState(doc["state"])
        assert values["total_cost"] == doc["total_cost"] and type(values["total_cost"]) is float
        assert values["created_at"] == doc["created_at"]
        assert values["max_context_length"] == doc["config"]["max_context_length"]
        assert values["role"] == "assistant" and values["tool"] == ("t1", "bash")
        assert values["tokens"] == (0, doc["total_usage"].get("cache_read_tokens"))
        assert s.id is s.id and s.config.name is s.config.name


def _pickled(s: Any) -> Any:
    return pickle.loads(pickle.dumps(s))


@pytest.mark.parametrize("gen", GENERATIONS)
def test_slot_fields_are_assigned_through_the_crate(gen: ModuleType) -> None:
    s = load(gen)
    s.total_cost = 2  # the crate's f64: read back as the float it holds
    assert s.total_cost == 2.0 and type(s.total_cost) is float
    s.model_name = None
    assert s.model_name is None
    s.state = "Completed"
    assert s.state is gen.SessionState.COMPLETED
    with pytest.raises(TypeError):
        s.created_at = "yesterday"
    assert s.created_at == load(gen).created_at
    # The member descriptor itself is read-only: nothing gets past the record's setter.
    with pytest.raises(TypeError):  # "can't apply this __setattr__" (the record has its own)
        object.__setattr__(s, "id", "sneaked")
    with pytest.raises(AttributeError):
        type(s).__dict__["id"].__set__(s, "sneaked")
    assert s.id == "s-1"
    doc = json.loads(s.to_json())
    assert (doc["id"], doc["total_cost"], doc.get("model_name"), doc["state"]) == (
        "s-1",
        2.0,
        None,
        "Completed",
    )


@pytest.mark.parametrize("gen", GENERATIONS)
def test_fields_cannot_be_deleted_and_unknown_attributes_not_set(gen: ModuleType) -> None:
    s = load(gen)
    for field in ("id", "messages", "tool_names"):
        with pytest.raises(AttributeError, match=field):
            delattr(s, field)
    with pytest.raises(AttributeError):
        s.no_such_field = 1  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        del s.no_such_field  # type: ignore[attr-defined]
    assert s.id == "s-1" and len(s.messages) == 2


@pytest.mark.parametrize("gen", GENERATIONS)
def test_readers_and_a_writer_in_threads_see_whole_values(gen: ModuleType) -> None:
    s = load(gen)
    m = s.messages[0]
    values = {"user", "assistant"}
    seen: set[str] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(m.role)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    for i in range(2000):
        m.role = "assistant" if i % 2 else "user"
    stop.set()
    for t in readers:
        t.join()
    assert seen <= values
    m.role = "user"
    assert m.role == "user" and m.role == "user"
