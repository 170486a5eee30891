"""Full-text search over every session under some directories: :func:`search` and
:class:`SearchIndex`.

The index is an SQLite database with an FTS5 table (SQLite ships with Python, FTS5 ranks with
BM25, supports phrases, prefixes, ``AND``/``OR``/``NOT`` and ``NEAR``, and makes snippets). One
row per message holds four columns: its text blocks, its reasoning, its tool inputs and its
tool results. Sessions are read by the Arrow scan (the crate of each file's generation, in
Rust threads), so indexing costs little more than scanning.

The index lives in the user's cache (``$XDG_CACHE_HOME/a3s-session/search.sqlite3``), never
in a store. Each update lists the directories, and reads only files that are new or whose size
or modification time changed; files that are gone are dropped. Each batch of files is
committed with the rows it produced, so an interrupted update keeps what it finished and the
next one carries on.

A hit's time is its session's ``updated_at``: A3S Code keeps no time per message.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self

from ._scan import ScanTables, scan
from ._when import parse_moment, parse_zone
from .files.walk import session_files

__all__ = [
    "SearchHit",
    "SearchIndex",
    "UpdateReport",
    "default_index_path",
    "search",
]

#: Bumped when the index's tables change: an older index is rebuilt.
SCHEMA_VERSION = 1
#: The columns of a message row, in the order of the FTS5 table (``field`` of a hit).
FIELDS = ("text", "reasoning", "tool_input", "tool_result")
# BM25 weights per column: what a person wrote or read counts more than tool plumbing.
_WEIGHTS = (1.0, 0.6, 0.4, 0.5)
# Snippet markers: control characters that session text cannot keep (they are replaced by a
# space when indexed), so a marker in a snippet is always the index's.
OPEN, CLOSE = "\x02", "\x03"
_MARKERS = str.maketrans({OPEN: " ", CLOSE: " "})
_SNIPPET_TOKENS = 14
# Files per committed batch: small enough that an interruption loses little.
_FILES_PER_BATCH = 200

Progress = Callable[[int, int], None]
PathLike = str | os.PathLike[str]


def default_index_path() -> Path:
    """``$A3S_SESSION_INDEX``, else ``$XDG_CACHE_HOME/a3s-session/search.sqlite3`` (default
    ``~/.cache``)."""
    if os.environ.get("A3S_SESSION_INDEX"):
        return Path(os.environ["A3S_SESSION_INDEX"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "a3s-session" / "search.sqlite3"


@dataclass(frozen=True)
class SearchHit:
    """One message that matches a query."""

    session_id: str
    session_name: str
    path: str
    message_index: int
    role: str
    time: dt.datetime
    """The session's ``updated_at`` (A3S Code keeps no time per message)."""
    field: str
    """Where the best match is: ``text``, ``reasoning``, ``tool_input`` or ``tool_result``."""
    snippet: str
    """Text around the match, on one line, ``…`` where it was cut."""
    highlights: tuple[tuple[int, int], ...]
    """(start, end) of each matched term in ``snippet``."""
    tools: tuple[str, ...]
    """Tools the message calls or whose results it holds."""
    score: float
    """BM25 relevance, higher is better."""
    workspace: str

    def as_json(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "session_name": self.session_name,
            "path": self.path,
            "message_index": self.message_index,
            "role": self.role,
            "time": self.time.isoformat(),
            "field": self.field,
            "snippet": self.snippet,
            "highlights": [list(h) for h in self.highlights],
            "tools": list(self.tools),
            "score": round(self.score, 6),
            "workspace": self.workspace,
        }


@dataclass(frozen=True)
class UpdateReport:
    """What an index update did."""

    files: int
    """Session files under the directories."""
    read: int
    """New or changed files read (with the scan)."""
    removed: int
    """Files gone since the last update."""
    unreadable: int
    """Files under the directories the crates could not read (their errors are kept)."""
    messages: int
    """Message rows written by this update."""
    seconds: float


_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS files(
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    session_id TEXT,
    name TEXT,
    workspace TEXT,
    generation TEXT,
    updated_at INTEGER,
    error TEXT
);
CREATE TABLE IF NOT EXISTS messages(
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL,
    message_index INTEGER NOT NULL,
    role TEXT NOT NULL,
    tools TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_of_file ON messages(file_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passages USING fts5(
    {", ".join(FIELDS)}, tokenize = "unicode61 remove_diacritics 2"
);
"""


def _path_ranges(roots: Sequence[str]) -> tuple[str, list[str]]:
    """SQL that keeps files under any of ``roots`` (the root itself, or ``root/...``): a
    range on the path index, as '/' + 1 is '0'."""
    clauses, args = [], []
    for r in roots:
        base = r.rstrip(os.sep) or os.sep
        clauses.append("(f.path = ? OR (f.path >= ? AND f.path < ?))")
        args += [base, base.rstrip(os.sep) + os.sep, base.rstrip(os.sep) + chr(ord(os.sep) + 1)]
    return "(" + " OR ".join(clauses) + ")", args


def _fts_query(query: str) -> str:
    """The query as FTS5 reads it, or, when it is not valid FTS5 syntax (``foo-bar``,
    ``a.b``, a stray quote), each word as a phrase, all required."""
    words = re.findall(r"\S+", query)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _highlights(marked: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    start = -1
    for piece in re.split(f"([{OPEN}{CLOSE}])", marked):
        if piece == OPEN:
            start = length
        elif piece == CLOSE:
            if start >= 0:
                spans.append((start, length))
            start = -1
        else:
            piece = " ".join(piece.split()) if "\n" in piece or "\t" in piece else piece
            out.append(piece)
            length += len(piece)
    return "".join(out), tuple(spans)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


class SearchIndex:
    """An on-disk full-text index of the sessions under some directories."""

    def __init__(self, path: PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else default_index_path()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        existed = self.path.exists()
        self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        if not existed:
            os.chmod(self.path, 0o600)  # it holds session text
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            self._db.executescript(
                "DROP TABLE IF EXISTS passages; DROP TABLE IF EXISTS messages; "
                "DROP TABLE IF EXISTS files;"
            )
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SearchIndex({str(self.path)!r})"

    # -- keeping it up to date -----------------------------------------------------------

    def update(
        self,
        roots: Iterable[PathLike],
        *,
        progress: Progress | None = None,
        threads: int | None = None,
    ) -> UpdateReport:
        """Bring the index up to date with the files under ``roots``: read new and changed
        files, drop removed ones. ``progress(files_done, files_to_read)`` is called as
        batches are committed."""
        start = time.perf_counter()
        tops = [os.path.abspath(os.fspath(r)) for r in roots]
        on_disk: dict[str, tuple[int, int]] = {}
        for top in tops:
            for path, st in session_files(top):
                on_disk[path] = (st.st_size, st.st_mtime_ns)
        where, args = _path_ranges(tops)
        known = {
            path: (size, mtime)
            for path, size, mtime in self._db.execute(
                f"SELECT path, size, mtime_ns FROM files f WHERE {where}", args
            )
        }
        gone = [p for p in known if p not in on_disk]
        stale = [p for p, stat in on_disk.items() if known.get(p) != stat]
        if gone:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for path in gone:
                    self._forget(path)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        written = 0
        done = 0
        if progress is not None:
            progress(0, len(stale))
        for chunk_start in range(0, len(stale), _FILES_PER_BATCH * 4):
            chunk = stale[chunk_start : chunk_start + _FILES_PER_BATCH * 4]
            s = scan(chunk, threads=threads, batch_rows=20_000)
            for batch in s.batches(["sessions", "messages", "blocks", "errors"]):
                paths_done, rows = self._store(batch, on_disk)
                written += rows
                done += paths_done
                if progress is not None:
                    progress(done, len(stale))
        unreadable = self._db.execute(
            f"SELECT count(*) FROM files f WHERE error IS NOT NULL AND {where}", args
        ).fetchone()[0]
        return UpdateReport(
            files=len(on_disk),
            read=len(stale),
            removed=len(gone),
            unreadable=unreadable,
            messages=written,
            seconds=time.perf_counter() - start,
        )

    def _forget(self, path: str) -> None:
        row = self._db.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()
        if row is None:
            return
        self._db.execute(
            "DELETE FROM passages WHERE rowid IN (SELECT id FROM messages WHERE file_id = ?)", row
        )
        self._db.execute("DELETE FROM messages WHERE file_id = ?", row)
        self._db.execute("DELETE FROM files WHERE id = ?", row)

    def _store(self, batch: ScanTables, on_disk: dict[str, tuple[int, int]]) -> tuple[int, int]:
        """Write one scan batch (each input's rows are all in it) in one transaction."""
        sessions = batch.sessions
        errors = batch.errors
        file_rows: dict[int, tuple[Any, ...]] = {}
        paths: dict[int, str] = {}
        for src, path, sid, name, ws, gen, updated in zip(
            sessions.column("source_index"),
            sessions.column("path"),
            sessions.column("id"),
            sessions.column("name"),
            sessions.column("workspace"),
            sessions.column("generation"),
            sessions.column("updated_at"),
        ):
            paths[src] = path
            file_rows[src] = (sid, name, ws, gen, int(updated.timestamp()), None)
        for src, path, gen, message, line, column, field_path in zip(
            errors.column("source_index"),
            errors.column("path"),
            errors.column("generation"),
            errors.column("message"),
            errors.column("line"),
            errors.column("column"),
            errors.column("field_path"),
        ):
            where = f" at line {line} column {column}" if line is not None else ""
            at = f" (at {field_path})" if field_path else ""
            paths[src] = path
            file_rows[src] = (None, None, None, gen, None, f"{message}{at}{where}")

        texts = _message_texts(batch)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            file_ids: dict[int, int] = {}
            for src, row in file_rows.items():
                path = paths[src]
                self._forget(path)
                size, mtime = on_disk.get(path, (0, 0))
                cur = self._db.execute(
                    "INSERT INTO files(path, size, mtime_ns, session_id, name, workspace, "
                    "generation, updated_at, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (path, size, mtime, *row),
                )
                file_ids[src] = cur.lastrowid or 0
            messages = batch.messages
            count = 0
            message_rows = []
            passage_rows = []
            next_id = (self._db.execute("SELECT max(id) FROM messages").fetchone()[0] or 0) + 1
            for src, index, role in zip(
                messages.column("source_index"),
                messages.column("message_index"),
                messages.column("role"),
            ):
                parts = texts.get((src, index))
                if parts is None:
                    parts = _Parts()
                reasoning = parts.reasoning
                message_rows.append(
                    (
                        next_id,
                        file_ids[src],
                        index,
                        role,
                        "\x1f" + "\x1f".join(parts.tools) + "\x1f",
                    )
                )
                passage_rows.append(
                    (
                        next_id,
                        "\n".join(parts.text).translate(_MARKERS),
                        (reasoning or "").translate(_MARKERS),
                        "\n".join(parts.tool_input).translate(_MARKERS),
                        "\n".join(parts.tool_result).translate(_MARKERS),
                    )
                )
                next_id += 1
                count += 1
            self._db.executemany(
                "INSERT INTO messages(id, file_id, message_index, role, tools) "
                "VALUES (?, ?, ?, ?, ?)",
                message_rows,
            )
            self._db.executemany(
                f"INSERT INTO passages(rowid, {', '.join(FIELDS)}) VALUES (?, ?, ?, ?, ?)",
                passage_rows,
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return len(file_rows), count

    def unreadable(self, roots: Iterable[PathLike]) -> int:
        """Files under ``roots`` the crates could not read (not searched)."""
        where, args = _path_ranges([os.path.abspath(os.fspath(r)) for r in roots])
        count: int = self._db.execute(
            f"SELECT count(*) FROM files f WHERE error IS NOT NULL AND {where}", args
        ).fetchone()[0]
        return count

    # -- asking it ------------------------------------------------------------------------

    def query(
        self,
        query: str,
        roots: Iterable[PathLike],
        *,
        role: str | None = None,
        tool: str | None = None,
        since: str | dt.datetime | dt.date | None = None,
        until: str | dt.datetime | dt.date | None = None,
        session: str | None = None,
        limit: int = 20,
        tz: str | None = None,
    ) -> list[SearchHit]:
        """The best ``limit`` messages under ``roots`` matching ``query`` (FTS5 syntax:
        words, ``"a phrase"``, ``pref*``, ``AND``/``OR``/``NOT``, ``NEAR(a b)``; text that is
        not valid FTS5 is searched as plain words)."""
        if not query.strip():
            raise ValueError("an empty query matches nothing")
        if limit < 1:
            raise ValueError("limit must be at least 1")
        zone = parse_zone(tz)
        where, under = _path_ranges([os.path.abspath(os.fspath(r)) for r in roots])
        filters = [where]
        args: list[object] = list(under)
        if role is not None:
            filters.append("m.role = ?")
            args.append(role)
        if tool is not None:
            filters.append("instr(m.tools, ?) > 0")
            args.append(f"\x1f{tool}\x1f")
        if since is not None:
            filters.append("f.updated_at >= ?")
            args.append(int(parse_moment(since, zone).timestamp()))
        if until is not None:
            filters.append("f.updated_at < ?")
            args.append(int(parse_moment(until, zone).timestamp()))
        if session is not None:
            filters.append("f.session_id LIKE ? ESCAPE '\\'")
            escaped = session.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            args.append(escaped + "%")
        weights = ", ".join(str(w) for w in _WEIGHTS)
        sql = (
            f"SELECT p.rowid, bm25(passages, {weights}) AS score, m.message_index, m.role, "
            "m.tools, f.session_id, f.name, f.path, f.updated_at, f.workspace "
            "FROM passages p JOIN messages m ON m.id = p.rowid JOIN files f ON f.id = m.file_id "
            f"WHERE passages MATCH ? AND {' AND '.join(filters)} ORDER BY score LIMIT ?"
        )
        try:
            rows = self._db.execute(sql, [query, *args, limit]).fetchall()
            matched = query
        except sqlite3.OperationalError:
            # Not FTS5 syntax (`foo-bar` reads as a column filter, `a.b` is an error): the
            # words as plain phrases.
            matched = _fts_query(query)
            try:
                rows = self._db.execute(sql, [matched, *args, limit]).fetchall()
            except sqlite3.OperationalError as err:
                raise ValueError(f"cannot search for {query!r}: {err}") from None
        if not rows:
            return []
        snippets = self._snippets(matched, [r[0] for r in rows])
        hits = []
        for rowid, score, index, role_, tools, sid, name, path, updated, ws in rows:
            field, snippet = snippets.get(rowid, ("text", ""))
            text, spans = _highlights(snippet)
            hits.append(
                SearchHit(
                    session_id=sid,
                    session_name=name,
                    path=path,
                    message_index=index,
                    role=role_,
                    time=dt.datetime.fromtimestamp(updated, dt.timezone.utc).astimezone(zone),
                    field=field,
                    snippet=text,
                    highlights=spans,
                    tools=tuple(t for t in tools.split("\x1f") if t),
                    score=-score,
                    workspace=ws,
                )
            )
        return hits

    def _snippets(self, query: str, rowids: list[int]) -> dict[int, tuple[str, str]]:
        """Per row: the field with the most matches and its snippet (computed only for the
        rows shown, not for every match)."""
        columns = ", ".join(
            f"snippet(passages, {i}, '{OPEN}', '{CLOSE}', '…', {_SNIPPET_TOKENS})"
            for i in range(len(FIELDS))
        )
        marks = ", ".join("?" for _ in rowids)
        out: dict[int, tuple[str, str]] = {}
        for rowid, *parts in self._db.execute(
            f"SELECT rowid, {columns} FROM passages WHERE passages MATCH ? AND rowid IN ({marks})",
            [query, *rowids],
        ):
            best = max(range(len(FIELDS)), key=lambda i: (parts[i] or "").count(OPEN))
            out[rowid] = (FIELDS[best], parts[best] or "")
        return out


class _Parts:
    __slots__ = ("reasoning", "text", "tool_input", "tool_result", "tools")

    def __init__(self) -> None:
        self.text: list[str] = []
        self.tool_input: list[str] = []
        self.tool_result: list[str] = []
        self.tools: list[str] = []
        self.reasoning: str | None = None


def _message_texts(batch: ScanTables) -> dict[tuple[int, int], _Parts]:
    """Per (input, message): its texts by field, and the tools it calls or answers."""
    out: dict[tuple[int, int], _Parts] = {}
    m = batch.messages
    for src, index, reasoning in zip(
        m.column("source_index"), m.column("message_index"), m.column("reasoning")
    ):
        if reasoning:
            parts = out[(src, index)] = _Parts()
            parts.reasoning = reasoning
    b = batch.blocks
    kinds = b.column("type")
    srcs = b.column("source_index")
    indexes = b.column("message_index")
    texts = b.column("text")
    use_ids = b.column("tool_use_id")
    names = b.column("tool_name")
    inputs = b.column("tool_input")
    results = b.column("tool_result_text")
    called: dict[tuple[int, str], str] = {}
    for i, kind in enumerate(kinds):
        if kind == "tool_use":
            called[(srcs[i], use_ids[i])] = names[i]
    for i, kind in enumerate(kinds):
        if kind == "image":
            continue
        key = (srcs[i], indexes[i])
        found = out.get(key)
        if found is None:
            found = out[key] = _Parts()
        parts = found
        if kind == "text":
            parts.text.append(texts[i])
        elif kind == "tool_use":
            parts.tools.append(names[i])
            parts.tool_input.append(f"{names[i]} {inputs[i]}")
        elif kind == "tool_result":
            name = called.get((srcs[i], use_ids[i]))
            if name is not None and name not in parts.tools:
                parts.tools.append(name)
            parts.tool_result.append(results[i] or "")
    return out


def search(
    query: str,
    paths: Iterable[PathLike],
    *,
    index: PathLike | None = None,
    update: bool = True,
    role: str | None = None,
    tool: str | None = None,
    since: str | dt.datetime | dt.date | None = None,
    until: str | dt.datetime | dt.date | None = None,
    session: str | None = None,
    limit: int = 20,
    tz: str | None = None,
) -> list[SearchHit]:
    """Search every session under ``paths`` (both generations and layouts): the best
    ``limit`` messages matching ``query``, best first. The on-disk index (``index``, default
    :func:`default_index_path`) is brought up to date first unless ``update=False``."""
    roots = [os.fspath(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
    with SearchIndex(index) as idx:
        if update:
            idx.update(roots)
        return idx.query(
            query,
            roots,
            role=role,
            tool=tool,
            since=since,
            until=until,
            session=session,
            limit=limit,
            tz=tz,
        )
