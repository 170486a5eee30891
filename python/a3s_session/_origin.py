"""Where a session was read from, so that saving it over a file that changed since is refused;
and the lock a3s-session's writers of one store directory share across processes.

A session (or snapshot) read from a file remembers the file(s) and their *stamp*: device,
inode, size and modification time in nanoseconds. Every writer of a session file (the crates'
stores, A3S Code itself, this package) writes a temp file and renames it over the target, so
any write since the read gives the path a new inode: the stamp changes even when the size and
the second do not. Comparing stamps costs a ``stat`` per file, where hashing the bytes would
cost a second read of the whole file on every load.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from ._reading import FileStamp, file_stamp

V = TypeVar("V")

# Per file: (dev, inode, size, mtime_ns), or None where there is no file.
Stamp = tuple[FileStamp | None, ...]

#: The lock file every a3s-session writer of a store directory takes (hidden, never a
#: ``*.json``, so no store lists it).
LOCK_NAME = ".a3s-session.lock"


@dataclass(frozen=True)
class Origin:
    """The files a value was read from and their stamp at the time (None when a file changed
    while it was being read, so the read cannot be pinned to one version)."""

    paths: tuple[Path, ...]
    stamp: Stamp | None

    def changed(self) -> bool:
        """Whether any of the files was written (or created, or removed) since the read."""
        return self.stamp is None or stamp_of(self.paths) != self.stamp

    def covers(self, paths: Iterable[Path]) -> bool:
        """Whether this read was of one of ``paths`` (the files a save may replace)."""
        mine = set(self.paths)
        return any(p in mine for p in paths)


def _file_stamp(path: Path) -> FileStamp | None:
    try:
        return file_stamp(os.stat(path))
    except FileNotFoundError:
        return None


def stamp_of(paths: Iterable[Path]) -> Stamp:
    return tuple(_file_stamp(p) for p in paths)


def absolute(paths: Iterable[Path]) -> tuple[Path, ...]:
    return tuple(_absolute(p) for p in paths)


def _absolute(p: Path) -> Path:
    # A path already absolute and normal is kept as it is (a new Path parses it again).
    text = os.path.abspath(p)
    return p if isinstance(p, Path) and text == str(p) else Path(text)


# ---------------------------------------------------------------------------------------------
# The registry: value -> Origin, without keeping values alive
# ---------------------------------------------------------------------------------------------
class WeakMap(Generic[V]):
    """Object (by identity, never kept alive) -> value. The package's classes are unhashable
    (they compare by value), so a WeakKeyDictionary cannot hold them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[weakref.ref[Any], V]] = {}

    def set(self, obj: Any, value: V) -> None:
        key = id(obj)

        def forget(ref: weakref.ref[Any], key: int = key) -> None:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and entry[0] is ref:
                    del self._entries[key]

        ref = weakref.ref(obj, forget)
        with self._lock:
            self._entries[key] = (ref, value)

    def get(self, obj: Any) -> V | None:
        with self._lock:
            entry = self._entries.get(id(obj))
        if entry is None or entry[0]() is not obj:
            return None
        return entry[1]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


_origins: WeakMap[Origin] = WeakMap()


def remember(value: Any, origin: Origin) -> None:
    _origins.set(value, origin)


def origin_of(value: Any) -> Origin | None:
    return _origins.get(value)


def pin_read(value: Any, files: tuple[Path, ...], before: Stamp) -> Origin:
    """Remember (and return) that ``value`` was read from ``files`` (absolute), stamped
    ``before`` the read: unpinned (stamp None) when they changed during it. A ``None`` value
    (nothing was read) is not remembered."""
    after = stamp_of(files)
    origin = Origin(files, before if before == after else None)
    if value is not None:
        remember(value, origin)
    return origin


def check_unchanged(value: Any, session_id: str, paths: Iterable[Path], directory: Path) -> None:
    """Raise ConflictError when ``value`` was read from one of ``paths`` (the files a save of
    ``session_id`` may replace) and that file changed since."""
    files = absolute(paths)
    origin = origin_of(value)
    if origin is None or not origin.covers(files) or not origin.changed():
        return
    from ._errors import ConflictError

    raise ConflictError(
        f"session {session_id!r} changed on disk since it was read ({directory}): saving "
        "would replace the newer version. Load it again and re-apply the change (or use "
        "store.edit()/update(), which retry), or pass force=True to overwrite it",
        session_id=session_id,
        path=next((p for p in files if p.exists()), files[0]),
    )


def read_unchanged(value: Any, paths: Iterable[Path]) -> bool:
    """Whether ``value`` was read from (or last written to) one of ``paths`` and that file is
    still the version read."""
    origin = origin_of(value)
    return origin is not None and origin.covers(absolute(paths)) and not origin.changed()


def repin(value: Any, paths: Iterable[Path]) -> None:
    """After this process wrote ``value`` to ``paths``: that version is now the one it was
    read from."""
    files = absolute(paths)
    remember(value, Origin(files, stamp_of(files)))


# ---------------------------------------------------------------------------------------------
# The cross-process lock of a store directory
# ---------------------------------------------------------------------------------------------
@contextlib.contextmanager
def store_lock(directory: Path) -> Iterator[None]:
    """Exclusive lock on ``<directory>/.a3s-session.lock`` for a conditional write (check,
    then commit): held across processes (``flock``; ``msvcrt.locking`` on Windows) and
    across threads (each call opens its own descriptor)."""
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _lock_fd(fd)
        try:
            yield
        finally:
            _unlock_fd(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":
    import msvcrt
    import time

    def _lock_fd(fd: int) -> None:
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return
            except OSError:
                time.sleep(0.005)

    def _unlock_fd(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
