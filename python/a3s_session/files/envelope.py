"""The ``SessionSnapshotV1`` envelope: its top-level members, found without a second JSON
parser, and parsing it with either generation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import v9
from .._native import SessionData, SessionFormatError, top_level_members
from .model import _JSON_WS, SNAPSHOT_SCHEMA_VERSION, V1, SessionFile, _format_error


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


def _parse_session_member(text: str, member: _Member) -> SessionData:
    """Parse the ``session`` member with the crate, errors positioned in the whole document."""
    try:
        return SessionData.from_json(text[member.start : member.end], unknown="ignore")
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
        unknown_fields=session.unknown_fields(text[member.start : member.end]),
        extras=extras,
        source=text,
        session_span=(member.start, member.end),
    )


def _parse_snapshot_v9(text: str, path: Path | None) -> SessionFile:
    """A v1 envelope, read whole by the 9.1.3 crate (which validates every member)."""
    snapshot = v9.SessionSnapshotV1.from_json(text, unknown="ignore")
    snapshot.ensure_loadable()
    members = top_level_members(text) or []  # the crate read it: a JSON object
    session_text = next((value for key, value in members if key == "session"), "")
    # Paths of session fields are relative to the session, as for the legacy layout.
    unknown = [field.removeprefix("session.") for field in snapshot.unknown_fields(text)]
    extras = {
        key: json.loads(value) for key, value in members if key not in ("schema_version", "session")
    }
    v9._remember_envelope(snapshot.session, members)
    read = SessionFile(
        session=snapshot.session,
        path=path,
        layout=V1,
        unknown_fields=unknown,
        extras=extras,
        generation="v9",
        snapshot=snapshot,
        source=text,
    )
    read.__dict__["session_text"] = session_text  # made already (a cached property)
    return read
