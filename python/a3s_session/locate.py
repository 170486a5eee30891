"""Find a session by id (or a unique prefix of one) or by path.

Where sessions are looked for, in order (the first store that has the id wins):

1. the store given (``--store DIR`` / ``store=``), and only it;
2. ``$A3S_SESSION_STORE``;
3. the ``sessions_dir`` of A3S Code's configuration, read with the 9.1.3 crate's own loader
   (``CodeConfig::from_file``) from ``$A3S_CONFIG``, ``~/.a3s/config.acl`` and
   ``./.a3s/config.acl`` (the workspace's), in that order. A3S Code 9.1.3 persists sessions
   only where ``sessions_dir`` (or a host's ``file_session_store_dir``) points; a relative
   ``sessions_dir`` is relative to the directory the agent runs in, taken here as the
   current directory.

A store is either layout (legacy ``<dir>/<id>.json`` or ``<dir>/v1/sessions/``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .files import SessionDirectory

__all__ = ["ENV_STORE", "SessionNotFoundError", "StorePlace", "default_stores", "find_session"]

ENV_STORE = "A3S_SESSION_STORE"


class SessionNotFoundError(LookupError):
    """No file at that path and no session with that id in the stores looked at."""


@dataclass(frozen=True)
class StorePlace:
    """A store directory and why it is looked at (for messages)."""

    path: Path
    source: str


def _config_files(environ: Mapping[str, str], home: Path, cwd: Path) -> list[Path]:
    files = []
    if environ.get("A3S_CONFIG"):
        files.append(Path(environ["A3S_CONFIG"]).expanduser())
    files.append(home / ".a3s" / "config.acl")
    files.append(cwd / ".a3s" / "config.acl")
    return files


def default_stores(
    *,
    environ: Mapping[str, str] | None = None,
    home: str | os.PathLike[str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> list[StorePlace]:
    """The stores looked at when none is given, in order (see the module's docstring)."""
    from . import v9

    env = os.environ if environ is None else environ
    home_dir = Path(home) if home is not None else Path.home()
    here = Path(cwd) if cwd is not None else Path.cwd()
    places: list[StorePlace] = []
    if env.get(ENV_STORE):
        places.append(StorePlace(Path(env[ENV_STORE]).expanduser(), f"${ENV_STORE}"))
    for config in _config_files(env, home_dir, here):
        if not config.is_file():
            continue
        try:
            found = v9.config_sessions_dir(config)
        except (ValueError, OSError):
            continue  # a config the crate rejects names no store we can trust
        if found is not None:
            path = Path(found).expanduser()
            places.append(StorePlace(path if path.is_absolute() else here / path, f"{config}"))
    unique: dict[Path, StorePlace] = {}
    for p in places:
        unique.setdefault(p.path, p)
    return list(unique.values())


def find_session(
    ref: str | os.PathLike[str],
    *,
    store: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Path:
    """The file of a session given by path, id, or unique id prefix.

    Raises `SessionNotFoundError` saying where it looked, or when a prefix is ambiguous."""
    path = Path(ref)
    if path.exists() or os.sep in str(ref) or str(ref).endswith(".json"):
        return path  # a path (reading it reports what is wrong with it)
    places = (
        [StorePlace(Path(store), "--store")]
        if store is not None
        else default_stores(environ=environ)
    )
    if not places:
        raise SessionNotFoundError(
            f"{ref}: no such file, and no session store to look in: pass --store DIR, set "
            f"${ENV_STORE}, or set sessions_dir in ~/.a3s/config.acl"
        )
    session_id = str(ref)
    candidates: list[tuple[str, SessionDirectory]] = []
    for place in places:
        if not place.path.is_dir():
            continue
        directory = SessionDirectory(place.path)
        found = directory.path_of(session_id)
        if found is not None:
            return found[0]
        candidates.extend((i, directory) for i in directory.ids() if i.startswith(session_id))
    looked = ", ".join(f"{p.path} ({p.source})" for p in places)
    if len(candidates) == 1:
        sid, directory = candidates[0]
        found = directory.path_of(sid)
        if found is None:  # removed since it was listed
            raise SessionNotFoundError(f"{ref}: no session with this id in {looked}")
        return found[0]
    if candidates:
        ids = sorted({c for c, _ in candidates})
        shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
        raise SessionNotFoundError(
            f"{ref}: matches {len(ids)} sessions ({shown}); give more of the id"
        )
    raise SessionNotFoundError(f"{ref}: no session with this id in {looked}")
