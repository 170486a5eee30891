#!/usr/bin/env python3
"""Coverage-guided fuzzing of a3s_session with atheris (libFuzzer for Python).

Run it as ``make fuzz`` (``FUZZ_TIME`` seconds, 600 by default) or directly::

    python tests/fuzz/fuzz_session.py -max_total_time=600
    python tests/fuzz/fuzz_session.py path/to/crash-file     # replay one input

Every input is four header bytes and a document: ``mode, class, seed_lo, seed_hi, doc...``.
The mode picks what is exercised:

* ``from_json`` of ``SessionData`` and of every other class (bytes, str, bytearray, and
  memoryview, which must be a TypeError), then the serialization checks below;
* ``from_dict`` of the document loaded with ``json.loads`` and structurally mutated with
  arbitrary Python values (huge and negative ints, NaN and infinities, lone surrogates,
  bytes, sets, tuples, cycles, deep nesting, user objects, instances of the package);
* construction with arbitrary keyword arguments;
* random mutation sequences on a parsed session: assignment of arbitrary values to every
  settable attribute of every reachable object, ``ListView`` operations (append, insert,
  setitem incl. slices, extend, ``+=``, pop, remove, sort, ...), in-place edits of
  ``ToolUseBlock.input``, swapping views between objects, copy/deepcopy/pickle/repr/==.

After each step the harness checks what the binding promises:

* the only exceptions are SessionFormatError, TypeError, ValueError and OverflowError
  (IndexError from list indexing, AttributeError from deleting attributes, and whatever a
  hostile user object raises itself). A ``PanicException`` (a BaseException), a
  RecursionError, a SystemError, ... is a bug and is reported as one (``FuzzBug``);
* a failed assignment or list operation leaves the object as it was;
* whatever was accepted serializes: ``to_json()`` succeeds unless ``ToolUseBlock.input`` was
  edited in place (the one view not checked on insertion), its output is JSON, equals
  ``to_json_bytes()``, and the class parses it back with ``from_json``.

Known issues (``KNOWN_BUGS``: open bugs that have a strict xfail test, and the crate's own
behaviour) are counted and printed on their first occurrence instead of stopping the run;
``A3S_FUZZ_STRICT=1`` makes them crashes too.

The native module is not built with coverage instrumentation: libFuzzer sees the harness's
Python branches plus one synthetic edge per distinct outcome (error kind, field path, class,
operation), which keeps inputs that reach new errors. The custom mutator is structure-aware
(it edits the JSON tree: replaces, deletes, nests, takes values from the corpus) and also
applies text-level damage (BOM, truncation, trailing data, invalid UTF-8, lone-surrogate
escapes, huge literals, deep brackets).

Seeds: tests/corpus/*/*.json, the bundled sample and tests/fuzz/seeds/*.json, written in the
input format (one file per mode) into ``$A3S_FUZZ_DIR/seeds`` (default: a directory under the
system temp dir); new corpus entries go to ``$A3S_FUZZ_DIR/corpus`` and crash files to
``$A3S_FUZZ_DIR/artifacts/``. Give corpus directories on the command line to override.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import fractions
import inspect
import json
import os
import pickle
import random
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from a3s_session import SessionFormatError, v3
from a3s_session.v3 import ListView

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CORPUS_DIR = REPO / "tests" / "corpus"
SAMPLE = REPO / "python" / "a3s_session" / "data" / "sample_session.json"
EXTRA_SEEDS = HERE / "seeds"

HEADER = 4
STRICT = os.environ.get("A3S_FUZZ_STRICT") == "1"

CLASSES: list[type[Any]] = [
    v3.SessionData,
    v3.SessionConfig,
    v3.ContextUsage,
    v3.LlmConfigData,
    v3.Message,
    v3.TextBlock,
    v3.ImageBlock,
    v3.ToolUseBlock,
    v3.ToolResultBlock,
    v3.ImageSource,
    v3.TokenUsage,
    v3.Task,
    v3.LlmCostRecord,
]
BLOCK_CLASSES = {
    "text": v3.TextBlock,
    "image": v3.ImageBlock,
    "tool_use": v3.ToolUseBlock,
    "tool_result": v3.ToolResultBlock,
}
KIND_CLASS = {c.__name__: c for c in CLASSES}


def _settable(cls: type[Any]) -> list[str]:
    """Every field (all of them are settable): getters, and the member descriptors of slot
    fields (read-only descriptors; the record's ``__setattr__`` assigns them)."""
    return sorted(
        name
        for name, member in vars(cls).items()
        if not name.startswith("__")
        and (
            inspect.isgetsetdescriptor(member)
            or inspect.ismemberdescriptor(member)
            or isinstance(member, property)
        )
    )


ATTRS: dict[type[Any], list[str]] = {cls: _settable(cls) for cls in CLASSES}
NODE_TYPES = tuple(CLASSES)


class FuzzBug(AssertionError):
    """The binding broke one of its promises (see the module docstring)."""


class UserError(Exception):
    """Raised on purpose by the hostile user objects below: allowed to propagate."""


# Expected failures. SessionFormatError is a ValueError; UnicodeEncodeError is one too.
ALLOWED: tuple[type[BaseException], ...] = (
    SessionFormatError,
    TypeError,
    ValueError,
    OverflowError,
    UserError,
)
LIST_ALLOWED = (*ALLOWED, IndexError)
DELETE_ALLOWED = (*ALLOWED, AttributeError)


# ---------------------------------------------------------------------------------------------
# Known issues: open bugs (each with a strict xfail test) and the crate's own behaviour.
# Counted and printed on first sight rather than stopping the fuzzer; add an entry while a
# bug is open, remove it when the fix lands.
# ---------------------------------------------------------------------------------------------
KNOWN_BUGS: dict[str, tuple[str, Callable[[str, BaseException], bool]]] = {
    # The crate's own behaviour (tests/test_semantics.py, pickle of a non-finite float): a
    # number beyond f32 in an f32 field is read as inf (from text or a dict, as serde_json
    # does), written as null, and null is not an f32. Assignment refuses such values.
    "crate-f32-overflow-writes-null": (
        (
            "a JSON number beyond f32 read into an f32 field becomes inf, which the crate "
            "writes as null and cannot read back"
        ),
        lambda where, exc: where == "reparse" and "expected f32" in str(exc),
    ),
}
KNOWN_COUNTS: dict[str, int] = dict.fromkeys(KNOWN_BUGS, 0)


def _known(where: str, exc: BaseException) -> str | None:
    if STRICT:
        return None
    for name, (_, matches) in KNOWN_BUGS.items():
        if matches(where, exc):
            KNOWN_COUNTS[name] += 1
            n = KNOWN_COUNTS[name]
            if n == 1 or n & (n - 1) == 0 and n >= 1024:
                print(
                    f"[fuzz] known bug {name} (x{n}): {type(exc).__name__}: {str(exc)[:200]}",
                    file=sys.stderr,
                    flush=True,
                )
            return name
    return None


# ---------------------------------------------------------------------------------------------
# Synthetic coverage: one function (own code object, own edge under atheris) per outcome.
# ---------------------------------------------------------------------------------------------
_FEATURE_BUCKETS = 512


def _make_features(n: int) -> list[Callable[[], int]]:
    out = []
    for i in range(n):
        namespace: dict[str, Any] = {}
        exec(f"def _f{i}():\n    return {i}\n", namespace)  # noqa: S102 - fixed source
        out.append(namespace[f"_f{i}"])
    return out


FEATURES = _make_features(_FEATURE_BUCKETS)


def feature(*parts: object) -> None:
    """Mark an outcome; libFuzzer keeps inputs that reach outcomes it has not seen."""
    token = "|".join(str(p) for p in parts)
    FEATURES[zlib.crc32(token.encode("utf-8", "replace")) % _FEATURE_BUCKETS]()


def _error_token(exc: BaseException) -> str:
    msg = getattr(exc, "msg", None) or str(exc)
    head = msg.split("`")[0].split(",")[0]
    words = [w for w in head.replace(":", " ").split() if not w[:1].isdigit()][:4]
    path = getattr(exc, "path", "") or ""
    last = path.replace("[", ".").split(".")[-1] if path else ""
    return f"{type(exc).__name__}:{' '.join(words)}@{last}"


# ---------------------------------------------------------------------------------------------
# Context: the random source, the operation log (printed with a bug) and what was done.
# ---------------------------------------------------------------------------------------------
class Ctx:
    def __init__(self, seed: int, mode: str) -> None:
        self.rng = random.Random(seed)
        self.log: list[str] = [f"mode={mode} seed={seed}"]
        self.dirty_input = False

    def note(self, text: str) -> None:
        if len(self.log) < 200:
            self.log.append(text[:300])

    def bug(self, text: str) -> FuzzBug:
        steps = "\n  ".join(self.log[-40:])
        return FuzzBug(f"{text}\nsteps:\n  {steps}")


_FAILED = object()


def guard(
    ctx: Ctx,
    what: str,
    fn: Callable[..., Any],
    *args: Any,
    allowed: tuple[type[BaseException], ...] = ALLOWED,
    quiet: bool = False,
    **kwargs: Any,
) -> Any:
    """Call ``fn``; an allowed exception gives ``_FAILED``, anything else is a bug."""
    if not quiet:
        ctx.note(what)
    try:
        result = fn(*args, **kwargs)
    except (KeyboardInterrupt, SystemExit, FuzzBug):
        raise
    except BaseException as exc:  # PanicException is a BaseException
        if isinstance(exc, allowed):
            feature(what.split("(")[0], _error_token(exc))
            ctx.last_error = exc  # type: ignore[attr-defined]
            return _FAILED
        raise ctx.bug(
            f"{what} raised {type(exc).__module__}.{type(exc).__qualname__}: {exc!r}"
        ) from exc
    feature(what.split("(")[0], "ok")
    return result


# ---------------------------------------------------------------------------------------------
# Seeds and the value pool (every subtree of every corpus document, by the key it sat under).
# ---------------------------------------------------------------------------------------------
def seed_documents() -> list[tuple[str, bytes]]:
    """``(kind, bytes)`` of every seed document; kind is a class name or "any"."""
    docs: list[tuple[str, bytes]] = []
    for path in sorted(CORPUS_DIR.glob("*/*.json")):
        docs.append((path.parent.name, path.read_bytes()))
    docs.append(("SessionData", SAMPLE.read_bytes()))
    if EXTRA_SEEDS.is_dir():
        for path in sorted(EXTRA_SEEDS.glob("*.json")):
            docs.append(("any", path.read_bytes()))
    return docs


def class_index(kind: str, doc: bytes) -> int:
    if kind == "ContentBlock":
        try:
            tag = json.loads(doc).get("type")
        except (ValueError, AttributeError):
            tag = None
        cls = BLOCK_CLASSES.get(str(tag), v3.TextBlock)
    else:
        cls = KIND_CLASS.get(kind, v3.SessionData)
    return CLASSES.index(cls)


def _load_pool() -> tuple[dict[str, list[Any]], dict[str, list[Any]], list[Any]]:
    by_key: dict[str, list[Any]] = {}
    items_of: dict[str, list[Any]] = {}
    everything: list[Any] = []
    for _, raw in seed_documents():
        try:
            tree = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        stack: list[tuple[str, Any]] = [("", tree)]
        while stack:
            key, value = stack.pop()
            everything.append(value)
            if key:
                by_key.setdefault(key, []).append(value)
            if isinstance(value, dict):
                stack.extend(value.items())
            elif isinstance(value, list):
                if key:
                    items_of.setdefault(key, []).extend(value)
                stack.extend((key + "[]", v) for v in value)
    return by_key, items_of, everything


POOL_BY_KEY, POOL_ITEMS, POOL_ALL = _load_pool()
FIELD_NAMES = sorted(
    {a for attrs in ATTRS.values() for a in attrs} | {k for k in POOL_BY_KEY if "[" not in k}
) + ["todos", "$serde_json::private::Number", "__proto__", "", "type", "Text", "text"]
SAMPLE_BYTES = SAMPLE.read_bytes()


# ---------------------------------------------------------------------------------------------
# Arbitrary values
# ---------------------------------------------------------------------------------------------
SPECIAL_INTS = [
    0, 1, -1, 7, 2**31 - 1, 2**31, 2**32 - 1, 2**32, -(2**31) - 1, 2**53, 2**53 + 1,
    2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64 - 1, 2**64, -(2**64), 2**128,
    10**38 * 4, 10**308, 10**309, 10**400, -(10**400),
]  # fmt: skip
SPECIAL_FLOATS = [
    0.0, -0.0, 0.5, 1 / 3, 1e-320, 5e-324, 1.7976931348623157e308, -1e308,
    3.4028234663852886e38, 3.4028235677973366e38, 1e39, -1e39, 2.0**63, 2.0**64,
    float("nan"), float("inf"), float("-inf"), 1e16, 123456789.123456789,
]  # fmt: skip
SPECIAL_STRS = [
    "", "x", "\x00", "\ud800", "\udfff", "a\udc80b", "\ud83d\ude00", "\U0001f600", "\u2028",
    "\ufeff", "é" * 5, "\\ud800", '"', "\n", "Active", "Paused", "Completed", "Error",
    "text", "image", "tool_use", "tool_result", "base64", "pending", "in_progress",
    "completed", "failed", "high", "medium", "low", "file", "memory", "Auto", "Always",
    "Never", "user", "assistant", "2025-11-25T06:00:00.123456789Z", "2025-11-25T06:00:00+02:00",
    "+10000-01-01T00:00:00Z", "9999-12-31T23:59:60Z", "-0001-01-01T00:00:00Z",
    "2025-13-01T00:00:00Z", "not a date", "1e400", "NaN", "null", "{}", "[]",
]  # fmt: skip


class IntSub(int):
    pass


class FloatSub(float):
    pass


class StrSub(str):
    pass


class DictSub(dict):  # type: ignore[type-arg]
    def items(self) -> Any:
        raise UserError("DictSub.items")

    def keys(self) -> Any:
        raise UserError("DictSub.keys")


class ListSub(list):  # type: ignore[type-arg]
    def __iter__(self) -> Iterator[Any]:
        raise UserError("ListSub.__iter__")


class Hostile:
    """Looks like a number, a string and a sequence, and fails as each."""

    def __index__(self) -> int:
        raise UserError("Hostile.__index__")

    def __int__(self) -> int:
        return 3

    def __float__(self) -> float:
        return 1.5

    def __str__(self) -> str:
        return "hostile"

    def __len__(self) -> int:
        return 2

    def __iter__(self) -> Iterator[Any]:
        yield "a"
        raise UserError("Hostile.__iter__")

    def __eq__(self, other: object) -> bool:
        raise UserError("Hostile.__eq__")

    __hash__ = object.__hash__


class Sized:
    """An iterable (a list view accepts any iterable)."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


def _copy(value: Any) -> Any:
    """A deep copy of a generated value, or the value itself when it cannot be copied."""
    try:
        return copy.deepcopy(value)
    except (RecursionError, UserError, TypeError):
        return value


def rand_str(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.4:
        return rng.choice(SPECIAL_STRS)
    if r < 0.7:
        return "".join(rng.choice("abcxyz_-./ 09") for _ in range(rng.randint(0, 12)))
    if r < 0.95:
        return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randint(1, 8)))
    return rng.choice("aé\U0001f600\ud800") * rng.randint(100, 20000)


def rand_int(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.5:
        return rng.choice(SPECIAL_INTS)
    if r < 0.8:
        return rng.randint(-1000, 100000)
    bits = rng.randint(1, 3000)
    v = rng.getrandbits(bits)
    return -v if rng.random() < 0.5 else v


def rand_float(rng: random.Random) -> float:
    if rng.random() < 0.6:
        return rng.choice(SPECIAL_FLOATS)
    return rng.uniform(-1e6, 1e6) * 10 ** rng.randint(-30, 30)


def nest(rng: random.Random, inner: Any, depth: int) -> Any:
    kind = rng.randrange(3)
    for _ in range(depth):
        if kind == 0:
            inner = [inner]
        elif kind == 1:
            inner = {"k": inner}
        else:
            inner = (inner,)
    return inner


def json_value(rng: random.Random, depth: int = 0) -> Any:
    """A value ``json.dumps(allow_nan=True)`` can write."""
    r = rng.random()
    if depth > 3 or r < 0.55:
        return rng.choice(
            [None, True, False, rand_int(rng), rand_float(rng), rand_str(rng), rand_str(rng)]
        )
    if r < 0.7:
        return [json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if r < 0.85:
        return {
            rng.choice(FIELD_NAMES): json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))
        }
    if r < 0.9:
        return nest(rng, json_value(rng, 4), rng.choice([64, 127, 128, 129, 200, 1000]))
    return _copy(rng.choice(POOL_ALL))


def py_value(rng: random.Random, depth: int = 0) -> Any:
    """Any Python value: JSON-like ones, containers JSON has not, objects, package instances."""
    r = rng.random()
    if r < 0.45 or depth > 3:
        return json_value(rng, depth + 2)
    choice = rng.randrange(28)
    if choice == 0:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 8)))
    if choice == 1:
        return bytearray(b"xy")
    if choice == 2:
        return {rand_int(rng), rand_str(rng), None} if rng.random() < 0.5 else frozenset({1})
    if choice == 3:
        return tuple(py_value(rng, depth + 1) for _ in range(rng.randint(0, 3)))
    if choice == 4:
        return {
            rng.choice([1, None, 2.5, True, (1, 2), StrSub("k"), "k"]): py_value(rng, depth + 1)
        }
    if choice == 5:
        return object()
    if choice == 6:
        return Hostile()
    if choice == 7:
        return IntSub(rand_int(rng))
    if choice == 8:
        return FloatSub(rand_float(rng))
    if choice == 9:
        return StrSub(rand_str(rng))
    if choice == 10:
        return DictSub(a=1)
    if choice == 11:
        return ListSub([1])
    if choice == 12:
        cyc: list[Any] = [1]
        cyc.append(cyc)
        return cyc
    if choice == 13:
        cyd: dict[str, Any] = {}
        cyd["self"] = cyd
        return cyd
    if choice == 14:
        tz = datetime.timezone(datetime.timedelta(hours=rng.randint(-23, 23)))
        return rng.choice(
            [
                datetime.datetime.now(datetime.timezone.utc),
                datetime.datetime(2020, 1, 1),
                datetime.datetime.max.replace(tzinfo=tz),
                datetime.datetime.min.replace(tzinfo=tz),
                datetime.date(2020, 1, 1),
            ]
        )
    if choice == 15:
        return rng.choice(
            [decimal.Decimal("1.5"), decimal.Decimal("NaN"), fractions.Fraction(1, 3)]
        )
    if choice == 16:
        return complex(1, 2)
    if choice == 17:
        return rng.choice([v3.SessionState.ACTIVE, v3.TaskStatus.PENDING, v3.PlanningMode.AUTO])
    if choice == 18:
        return new_instance(rng)
    if choice == 19:
        return iter([plausible_item(rng, rng.choice(list(POOL_ITEMS))) for _ in range(2)])
    if choice == 20:
        return Sized([plausible_item(rng, rng.choice(list(POOL_ITEMS))) for _ in range(2)])
    if choice == 21:
        return range(rng.randint(0, 3))
    if choice == 22:
        return memoryview(b"{}")
    if choice == 23:
        return nest(rng, py_value(rng, 4), rng.choice([127, 128, 129, 500, 3000]))
    if choice == 24:
        return [py_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if choice == 25:
        return {rand_str(rng): py_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    if choice == 26:
        return mutate_tree(rng, _copy(rng.choice(POOL_ALL)), py_value)
    return v3.SessionData.from_json(SAMPLE_BYTES).messages  # a ListView of another session


def plausible_item(rng: random.Random, key: str) -> Any:
    """An item that could go into the list stored under ``key``, maybe damaged."""
    items = POOL_ITEMS.get(key) or POOL_ALL
    item = _copy(rng.choice(items))
    if rng.random() < 0.3:
        item = mutate_tree(rng, item, py_value if rng.random() < 0.5 else json_value)
    return item


def field_value(rng: random.Random, attr: str) -> Any:
    """A value for attribute ``attr``: often a plausible one, else anything."""
    r = rng.random()
    if r < 0.35 and attr in POOL_BY_KEY:
        value = _copy(rng.choice(POOL_BY_KEY[attr]))
        if rng.random() < 0.3:
            value = mutate_tree(rng, value, py_value)
        return value
    return py_value(rng)


def new_instance(rng: random.Random) -> Any:
    """A fresh instance of a random class, from a corpus document of its kind or empty."""
    cls = rng.choice(CLASSES)
    docs = [d for k, d in SEED_DOCS if k == cls.__name__]
    for raw in docs[:1] if docs and rng.random() < 0.7 else []:
        try:
            return cls.from_json(raw)
        except SessionFormatError:
            break
    try:
        return cls(
            **{a: "x" for a in ("id", "content", "role", "text", "tool_use_id") if a in ATTRS[cls]},
            **({"name": "n"} if cls is v3.ToolUseBlock else {}),
            **(
                {"provider": "p", "model": "m"}
                if cls in (v3.LlmConfigData, v3.LlmCostRecord)
                else {}
            ),
            **({"media_type": "m", "data": "d"} if cls is v3.ImageSource else {}),
            **(
                {"source": {"type": "base64", "media_type": "m", "data": "d"}}
                if cls is v3.ImageBlock
                else {}
            ),
        )
    except (TypeError, SessionFormatError):
        return v3.TextBlock(text="t")


# ---------------------------------------------------------------------------------------------
# Tree mutation (documents for the custom mutator; dicts for from_dict)
# ---------------------------------------------------------------------------------------------
def _slots(tree: Any, limit: int = 3000) -> list[tuple[Any, Any]]:
    out: list[tuple[Any, Any]] = []
    stack = [tree]
    while stack and len(out) < limit:
        node = stack.pop()
        if type(node) is dict:  # exact types: the hostile subclasses refuse iteration
            for k, v in node.items():
                out.append((node, k))
                stack.append(v)
        elif type(node) is list:
            for i, v in enumerate(node):
                out.append((node, i))
                stack.append(v)
    return out


def mutate_tree(rng: random.Random, tree: Any, value_fn: Callable[..., Any], n: int = 0) -> Any:
    for _ in range(n or rng.randint(1, 3)):
        slots = _slots(tree)
        if not slots or rng.random() < 0.05:
            tree = value_fn(rng) if rng.random() < 0.5 else nest(rng, tree, rng.randint(1, 130))
            continue
        container, key = rng.choice(slots)
        op = rng.randrange(8)
        try:
            if op == 0:
                container[key] = value_fn(rng)
            elif op == 1:
                del container[key]
            elif op == 2 and isinstance(container, dict):
                container[rng.choice(FIELD_NAMES)] = value_fn(rng)
            elif op == 2:
                container.insert(rng.randint(0, len(container)), value_fn(rng))
            elif op == 3:
                container[key] = nest(rng, container[key], rng.choice([1, 2, 126, 127, 128, 129]))
            elif op == 4 and isinstance(container, list):
                container.extend([container[key]] * rng.randint(1, 8))  # shared, cheap
            elif op == 5 and isinstance(key, str) and key in POOL_BY_KEY:
                container[key] = _copy(rng.choice(POOL_BY_KEY[key]))
            elif op == 6:
                container[key] = rng.choice([rand_int(rng), rand_float(rng), rand_str(rng)])
            else:
                container[key] = _copy(rng.choice(POOL_ALL))
        except (IndexError, KeyError):
            pass
    return tree


def mutate_document(rng: random.Random, doc: bytes) -> bytes:
    """Structure-aware mutation of JSON text, then maybe text-level damage."""
    try:
        tree = json.loads(doc)
    except (ValueError, RecursionError):
        tree = None
    if tree is not None or rng.random() < 0.5:
        if tree is None:
            tree = json.loads(rng.choice(SEED_DOCS)[1])
        tree = mutate_tree(rng, tree, json_value)
        try:
            text = json.dumps(
                tree,
                ensure_ascii=rng.random() < 0.5,
                allow_nan=True,
                indent=rng.choice([None, None, 2]),
            )
        except (ValueError, RecursionError, TypeError):
            text = doc.decode("utf-8", "surrogateescape")
        doc = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.3:
        doc = damage_text(rng, doc)
    return doc


def damage_text(rng: random.Random, doc: bytes) -> bytes:
    pos = rng.randint(0, len(doc))
    op = rng.randrange(10)
    if op == 0:
        return b"\xef\xbb\xbf" + doc
    if op == 1:
        return doc + rng.choice([b" x", b"{}", b"\x00", b" ", b"\n\n", b"]", b"\xff"])
    if op == 2:
        return doc[:pos]
    if op == 3:
        n = rng.choice([127, 128, 129, 5000])
        return doc[:pos] + b"[" * n + b"]" * n + doc[pos:]
    if op == 4:
        return (
            doc.replace(b'"', b'"\\ud800', 1)
            if rng.random() < 0.5
            else doc.replace(b'":"', b'":"\\udc00', 1)
        )
    if op == 5:
        return (
            doc[:pos]
            + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"])
            + doc[pos:]
        )
    if op == 6:
        return doc.replace(b"0", rng.choice([b"1" * 400, b"1e400", b"-0", b"NaN", b"Infinity"]), 1)
    if op == 7:
        return doc.replace(b"{", b'{"id":"dup","id":"dup2",', 1)
    if op == 8:
        return doc[:pos] + doc[pos:][::-1]
    return doc.replace(b"\n", b"\r\n")


# ---------------------------------------------------------------------------------------------
# Walking a live object graph
# ---------------------------------------------------------------------------------------------
def reachable(ctx: Ctx, root: Any, limit: int = 60) -> tuple[list[Any], list[tuple[Any, str]]]:
    """Nodes (package instances) and list views ``(view, field)`` reachable from ``root``."""
    nodes: list[Any] = []
    views: list[tuple[Any, str]] = []
    stack = [root]
    seen: set[int] = set()
    while stack and len(nodes) < limit:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        attrs = ATTRS[type(node)]
        for attr in ctx.rng.sample(attrs, len(attrs)):
            value = guard(
                ctx, f"getattr {type(node).__name__}.{attr}", getattr, node, attr, quiet=True
            )
            if isinstance(value, ListView):
                views.append((value, attr))
                if len(value) <= 400:
                    items = list(value)
                else:
                    items = [value[ctx.rng.randrange(len(value))] for _ in range(5)]
                stack.extend(i for i in items if isinstance(i, NODE_TYPES))
            elif isinstance(value, NODE_TYPES):
                stack.append(value)
    return nodes, views


def _json_of(ctx: Ctx, node: Any) -> str | None:
    out = guard(ctx, f"to_json {type(node).__name__}", node.to_json)
    return None if out is _FAILED else out


# ---------------------------------------------------------------------------------------------
# The checks every reachable state must pass
# ---------------------------------------------------------------------------------------------
def check_serialization(ctx: Ctx, node: Any, *, must_serialize: bool) -> None:
    name = type(node).__name__
    out = guard(ctx, f"to_json {name}", node.to_json)
    if out is _FAILED:
        exc = ctx.last_error  # type: ignore[attr-defined]
        if must_serialize and not _known("to_json", exc):
            raise ctx.bug(f"{name}.to_json() failed after only checked edits: {exc!r}")
        return
    try:
        json.loads(out)
    except ValueError as exc:
        raise ctx.bug(f"{name}.to_json() wrote invalid JSON ({exc}): {out[:300]!r}") from exc
    raw = guard(ctx, f"to_json_bytes {name}", node.to_json_bytes)
    if raw is not _FAILED and raw != out.encode("utf-8"):
        raise ctx.bug(f"{name}.to_json_bytes() != to_json().encode()")
    pretty = guard(ctx, f"to_json(pretty) {name}", node.to_json, pretty=True)
    # yolo_lanes is a HashSet: its element order may differ between two writes.
    if (
        pretty is not _FAILED
        and len(out) < 2_000_000
        and "yolo_lanes" not in out
        and json.loads(pretty) != json.loads(out)
    ):
        raise ctx.bug(f"{name}: pretty and compact JSON differ")
    again = guard(ctx, f"reparse {name}", type(node).from_json, out)
    if again is _FAILED:
        exc = ctx.last_error  # type: ignore[attr-defined]
        if not _known("reparse", exc):
            raise ctx.bug(f"{name}.from_json(to_json()) failed: {exc!r}\noutput: {out[:500]!r}")
    if len(out) > 200_000:
        return
    for what, op in (
        ("copy", copy.copy),
        ("deepcopy", copy.deepcopy),
        ("pickle", lambda n: pickle.loads(pickle.dumps(n))),
        ("to_dict", lambda n: n.to_dict()),
        ("repr", repr),
    ):
        result = guard(ctx, f"{what} {name}", op, node)
        if result is _FAILED:
            exc = ctx.last_error  # type: ignore[attr-defined]
            if not _known(what, exc) and not (what == "pickle" and _known("reparse", exc)):
                raise ctx.bug(f"{what}({name}) failed where to_json succeeded: {exc!r}")
        elif what in ("copy", "deepcopy"):
            eq = guard(ctx, f"== {name}", lambda a, b: a == b, result, node)
            if eq is False:
                raise ctx.bug(f"{what}({name}) != the original")


# ---------------------------------------------------------------------------------------------
# Operations on a live session
# ---------------------------------------------------------------------------------------------
def op_set_attr(ctx: Ctx, nodes: list[Any], views: list[tuple[Any, str]]) -> None:
    rng = ctx.rng
    node = rng.choice(nodes)
    attr = rng.choice(ATTRS[type(node)])
    value = field_value(rng, attr)
    before = _json_of(ctx, node) if rng.random() < 0.5 and not ctx.dirty_input else None
    shown = _short(value)
    result = guard(ctx, f"set {type(node).__name__}.{attr} = {shown}", setattr, node, attr, value)
    if result is _FAILED and before is not None:
        after = _json_of(ctx, node)
        if after != before:
            raise ctx.bug(f"a rejected assignment to {type(node).__name__}.{attr} changed it")


def op_list(ctx: Ctx, nodes: list[Any], views: list[tuple[Any, str]]) -> None:
    rng = ctx.rng
    if not views:
        return
    view, field = rng.choice(views)
    good = rng.random() < 0.5

    def item() -> Any:
        return plausible_item(rng, field) if good else py_value(rng)

    n = len(view)
    index = rng.choice([0, -1, n, n - 1, -n - 1, rng.randint(-2 * n - 2, 2 * n + 2), 2**63, 10**30])
    op = rng.randrange(17)
    before = list(view) if op < 7 else None
    name = f"{field}[{n}]"
    if op == 0:
        r = guard(ctx, f"{name}.append", view.append, item())
    elif op == 1:
        r = guard(ctx, f"{name}.insert({index})", view.insert, index, item(), allowed=LIST_ALLOWED)
    elif op == 2:
        r = guard(ctx, f"{name}[{index}] =", view.__setitem__, index, item(), allowed=LIST_ALLOWED)
    elif op == 3:
        sl = slice(
            rng.randint(-n - 1, n + 1), rng.randint(-n - 1, n + 1), rng.choice([None, 1, 2, -1])
        )
        items = [item() for _ in range(rng.randint(0, 3))]
        r = guard(ctx, f"{name}[{sl}] =", view.__setitem__, sl, items, allowed=LIST_ALLOWED)
    elif op == 4:
        r = guard(ctx, f"{name}.extend", view.extend, [item() for _ in range(rng.randint(0, 3))])
    elif op == 5:
        r = guard(ctx, f"{name}.extend(iterable)", view.extend, item())
    elif op == 6:

        def iadd() -> None:
            v = view
            v += [item()]

        r = guard(ctx, f"{name} +=", iadd)
    elif op == 7:
        guard(ctx, f"{name}.pop({index})", view.pop, index, allowed=LIST_ALLOWED)
        return
    elif op == 8:
        guard(ctx, f"del {name}[{index}]", view.__delitem__, index, allowed=LIST_ALLOWED)
        return
    elif op == 9:
        target = view[rng.randrange(n)] if n and good else item()
        guard(ctx, f"{name}.remove", view.remove, target)
        return
    elif op == 10:
        value = item()
        for meth in ("count", "__contains__"):
            guard(ctx, f"{name}.{meth}", getattr(view, meth), value)
        # list.index puts repr(value) in its error: a RecursionError for deep nesting, as for
        # a plain list.
        guard(ctx, f"{name}.index", view.index, value, allowed=(*ALLOWED, RecursionError))
        return
    elif op == 11:
        key = rng.choice([None, repr, id, lambda _: rng.random(), lambda _: 1 / 0])
        guard(
            ctx,
            f"{name}.sort",
            view.sort,
            key=key,
            reverse=rng.random() < 0.5,
            allowed=(*ALLOWED, ZeroDivisionError),
        )
        return
    elif op == 12:
        guard(ctx, f"{name}.reverse", view.reverse)
        guard(ctx, f"{name} + list", lambda: view + [item()])
        guard(ctx, f"{name} == list", lambda: view == list(view))
        return
    elif op == 13:
        if rng.random() < 0.2:
            guard(ctx, f"{name}.clear", view.clear)
        guard(ctx, f"{name}.copy", view.copy)
        guard(ctx, f"reversed({name})", lambda: list(reversed(view)))
        guard(ctx, f"{name}[::-1]", view.__getitem__, slice(None, None, -1))
        return
    elif op == 14:
        guard(ctx, f"{name}[{index}]", view.__getitem__, index, allowed=LIST_ALLOWED)
        return
    elif op == 15:
        guard(ctx, f"pickle {name}", lambda: pickle.loads(pickle.dumps(view)))
        guard(ctx, f"repr {name}", repr, view)
        return
    else:
        guard(
            ctx,
            f"{name}[{index}] = bad",
            view.__setitem__,
            index,
            py_value(rng),
            allowed=LIST_ALLOWED,
        )
        return
    if r is _FAILED and before is not None and list(view) != before:
        raise ctx.bug(f"a rejected {name} operation changed the list")


def op_edit_input(ctx: Ctx, nodes: list[Any], views: list[tuple[Any, str]]) -> None:
    """In-place edit of free-form JSON: the one view checked only when folded back."""
    rng = ctx.rng
    blocks = [n for n in nodes if isinstance(n, v3.ToolUseBlock)]
    if not blocks:
        return
    block = rng.choice(blocks)
    value = guard(ctx, "get input", getattr, block, "input")
    slots = _slots(value, 500)
    if not slots:
        return
    container, key = rng.choice(slots)
    new = py_value(rng)
    ctx.note(f"input[...][{key!r}] = {_short(new)}")
    ctx.dirty_input = True
    container[key] = new


def op_swap_views(ctx: Ctx, nodes: list[Any], views: list[tuple[Any, str]]) -> None:
    """Give a field the view (or nested object) of another object or field."""
    rng = ctx.rng
    node = rng.choice(nodes)
    attr = rng.choice(ATTRS[type(node)])
    donor = rng.choice(nodes)
    donor_attr = rng.choice(ATTRS[type(donor)])
    value = guard(ctx, f"get {type(donor).__name__}.{donor_attr}", getattr, donor, donor_attr)
    if value is _FAILED:
        return
    guard(
        ctx,
        f"set {type(node).__name__}.{attr} = <{type(donor).__name__}.{donor_attr}>",
        setattr,
        node,
        attr,
        value,
    )


def op_misc(ctx: Ctx, nodes: list[Any], views: list[tuple[Any, str]]) -> None:
    rng = ctx.rng
    node = rng.choice(nodes)
    name = type(node).__name__
    op = rng.randrange(6)
    if op == 0:
        guard(
            ctx,
            f"set {name}.no_such_attr",
            setattr,
            node,
            "no_such_attr",
            1,
            allowed=DELETE_ALLOWED,
        )
    elif op == 1:
        attr = rng.choice(ATTRS[type(node)])
        guard(ctx, f"del {name}.{attr}", delattr, node, attr, allowed=DELETE_ALLOWED)
    elif op == 2:
        other = rng.choice(nodes)
        guard(ctx, f"{name} == {type(other).__name__}", lambda: node == other)
        guard(ctx, f"{name} != {type(other).__name__}", lambda: node != other)
    elif op == 3:
        guard(ctx, f"repr {name}", repr, node)
    elif op == 4:
        raw = guard(ctx, f"to_json_bytes {name}", node.to_json_bytes)
        if raw is not _FAILED:
            guard(ctx, f"{name}.from_json(bytearray)", type(node).from_json, bytearray(raw))
    else:
        guard(
            ctx,
            "tool_names_from_definitions",
            v3.SessionData.tool_names_from_definitions,
            rng.choice([[{"name": "a", "description": "d", "parameters": {}}], py_value(rng)]),
        )


OPS = [
    (op_set_attr, 5),
    (op_list, 5),
    (op_edit_input, 1),
    (op_swap_views, 1),
    (op_misc, 1),
]
_OP_FUNCS = [f for f, w in OPS for _ in range(w)]


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - hostile objects
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


# ---------------------------------------------------------------------------------------------
# Modes
# ---------------------------------------------------------------------------------------------
def as_input(ctx: Ctx, doc: bytes) -> Any:
    r = ctx.rng.random()
    if r < 0.5:
        return doc
    if r < 0.7:
        return doc.decode("utf-8", "surrogateescape")  # invalid bytes become lone surrogates
    if r < 0.85:
        return doc.decode("utf-8", "replace")
    if r < 0.97:
        return bytearray(doc)
    return memoryview(doc)  # not accepted: TypeError


def mode_parse(ctx: Ctx, cls: type[Any], doc: bytes) -> None:
    for target in (v3.SessionData, cls):
        obj = guard(ctx, f"{target.__name__}.from_json", target.from_json, as_input(ctx, doc))
        if obj is not _FAILED:
            check_serialization(ctx, obj, must_serialize=True)


def mode_from_dict(ctx: Ctx, cls: type[Any], doc: bytes) -> None:
    try:
        tree = json.loads(doc)
    except (ValueError, RecursionError):
        tree = json.loads(SAMPLE_BYTES)
    tree = mutate_tree(ctx.rng, tree, py_value, ctx.rng.randint(0, 4))
    for target in (cls, v3.SessionData):
        obj = guard(ctx, f"{target.__name__}.from_dict", target.from_dict, tree)
        if obj is not _FAILED:
            check_serialization(ctx, obj, must_serialize=True)


def mode_construct(ctx: Ctx, cls: type[Any], doc: bytes) -> None:
    rng = ctx.rng
    attrs = rng.sample(ATTRS[cls], rng.randint(0, len(ATTRS[cls])))
    kwargs = {a: field_value(rng, a) for a in attrs}
    obj = guard(ctx, f"{cls.__name__}(**{sorted(kwargs)})", cls, **kwargs)
    if obj is not _FAILED:
        check_serialization(ctx, obj, must_serialize=True)


def _parse_any(ctx: Ctx, cls: type[Any], doc: bytes) -> Any:
    for target in (v3.SessionData, cls):
        obj = guard(ctx, f"{target.__name__}.from_json", target.from_json, doc)
        if obj is not _FAILED:
            return obj
    return v3.SessionData.from_json(SAMPLE_BYTES)


def mode_mutate(ctx: Ctx, cls: type[Any], doc: bytes, *, ops: list[Any] | None = None) -> None:
    rng = ctx.rng
    root = _parse_any(ctx, cls, doc)
    for _ in range(rng.randint(1, 12)):
        nodes, views = reachable(ctx, root)
        op = rng.choice(ops or _OP_FUNCS)
        op(ctx, nodes, views)
    check_serialization(ctx, root, must_serialize=not ctx.dirty_input)
    nodes, _ = reachable(ctx, root, limit=20)
    for node in rng.sample(nodes, min(3, len(nodes))):
        check_serialization(ctx, node, must_serialize=not ctx.dirty_input)


def mode_lists(ctx: Ctx, cls: type[Any], doc: bytes) -> None:
    mode_mutate(ctx, cls, doc, ops=[op_list, op_list, op_list, op_set_attr])


MODES: list[Callable[[Ctx, type[Any], bytes], None]] = [
    mode_parse,
    mode_from_dict,
    mode_construct,
    mode_mutate,
    mode_lists,
]


def run_one(data: bytes) -> None:
    """One fuzz input (the libFuzzer entry point; also used by the hypothesis tests)."""
    if len(data) < HEADER:
        data = data + bytes(HEADER - len(data))
    mode = MODES[data[0] % len(MODES)]
    cls = CLASSES[data[1] % len(CLASSES)]
    seed = int.from_bytes(data[2:4], "little")
    ctx = Ctx(seed, mode.__name__)
    feature("mode", mode.__name__, cls.__name__)
    mode(ctx, cls, data[HEADER:])


def make_input(mode: int, cls: type[Any], seed: int, doc: bytes) -> bytes:
    return bytes([mode, CLASSES.index(cls), seed & 0xFF, (seed >> 8) & 0xFF]) + doc


SEED_DOCS = seed_documents()


# ---------------------------------------------------------------------------------------------
# libFuzzer plumbing
# ---------------------------------------------------------------------------------------------
def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
    import atheris

    rng = random.Random(seed)
    header = bytearray((data + bytes(HEADER))[:HEADER])
    doc = data[HEADER:]
    r = rng.random()
    if r < 0.15:
        header[rng.randrange(HEADER)] = rng.randrange(256)
    elif r < 0.5:
        doc = atheris.Mutate(doc, max(1, max_size - HEADER))
    else:
        doc = mutate_document(rng, doc)
    return (bytes(header) + doc)[:max_size]


def write_seeds(directory: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for n, (kind, doc) in enumerate(SEED_DOCS):
        idx = class_index(kind, doc) if kind != "any" else 0
        for mode in range(len(MODES)):
            data = make_input(mode, CLASSES[idx], n * 31 + mode, doc)
            (directory / f"seed-{n:03d}-{kind}-m{mode}").write_bytes(data)
            count += 1
    return count


def main(argv: list[str]) -> None:
    try:
        import atheris
    except ImportError:
        sys.exit(
            "fuzz_session.py needs atheris (libFuzzer for Python): pip install atheris "
            "(wheels for Linux x86_64; it is not in the test extras)"
        )

    # atheris ships no type information for instrument_func.
    instrument: Callable[[Callable[..., Any]], Any] = getattr(atheris, "instrument_func")  # noqa: B009
    for value in list(globals().values()):
        if inspect.isfunction(value) and value.__module__ == __name__ and value is not main:
            instrument(value)
    for fn in FEATURES:
        instrument(fn)

    flags = [a for a in argv[1:] if a.startswith("-")]
    paths = [a for a in argv[1:] if not a.startswith("-")]
    if not paths:
        work = Path(
            os.environ.get("A3S_FUZZ_DIR") or Path(tempfile.gettempdir()) / "a3s-session-fuzz"
        )
        corpus, seeds, artifacts = work / "corpus", work / "seeds", work / "artifacts"
        corpus.mkdir(parents=True, exist_ok=True)
        artifacts.mkdir(parents=True, exist_ok=True)
        n = write_seeds(seeds)
        paths = [str(corpus), str(seeds)]
        if not any(f.startswith("-artifact_prefix=") for f in flags):
            flags.append(f"-artifact_prefix={artifacts}/")
        print(
            f"[fuzz] {n} seeds in {seeds}; corpus {corpus}; artifacts {artifacts}/",
            file=sys.stderr,
            flush=True,
        )
    defaults = {
        "-timeout": "30",  # a deadlock shows as a timeout crash
        "-rss_limit_mb": "4096",
        "-max_len": "65536",
        "-print_final_stats": "1",
    }
    for flag, value in defaults.items():
        if not any(f.startswith(flag + "=") for f in flags):
            flags.append(f"{flag}={value}")
    atheris.Setup([argv[0], *flags, *paths], run_one, custom_mutator=custom_mutator)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
