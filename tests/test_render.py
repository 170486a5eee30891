"""Rendering and sharing: every export checked by its own schema or parser (ATIF's pydantic
models, the OTLP protobufs, OpenAI's message types), redaction on by default for what is
shared, and the HTML page safe with hostile text."""

from __future__ import annotations

import base64
import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import a3s_session
from a3s_session import render, v3, v9
from a3s_session.redaction import Redactor, redact
from a3s_session.transcript import Transcript
from redaction_corpus import NEGATIVES, POSITIVES

SAMPLE = Path(a3s_session.__file__).parent / "data" / "sample_session.json"
ANTHROPIC = "sk-ant-api03-" + "Zm9yVGVzdHNPbmx5Tm90QVJlYWxLZXkxMjM0NTY3ODkwYWJjZGVm" + "-QQAA"
AWS_SECRET = "q8Fh2Lm9Xz0Rt7Wp3Kv6Nb1Yc4Jd5Gs8Ae2Uo9Ti"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
SECRETS = (ANTHROPIC, AWS_SECRET, GITHUB)
SHAREABLE = ("md", "html", "openai-jsonl", "atif", "otlp-json")


def rich_session(gen: Any = v9) -> Any:
    """The sample, plus: secrets in a tool result, an error result, a model-only message,
    hostile HTML, and one cost record per assistant message (so turns get usage)."""
    d = json.loads(SAMPLE.read_text(encoding="utf-8"))
    d["messages"][2]["content"][0]["content"] = (
        f"ANTHROPIC_API_KEY={ANTHROPIC}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"
        f"remote: https://x-access-token:{GITHUB}@github.com/o/r.git"
    )
    d["messages"][4]["content"][0]["is_error"] = True
    d["messages"].append(
        {
            "role": "user",
            "content": [{"type": "text", "text": "Continue the plan <script>alert(1)</script>"}],
            **({"transcript_visibility": "wire"} if gen is v9 else {}),
        }
    )
    d["messages"].append(
        {
            "role": "assistant",
            "content": [
                {
                    "type": "text",
                    "text": "Done. [click](javascript:alert(1)) <img src=x onerror=alert(2)>\n\n"
                    '```rust\nfn main() { println!("hi"); }\n```',
                }
            ],
        }
    )
    record = d["cost_records"][0]
    d["cost_records"] = [
        {
            **record,
            "prompt_tokens": 100 * i,
            "completion_tokens": 10 * i,
            "total_tokens": 110 * i,
            "timestamp": f"2025-11-25T06:{10 + i:02d}:00.5Z",
        }
        for i in range(1, 5)
    ]
    if gen is v3:
        for m in d["messages"]:
            m.pop("transcript_visibility", None)
    return gen.SessionData.from_dict(d, unknown="ignore")


@pytest.fixture(scope="module")
def session() -> Any:
    return rich_session()


# ---------------------------------------------------------------------------------------------
# Redaction
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "line", "secret"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_every_positive_is_redacted_as_its_kind(kind: str, line: str, secret: str) -> None:
    out = redact(line.format(s=secret))
    assert secret not in out.text
    assert kind in out.counts, out.counts
    assert f"[REDACTED:{kind}]" in out.text


@pytest.mark.parametrize("line", NEGATIVES)
def test_no_negative_is_touched(line: str) -> None:
    out = redact(line)
    assert (out.text, dict(out.counts)) == (line, {})


def test_recall_and_false_positives_are_reported() -> None:
    found = sum(1 for _, line, s in POSITIVES if s not in redact(line.format(s=s)).text)
    flagged = sum(1 for line in NEGATIVES if redact(line).total)
    print(
        f"\nredaction recall {found}/{len(POSITIVES)}, false positives {flagged}/{len(NEGATIVES)}"
    )
    assert (found, flagged) == (len(POSITIVES), 0)


def test_paths_become_tilde_only_when_asked() -> None:
    text = "cd /home/alice/src && ls /Users/bob/x C:\\Users\\carol\\d and /root/y"
    assert redact(text).text == text
    r = Redactor(paths=True, home="/root")
    assert r(text) == "cd ~/src && ls ~/x ~\\d and ~/y"
    assert r.counts == {"home-path": 4}


def test_summary_counts_kinds_never_secrets(session: Any) -> None:
    out = render(session, "md")
    assert out.redacted and out.summary().startswith("redacted: ")
    for secret in SECRETS:
        assert secret not in out.summary()
    assert out.redactions["env-secret"] >= 1 and sum(out.redactions.values()) >= 3


@pytest.mark.parametrize("fmt", SHAREABLE)
def test_shareable_formats_are_redacted_by_default(session: Any, fmt: str) -> None:
    out = render(session, fmt)
    for secret in SECRETS:
        assert secret not in out.text
    assert out.redacted and out.redactions
    if fmt == "otlp-json":
        return  # spans carry no message text (only an error result's first 200 characters)
    assert "[REDACTED:" in out.text
    kept = render(session, fmt, redact=False)
    assert any(secret in kept.text for secret in SECRETS)
    assert not kept.redacted


def test_text_and_json_are_not_redacted_unless_asked(session: Any) -> None:
    assert ANTHROPIC in render(session, "text", full=True, width=200).text
    assert render(session, "json").text == session.to_json(pretty=True) + "\n"
    cleaned = render(session, "json", redact=True).text
    assert ANTHROPIC not in cleaned
    # Still the crate's own document.
    assert v9.SessionData.from_json(cleaned).to_json(pretty=True) + "\n" == cleaned


# ---------------------------------------------------------------------------------------------
# Exports, checked by their own schemas and parsers
# ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the atif package needs Python 3.11")
@pytest.mark.parametrize("gen", [v3, v9], ids=["v3", "v9"])
def test_atif_validates_with_the_atif_models(gen: Any) -> None:
    import atif

    s = rich_session(gen)
    doc = json.loads(render(s, "atif").text)
    trajectory = atif.Trajectory.model_validate(doc)
    assert trajectory.schema_version == "ATIF-v1.8"
    agent_steps = [st for st in trajectory.steps if st.source == "agent"]
    assert len(agent_steps) == 4
    # Per-step tokens and cost from the crate's cost records.
    assert [st.metrics.prompt_tokens for st in agent_steps if st.metrics] == [100, 200, 300, 400]
    calls = [c for st in agent_steps for c in (st.tool_calls or [])]
    assert [c.function_name for c in calls] == ["grep", "edit"]
    observed = [
        r.source_call_id for st in agent_steps if st.observation for r in st.observation.results
    ]
    assert observed == ["toolu_01", "toolu_02"]
    assert trajectory.final_metrics is not None
    assert trajectory.final_metrics.total_prompt_tokens == s.total_usage.prompt_tokens


def test_atif_of_the_plain_sample_validates() -> None:
    pytest.importorskip("atif")
    import atif

    s = a3s_session.load_session(SAMPLE)
    atif.Trajectory.model_validate_json(render(s, "atif").text)


def test_openai_jsonl_validates_with_openais_types(session: Any) -> None:
    from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam
    from pydantic import TypeAdapter

    lines = render(session, "openai-jsonl").text.splitlines()
    assert len(lines) == 1  # one line per session
    doc = json.loads(lines[0])
    assert set(doc) == {"messages", "tools"}
    TypeAdapter(list[ChatCompletionMessageParam]).validate_python(doc["messages"])
    TypeAdapter(list[ChatCompletionToolParam]).validate_python(doc["tools"])
    # OpenAI's fine-tuning checks: each tool message answers a call made before it.
    called: set[str] = set()
    for m in doc["messages"]:
        for c in m.get("tool_calls", []):
            called.add(c["id"])
            json.loads(c["function"]["arguments"])
        if m["role"] == "tool":
            assert m["tool_call_id"] in called
    roles = [m["role"] for m in doc["messages"]]
    assert roles[0] == "system" and roles.count("tool") == 2


def _otlp_request(text: str) -> Any:
    """Parse OTLP/JSON with the opentelemetry-proto messages. OTLP/JSON writes trace and
    span ids as hex (the spec's one deviation from protobuf's JSON mapping, which uses
    base64), so they are converted first, as a collector does."""
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    doc = json.loads(text)
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        assert len(span[key]) in (16, 32)
                        span[key] = base64.b64encode(bytes.fromhex(span[key])).decode()
    return json_format.ParseDict(doc, ExportTraceServiceRequest())


def test_otlp_json_parses_as_an_export_request_with_genai_spans(session: Any) -> None:
    req = _otlp_request(render(session, "otlp-json").text)
    spans = list(req.resource_spans[0].scope_spans[0].spans)
    names = [s.name for s in spans]
    assert names[0] == "invoke_agent a3s-code"
    assert names.count("chat claude-sonnet-4") == 4
    assert names.count("execute_tool grep") == 1 and names.count("execute_tool edit") == 1
    root = spans[0]
    assert all(s.parent_span_id == root.span_id for s in spans[1:])
    assert len({s.trace_id for s in spans}) == 1

    def attrs(span: Any) -> dict[str, Any]:
        out = {}
        for kv in span.attributes:
            v = kv.value
            out[kv.key] = getattr(v, v.WhichOneof("value"))
        return out

    chats = [attrs(s) for s in spans if s.name.startswith("chat")]
    assert [c["gen_ai.usage.input_tokens"] for c in chats] == [100, 200, 300, 400]
    assert all(c["gen_ai.operation.name"] == "chat" for c in chats)
    tools = {attrs(s)["gen_ai.tool.name"]: s for s in spans if s.name.startswith("execute_tool")}
    assert tools["edit"].status.code == 2  # the error result
    for s in spans:
        assert s.start_time_unix_nano <= s.end_time_unix_nano


# ---------------------------------------------------------------------------------------------
# HTML safety and content
# ---------------------------------------------------------------------------------------------


def test_html_escapes_hostile_text_and_runs_nothing(session: Any) -> None:
    page = render(session, "html").text
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page  # shown as text, never a link
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "default-src 'none'" in page  # no request at view time, no script
    assert "<pre><code" in page and "println" in page


def test_html_embeds_only_raster_images() -> None:
    d = json.loads(SAMPLE.read_text(encoding="utf-8"))
    item = d["messages"][4]["content"][0]["content"][1]
    item["source"]["media_type"] = "image/svg+xml"
    page = render(v9.SessionData.from_dict(d), "html").text
    assert "data:image/svg" not in page and "not shown" in page


def test_model_only_messages_are_marked_everywhere(session: Any) -> None:
    assert "model only" in render(session, "md").text
    assert "model-only" in render(session, "html").text
    assert "[model only]" in render(session, "text").text
    t = Transcript.of(session)
    assert [e.model_only for e in t.entries].count(True) == 1


def test_terminal_text_fits_the_width(session: Any) -> None:
    for width in (60, 80, 120):
        text = render(session, "text", width=width).text
        assert max(len(line) for line in text.splitlines()) <= width
    folded = render(session, "text").text
    full = render(session, "text", full=True).text
    assert len(full) > len(folded) and "ANTHROPIC_API_KEY" in full


def test_unknown_format_is_a_value_error(session: Any) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render(session, "pdf")


def test_render_leaves_the_session_unchanged(session: Any) -> None:
    before = session.to_json()
    for fmt in (*SHAREABLE, "text", "json"):
        render(session, fmt, redact_paths=True)
    assert session.to_json() == before
    assert copy.deepcopy(session) == session


@pytest.mark.parametrize(
    "text",
    [
        "one line",
        "two\nlines",
        "para one\n\npara two\n  \nthree",
        "x = 1 - 2, a-b, 3.5",
        "naïve 日本語 text, (parens) and 'quotes' \"double\"",
        "see http://example.com/a?b=c for 100% of it",
    ],
)
def test_plain_text_skips_the_markdown_parser_with_the_same_page(text: str) -> None:
    from a3s_session.renderers import html as page
    from a3s_session.renderers.common import looks_like_markdown

    assert not looks_like_markdown(text)
    assert " ".join(page._md(text).split()) == " ".join(page._markdown().render(text).split())


@pytest.mark.parametrize("text", ["---", "Title\n===", "- item", "1. one", "    code", "a  \nb"])
def test_markdown_syntax_goes_to_the_parser(text: str) -> None:
    from a3s_session.renderers.common import looks_like_markdown

    assert looks_like_markdown(text)


def test_a_tool_argument_named_as_a_credential_is_redacted() -> None:
    d = json.loads(SAMPLE.read_text(encoding="utf-8"))
    d["messages"][1]["content"][1]["input"] = {
        "password": "hunter2xyz",
        "AWS_SECRET_ACCESS_KEY": "plainlookingvalue",
        "max_tokens": 1024,
        "token_count": "12345678",
        "path": "src/",
        "nested": {"client_secret": "abcdef123456"},
    }
    out = render(v9.SessionData.from_dict(d), "atif")
    call = next(s for s in json.loads(out.text)["steps"] if s.get("tool_calls"))
    args = call["tool_calls"][0]["arguments"]
    assert args["password"] == args["AWS_SECRET_ACCESS_KEY"] == "[REDACTED:config-secret]"
    assert args["nested"]["client_secret"] == "[REDACTED:config-secret]"
    assert (args["max_tokens"], args["token_count"], args["path"]) == (1024, "12345678", "src/")
    assert out.redactions == {"config-secret": 3}
    # The session's own JSON, redacted, follows the same rule (one mechanism for both).
    doc = json.loads(render(v9.SessionData.from_dict(d), "json", redact=True).text)
    again = doc["messages"][1]["content"][1]["input"]
    assert again["password"] == again["nested"]["client_secret"] == "[REDACTED:config-secret]"
    assert again["max_tokens"] == 1024
