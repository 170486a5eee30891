"""Property tests for the 9.1 generation against the 9.1.3-only oracle: the random valid
documents of ``test_properties`` (every 3.0.0 document is a 9.1.3 document), with random
9.x fields on top, read and written exactly as the 9.1.3 crate does; to_dict, from_dict and
Python-side edits agree with the crate."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from a3s_session import v9
from conftest import OracleV9, assert_same_json, unordered_entries
from test_properties import ANY_FLOATS, SHORT_FLOATS, rendered

ids = st.text(min_size=1, max_size=12)


@st.composite
def newer(draw: st.DrawFn, docs: st.SearchStrategy[Any]) -> Any:
    """A session document with random 9.x-only fields added."""
    doc = copy.deepcopy(draw(docs))
    for key in ("tenant_id", "principal", "agent_template_id", "correlation_id"):
        if draw(st.booleans()):
            doc[key] = draw(st.one_of(st.none(), ids))
    config = doc["config"]
    if draw(st.booleans()):
        config["max_parallel_tasks"] = draw(st.one_of(st.none(), st.integers(0, 2**32)))
    if draw(st.booleans()):
        config["enforce_active_skill_tool_restrictions"] = draw(st.booleans())
    for message in doc["messages"]:
        if draw(st.booleans()):
            message["transcript_text"] = draw(st.one_of(st.none(), st.text(max_size=20)))
        if draw(st.booleans()):
            message["transcript_visibility"] = draw(st.sampled_from(["product", "wire"]))
        for block in message["content"]:
            if block.get("type") == "tool_result" and draw(st.booleans()):
                block["trust"] = draw(st.sampled_from(["trusted", "workspace_data", "external"]))
                block["redaction_reviewed"] = draw(st.booleans())
    return doc


@given(rendered(newer(ANY_FLOATS.session)), st.booleans())
def test_sessions_match_the_9_1_3_crate(
    oracle9: OracleV9, case: tuple[Any, str], as_bytes: bool
) -> None:
    doc, text = case
    reply = oracle9.roundtrip("SessionData", text)
    assert "error" not in reply, reply
    s = v9.SessionData.from_json(text.encode() if as_bytes else text)
    unordered = unordered_entries("SessionData", doc)
    assert_same_json("SessionData", s.to_json(), reply["compact"], unordered=unordered)
    assert_same_json("SessionData", s.to_json(pretty=True), reply["pretty"], unordered=unordered)
    assert s.to_dict() == json.loads(s.to_json())


@given(rendered(newer(SHORT_FLOATS.session)))
def test_from_dict_and_edits_agree_with_the_crate(oracle9: OracleV9, case: tuple[Any, str]) -> None:
    doc, text = case
    s = v9.SessionData.from_dict(json.loads(text))
    assert s == v9.SessionData.from_json(text)
    # Edits from Python: what we write is what the crate writes for the same document.
    s.tenant_id = "edited"
    s.config.max_parallel_tasks = 7
    s.messages.append({"role": "user", "content": [{"type": "text", "text": "more"}]})
    if s.messages:
        s.messages[0].transcript_visibility = "wire"
    reply = oracle9.roundtrip("SessionData", s.to_json())
    assert "error" not in reply, reply
    unordered = unordered_entries("SessionData", doc)
    assert_same_json("SessionData", s.to_json(), reply["compact"], unordered=unordered)


@given(newer(SHORT_FLOATS.session))
def test_snapshots_match_the_9_1_3_crate(oracle9: OracleV9, doc: Any) -> None:
    text = json.dumps({"schema_version": 1, "session": doc, "retained_artifact_uris": ["a"]})
    reply = oracle9.roundtrip("SessionSnapshotV1", text)
    assert "error" not in reply, reply
    snap = v9.SessionSnapshotV1.from_json(text)
    unordered = unordered_entries("SessionData", doc)
    if not unordered:
        assert snap.to_json() == reply["compact"]
        assert snap.to_json(pretty=True) == reply["pretty"]
    assert snap.session.to_dict() == json.loads(reply["compact"])["session"] or unordered
