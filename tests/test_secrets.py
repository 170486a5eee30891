"""``LlmConfigData.api_key`` is ``#[serde(skip_serializing, default)]`` in the crate: read from
input, kept in memory, never written. It must not leak through any output of the binding.

Observed (and asserted) behaviour of copies: ``copy.copy``/``copy.deepcopy`` clone the crate
value, so the copy *keeps* the key in memory; ``pickle`` goes through JSON, so an unpickled
object has ``api_key is None``. Equality compares what the crate writes, so two configs that
differ only in ``api_key`` compare equal.
"""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

import a3s_session
from a3s_session.v3 import LlmConfigData, SessionData

SAMPLE_TEXT = (Path(a3s_session.__file__).parent / "data" / "sample_session.json").read_text(
    encoding="utf-8"
)
KEY = "sk-ant-TOPSECRET-5f1e2d"
OTHER_KEY = "sk-other-NEWSECRET-77"


def _doc_with_key(key: str = KEY) -> dict[str, Any]:
    doc = json.loads(SAMPLE_TEXT)
    doc["llm_config"]["api_key"] = key
    doc["llm_config"]["base_url"] = "https://api.example.test"
    return doc


def llm(obj: Any) -> Any:
    """obj.llm_config, untyped (the tests assign dicts and read objects back)."""
    return obj.llm_config


_SessionData: Any = SessionData


@pytest.fixture
def session() -> Any:
    return SessionData.from_json(json.dumps(_doc_with_key()))


def _no_leak(obj: Any, key: str) -> None:
    """The key is absent from every form of output of obj."""
    assert key not in obj.to_json()
    assert key not in obj.to_json(pretty=True)
    assert key not in json.dumps(obj.to_dict())
    assert key not in repr(obj)
    assert key not in str(obj)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        raw = pickle.dumps(obj, protocol=protocol)
        assert key.encode() not in raw
        assert key.encode("utf-16-le") not in raw


def test_api_key_is_read_from_input(session: Any) -> None:
    assert session.llm_config is not None
    assert session.llm_config.api_key == KEY
    assert LlmConfigData.from_json(json.dumps(_doc_with_key()["llm_config"])).api_key == KEY
    assert _SessionData.from_dict(_doc_with_key()).llm_config.api_key == KEY
    assert _SessionData.from_json(json.dumps(_doc_with_key()).encode()).llm_config.api_key == KEY


def test_api_key_is_never_written(session: Any) -> None:
    cfg = session.llm_config
    _no_leak(cfg, KEY)
    _no_leak(session, KEY)
    d = cfg.to_dict()
    assert d == {
        "provider": "anthropic",
        "model": "claude-sonnet-4",
        "base_url": "https://api.example.test",
    }
    assert "api_key" not in cfg.to_json() and "api_key" not in session.to_json()
    # Untouched (never lifted into a Python object) llm_config does not leak either.
    fresh: Any = SessionData.from_json(json.dumps(_doc_with_key()))
    _no_leak(fresh, KEY)


def test_repr_masks_the_key(session: Any) -> None:
    r = repr(session.llm_config)
    assert "api_key='***'" in r
    assert repr(LlmConfigData(provider="p", model="m")).count("api_key=None") == 1


def test_api_key_is_settable(session: Any) -> None:
    cfg = session.llm_config
    cfg.api_key = OTHER_KEY
    assert cfg.api_key == OTHER_KEY
    assert session.llm_config.api_key == OTHER_KEY  # the live object
    _no_leak(cfg, OTHER_KEY)
    _no_leak(session, OTHER_KEY)
    c = LlmConfigData(provider="p", model="m", api_key=KEY)
    assert c.api_key == KEY
    _no_leak(c, KEY)
    session.llm_config = {"provider": "p", "model": "m", "api_key": KEY}
    assert llm(session).api_key == KEY
    _no_leak(session, KEY)
    session.llm_config = LlmConfigData(provider="p", model="m", api_key=OTHER_KEY)
    assert llm(session).api_key == OTHER_KEY
    _no_leak(session, OTHER_KEY)


def test_api_key_type_is_checked() -> None:
    c: Any = LlmConfigData(provider="p", model="m")
    with pytest.raises(TypeError):
        c.api_key = 12345


def test_copies_keep_the_key_in_memory(session: Any) -> None:
    cfg = session.llm_config
    for copier in (copy.copy, copy.deepcopy):
        assert copier(cfg).api_key == KEY
        assert copier(session).llm_config.api_key == KEY
    # Also when the llm_config view was never lifted before copying.
    fresh: Any = SessionData.from_json(json.dumps(_doc_with_key()))
    assert copy.deepcopy(fresh).llm_config.api_key == KEY
    # The copy is independent.
    c: Any = copy.deepcopy(session)
    c.llm_config.api_key = OTHER_KEY
    assert session.llm_config.api_key == KEY


def test_pickle_drops_the_key(session: Any) -> None:
    assert pickle.loads(pickle.dumps(session.llm_config)).api_key is None
    back: Any = pickle.loads(pickle.dumps(session))
    assert back.llm_config.api_key is None
    assert back == session  # equality is on what the crate writes


def test_json_round_trip_drops_the_key(session: Any) -> None:
    assert _SessionData.from_json(session.to_json()).llm_config.api_key is None
    assert _SessionData.from_dict(session.to_dict()).llm_config.api_key is None


def test_equality_ignores_the_key() -> None:
    a = LlmConfigData(provider="p", model="m", api_key=KEY)
    b = LlmConfigData(provider="p", model="m", api_key=OTHER_KEY)
    assert a == b
    assert a == LlmConfigData(provider="p", model="m")
