"""Property tests: random valid documents, the binding against the crate (via the oracle).

Strategies build random *valid* documents as Python data (every field, optional fields present,
null or absent, ``todos``/``tasks``, random block mixes, random free-form JSON for
``tool_use.input``, integers up to 2**64-1 in usize fields, the whole i64 range for timestamps,
floats of every magnitude, RFC 3339 timestamps with offsets and fractional seconds), render them
with ``json.dumps`` (ASCII-escaped or raw, compact or indented, keys shuffled) and check:

(a) ``from_json(text)`` writes exactly what the crate writes for ``text`` (compact and pretty);
(b) what we write reads back to the same thing -- and where the crate itself would not (see
    below), to what the crate reads;
(c) ``to_dict() == json.loads(to_json())``;
(d) ``from_dict(json.loads(text))`` and ``from_json(text)`` agree;
(e) for a valid document with one value replaced by a random one (valid or not),
    ``from_dict`` accepts exactly what the crate accepts as ``json.dumps`` of it, and writes
    what the crate writes; a value JSON can't carry (set, bytes, NaN, ...) is always rejected,
    at or above the replaced value's path.

Float parsing in this build of serde_json (no ``float_roundtrip`` feature) is not correctly
rounded: a float written with 16-17 significant digits may read back one ULP off -- even the
crate's own output, for large or tiny exponents (1.1045419098831015e+66 reads back as
1.1045419098831017e+66) -- so ``to_json`` -> ``from_json`` -> ``to_json`` is not always a fixed
point *in the crate itself*.
Properties (b-strict) and (d) therefore draw f64 values from "short" decimals (at most 15
significant digits, decimal exponent within +-22), which serde_json parses exactly; property
(b-crate) uses arbitrary floats and checks we re-read our output exactly as the crate does.
f32 fields are written with at most 9 digits and are stable either way.
"""

from __future__ import annotations

import json
import math
import re
import struct
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from a3s_session import SessionFormatError
from a3s_session.v3 import LlmCostRecord, SessionData
from conftest import Oracle, assert_same_json, canonical, class_for, unordered_entries

U64_MAX = 2**64 - 1
U32_MAX = 2**32 - 1
I64_MIN = -(2**63)
I64_MAX = 2**63 - 1

Strategy = st.SearchStrategy

# ---------------------------------------------------------------------------------------------
# Scalars
# ---------------------------------------------------------------------------------------------
SPECIAL_CHARS = [
    "\x00", "\x01", "\x08", "\t", "\n", "\x0c", "\r", "\x1b", "\x1f", '"', "\\", "/", "\x7f",
    "\x80", "\u00e9", "e\u0301", "\u2028", "\u2029", "\ufeff", "\uffff", "\u65e5\u672c",
    "\U0001f600", "\U0001f469\u200d\U0001f469\u200d\U0001f467", "\U0001d504", "\U0010ffff",
]  # fmt: skip

# Any Unicode scalar values (the utf-8 codec rules out lone surrogates, which JSON text can't
# carry), mixed with pieces that need escaping or are several code points long.
text = st.lists(
    st.one_of(st.characters(codec="utf-8"), st.sampled_from(SPECIAL_CHARS)),
    max_size=12,
).map("".join)
short_text = st.text(st.characters(codec="utf-8"), max_size=6)


def _edges(lo: int, hi: int) -> Strategy[int]:
    edges = [v for v in (0, 1, 2**31, U32_MAX, 2**53 + 1, I64_MAX, 2**63, U64_MAX) if lo <= v <= hi]
    edges += [v for v in (-1, -(2**53) - 1, I64_MIN) if lo <= v <= hi]
    return st.one_of(st.sampled_from(sorted(set(edges + [lo, hi]))), st.integers(lo, hi))


usize = _edges(0, U64_MAX)
u64 = usize
u32 = _edges(0, U32_MAX)
i64 = _edges(I64_MIN, I64_MAX)


def f32_finite(x: float) -> bool:
    """Whether ``x`` rounds to a finite f32 (struct raises OverflowError exactly then)."""
    try:
        struct.pack("<f", x)
    except OverflowError:
        return False
    return True


f32 = st.one_of(
    st.sampled_from([0.0, -0.0, 1 / 3, 2 / 3, 0.1, 0.8, 0.85, 1e-45, 3.4028234663852886e38]),
    st.floats(width=32, allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False).filter(f32_finite),
)


def _from_bits(bits: int) -> float:
    value: float = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return value


any_f64 = st.one_of(
    st.sampled_from([0.0, -0.0, 1e21, 1.5e-7, 5e-324, 1.7976931348623157e308, 0.1, 1e16]),
    st.floats(allow_nan=False, allow_infinity=False),
    # Uniform over bit patterns: mostly huge/tiny exponents, where serde_json's reading drifts.
    st.integers(0, 2**64 - 1).map(_from_bits).filter(math.isfinite),
)
# At most 15 significant digits and a small decimal exponent: parsed exactly by serde_json.
short_f64 = st.one_of(
    st.sampled_from([0.0, -0.0, 1e21, 1.5e-7, 0.1, 1e16, 0.046893, 123456789012345.0]),
    st.builds(
        lambda m, e: float(f"{m}e{e}"),
        st.integers(-(10**15) + 1, 10**15 - 1),
        st.integers(-22, 22),
    ),
)


def option(strategy: Strategy[Any]) -> Strategy[Any]:
    return st.one_of(st.none(), strategy)


def shuffled(strategy: Strategy[dict[str, Any]]) -> Strategy[dict[str, Any]]:
    """The same dicts with their keys in a random order (serde must not care)."""
    return strategy.flatmap(lambda d: st.permutations(list(d.items())).map(dict))


def obj(
    required: dict[str, Strategy[Any]], optional: dict[str, Strategy[Any]] | None = None
) -> Strategy[dict[str, Any]]:
    return shuffled(st.fixed_dictionaries(required, optional=optional or {}))


# ---------------------------------------------------------------------------------------------
# Timestamps (RFC 3339 as chrono reads it)
# ---------------------------------------------------------------------------------------------
@st.composite
def rfc3339(draw: st.DrawFn) -> str:
    year = draw(st.one_of(st.sampled_from([1, 1969, 1970, 2000, 2038, 9999]), st.integers(1, 9999)))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    hour = draw(st.integers(0, 23))
    minute = draw(st.integers(0, 59))
    second = draw(st.one_of(st.integers(0, 59), st.just(60)))  # chrono accepts leap seconds
    frac = draw(st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=9)))
    sep = draw(st.sampled_from("Tt"))
    offset = draw(
        st.one_of(
            st.sampled_from(["Z", "z", "+00:00", "-00:00", "+02:00", "-05:30"]),
            st.builds(
                lambda sign, h, m: f"{sign}{h:02d}:{m:02d}",
                st.sampled_from("+-"),
                st.integers(0, 23),
                st.integers(0, 59),
            ),
        )
    )
    frac_part = f".{frac}" if frac else ""
    return (
        f"{year:04d}-{month:02d}-{day:02d}{sep}{hour:02d}:{minute:02d}:{second:02d}"
        f"{frac_part}{offset}"
    )


# ---------------------------------------------------------------------------------------------
# Documents, parameterized by the strategy for f64 values
# ---------------------------------------------------------------------------------------------
LANES = ["Control", "Query", "Execute", "Generate"]


class Docs:
    """Strategies for every document kind, with ``f64`` as the float strategy for f64 fields
    and for floats inside free-form JSON."""

    def __init__(self, f64: Strategy[float]) -> None:
        self.f64 = f64
        self.json_value: Strategy[Any] = st.recursive(
            st.one_of(
                st.none(),
                st.booleans(),
                _edges(I64_MIN, U64_MAX),
                f64,
                text,
            ),
            lambda children: st.one_of(
                st.lists(children, max_size=4),
                st.dictionaries(text, children, max_size=4),
            ),
            max_leaves=12,
        )
        self.image_source = obj({"type": text, "media_type": text, "data": text})
        self.text_block = obj({"type": st.just("text"), "text": text})
        self.image_block = obj({"type": st.just("image"), "source": self.image_source})
        self.tool_use = obj(
            {"type": st.just("tool_use"), "id": text, "name": text, "input": self.json_value}
        )
        self.tool_result = obj(
            {
                "type": st.just("tool_result"),
                "tool_use_id": text,
                "content": st.one_of(
                    text, st.lists(st.one_of(self.text_block, self.image_block), max_size=3)
                ),
            },
            {"is_error": option(st.booleans())},
        )
        self.block = st.one_of(self.text_block, self.image_block, self.tool_use, self.tool_result)
        self.message = obj(
            {
                "role": st.one_of(st.sampled_from(["user", "assistant", "system"]), text),
                "content": st.lists(self.block, max_size=4),
            },
            {"reasoning_content": option(text)},
        )
        self.task = obj(
            {
                "id": text,
                "content": text,
                "status": st.sampled_from(
                    ["pending", "in_progress", "completed", "failed", "skipped", "cancelled"]
                ),
            },
            {
                "priority": st.sampled_from(["high", "medium", "low"]),
                "tool": option(text),
                "dependencies": st.lists(short_text, max_size=3),
                "success_criteria": option(text),
            },
        )
        self.cost_record = obj(
            {
                "model": text,
                "provider": text,
                "prompt_tokens": usize,
                "completion_tokens": usize,
                "total_tokens": usize,
                "timestamp": rfc3339(),
            },
            {"cost_usd": option(f64), "session_id": option(text)},
        )
        self.token_usage = obj(
            {"prompt_tokens": usize, "completion_tokens": usize, "total_tokens": usize},
            {"cache_read_tokens": option(usize), "cache_write_tokens": option(usize)},
        )
        self.context_usage = obj(
            {"used_tokens": usize, "max_tokens": usize, "percent": f32, "turns": usize}
        )
        self.llm_config = obj(
            {"provider": text, "model": text},
            {"api_key": option(text), "base_url": option(text)},
        )
        lane = st.sampled_from(LANES)
        self.queue_config = obj(
            {},
            {
                "controlMaxConcurrency": usize,
                "queryMaxConcurrency": usize,
                "executeMaxConcurrency": usize,
                "generateMaxConcurrency": usize,
                "laneHandlers": st.dictionaries(
                    lane,
                    obj(
                        {
                            "mode": st.sampled_from(["Internal", "External", "Hybrid"]),
                            "timeout_ms": u64,
                        }
                    ),
                    max_size=4,
                ),
                "enableDlq": st.booleans(),
                "dlqMaxSize": option(usize),
                "enableMetrics": st.booleans(),
                "enableAlerts": st.booleans(),
                "defaultTimeoutMs": option(u64),
                "storagePath": option(text),
                "retryPolicy": option(
                    obj(
                        {"strategy": text},
                        {"maxRetries": u32, "initialDelayMs": u64, "fixedDelayMs": option(u64)},
                    )
                ),
                "rateLimit": option(obj({"limitType": text}, {"maxOperations": option(u64)})),
                "priorityBoost": option(obj({"strategy": text}, {"deadlineMs": option(u64)})),
                "pressureThreshold": option(usize),
                "laneTimeouts": st.dictionaries(lane, u64, max_size=4),
            },
        )
        self.confirmation_policy = obj(
            {
                "enabled": st.booleans(),
                "default_timeout_ms": u64,
                "timeout_action": st.sampled_from(["Reject", "AutoApprove"]),
                "yolo_lanes": st.lists(lane, max_size=5),
            }
        )
        rule = st.one_of(text, obj({"rule": text}))
        self.permission_policy = obj(
            {},
            {
                "deny": st.lists(rule, max_size=3),
                "allow": st.lists(rule, max_size=3),
                "ask": st.lists(rule, max_size=3),
                "default_decision": st.sampled_from(["allow", "deny", "ask"]),
                "enabled": st.booleans(),
            },
        )
        self.security_config = obj(
            {
                "enabled": st.booleans(),
                "classification_rules": st.lists(
                    obj(
                        {
                            "name": text,
                            "pattern": text,
                            "level": st.sampled_from(
                                ["Public", "Normal", "Sensitive", "HighlySensitive", "Critical"]
                            ),
                            "description": text,
                        }
                    ),
                    max_size=3,
                ),
                "redaction_strategy": st.sampled_from(["Mask", "Remove", "Hash"]),
                "network_whitelist": st.lists(text, max_size=3),
                "dangerous_commands": st.lists(text, max_size=3),
                "features": obj(
                    {
                        "output_sanitizer": st.booleans(),
                        "taint_tracking": st.booleans(),
                        "tool_interceptor": st.booleans(),
                        "injection_defense": st.booleans(),
                    }
                ),
            }
        )
        self.session_config = obj(
            {
                "name": text,
                "workspace": text,
                "max_context_length": u32,
                "auto_compact": st.booleans(),
            },
            {
                "system_prompt": option(text),
                "auto_compact_threshold": f32,
                "storage_type": st.sampled_from(["memory", "file", "custom"]),
                "queue_config": option(self.queue_config),
                "confirmation_policy": option(self.confirmation_policy),
                "permission_policy": option(self.permission_policy),
                "parent_id": option(text),
                "security_config": option(self.security_config),
                "planning_mode": st.sampled_from(["Auto", "Disabled", "Enabled"]),
                "goal_tracking": st.booleans(),
            },
        )
        self.session = st.builds(
            _with_tasks_key,
            obj(
                {
                    "id": text,
                    "config": self.session_config,
                    "state": st.sampled_from(["Unknown", "Active", "Paused", "Completed", "Error"]),
                    "messages": st.lists(self.message, max_size=4),
                    "context_usage": self.context_usage,
                    "total_usage": self.token_usage,
                    "tool_names": st.lists(short_text, max_size=4),
                    "thinking_enabled": st.booleans(),
                    "created_at": i64,
                    "updated_at": i64,
                },
                {
                    "total_cost": f64,
                    "model_name": option(text),
                    "cost_records": st.lists(self.cost_record, max_size=3),
                    "thinking_budget": option(usize),
                    "llm_config": option(self.llm_config),
                    "parent_id": option(text),
                },
            ),
            st.one_of(st.none(), st.lists(self.task, max_size=3)),
            st.sampled_from(["tasks", "todos"]),
        )
        # (oracle kind, document) for the smaller types.
        self.any_kind: Strategy[tuple[str, Any]] = st.one_of(
            self.message.map(lambda d: ("Message", d)),
            self.block.map(lambda d: ("ContentBlock", d)),
            self.task.map(lambda d: ("Task", d)),
            self.cost_record.map(lambda d: ("LlmCostRecord", d)),
            self.token_usage.map(lambda d: ("TokenUsage", d)),
            self.context_usage.map(lambda d: ("ContextUsage", d)),
            self.llm_config.map(lambda d: ("LlmConfigData", d)),
            self.image_source.map(lambda d: ("ImageSource", d)),
            self.session_config.map(lambda d: ("SessionConfig", d)),
        )


def _with_tasks_key(doc: dict[str, Any], tasks: list[Any] | None, key: str) -> dict[str, Any]:
    """Add the task list under ``tasks`` or its legacy alias ``todos`` (or leave it out)."""
    if tasks is not None:
        doc = dict(doc)
        doc[key] = tasks
    return doc


ANY_FLOATS = Docs(any_f64)
SHORT_FLOATS = Docs(short_f64)


@st.composite
def rendered(draw: st.DrawFn, docs: Strategy[Any]) -> tuple[Any, str]:
    """A document and a JSON text for it, in one of several layouts."""
    doc = draw(docs)
    ensure_ascii = draw(st.booleans())
    indent = draw(st.sampled_from([None, None, 2, "\t"]))
    return doc, json.dumps(doc, ensure_ascii=ensure_ascii, indent=indent)


@st.composite
def rendered_kind(draw: st.DrawFn, docs: Strategy[tuple[str, Any]]) -> tuple[str, Any, str]:
    """``(kind, document, JSON text)`` for the smaller document kinds."""
    kind, doc = draw(docs)
    _, text = draw(rendered(st.just(doc)))
    return kind, doc, text


def _as_input(text: str, as_bytes: bool) -> str | bytes:
    return text.encode("utf-8") if as_bytes else text


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------
@given(rendered(ANY_FLOATS.session), st.booleans())
def test_a_session_matches_crate(oracle: Oracle, case: tuple[Any, str], as_bytes: bool) -> None:
    doc, text = case
    reply = oracle.accept("SessionData", text)
    s = SessionData.from_json(_as_input(text, as_bytes))
    unordered = unordered_entries("SessionData", doc)
    assert_same_json("SessionData", s.to_json(), reply["compact"], unordered=unordered)
    assert_same_json("SessionData", s.to_json(pretty=True), reply["pretty"], unordered=unordered)


@given(rendered_kind(ANY_FLOATS.any_kind))
def test_a_other_kinds_match_crate(oracle: Oracle, case: tuple[str, Any, str]) -> None:
    kind, doc, text = case
    reply = oracle.accept(kind, text)
    value = class_for(kind, doc).from_json(text)
    unordered = unordered_entries(kind, doc)
    assert_same_json(kind, value.to_json(), reply["compact"], unordered=unordered)
    assert_same_json(kind, value.to_json(pretty=True), reply["pretty"], unordered=unordered)
    assert value.to_dict() == json.loads(value.to_json())


@given(rendered(SHORT_FLOATS.session))
def test_b_output_is_stable(case: tuple[Any, str]) -> None:
    doc, text = case
    s = SessionData.from_json(text)
    compact = s.to_json()
    pretty = s.to_json(pretty=True)
    unordered = unordered_entries("SessionData", doc)
    again = SessionData.from_json(compact)
    assert_same_json("SessionData", again.to_json(), compact, unordered=unordered)
    assert_same_json(
        "SessionData",
        SessionData.from_json(pretty).to_json(pretty=True),
        pretty,
        unordered=unordered,
    )
    # A fixed point: reading it yet again changes nothing more.
    assert_same_json(
        "SessionData",
        SessionData.from_json(again.to_json()).to_json(),
        compact,
        unordered=unordered,
    )


@given(rendered(ANY_FLOATS.session))
def test_b_reread_matches_crate(oracle: Oracle, case: tuple[Any, str]) -> None:
    """With arbitrary floats the crate itself may not be stable; we must re-read our own
    output exactly as the crate re-reads it."""
    doc, text = case
    out = SessionData.from_json(text).to_json()
    reply = oracle.accept("SessionData", out)
    unordered = unordered_entries("SessionData", doc)
    assert_same_json(
        "SessionData", SessionData.from_json(out).to_json(), reply["compact"], unordered=unordered
    )


@given(rendered(ANY_FLOATS.session))
def test_c_to_dict_is_parsed_to_json(case: tuple[Any, str]) -> None:
    _, text = case
    s = SessionData.from_json(text)
    as_dict = s.to_dict()
    assert as_dict == json.loads(s.to_json())
    # Plain JSON data: survives json.dumps/json.loads unchanged.
    assert json.loads(json.dumps(as_dict)) == as_dict


@given(rendered(SHORT_FLOATS.session))
def test_d_from_dict_agrees_with_from_json(case: tuple[Any, str]) -> None:
    doc, text = case
    from_text = SessionData.from_json(text)
    from_data = SessionData.from_dict(json.loads(text))
    unordered = unordered_entries("SessionData", doc)
    assert_same_json("SessionData", from_data.to_json(), from_text.to_json(), unordered=unordered)
    assert canonical("SessionData", from_data.to_dict()) == canonical(
        "SessionData", from_text.to_dict()
    )


# ---------------------------------------------------------------------------------------------
# (e) Mutated documents through from_dict
# ---------------------------------------------------------------------------------------------
PathKey = str | int


def _leaf_paths(doc: Any, here: tuple[PathKey, ...] = ()) -> list[tuple[PathKey, ...]]:
    """Every path into ``doc`` (the root excluded), containers and scalars alike."""
    paths: list[tuple[PathKey, ...]] = []
    items: Any = (
        doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    )
    for k, v in items:
        paths.append((*here, k))
        paths.extend(_leaf_paths(v, (*here, k)))
    return paths


def _replaced(doc: Any, path: tuple[PathKey, ...], value: Any) -> Any:
    doc = json.loads(json.dumps(doc))
    cur = doc
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value
    return doc


def _show(path: tuple[PathKey, ...]) -> str:
    out = ""
    for k in path:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else k)
    return out


_SEGMENT = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def _segments(path: str) -> list[PathKey]:
    return [int(i) if i else name for i, name in _SEGMENT.findall(path)]


def _related(err_path: str, path: tuple[PathKey, ...]) -> bool:
    """Whether the error's path is the mutated path, above it or below it (``?`` is serde's
    placeholder for a map key that is not a string, e.g. a lane enum)."""
    got = _segments(err_path)
    return all(g == "?" or g == k for g, k in zip(got, path))


def _is_block_with_variant_index(path: tuple[PathKey, ...], value: Any) -> bool:
    """A content block tagged with an int (``"type": 0``, or as a sequence ``[0, ...]``): see
    the strict xfail test_from_dict_block_tag_must_be_a_string in test_invalid.py."""
    if path[-1] == "type" and type(value) is int:
        return True
    in_content = len(path) >= 2 and path[-2] == "content" and isinstance(path[-1], int)
    return in_content and isinstance(value, list) and bool(value) and type(value[0]) is int


def _tuples(value: Any) -> Any:
    """The same data with every list as a tuple (which from_dict reads as a list)."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


# Valid JSON values, biased towards what the crate's fields hold or nearly hold.
MUTANT = st.one_of(
    SHORT_FLOATS.json_value,
    st.sampled_from(
        [
            -1,
            2**32,
            2**64,
            -(2**63) - 1,
            2**70,
            1.5,
            1e39,
            "",
            "Active",
            "memory",
            "text",
            "tool_use",
            "in_progress",
            "2025-01-01T00:00:00Z",
            [],
            {},
            ["Query"],
            {"type": "text", "text": "t"},
        ]
    ),
)


class _Opaque:
    pass


NOT_JSON = st.one_of(
    st.sampled_from(
        [float("nan"), float("inf"), float("-inf"), b"x", bytearray(b"x"), 1j, _Opaque()]
    ),
    st.sets(st.integers(0, 3), max_size=2),
    st.frozensets(st.integers(0, 3), max_size=2),
    st.just({1: "int key"}),
    st.lists(st.sampled_from([{0}, b"", float("nan")]), min_size=1, max_size=2).map(
        lambda xs: [0, *xs]
    ),
)


@given(SHORT_FLOATS.session, st.data())
def test_e_from_dict_of_a_mutated_document_agrees_with_the_crate(
    oracle: Oracle, doc: Any, data: st.DataObject
) -> None:
    paths = _leaf_paths(doc)
    path = data.draw(st.sampled_from(paths), label="path")
    value = data.draw(MUTANT, label="value")
    assume(not _is_block_with_variant_index(path, value))
    mutated = _replaced(doc, path, value)
    text = json.dumps(mutated)
    reply = oracle.roundtrip("SessionData", text)
    for given_data in (mutated, _tuples(mutated)):
        if "error" in reply:
            try:
                SessionData.from_dict(given_data)
            except SessionFormatError as e:
                assert e.line is None and e.column is None
                try:
                    SessionData.from_json(text)
                except SessionFormatError as from_text:
                    assert e.path == from_text.path
                else:
                    raise AssertionError("from_json accepted what the crate rejects") from None
            else:
                raise AssertionError(f"from_dict accepted what the crate rejects: {reply}")
        else:
            s = SessionData.from_dict(given_data)
            assert_same_json(
                "SessionData",
                s.to_json(),
                reply["compact"],
                unordered=unordered_entries("SessionData", mutated),
            )


@given(SHORT_FLOATS.session, st.data())
def test_e_values_json_cannot_carry_are_rejected(doc: Any, data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_leaf_paths(doc)), label="path")
    value = data.draw(NOT_JSON, label="value")
    mutated = _replaced(doc, path, None)
    cur = mutated
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value
    try:
        SessionData.from_dict(mutated)
    except SessionFormatError as e:
        assert e.line is None and e.column is None
        # At the value, inside it (a struct may be read from a list), or at an enclosing
        # content block (tagged enums buffer their content).
        assert _related(e.path, path), (e.path, _show(path))
    else:
        raise AssertionError(f"from_dict accepted {value!r} at {_show(path)}")


# ---------------------------------------------------------------------------------------------
# The float-parsing fact behind the split between (b-strict) and (b-crate)
# ---------------------------------------------------------------------------------------------
def _cost_record(cost: str) -> str:
    return (
        '{"model":"m","provider":"p","prompt_tokens":0,"completion_tokens":0,"total_tokens":0,'
        f'"cost_usd":{cost},"timestamp":"2025-01-01T00:00:00Z","session_id":null}}'
    )


def test_crate_float_parsing_is_not_correctly_rounded(oracle: Oracle) -> None:
    """serde_json without ``float_roundtrip`` reads 92.01917947492079 (the shortest repr of an
    f64) as the neighbouring f64, printed 92.0191794749208. The binding must do the same."""
    text = _cost_record("92.01917947492079")
    crate = json.loads(oracle.accept("LlmCostRecord", text)["compact"])["cost_usd"]
    ours = LlmCostRecord.from_json(text)
    assert crate == 92.0191794749208
    assert crate != float("92.01917947492079")
    assert ours.cost_usd == crate
    assert ours.to_json() == oracle.accept("LlmCostRecord", text)["compact"]
    # Through a dict the exact Python float is kept (no text parsing involved).
    exact = LlmCostRecord.from_dict(json.loads(text))
    assert exact.cost_usd == 92.01917947492079


def test_crate_does_not_always_reread_its_own_floats(oracle: Oracle) -> None:
    """The crate writes 1.1045419098831015e+66 and reads that back as the next f64 up; the
    binding follows the crate (this is why property (b-strict) uses short decimals)."""
    text = _cost_record("1.1045419098831015e+66")
    crate = oracle.accept("LlmCostRecord", text)["compact"]
    assert '"cost_usd":1.1045419098831017e+66' in crate
    assert LlmCostRecord.from_json(text).to_json() == crate
