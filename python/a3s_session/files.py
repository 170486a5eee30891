"""Session files of every A3S Code release, read through the a3s-code-core 3.0.0 crate.

Two on-disk layouts exist:

``legacy``
    What a3s-code-core 3.0.0's ``FileSessionStore`` writes: ``<dir>/<safe id>.json``, a bare
    ``SessionData`` document (pretty JSON).
``v1``
    What newer A3S Code releases (5.x - 9.x) write: ``<dir>/v1/sessions/id_<base64url(id)>.json``,
    a ``SessionSnapshotV1`` envelope ``{"schema_version": 1, "session": {...}, "artifacts": ...}``.

The layout is decided per document, not per file name: a JSON object with a ``schema_version``
or ``session`` key is a snapshot envelope, anything else is parsed as a bare ``SessionData``.
The session itself is always parsed by the crate, from the exact bytes of the file, so errors
carry the crate's message and a line/column in the file.

Unknown fields
    A newer release writes fields that the 3.0.0 crate does not know (``tenant_id``,
    ``config.max_parallel_tasks``, ...). serde ignores them on input, so a session read here and
    written back would silently lose them. Every read therefore compares the object keys of the
    input with those of the crate's own re-serialization and reports the keys that would be
    dropped (:attr:`SessionFile.unknown_fields`). The policy is **refuse**:
    :meth:`SessionDirectory.save` raises :class:`UnknownFieldsError` for a session whose stored
    copy has such fields, unless called with ``force=True``. Keys that serde consumes on purpose
    are not reported: the old ``todos`` key (written back as ``tasks``, and compared as such),
    ``llm_config.api_key`` (read, never written), keys whose value is ``null`` (an absent
    ``Option``) and an empty ``tasks[].dependencies`` (omitted when empty).

Encrypted (sealed) snapshots, which start with the magic bytes ``A3SE``, are not supported and
raise :class:`~a3s_session.SessionFormatError`.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import v9
from ._native import FileSessionStore, SessionData, SessionFormatError

__all__ = [
    "LEGACY",
    "SEALED_MAGIC",
    "SNAPSHOT_SCHEMA_VERSION",
    "V1",
    "DirectoryEntry",
    "Layout",
    "SessionDirectory",
    "SessionFile",
    "UnknownFieldsError",
    "WriteRefusedError",
    "find_unknown_fields",
    "first_difference",
    "legacy_file_name",
    "load_session",
    "parse_session_document",
    "read_session_file",
    "safe_session_id",
    "v1_file_name",
    "v1_id_from_file_name",
]

Layout = Literal["legacy", "v1"]
LEGACY: Layout = "legacy"
V1: Layout = "v1"

#: Magic bytes at the start of an AES-GCM sealed snapshot (newer releases).
SEALED_MAGIC = b"A3SE"
#: The only ``SessionSnapshotV1.schema_version`` there is.
SNAPSHOT_SCHEMA_VERSION = 1

_V1_SESSIONS = Path("v1") / "sessions"
_V1_NAME = re.compile(r"^id_([A-Za-z0-9_-]*)\.json$")
_JSON_WS = " \t\n\r"


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------
class WriteRefusedError(ValueError):
    """Writing this session back would lose or shadow data; pass ``force=True`` to write anyway.

    A ``ValueError`` but deliberately *not* a :class:`~a3s_session.SessionFormatError`: the
    document is valid, it is the write that is refused.
    """

    def __init__(self, message: str, *, session_id: str) -> None:
        super().__init__(message)
        self.session_id = session_id


class UnknownFieldsError(WriteRefusedError):
    """The stored session has fields a3s-code-core 3.0.0 does not know; saving would drop them."""

    def __init__(self, session_id: str, fields: list[str], source: Path | None = None) -> None:
        shown = ", ".join(fields[:8]) + (f", ... ({len(fields)} in all)" if len(fields) > 8 else "")
        where = f" (read from {source})" if source is not None else ""
        super().__init__(
            f"session {session_id!r}{where} has fields unknown to a3s-code-core 3.0.0 that "
            f"saving would drop: {shown}; refusing to write it (use force=True to drop them)",
            session_id=session_id,
        )
        self.fields = list(fields)
        self.source = source


def _describe(msg: str, path: str, line: int | None, column: int | None) -> str:
    """The text of a SessionFormatError, in the binding's own format."""
    text = msg
    if path:
        text += f" (at `{path}`)"
    if line is not None and column is not None:
        text += f" at line {line} column {column}"
    return text


def _format_error(
    msg: str, *, path: str = "", line: int | None = None, column: int | None = None
) -> SessionFormatError:
    err = SessionFormatError(_describe(msg, path, line, column))
    err.msg = msg
    err.path = path
    err.line = line
    err.column = column
    return err


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
Generation = Literal["v3", "v9"]
GENERATIONS: tuple[Generation, ...] = ("v3", "v9")


@dataclass(frozen=True)
class SessionFile:
    """A session read from a file (or bytes) of either layout."""

    session: Any
    """The session, as the crate of ``generation`` parsed it (``a3s_session.SessionData`` for
    v3, ``a3s_session.v9.SessionData`` for v9)."""
    path: Path | None
    """Where it was read from (None for in-memory input)."""
    layout: Layout
    """``"legacy"`` (bare SessionData) or ``"v1"`` (SessionSnapshotV1 envelope)."""
    unknown_fields: list[str] = field(default_factory=list)
    """Paths of input fields the crate would not write back, relative to the session
    (``config.max_parallel_tasks``, ``messages[2].content[0].cache_control``)."""
    extras: dict[str, Any] = field(default_factory=dict)
    """The envelope's other members (``artifacts``, ``trace_events``, ...) as parsed JSON;
    empty for the legacy layout. Never written by this package."""
    session_text: str = field(default="", repr=False)
    """The exact text of the session document (the whole file for ``legacy``, the ``session``
    member for ``v1``)."""
    generation: Generation = "v3"
    """Which crate read it: ``"v3"`` (a3s-code-core 3.0.0) or ``"v9"`` (9.1.3)."""
    snapshot: Any = field(default=None, repr=False)
    """The whole envelope as ``a3s_session.v9.SessionSnapshotV1`` when v9 read a v1 file."""
    text: str = field(default="", repr=False)
    """The exact text of the whole document."""

    @property
    def lossless(self) -> bool:
        """Whether the crate can write this session back without dropping input fields."""
        return not self.unknown_fields


@dataclass(frozen=True)
class DirectoryEntry:
    """One session file found by :meth:`SessionDirectory.scan`: read, or failed to read."""

    path: Path
    layout: Layout
    """Where the file was found (``legacy``: top level, ``v1``: ``v1/sessions/``); the layout
    of the document itself is ``file.layout`` (decided per document)."""
    id: str
    """The id the file name stands for: the file stem (legacy; the crate's ``list()``) or the
    decoded ``id_<base64url>`` (v1)."""
    file: SessionFile | None = None
    error: Exception | None = None
    """A SessionFormatError or OSError when the file could not be read."""


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


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------
@dataclass
class _Member:
    key: str
    start: int  # character offsets of the value in the document
    end: int
    value: Any


def _skip_ws(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in _JSON_WS:
        i += 1
    return i


def _top_level_members(text: str) -> list[_Member] | None:
    """The members of a top-level JSON object with the character span of each value, or None
    when ``text`` is not a JSON object (then the crate reports what is wrong with it)."""
    decoder = json.JSONDecoder()
    try:
        i = _skip_ws(text, 0)
        if text[i : i + 1] != "{":
            return None
        i = _skip_ws(text, i + 1)
        members: list[_Member] = []
        if text[i : i + 1] == "}":
            i += 1
        else:
            while True:
                if text[i : i + 1] != '"':
                    return None
                key, i = decoder.raw_decode(text, i)
                if not isinstance(key, str):
                    return None
                i = _skip_ws(text, i)
                if text[i : i + 1] != ":":
                    return None
                i = _skip_ws(text, i + 1)
                value, end = decoder.raw_decode(text, i)
                members.append(_Member(key, i, end, value))
                i = _skip_ws(text, end)
                sep = text[i : i + 1]
                i += 1
                if sep == "}":
                    break
                if sep != ",":
                    return None
                i = _skip_ws(text, i)
        if _skip_ws(text, i) != len(text):
            return None
        return members
    except (ValueError, RecursionError):
        return None


def _position(text: str, offset: int) -> tuple[int, int]:
    """serde_json's (line, column) of the character at ``offset``: 1-based line; the column
    counts UTF-8 bytes up to and including that character."""
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    return line, len(text[line_start:offset].encode("utf-8")) + 1


def _decode(data: bytes | str) -> str | None:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _parse_session_member(text: str, member: _Member) -> SessionData:
    """Parse the ``session`` member with the crate, errors positioned in the whole document."""
    try:
        return SessionData.from_json(text[member.start : member.end])
    except SessionFormatError as err:
        base_line, base_col = _position(text, member.start)
        line, column = err.line, err.column
        if line is not None and column is not None:
            if line == 1:
                column += base_col - 1
            line += base_line - 1
        path = "session"
        if err.path:
            path += err.path if err.path.startswith("[") else "." + err.path
        raise _format_error(err.msg, path=path, line=line, column=column) from None


def _parse_snapshot(text: str, members: list[_Member], path: Path | None) -> SessionFile:
    by_key: dict[str, _Member] = {}
    for m in members:
        if m.key in by_key:
            line, column = _position(text, m.start)
            raise _format_error(
                f"duplicate field `{m.key}` in the snapshot envelope", line=line, column=column
            )
        by_key[m.key] = m
    version = by_key.get("schema_version")
    if version is None:
        raise _format_error(
            "snapshot envelope (it has a `session` key) has no `schema_version`",
            path="schema_version",
            line=1,
            column=1,
        )
    if type(version.value) is not int or version.value != SNAPSHOT_SCHEMA_VERSION:
        line, column = _position(text, version.start)
        raise _format_error(
            f"unsupported snapshot schema_version {text[version.start : version.end]} "
            f"(only version {SNAPSHOT_SCHEMA_VERSION} is supported)",
            path="schema_version",
            line=line,
            column=column,
        )
    member = by_key.get("session")
    if member is None:
        raise _format_error("snapshot envelope has no `session`", path="session", line=1, column=1)
    session = _parse_session_member(text, member)
    extras = {k: m.value for k, m in by_key.items() if k not in ("schema_version", "session")}
    return SessionFile(
        session=session,
        path=path,
        layout=V1,
        unknown_fields=find_unknown_fields(member.value, session.to_dict()),
        extras=extras,
        session_text=text[member.start : member.end],
    )


def parse_session_document(
    data: bytes | str, *, path: Path | None = None, generation: Generation | None = None
) -> SessionFile:
    """Parse one session document of either layout (see the module docs).

    ``generation`` picks the crate; by default it is chosen from the document: a v1 envelope,
    or a bare document with fields only 9.x knows, is read by v9, anything else by v3 (the
    choice is ``SessionFile.generation``). Raises :class:`~a3s_session.SessionFormatError` for
    anything the chosen crate rejects, and for a sealed (encrypted) file, which only a
    :class:`a3s_session.v9.FileSessionStore` opened with its key can read."""
    if generation is not None and generation not in GENERATIONS:
        raise ValueError(f"generation must be one of {GENERATIONS}, got {generation!r}")
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
        if data.startswith(SEALED_MAGIC):
            raise _format_error(
                "encrypted snapshot: a sealed A3SE file can only be read through "
                "a3s_session.v9.FileSessionStore(dir, encryption_key=...)"
            )
    text = _decode(data)
    if text is None:  # not UTF-8: let the crate say where
        cls = v9.SessionData if generation == "v9" else SessionData
        session = cls.from_json(data)
        return SessionFile(
            session=session, path=path, layout=LEGACY, generation=generation or "v3"
        )
    members = _top_level_members(text)
    if members is not None and any(m.key in ("schema_version", "session") for m in members):
        if generation == "v3":
            return _parse_snapshot(text, members, path)
        return _parse_snapshot_v9(text, members, path)
    if generation == "v9":
        return _parse_bare(text, members, path, "v9")
    first = _parse_bare(text, members, path, "v3")
    if generation is None and first.unknown_fields:
        # Fields 3.0.0 does not know: today's crate may know them all.
        try:
            newer = _parse_bare(text, members, path, "v9")
        except SessionFormatError:
            return first
        if len(newer.unknown_fields) < len(first.unknown_fields):
            return newer
    return first


def _parse_bare(
    text: str, members: list[_Member] | None, path: Path | None, generation: Generation
) -> SessionFile:
    cls = v9.SessionData if generation == "v9" else SessionData
    session = cls.from_json(text)
    unknown: list[str] = []
    if members is not None:
        source = {m.key: m.value for m in members}
        unknown = _confirm_unknown(cls, source, find_unknown_fields(source, session.to_dict()))
    return SessionFile(
        session=session,
        path=path,
        layout=LEGACY,
        unknown_fields=unknown,
        session_text=text,
        generation=generation,
        text=text,
    )


def _parse_snapshot_v9(text: str, members: list[_Member], path: Path | None) -> SessionFile:
    """A v1 envelope, read whole by the 9.1.3 crate (which validates every member)."""
    snapshot = v9.SessionSnapshotV1.from_json(text)
    snapshot.ensure_loadable()
    by_key = {m.key: m for m in members}
    member = by_key["session"]
    session = snapshot.session
    source = member.value
    unknown = _confirm_unknown(
        v9.SessionData, source, find_unknown_fields(source, session.to_dict())
    )
    envelope = {m.key: m.value for m in members}
    written = snapshot.to_dict()
    top = [k for k in envelope if k not in written and k != "session"]
    extras = {k: m.value for k, m in by_key.items() if k not in ("schema_version", "session")}
    return SessionFile(
        session=session,
        path=path,
        layout=V1,
        unknown_fields=top + unknown,
        extras=extras,
        session_text=text[member.start : member.end],
        generation="v9",
        snapshot=snapshot,
        text=text,
    )


# A value no known field accepts (no field of a session is typed "any JSON" at a key the crate
# omits): a probe for keys the crate left out of its output.
_PROBE = {"\u0000a3s-session probe": [None]}
_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _confirm_unknown(cls: Any, source: dict[str, Any], candidates: list[str]) -> list[str]:
    """Keep the candidates the crate really ignores. A key the crate reads but leaves out of
    its output (a default it skips, an alias, a secret) rejects a probe value; an unknown
    key accepts anything. So the crate itself decides, with no field rule copied here."""
    if not candidates:
        return candidates
    confirmed = []
    for candidate in candidates:
        doc = json.loads(json.dumps(source))
        if not _replace_at(doc, candidate, _PROBE):
            confirmed.append(candidate)
            continue
        try:
            cls.from_json(json.dumps(doc))
        except SessionFormatError:
            continue  # the crate reads this key: nothing is lost
        confirmed.append(candidate)
    return confirmed


def _replace_at(doc: Any, path: str, value: Any) -> bool:
    """Set the value at a ``a.b[2].c`` path; False when the path does not lead anywhere."""
    tokens = [(m.group(1), m.group(2)) for m in _PATH_TOKEN.finditer(path)]
    at = doc
    for i, (key, index) in enumerate(tokens):
        last = i == len(tokens) - 1
        if key is not None:
            if not isinstance(at, dict) or key not in at:
                return False
            if last:
                at[key] = value
                return True
            at = at[key]
        else:
            n = int(index)
            if not isinstance(at, list) or n >= len(at):
                return False
            if last:
                at[n] = value
                return True
            at = at[n]
    return False


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; a directory is reported as IsADirectoryError on every platform."""
    if path.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(path))
    return path.read_bytes()


def read_session_file(
    path: str | os.PathLike[str], *, generation: Generation | None = None
) -> SessionFile:
    """Read a session file of either layout, with its layout, generation, unknown fields and
    envelope (see :func:`parse_session_document` for how the generation is chosen).

    Raises OSError (FileNotFoundError, IsADirectoryError, PermissionError, ...) when the file
    cannot be read and :class:`~a3s_session.SessionFormatError` when it is not a session."""
    p = Path(path)
    return parse_session_document(_read_bytes(p), path=p, generation=generation)


def load_session(path: str | os.PathLike[str], *, generation: Generation | None = None) -> Any:
    """The session in a file of either layout (see :func:`read_session_file`): an
    ``a3s_session.SessionData`` (v3) or ``a3s_session.v9.SessionData``."""
    return read_session_file(path, generation=generation).session


# ---------------------------------------------------------------------------------------------
# File names
# ---------------------------------------------------------------------------------------------
def safe_session_id(session_id: str) -> str:
    """The crate's file-name form of an id: ``/`` and ``\\`` become ``_``, then ``..`` too."""
    return session_id.replace("/", "_").replace("\\", "_").replace("..", "_")


def legacy_file_name(session_id: str) -> str:
    return f"{safe_session_id(session_id)}.json"


def v1_file_name(session_id: str) -> str:
    """``id_<base64url, no padding, of the UTF-8 id>.json``."""
    encoded = base64.urlsafe_b64encode(session_id.encode("utf-8")).rstrip(b"=").decode("ascii")
    return f"id_{encoded}.json"


def v1_id_from_file_name(name: str) -> str | None:
    """The session id a v1 file name stands for, or None if it is not such a name."""
    match = _V1_NAME.match(name)
    if match is None:
        return None
    encoded = match.group(1)
    if len(encoded) % 4 == 1:
        return None
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        session_id = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if v1_file_name(session_id) != name:  # non-canonical encoding (stray low bits)
        return None
    return session_id


# ---------------------------------------------------------------------------------------------
# Directories
# ---------------------------------------------------------------------------------------------
class SessionDirectory:
    """A session store directory of either layout (or both).

    Reads ``<dir>/*.json`` (legacy) and ``<dir>/v1/sessions/id_<base64url>.json`` (v1);
    temp files (``*.tmp``) and other files are ignored. Writes go through the crate's own
    ``FileSessionStore`` and therefore always use the legacy layout: a3s-code-core 3.0.0
    cannot write v1 snapshots.

    When an id exists in both layouts, :meth:`read` / :meth:`load` return the v1 snapshot
    (the newer release's copy).
    """

    def __init__(
        self, path: str | os.PathLike[str], *, generation: Generation | None = None
    ) -> None:
        self.path = Path(path)
        # Which crate reads the files (None: chosen per document).
        self.generation = generation
        # ids read (by this object) with fields the crate would drop -> (fields, file)
        self._unknown: dict[str, tuple[list[str], Path | None]] = {}

    def __repr__(self) -> str:
        return f"SessionDirectory({str(self.path)!r})"

    # -- file names --------------------------------------------------------------------------
    def legacy_path(self, session_id: str) -> Path:
        return self.path / legacy_file_name(session_id)

    def v1_path(self, session_id: str) -> Path:
        return self.path / _V1_SESSIONS / v1_file_name(session_id)

    def _files(self) -> Iterator[tuple[Path, Layout]]:
        """Candidate session files, sorted by name within each layout."""
        if not self.path.is_dir():
            if self.path.exists():
                raise NotADirectoryError(20, "Not a directory", str(self.path))
            raise FileNotFoundError(2, "No such file or directory", str(self.path))
        for p in sorted(self.path.iterdir()):
            if p.suffix == ".json" and p.is_file():
                yield p, LEGACY
        v1_dir = self.path / _V1_SESSIONS
        if v1_dir.is_dir():
            for p in sorted(v1_dir.iterdir()):
                if p.name.startswith("id_") and p.suffix == ".json" and p.is_file():
                    yield p, V1

    # -- reading -----------------------------------------------------------------------------
    def scan(self) -> list[DirectoryEntry]:
        """Every session file, read: legacy files first, then v1, each sorted by file name.

        A file that cannot be read is an entry with ``error`` set, never an exception; only a
        missing or unreadable directory raises OSError."""
        entries = []
        for p, layout in self._files():
            file_id = p.stem if layout == LEGACY else v1_id_from_file_name(p.name)
            if file_id is None:
                entries.append(
                    DirectoryEntry(
                        p,
                        layout,
                        p.stem,
                        error=_format_error(
                            "not a v1 session file name (expected id_<base64url of the id>.json)"
                        ),
                    )
                )
                continue
            try:
                read = self._read_file(p, layout, file_id)
            except (SessionFormatError, OSError) as err:
                entries.append(DirectoryEntry(p, layout, file_id, error=err))
            else:
                entries.append(DirectoryEntry(p, layout, file_id, file=read))
        return entries

    def _read_file(self, p: Path, layout: Layout, file_id: str) -> SessionFile:
        read = read_session_file(p, generation=self.generation)
        if layout == V1 and read.session.id != file_id:
            raise _format_error(
                f"the file name is for session {file_id!r} but it holds session {read.session.id!r}"
            )
        if read.unknown_fields:
            self._unknown[read.session.id] = (read.unknown_fields, p)
        return read

    def ids(self) -> list[str]:
        """Ids of the files in the store, sorted and unique: legacy file stems (what the
        crate's ``list()`` returns; the id itself unless it contains ``/``, ``\\`` or ``..``)
        and decoded v1 ids."""
        found = set()
        for p, layout in self._files():
            file_id = p.stem if layout == LEGACY else v1_id_from_file_name(p.name)
            if file_id is not None:
                found.add(file_id)
        return sorted(found)

    def read(self, session_id: str) -> SessionFile | None:
        """The session with this id (v1 copy preferred), or None when there is none."""
        v1 = self.v1_path(session_id)
        if v1.exists():
            return self._read_file(v1, V1, session_id)
        legacy = self.legacy_path(session_id)
        if legacy.exists():
            return self._read_file(legacy, LEGACY, session_id)
        return None

    def load(self, session_id: str) -> SessionData | None:
        read = self.read(session_id)
        return None if read is None else read.session

    def exists(self, session_id: str) -> bool:
        return self.v1_path(session_id).exists() or self.legacy_path(session_id).exists()

    # -- writing -----------------------------------------------------------------------------
    def save(self, session: Any, *, force: bool = False) -> Path:
        """Write ``session`` with its own generation's FileSessionStore; returns the file
        written. A 3.0.0 session goes to the legacy layout (pretty JSON, atomic); a
        ``v9.SessionData`` goes through the 9.1.3 store into ``v1/sessions/`` (the other
        records of an existing snapshot are kept), byte for byte what that crate writes.

        Refused (unless ``force``) with :class:`UnknownFieldsError` when this id was read with
        fields the crate does not know, or its stored copy has such fields; a 3.0.0 session
        is also refused with :class:`WriteRefusedError` when the id has a v1 snapshot (the
        legacy copy written here would diverge from it)."""
        if not force:
            self._check_write(session.id, generation="v9" if isinstance(session, v9.SessionData) else "v3")
        self._unknown.pop(session.id, None)
        if isinstance(session, v9.SessionData):
            v9.FileSessionStore(self.path).save(session)
            return self.v1_path(session.id)
        FileSessionStore(self.path).save(session)
        return self.legacy_path(session.id)

    def _check_write(self, session_id: str, *, generation: Generation) -> None:
        known = self._unknown.get(session_id)
        if known is not None:
            raise UnknownFieldsError(session_id, known[0], known[1])
        for p, layout in ((self.v1_path(session_id), V1), (self.legacy_path(session_id), LEGACY)):
            if not p.exists():
                continue
            try:
                stored = read_session_file(p, generation=generation)
            except (SessionFormatError, OSError):
                continue  # nothing readable to lose
            if stored.unknown_fields:
                raise UnknownFieldsError(session_id, stored.unknown_fields, p)
            if generation == "v3" and (layout == V1 or stored.layout == V1):
                raise WriteRefusedError(
                    f"session {session_id!r} has a v1 snapshot ({p}); a3s-code-core 3.0.0 can "
                    "only write the legacy layout, which would leave a second, diverging copy "
                    "or replace the snapshot envelope (use force=True to write it anyway)",
                    session_id=session_id,
                )
