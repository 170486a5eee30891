"""Regenerate the bundled sample session (python/a3s_session/data/sample_session.json).

The sample is built through the a3s_session API and written by the crate (pretty, as its
FileSessionStore writes), so it is a document A3S Code itself could have produced.
"""

from __future__ import annotations

import pathlib

import a3s_session as a3s

OUT = pathlib.Path(__file__).resolve().parents[1] / "python/a3s_session/data/sample_session.json"


def build() -> a3s.SessionData:
    config = a3s.SessionConfig(
        name="refactor-parser",
        workspace="/home/dev/projects/tinyjson",
        system_prompt="You are A3S Code, a careful coding agent.",
        max_context_length=200000,
        auto_compact=True,
        auto_compact_threshold=0.85,
        planning_mode="Enabled",
        goal_tracking=True,
        confirmation_policy={
            "enabled": True,
            "default_timeout_ms": 30000,
            "timeout_action": "Reject",
            "yolo_lanes": ["Query"],
        },
        permission_policy={
            "deny": [{"rule": "Bash(rm -rf:*)"}],
            "allow": ["Read(*)", {"rule": "Grep(*)"}],
            "ask": [],
            "default_decision": "ask",
            "enabled": True,
        },
    )
    s = a3s.SessionData(
        id="sess-7f3c2a9e",
        config=config,
        state="Completed",
        model_name="claude-sonnet-4",
        thinking_enabled=True,
        thinking_budget=8192,
        created_at=1764050000,
        updated_at=1764053725,
        tool_names=["read", "write", "edit", "bash", "grep", "glob"],
        llm_config={"provider": "anthropic", "model": "claude-sonnet-4", "base_url": None},
    )
    s.messages.append(
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": "The parser chokes on `1e400` — fix it, and add a test. Ünïcödé names too: 日本語.",
                }
            ],
        }
    )
    s.messages.append(
        {
            "role": "assistant",
            "reasoning_content": "Look at the number parser first.",
            "content": [
                {"type": "text", "text": "Let me look at the number parser."},
                {
                    "type": "tool_use",
                    "id": "toolu_01",
                    "name": "grep",
                    "input": {
                        "pattern": "fn parse_number",
                        "path": "src/",
                        "flags": {"ignore_case": False, "max": 20},
                    },
                },
            ],
        }
    )
    s.messages.append(
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_01",
                    "content": "src/number.rs:42: fn parse_number(input: &str) -> Result<f64> {",
                    "is_error": False,
                }
            ],
        }
    )
    s.messages.append(
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": "toolu_02",
                    "name": "edit",
                    "input": {
                        "file": "src/number.rs",
                        "old": "s.parse::<f64>()?",
                        "new": "parse_f64_lossy(s)?",
                        "replace_all": True,
                        "ratio": 0.1,
                        "big": 18446744073709551615,
                    },
                },
            ],
        }
    )
    s.messages.append(
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_02",
                    "content": [
                        {
                            "type": "text",
                            "text": "Applied 1 edit. Screenshot of the failing test before the change:",
                        },
                        {
                            "type": "image",
                            "source": {
                                "type": "base64",
                                "media_type": "image/png",
                                "data": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
                            },
                        },
                    ],
                    "is_error": None,
                }
            ],
        }
    )
    s.messages.append(
        {
            "role": "assistant",
            "content": [
                {
                    "type": "text",
                    "text": "Fixed: `1e400` now parses to +inf with a warning, and a regression test covers it.",
                }
            ],
        }
    )
    s.context_usage = a3s.ContextUsage(
        used_tokens=18234, max_tokens=200000, percent=18234 / 200000 * 100, turns=3
    )
    s.total_usage = a3s.TokenUsage(
        prompt_tokens=15820,
        completion_tokens=2414,
        total_tokens=18234,
        cache_read_tokens=12000,
        cache_write_tokens=None,
    )
    s.total_cost = 0.083571
    s.cost_records.append(
        {
            "model": "claude-sonnet-4",
            "provider": "anthropic",
            "prompt_tokens": 9120,
            "completion_tokens": 1302,
            "total_tokens": 10422,
            "cost_usd": 0.046893,
            "timestamp": "2025-11-25T06:15:02.123456789Z",
            "session_id": "sess-7f3c2a9e",
        }
    )
    s.cost_records.append(
        {
            "model": "claude-sonnet-4",
            "provider": "anthropic",
            "prompt_tokens": 6700,
            "completion_tokens": 1112,
            "total_tokens": 7812,
            "cost_usd": None,
            "timestamp": "2025-11-25T06:15:25.5Z",
            "session_id": None,
        }
    )
    s.tasks.append(
        {
            "id": "1",
            "content": "Find the number parser",
            "status": "completed",
            "priority": "high",
            "tool": "grep",
        }
    )
    s.tasks.append(
        {
            "id": "2",
            "content": "Handle overflow to infinity",
            "status": "completed",
            "dependencies": ["1"],
            "success_criteria": "1e400 parses",
        }
    )
    s.tasks.append(
        {"id": "3", "content": "Add a regression test", "status": "in_progress", "priority": "low"}
    )
    return s


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(build().to_json(pretty=True), encoding="utf-8")
    print(f"wrote {OUT}")
