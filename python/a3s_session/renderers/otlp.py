"""A transcript as OpenTelemetry traces in OTLP/JSON (an ``ExportTraceServiceRequest``),
following the GenAI semantic conventions: one ``invoke_agent`` span for the session, a
``chat {model}`` span per assistant message with its tokens, and an ``execute_tool {name}``
span per tool call (status ERROR when its result is an error).

The session records no time per message. A chat span takes the time of its cost record when
the records match the turns (the crate writes one at the end of each model call); otherwise,
and for tool spans, times are spread evenly over the session from `created_at` to
`updated_at`, in message order. Ids are derived from the session id, so exporting twice
gives the same trace."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from typing import Any

from .._native import __version__
from ..transcript import Transcript

_KIND_INTERNAL = 1
_KIND_CLIENT = 3
_STATUS_ERROR = 2


def _id(*parts: str, size: int) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[: size * 2]


def _attr(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        v: dict[str, Any] = {"boolValue": value}
    elif isinstance(value, int):
        v = {"intValue": str(value)}  # int64 is a string in OTLP/JSON
    elif isinstance(value, float):
        v = {"doubleValue": value}
    else:
        v = {"stringValue": str(value)}
    return {"key": key, "value": v}


def _nanos(rfc3339: str) -> int | None:
    """Unix nanoseconds of the crate's RFC 3339 timestamps (nanosecond precision kept)."""
    try:
        head, _, frac = rfc3339.rstrip("Z").partition(".")
        base = _dt.datetime.fromisoformat(head).replace(tzinfo=_dt.timezone.utc)
        digits = "".join(c for c in frac if c.isdigit())[:9].ljust(9, "0")
        return int(base.timestamp()) * 1_000_000_000 + int(digits)
    except ValueError:
        return None


def to_otlp(t: Transcript) -> dict[str, Any]:
    trace = _id("trace", t.id, size=16)
    root = _id("span", t.id, "root", size=8)
    start = t.created_at * 1_000_000_000
    end = max(t.updated_at * 1_000_000_000, start)
    steps = max(1, len(t.entries))
    slot = (end - start) // steps

    def at(index: int) -> int:
        return start + slot * index

    system = t.provider or "unknown"
    spans: list[dict[str, Any]] = [
        {
            "traceId": trace,
            "spanId": root,
            "name": "invoke_agent a3s-code",
            "kind": _KIND_INTERNAL,
            "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(end),
            "attributes": [
                _attr("gen_ai.operation.name", "invoke_agent"),
                _attr("gen_ai.agent.name", "a3s-code"),
                _attr("gen_ai.conversation.id", t.id),
                _attr("gen_ai.provider.name", system),
                *([_attr("gen_ai.request.model", t.model)] if t.model else []),
                _attr("gen_ai.usage.input_tokens", t.prompt_tokens),
                _attr("gen_ai.usage.output_tokens", t.completion_tokens),
                _attr("a3s.session.cost_usd", float(t.cost_usd)),
                _attr("a3s.session.state", t.state),
            ],
            "status": {},
        }
    ]
    results = {r.tool_use_id: r for e in t.entries for r in e.tool_results}
    for n, e in enumerate(t.entries):
        if e.role != "assistant":
            continue
        chat_end = (_nanos(e.usage.timestamp) if e.usage else None) or at(n + 1)
        chat_start = min(at(n), chat_end)
        model = e.usage.model if e.usage else t.model
        chat = _id("span", t.id, "chat", str(e.index), size=8)
        attrs = [
            _attr("gen_ai.operation.name", "chat"),
            _attr("gen_ai.provider.name", system),
            _attr("gen_ai.conversation.id", t.id),
            *([_attr("gen_ai.request.model", model)] if model else []),
            *([_attr("gen_ai.response.model", model)] if model else []),
        ]
        if e.usage:
            attrs += [
                _attr("gen_ai.usage.input_tokens", e.usage.prompt_tokens),
                _attr("gen_ai.usage.output_tokens", e.usage.completion_tokens),
            ]
            if e.usage.cost_usd is not None:
                attrs.append(_attr("a3s.cost_usd", float(e.usage.cost_usd)))
        spans.append(
            {
                "traceId": trace,
                "spanId": chat,
                "parentSpanId": root,
                "name": f"chat {model}" if model else "chat",
                "kind": _KIND_CLIENT,
                "startTimeUnixNano": str(chat_start),
                "endTimeUnixNano": str(chat_end),
                "attributes": attrs,
                "status": {},
            }
        )
        for c in e.tool_calls:
            result = results.get(c.id)
            span: dict[str, Any] = {
                "traceId": trace,
                "spanId": _id("span", t.id, "tool", c.id, size=8),
                "parentSpanId": root,
                "name": f"execute_tool {c.name}",
                "kind": _KIND_INTERNAL,
                "startTimeUnixNano": str(chat_end),
                "endTimeUnixNano": str(max(chat_end, at(n + 1))),
                "attributes": [
                    _attr("gen_ai.operation.name", "execute_tool"),
                    _attr("gen_ai.tool.name", c.name),
                    _attr("gen_ai.tool.call.id", c.id),
                    _attr("gen_ai.tool.type", "function"),
                ],
                "status": {},
            }
            if result is not None and result.is_error:
                span["status"] = {"code": _STATUS_ERROR, "message": result.text[:200]}
                span["attributes"].append(_attr("error.type", "tool_error"))
            spans.append(span)
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        _attr("service.name", "a3s-code"),
                        _attr("telemetry.sdk.name", "a3s-session"),
                        _attr("telemetry.sdk.version", __version__),
                    ]
                },
                "scopeSpans": [
                    {
                        "scope": {"name": "a3s-session", "version": __version__},
                        "spans": spans,
                    }
                ],
            }
        ]
    }


def to_otlp_json(t: Transcript) -> str:
    return json.dumps(to_otlp(t), ensure_ascii=False) + "\n"
