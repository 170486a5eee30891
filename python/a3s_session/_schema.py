"""JSON Schemas of the classes, asked of the crate itself.

No field rule is written down here. Each schema is found by probing the class's
``from_dict`` (the crate's Deserialize) around a document the crate wrote, the bundled
sample session (and for 9.x its snapshot envelope):

- a property is listed when the sample has it, and *required* when the crate rejects the
  document without it;
- its JSON types are the probe values (null, a boolean, an integer, a fraction, a string,
  an array, an object) that the crate accepts in its place; a value that accepts all of them
  is free-form (``{}``);
- a string the crate restricts gets the variants serde names in its ``unknown variant``
  message (``enum``), or ``format: date-time`` when a timestamp is what it takes;
- an integer gets the bounds of the narrowest Rust integer type the crate accepts;
- the items of an array are the merge of what each item of the sample says;
- an object the crate rejects an unknown key in gets ``additionalProperties: false``.

A tagged enum (content blocks: serde's ``tag = "type"``, told from a plain enum field because
some other variant in its place is refused) becomes ``anyOf``, one branch per variant the
sample shows with that variant's own required fields, and an open branch for the rest.

``format: date-time`` is RFC 3339's. chrono also reads a leap second (``23:59:60``), which some
strict format checkers refuse.

So a schema says no more than the crate does: every document the crate reads validates
(the tests check the valid corpora), and a document that breaks a rule the sample shows
(a wrong type, a missing field, an unknown variant, an out-of-range integer) fails. What
the sample does not show is left open (``additionalProperties`` stays allowed): a field the
sample omits is not typed.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
from collections.abc import Callable
from importlib import resources
from typing import Any, cast

__all__ = ["DIALECT", "json_schema_of"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_PROBE_KEY = "__a3s_schema_probe__"
# Working keys, removed before a schema is given out: the sample's value of an enum string,
# and of a union of tagged objects its tag property and every variant the crate names.
_SAMPLE = "x-a3s-sample"
_TAG = "x-a3s-tag"
_VARIANTS_KEY = "x-a3s-variants"
# One probe value per JSON type; a fraction tells `number` from `integer`.
_KINDS: tuple[tuple[str, object], ...] = (
    ("null", None),
    ("boolean", True),
    ("integer", 7),
    ("number", 0.5),
    ("string", "\u0000probe"),
    ("array", []),
    ("object", {}),
)
_VARIANTS = re.compile(r"unknown variant `[^`]*`, expected (?:one of )?(.*)")
_NAMED = re.compile(r"`([^`]*)`")
_TIMESTAMP = "2024-01-02T03:04:05Z"
# Bounds of Rust's integer types, narrowest first (u8, i8 are not used by the crates).
_UPPER = (2**16 - 1, 2**31 - 1, 2**32 - 1, 2**53, 2**63 - 1, 2**64 - 1)
_LOWER = (0, -(2**31), -(2**63))

Path = tuple[str | int, ...]


class _Prober:
    """Asks the crate whether a document with one change is still one it reads."""

    def __init__(self, read: Callable[[Any], object], root: Any) -> None:
        self.read = read
        self.root = root

    def _accepts(self, document: Any) -> tuple[bool, str]:
        try:
            self.read(document)
        except (ValueError, TypeError, OverflowError) as err:
            return False, str(getattr(err, "msg", "") or err)
        return True, ""

    def with_value(self, path: Path, value: object) -> tuple[bool, str]:
        return self._accepts(_replaced(self.root, path, lambda _old: value))

    def without(self, path: Path, key: str) -> bool:
        def drop(old: Any) -> Any:
            return {k: v for k, v in old.items() if k != key}

        return self._accepts(_replaced(self.root, path, drop))[0]


def _replaced(node: Any, path: Path, change: Callable[[Any], Any]) -> Any:
    """A copy of ``node`` with the value at ``path`` changed (only the spine is copied)."""
    if not path:
        return change(node)
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        copy: Any = dict(node)
    else:
        copy = list(node)
    copy[head] = _replaced(node[head], rest, change)
    return copy


def _at(node: Any, path: Path) -> Any:
    for step in path:
        node = node[step]
    return node


def _infer(prober: _Prober, path: Path) -> dict[str, Any]:
    value = _at(prober.root, path)
    accepted: set[str] = {_kind_of(value)}  # the sample's own value is read, by definition
    refusal = ""
    for kind, probe in _KINDS:
        ok, message = prober.with_value(path, probe)
        if ok:
            accepted.add(kind)
        elif kind == "string":
            refusal = message
    if len(accepted) == len(_KINDS):
        return {}
    if "number" in accepted:
        accepted.discard("integer")
    kinds = [k for k, _ in _KINDS if k in accepted]
    schema: dict[str, Any] = {"type": kinds[0] if len(kinds) == 1 else kinds}
    if isinstance(value, str) and refusal:
        schema.update(_string_rule(prober, path, refusal))
        if "enum" in schema:
            # A tag (serde's `#[serde(tag = ...)]`) decides the object's shape: some other
            # variant in its place is refused. A plain enum field takes any of them.
            others = [v for v in schema["enum"] if v != value]
            if any(not prober.with_value(path, v)[0] for v in others):
                schema[_SAMPLE] = value  # see _tag; dropped from the output
            if "null" in accepted:
                schema["enum"].append(None)
    if "integer" in accepted:  # the sample's value or the probe (an Option<u64> that is null)
        schema.update(_integer_bounds(prober, path))
    if isinstance(value, dict):
        schema.update(_object(prober, path, value))
    if isinstance(value, list) and value:
        items = [_infer(prober, (*path, i)) for i in range(len(value))]
        schema["items"] = functools.reduce(_merge, items)
    return schema


def _kind_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _string_rule(prober: _Prober, path: Path, refusal: str) -> dict[str, Any]:
    found = _VARIANTS.search(refusal)
    if found:
        return {"enum": _NAMED.findall(found.group(1))}
    if prober.with_value(path, _TIMESTAMP)[0]:
        return {"format": "date-time"}
    return {}


def _integer_bounds(prober: _Prober, path: Path) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    lower = [b for b in _LOWER if prober.with_value(path, b)[0]]
    if lower and not prober.with_value(path, lower[-1] - 1)[0]:
        bounds["minimum"] = lower[-1]
    upper = [b for b in _UPPER if prober.with_value(path, b)[0]]
    if upper and not prober.with_value(path, upper[-1] + 1)[0]:
        bounds["maximum"] = upper[-1]
    return bounds


def _object(prober: _Prober, path: Path, value: dict[str, Any]) -> dict[str, Any]:
    properties = {key: _infer(prober, (*path, key)) for key in value}
    required = [key for key in value if not prober.without(path, key)]
    extra = dict(value)
    extra[_PROBE_KEY] = None
    schema: dict[str, Any] = {"properties": properties}
    if required:
        schema["required"] = required
    if not prober.with_value(path, extra)[0]:
        schema["additionalProperties"] = False
    return schema


def _tag(schema: dict[str, Any]) -> tuple[str, str, list[Any]] | None:
    """The tag of an object schema: its first required property that is an enum string (serde's
    ``#[serde(tag = "...")]``), with the sample's variant and every variant named."""
    properties = schema.get("properties", {})
    for key in schema.get("required", []):
        prop = properties.get(key, {})
        if _SAMPLE in prop and prop.get("type") == "string":
            return key, prop[_SAMPLE], prop["enum"]
    return None


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]] | None:
    if _TAG in schema:
        return list(schema["anyOf"])
    tag = _tag(schema)
    if tag is None:
        return None
    key, variant, variants = tag
    branch = dict(schema)
    branch["properties"] = {**schema["properties"], key: {"const": variant}}
    return [{**branch, _TAG: key, _VARIANTS_KEY: variants}]


def _union(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any] | None:
    """Two schemas of one tagged enum (content blocks, say): one branch per variant seen, each
    the merge of that variant's samples; None when they are not both tagged by one key."""
    ba, bb = _branches(a), _branches(b)
    if ba is None or bb is None or ba[0][_TAG] != bb[0][_TAG]:
        return None
    key = ba[0][_TAG]
    by_variant: dict[Any, dict[str, Any]] = {}
    for branch in ba + bb:
        variant = branch["properties"][key]["const"]
        seen = by_variant.get(variant)
        by_variant[variant] = branch if seen is None else _merge_plain(seen, branch)
    variants = ba[0][_VARIANTS_KEY]
    for branch in by_variant.values():
        branch[_TAG], branch[_VARIANTS_KEY] = key, variants
    return {"anyOf": list(by_variant.values()), _TAG: key, _VARIANTS_KEY: variants}


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """A schema every value of ``a`` or ``b`` validates against (for array items: the sample's
    items may be different variants of one enum)."""
    if a == b:
        return a
    if not a or not b:
        return {}
    union = _union(a, b)
    if union is not None:
        return union
    return _merge_plain(_flat(a), _flat(b))


def _flat(schema: dict[str, Any]) -> dict[str, Any]:
    """A union as one object schema (the merge of its branches)."""
    if _TAG not in schema:
        return schema
    key = schema[_TAG]
    merged: dict[str, Any] = functools.reduce(_merge_plain, schema["anyOf"])
    merged["properties"][key] = {"type": "string", "enum": schema[_VARIANTS_KEY]}
    return merged


def _merge_plain(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    if a == b:
        return a
    if not a or not b:
        return {}
    merged: dict[str, Any] = {}
    types = sorted(set(_types(a)) | set(_types(b)), key=[k for k, _ in _KINDS].index)
    merged["type"] = types[0] if len(types) == 1 else types
    if "enum" in a and "enum" in b:
        merged["enum"] = list(dict.fromkeys([*a["enum"], *b["enum"]]))
    for key in ("format", "minimum", "maximum", "additionalProperties", "const", _SAMPLE):
        if key in a and a.get(key) == b.get(key):
            merged[key] = a[key]
    if "properties" in a or "properties" in b:
        pa, pb = a.get("properties", {}), b.get("properties", {})
        merged["properties"] = {
            k: _merge(pa[k], pb[k]) if k in pa and k in pb else pa.get(k, pb.get(k))
            for k in dict.fromkeys([*pa, *pb])
        }
        required = [k for k in a.get("required", []) if k in b.get("required", [])]
        if required:
            merged["required"] = required
        if merged.get("additionalProperties") is False and set(pa) != set(pb):
            del merged["additionalProperties"]
    if "items" in a and "items" in b:
        merged["items"] = _merge(a["items"], b["items"])
    elif "items" in a or "items" in b:  # the other was not an array, or an empty one
        merged["items"] = a.get("items", b.get("items"))
    return merged


def _finished(schema: Any) -> Any:
    """The schema as given out: a union gets a branch for the variants no sample showed (open:
    the crate reads them, the sample says nothing of their fields), and the working keys go."""
    if isinstance(schema, list):
        return [_finished(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _finished(v) for k, v in schema.items() if not k.startswith("x-a3s-")}
    if _TAG in schema and "anyOf" in schema:
        key = schema[_TAG]
        seen = [b["properties"][key]["const"] for b in schema["anyOf"]]
        unseen = [v for v in schema[_VARIANTS_KEY] if v not in seen]
        if unseen:
            out["anyOf"].append(
                {"type": "object", "properties": {key: {"enum": unseen}}, "required": [key]}
            )
    return out


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


# Sample data beside the bundled session, for the variants it does not show: an image block,
# and a tool result whose content is a list of blocks. Only data: the crate reads it and
# writes it back (`to_dict`) before anything is probed.
_MORE_MESSAGES: list[dict[str, Any]] = [
    {
        "role": "user",
        "content": [
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
            },
            {
                "type": "tool_result",
                "tool_use_id": "toolu_01",
                "content": [
                    {"type": "text", "text": "line 1"},
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/gif", "data": "R0lG"},
                    },
                ],
                "is_error": False,
            },
        ],
    }
]


def _sample_roots(module: Any) -> list[Any]:
    text = (resources.files("a3s_session") / "data" / "sample_session.json").read_text("utf-8")
    session = json.loads(text)
    more = [module.Message.from_dict(m, unknown="ignore").to_dict() for m in _MORE_MESSAGES]
    session["messages"] = [*session["messages"], *more]
    roots = [session]
    snapshot = getattr(module, "SessionSnapshotV1", None)
    if snapshot is not None:  # 9.x: the envelope the crate builds around the sample
        roots.append(
            snapshot.session_only(module.SessionData.from_dict(session, unknown="ignore")).to_dict()
        )
    return roots


def _nodes(node: Any) -> Any:
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from _nodes(child)


def _roots_for(cls: type) -> list[Any]:
    """Every document in the samples that the class reads and writes back unchanged (the
    sample session's messages, say, for Message)."""
    from_dict = cast(
        Callable[[Any], Any], functools.partial(cast(Any, cls).from_dict, unknown="ignore")
    )
    found: list[Any] = []
    for root in _sample_roots(importlib.import_module(cls.__module__)):
        for node in _nodes(root):
            if not isinstance(node, dict):
                continue
            try:
                if from_dict(node).to_dict() == node:
                    found.append(node)
            except (ValueError, TypeError, OverflowError):
                continue
        if found:
            return found
    try:
        return [cast(Any, cls)().to_dict()]
    except (ValueError, TypeError):
        return []


# Class -> its schema as JSON text (two threads asking at once may both compute it: the same).
_SCHEMAS: dict[type, str] = {}


def _schema_text(cls: type) -> str:
    roots = _roots_for(cls)
    schema: dict[str, Any] = {"$schema": DIALECT, "title": cls.__name__}
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    if doc:
        schema["description"] = " ".join(doc.split())
    if not roots:
        schema["type"] = "object"
    else:
        read = cast(
            Callable[[Any], object],
            functools.partial(cast(Any, cls).from_dict, unknown="ignore"),
        )
        inferred = [_infer(_Prober(read, r), ()) for r in roots]
        merged: dict[str, Any] = functools.reduce(_merge, inferred)
        schema.update(_finished(_flat(merged)))
    return json.dumps(schema)


def json_schema_of(cls: type) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a class of either generation, asked of its crate
    (see the module's docs for how, and what it leaves open). A fresh dict each call; the
    probing runs once per class."""
    text = _SCHEMAS.get(cls)
    if text is None:
        text = _SCHEMAS[cls] = _schema_text(cls)
    return cast(dict[str, Any], json.loads(text))
