"""Objects a record keeps for fields read again (`src/binding/src/kept.rs`): a kept value is
the same object on every read and never outlives an assignment; views are kept from the first
read; copies (policy configs) never are. Both generations."""

from __future__ import annotations

import sys
import threading
from types import ModuleType
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
    s = load(gen)
    s.id = "kept-value"
    assert s.id == "kept-value"  # the first read: made, not kept
    kept = s.id  # the second read's object is kept
    assert s.id is kept
    held = sys.getrefcount(kept)
    del s
    assert sys.getrefcount(kept) == held - 1


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
