"""The package's exception for documents the crate rejects, shared by every generation."""

from __future__ import annotations


class SessionFormatError(ValueError):
    """A document (or value) that the a3s-code-core crate rejects.

    Attributes: ``msg`` (serde's message), ``line`` and ``column`` (1-based, None when the
    input was not JSON text), ``path`` (the field path, e.g. ``messages[3].content[0].type``).
    """

    __module__ = "a3s_session"

    msg: str = ""
    line: int | None = None
    column: int | None = None
    path: str = ""
