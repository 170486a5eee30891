"""Bounded reads of files that should hold one session document.

A path given by a user or found in a directory may be anything: a FIFO (opening it blocks
until a writer comes, forever), a device (``/dev/zero`` never ends), a sparse file of a
terabyte. Every read of a session file in the package goes through :func:`read_document`,
which looks at the path before opening it, opens it without blocking, and never reads
more than the limit.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ._errors import FileTooLargeError, NotRegularFileError

#: The default limit: a3s-code-core 9.1.3's own store refuses documents over 256 MiB
#: (``MAX_FILE_STORE_JSON_BYTES``), so no file A3S Code wrote or can read is larger.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
#: The environment variable that changes the default (a number of bytes).
MAX_BYTES_ENV = "A3S_SESSION_MAX_BYTES"

_CHUNK = 1 << 20


def max_bytes_limit(max_bytes: int | None = None) -> int:
    """The limit a read applies: ``max_bytes``, else ``$A3S_SESSION_MAX_BYTES``, else
    :data:`DEFAULT_MAX_BYTES`."""
    if max_bytes is not None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        return max_bytes
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{MAX_BYTES_ENV} must be a number of bytes, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{MAX_BYTES_ENV} must be >= 0, got {value}")
    return value


def kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def not_regular(path: str | os.PathLike[str], what: str) -> OSError:
    """A directory is the usual IsADirectoryError; anything else a NotRegularFileError."""
    if what == "a directory":
        return IsADirectoryError(errno.EISDIR, "Is a directory", os.fspath(path))
    return NotRegularFileError(
        errno.EINVAL,
        f"is {what}, not a regular file; a session file is a regular file, and reading "
        "this could block or never end, so it is not opened",
        os.fspath(path),
    )


def too_large(path: str | os.PathLike[str], size: int | None, limit: int) -> FileTooLargeError:
    have = f"is {size:,} bytes" if size is not None else "grew while it was read"
    return FileTooLargeError(
        errno.EFBIG,
        f"{have}, over the limit of {limit:,} bytes for one session file (raise it with "
        f"max_bytes= or {MAX_BYTES_ENV})",
        os.fspath(path),
    )


def check_regular(path: str | os.PathLike[str], max_bytes: int | None = None) -> int:
    """Raise unless ``path`` (symlinks followed) is a regular file within the limit; its
    size. A missing path raises FileNotFoundError."""
    st = os.stat(path)
    what = kind_of(st.st_mode)
    if what is not None:
        raise not_regular(path, what)
    limit = max_bytes_limit(max_bytes)
    if st.st_size > limit:
        raise too_large(path, st.st_size, limit)
    return st.st_size


def check_store_file(path: Path) -> None:
    """For a file a store is about to read: nothing if it is missing or a regular file within
    the limit, else the error (the crates' stores would open a FIFO and block)."""
    try:
        check_regular(path)
    except FileNotFoundError:
        return


def read_document(path: str | os.PathLike[str], max_bytes: int | None = None) -> bytes:
    """The bytes of the regular file at ``path``, at most the limit (see
    :func:`max_bytes_limit`). Raises :class:`~a3s_session.NotRegularFileError` for a FIFO,
    device, socket or directory (without opening it), :class:`~a3s_session.FileTooLargeError`
    for a file over the limit (without reading it), and OSError as the system reports it."""
    return read_document_stamped(path, max_bytes)[0]


#: What identifies one version of a file: (device, inode, size, mtime in ns).
FileStamp = tuple[int, int, int, int]


def file_stamp(st: os.stat_result) -> FileStamp:
    """The stamp of the file version ``st`` describes."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def read_document_stamped(
    path: str | os.PathLike[str], max_bytes: int | None = None
) -> tuple[bytes, FileStamp | None]:
    """:func:`read_document`, and the stamp of the version read: the open file's, when it did
    not change while it was read (else None). One ``fstat`` before and after the read of the
    open file, instead of two more ``stat`` calls of the path around it."""
    limit = max_bytes_limit(max_bytes)
    check_regular(path, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        # The path may have been replaced between the stat and the open.
        st = os.fstat(fd)
        what = kind_of(st.st_mode)
        if what is not None:
            raise not_regular(path, what)
        if st.st_size > limit:
            raise too_large(path, st.st_size, limit)
        # One read of the size the file says it has (no copy when that is all of it), then
        # more only if it grew (or, like files in /proc, reports no size).
        chunks: list[bytes] = []
        total = 0
        want = st.st_size + 1
        while True:
            chunk = os.read(fd, min(want, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise too_large(path, None, limit)
            want = _CHUNK
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        before, after = file_stamp(st), file_stamp(os.fstat(fd))
        return data, (before if before == after else None)
    finally:
        os.close(fd)
