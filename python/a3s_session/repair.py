"""Find what is wrong with a session store, and repair only what is provably safe.

``doctor(store)`` looks at a store directory of either generation and reports:

* **the write-ahead log** (9.1.3): the crate's verdict on it (what opening the store runs),
  a torn last line (a writer killed mid-append), a sequence conflict (two writers without a
  shared lock), any other line the crate rejects;
* **temp files** of the crates' atomic writes (``<name>.json.<time>.<pid>[.<n>].tmp``) whose
  writer is gone, and those whose writer may still be running;
* **sealed and plaintext documents mixed** in one store;
* **ids**: a file whose name says one id and whose content another (3.0.0 names both
  ``a/b`` and ``a_b`` ``a_b.json``), files no store lists (``.json``, a ``v1/sessions`` name
  that is not ``id_<base64url>``), and anything named ``*.json`` that is not a regular file.

``doctor(store, fix=True)`` then repairs what can be proven safe, and says what it did:

* a torn last WAL line is cut off (its bytes kept beside the log as
  ``session-store.ndjson.torn.<time>``), under the crate's own WAL lock; every line before it
  is one the crate accepts, and the store is then opened by the crate, whose recovery seals
  an intent whose snapshot landed (reported) and leaves one whose snapshot did not;
* a sequence conflict is handed to the crate's recovering constructor, which moves the log
  aside and continues from the snapshots;
* temp files whose writer process is gone are removed (a live or unknown writer's are not).

Nothing else is changed: collisions, mixtures and unreadable files need a person. Opening a
store never repairs or deletes anything by itself; only ``fix=True`` does.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from a3s_session_v9._native import read_wal

from ._names import legacy_file_name, v1_id_from_file_name
from ._reading import kind_of, read_document
from .files.model import SEALED_MAGIC

#: What a finding is about (``Finding.kind``).
KINDS = (
    "wal-torn-tail",
    "wal-sequence-conflict",
    "wal-rejected",
    "stray-temp-file",
    "live-temp-file",
    "sealed-plain-mix",
    "id-collision",
    "unlisted-file",
    "not-regular-file",
    "unreadable-file",
)

_WAL = Path("v1") / "wal" / "session-store.ndjson"
_WAL_LOCK = Path("v1") / "wal" / "session-store.lock"
# Both crates' temp names: 3.0.0 `<stem>.json.<nanos>.<pid>.tmp`, 9.1.3 adds `.<counter>`.
_TEMP = re.compile(r"^(?P<target>.+\.json)\.(?P<nanos>\d+)\.(?P<pid>\d+)(?:\.\d+)?\.tmp$")


@dataclass(frozen=True)
class Finding:
    """One problem: its kind (see :data:`KINDS`), the file, what is wrong, whether
    ``fix=True`` repairs it, and (after a fix) what was done."""

    kind: str
    path: Path
    message: str
    fixable: bool
    fixed: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["path"] = str(self.path)
        return out


@dataclass
class DoctorReport:
    """What :func:`doctor` found (and fixed) in one store."""

    store: Path
    findings: list[Finding] = field(default_factory=list)
    checked_files: int = 0

    @property
    def ok(self) -> bool:
        """No problem is left (none found, or every one fixed)."""
        return all(f.fixed is not None for f in self.findings)

    @property
    def remaining(self) -> list[Finding]:
        return [f for f in self.findings if f.fixed is None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": str(self.store),
            "ok": self.ok,
            "checked_files": self.checked_files,
            "findings": [f.to_dict() for f in self.findings],
        }


def doctor(
    store: str | os.PathLike[str],
    *,
    fix: bool = False,
    encryption_key: bytes | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DoctorReport:
    """Check the store directory ``store`` (see the module docs); with ``fix``, repair what is
    provably safe. ``encryption_key`` is used only to open the store after a WAL repair (so
    the crate's recovery can read sealed snapshots). Raises OSError when ``store`` is not a
    readable directory."""
    root = Path(store)
    if not root.is_dir():
        if root.exists():
            raise NotADirectoryError(20, "not a directory, expected a session store", str(root))
        raise FileNotFoundError(2, "no such file or directory", str(root))
    report = DoctorReport(root)
    report.findings.extend(_check_wal(root, fix, encryption_key))
    report.findings.extend(_check_temp_files(root, fix))
    files, problems = _documents(root)
    report.findings.extend(problems)
    report.checked_files = len(files)
    report.findings.extend(_check_documents(files, progress))
    return report


# -- the write-ahead log -----------------------------------------------------------------------
def _check_wal(root: Path, fix: bool, key: bytes | None) -> list[Finding]:
    raw = read_wal(root)
    if raw is None:
        return []
    wal = json.loads(raw)
    if wal["load_error"] is None:
        return []
    path = root / _WAL
    lines = wal["lines"]
    bad = [i for i, line in enumerate(lines) if line["error"] is not None]
    if wal["sequence_conflict"]:
        finding = Finding(
            "wal-sequence-conflict",
            path,
            f"the crate refuses to open the store: {wal['load_error']} (two writers "
            "committed without a shared lock)",
            fixable=True,
        )
        return [_fix_sequence_conflict(finding, root) if fix else finding]
    if bad == [len(lines) - 1]:
        last = lines[-1]
        torn = not wal["ends_with_newline"]
        finding = Finding(
            "wal-torn-tail",
            path,
            f"the last line (bytes {last['start']}-{last['end']}) "
            + ("is cut short" if torn else "is rejected")
            + f": {last['error']}; the {len(lines) - 1} lines before it are accepted by the "
            "crate, which refuses to open the store until it is removed",
            fixable=True,
        )
        return [_fix_torn_tail(finding, root, last, len(lines) - 1, key) if fix else finding]
    first = lines[bad[0]] if bad else None
    where = f"line at byte {first['start']}: {first['error']}" if first else wal["load_error"]
    return [
        Finding(
            "wal-rejected",
            path,
            f"the crate refuses to open the store ({where}); {len(bad)} of {len(lines)} lines "
            "are rejected and not only the last, so nothing is cut automatically. Moving the "
            "log aside lets the store open from its snapshots (the commit history is lost)",
            fixable=False,
        )
    ]


@contextlib.contextmanager
def _wal_lock(root: Path) -> Iterator[None]:
    """The crate's own exclusive lock of the WAL (`fs2` flock of session-store.lock)."""
    import fcntl

    fd = os.open(root / _WAL_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _fix_torn_tail(
    finding: Finding, root: Path, last: dict[str, Any], kept: int, key: bytes | None
) -> Finding:
    path = root / _WAL
    with _wal_lock(root):
        # Re-read under the lock: only the bytes that were judged are cut.
        again = read_wal(root)
        if again is None or json.loads(again)["lines"][-1]["start"] != last["start"]:
            return finding
        with open(path, "r+b") as f:
            f.seek(last["start"])
            tail = f.read()
            aside = path.with_name(f"session-store.ndjson.torn.{int(time.time())}")
            fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(tail)
            f.truncate(last["start"])
            f.flush()
            os.fsync(f.fileno())
    opened = _reopen(root, key)
    return _fixed(
        finding,
        f"cut {len(tail)} bytes after line {kept} (kept in {aside.name}); {opened}",
    )


def _fix_sequence_conflict(finding: Finding, root: Path) -> Finding:
    from .v9 import FileSessionStore

    FileSessionStore(root, recover_corrupt_wal=True)
    moved = sorted(p.name for p in (root / _WAL).parent.glob("session-store.ndjson.corrupt.*"))
    where = f" ({moved[-1]})" if moved else ""
    return _fixed(
        finding,
        "opened with the crate's recovering constructor, which moved the log aside"
        f"{where} and continues from the snapshots",
    )


def _reopen(root: Path, key: bytes | None) -> str:
    """Open the store with the crate (its recovery runs) and say what it made of the log."""
    from .v9 import FileSessionStore

    try:
        FileSessionStore(root, encryption_key=key)
    except Exception as err:  # noqa: BLE001 - reported, not raised: the cut itself is done
        return f"the crate still refuses to open the store: {err}"
    raw = read_wal(root)
    lines = json.loads(raw)["lines"] if raw else []
    committed = {line["sequence"] for line in lines if line["committed"]}
    open_intents = [
        line for line in lines if line["committed"] is False and line["sequence"] not in committed
    ]
    if not open_intents:
        return "the crate opens the store, and every intent in the log is committed"
    names = ", ".join(f"{i['sequence']} ({i['session_id']!r})" for i in open_intents)
    return (
        "the crate opens the store; intents whose snapshot never landed stay open, their "
        f"sessions keep the version before that write: {names}"
    )


def _fixed(finding: Finding, what: str) -> Finding:
    return Finding(finding.kind, finding.path, finding.message, finding.fixable, what)


# -- temp files --------------------------------------------------------------------------------
def _pid_alive(pid: int) -> bool | None:
    """Whether a process with this id runs here (None: cannot tell)."""
    if pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return None
    return True


def _check_temp_files(root: Path, fix: bool) -> list[Finding]:
    findings = []
    for directory in _store_dirs(root):
        for entry in _entries(directory):
            m = _TEMP.match(entry.name)
            if m is None:
                continue
            pid = int(m["pid"])
            path = Path(entry.path)
            size = _size(path)
            alive = _pid_alive(pid)
            if alive is False:
                finding = Finding(
                    "stray-temp-file",
                    path,
                    f"temp file of an interrupted save ({size:,} bytes) of {m['target']}; its "
                    f"writer (process {pid}) is gone",
                    fixable=True,
                )
                if fix:
                    path.unlink(missing_ok=True)
                    finding = _fixed(finding, "removed")
                findings.append(finding)
            else:
                state = "is still running" if alive else "may still be running"
                findings.append(
                    Finding(
                        "live-temp-file",
                        path,
                        f"temp file ({size:,} bytes) of a save of {m['target']}; its writer "
                        f"(process {pid}) {state}, so it is left alone",
                        fixable=False,
                    )
                )
    return findings


def _store_dirs(root: Path) -> list[Path]:
    """The store directory and every directory under its ``v1`` (where the crates write)."""
    dirs = [root]
    v1 = root / "v1"
    if v1.is_dir():
        dirs.extend(p for p in sorted(v1.rglob("*")) if p.is_dir() and not p.is_symlink())
    return dirs


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# -- documents: kinds, seals, ids ----------------------------------------------------------------
@dataclass(frozen=True)
class _Doc:
    path: Path
    expected_id: str | None  # the id its name stands for (None: no store lists it)
    layout: str


def _documents(root: Path) -> tuple[list[_Doc], list[Finding]]:
    docs: list[_Doc] = []
    findings: list[Finding] = []
    candidates: list[tuple[os.DirEntry[str], str]] = [
        (e, "legacy") for e in _entries(root) if e.name.endswith(".json")
    ]
    candidates += [
        (e, "v1") for e in _entries(root / "v1" / "sessions") if e.name.endswith(".json")
    ]
    for entry, layout in candidates:
        path = Path(entry.path)
        try:
            what = kind_of(entry.stat().st_mode)
        except OSError as err:
            findings.append(Finding("unreadable-file", path, str(err.strerror), False))
            continue
        if what == "a directory":
            continue
        if what is not None:
            findings.append(
                Finding(
                    "not-regular-file",
                    path,
                    f"is {what}, not a session file: reading it would block or never end "
                    "(a3s-session refuses it; remove it by hand if it is not meant to be here)",
                    fixable=False,
                )
            )
            continue
        if layout == "legacy":
            stem = entry.name[: -len(".json")]
            if not stem or stem.startswith("."):
                findings.append(
                    Finding(
                        "unlisted-file",
                        path,
                        "a hidden file name: no store lists it (3.0.0 writes the empty id there)",
                        fixable=False,
                    )
                )
                docs.append(_Doc(path, None, layout))
                continue
            docs.append(_Doc(path, stem, layout))
        else:
            sid = v1_id_from_file_name(entry.name)
            if sid is None:
                findings.append(
                    Finding(
                        "unlisted-file",
                        path,
                        "not a v1 session file name (id_<base64url of the id>.json): the "
                        "store never lists it",
                        fixable=False,
                    )
                )
            docs.append(_Doc(path, sid, layout))
    return docs, findings


def _check_documents(
    docs: list[_Doc], progress: Callable[[int, int], None] | None
) -> list[Finding]:
    findings: list[Finding] = []
    sealed: list[Path] = []
    plain: list[Path] = []
    for done, doc in enumerate(docs, 1):
        if progress is not None:
            progress(done, len(docs))
        try:
            data = read_document(doc.path)
        except OSError as err:
            findings.append(
                Finding("unreadable-file", doc.path, str(err.strerror or err), fixable=False)
            )
            continue
        if data.startswith(SEALED_MAGIC):
            sealed.append(doc.path)
            continue  # its id cannot be read without the key
        plain.append(doc.path)
        held = _held_id(data)
        if held is None or doc.expected_id is None or held == doc.expected_id:
            continue
        if doc.layout == "legacy" and legacy_file_name(held) == doc.path.name:
            message = (
                f"holds session {held!r}, which 3.0.0 files under this name: list() shows "
                f"{doc.expected_id!r}, and load({doc.expected_id!r}) returns {held!r}"
            )
        else:
            message = f"the name is for session {doc.expected_id!r} but it holds {held!r}"
        findings.append(Finding("id-collision", doc.path, message, fixable=False))
    if sealed and plain:
        findings.append(
            Finding(
                "sealed-plain-mix",
                sealed[0].parent,
                f"{len(sealed)} sealed (encrypted) and {len(plain)} plaintext documents in one "
                f"store (e.g. {sealed[0].name} and {plain[0].name}): a store opened without the "
                "key cannot read the sealed ones; re-save the plaintext ones through a store "
                "opened with the key to seal them",
                fixable=False,
            )
        )
    return findings


def _held_id(data: bytes) -> str | None:
    """The session id a document holds (bare or in an envelope), or None if unreadable."""
    try:
        doc = json.loads(data)
    except ValueError:
        return None
    if isinstance(doc, dict) and isinstance(doc.get("session"), dict):
        doc = doc["session"]
    sid = doc.get("id") if isinstance(doc, dict) else None
    return sid if isinstance(sid, str) else None
