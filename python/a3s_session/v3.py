"""a3s-code-core 3.0.0, the generation the package started from (0.2 named it
``a3s_session.<Name>``; since 0.3 those names are today's, :mod:`a3s_session.v9`)."""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self


from ._errors import GenerationWarning, InvalidSessionIdError
from ._names import legacy_file_name
from ._native import (
    CRATE_VERSION,
    DEFAULT_AUTO_COMPACT_THRESHOLD,
    ContextUsage,
    ImageBlock,
    ImageSource,
    ListView,
    LlmConfigData,
    LlmCostRecord,
    Message,
    PlanningMode,
    SessionConfig,
    SessionData,
    SessionFormatError,
    SessionState,
    StorageBackend,
    Task,
    TaskPriority,
    TaskStatus,
    TextBlock,
    TokenUsage,
    ToolResultBlock,
    ToolUseBlock,
)
from ._native import FileSessionStore as _NativeStore
from ._origin import origin_of, read_unchanged, repin, store_lock
from ._store import _missing, _Pending, _StoreBase, v1_sessions_count

GENERATION = "v3"
ContentBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock


class FileSessionStore(_StoreBase[SessionData]):
    """a3s-code-core 3.0.0's own store: one pretty-printed ``<safe id>.json`` per session,
    written atomically by the crate. Adds conflict checks, :meth:`edit` / :meth:`update` and
    an asyncio lifecycle (see :mod:`a3s_session._store`); 3.0.0 has no compare-and-swap, so
    an edit commits only if the file's stamp is the one it read, under the store's lock."""

    generation = GENERATION
    crate_version = CRATE_VERSION

    def __init__(self, dir: str | os.PathLike[str]) -> None:
        self._setup(_NativeStore(dir))
        _warn_if_newer_layout(self.dir)

    @classmethod
    async def open_async(cls, dir: str | os.PathLike[str]) -> Self:
        """The constructor without blocking the event loop."""
        store = cls.__new__(cls)
        store._setup(await _NativeStore.open_async(dir))
        _warn_if_newer_layout(store.dir)
        return store

    def _paths(self, session_id: str) -> tuple[Path, ...]:
        return (self._dir / legacy_file_name(session_id),)

    def _session_type(self) -> type:
        return SessionData

    # -- ids: 3.0.0 names a file after the id with `/`, `\\` and `..` replaced, so two ids
    # can share a file; list() shows file names ---------------------------------------------------
    def _id_problem(self, session_id: str) -> str | None:
        if not session_id:
            return "an empty id is stored as the hidden file `.json`, which the store never lists"
        if any(c in session_id for c in "\0\r\n"):
            return "an id with a NUL or a line break cannot be listed back (or named on disk)"
        return None

    def _check_target(self, value: Any, session_id: str) -> None:
        super()._check_target(value, session_id)
        (path,) = self._paths(session_id)
        if path.exists() and not read_unchanged(value, (path,)):
            try:
                stored = self._native.load(session_id)
            except ValueError:
                return  # nothing readable there to shadow; the crate replaces it
            if stored is not None and stored.id != session_id:
                raise _collision(session_id, stored.id, path)

    def _check_loaded(self, session_id: str, value: Any) -> None:
        if value is not None and value.id != session_id:
            raise _collision(session_id, value.id, self._paths(session_id)[0])

    def _after_write(self, session_id: str) -> None:
        # The crate creates the file with the process umask (often 0644); sessions hold
        # prompts, tool output and file contents, so only the owner may read them (9.1.3's
        # store does the same).
        with contextlib.suppress(OSError):
            os.chmod(self._paths(session_id)[0], 0o600)

    def _begin(self, session_id: str) -> _Pending[SessionData]:
        session = self.load(session_id)
        origin = origin_of(session)
        if session is None or origin is None:
            raise _missing(session_id, self._dir)
        return _Pending(session, None, None, origin)

    def _commit(self, pending: _Pending[SessionData]) -> bool:
        with store_lock(self._dir):
            if pending.origin.changed():
                return False
            self._check_target(pending.session, pending.session.id)
            self._native.save(pending.session)
            repin(pending.session, pending.origin.paths)
        self._after_write(pending.session.id)
        return True


def _collision(session_id: str, other: str, path: Path) -> InvalidSessionIdError:
    return InvalidSessionIdError(
        f"session id {session_id!r}: its file {path} holds session {other!r} (a3s-code-core "
        f"{CRATE_VERSION} gives both ids that file name); refusing to read it as, or write "
        f"over it with, {session_id!r}",
        session_id=session_id,
    )


def _warn_if_newer_layout(directory: Path) -> None:
    count = v1_sessions_count(directory)
    if count:
        noun = "session" if count == 1 else "sessions"
        warnings.warn(
            GenerationWarning(
                f"{directory} holds {count} {noun} in today's layout (v1/sessions/), which "
                f"a3s-code-core {CRATE_VERSION} cannot read: this store will not list or load "
                "them. Open it with a3s_session.FileSessionStore (9.1.3) instead"
            ),
            stacklevel=3,
        )


__all__ = [
    "CRATE_VERSION",
    "DEFAULT_AUTO_COMPACT_THRESHOLD",
    "GENERATION",
    "ContentBlock",
    "ContextUsage",
    "FileSessionStore",
    "ImageBlock",
    "ImageSource",
    "ListView",
    "LlmConfigData",
    "LlmCostRecord",
    "Message",
    "PlanningMode",
    "SessionConfig",
    "SessionData",
    "SessionFormatError",
    "SessionState",
    "StorageBackend",
    "Task",
    "TaskPriority",
    "TaskStatus",
    "TextBlock",
    "TokenUsage",
    "ToolResultBlock",
    "ToolUseBlock",
]
