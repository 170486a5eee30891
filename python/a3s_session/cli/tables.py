"""Commands over many sessions at once, through the Arrow scan: ``stats`` and
``export --format parquet``."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pathlib
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .._safe_text import visible
from .._scan import TABLES, Scan, ScanTables, scan
from .terminal import EXIT_INVALID, EXIT_OK, CliError, Progress, Style, _eprint, _print


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


def _report_errors(errors: list[dict[str, Any]]) -> None:
    for e in errors:
        where = e["path"] or f"input {e['source_index']}"
        if e["line"] is not None:
            where += f":{e['line']}:{e['column']}"
        at = f" [at {e['field_path']}]" if e["field_path"] else ""
        _eprint(f"{where}: {e['message']}{at}")


# -- stats -------------------------------------------------------------------------------------


@dataclass
class _Tool:
    calls: int = 0
    results: int = 0
    errors: int = 0


@dataclass
class Stats:
    """What ``a3s-session stats`` reports, accumulated batch by batch."""

    sessions: int = 0
    by_day_model: dict[tuple[str, str, str], list[float]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0, 0.0])
    )
    top: list[dict[str, Any]] = field(default_factory=list)
    tools: dict[str, _Tool] = field(default_factory=lambda: defaultdict(_Tool))
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, batch: ScanTables, top_n: int) -> None:
        s = batch.sessions
        self.sessions += len(s)
        self._add_costs(batch)
        self._add_tools(batch)
        rows = s.to_pylist() if len(s) else []
        keep = ("id", "name", "model_name", "total_cost", "total_tokens", "message_count", "path")
        self.top.extend({k: r[k] for k in keep} for r in rows)
        self.top.sort(key=lambda r: (-r["total_cost"], r["id"]))
        del self.top[top_n:]
        self.errors.extend(batch.errors.to_pylist())

    def _add_costs(self, batch: ScanTables) -> None:
        c = batch.cost_records
        columns = ("timestamp", "model", "provider", "prompt_tokens", "completion_tokens")
        ts, model, provider, prompt, completion = (c.column(n) for n in columns)
        total, cost = c.column("total_tokens"), c.column("cost_usd")
        for i in range(len(c)):
            acc = self.by_day_model[(ts[i].date().isoformat(), model[i], provider[i])]
            acc[0] += 1
            acc[1] += prompt[i]
            acc[2] += completion[i]
            acc[3] += total[i]
            acc[4] += cost[i] or 0.0

    def _add_tools(self, batch: ScanTables) -> None:
        b = batch.blocks
        kind, source, use_id = b.column("type"), b.column("source_index"), b.column("tool_use_id")
        name, is_error = b.column("tool_name"), b.column("is_error")
        # A session's rows are all in one batch: results find their call by (input, id).
        called: dict[tuple[int, str], str] = {}
        for i in range(len(b)):
            if kind[i] == "tool_use":
                called[(source[i], use_id[i])] = name[i]
                self.tools[name[i]].calls += 1
        for i in range(len(b)):
            if kind[i] == "tool_result":
                tool = self.tools[called.get((source[i], use_id[i]), "(unmatched)")]
                tool.results += 1
                tool.errors += bool(is_error[i])

    def as_json(self) -> dict[str, Any]:
        days = [
            {
                "day": day,
                "model": model,
                "provider": provider,
                "records": int(a[0]),
                "prompt_tokens": int(a[1]),
                "completion_tokens": int(a[2]),
                "total_tokens": int(a[3]),
                "cost_usd": round(a[4], 6),
            }
            for (day, model, provider), a in sorted(self.by_day_model.items())
        ]
        tools = [
            {
                "tool": name,
                "calls": t.calls,
                "results": t.results,
                "errors": t.errors,
                "error_rate": round(t.errors / t.results, 4) if t.results else None,
            }
            for name, t in sorted(self.tools.items(), key=lambda kv: (-kv[1].calls, kv[0]))
        ]
        return {
            "sessions": self.sessions,
            "unreadable_files": len(self.errors),
            "cost_per_model_per_day": days,
            "top_sessions_by_cost": self.top,
            "tools": tools,
        }


def _table(rows: list[list[str]], header: list[str], right: set[int]) -> None:
    rows = [[visible(c) for c in r] for r in rows]  # session data: one visible line per cell
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        _print(
            "  ".join(
                c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))
            ).rstrip()
        )


def cmd_stats(args: argparse.Namespace, style: Style) -> int:
    stats = Stats()
    for batch in _batches(
        _scan_of(args.dir), ["sessions", "blocks", "cost_records", "errors"], "scanning"
    ):
        stats.add(batch, args.top)
    _report_errors(stats.errors)
    report = stats.as_json()
    if args.json:
        _print(json.dumps(report, indent=2, ensure_ascii=False))
        return EXIT_INVALID if stats.errors else EXIT_OK
    _print(style.bold(f"{report['sessions']:,} sessions") + f" in {visible(args.dir)}")
    _print()
    _print(style.bold("Cost and tokens per model per day"))
    _table(
        [
            [
                d["day"],
                d["model"],
                d["provider"],
                f"{d['records']:,}",
                f"{d['prompt_tokens']:,}",
                f"{d['completion_tokens']:,}",
                f"${d['cost_usd']:.4f}",
            ]
            for d in report["cost_per_model_per_day"]
        ],
        ["DAY", "MODEL", "PROVIDER", "CALLS", "PROMPT", "COMPLETION", "COST"],
        {3, 4, 5, 6},
    )
    _print()
    _print(style.bold(f"Top {len(report['top_sessions_by_cost'])} sessions by cost"))
    _table(
        [
            [
                t["id"],
                t["name"],
                t["model_name"] or "-",
                f"{t['message_count']:,}",
                f"{t['total_tokens']:,}",
                f"${t['total_cost']:.4f}",
            ]
            for t in report["top_sessions_by_cost"]
        ],
        ["ID", "NAME", "MODEL", "MESSAGES", "TOKENS", "COST"],
        {3, 4, 5},
    )
    _print()
    _print(style.bold("Tool calls"))
    _table(
        [
            [
                t["tool"],
                f"{t['calls']:,}",
                f"{t['results']:,}",
                f"{t['errors']:,}",
                "-" if t["error_rate"] is None else f"{100 * t['error_rate']:.1f}%",
            ]
            for t in report["tools"]
        ],
        ["TOOL", "CALLS", "RESULTS", "ERRORS", "ERROR RATE"],
        {1, 2, 3, 4},
    )
    if stats.errors:
        _print()
        _print(style.yellow(f"{len(stats.errors)} file(s) could not be read (see stderr)"))
    return EXIT_INVALID if stats.errors else EXIT_OK


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
