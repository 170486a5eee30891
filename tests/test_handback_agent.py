"""Handing sessions back to the real A3S Code 9.1.3 agent.

``src/v9/agent`` is a small driver linking a3s-code-core 9.1.3 alone: its ``Agent`` /
``AgentSession`` loop, its OpenAI (or Anthropic) provider client and its ``FileSessionStore``.
Its model is a scripted server on loopback here, which records every request. Each scenario
edits a session from Python, lets the agent resume it and answer one more prompt, and checks
the two things that matter: the model request carried the edit, and the agent's next save
kept it.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from a3s_session import HandBackError, v9
from a3s_session.factlog import FactLog
from conftest import build_v9_binary

KEY = bytes(range(32))
DRIVER = "a3s-session-agent-v9"


@pytest.fixture(scope="session")
def agent_driver() -> Path:
    """The driver, built in the 9.1.3 workspace (sharing the oracle's target dir and lock)."""
    return build_v9_binary(DRIVER)


class Model:
    """A scripted model on loopback: answers every request with ``reply-<n>`` in the
    provider's wire format and keeps each request body."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.requests: list[dict[str, Any]] = []
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                model.requests.append(json.loads(body or b"{}"))
                text = f"reply-{len(model.requests)}"
                if model.provider == "anthropic":
                    answer = {
                        "id": "msg-1", "type": "message", "role": "assistant", "model": "fixture-model",
                        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                        "usage": {"input_tokens": 1, "output_tokens": 1},
                    }  # fmt: skip
                else:
                    answer = {
                        "id": "c-1", "object": "chat.completion", "model": "fixture-model",
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                     "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    }  # fmt: skip
                request = model.requests[-1]
                if request.get("stream") and model.provider == "anthropic":
                    out = _anthropic_events(answer).encode()
                    kind = "text/event-stream"
                else:
                    out = json.dumps(answer).encode()
                    kind = "application/json"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}" + ("" if self.provider == "anthropic" else "/v1")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def turn(self, prompt: str) -> list[tuple[str, str]]:
        """The conversation of the model request that answered ``prompt`` (its last user
        message), as ``(role, text)``; the agent's side requests (memory extraction, ...)
        end differently."""
        for request in reversed(self.requests):
            messages = [_role_text(m) for m in request.get("messages", [])]
            messages = [m for m in messages if m[0] != "system"]
            if messages and messages[-1] == ("user", prompt):
                return messages
        raise AssertionError(f"no model request answered {prompt!r}: {self.requests}")


def _anthropic_events(message: dict[str, Any]) -> str:
    """``message`` as Anthropic's streaming events (server-sent events)."""
    text = message["content"][0]["text"]
    start = {**message, "content": [], "stop_reason": None}
    events = [
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": text}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                           "usage": {"output_tokens": 1}}),
        ("message_stop", {"type": "message_stop"}),
    ]  # fmt: skip
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)


def _role_text(message: dict[str, Any]) -> tuple[str, str]:
    content = message.get("content")
    if isinstance(content, list):  # Anthropic blocks
        content = "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return str(message.get("role")), str(content or "")


@pytest.fixture
def model() -> Iterator[Model]:
    m = Model("openai")
    yield m
    m.close()


class Agent:
    """Runs the driver: one prompt, one save, per call (bounded by a timeout)."""

    def __init__(
        self, driver: Path, tmp: Path, model: Model, store: Path, key: bytes | None
    ) -> None:
        self.driver, self.tmp, self.model, self.store, self.key = driver, tmp, model, store, key
        self.runs = 0

    def send(
        self, session_id: str, prompt: str, *, workspace: Path, resume: bool
    ) -> dict[str, Any]:
        self.runs += 1
        args = {
            "store": str(self.store), "workspace": str(workspace), "session": session_id,
            "provider": self.model.provider, "base_url": self.model.url, "prompt": prompt,
            "resume": resume,
        }  # fmt: skip
        if self.key is not None:
            args["key"] = self.key.hex()
        path = self.tmp / f"args-{self.runs}.json"
        path.write_text(json.dumps(args))
        proc = subprocess.run(
            [str(self.driver), str(path)], capture_output=True, text=True, timeout=120, check=False
        )
        assert proc.returncode == 0, proc.stderr
        out: dict[str, Any] = json.loads(proc.stdout)
        return out


def open_store(path: Path, key: bytes | None) -> v9.FileSessionStore:
    return v9.FileSessionStore(path, encryption_key=key)


def message(role: str, text: str) -> v9.Message:
    return v9.Message(role=role, content=[{"type": "text", "text": text}])


def text(m: v9.Message) -> str:
    return "".join(b.text for b in m.content if isinstance(b, v9.TextBlock))


def append_exchange(session: v9.SessionData, tag: str) -> None:
    session.messages.append(message("user", f"{tag} question"))
    session.messages.append(message("assistant", f"{tag} answer"))


# How a Python program saves the edited session back, one per save method.
def _save(store: v9.FileSessionStore, sid: str, tag: str) -> None:
    s = store.load(sid)
    assert s is not None
    append_exchange(s, tag)
    store.save(s)


def _save_async(store: v9.FileSessionStore, sid: str, tag: str) -> None:
    async def go() -> None:
        s = await store.load_async(sid)
        assert s is not None
        append_exchange(s, tag)
        await store.save_async(s)

    asyncio.run(go())


def _save_snapshot(store: v9.FileSessionStore, sid: str, tag: str) -> None:
    snap = store.load_snapshot(sid)
    assert snap is not None
    append_exchange(snap.session, tag)
    store.save_snapshot(snap)


def _save_snapshot_cas(store: v9.FileSessionStore, sid: str, tag: str) -> None:
    snap = store.load_snapshot(sid)
    assert snap is not None
    digest = snap.content_digest()
    append_exchange(snap.session, tag)
    assert store.save_snapshot_cas(snap, digest)


def _edit(store: v9.FileSessionStore, sid: str, tag: str) -> None:
    with store.edit(sid) as s:
        append_exchange(s, tag)


def _save_snapshot_async(store: v9.FileSessionStore, sid: str, tag: str) -> None:
    async def go() -> None:
        snap = await store.load_snapshot_async(sid)
        assert snap is not None
        append_exchange(snap.session, tag)
        await store.save_snapshot_async(snap)

    asyncio.run(go())


SAVES: dict[str, Callable[[v9.FileSessionStore, str, str], None]] = {
    "save": _save,
    "save_async": _save_async,
    "save_snapshot": _save_snapshot,
    "save_snapshot_async": _save_snapshot_async,
    "save_snapshot_cas": _save_snapshot_cas,
    "edit": _edit,
}


@pytest.mark.parametrize("encrypted", [False, True], ids=["plaintext", "encrypted"])
@pytest.mark.parametrize("method", list(SAVES))
def test_an_appended_exchange_reaches_the_agent_and_survives_its_save(
    agent_driver: Path, model: Model, tmp_path: Path, method: str, encrypted: bool
) -> None:
    key = KEY if encrypted else None
    workspace = tmp_path / "ws"
    workspace.mkdir()
    agent = Agent(agent_driver, tmp_path, model, tmp_path / "store", key)
    agent.send("s-1", "first prompt", workspace=workspace, resume=False)
    tag = f"PY-{method}"

    SAVES[method](open_store(tmp_path / "store", key), "s-1", tag)

    agent.send("s-1", "second prompt", workspace=workspace, resume=True)
    assert model.turn("second prompt") == [
        ("user", "first prompt"),
        ("assistant", "reply-1"),
        ("user", f"{tag} question"),
        ("assistant", f"{tag} answer"),
        ("user", "second prompt"),
    ]
    kept = open_store(tmp_path / "store", key).load("s-1")
    assert kept is not None
    texts = [text(m) for m in kept.messages]
    assert f"{tag} question" in texts and f"{tag} answer" in texts, texts
    assert texts.index(f"{tag} question") < texts.index("second prompt")
    assert FactLog.of(kept).compare(kept) == "agrees"


def test_a_session_first_written_from_python_is_continued_whole(
    agent_driver: Path, model: Model, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    session = v9.SessionData(id="py-1", config=v9.SessionConfig(workspace=str(workspace)))
    for i in range(3):
        append_exchange(session, f"turn-{i}")
    open_store(tmp_path / "store", None).save(session)
    assert FactLog.of(session).compare(session) == "agrees"

    agent = Agent(agent_driver, tmp_path, model, tmp_path / "store", None)
    out = agent.send("py-1", "continue", workspace=workspace, resume=True)
    assert model.turn("continue") == [
        *[(role, f"turn-{i} {part}") for i in range(3)
          for role, part in (("user", "question"), ("assistant", "answer"))],
        ("user", "continue"),
    ]  # fmt: skip
    assert out["messages"] == 8, out
    kept = open_store(tmp_path / "store", None).load("py-1")
    assert kept is not None and len(kept.messages) == 8


def test_forced_saves_are_what_the_agent_replaces(
    agent_driver: Path, model: Model, tmp_path: Path
) -> None:
    """The behaviour before hand-back, still what ``force=True`` does: the agent's model never
    sees the edit and its next save removes it."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    agent = Agent(agent_driver, tmp_path, model, tmp_path / "store", None)
    agent.send("s-1", "first prompt", workspace=workspace, resume=False)
    store = open_store(tmp_path / "store", None)
    s = store.load("s-1")
    assert s is not None
    append_exchange(s, "FORCED")
    store.save(s, force=True)
    assert FactLog.of(s).compare(s) == "messages-ahead"

    agent.send("s-1", "second prompt", workspace=workspace, resume=True)
    assert ("user", "FORCED question") not in model.turn("second prompt")
    kept = store.load("s-1")
    assert kept is not None and "FORCED question" not in [text(m) for m in kept.messages]


def test_refused_edits_name_the_reason_and_the_choice(
    agent_driver: Path, model: Model, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    agent = Agent(agent_driver, tmp_path, model, tmp_path / "store", None)
    agent.send("s-1", "first prompt", workspace=workspace, resume=False)
    store = open_store(tmp_path / "store", None)
    log_before = FactLog(workspace, "s-1").facts()

    s = store.load("s-1")
    assert s is not None
    s.messages[0] = message("user", "rewritten history")
    with pytest.raises(HandBackError, match=r"message 0 was edited or deleted.*force=True") as err:
        store.save(s)
    assert err.value.log == FactLog(workspace, "s-1").path

    s = store.load("s-1")
    assert s is not None
    s.messages.append(message("user", "a prompt with no reply"))
    with pytest.raises(HandBackError, match="not user/assistant pairs"):
        store.save(s)

    # Nothing refused reached the log or the record.
    assert FactLog(workspace, "s-1").facts() == log_before
    stored = store.load("s-1")
    assert stored is not None and text(stored.messages[0]) == "first prompt"


def test_the_anthropic_provider_sees_it_too(agent_driver: Path, tmp_path: Path) -> None:
    """The same hand-back through the crate's Anthropic client (streaming events)."""
    model = Model("anthropic")
    try:
        workspace = tmp_path / "ws"
        workspace.mkdir()
        agent = Agent(agent_driver, tmp_path, model, tmp_path / "store", KEY)
        agent.send("s-1", "first prompt", workspace=workspace, resume=False)
        _save(open_store(tmp_path / "store", KEY), "s-1", "PY")
        agent.send("s-1", "second prompt", workspace=workspace, resume=True)
        assert model.turn("second prompt")[2:4] == [
            ("user", "PY question"),
            ("assistant", "PY answer"),
        ]
    finally:
        model.close()
