"""Deterministic, crate-valid session workloads: S (~5 KB), M (~500 KB), L (~25 MB).

Each workload is a dict shaped like the crate's SessionData, built from a seeded RNG, so every
run and every machine gets the same bytes. `text(size)` returns the crate's own pretty JSON.
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

SIZES = {"S": 5_000, "M": 500_000, "L": 25_000_000}
_WORDS = (
    "the parser returns an error when input ends early so we read the next token and check "
    "whether it matches the expected delimiter before moving on to the following field "
    "überprüfen 日本語 café naïve — “quotes” tab\there newline\n"
).split(" ")


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n))


def _ident(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(20))


def _tool_input(rng: random.Random) -> dict[str, Any]:
    return {
        "path": f"src/{_ident(rng, 'mod_')}.rs",
        "pattern": _sentence(rng, 3),
        "options": {"max_results": rng.randint(1, 500), "ignore_case": rng.random() < 0.5,
                    "context": [rng.randint(0, 5), rng.random()], "glob": None},
        "edits": [{"old": _sentence(rng, 8), "new": _sentence(rng, 9), "line": rng.randint(1, 4000)}
                  for _ in range(rng.randint(0, 3))],
    }


def _message_pair(rng: random.Random, i: int) -> list[dict[str, Any]]:
    tool_id = _ident(rng, "toolu_")
    assistant: dict[str, Any] = {
        "role": "assistant",
        "content": [
            {"type": "text", "text": _sentence(rng, rng.randint(10, 120))},
            {"type": "tool_use", "id": tool_id, "name": rng.choice(["read", "grep", "edit", "bash"]),
             "input": _tool_input(rng)},
        ],
    }
    if rng.random() < 0.3:
        assistant["reasoning_content"] = _sentence(rng, 40)
    if rng.random() < 0.7:
        result_content: Any = _sentence(rng, rng.randint(50, 600))
    else:
        result_content = [{"type": "text", "text": _sentence(rng, rng.randint(20, 200))}
                          for _ in range(rng.randint(1, 3))]
    result = {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": tool_id, "content": result_content,
         "is_error": rng.choice([None, False, False, True])}]}
    user = {"role": "user", "content": [{"type": "text", "text": _sentence(rng, rng.randint(5, 60))}]}
    return [user, assistant, result] if i % 3 == 0 else [assistant, result]


def session_dict(target_bytes: int, seed: int = 7) -> dict[str, Any]:
    """A session whose compact JSON is about `target_bytes` long."""
    rng = random.Random(seed)
    messages: list[dict[str, Any]] = []
    approx = 0
    i = 0
    while approx < target_bytes * 0.93:
        pair = _message_pair(rng, i)
        messages.extend(pair)
        approx += len(json.dumps(pair, ensure_ascii=False))
        i += 1
    n_calls = max(1, len(messages) // 4)
    cost_records = [
        {"model": "claude-sonnet-4", "provider": "anthropic",
         "prompt_tokens": rng.randint(1000, 90000), "completion_tokens": rng.randint(10, 4000),
         "total_tokens": rng.randint(1000, 95000), "cost_usd": rng.random() / 10,
         "timestamp": f"2025-11-25T06:{k % 60:02d}:{(k * 7) % 60:02d}.{rng.randint(0, 999999999):09d}Z",
         "session_id": "bench"}
        for k in range(min(n_calls, 400))
    ]
    tasks = [
        {"id": str(k), "content": _sentence(rng, 6),
         "status": rng.choice(["pending", "in_progress", "completed", "failed"]),
         "priority": rng.choice(["high", "medium", "low"]),
         **({"dependencies": [str(k - 1)]} if k else {})}
        for k in range(min(20, 1 + len(messages) // 20))
    ]
    return {
        "id": f"bench-{target_bytes}",
        "config": {
            "name": "benchmark session", "workspace": "/work/project", "system_prompt": _sentence(rng, 30),
            "max_context_length": 200000, "auto_compact": True, "auto_compact_threshold": 0.8,
            "storage_type": "file", "planning_mode": "Auto", "goal_tracking": False,
            "confirmation_policy": {"enabled": True, "default_timeout_ms": 30000,
                                    "timeout_action": "Reject", "yolo_lanes": []},
            "permission_policy": {"deny": [{"rule": "Bash(rm:*)"}], "allow": [{"rule": "Read(*)"}],
                                  "ask": [], "default_decision": "ask", "enabled": True},
        },
        "state": "Active",
        "messages": messages,
        "context_usage": {"used_tokens": 123456, "max_tokens": 200000, "percent": 61.728, "turns": i},
        "total_usage": {"prompt_tokens": 1234567, "completion_tokens": 54321, "total_tokens": 1288888,
                        "cache_read_tokens": 1000000, "cache_write_tokens": None},
        "total_cost": 12.345678,
        "model_name": "claude-sonnet-4",
        "cost_records": cost_records,
        "tool_names": ["read", "write", "edit", "bash", "grep", "glob"],
        "thinking_enabled": False,
        "thinking_budget": None,
        "created_at": 1764050000,
        "updated_at": 1764053725,
        "tasks": tasks,
    }


def text(size: str, seed: int = 7) -> str:
    """The workload as the crate writes it (compact)."""
    from a3s_session import SessionData

    return SessionData.from_dict(session_dict(SIZES[size], seed)).to_json()
