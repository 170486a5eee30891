"""A store directory of either layout, read and written through the crates' stores."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from a3s_session_v9._native import FileSessionStore as _V9Store

from .. import v3, v9
from .._errors import WriteRefusedError
from .._native import FileSessionStore as _V3Store
from .._native import SessionFormatError
from .._origin import check_unchanged, repin, store_lock
from ..factlog import hand_back
from .detect import read_session_file
from .model import (
    _V1_SESSIONS,
    LEGACY,
    V1,
    DirectoryEntry,
    Generation,
    Layout,
    SessionFile,
    _format_error,
    unknown_fields_refusal,
)
from .names import legacy_file_name, v1_file_name, v1_id_from_file_name


# ---------------------------------------------------------------------------------------------
# Directories
# ---------------------------------------------------------------------------------------------
class SessionDirectory:
    """A session store directory of either layout (or both).

    Reads ``<dir>/*.json`` (legacy) and ``<dir>/v1/sessions/id_<base64url>.json`` (v1);
    temp files (``*.tmp``) and other files are ignored. Writes go through the session's own
    generation's ``FileSessionStore``: a 3.0.0 session to the legacy layout (all 3.0.0 can
    write), a 9.1.3 session to ``v1/sessions/`` (all 9.1.3 writes).

    When an id exists in both layouts, :meth:`read` / :meth:`load` return the v1 snapshot
    (the newer release's copy, which is also what the 9.1.3 crate reads).
    """

    def __init__(
        self, path: str | os.PathLike[str], *, generation: Generation | None = None
    ) -> None:
        self.path: Path = Path(path)
        # Which crate reads the files (None: chosen per document).
        self.generation = generation
        # ids read (by this object) with fields the crate would drop -> (fields, file)
        self._unknown: dict[str, tuple[list[str], Path | None, Generation]] = {}

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
        # Anything named *.json but a directory is a candidate: a FIFO or device is reported
        # when read (refused unopened), not skipped as if the store were fine.
        for name in _json_files(self.path):
            yield self.path / name, LEGACY
        v1_dir = self.path / _V1_SESSIONS
        if v1_dir.is_dir():
            for name in _json_files(v1_dir):
                if name.startswith("id_"):
                    yield v1_dir / name, V1

    # -- reading -----------------------------------------------------------------------------
    def scan(self, *, progress: Callable[[int, int], None] | None = None) -> list[DirectoryEntry]:
        """Every session file, read: legacy files first, then v1, each sorted by file name.

        A file that cannot be read is an entry with ``error`` set, never an exception; only a
        missing or unreadable directory raises OSError. ``progress(done, total)`` is called
        after each file."""
        return list(self.iter_scan(progress=progress))

    def iter_scan(
        self, *, progress: Callable[[int, int], None] | None = None
    ) -> Iterator[DirectoryEntry]:
        """:meth:`scan`, one entry at a time: memory holds one session, not the store. The
        directory is listed (and OSError raised) at the first ``next()``."""
        files = list(self._files())
        for done, (p, layout) in enumerate(files, 1):
            yield self._entry(p, layout)
            if progress is not None:
                progress(done, len(files))

    def _entry(self, p: Path, layout: Layout) -> DirectoryEntry:
        file_id = p.stem if layout == LEGACY else v1_id_from_file_name(p.name)
        if file_id is None:
            return DirectoryEntry(
                p,
                layout,
                p.stem,
                error=_format_error(
                    "not a v1 session file name (expected id_<base64url of the id>.json)"
                ),
            )
        try:
            read = self._read_file(p, layout, file_id)
        except (SessionFormatError, OSError) as err:
            return DirectoryEntry(p, layout, file_id, error=err)
        return DirectoryEntry(p, layout, file_id, file=read)

    def _read_file(self, p: Path, layout: Layout, file_id: str) -> SessionFile:
        read = read_session_file(p, generation=self.generation)
        if layout == V1 and read.session.id != file_id:
            raise _format_error(
                f"the file name is for session {file_id!r} but it holds session {read.session.id!r}"
            )
        if read.unknown_fields:
            self._unknown[read.session.id] = (read.unknown_fields, p, read.generation)
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

    def path_of(self, session_id: str) -> tuple[Path, Layout] | None:
        """The file holding this id (the v1 copy preferred) and its layout, or None."""
        v1 = self.v1_path(session_id)
        if v1.exists():
            return v1, V1
        legacy = self.legacy_path(session_id)
        if legacy.exists():
            return legacy, LEGACY
        return None

    def read(self, session_id: str) -> SessionFile | None:
        """The session with this id (v1 copy preferred), or None when there is none."""
        found = self.path_of(session_id)
        return None if found is None else self._read_file(found[0], found[1], session_id)

    def load(self, session_id: str) -> Any:
        read = self.read(session_id)
        return None if read is None else read.session

    def exists(self, session_id: str) -> bool:
        return self.v1_path(session_id).exists() or self.legacy_path(session_id).exists()

    # -- writing -----------------------------------------------------------------------------
    def save(self, session: Any, *, force: bool = False) -> Path:
        """Write ``session`` with its own generation's FileSessionStore; returns the file
        written. A 3.0.0 session goes to the legacy layout (pretty JSON, atomic); a
        ``v9.SessionData`` goes through the 9.1.3 store into ``v1/sessions/`` (the other
        records of an existing snapshot are kept), byte for byte what that crate writes. A
        legacy-layout copy of the same session that the v1 file supersedes is removed, so no
        stale second copy is left behind.

        Refused (unless ``force``), under the directory's a3s-session lock:

        * :class:`~a3s_session.ConflictError` when the session was read from this directory
          and its file changed since (another writer saved a newer version);
        * :class:`UnknownFieldsError` when this id was read with fields the crate does not
          know, or its stored copy has such fields;
        * :class:`WriteRefusedError` for a 3.0.0 session whose id has a v1 snapshot (the
          legacy copy written here would diverge from it);
        * :class:`~a3s_session.HandBackError` for a 9.1.3 session whose conversation changed
          in a way its agent's fact log cannot carry (see :mod:`a3s_session.factlog`; a
          change it can carry is written to the log first)."""
        if isinstance(session, v9.SessionData):
            generation: Generation = "v9"
        elif isinstance(session, v3.SessionData):
            generation = "v3"
        else:
            raise TypeError(f"expected a SessionData, got {type(session).__name__}")
        session_id: str = session.id
        paths = (self.v1_path(session_id), self.legacy_path(session_id))
        with store_lock(self.path):
            if not force:
                check_unchanged(session, session_id, paths, self.path)
                self._check_write(session_id, generation=generation)
            self._unknown.pop(session_id, None)
            if generation == "v9":
                store = _V9Store(self.path)
                # The store's own write checks: ids, file kinds, sealed stays sealed.
                v9.FileSessionStore._over(store)._check_target(session, session_id)
                if not force:
                    stored = store.load(session_id)
                    hand_back(session, None if stored is None else stored.messages)
                superseded = self._legacy_copy_of(session_id)
                v9._save_session(store, self.path, session)
                if superseded is not None:
                    superseded.unlink(missing_ok=True)
                written = self.v1_path(session_id)
            else:
                guarded = v3.FileSessionStore._over(_V3Store(self.path))
                guarded._check_target(session, session_id)
                guarded.native.save(session)
                guarded._after_write(session_id)
                written = self.legacy_path(session_id)
            repin(session, paths)
        return written

    def _legacy_copy_of(self, session_id: str) -> Path | None:
        """The legacy-layout file of this very session (its document holds this id), if any."""
        legacy = self.legacy_path(session_id)
        if not legacy.is_file():
            return None
        try:
            stored = read_session_file(legacy)
        except (SessionFormatError, OSError):
            return None
        return legacy if stored.layout == LEGACY and stored.session.id == session_id else None

    def _check_write(self, session_id: str, *, generation: Generation) -> None:
        known = self._unknown.get(session_id)
        if known is not None and (known[2] == generation or generation == "v3"):
            raise unknown_fields_refusal(session_id, known[0], known[1], _crate(known[2]))
        for p, layout in ((self.v1_path(session_id), V1), (self.legacy_path(session_id), LEGACY)):
            if not p.exists():
                continue
            try:
                stored = read_session_file(p, generation=generation)
            except (SessionFormatError, OSError):
                continue  # nothing readable to lose
            if stored.unknown_fields:
                raise unknown_fields_refusal(
                    session_id, stored.unknown_fields, p, _crate(stored.generation)
                )
            if generation == "v3" and (layout == V1 or stored.layout == V1):
                raise WriteRefusedError(
                    f"session {session_id!r} has a v1 snapshot ({p}); a3s-code-core "
                    f"{v3.CRATE_VERSION} can "
                    "only write the legacy layout, which would leave a second, diverging copy "
                    "or replace the snapshot envelope (use force=True to write it anyway)",
                    session_id=session_id,
                )


def _json_files(directory: Path) -> list[str]:
    """Names of the entries ``*.json`` of ``directory`` that are not directories, sorted.
    ``scandir`` knows most entries' kind from the listing itself (no stat per file, which
    was a tenth of ``ls`` over a store of small sessions)."""
    with os.scandir(directory) as entries:
        return sorted(
            e.name for e in entries if os.path.splitext(e.name)[1] == ".json" and not e.is_dir()
        )


def _crate(generation: Generation) -> str:
    """The crate a generation links, for messages."""
    module = v9 if generation == "v9" else v3
    return f"a3s-code-core {module.CRATE_VERSION}"
