"""Full-text search over every session under some directories: :func:`search` and
:class:`SearchIndex`.

The index is an SQLite database with an FTS5 table (SQLite ships with Python, FTS5 ranks with
BM25, supports phrases, prefixes, ``AND``/``OR``/``NOT`` and ``NEAR``, and makes snippets). One
row per distinct message (its role, tools, and four columns: its text blocks, its reasoning,
its tool inputs and its tool results); identical messages share it, and a hit is the newest
message holding the text. Sessions are read by the Arrow scan (the crate of each file's
generation, in Rust threads); rows are written to SQLite on a thread of their own.

The index lives in the user's cache (``$XDG_CACHE_HOME/a3s-session/search.sqlite3``), never
in a store. Each update lists the directories, and reads only files that are new or whose size
or modification time changed; files that are gone are dropped. Each batch of files is
committed with the rows it produced, so an interrupted update keeps what it finished and the
next one carries on.

A hit's time is its session's ``updated_at``: A3S Code keeps no time per message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import queue
import re
import sqlite3
import threading
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
SCHEMA_VERSION = 5
#: The columns of a message row, in the order of the FTS5 table (``field`` of a hit).
FIELDS = ("text", "reasoning", "tool_input", "tool_result")
# BM25 weights per column: what a person wrote or read counts more than tool plumbing.
_WEIGHTS = (1.0, 0.6, 0.4, 0.5)
# Snippet markers: control characters that session text cannot keep (they are replaced by a
# space when indexed), so a marker in a snippet is always the index's.
OPEN, CLOSE = "\x02", "\x03"
_SNIPPET_TOKENS = 14
# Folders a query names as path ranges; more (a list of files) go through a temp table.
_MAX_RANGES = 30
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
    also: int = 0
    """Other messages (passing the same filters) that hold exactly this text: the same
    session in another folder, a fork, a repeated tool result. The hit is the newest."""

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
            "also": self.also,
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
    passage_id INTEGER NOT NULL,
    updated_at INTEGER  -- the file's, here too: filters and "newest" without a join
);
CREATE INDEX IF NOT EXISTS messages_of_file ON messages(file_id);
CREATE INDEX IF NOT EXISTS files_by_session ON files(session_id);
CREATE INDEX IF NOT EXISTS messages_of_passage ON messages(passage_id);
-- Identical messages (the same session in two folders, forks, re-read files) are indexed
-- once: a passage is a role, the tools, and the four texts.
CREATE TABLE IF NOT EXISTS passage_keys(
    digest BLOB PRIMARY KEY,
    id INTEGER NOT NULL UNIQUE,
    refs INTEGER NOT NULL,
    role TEXT NOT NULL,
    tools TEXT NOT NULL
);
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


class SearchIndex:
    """An on-disk full-text index of the sessions under some directories."""

    def __init__(self, path: PathLike | None = None) -> None:
        self.path: Path = Path(path) if path is not None else default_index_path()
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
                "DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS passage_keys;"
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

    def _scope(self, tops: list[str]) -> tuple[str, list[str]]:
        """SQL (and its arguments) keeping the files under ``tops``: path ranges on the
        index for a few folders; for many (a list of files), their ids in a temp table."""
        if len(tops) <= _MAX_RANGES:
            return _path_ranges(tops)
        exact = set(tops)
        prefixes = tuple(t.rstrip(os.sep) + os.sep for t in tops)
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS scope(id INTEGER PRIMARY KEY)")
        self._db.execute("DELETE FROM temp.scope")
        wanted = [
            (file_id,)
            for file_id, path in self._db.execute("SELECT id, path FROM files")
            if path in exact or path.startswith(prefixes)
        ]
        self._db.executemany("INSERT INTO temp.scope(id) VALUES (?)", wanted)
        return "f.id IN (SELECT id FROM temp.scope)", []

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
        where, args = self._scope(tops)
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
                    _forget(self._db, path)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        written, done = 0, 0
        if progress is not None:
            progress(0, len(stale))
        if stale:
            writer = _Writer(self.path)
            try:
                for chunk_start in range(0, len(stale), _FILES_PER_BATCH * 4):
                    chunk = stale[chunk_start : chunk_start + _FILES_PER_BATCH * 4]
                    s = scan(chunk, threads=threads, batch_rows=20_000)
                    for batch in s.batches(["sessions", "messages", "blocks", "errors"]):
                        for files, rows in writer.put(_prepare(batch, on_disk)):
                            done, written = done + files, written + rows
                            if progress is not None:
                                progress(done, len(stale))
            finally:
                for files, rows in writer.close():
                    done, written = done + files, written + rows
                    if progress is not None:
                        progress(done, len(stale))
        return UpdateReport(
            files=len(on_disk),
            read=len(stale),
            removed=len(gone),
            unreadable=self._unreadable(where, args),
            messages=written,
            seconds=time.perf_counter() - start,
        )

    def unreadable(self, roots: Iterable[PathLike]) -> int:
        """Files under ``roots`` the crates could not read (not searched)."""
        return self._unreadable(*self._scope([os.path.abspath(os.fspath(r)) for r in roots]))

    def _unreadable(self, where: str, args: list[str]) -> int:
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
        where, under = self._scope([os.path.abspath(os.fspath(r)) for r in roots])
        everything = self._db.execute("SELECT count(*) FROM files").fetchone()[0]
        in_scope = self._db.execute(f"SELECT count(*) FROM files f WHERE {where}", under)
        # Every indexed file under the folders: no need to join files to filter.
        scoped = in_scope.fetchone()[0] != everything
        filters = [where] if scoped else []
        args: list[object] = list(under) if scoped else []
        # Filters on the text itself (role and tools are part of a passage) go into the
        # ranking; filters on where and when it was, into the messages.
        ranking: list[str] = []
        ranking_args: list[object] = []
        if role is not None:
            ranking.append("k.role = ?")
            ranking_args.append(role)
        if tool is not None:
            ranking.append("instr(k.tools, ?) > 0")
            ranking_args.append(f"\x1f{tool}\x1f")
        only = None
        if session is not None:
            # A session holds few texts: find them first (an index range on the id prefix),
            # and rank only those.
            after = session[:-1] + chr(ord(session[-1]) + 1) if session else "\U0010ffff"
            only = {
                pid
                for (pid,) in self._db.execute(
                    "SELECT m.passage_id FROM files f JOIN messages m ON m.file_id = f.id "
                    "WHERE f.session_id >= ? AND f.session_id < ?",
                    (session, after),
                )
            }
            filters.append("f.session_id >= ? AND f.session_id < ?")
            args += [session, after]
        if since is not None:
            filters.append("m.updated_at >= ?")
            args.append(int(parse_moment(since, zone).timestamp()))
        if until is not None:
            filters.append("m.updated_at < ?")
            args.append(int(parse_moment(until, zone).timestamp()))
        # The scope and the session filter read files; since/until, messages' own copy.
        narrow = _Narrowing(
            ranking, ranking_args, filters, args, only, needs_files=scoped or session is not None
        )
        try:
            rows, matched = self._best(query, narrow, limit), query
        except sqlite3.OperationalError:
            # Not FTS5 syntax (`foo-bar` reads as a column filter, `a.b` is an error): the
            # words as plain phrases.
            matched = _fts_query(query)
            try:
                rows = self._best(matched, narrow, limit)
            except sqlite3.OperationalError as err:
                raise ValueError(f"cannot search for {query!r}: {err}") from None
        if not rows:
            return []
        snippets = self._snippets(matched, [r[0] for r in rows])
        hits = []
        for rowid, score, index, role_, tools, sid, name, path, updated, ws, same in rows:
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
                    also=same - 1,
                )
            )
        return hits

    def _best(self, match: str, narrow: _Narrowing, limit: int) -> list[tuple[Any, ...]]:
        """The best ``limit`` texts matching, each with the newest message that holds it and
        passes the filters (and how many do). Texts are ranked first on the FTS table (BM25
        in C; role, tool and session narrow it there); only the best few are joined to
        their messages, widening the window while the other filters leave too few."""
        weights = ", ".join(str(w) for w in _WEIGHTS)
        keys = "JOIN passage_keys k ON k.id = p.rowid " if narrow.ranking else ""
        rank_where = " AND ".join(["passages MATCH ?", *narrow.ranking])
        join = "JOIN files f ON f.id = m.file_id " if narrow.needs_files else ""
        window = limit * 2
        while True:
            if narrow.only is not None:
                # Every match, ranked in C, kept if it is one of the few texts allowed.
                everything = self._db.execute(
                    f"SELECT p.rowid, bm25(passages, {weights}) FROM passages p {keys}"
                    f"WHERE {rank_where}",
                    (match, *narrow.ranking_args),
                )
                ranked = sorted((r for r in everything if r[0] in narrow.only), key=lambda r: r[1])
                window = len(ranked) + 1  # nothing more to widen to
            else:
                ranked = self._db.execute(
                    f"SELECT p.rowid, bm25(passages, {weights}) AS s FROM passages p {keys}"
                    f"WHERE {rank_where} ORDER BY s LIMIT ?",
                    (match, *narrow.ranking_args, window),
                ).fetchall()
            if not ranked:
                return []
            score = dict(ranked)
            marks = ", ".join("?" for _ in ranked)
            # SQLite takes the bare columns of a max() aggregate from the row that has the
            # max: the newest message of each text, in one pass over the messages table
            # (files joined only when a filter needs them).
            where = " AND ".join([f"m.passage_id IN ({marks})", *narrow.filters])
            rows = self._db.execute(
                "SELECT m.passage_id, max(m.updated_at), m.id, count(*) FROM messages m "
                f"{join}WHERE {where} GROUP BY m.passage_id",
                [*score, *narrow.args],
            ).fetchall()
            if len(rows) >= limit or len(ranked) < window:
                break
            window *= 4
        best = sorted(rows, key=lambda r: (score[r[0]], -(r[1] or 0), r[2]))[:limit]
        marks = ", ".join("?" for _ in best)
        detail = {
            row[0]: row[1:]
            for row in self._db.execute(
                "SELECT m.id, m.message_index, k.role, k.tools, f.session_id, f.name, f.path, "
                "f.updated_at, f.workspace FROM messages m JOIN files f ON f.id = m.file_id "
                f"JOIN passage_keys k ON k.id = m.passage_id WHERE m.id IN ({marks})",
                [r[2] for r in best],
            )
        }
        return [(pid, score[pid], *detail[mid], n) for pid, _, mid, n in best]

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


def _unmarked(text: str) -> str:
    """``text`` without the snippet markers (rare: searched for in C before replacing)."""
    if OPEN in text:
        text = text.replace(OPEN, " ")
    if CLOSE in text:
        text = text.replace(CLOSE, " ")
    return text


def _forget(db: sqlite3.Connection, path: str, passages: _Passages | None = None) -> None:
    """Drop a file's rows; a passage no other message shares goes with them. Only this
    file's passages are looked at (by id), never the whole table."""
    row = db.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()
    if row is None:
        return
    held = db.execute(
        "SELECT count(*), passage_id FROM messages WHERE file_id = ? GROUP BY passage_id", row
    ).fetchall()
    db.executemany("UPDATE passage_keys SET refs = refs - ? WHERE id = ?", held)
    marks = ", ".join("?" for _ in held)
    dead = db.execute(
        f"SELECT id, digest FROM passage_keys WHERE refs <= 0 AND id IN ({marks})",
        [pid for _, pid in held],
    ).fetchall()
    if passages is not None:
        for _, digest in dead:
            passages.known.pop(digest, None)
    db.executemany("DELETE FROM passages WHERE rowid = ?", [(pid,) for pid, _ in dead])
    db.executemany("DELETE FROM passage_keys WHERE id = ?", [(pid,) for pid, _ in dead])
    db.execute("DELETE FROM messages WHERE file_id = ?", row)
    db.execute("DELETE FROM files WHERE id = ?", row)


@dataclass(frozen=True)
class _Narrowing:
    """A query's filters: on the ranked texts (SQL over ``p``/``k``) and on the messages
    that hold them (over ``m``/``f``), each with its arguments."""

    ranking: list[str]
    ranking_args: list[object]
    filters: list[str]
    args: list[object]
    only: set[int] | None = None
    """When set, the only texts that may match (those of the sessions asked for)."""
    needs_files: bool = False
    """Whether ``filters`` read ``files`` (the scope, the session), so it must be joined."""


@dataclass
class _Prepared:
    """One scan batch made into rows: per file (path, size, mtime, session columns, error),
    and per message (file's position in ``files``, index, role, tools, four texts)."""

    files: list[tuple[Any, ...]]
    messages: list[tuple[int, int, str, str, str, str, str, str]]


def _prepare(batch: ScanTables, on_disk: dict[str, tuple[int, int]]) -> _Prepared:
    """The rows of one scan batch (each input's rows are all in it). Plain Python on the
    columns, in one pass: blocks come in (input, message, block) order."""
    files: list[tuple[Any, ...]] = []
    slot: dict[int, int] = {}
    s = batch.sessions
    for src, path, sid, name, ws, gen, updated in zip(
        s.column("source_index"),
        s.column("path"),
        s.column("id"),
        s.column("name"),
        s.column("workspace"),
        s.column("generation"),
        s.column("updated_at"),
    ):
        slot[src] = len(files)
        size, mtime = on_disk.get(path, (0, 0))
        files.append((path, size, mtime, sid, name, ws, gen, int(updated.timestamp()), None))
    e = batch.errors
    for src, path, gen, message, line, column, field_path in zip(
        e.column("source_index"),
        e.column("path"),
        e.column("generation"),
        e.column("message"),
        e.column("line"),
        e.column("column"),
        e.column("field_path"),
    ):
        where = f" at line {line} column {column}" if line is not None else ""
        at = f" (at {field_path})" if field_path else ""
        size, mtime = on_disk.get(path, (0, 0))
        files.append((path, size, mtime, None, None, None, gen, None, f"{message}{at}{where}"))

    b = batch.blocks
    kinds = b.column("type")
    b_src = b.column("source_index")
    b_msg = b.column("message_index")
    texts = b.column("text")
    use_ids = b.column("tool_use_id")
    names = b.column("tool_name")
    inputs = b.column("tool_input")
    results = b.column("tool_result_text")
    n_blocks = len(kinds)
    at_block = 0
    called: dict[tuple[int, str], str] = {}
    rows: list[tuple[int, int, str, str, str, str, str, str]] = []
    m = batch.messages
    for src, index, role, reasoning in zip(
        m.column("source_index"), m.column("message_index"), m.column("role"), m.column("reasoning")
    ):
        text: list[str] = []
        tool_input: list[str] = []
        tool_result: list[str] = []
        tools: list[str] = []
        while at_block < n_blocks and b_src[at_block] == src and b_msg[at_block] == index:
            kind = kinds[at_block]
            if kind == "text":
                text.append(texts[at_block])
            elif kind == "tool_use":
                name = names[at_block]
                called[(src, use_ids[at_block])] = name
                tools.append(name)
                tool_input.append(f"{name} {inputs[at_block]}")
            elif kind == "tool_result":
                name = called.get((src, use_ids[at_block]))
                if name is not None and name not in tools:
                    tools.append(name)
                tool_result.append(results[at_block] or "")
            at_block += 1
        rows.append(
            (
                slot[src],
                index,
                role,
                "\x1f" + "\x1f".join(tools) + "\x1f",
                _unmarked("\n".join(text)),
                _unmarked(reasoning or ""),
                _unmarked("\n".join(tool_input)),
                _unmarked("\n".join(tool_result)),
            )
        )
    return _Prepared(files, rows)


def _digest(texts: tuple[str, ...]) -> bytes:
    lengths = ",".join(str(len(x)) for x in texts)  # so ("ab", "c") and ("a", "bc") differ
    data = f"{lengths}\n{''.join(texts)}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


class _Passages:
    """Which texts are indexed already: digests seen in this update, and the index's own
    table for the rest (not asked when the index held none when the update began)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.known: dict[bytes, int] = {}
        self.complete = db.execute("SELECT 1 FROM passage_keys LIMIT 1").fetchone() is None
        self.last_id: int | None = None  # the largest passage id after our last write

    def check(self) -> None:
        """In a write transaction: if another process wrote since our last batch, what we
        remember may be stale — ask the table from now on."""
        newest = self.db.execute("SELECT max(id) FROM passage_keys").fetchone()[0] or 0
        if self.last_id is not None and newest != self.last_id:
            self.known.clear()
            self.complete = False

    def id_of(self, digest: bytes) -> int | None:
        pid = self.known.get(digest)
        if pid is None and not self.complete:
            found = self.db.execute(
                "SELECT id FROM passage_keys WHERE digest = ?", (digest,)
            ).fetchone()
            if found is not None:
                pid = self.known[digest] = found[0]
        return pid


def _write(db: sqlite3.Connection, prepared: _Prepared, passages: _Passages) -> tuple[int, int]:
    """Write one prepared batch in one transaction (its files' old rows replaced); a text
    already indexed (same four fields) is shared, not indexed again."""
    db.execute("BEGIN IMMEDIATE")
    try:
        passages.check()
        file_ids = []
        for row in prepared.files:
            _forget(db, row[0], passages)
            cur = db.execute(
                "INSERT INTO files(path, size, mtime_ns, session_id, name, workspace, "
                "generation, updated_at, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            file_ids.append(cur.lastrowid or 0)
        updated = [row[7] for row in prepared.files]
        next_passage = (db.execute("SELECT max(id) FROM passage_keys").fetchone()[0] or 0) + 1
        in_batch: dict[tuple[str, ...], int] = {}
        new_texts: list[tuple[Any, ...]] = []
        new_keys: list[tuple[bytes, int, str, str]] = []
        refs: dict[int, int] = {}
        message_rows = []
        for r in prepared.messages:
            key = r[2:]  # role, tools, the four texts
            pid = in_batch.get(key)
            if pid is None:
                digest = _digest(key)
                pid = passages.id_of(digest)
                if pid is None:
                    pid = next_passage
                    next_passage += 1
                    new_texts.append((pid, *r[4:]))
                    new_keys.append((digest, pid, r[2], r[3]))
                    passages.known[digest] = pid
                in_batch[key] = pid
            refs[pid] = refs.get(pid, 0) + 1
            message_rows.append((file_ids[r[0]], r[1], pid, updated[r[0]]))
        db.executemany(
            "INSERT INTO passage_keys(digest, id, refs, role, tools) VALUES (?, ?, 0, ?, ?)",
            new_keys,
        )
        db.executemany(
            "INSERT INTO messages(file_id, message_index, passage_id, updated_at) "
            "VALUES (?, ?, ?, ?)",
            message_rows,
        )
        db.executemany(
            "UPDATE passage_keys SET refs = refs + ? WHERE id = ?",
            [(n, pid) for pid, n in refs.items()],
        )
        db.executemany(
            f"INSERT INTO passages(rowid, {', '.join(FIELDS)}) VALUES (?, ?, ?, ?, ?)", new_texts
        )
        passages.last_id = next_passage - 1  # the largest id now: ours, or the one before
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        passages.known.clear()  # what this batch added was rolled back
        passages.complete = False
        raise
    return len(prepared.files), len(prepared.messages)


class _Writer:
    """Writes prepared batches on its own thread and connection, so that SQLite's work
    (tokenizing and indexing; it releases the GIL) overlaps the next batch's scan and
    preparation. Holds at most two batches; an error in the thread is raised in the caller."""

    def __init__(self, path: Path) -> None:
        self._queue: queue.Queue[_Prepared | None] = queue.Queue(maxsize=2)
        self._done: queue.Queue[tuple[int, int]] = queue.Queue()
        self._error: list[BaseException] = []
        self._db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._passages = _Passages(self._db)
        self._thread = threading.Thread(target=self._run, name="a3s-search-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while (item := self._queue.get()) is not None:
                if not self._error:
                    self._done.put(_write(self._db, item, self._passages))
        except BaseException as err:  # noqa: BLE001 (handed to the caller, raised there)
            self._error.append(err)
            while self._queue.get() is not None:  # let the producer finish
                pass

    def _finished(self) -> list[tuple[int, int]]:
        out = []
        while not self._done.empty():
            out.append(self._done.get())
        if self._error:
            raise self._error[0]
        return out

    def put(self, prepared: _Prepared) -> list[tuple[int, int]]:
        """Queue a batch; returns (files, messages) of the batches committed meanwhile."""
        if self._error:
            raise self._error[0]
        self._queue.put(prepared)
        return self._finished()

    def close(self) -> list[tuple[int, int]]:
        """Wait for the queued batches (committed whole, or not at all) and stop."""
        self._queue.put(None)
        self._thread.join()
        self._db.close()
        return self._finished()


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
