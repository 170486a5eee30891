"""Deterministic, crate-valid session workloads in three sizes, S (~5 KB), M (~500 KB) and
L (~25 MB), and four shapes:

- ``text``: text-heavy. About 200 messages of about 2.5 KB each (at M), mixing user text,
  assistant text (some with `reasoning_content`), `tool_use` blocks with nested free-form
  `input`, and `tool_result` blocks whose content is a plain string or a list of text/image
  blocks (~100 bytes per JSON value).
- ``dense``: tool-call-dense, what a working agent writes. Many short turns: an assistant
  `tool_use` with a small JSON input (sometimes after a line of text) and a user `tool_result`
  with a short output; about 2,500 messages at M (~20 bytes per JSON value).
- ``mix``: the realistic mix. 60 % of turns are tool pairs as in ``dense``, 40 % are user and
  assistant text of a sentence to a paragraph.
- ``store``: the ``mix`` session as the crate's own ``FileSessionStore`` writes it (pretty
  JSON, read back from the file it saved).

Every shape has cost records (RFC 3339 timestamps with nanoseconds), tasks with dependencies,
confirmation/permission policies and an `llm_config`. Each workload is built from a seeded RNG,
so every run and every machine gets the same bytes; `text(size, shape=...)` returns the
crate's own JSON for it.
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

SIZES = {"S": 5_000, "M": 500_000, "L": 25_000_000}
SHAPES = ("text", "dense", "mix", "store")
_TOOL_NAMES = ("read", "grep", "edit", "bash", "glob", "ls")
_WORDS = (
    "the",
    "parser",
    "returns",
    "an",
    "error",
    "when",
    "input",
    "ends",
    "early",
    "so",
    "we",
    "read",
    "the",
    "next",
    "token",
    "and",
    "check",
    "whether",
    "it",
    "matches",
    "the",
    "expected",
    "delimiter",
    "before",
    "moving",
    "on",
    "to",
    "the",
    "following",
    "field",
    "überprüfen",
    "日本語",
    "café",
    "naïve",
    "—",
    "“quotes”",
    "tab\there",
    "newline\n",
)
_IDENT = string.ascii_letters + string.digits
_B64 = _IDENT + "+/"


class _Gen:
    """Seeded generator; `scale` multiplies every text length (small sessions use shorter
    texts, so that S holds a few messages rather than one long pair)."""

    def __init__(self, seed: int, scale: float) -> None:
        self.rng = random.Random(seed)
        self.scale = scale

    def sentence(self, n: int) -> str:
        n = max(1, round(n * self.scale))
        return " ".join(self.rng.choice(_WORDS) for _ in range(n))

    def ident(self, prefix: str) -> str:
        return prefix + "".join(self.rng.choice(_IDENT) for _ in range(20))

    def b64(self, n: int) -> str:
        return "".join(self.rng.choice(_B64) for _ in range(n))

    def tool_input(self) -> dict[str, Any]:
        rng = self.rng
        return {
            "path": f"src/{self.ident('mod_')}.rs",
            "pattern": self.sentence(3),
            "options": {
                "max_results": rng.randint(1, 500),
                "ignore_case": rng.random() < 0.5,
                "context": [rng.randint(0, 5), rng.random()],
                "glob": None,
                "filters": {
                    "exclude": [
                        f"*.{e}" for e in rng.sample(["lock", "min.js", "map", "png", "bin"], 2)
                    ],
                    "depth": {"max": rng.randint(1, 9), "follow_links": False},
                },
            },
            "edits": [
                {"old": self.sentence(8), "new": self.sentence(9), "line": rng.randint(1, 4000)}
                for _ in range(rng.randint(0, 3))
            ],
        }

    def messages(self, i: int) -> list[dict[str, Any]]:
        """One tool call (assistant text + tool_use, then its tool_result); every third one is
        preceded by a user message."""
        rng = self.rng
        tool_id = self.ident("toolu_")
        assistant: dict[str, Any] = {
            "role": "assistant",
            "content": [
                {"type": "text", "text": self.sentence(rng.randint(20, 220))},
                {
                    "type": "tool_use",
                    "id": tool_id,
                    "name": rng.choice(["read", "grep", "edit", "bash"]),
                    "input": self.tool_input(),
                },
            ],
        }
        if rng.random() < 0.3:
            assistant["reasoning_content"] = self.sentence(40)
        if rng.random() < 0.7:
            result_content: Any = self.sentence(rng.randint(100, 1000))
        else:
            result_content = [
                {"type": "text", "text": self.sentence(rng.randint(40, 350))}
                for _ in range(rng.randint(1, 3))
            ]
            if rng.random() < 0.2:
                result_content.append(
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/png",
                            "data": self.b64(300),
                        },
                    }
                )
        result = {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": tool_id,
                    "content": result_content,
                    "is_error": rng.choice([None, False, False, True]),
                }
            ],
        }
        user = {
            "role": "user",
            "content": [{"type": "text", "text": self.sentence(rng.randint(10, 120))}],
        }
        return [user, assistant, result] if i % 3 == 0 else [assistant, result]

    def small_input(self) -> dict[str, Any]:
        """A tool input as agents send them: a path, a command, a pattern."""
        rng = self.rng
        kind = rng.randrange(4)
        if kind == 0:
            return {"path": f"src/{rng.choice(_WORDS[:30])}.rs"}
        if kind == 1:
            return {"command": f"cargo test -q {rng.choice(_WORDS[:30])}", "timeout": 120}
        if kind == 2:
            return {"pattern": rng.choice(_WORDS[:30]), "path": "src", "-n": True}
        return {
            "path": f"src/{rng.choice(_WORDS[:30])}.rs",
            "old_string": self.sentence(rng.randint(1, 6)),
            "new_string": self.sentence(rng.randint(1, 6)),
        }

    def tool_pair(self) -> list[dict[str, Any]]:
        """A short assistant tool call and its short result."""
        rng = self.rng
        tool_id = self.ident("toolu_")
        content: list[dict[str, Any]] = []
        if rng.random() < 0.3:
            content.append({"type": "text", "text": self.sentence(rng.randint(2, 8))})
        content.append(
            {
                "type": "tool_use",
                "id": tool_id,
                "name": rng.choice(_TOOL_NAMES),
                "input": self.small_input(),
            }
        )
        result = {
            "type": "tool_result",
            "tool_use_id": tool_id,
            "content": self.sentence(rng.randint(1, 12)),
            "is_error": rng.random() < 0.08,
        }
        return [
            {"role": "assistant", "content": content},
            {"role": "user", "content": [result]},
        ]

    def text_turn(self) -> list[dict[str, Any]]:
        """A user message and the assistant's text answer."""
        rng = self.rng
        return [
            {
                "role": "user",
                "content": [{"type": "text", "text": self.sentence(rng.randint(5, 60))}],
            },
            {
                "role": "assistant",
                "content": [{"type": "text", "text": self.sentence(rng.randint(10, 150))}],
            },
        ]

    def turn(self, shape: str, i: int) -> list[dict[str, Any]]:
        if shape == "text":
            return self.messages(i)
        if shape == "dense" or self.rng.random() < 0.6:
            return self.tool_pair()
        return self.text_turn()


def session_dict(target_bytes: int, seed: int = 7, shape: str = "text") -> dict[str, Any]:
    """A session of `shape` (see the module docs) whose compact JSON is about `target_bytes`
    long (``store`` has the ``mix`` content)."""
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    content_shape = "mix" if shape == "store" else shape
    scale = 1.0 if target_bytes >= 100_000 or content_shape != "text" else 0.3
    gen = _Gen(seed, scale)
    rng = gen.rng
    messages: list[dict[str, Any]] = []
    approx = 0
    i = 0
    while approx < target_bytes * 0.93:
        batch = gen.turn(content_shape, i)
        messages.extend(batch)
        approx += len(json.dumps(batch, ensure_ascii=False))
        i += 1
    n_calls = max(1, len(messages) // 4)
    cost_records = [
        {
            "model": "claude-sonnet-4",
            "provider": "anthropic",
            "prompt_tokens": rng.randint(1000, 90000),
            "completion_tokens": rng.randint(10, 4000),
            "total_tokens": rng.randint(1000, 95000),
            "cost_usd": rng.random() / 10,
            "timestamp": f"2025-11-25T06:{k % 60:02d}:{(k * 7) % 60:02d}."
            f"{rng.randint(0, 999999999):09d}Z",
            "session_id": "bench",
        }
        for k in range(min(n_calls, 400))
    ]
    tasks = [
        {
            "id": str(k),
            "content": gen.sentence(6),
            "status": rng.choice(["pending", "in_progress", "completed", "failed"]),
            "priority": rng.choice(["high", "medium", "low"]),
            **({"dependencies": [str(k - 1)]} if k else {}),
        }
        for k in range(min(20, 1 + len(messages) // 20))
    ]
    return {
        "id": f"bench-{shape}-{target_bytes}",
        "config": {
            "name": "benchmark session",
            "workspace": "/work/project",
            "system_prompt": gen.sentence(30),
            "max_context_length": 200000,
            "auto_compact": True,
            "auto_compact_threshold": 0.8,
            "storage_type": "file",
            "planning_mode": "Auto",
            "goal_tracking": False,
            "confirmation_policy": {
                "enabled": True,
                "default_timeout_ms": 30000,
                "timeout_action": "Reject",
                "yolo_lanes": [],
            },
            "permission_policy": {
                "deny": [{"rule": "Bash(rm:*)"}],
                "allow": [{"rule": "Read(*)"}],
                "ask": [],
                "default_decision": "ask",
                "enabled": True,
            },
        },
        "state": "Active",
        "messages": messages,
        "context_usage": {
            "used_tokens": 123456,
            "max_tokens": 200000,
            "percent": 61.728,
            "turns": i,
        },
        "total_usage": {
            "prompt_tokens": 1234567,
            "completion_tokens": 54321,
            "total_tokens": 1288888,
            "cache_read_tokens": 1000000,
            "cache_write_tokens": None,
        },
        "total_cost": 12.345678,
        "model_name": "claude-sonnet-4",
        "cost_records": cost_records,
        "tool_names": ["read", "write", "edit", "bash", "grep", "glob"],
        "thinking_enabled": False,
        "thinking_budget": None,
        "created_at": 1764050000,
        "updated_at": 1764053725,
        "llm_config": {
            "provider": "anthropic",
            "model": "claude-sonnet-4",
            "base_url": "https://llm.example.invalid/v1",
        },
        "tasks": tasks,
    }


def text(size: str, seed: int = 7, shape: str = "text") -> str:
    """The workload as the crate writes it (compact; pretty for ``store``, through the crate's
    own ``FileSessionStore``), in the form that reads back unchanged.

    serde_json's default float parser (the crate's build has no `float_roundtrip`) can land one
    ulp off for a 17-digit float, so the first load-and-save of a freshly written session may
    change a few float digits; this returns the text after that settles (at most a few passes).
    """
    from a3s_session.v3 import SessionData

    out = SessionData.from_dict(session_dict(SIZES[size], seed, shape)).to_json()
    for _ in range(5):
        again = SessionData.from_json(out).to_json()
        if again == out:
            return _stored(out) if shape == "store" else out
        out = again
    raise RuntimeError(f"workload {shape} {size} does not settle under the crate's load-and-save")


def _stored(compact: str) -> str:
    """The bytes the crate's ``FileSessionStore`` writes for this session."""
    import tempfile
    from pathlib import Path

    from a3s_session.v3 import FileSessionStore, SessionData

    session = SessionData.from_json(compact)
    with tempfile.TemporaryDirectory(prefix="a3s-store-workload-") as tmp:
        FileSessionStore(tmp).save(session)
        (path,) = Path(tmp).glob("*.json")
        return path.read_text(encoding="utf-8")
