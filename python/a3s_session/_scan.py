"""Many sessions at once into Apache Arrow: :func:`scan` and :func:`scan_contents`.

Every input is parsed by the crate of its generation (the choice
:func:`a3s_session.read_session_file` makes), in Rust threads with the interpreter released,
straight into Arrow record batches. The tables speak the Arrow PyCapsule interface, so
``pyarrow.table(t)``, ``polars.DataFrame(t)`` and DuckDB take them without a copy, and
pyarrow is never needed to scan. Column-by-column schemas: ``docs/scan.md``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any, Union

import a3s_session_v9._native as _v9

from . import _native
from ._native import ArrowTable

#: The scan's tables, in order.
TABLES: tuple[str, ...] = tuple(_native.scan_table_names())
#: Rows per batch unless told otherwise (Arrow's usual order of magnitude).
DEFAULT_BATCH_ROWS = 65_536

PathLike = Union[str, "os.PathLike[str]"]
Progress = Callable[[int, int], None]


def default_threads() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _tables(tables: Iterable[str] | None) -> list[str]:
    if tables is None:
        return list(TABLES)
    if isinstance(tables, str):
        tables = [tables]
    chosen = list(dict.fromkeys(tables))
    for name in chosen:
        if name not in TABLES:
            raise ValueError(f"no scan table {name!r} (tables: {', '.join(TABLES)})")
    return chosen


def _is_path(obj: object) -> bool:
    return isinstance(obj, (str, os.PathLike))


def _is_arrow(obj: object) -> bool:
    return hasattr(obj, "__arrow_c_stream__") or hasattr(obj, "__arrow_c_array__")


@dataclass(frozen=True)
class ScanTables:
    """The six tables of a scan (or of one batch of it), held in memory. A table the scan
    was not asked for is empty."""

    sessions: ArrowTable
    messages: ArrowTable
    blocks: ArrowTable
    cost_records: ArrowTable
    tasks: ArrowTable
    errors: ArrowTable

    @classmethod
    def _of(cls, tables: dict[str, ArrowTable]) -> ScanTables:
        return cls(**{name: tables.get(name) or ArrowTable.empty(name) for name in TABLES})

    def __getitem__(self, name: str) -> ArrowTable:
        if name not in TABLES:
            raise KeyError(name)
        table: ArrowTable = getattr(self, name)
        return table

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={len(self[name])}" for name in TABLES)
        return f"ScanTables({counts})"


class ScanBatches(Iterator[ScanTables]):
    """The batches of one pass over a scan's source (see :meth:`Scan.batches`)."""

    def __init__(self, batches: Iterator[ScanTables], total: tuple[int, int] | None) -> None:
        self._batches = batches
        self.total = total
        """(inputs, bytes) the pass will read, when known up front (not for an iterator)."""

    def __next__(self) -> ScanTables:
        return next(self._batches)


class ScanTable:
    """One table of a :class:`Scan`, not yet read: each use (``pyarrow.table(t)``,
    ``polars.DataFrame(t)``, DuckDB, :meth:`collect`) reads the source again, streaming,
    building only this table, so memory holds about one batch."""

    def __init__(self, scan: Scan, name: str) -> None:
        self._scan = scan
        self.name = name

    def __repr__(self) -> str:
        return f"<ScanTable {self.name} of {self._scan!r}>"

    @property
    def columns(self) -> list[tuple[str, str, bool, str]]:
        """(name, Arrow type, nullable, what it holds) of each column."""
        return _native.scan_table_columns(self.name)

    def __arrow_c_schema__(self) -> object:
        return _native.schema_capsule(self.name)

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        del requested_schema  # the schema is fixed; consumers cast if they want another
        kept = self._scan._materialized()
        if kept is not None:
            return kept[self.name].__arrow_c_stream__()
        return self._scan._open([self.name]).take_stream(self.name)

    def collect(self) -> ArrowTable:
        """Read the whole table into memory."""
        kept = self._scan._materialized()
        if kept is not None:
            return kept[self.name]
        return ArrowTable.join(
            self.name, [batch[self.name] for batch in self._scan.batches([self.name])]
        )

    def to_pyarrow(self) -> Any:
        """As a ``pyarrow.Table`` (needs pyarrow)."""
        return self.collect().to_pyarrow()

    def to_polars(self) -> Any:
        """As a ``polars.DataFrame`` (needs polars)."""
        return self.collect().to_polars()

    def to_pandas(self) -> Any:
        """As a ``pandas.DataFrame`` (needs pyarrow and pandas)."""
        return self.collect().to_pandas()


class Scan:
    """A scan of many session documents (see :func:`scan`). Its tables are read lazily:
    ``scan.sessions`` is a :class:`ScanTable` that reads the source when it is used."""

    def __init__(
        self,
        *,
        paths: list[str] | None = None,
        contents: Any = None,
        iterator: Iterator[Any] | None = None,
        threads: int,
        batch_rows: int,
        count_unknown: bool = False,
    ) -> None:
        if threads < 1 or batch_rows < 1:
            raise ValueError("threads and batch_rows must be at least 1")
        self.count_unknown = count_unknown
        self._paths = paths
        self._contents = contents
        self._iterator = iterator
        self.threads = threads
        self.batch_rows = batch_rows
        # A one-shot iterator is read once, all tables at once, and kept.
        self._cached: ScanTables | None = None
        for name in TABLES:
            setattr(self, name, ScanTable(self, name))

    sessions: ScanTable
    messages: ScanTable
    blocks: ScanTable
    cost_records: ScanTable
    tasks: ScanTable
    errors: ScanTable

    def __repr__(self) -> str:
        if self._paths is not None:
            shown = ", ".join(self._paths[:3]) + (", ..." if len(self._paths) > 3 else "")
            what = f"paths=[{shown}]"
        elif self._contents is not None:
            what = "contents"
        else:
            what = "iterator"
        return f"Scan({what}, threads={self.threads}, batch_rows={self.batch_rows})"

    def _materialized(self, progress: Progress | None = None) -> ScanTables | None:
        """For an iterator source, its tables: read once (all of them) and kept. None for a
        source that can be read again."""
        if self._iterator is not None:
            iterator, self._iterator = self._iterator, None
            self._cached = _collect(
                _pass(self, tables=list(TABLES), iterator=iterator, progress=progress)
            )
        return self._cached

    def _open(self, tables: list[str], progress: Progress | None = None) -> Any:
        return _pass(
            self, tables=tables, paths=self._paths, contents=self._contents, progress=progress
        )

    def batches(
        self, tables: Iterable[str] | None = None, *, progress: Progress | None = None
    ) -> ScanBatches:
        """Read the source once, yielding the chosen tables (default: all) a run of inputs
        at a time: each batch's tables hold the rows of the same inputs. A batch is handed
        out once one of its tables reaches ``batch_rows`` rows. ``progress(inputs_done,
        bytes_done)`` is called as inputs are read. The pass opens here (a directory is
        listed now), so ``.total`` of the result is known before the first batch."""
        chosen = _tables(tables)
        kept = self._materialized(progress)
        if kept is not None:
            return ScanBatches(iter([kept]), None)
        run = self._open(chosen, progress)
        return ScanBatches((ScanTables._of(batch) for batch in run), run.total)

    def collect(self, tables: Iterable[str] | None = None) -> ScanTables:
        """Every chosen table (default: all), read in one pass, in memory."""
        kept = self._materialized()
        if kept is not None:
            return kept
        return _collect(self._open(_tables(tables)))

    @property
    def total(self) -> tuple[int, int] | None:
        """(inputs, bytes) the source holds, when known without reading it (not for an
        iterator)."""
        if self._iterator is not None or self._cached is not None:
            return None
        total: tuple[int, int] | None = _pass(
            self, tables=["errors"], paths=self._paths, contents=self._contents
        ).total
        return total


def _pass(scan: Scan, *, tables: list[str], progress: Progress | None = None, **source: Any) -> Any:
    return _native.scan_pass(
        tables=tables,
        threads=scan.threads,
        batch_rows=scan.batch_rows,
        primary=_native._scan_reader,
        newer=_v9._scan_reader,
        progress=progress,
        count_unknown=scan.count_unknown,
        **{k: v for k, v in source.items() if v is not None},
    )


def _collect(batches: Iterable[dict[str, ArrowTable]]) -> ScanTables:
    parts: dict[str, list[ArrowTable]] = {name: [] for name in TABLES}
    for batch in batches:
        for name, table in batch.items():
            parts[name].append(table)
    return ScanTables._of({name: ArrowTable.join(name, p) for name, p in parts.items()})


def scan(
    source: Any,
    *,
    threads: int | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    count_unknown: bool = False,
) -> Scan:
    """Scan many session documents into Arrow tables.

    ``source`` is a store directory (both layouts, walked recursively: every ``*.json``), a
    file, a list of paths, a list of document contents (``bytes``, or ``(name, bytes)``
    pairs), an Arrow binary column, or an iterable of any of these. Every input is read by
    the crate of its generation on ``threads`` threads (default: the CPUs this process may
    use), batches of ``batch_rows`` rows. An input that cannot be read is a row of
    ``errors``, never an exception. ``count_unknown`` fills the sessions' column
    ``unknown_field_count`` (the check :func:`a3s_session.read_session_file` makes for its
    ``unknown_fields``: about a third of the time of a read).

    Nothing is read until a table is used: ``pyarrow.table(scan(d).sessions)``."""
    threads = default_threads() if threads is None else threads
    common: dict[str, Any] = {
        "threads": threads,
        "batch_rows": batch_rows,
        "count_unknown": count_unknown,
    }
    if _is_path(source):
        return Scan(paths=[os.fspath(source)], **common)
    if isinstance(source, (bytes, bytearray, memoryview)):
        raise TypeError("scan() takes many documents: pass [data] for one document's bytes")
    if _is_arrow(source):
        return Scan(contents=source, **common)
    if isinstance(source, (list, tuple)):
        if all(_is_path(p) for p in source):
            return Scan(paths=[os.fspath(p) for p in source], **common)
        return Scan(contents=list(source), **common)
    iterator = iter(source)
    try:
        first = next(iterator)
    except StopIteration:
        return Scan(contents=[], **common)
    if _is_path(first):  # paths are small: listed up front, and the scan can be re-read
        return Scan(paths=[os.fspath(p) for p in chain([first], iterator)], **common)
    return Scan(iterator=chain([first], iterator), **common)


def scan_contents(
    contents: Any,
    names: Iterable[str | None] | None = None,
    *,
    threads: int = 1,
    tables: Iterable[str] | None = None,
) -> ScanTables:
    """The tables of one batch of document contents, in memory: what a worker of a
    distributed engine (Ray, Dask, Spark) runs on its share of the files.

    ``contents``: a list of ``bytes`` (or ``(name, bytes)`` pairs) or an Arrow binary or
    string column (``pyarrow.Array``/``ChunkedArray``, a polars Series, ...); ``names``
    fill the ``path`` columns (and a name in ``v1/sessions/`` is read as today's store
    writes it). ``threads`` defaults to 1: engines run one task per core already."""
    source = contents if _is_arrow(contents) else list(contents)
    chosen = _tables(tables)
    run = _native.scan_pass(
        tables=chosen,
        threads=threads,
        batch_rows=DEFAULT_BATCH_ROWS,
        primary=_native._scan_reader,
        newer=_v9._scan_reader,
        contents=source,
        names=None if names is None else list(names),
    )
    return _collect(run)


def clean_session_rows(
    files: list[str],
    columns: Iterable[str],
    *,
    threads: int | None = None,
    progress: Progress | None = None,
) -> dict[int, dict[str, Any]]:
    """By position in ``files`` (exactly these, never walked): the chosen ``sessions``
    columns of every file the scan read *cleanly* — no error, and no field its crate would
    drop (timestamps as epoch integers). A file missing here needs the exact per-file read,
    which gives its message or its unknown fields. For listings: no session object is made."""
    run = _native.scan_pass(
        tables=["sessions"],
        threads=default_threads() if threads is None else threads,
        batch_rows=DEFAULT_BATCH_ROWS,
        primary=_native._scan_reader,
        newer=_v9._scan_reader,
        files=files,
        progress=progress,
        count_unknown=True,
    )
    table = _collect(run).sessions
    unknown = table.column("unknown_field_count")
    chosen = {name: table.column(name, epoch_times=True) for name in columns}
    return {
        index: {name: values[k] for name, values in chosen.items()}
        for k, index in enumerate(table.column("source_index"))
        if unknown[k] == 0
    }
