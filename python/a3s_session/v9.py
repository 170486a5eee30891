"""a3s-code-core 9.1.3 (today's A3S Code): the same class names as :mod:`a3s_session.v3`,
plus ``SessionSnapshotV1``, the ``v1/sessions`` store and the enums 9.x added.

Backed by the ``a3s-session-v9`` native distribution, a separate build of the binding so that
serde_json parses exactly as the 9.1.3 crate's own build does (``float_roundtrip``).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from typing_extensions import Buffer, Self

# The extension module itself, not its package: importing the package first imports this one.
from a3s_session_v9._native import (
    CRATE_VERSION,
    DEFAULT_AUTO_COMPACT_THRESHOLD,
    SESSION_SNAPSHOT_SCHEMA_VERSION,
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
    SessionSnapshotV1,
    SessionState,
    StorageBackend,
    Task,
    TaskPriority,
    TaskStatus,
    TextBlock,
    TokenUsage,
    ToolResultBlock,
    ToolResultTrust,
    ToolUseBlock,
    TranscriptVisibility,
    config_sessions_dir,
    migrate_legacy_store,
    session_id_problem,
)
from a3s_session_v9._native import FileSessionStore as _NativeStore

from ._errors import SealedStoreError
from ._names import legacy_file_name, v1_file_name
from ._origin import WeakMap, origin_of, read_unchanged, repin, store_lock
from ._reading import kind_of, not_regular
from ._store import _missing, _Pending, _StoreBase
from .factlog import Fact, FactLog, hand_back

GENERATION = "v9"
ContentBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock


# A session read from a snapshot file (``read_session_file`` / ``load_session``) -> the exact
# JSON text of the envelope's other members, so that saving it into a store with no snapshot
# of it writes the whole envelope (artifacts, retained_artifact_uris, traces, ...), not the
# bare session.
_envelopes: WeakMap[list[tuple[str, str]]] = WeakMap()


def _remember_envelope(session: SessionData, members: list[tuple[str, str]]) -> None:
    _envelopes.set(session, [(k, v) for k, v in members if k not in ("schema_version", "session")])


def _with_envelope(directory: Path, session: SessionData) -> SessionSnapshotV1 | None:
    """For a session read from a snapshot file, to be saved into a store that has no snapshot
    of it: that envelope with this session (else None: the crate's ``save`` is right)."""
    rest = _envelopes.get(session)
    if rest is None or (directory / "v1" / "sessions" / v1_file_name(session.id)).exists():
        return None
    schema = SessionSnapshotV1.session_only(session).schema_version
    text = (
        f'{{"schema_version":{schema},"session":{session.to_json()}'
        + "".join(f",{json.dumps(k)}:{v}" for k, v in rest)
        + "}"
    )
    return SessionSnapshotV1.from_json(text, unknown="ignore")


def _save_session(native: _NativeStore, directory: Path, session: SessionData) -> None:
    """The crate's ``save``, or ``save_snapshot`` of the envelope the session was read with
    (see :func:`_with_envelope`)."""
    snapshot = _with_envelope(directory, session)
    if snapshot is None:
        native.save(session)
    else:
        native.save_snapshot(snapshot)


class FileSessionStore(_StoreBase[SessionData]):
    """a3s-code-core 9.1.3's own store (today's A3S Code): snapshot envelopes under
    ``v1/sessions/``, a write-ahead log, compare-and-swap, optional AES-256-GCM at rest
    (``encryption_key``: 32 bytes). Adds conflict checks, :meth:`edit` / :meth:`update` with
    a compare-and-swap that holds across processes, and an asyncio lifecycle (see
    :mod:`a3s_session._store`)."""

    generation = GENERATION
    crate_version = CRATE_VERSION

    def __init__(
        self,
        dir: str | os.PathLike[str],
        *,
        encryption_key: Buffer | None = None,
        recover_corrupt_wal: bool = False,
    ) -> None:
        with _explaining_open_failure(dir):
            native = _NativeStore(
                dir,
                encryption_key=_key_bytes(encryption_key),
                recover_corrupt_wal=recover_corrupt_wal,
            )
        self._setup(native)

    @classmethod
    async def open_async(
        cls,
        dir: str | os.PathLike[str],
        *,
        encryption_key: Buffer | None = None,
        recover_corrupt_wal: bool = False,
    ) -> Self:
        """The constructor without blocking the event loop (opening replays the WAL)."""
        store = cls.__new__(cls)
        with _explaining_open_failure(dir):
            native = await _NativeStore.open_async(
                dir,
                encryption_key=_key_bytes(encryption_key),
                recover_corrupt_wal=recover_corrupt_wal,
            )
        store._setup(native)
        return store

    def _setup(self, native: Any) -> None:
        super()._setup(native)
        # See _seal_of_store.
        self._seal_found: tuple[Path, str] | None = None
        self._seal_seen: set[str] = set()

    @property
    def encrypted(self) -> bool:
        """Whether documents are sealed at rest."""
        return bool(self._native.encrypted)

    def _paths(self, session_id: str) -> tuple[Path, ...]:
        # Where the crate reads an id: its snapshot, else a legacy file of that id.
        return (
            self._dir / "v1" / "sessions" / v1_file_name(session_id),
            self._dir / legacy_file_name(session_id),
        )

    def _session_type(self) -> type:
        return SessionData

    def _id_problem(self, session_id: str) -> str | None:
        problem = session_id_problem(session_id)
        if problem is None:
            return None
        return f"a3s-code-core {CRATE_VERSION}'s store cannot commit it ({problem})"

    def _check_listing(self) -> None:
        # The crate's list() reads every `*.json` at the top of the store (legacy files).
        with os.scandir(self._dir) as entries:
            for entry in entries:
                if entry.name.endswith(".json"):
                    try:
                        what = kind_of(entry.stat().st_mode)
                    except OSError:
                        continue  # a dangling link: the crate skips it
                    if what is not None:
                        raise not_regular(entry.path, what)

    # -- sealed stays sealed ---------------------------------------------------------------------
    def _check_target(self, value: Any, session_id: str) -> None:
        super()._check_target(value, session_id)
        path = self._paths(session_id)[0]  # where every save of the crate writes
        # A version read (or written) through this handle and unchanged since opened with
        # its key (or was plaintext): only another file can be in the way.
        state = "plain" if read_unchanged(value, (path,)) else self._native.seal_state(path)
        if state == "sealed":
            raise SealedStoreError(
                f"{path} is sealed (encrypted at rest) and this store was opened without a "
                "key: saving would replace it with plaintext. Open the store with the "
                "encryption_key it was sealed with",
                session_id=session_id,
                path=path,
            )
        if state == "foreign":
            raise SealedStoreError(
                f"{path} is sealed with a different key than this store's: saving would "
                "replace it with a document that key cannot open. Open the store with the "
                "encryption_key it was sealed with",
                session_id=session_id,
                path=path,
            )
        found = self._seal_of_store()
        if found is None:
            return
        other, other_state = found
        if other_state == "sealed":
            raise SealedStoreError(
                f"{self._dir} holds sealed (encrypted) documents, e.g. {other.name}, and this "
                f"store was opened without a key: saving {session_id!r} would write plaintext "
                "into a sealed store. Open it with its encryption_key",
                session_id=session_id,
                path=other,
            )
        if other_state == "foreign":
            raise SealedStoreError(
                f"{self._dir} holds documents sealed with another key (e.g. {other.name}) "
                f"than this store's: saving {session_id!r} would mix two keys in one store. "
                "Open it with the encryption_key it was sealed with",
                session_id=session_id,
                path=other,
            )

    def _seal_of_store(self) -> tuple[Path, str] | None:
        """A sealed document of the store and what it is to this handle ("sealed": no key;
        "ours"; "foreign": another key), or None when none is sealed. Once found it is kept;
        until then each write looks only at file names it has not looked at before (a
        plaintext file sealed in place by another writer is seen when it is the target)."""
        if self._seal_found is not None:
            return self._seal_found
        for directory in (self._dir, self._dir / "v1" / "sessions"):
            for name in _json_names(directory):
                path = directory / name
                key = str(path)
                if key in self._seal_seen:
                    continue
                state = self._native.seal_state(path)
                if state in ("sealed", "ours", "foreign"):
                    self._seal_found = (path, state)
                    return self._seal_found
                self._seal_seen.add(key)
        return None

    def _write(self, session: SessionData) -> None:
        _save_session(self._native, self._dir, session)

    def _write_async(self, session: SessionData) -> asyncio.Future[None]:
        snapshot = _with_envelope(self._dir, session)
        if snapshot is None:
            return self._native.save_async(session)  # type: ignore[no-any-return]
        return self._native.save_snapshot_async(snapshot)  # type: ignore[no-any-return]

    # -- hand-back: a conversation changed in Python must reach the agent's fact log ------------
    def _before_write(self, value: SessionData | SessionSnapshotV1, force: bool) -> None:
        """Carry a conversation change into the session's durable fact log before its
        record is written (see :mod:`a3s_session.factlog`); ``force`` writes the record
        alone."""
        if force:
            return
        session = value.session if isinstance(value, SessionSnapshotV1) else value
        stored = self._native.load(session.id)
        hand_back(session, None if stored is None else stored.messages)

    def _prepared_async(
        self,
        value: SessionData | SessionSnapshotV1,
        force: bool,
        start: Callable[[], asyncio.Future[None]],
    ) -> asyncio.Future[None]:
        if force:
            return start()
        # The write is of the session as called: hand back and save a copy taken now.
        frozen = copy.deepcopy(value)

        def carry() -> None:
            with store_lock(self._dir):
                self._before_write(frozen, False)

        async def carry_then_save() -> None:
            await asyncio.to_thread(carry)
            await start_frozen(frozen)

        def start_frozen(item: SessionData | SessionSnapshotV1) -> asyncio.Future[None]:
            if isinstance(item, SessionSnapshotV1):
                return self._native.save_snapshot_async(item)  # type: ignore[no-any-return]
            return self._write_async(item)

        return asyncio.ensure_future(carry_then_save())

    def _check_snapshot(self, snapshot: object) -> None:
        if not isinstance(snapshot, SessionSnapshotV1):
            raise TypeError(
                f"expected a3s_session.v9.SessionSnapshotV1, got {type(snapshot).__name__}"
            )

    # -- snapshots -------------------------------------------------------------------------
    def save_snapshot(self, snapshot: SessionSnapshotV1, *, force: bool = False) -> None:
        """Commit a whole snapshot through the WAL. Refused with ConflictError when it was
        read from this store and its file changed since, unless ``force``."""
        self._check_snapshot(snapshot)
        self._write_checked(
            snapshot, snapshot.session.id, force, lambda: self._native.save_snapshot(snapshot)
        )

    def save_snapshot_cas(
        self, snapshot: SessionSnapshotV1, expected_digest: str | None, *, force: bool = False
    ) -> bool:
        """The crate's compare-and-swap: commit only if the stored snapshot's content digest
        is ``expected_digest`` (None: unconditionally); False when it is not. Runs under the
        store's a3s-session lock, so it holds against a3s-session writers in any process.
        A conversation change is handed back to the fact log first (``force``: not)."""
        self._check_snapshot(snapshot)
        with store_lock(self._dir):
            self._check_target(snapshot, snapshot.session.id)
            if not force:
                if expected_digest is not None:
                    # Compare first: a swap that will fail must not touch the log.
                    current = self._native.load_snapshot(snapshot.session.id)
                    if current is None or current.content_digest() != expected_digest:
                        return False
                self._before_write(snapshot, False)
            committed = bool(self._native.save_snapshot_cas(snapshot, expected_digest))
        if committed:
            repin(snapshot, self._paths(snapshot.session.id))
            self._after_write(snapshot.session.id)
        return committed

    def load_snapshot(self, session_id: str) -> SessionSnapshotV1 | None:
        """The whole envelope of a session (a legacy file is assembled by the crate), or None.
        It remembers the version read, as :meth:`load` does."""
        return self._read(session_id, lambda: self._native.load_snapshot(session_id))  # type: ignore[no-any-return]

    def save_snapshot_async(
        self, snapshot: SessionSnapshotV1, *, force: bool = False
    ) -> asyncio.Future[None]:
        """:meth:`save_snapshot` as an asyncio future (see :meth:`save_async`)."""
        self._check_snapshot(snapshot)
        return self._write_checked_async(
            snapshot,
            snapshot.session.id,
            force,
            lambda: self._native.save_snapshot_async(snapshot),
        )

    def save_snapshot_cas_async(
        self, snapshot: SessionSnapshotV1, expected_digest: str | None, *, force: bool = False
    ) -> asyncio.Future[bool]:
        """:meth:`save_snapshot_cas` as an asyncio future: run in a worker thread, which holds
        the store's lock for the check and the commit."""
        self._check_open()
        self._check_snapshot(snapshot)
        task = asyncio.ensure_future(
            asyncio.to_thread(self.save_snapshot_cas, snapshot, expected_digest, force=force)
        )
        return self._track(task, snapshot.session.id, None)

    def load_snapshot_async(self, session_id: str) -> asyncio.Future[SessionSnapshotV1 | None]:
        """:meth:`load_snapshot` as an asyncio future."""
        return self._read_async(session_id, lambda: self._native.load_snapshot_async(session_id))

    # -- edits -------------------------------------------------------------------------------
    def _begin(self, session_id: str) -> _Pending[SessionData]:
        snapshot = self.load_snapshot(session_id)
        if snapshot is None:
            raise _missing(session_id, self._dir)
        origin = origin_of(snapshot)
        assert origin is not None
        return _Pending(snapshot.session, snapshot, snapshot.content_digest(), origin)

    def _commit(self, pending: _Pending[SessionData]) -> bool:
        return self.save_snapshot_cas(pending.snapshot, pending.digest)


def _key_bytes(key: Buffer | None) -> bytes | None:
    """An encryption key given as any bytes-like object (bytes, bytearray, memoryview, ...)."""
    if key is None:
        return None
    try:
        return bytes(memoryview(key))
    except TypeError:
        raise TypeError(
            f"encryption_key must be a bytes-like object of 32 bytes, got {type(key).__name__}"
        ) from None


@contextlib.contextmanager
def _explaining_open_failure(directory: str | os.PathLike[str]) -> Iterator[None]:
    """A store the crate will not open because of its write-ahead log: the error says what
    repairs it (opening never repairs or deletes anything by itself)."""
    try:
        yield
    except (ValueError, OSError) as err:
        if "session store WAL" in str(err) and hasattr(err, "add_note"):
            err.add_note(
                f"`a3s-session doctor {os.fspath(directory)}` says what is wrong with the log; "
                "--fix cuts a torn last line (or a3s_session.doctor(dir, fix=True))"
            )
        raise


def _json_names(directory: Path) -> list[str]:
    """Names of the ``*.json`` entries of a directory (none when it cannot be listed)."""
    try:
        return [name for name in os.listdir(directory) if name.endswith(".json")]
    except OSError:
        return []


__all__ = [
    "CRATE_VERSION",
    "DEFAULT_AUTO_COMPACT_THRESHOLD",
    "GENERATION",
    "SESSION_SNAPSHOT_SCHEMA_VERSION",
    "ContentBlock",
    "ContextUsage",
    "Fact",
    "FactLog",
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
    "SessionSnapshotV1",
    "SessionState",
    "StorageBackend",
    "Task",
    "TaskPriority",
    "TaskStatus",
    "TextBlock",
    "TokenUsage",
    "ToolResultBlock",
    "ToolResultTrust",
    "ToolUseBlock",
    "TranscriptVisibility",
    "config_sessions_dir",
    "migrate_legacy_store",
]
