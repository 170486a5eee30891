"""A tour of the a3s_session API, fully typed (passes ``mypy --strict``).

Loads the bundled sample session, walks its conversation with ``isinstance`` narrowing,
edits it in place, builds new records from classes and from dicts, and writes the result
with the crate's own serializer. Run it: ``python examples/typed_usage.py``.
"""

from __future__ import annotations

import copy
import pickle
import tempfile
from collections import Counter
from datetime import datetime, timezone
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

import a3s_session as a3s
from a3s_session import abc

if TYPE_CHECKING:
    # Type-only names: the dict shapes of SessionConfig's policy fields.
    from a3s_session._native import PermissionPolicyDict, PermissionPolicyInput


def load_sample() -> a3s.SessionData:
    """The sample that ships with the package, parsed by the crate's Deserialize impl."""
    raw = (files("a3s_session") / "data/sample_session.json").read_bytes()
    return a3s.SessionData.from_json(raw)


def describe_block(block: abc.ContentBlock) -> str:
    """One line per content block of either generation (``a3s_session.abc``: any TextBlock,
    v3's or v9's); each branch sees the narrowed block type."""
    if isinstance(block, abc.TextBlock):
        return f"text: {block.text[:60]!r}"
    if isinstance(block, abc.ImageBlock):
        return f"image: {block.source.media_type}, {len(block.source.data)} base64 chars"
    if isinstance(block, abc.ToolUseBlock):
        keys = sorted(block.input) if isinstance(block.input, dict) else []
        return f"tool_use {block.name} (id {block.id}) with {keys}"
    # Only ToolResultBlock is left.
    content = block.content
    if isinstance(content, str):
        body = f"{len(content)} chars"
    else:
        body = ", ".join(type(item).__name__ for item in content)
    flag = " [error]" if block.is_error else ""
    return f"tool_result for {block.tool_use_id}: {body}{flag}"


def walk(session: abc.SessionData) -> Counter[str]:
    """Print the conversation and count tool calls by tool name (either generation)."""
    calls: Counter[str] = Counter()
    for i, message in enumerate(session.messages):
        print(f"  [{i}] {message.role}")
        if message.reasoning_content is not None:
            print(f"      (reasoning: {message.reasoning_content!r})")
        for block in message.content:
            print(f"      {describe_block(block)}")
            if isinstance(block, abc.ToolUseBlock):
                calls[block.name] += 1
    return calls


def edit(session: a3s.SessionData) -> None:
    """Change the session in place: list items and nested objects are live views."""
    # Scalars and enums: assign the enum or its wire name.
    session.state = a3s.SessionState.ACTIVE
    session.model_name = "claude-sonnet-4"
    for task in session.tasks:
        if task.status is a3s.TaskStatus.IN_PROGRESS:
            task.status = "completed"
    session.tasks.append(
        a3s.Task(
            id="4",
            content="Document the overflow behaviour",
            priority=a3s.TaskPriority.LOW,
            dependencies=["2", "3"],
        )
    )

    # tool_use input is plain JSON-like Python data, edited in place.
    for message in session.messages:
        for block in message.content:
            if isinstance(block, a3s.ToolUseBlock) and isinstance(block.input, dict):
                block.input["edited_by"] = "typed_usage.py"

    # New messages: from instances, or from dicts converted by the crate at append time.
    session.messages.append(
        a3s.Message(
            role="user",
            content=[a3s.TextBlock(text="Thanks! Please also document it.")],
        )
    )
    session.messages.append(
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Done; see the updated README."},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_03",
                    "content": [{"type": "text", "text": "README.md updated"}],
                    "is_error": False,
                },
            ],
        }
    )

    # Nested objects read as instances; assigning a dict replaces them.
    usage = session.total_usage
    usage.prompt_tokens += 420
    usage.completion_tokens += 64
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens
    session.context_usage = {"used_tokens": 15000, "max_tokens": 200000, "percent": 7.5, "turns": 8}

    # A cost record: the timestamp accepts an aware datetime (read back as RFC 3339 text).
    session.cost_records.append(
        a3s.LlmCostRecord(
            model="claude-sonnet-4",
            provider="anthropic",
            prompt_tokens=420,
            completion_tokens=64,
            total_tokens=484,
            cost_usd=0.00222,
            timestamp=datetime(2025, 11, 25, 6, 30, tzinfo=timezone.utc),
            session_id=session.id,
        )
    )
    session.total_cost = sum(r.cost_usd or 0.0 for r in session.cost_records)

    # Policy fields are plain dicts: read a copy, change it, assign it back.
    config = session.config
    policy: PermissionPolicyDict | None = config.permission_policy
    if policy is not None:
        policy["allow"].append({"rule": "Edit(src/*)"})
        config.permission_policy = policy
    config.goal_tracking = False
    session.updated_at += 60


def build_new_session() -> a3s.SessionData:
    """A session made from scratch, with every nested value typed."""
    policy: PermissionPolicyInput = {
        "allow": ["Read(*)", {"rule": "Grep(*)"}],
        "default_decision": "ask",
    }
    config = a3s.SessionConfig(
        name="typed-example",
        workspace="/tmp/typed-example",
        planning_mode=a3s.PlanningMode.DISABLED,
        storage_type="memory",
        permission_policy=policy,
        queue_config={"enableMetrics": True, "laneTimeouts": {"Execute": 120_000}},
        confirmation_policy={
            "enabled": True,
            "default_timeout_ms": 10_000,
            "timeout_action": "AutoApprove",
            "yolo_lanes": ["Query"],
        },
    )
    tool_defs = a3s.SessionData.tool_names_from_definitions(
        [
            {"name": "read", "description": "Read a file", "parameters": {"type": "object"}},
            {"name": "bash", "description": "Run a command", "parameters": {"type": "object"}},
        ]
    )
    session = a3s.SessionData(
        id="sess-typed-0001",
        config=config,
        state="Active",
        tool_names=tool_defs,
        llm_config=a3s.LlmConfigData(provider="anthropic", model="claude-sonnet-4", api_key="sk-x"),
        created_at=1764050000,
        updated_at=1764050000,
    )
    session.messages.append(
        a3s.Message(
            role="assistant",
            content=[
                a3s.ToolUseBlock(id="toolu_a", name="bash", input={"command": "ls", "timeout": 5}),
            ],
        )
    )
    image = a3s.ImageBlock(source=a3s.ImageSource(media_type="image/png", data="iVBORw0KGgo="))
    session.messages.append(
        a3s.Message(
            role="user",
            content=[
                a3s.ToolResultBlock(
                    tool_use_id="toolu_a",
                    content=[a3s.TextBlock(text="README.md\nsrc/"), image],
                )
            ],
        )
    )
    return session


def main() -> int:
    print(f"a3s-session {a3s.__version__} over a3s-code-core {a3s.CRATE_VERSION}")
    session = load_sample()
    print(f"session {session.id}: {session.state.value}, {len(session.messages)} messages")
    calls = walk(session)
    print(f"tool calls: {dict(calls)}")

    original = copy.deepcopy(session)
    edit(session)
    assert session != original
    assert original == load_sample()  # the deep copy was independent
    print(f"edited: {len(session.messages)} messages, {len(session.tasks)} tasks")

    # Byte-for-byte round trips through the crate's serde, and through pickle.
    text = session.to_json(pretty=True)
    assert a3s.SessionData.from_json(text).to_json(pretty=True) == text
    assert a3s.SessionData.from_dict(session.to_dict()) == session
    assert pickle.loads(pickle.dumps(session)) == session

    fresh = build_new_session()
    llm = fresh.llm_config
    assert llm is not None and llm.api_key == "sk-x"
    assert "api_key" not in fresh.to_json()  # the crate never writes the key
    queue = fresh.config.queue_config
    assert queue is not None and queue["queryMaxConcurrency"] > 0
    for message in fresh.messages:
        for block in message.content:
            print(f"  new: {describe_block(block)}")

    # Invalid input raises SessionFormatError with the field path and position.
    try:
        a3s.Message.from_json('{"role": "user", "content": [{"type": "video"}]}')
    except a3s.SessionFormatError as err:
        print(f"rejected: {err.msg} (path {err.path!r}, line {err.line}, column {err.column})")

    # The crate's own file store writes what A3S Code itself would.
    with tempfile.TemporaryDirectory() as tmp:
        store = a3s.FileSessionStore(Path(tmp))
        # force: both conversations were made in Python with tool turns, which A3S Code
        # 9.1.3's fact log cannot take (README: "Handing a session back"); the records are
        # written as they are.
        store.save(session, force=True)
        store.save(fresh, force=True)
        print(f"stored: {store.list()}")
        loaded = store.load(session.id)
        assert loaded is not None and loaded == session

    out = Path(tempfile.gettempdir()) / f"{session.id}.json"
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} ({len(text)} chars)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
