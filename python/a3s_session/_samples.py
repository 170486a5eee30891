"""The samples that ship with the package: a 9.1.3 store of three sessions (what today's
A3S Code writes) and a 3.0.0 session file. Every README snippet runs on them."""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

#: The id of the bundled sample's main session (in the store and the 3.0.0 file alike).
SAMPLE_SESSION_ID = "sess-7f3c2a9e"


def _data() -> Path:
    return Path(str(resources.files("a3s_session") / "data"))


def sample_store(destination: str | os.PathLike[str]) -> Path:
    """Copy the bundled 9.1.3 sample store into ``destination`` (created; it must not exist
    or be empty) and return its path: three sessions in today's layout (``v1/sessions/``,
    with the crate's write-ahead log), written by the 9.1.3 crate's own store."""
    target = Path(destination)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(17, "not empty", str(target))
    shutil.copytree(_data() / "sample_store", target, dirs_exist_ok=True)
    return target


def sample_session_file(generation: str = "v9") -> Path:
    """The bundled sample session's file: in the 9.1.3 store (``"v9"``, read-only: copy the
    store with :func:`sample_store` to write) or the 3.0.0 file (``"v3"``)."""
    if generation == "v3":
        return _data() / "sample_session.json"
    from ._names import v1_file_name

    return _data() / "sample_store" / "v1" / "sessions" / v1_file_name(SAMPLE_SESSION_ID)
