"""File names of both store layouts (the crates' rules, as their stores name files)."""

from __future__ import annotations

import base64
import binascii
import re

_V1_NAME = re.compile(r"^id_([A-Za-z0-9_-]*)\.json$")


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
