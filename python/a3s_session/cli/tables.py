"""``export --format parquet``: every session's tables through the Arrow scan, and the error
lines of commands over many sessions."""

from __future__ import annotations

import argparse
import importlib
import os
import pathlib
import sys
from collections.abc import Iterator
from typing import Any

from .._scan import TABLES, Scan, ScanTables, scan
from .terminal import EXIT_INVALID, EXIT_OK, CliError, Progress, Style, _eprint


def _scan_of(path: str) -> Scan:
    if not os.path.exists(path):
        raise CliError(f"{path}: no such file or directory")
    return scan(path)


def _batches(s: Scan, tables: list[str], label: str) -> Iterator[ScanTables]:
    """The scan's batches with a progress bar on a stderr terminal (files, MB/s, ETA); the
    directory is listed once, by the pass itself."""
    bar: list[Progress] = []

    def progress(done: int, size: int) -> None:
        if bar:
            bar[0].update(done, size)

    try:
        batches = s.batches(tables, progress=progress)
    except OSError as err:
        raise CliError(f"{err.filename or ''}: {err.strerror or err}") from None
    files, size = batches.total if batches.total is not None else (0, 0)
    bar.append(Progress(files, sys.stderr, label, total_bytes=size))
    try:
        yield from batches
    finally:
        bar[0].clear()


def report_errors(errors: list[dict[str, Any]]) -> None:
    for e in errors:
        where = e["path"] or f"input {e['source_index']}"
        if e["line"] is not None:
            where += f":{e['line']}:{e['column']}"
        at = f" [at {e['field_path']}]" if e["field_path"] else ""
        _eprint(f"{where}: {e['message']}{at}")


# -- export --format parquet -------------------------------------------------------------------


def _pyarrow_parquet() -> Any:
    try:
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise CliError(
            "export --format parquet needs pyarrow (pip install pyarrow, or "
            "pip install 'a3s-session[arrow]')"
        ) from None
    return pq


def export_parquet(source: str, outdir: str, *, force: bool) -> dict[str, int]:
    """Write the six tables of a scan of ``source`` as ``OUTDIR/<table>.parquet`` (one pass,
    streaming, each file written privately and renamed into place when complete). Returns
    the rows written per table."""
    pq = _pyarrow_parquet()
    pa = importlib.import_module("pyarrow")

    out = pathlib.Path(outdir)
    if out.exists() and not out.is_dir():
        raise CliError(f"{out}: not a directory")
    out.mkdir(parents=True, exist_ok=True)
    targets = {name: out / f"{name}.parquet" for name in TABLES}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing and not force:
        raise CliError(f"{existing[0]}: already exists (use --force to replace it)")
    temps = {
        name: out / f".{name}.parquet.{os.getpid()}.{os.urandom(4).hex()}.tmp" for name in TABLES
    }
    files: dict[str, Any] = {}
    writers: dict[str, Any] = {}
    rows = dict.fromkeys(TABLES, 0)
    s = _scan_of(source)
    try:
        for name in TABLES:
            fd = os.open(temps[name], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            files[name] = os.fdopen(fd, "wb")
            schema = pa.schema(getattr(s, name))
            writers[name] = pq.ParquetWriter(files[name], schema)
        for batch in _batches(s, list(TABLES), "exporting"):
            for name in TABLES:
                table = batch[name]
                if len(table):
                    writers[name].write_table(pa.table(table))
                    rows[name] += len(table)
        for name in TABLES:
            writers.pop(name).close()
            f = files.pop(name)
            f.flush()
            os.fsync(f.fileno())
            f.close()
        for name in TABLES:
            os.replace(temps[name], targets[name])
    finally:
        for w in writers.values():
            w.close()
        for f in files.values():
            f.close()
        for t in temps.values():
            t.unlink(missing_ok=True)
    return rows


def cmd_export_parquet(args: argparse.Namespace, style: Style) -> int:
    if args.output is None:
        raise CliError("export --format parquet needs -o OUTDIR (a directory for the tables)")
    try:
        rows = export_parquet(args.path, args.output, force=args.force)
    except OSError as err:
        raise CliError(f"{err.filename or args.output}: {err.strerror or err}") from None
    summary = ", ".join(f"{name} {n:,}" for name, n in rows.items())
    _eprint(f"wrote {len(rows)} Parquet files to {args.output} (rows: {summary})", prefix=False)
    if rows["errors"]:
        _eprint(f"{rows['errors']} file(s) could not be read: see errors.parquet")
    return EXIT_INVALID if rows["errors"] else EXIT_OK
