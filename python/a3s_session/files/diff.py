"""Comparing a parsed document with the crate's output for it: the keys the output lacks and
the first difference. (Which fields of a document the crate ignores is the crate's own call:
``SessionData.unknown_fields``.)"""

from __future__ import annotations

import json
from typing import Any

# ---------------------------------------------------------------------------------------------
# Unknown-field detection
# ---------------------------------------------------------------------------------------------
# (shape of the object's path in the crate's output, input key) -> output key it is read into
_ALIASES = {("", "todos"): "tasks"}
# Keys that serde reads and drops on purpose (secrets never written back).
_CONSUMED = {("llm_config", "api_key")}
# Keys omitted from the output when empty (skip_serializing_if = "Vec::is_empty").
_OMITTED_WHEN_EMPTY = {("tasks[]", "dependencies")}


def _dropped_on_purpose(shape: str, key: str, value: Any) -> bool:
    """A key the crate does not write back although it understood it."""
    if value is None or (shape, key) in _CONSUMED:
        return True
    return (shape, key) in _OMITTED_WHEN_EMPTY and value in ([], {})


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def find_unknown_fields(source: Any, written: Any) -> list[str]:
    """Field paths in ``source`` (parsed input JSON) that ``written`` (the crate's output for
    it, e.g. ``session.to_dict()``) does not have: what a write-back would drop.

    Objects are compared key by key, arrays element by element; see the module docs for the
    keys that are not reported."""
    found: list[str] = []
    _walk(source, written, "", "", found)
    return found


def _walk(src: Any, out: Any, path: str, shape: str, found: list[str]) -> None:
    if isinstance(src, dict) and isinstance(out, dict):
        for key, value in src.items():
            child, child_shape = _join(path, key), _join(shape, key)
            if key in out:
                _walk(value, out[key], child, child_shape, found)
                continue
            target = _ALIASES.get((shape, key))
            if target is not None and target in out and target not in src:
                _walk(value, out[target], child, _join(shape, target), found)
            elif not _dropped_on_purpose(shape, key, value):
                found.append(child)
    elif isinstance(src, list) and isinstance(out, list):
        for i, (a, b) in enumerate(zip(src, out)):
            _walk(a, b, f"{path}[{i}]", f"{shape}[]", found)


_SETS = {"config.confirmation_policy.yolo_lanes"}  # HashSet: order and duplicates are free


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def first_difference(source: Any, written: Any) -> str | None:
    """Compare a parsed session document with the crate's output for it as JSON values; the
    path of the first input value the output does not reproduce, or None when it reproduces
    them all.

    The same keys are forgiven as in :func:`find_unknown_fields` (aliases, consumed secrets,
    ``null`` for an absent Option); keys the crate adds (defaults) are not differences;
    numbers compare by value (``5`` equals ``5.0``); ``yolo_lanes`` compares as a set."""
    return _diff(source, written, "", "")


def _diff(src: Any, out: Any, path: str, shape: str) -> str | None:
    if isinstance(src, dict) and isinstance(out, dict):
        for key, value in src.items():
            child, child_shape = _join(path, key), _join(shape, key)
            if key in out:
                found = _diff(value, out[key], child, child_shape)
            else:
                target = _ALIASES.get((shape, key))
                if target is not None and target in out and target not in src:
                    found = _diff(value, out[target], child, _join(shape, target))
                else:
                    found = None if _dropped_on_purpose(shape, key, value) else child
            if found is not None:
                return found
        return None
    if isinstance(src, list) and isinstance(out, list):
        if shape in _SETS:
            return None if _set_of(src) == _set_of(out) else path
        if len(src) != len(out):
            return path
        for i, (a, b) in enumerate(zip(src, out)):
            found = _diff(a, b, f"{path}[{i}]", f"{shape}[]")
            if found is not None:
                return found
        return None
    if _is_number(src) and _is_number(out):
        return None if src == out else path
    if type(src) is not type(out) or src != out:
        return path
    return None


def _set_of(items: list[Any]) -> set[str]:
    return {json.dumps(v, sort_keys=True) for v in items}
