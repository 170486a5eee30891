"""pydantic v2 and FastAPI: the classes as model fields and request bodies, validated and
serialized through the crate, with a JSON Schema asked of the crate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

import a3s_session as a3s
from a3s_session import v3, v9
from a3s_session._pydantic import error_location

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

pydantic = pytest.importorskip("pydantic")
jsonschema = pytest.importorskip("jsonschema")

from pydantic import BaseModel, ValidationError

# `format: date-time` is checked (with rfc3339-validator), as a strict consumer would.
FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER

CORPUS = Path(__file__).resolve().parent / "corpus"
SAMPLE = Path(a3s.__file__).parent / "data" / "sample_session.json"

# Corpus kind -> the classes that read it (ContentBlock documents are read by the block classes).
KIND_CLASSES: dict[str, list[str]] = {
    "SessionData": ["SessionData"],
    "SessionConfig": ["SessionConfig"],
    "ContextUsage": ["ContextUsage"],
    "LlmConfigData": ["LlmConfigData"],
    "Message": ["Message"],
    "ImageSource": ["ImageSource"],
    "TokenUsage": ["TokenUsage"],
    "Task": ["Task"],
    "LlmCostRecord": ["LlmCostRecord"],
}


def corpus(kind: str) -> list[Path]:
    return sorted((CORPUS / kind).glob("*.json"))


class V3Holder(BaseModel):
    session: v3.SessionData
    note: str = ""


class V9Holder(BaseModel):
    session: v9.SessionData
    snapshot: v9.SessionSnapshotV1 | None = None


GENERATIONS: list[tuple[Any, type[BaseModel]]] = [(v3, V3Holder), (v9, V9Holder)]


@pytest.mark.parametrize(("mod", "holder"), GENERATIONS, ids=["v3", "v9"])
@pytest.mark.parametrize("path", corpus("SessionData"), ids=lambda p: p.stem)
def test_model_dump_json_holds_the_crates_exact_json(mod: Any, holder: Any, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    from_dict = holder.model_validate({"session": json.loads(text)})
    from_json = holder.model_validate_json('{"session": ' + text + "}")
    from_instance = holder(session=mod.SessionData.from_json(text))
    # pydantic parses JSON before the field sees it: both of those are from_dict's value.
    by_dict = mod.SessionData.from_dict(json.loads(text))
    for m, expected in (
        (from_dict, by_dict),
        (from_json, by_dict),
        (from_instance, mod.SessionData.from_json(text)),
    ):
        assert type(m.session) is mod.SessionData
        assert m.session == expected
        # The crate writes a HashMap in the order of its own hasher, per value: compare with
        # what the crate writes for this very value.
        exact = m.session.to_json()
        dumped = m.model_dump_json()
        assert exact in dumped
        assert dumped.startswith('{"session":' + exact)
        assert m.model_dump()["session"] == json.loads(exact)


@pytest.mark.parametrize("kind", sorted(KIND_CLASSES))
def test_every_class_is_a_field_that_dumps_the_crates_bytes(kind: str) -> None:
    for mod in (a3s, v9):
        for name in KIND_CLASSES[kind]:
            cls = getattr(mod, name)
            model = pydantic.create_model(f"Holds{name}", value=(cls, ...))
            for path in corpus(kind):
                text = path.read_text(encoding="utf-8")
                try:
                    cls.from_json(text)
                except a3s.SessionFormatError:
                    continue  # a 3.0.0 document this generation does not read
                m = model.model_validate({"value": json.loads(text)})
                exact = m.value.to_json()  # type: ignore[attr-defined]
                assert m.model_dump_json() == '{"value":' + exact + "}", path


def test_the_documented_limit_of_model_validate_json() -> None:
    """pydantic parses a JSON body itself (exactly), so a 3.0.0 field gets the float
    pydantic read, not the one 3.0.0's serde_json (no float_roundtrip) would read."""
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    text = json.dumps(doc).replace('"total_cost": ', '"total_cost": 123456789012345.67, "x": ', 1)
    via_pydantic = V3Holder.model_validate_json('{"session": ' + text + "}").session
    assert via_pydantic.total_cost == 123456789012345.67
    assert v3.SessionData.from_json(text).total_cost == 123456789012345.69
    assert V9Holder.model_validate_json('{"session": ' + text + "}").session.total_cost == (
        v9.SessionData.from_json(text).total_cost
    )


def test_python_input_may_also_be_json_text() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert V3Holder(session=text).session == v3.SessionData.from_json(text)  # type: ignore[arg-type]
    assert V3Holder.model_validate({"session": text.encode()}).session.id == "sess-7f3c2a9e"
    # In JSON input a string is a string, not a document.
    with pytest.raises(ValidationError) as err:
        V3Holder.model_validate_json(json.dumps({"session": text}))
    assert err.value.errors()[0]["type"] == "a3s_session_type"


def test_a_rejected_document_is_a_validation_error_at_the_crates_path() -> None:
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc["messages"][1]["content"][0]["type"] = "video"
    with pytest.raises(a3s.SessionFormatError) as crate:
        v3.SessionData.from_dict(doc)
    with pytest.raises(ValidationError) as err:
        V3Holder.model_validate({"session": doc})
    (e,) = err.value.errors()
    assert e["type"] == "a3s_session_format"
    assert e["loc"] == ("session", *error_location(crate.value.path))
    assert e["loc"] == ("session", "messages", 1, "content", 0, "type")
    assert e["msg"] == crate.value.msg
    assert "unknown variant `video`" in e["msg"]
    assert e.get("ctx", {})["path"] == crate.value.path


def test_a_rejected_json_body_keeps_line_and_column() -> None:
    with pytest.raises(ValidationError) as err:
        V3Holder.model_validate({"session": '{"id": "x",\n "config": 5}'})
    (e,) = err.value.errors()
    assert e["loc"] == ("session", "config")
    ctx = e.get("ctx", {})
    assert ctx["line"] == 2 and ctx["column"] > 0
    assert "at line 2 column" in e["msg"]


def test_wrong_kinds_of_input_are_type_errors() -> None:
    for bad in (5, None, [1, 2], 1.5):
        with pytest.raises(ValidationError) as err:
            V3Holder.model_validate({"session": bad})
        assert err.value.errors()[0]["type"] == "a3s_session_type"
        assert err.value.errors()[0]["loc"] == ("session",)


def test_a_v9_snapshot_field_round_trips_with_its_generation() -> None:
    s = v9.SessionData.from_json(SAMPLE.read_text(encoding="utf-8"))
    snap = v9.SessionSnapshotV1.session_only(s)
    m = V9Holder(session=s, snapshot=snap)
    again = V9Holder.model_validate_json(m.model_dump_json())
    assert again.snapshot == snap and again.session == s
    assert snap.to_json() in m.model_dump_json()


def test_the_api_key_is_never_dumped() -> None:
    class Holds(BaseModel):
        llm: v3.LlmConfigData

    m = Holds.model_validate(
        {"llm": {"provider": "anthropic", "model": "m", "api_key": "sk-secret-123"}}
    )
    assert "sk-secret-123" not in m.model_dump_json()
    assert "sk-secret-123" not in repr(m)
    assert "sk-secret-123" not in str(m.model_dump())


# ---------------------------------------------------------------------------------------------
# JSON Schema
# ---------------------------------------------------------------------------------------------


def schema_of(cls: Any) -> dict[str, Any]:
    return pydantic.TypeAdapter(cls).json_schema()


@pytest.mark.parametrize("mod", [a3s, v9], ids=["v3", "v9"])
@pytest.mark.parametrize("kind", sorted(KIND_CLASSES))
def test_every_document_the_crate_reads_validates_against_the_schema(mod: Any, kind: str) -> None:
    for name in KIND_CLASSES[kind]:
        cls = getattr(mod, name)
        schema = schema_of(cls)
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
        for path in corpus(kind):
            doc = json.loads(path.read_text(encoding="utf-8"))
            try:
                cls.from_dict(doc)
            except a3s.SessionFormatError:
                continue
            errors = [e.message for e in validator.iter_errors(doc) if not _leap_second(e)]
            assert errors == [], (name, path.name, errors)


def _leap_second(error: Any) -> bool:
    """RFC 3339 allows a leap second (``23:59:60``), which chrono reads; rfc3339-validator
    refuses every second 60. The one place the format checker is stricter than the crate."""
    return bool(error.validator == "format" and ":60" in str(error.instance))


def test_the_schema_rejects_what_the_crate_rejects_for_the_rules_it_states() -> None:
    """The invalid corpus (tests/test_invalid.py, every case meaningful as a dict): the
    schema must reject each document whose fault it can state. It cannot state what its
    sample does not show: that is reported, and held to a ceiling."""
    import test_invalid

    validator = jsonschema.Draft202012Validator(schema_of(v3.SessionData), format_checker=FORMATS)
    caught, missed = [], []
    for case in test_invalid.CASES:
        if not case.dict_ok:
            continue
        doc = json.loads(case.doc)
        with pytest.raises(a3s.SessionFormatError):
            v3.SessionData.from_dict(doc)
        (caught if not validator.is_valid(doc) else missed).append(case.id)
    print(f"\nschema rejects {len(caught)} of {len(caught) + len(missed)}; misses: {missed}")
    assert len(caught) >= 80
    assert set(missed) == set(SCHEMA_CANNOT_SAY)


# The invalid documents the schema lets through, and why it cannot tell.
SCHEMA_CANNOT_SAY = {
    "max_context_length_float": "JSON Schema's integer includes 200000.0; serde's u64 refuses it",
    "used_tokens_float": "the same: a whole number written as a float",
    "llm_config_api_key_int": "the crate never writes api_key, so no sample shows its type",
}


def test_the_schema_is_valid_json_schema_and_states_required_fields_and_enums() -> None:
    schema = schema_of(v3.SessionData)
    assert schema["title"] == "SessionData" and schema["type"] == "object"
    assert "id" in schema["required"] and "messages" in schema["properties"]
    state = schema["properties"]["state"]
    assert set(state["enum"]) == {m.value for m in v3.SessionState}
    # Content blocks are a tagged union: one branch per variant the sample shows (with that
    # variant's required fields), and an open branch for the variants it does not.
    blocks = schema["properties"]["messages"]["items"]["properties"]["content"]["items"]["anyOf"]
    seen = {
        b["properties"]["type"]["const"]: b for b in blocks if "const" in b["properties"]["type"]
    }
    assert {"text", "tool_use", "tool_result"} <= set(seen)
    assert seen["text"]["required"] == ["type", "text"]
    unseen = [v for b in blocks for v in b["properties"]["type"].get("enum", [])]
    assert set(seen) | set(unseen) == {"text", "image", "tool_use", "tool_result"}
    assert schema["properties"]["created_at"]["type"] == "integer"


def test_model_json_schema_of_a_model_holding_a_session() -> None:
    schema = V3Holder.model_json_schema()
    session = schema["properties"]["session"]
    assert session.get("title") == "SessionData" or "$ref" in session
    json.dumps(schema)


# ---------------------------------------------------------------------------------------------
# FastAPI (the README's example)
# ---------------------------------------------------------------------------------------------


def test_fastapi_body_and_response(tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    import fastapi_app
    from fastapi.testclient import TestClient

    app = fastapi_app.create_app(tmp_path)
    client = TestClient(app)
    text = SAMPLE.read_text(encoding="utf-8")
    r = client.post("/sessions", content=text, headers={"content-type": "application/json"})
    # Its conversation is new to the store and its workspace is not here: 9.1.3's agent would
    # never see it, so the write is refused (409) unless forced.
    assert r.status_code == 409 and "no workspace reachable" in r.json()["detail"], r.text
    r = client.post(
        "/sessions?force=true", content=text, headers={"content-type": "application/json"}
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"id": "sess-7f3c2a9e", "messages": 6}
    # The example serves today's generation: the body is read by 9.1.3 and stored by its store.
    assert a3s.FileSessionStore(tmp_path).load("sess-7f3c2a9e") == a3s.SessionData.from_json(text)
    r = client.get("/sessions/sess-7f3c2a9e")
    assert r.status_code == 200
    assert r.text == a3s.SessionData.from_json(text).to_json()
    bad = json.loads(text)
    bad["state"] = "Sleeping"
    r = client.post("/sessions", json=bad)
    assert r.status_code == 422
    (detail,) = r.json()["detail"]
    assert detail["loc"] == ["body", "state"]
    assert "unknown variant `Sleeping`" in detail["msg"]
    assert client.get("/openapi.json").status_code == 200
