"""The Python face of each generation's ``FileSessionStore``: the crate's store (every byte
on disk is written by it) plus what a Python program sharing a store with other writers
needs and the crate does not give:

* **No silent overwrite.** A session read from the store remembers the version it read
  (:mod:`a3s_session._origin`); saving it over a file that changed since raises
  :class:`~a3s_session.ConflictError` unless ``force=True``.
* **Edits that survive concurrent writers.** :meth:`edit` / :meth:`update` load, hand the
  session over, and commit only if nobody wrote in between (9.1.3: the crate's
  compare-and-swap on its content digest; 3.0.0, which has none, the file's stamp), retrying
  a bounded number of times. The check and the commit run under a lock file every
  a3s-session writer of the directory takes, so the compare-and-swap holds across processes.
* **The right generation.** A session of the other generation is refused with a message that
  names both and the one-line conversion.
* **A lifecycle for asyncio.** Writes still running after their await was cancelled are
  tracked: ``await store.drain()``, ``await store.aclose()`` or ``async with store:`` wait
  for them.

What the lock cannot cover: A3S Code's own writers (9.1.3's agent saves with
``save_snapshot``, which takes only the crate's WAL lock around its commit and compares
nothing) never take it. A conditional write here can therefore still replace an agent write
that lands between its check and its commit, a window of one commit; an agent write before
the check is always seen.
"""

from __future__ import annotations

import asyncio
import builtins
import inspect
import os
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

if TYPE_CHECKING:
    from typing_extensions import Self


from ._errors import ConflictError, GenerationMismatchError, InvalidSessionIdError
from ._origin import Origin, absolute, check_unchanged, pin_read, repin, stamp_of, store_lock
from ._reading import check_store_file

S = TypeVar("S")  # the generation's SessionData
T = TypeVar("T")

#: How many times :meth:`edit` / :meth:`update` retry after a conflict, by default.
DEFAULT_RETRIES = 10


class _Pending(Generic[S]):
    """One edit attempt: what was read, and how to tell whether it is still current."""

    def __init__(self, session: S, snapshot: Any, digest: str | None, origin: Origin) -> None:
        self.session = session
        self.snapshot = snapshot  # 9.1.3: the whole envelope, committed with compare-and-swap
        self.digest = digest
        self.origin = origin


class _StoreBase(Generic[S]):
    """What both generations' stores share; see the module docs."""

    generation: ClassVar[str]
    crate_version: ClassVar[str]
    _native: Any

    @classmethod
    def _over(cls, native: Any) -> Self:
        """This class over an already open native store (no open-time warnings)."""
        store = cls.__new__(cls)
        store._setup(native)
        return store

    def _setup(self, native: Any) -> None:
        self._native = native
        self._dir = Path(native.dir)
        self._in_flight: set[asyncio.Future[Any]] = set()
        self._writing: dict[str, int] = {}  # id -> async writes issued and not yet finished
        self._closed = False

    # -- per generation --------------------------------------------------------------------
    def _paths(self, session_id: str) -> tuple[Path, ...]:
        """The files a load of ``session_id`` may read and a save may replace."""
        raise NotImplementedError

    def _session_type(self) -> type:
        raise NotImplementedError

    def _write(self, session: S) -> None:
        """The crate's save of one session."""
        self._native.save(session)

    def _write_async(self, session: S) -> asyncio.Future[None]:
        return self._native.save_async(session)  # type: ignore[no-any-return]

    def _id_problem(self, session_id: str) -> str | None:
        """Why this store cannot hold ``session_id`` (None: it can)."""
        raise NotImplementedError

    def _check_target(self, value: Any, session_id: str) -> None:
        """What every write checks before the crate runs (under the store's lock when sync):
        an id the store can list back, files the crate can read, per generation more."""
        problem = self._id_problem(session_id)
        if problem is not None:
            raise InvalidSessionIdError(
                f"session id {session_id!r} cannot be saved in {self._dir}: {problem}",
                session_id=session_id,
            )
        self._check_files(session_id)

    def _check_files(self, session_id: str) -> None:
        """Refuse, before the crate opens them, files it would block on (a FIFO) or never
        finish reading (a device), and files over the size limit."""
        for path in self._paths(session_id):
            check_store_file(path)

    def _check_loaded(self, session_id: str, value: Any) -> None:
        """Raise if what a load of ``session_id`` read is another id's."""

    def _after_write(self, session_id: str) -> None:
        """Run after a write of ``session_id`` completed (sync and async)."""

    def _before_write(self, value: Any, force: bool) -> None:
        """Run under the store's lock just before ``value`` is written (checks done)."""

    def _prepared_async(
        self, value: Any, force: bool, start: Callable[[], asyncio.Future[None]]
    ) -> asyncio.Future[None]:
        """``start()``, after :meth:`_before_write` where a generation needs it."""
        return start()

    def _begin(self, session_id: str) -> _Pending[S]:
        raise NotImplementedError

    def _commit(self, pending: _Pending[S]) -> bool:
        """Write an edit attempt if nothing changed since it was read; False on a conflict."""
        raise NotImplementedError

    # -- basics ------------------------------------------------------------------------------
    @property
    def dir(self) -> Path:
        """The store directory."""
        return self._dir

    @property
    def native(self) -> Any:
        """The crate's store itself (``a3s_session._native`` / ``a3s_session_v9._native``)."""
        return self._native

    def __repr__(self) -> str:
        return f"{self.generation}.FileSessionStore({str(self._dir)!r})"

    # -- checks ------------------------------------------------------------------------------
    def _check_generation(self, session: Any) -> None:
        if isinstance(session, self._session_type()):
            return
        from . import v3, v9

        mine, other = (v9, v3) if self.generation == "v9" else (v3, v9)
        if isinstance(session, other.SessionData):
            lossless = (
                " (lossless: 9.1.3 reads every 3.0.0 field)"
                if mine is v9
                else " (drops every field 9.x added)"
            )
            raise GenerationMismatchError(
                f"a3s_session.{other.GENERATION}.SessionData (a3s-code-core "
                f"{other.CRATE_VERSION}) cannot be saved by a3s_session.{mine.GENERATION}."
                f"FileSessionStore (a3s-code-core {mine.CRATE_VERSION}). Convert it through the "
                f"crate: a3s_session.{mine.GENERATION}.SessionData.from_json(session.to_json())"
                f"{lossless}, or save it with a3s_session.{other.GENERATION}.FileSessionStore"
            )
        raise TypeError(
            f"expected a3s_session.{self.generation}.SessionData, got {type(session).__name__}"
        )

    # -- the guarded steps every read and write goes through ---------------------------------
    def _read(self, session_id: str, read: Callable[[], T]) -> T:
        """``read()`` (a load of ``session_id``), its result remembering the version read."""
        self._check_files(session_id)
        files = absolute(self._paths(session_id))
        before = stamp_of(files)
        value = read()
        self._check_loaded(session_id, value)
        pin_read(value, files, before)
        return value

    def _read_async(
        self, session_id: str, start: Callable[[], asyncio.Future[T]]
    ) -> asyncio.Future[T]:
        """:meth:`_read` for a load started by ``start()``, as a future."""
        self._check_files(session_id)
        files = absolute(self._paths(session_id))
        before = stamp_of(files)

        def loaded(value: T) -> None:
            self._check_loaded(session_id, value)
            pin_read(value, files, before)

        return _then(start(), loaded)

    def _write_checked(
        self, value: Any, session_id: str, force: bool, write: Callable[[], None]
    ) -> None:
        """``write()`` (a save of ``value``) under the store's lock, refused if ``value`` was
        read from a file that changed since (unless ``force``); then ``value`` is current."""
        paths = self._paths(session_id)
        with store_lock(self._dir):
            self._check_target(value, session_id)
            if not force:
                check_unchanged(value, session_id, paths, self._dir)
            self._before_write(value, force)
            write()
            repin(value, paths)
        self._after_write(session_id)

    def _write_checked_async(
        self,
        value: Any,
        session_id: str,
        force: bool,
        start: Callable[[], asyncio.Future[None]],
    ) -> asyncio.Future[None]:
        """:meth:`_write_checked` for a save started by ``start()``: checked when called
        (unless this store's own writes of the id are still running), tracked for drain()."""
        self._check_open()
        paths = self._paths(session_id)
        self._check_target(value, session_id)
        if not force and not self._writing.get(session_id):
            check_unchanged(value, session_id, paths, self._dir)

        def written() -> None:
            repin(value, paths)
            self._after_write(session_id)

        return self._track(self._prepared_async(value, force, start), session_id, written)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"{self!r} is closed")

    # -- blocking operations -------------------------------------------------------------------
    def save(self, session: S, *, force: bool = False) -> None:
        """Save ``session`` with the crate's store (atomic). Refused with
        :class:`~a3s_session.ConflictError` when it was read from this store and its file
        changed since, unless ``force``."""
        self._check_generation(session)
        session_id: str = session.id  # type: ignore[attr-defined]
        self._write_checked(session, session_id, force, lambda: self._write(session))

    def load(self, session_id: str) -> S | None:
        """The session with this id, or None. It remembers the version read (see
        :meth:`save`)."""
        return self._read(session_id, lambda: self._native.load(session_id))  # type: ignore[no-any-return]

    def delete(self, session_id: str) -> None:
        self._check_files(session_id)
        self._native.delete(session_id)

    def exists(self, session_id: str) -> bool:
        self._check_files(session_id)
        return bool(self._native.exists(session_id))

    def _check_listing(self) -> None:
        """Refuse, before the crate's list() reads them, files it would block on."""

    def list(self) -> builtins.list[str]:
        """The ids in the store, sorted."""
        self._check_listing()
        return builtins.list(self._native.list())

    def health_check(self) -> None:
        self._native.health_check()

    # -- edits ---------------------------------------------------------------------------------
    def edit(self, session_id: str, *, retries: int = DEFAULT_RETRIES) -> Edit[S]:
        """Load, change, commit only if nobody wrote in between.

        As a context manager, one attempt (a conflict raises ConflictError)::

            with store.edit("sess-1") as s:
                s.config.name = "renamed"

        Iterated, the block runs again on a fresh copy after a conflict, at most
        ``retries`` more times::

            for attempt in store.edit("sess-1"):
                with attempt as s:
                    s.messages.append(turn)

        A missing id raises KeyError; an exception in the block commits nothing."""
        self._check_open()
        return Edit(self, session_id, retries)

    def update(
        self, session_id: str, change: Callable[[S], object], *, retries: int = DEFAULT_RETRIES
    ) -> S:
        """``change(session)`` applied and committed as by :meth:`edit`, retried after a
        conflict; returns the committed session."""
        for attempt in self.edit(session_id, retries=retries):
            with attempt as session:
                change(session)
        return attempt.session

    # -- asyncio -------------------------------------------------------------------------------
    def _track(
        self, inner: asyncio.Future[T], session_id: str | None, done: Callable[[], None] | None
    ) -> asyncio.Future[T]:
        """Keep ``inner`` (a write) until it ends, even if its await is cancelled; the caller
        gets a shield of it."""
        self._in_flight.add(inner)
        if session_id is not None:
            self._writing[session_id] = self._writing.get(session_id, 0) + 1

        def finished(fut: asyncio.Future[T]) -> None:
            self._in_flight.discard(fut)
            if session_id is not None:
                left = self._writing.get(session_id, 1) - 1
                if left:
                    self._writing[session_id] = left
                else:
                    self._writing.pop(session_id, None)
            if done is not None and not fut.cancelled() and fut.exception() is None:
                done()

        inner.add_done_callback(finished)
        return asyncio.shield(inner)

    def save_async(self, session: S, *, force: bool = False) -> asyncio.Future[None]:
        """:meth:`save` as an asyncio future. The session is copied when called; cancelling
        the await never stops the write (``drain()`` waits for it). The conflict check runs
        when called, against the version read or last written by this store."""
        self._check_generation(session)
        session_id: str = session.id  # type: ignore[attr-defined]
        return self._write_checked_async(
            session, session_id, force, lambda: self._write_async(session)
        )

    def load_async(self, session_id: str) -> asyncio.Future[S | None]:
        """:meth:`load` as an asyncio future."""
        return self._read_async(session_id, lambda: self._native.load_async(session_id))

    def delete_async(self, session_id: str) -> asyncio.Future[None]:
        self._check_open()
        self._check_files(session_id)
        return self._track(self._native.delete_async(session_id), session_id, None)

    def exists_async(self, session_id: str) -> asyncio.Future[bool]:
        self._check_files(session_id)
        return self._native.exists_async(session_id)  # type: ignore[no-any-return]

    def list_async(self) -> asyncio.Future[builtins.list[str]]:
        self._check_listing()
        return self._native.list_async()  # type: ignore[no-any-return]

    def health_check_async(self) -> asyncio.Future[None]:
        return self._native.health_check_async()  # type: ignore[no-any-return]

    def edit_async(self, session_id: str, *, retries: int = DEFAULT_RETRIES) -> AsyncEdit[S]:
        """:meth:`edit` for asyncio: ``async with store.edit_async(id) as s:`` (one attempt)
        or ``async for attempt in store.edit_async(id): async with attempt as s:``. Loads and
        commits run in a worker thread (the commit holds the store's lock)."""
        self._check_open()
        return AsyncEdit(self, session_id, retries)

    async def update_async(
        self,
        session_id: str,
        change: Callable[[S], object | Awaitable[object]],
        *,
        retries: int = DEFAULT_RETRIES,
    ) -> S:
        """:meth:`update` for asyncio; ``change`` may be a coroutine function."""
        async for attempt in self.edit_async(session_id, retries=retries):
            async with attempt as session:
                outcome = change(session)
                if inspect.isawaitable(outcome):
                    await outcome
        return attempt.session

    async def drain(self) -> None:
        """Wait until every write this store issued on the running loop has ended (those
        whose await was cancelled included)."""
        loop = asyncio.get_running_loop()
        while True:
            mine = [f for f in self._in_flight if f.get_loop() is loop and not f.done()]
            if not mine:
                return
            await asyncio.wait(mine)

    async def aclose(self) -> None:
        """:meth:`drain`, then refuse further writes."""
        await self.drain()
        self._closed = True

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _backoff(attempt: int) -> float:
    """Seconds to wait before retry ``attempt`` (1-based): short, growing, jittered so that
    writers that collided do not collide again in step."""
    return random.uniform(0, 0.002 * (2 ** min(attempt, 6)))


class Attempt(Generic[S]):
    """One try of an edit (see :meth:`FileSessionStore.edit`)."""

    def __init__(self, store: _StoreBase[S], session_id: str, last: bool) -> None:
        self._store = store
        self._id = session_id
        self._last = last
        self._pending: _Pending[S] | None = None
        self.committed = False

    @property
    def session(self) -> S:
        if self._pending is None:
            raise RuntimeError("the attempt has not started")
        return self._pending.session

    def __enter__(self) -> S:
        self._pending = self._store._begin(self._id)
        return self._pending.session

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None and self._pending is not None:
            self._settle(self._store._commit(self._pending))

    def _settle(self, committed: bool) -> None:
        """After the commit: done, or (on the last attempt) the conflict is the outcome."""
        if committed:
            self.committed = True
        elif self._last:
            raise _conflict(self._store, self._id)

    async def __aenter__(self) -> S:
        self._pending = await asyncio.to_thread(self._store._begin, self._id)
        return self._pending.session

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None and self._pending is not None:
            # In a worker thread (it takes the store's lock); tracked, so drain() waits for it.
            task = asyncio.ensure_future(asyncio.to_thread(self._store._commit, self._pending))
            self._settle(await self._store._track(task, None, None))


def _conflict(store: _StoreBase[Any], session_id: str) -> ConflictError:
    return ConflictError(
        f"session {session_id!r} in {store.dir} kept changing under the edit: another writer "
        "committed between every read and commit; the edit was not saved",
        session_id=session_id,
    )


class _Attempts(Generic[S]):
    """The attempts of one edit: at most ``retries`` after the first."""

    def __init__(self, store: _StoreBase[S], session_id: str, retries: int) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self._store = store
        self._id = session_id
        self._retries = retries
        self._single: Attempt[S] | None = None

    def _attempt(self, n: int) -> Attempt[S]:
        return Attempt(self._store, self._id, last=n == self._retries)


class Edit(_Attempts[S]):
    """What :meth:`FileSessionStore.edit` returns: a context manager (one attempt) or an
    iterable of attempts (retried after a conflict)."""

    def __enter__(self) -> S:
        self._single = Attempt(self._store, self._id, last=True)
        return self._single.__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._single is not None
        self._single.__exit__(exc_type, exc, tb)

    def __iter__(self) -> Iterator[Attempt[S]]:
        for n in range(self._retries + 1):
            if n:
                time.sleep(_backoff(n))
            attempt = self._attempt(n)
            yield attempt
            if attempt.committed:
                return


class AsyncEdit(_Attempts[S]):
    """What :meth:`FileSessionStore.edit_async` returns (see :class:`Edit`)."""

    async def __aenter__(self) -> S:
        self._single = Attempt(self._store, self._id, last=True)
        return await self._single.__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._single is not None
        await self._single.__aexit__(exc_type, exc, tb)

    async def __aiter__(self) -> AsyncIterator[Attempt[S]]:
        for n in range(self._retries + 1):
            if n:
                await asyncio.sleep(_backoff(n))
            attempt = self._attempt(n)
            yield attempt
            if attempt.committed:
                return


def _missing(session_id: str, directory: Path) -> KeyError:
    return KeyError(f"no session {session_id!r} in {directory}")


def _then(inner: asyncio.Future[T], then: Callable[[T], object]) -> asyncio.Future[T]:
    """A future with ``inner``'s outcome, after ``then(result)`` ran on success; cancelling
    it cancels ``inner``'s wait."""
    out: asyncio.Future[T] = inner.get_loop().create_future()

    def done(fut: asyncio.Future[T]) -> None:
        if out.done():
            return
        if fut.cancelled():
            out.cancel()
            return
        err = fut.exception()
        if err is not None:
            out.set_exception(err)
            return
        value = fut.result()
        try:
            then(value)
        except Exception as e:  # noqa: BLE001 - reported through the future
            out.set_exception(e)
            return
        out.set_result(value)

    def cancelled(fut: asyncio.Future[T]) -> None:
        if fut.cancelled():
            inner.cancel()

    inner.add_done_callback(done)
    out.add_done_callback(cancelled)
    return out


def v1_sessions_count(directory: Path) -> int:
    """How many ``v1/sessions/*.json`` files a directory holds (today's layout)."""
    v1 = directory / "v1" / "sessions"
    try:
        return sum(1 for name in os.listdir(v1) if name.endswith(".json"))
    except OSError:
        return 0
