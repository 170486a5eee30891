"""File names of both store layouts (see :mod:`a3s_session._names`)."""

from __future__ import annotations

from .._names import legacy_file_name, safe_session_id, v1_file_name, v1_id_from_file_name

__all__ = ["legacy_file_name", "safe_session_id", "v1_file_name", "v1_id_from_file_name"]
