"""Usage accounting: tokens and dollars across many sessions, by day, week, month or session,
grouped by model, provider or workspace — :func:`usage`.

A session carries its cost twice: ``cost_records`` (one record per model call, with its time,
model and tokens) and ``total_cost`` (one running sum). They can disagree (records trimmed or
never written; 9.1.3 writes none). Every figure here says which it comes from:

- ``auto`` (default): a session with cost records is counted from them (each call at its own
  time, under its own model); a session without any is counted from ``total_cost`` and
  ``total_usage``, at its ``updated_at``, under its ``model_name``.
- ``cost_records`` or ``total_cost``: that source only, for every session.

A session whose two sources differ by more than a cent and 1 % is listed in
``UsageReport.disagreements`` whatever the source.

Several directories (one per machine, say) are merged: a session found in more than one file is
counted once, from its newest copy (latest ``updated_at``, then latest modification time).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ._scan import ScanTables, scan
from ._when import parse_moment, parse_zone

__all__ = [
    "COST_SOURCES",
    "GROUPS",
    "PERIODS",
    "Item",
    "SessionUsage",
    "ToolUsage",
    "UsageReport",
    "UsageRow",
    "tabulate",
    "usage",
]

PERIODS: tuple[str, ...] = ("day", "week", "month", "session")
GROUPS: tuple[str, ...] = ("model", "provider", "workspace")
COST_SOURCES: tuple[str, ...] = ("auto", "cost_records", "total_cost")
PathLike = str | os.PathLike[str]
Progress = Callable[[int, int], None]

# Two sources disagree when they differ by more than both of these.
_DISAGREE_USD = 0.01
_DISAGREE_RATIO = 0.01


@dataclass(frozen=True)
class SessionUsage:
    """One session as counted (its newest copy)."""

    session_id: str
    name: str
    path: str
    workspace: str
    model: str
    provider: str
    created_at: dt.datetime
    updated_at: dt.datetime
    total_cost: float
    """The session's ``total_cost``."""
    records_cost: float
    """The sum of its cost records' ``cost_usd``."""
    records: int
    """Its cost records."""
    unpriced_records: int
    """Its cost records without ``cost_usd`` (their dollars are unknown, counted as 0)."""
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    """From ``total_usage``."""
    cost_source: str
    """What it is counted from: ``cost_records``, ``total_cost``, or ``none`` (the chosen
    source has nothing for it)."""
    counted_cost: float
    """Its dollars in this report (within ``since``/``until``)."""
    copies: int = 1
    """Files that held this session (more than one: merged, counted once)."""

    @property
    def disagrees(self) -> bool:
        """Do ``cost_records`` and ``total_cost`` tell different stories?"""
        if self.records == 0:
            return False
        gap = abs(self.records_cost - self.total_cost)
        return gap > _DISAGREE_USD and gap > _DISAGREE_RATIO * max(
            self.records_cost, self.total_cost
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "name": self.name,
            "path": self.path,
            "workspace": self.workspace,
            "model": self.model,
            "provider": self.provider,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "cost_source": self.cost_source,
            "counted_cost_usd": round(self.counted_cost, 6),
            "total_cost_usd": round(self.total_cost, 6),
            "cost_records_usd": round(self.records_cost, 6),
            "cost_records": self.records,
            "cost_records_without_cost": self.unpriced_records,
            "disagree": self.disagrees,
            "copies": self.copies,
        }


@dataclass
class UsageRow:
    """One period (and group) of a report."""

    period: str
    """``2026-11-30``, ``2026-W48``, ``2026-11``, or a session id."""
    start: str
    """The period's first day (a session: the day it was created), ISO format."""
    group: str | None = None
    sessions: int = 0
    calls: int = 0
    """Cost records (model calls) counted; sessions counted from ``total_cost`` add none."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost_from_records: float = 0.0
    cost_from_total_cost: float = 0.0
    _ids: set[str] = field(default_factory=set, repr=False)

    @property
    def cost_usd(self) -> float:
        return self.cost_from_records + self.cost_from_total_cost

    @property
    def cost_source(self) -> str:
        """``cost_records``, ``total_cost``, ``both`` or ``none``."""
        r, t = bool(self._records), bool(self._totals)
        return "both" if r and t else "cost_records" if r else "total_cost" if t else "none"

    _records: int = field(default=0, repr=False)
    _totals: int = field(default=0, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "start": self.start,
            "group": self.group,
            "sessions": self.sessions,
            "calls": self.calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "cost_usd": round(self.cost_usd, 6),
            "cost_source": self.cost_source,
            "cost_from_cost_records_usd": round(self.cost_from_records, 6),
            "cost_from_total_cost_usd": round(self.cost_from_total_cost, 6),
        }


@dataclass(frozen=True)
class ToolUsage:
    """Calls of one tool, across the sessions counted."""

    tool: str
    calls: int
    results: int
    errors: int

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.results if self.results else None

    def as_json(self) -> dict[str, Any]:
        rate = self.error_rate
        return {
            "tool": self.tool,
            "calls": self.calls,
            "results": self.results,
            "errors": self.errors,
            "error_rate": None if rate is None else round(rate, 4),
        }


@dataclass
class UsageReport:
    """What :func:`usage` found."""

    by: str
    group: str | None
    tz: str
    cost_source: str
    since: dt.datetime | None
    until: dt.datetime | None
    rows: list[UsageRow]
    totals: UsageRow
    sessions: list[SessionUsage]
    """Every session counted (one per id), most expensive first."""
    files: int
    """Session files read."""
    duplicates: int
    """Files skipped because a newer copy of their session was counted."""
    unreadable: list[dict[str, Any]]
    """The scan's error rows (path, message, line, column, field_path)."""
    items: list[Item] = field(default_factory=list, repr=False)
    """Every cost counted, to tabulate again another way (:func:`tabulate`)."""
    tools: list[ToolUsage] = field(default_factory=list)

    @property
    def disagreements(self) -> list[SessionUsage]:
        """Sessions whose ``cost_records`` and ``total_cost`` disagree."""
        return [s for s in self.sessions if s.disagrees]

    def as_json(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "group": self.group,
            "tz": self.tz,
            "cost_source": self.cost_source,
            "since": None if self.since is None else self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "files": self.files,
            "sessions": len(self.sessions),
            "duplicates_skipped": self.duplicates,
            "unreadable_files": len(self.unreadable),
            "rows": [r.as_json() for r in self.rows],
            "totals": self.totals.as_json(),
            "disagreements": [s.as_json() for s in self.disagreements],
            "top_sessions": [s.as_json() for s in self.sessions[:10]],
            "tools": [t.as_json() for t in self.tools],
            "errors": self.unreadable,
        }

    def to_csv(self) -> str:
        """The rows and a final ``TOTAL`` row as CSV (the JSON row keys as the header)."""
        out = io.StringIO()
        rows = [r.as_json() for r in self.rows]
        total = self.totals.as_json()
        total["period"] = "TOTAL"
        writer = csv.DictWriter(out, fieldnames=list(total), lineterminator="\n")
        writer.writeheader()
        writer.writerows([*rows, total])
        return out.getvalue()


@dataclass(frozen=True)
class Item:
    """One counted cost: a cost record, or a session's ``total_cost`` (see ``source``)."""

    moment: dt.datetime
    """The record's time, or the session's ``updated_at`` (in the report's zone)."""
    session_id: str
    created_at: dt.datetime
    model: str
    provider: str
    workspace: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost: float
    source: str
    """``cost_records`` or ``total_cost``."""


@dataclass
class _Copy:
    """One file's session: its sessions row and cost records, until copies are merged."""

    row: dict[str, Any]
    records: list[tuple[dt.datetime, str, str, int, int, int, float | None]]
    tools: dict[str, list[int]] = field(default_factory=dict)


def _period(moment: dt.datetime, by: str) -> tuple[str, str]:
    day = moment.date()
    if by == "day":
        return day.isoformat(), day.isoformat()
    if by == "week":
        year, week, weekday = day.isocalendar()
        return f"{year}-W{week:02d}", (day - dt.timedelta(days=weekday - 1)).isoformat()
    return f"{day.year}-{day.month:02d}", day.replace(day=1).isoformat()


def _newer(a: _Copy, b: _Copy) -> bool:
    """Is copy ``a`` newer than ``b``?"""

    def key(c: _Copy) -> tuple[Any, ...]:
        try:
            mtime = os.stat(c.row["path"]).st_mtime_ns if c.row["path"] else 0
        except OSError:
            mtime = 0
        return (c.row["updated_at"], mtime, c.row["path"] or "")

    return key(a) > key(b)


def _collect(
    roots: list[str], tools: bool, threads: int | None, progress: Progress | None
) -> tuple[dict[str, _Copy], dict[str, int], int, list[dict[str, Any]]]:
    tables = ["sessions", "cost_records", "errors"] + (["blocks"] if tools else [])
    s = scan(roots, threads=threads)
    newest: dict[str, _Copy] = {}
    copies: dict[str, int] = defaultdict(int)
    files = 0
    errors: list[dict[str, Any]] = []
    for batch in s.batches(tables, progress=progress):
        files += len(batch.sessions) + len(batch.errors)
        errors.extend(batch.errors.to_pylist())
        found: dict[int, _Copy] = {}
        for row in batch.sessions.to_pylist():
            found[row["source_index"]] = _Copy(row, [])
        c = batch.cost_records
        for src, ts, model, provider, p, o, t, cost in zip(
            c.column("source_index"),
            c.column("timestamp"),
            c.column("model"),
            c.column("provider"),
            c.column("prompt_tokens"),
            c.column("completion_tokens"),
            c.column("total_tokens"),
            c.column("cost_usd"),
        ):
            found[src].records.append((ts, model, provider, p, o, t, cost))
        if tools:
            _add_tools(batch, found)
        for copy in found.values():
            sid = copy.row["id"]
            copies[sid] += 1
            held = newest.get(sid)
            if held is None or _newer(copy, held):
                newest[sid] = copy
    return newest, copies, files, errors


def _add_tools(batch: ScanTables, found: dict[int, _Copy]) -> None:
    b = batch.blocks
    kind, source, use_id = b.column("type"), b.column("source_index"), b.column("tool_use_id")
    name, is_error = b.column("tool_name"), b.column("is_error")
    called: dict[tuple[int, str], str] = {}
    for i, k in enumerate(kind):
        if k == "tool_use":
            called[(source[i], use_id[i])] = name[i]
            found[source[i]].tools.setdefault(name[i], [0, 0, 0])[0] += 1
    for i, k in enumerate(kind):
        if k == "tool_result":
            tool = called.get((source[i], use_id[i]), "(unmatched)")
            counts = found[source[i]].tools.setdefault(tool, [0, 0, 0])
            counts[1] += 1
            counts[2] += bool(is_error[i])


def usage(
    paths: PathLike | Iterable[PathLike],
    *,
    by: str = "day",
    group: str | None = None,
    since: str | dt.datetime | dt.date | None = None,
    until: str | dt.datetime | dt.date | None = None,
    tz: str | None = None,
    cost_source: str = "auto",
    tools: bool = False,
    threads: int | None = None,
    progress: Progress | None = None,
) -> UsageReport:
    """Tokens and dollars of every session under ``paths`` (directories or files, both
    generations and layouts; several directories merge, each session counted once), per
    ``by`` period (``day``, ``week``, ``month``, ``session``), optionally per ``group``
    (``model``, ``provider``, ``workspace``), between ``since`` (included) and ``until``
    (excluded), days cut in time zone ``tz`` (default: this machine's). ``tools=True`` also
    counts tool calls and errors per tool (reads the content blocks too: slower)."""
    if by not in PERIODS:
        raise ValueError(f"by must be one of {', '.join(PERIODS)}, not {by!r}")
    if group is not None and group not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}, not {group!r}")
    if cost_source not in COST_SOURCES:
        raise ValueError(f"cost_source must be one of {', '.join(COST_SOURCES)}")
    zone = parse_zone(tz)
    start = None if since is None else parse_moment(since, zone)
    end = None if until is None else parse_moment(until, zone)
    roots = [os.fspath(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
    for root in roots:
        if not os.path.exists(root):
            raise FileNotFoundError(2, "No such file or directory", root)
    newest, copies, files, errors = _collect(roots, tools, threads, progress)

    def inside(moment: dt.datetime) -> bool:
        return (start is None or moment >= start) and (end is None or moment < end)

    items: list[Item] = []
    counted: list[SessionUsage] = []
    tool_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for sid, copy in newest.items():
        r = copy.row
        updated = r["updated_at"].astimezone(zone)
        created = r["created_at"].astimezone(zone)
        model = r["model_name"] or r["llm_model"] or "(unknown)"
        provider = r["llm_provider"] or "(unknown)"
        use_records = cost_source == "cost_records" or (
            cost_source == "auto" and bool(copy.records)
        )
        before = len(items)
        if use_records:
            source = "cost_records" if copy.records else "none"
            for ts, rec_model, rec_provider, p, o, t, cost in copy.records:
                moment = ts.astimezone(zone)
                if inside(moment):
                    items.append(
                        Item(
                            moment,
                            sid,
                            created,
                            rec_model,
                            rec_provider,
                            r["workspace"],
                            p,
                            o,
                            t,
                            cost or 0.0,
                            "cost_records",
                        )
                    )
        else:
            source = "total_cost"
            if inside(updated):
                items.append(
                    Item(
                        updated,
                        sid,
                        created,
                        model,
                        provider,
                        r["workspace"],
                        r["prompt_tokens"],
                        r["completion_tokens"],
                        r["total_tokens"],
                        r["total_cost"],
                        "total_cost",
                    )
                )
        if len(items) == before and (start is not None or end is not None):
            continue  # nothing of it inside the period asked for
        for tool, counts in copy.tools.items():
            for i in range(3):
                tool_counts[tool][i] += counts[i]
        counted.append(
            SessionUsage(
                session_id=sid,
                name=r["name"],
                path=r["path"] or "",
                workspace=r["workspace"],
                model=model,
                provider=provider,
                created_at=created,
                updated_at=updated,
                total_cost=r["total_cost"],
                records_cost=sum(rec[6] or 0.0 for rec in copy.records),
                records=len(copy.records),
                unpriced_records=sum(rec[6] is None for rec in copy.records),
                prompt_tokens=r["prompt_tokens"],
                completion_tokens=r["completion_tokens"],
                total_tokens=r["total_tokens"],
                cost_source=source,
                counted_cost=sum(i.cost for i in items[before:]),
                copies=copies[sid],
            )
        )
    counted.sort(key=lambda s: (-s.counted_cost, s.session_id))
    tool_rows = sorted(
        (ToolUsage(name, *c) for name, c in tool_counts.items()), key=lambda t: (-t.calls, t.tool)
    )
    rows, totals = tabulate(items, by, group)
    return UsageReport(
        by=by,
        group=group,
        tz=tz or "local",
        cost_source=cost_source,
        since=start,
        until=end,
        rows=rows,
        totals=totals,
        sessions=counted,
        files=files,
        duplicates=sum(copies.values()) - len(newest),
        unreadable=errors,
        items=items,
        tools=tool_rows,
    )


def tabulate(items: Iterable[Item], by: str, group: str | None) -> tuple[list[UsageRow], UsageRow]:
    """The rows (in time order) and the totals of ``items`` per ``by`` period and ``group``."""
    rows: dict[tuple[str, str | None], UsageRow] = {}
    totals = UsageRow(period="TOTAL", start="")
    for item in items:
        if by == "session":
            period, first = item.session_id, item.created_at.date().isoformat()
        else:
            period, first = _period(item.moment, by)
        key = (period, getattr(item, group) if group else None)
        row = rows.get(key)
        if row is None:
            row = rows[key] = UsageRow(period=period, start=first, group=key[1])
        for target in (row, totals):
            target.prompt_tokens += item.prompt_tokens
            target.completion_tokens += item.completion_tokens
            target.total_tokens += item.total_tokens
            if item.source == "cost_records":
                target.calls += 1
                target.cost_from_records += item.cost
                target._records += 1
            else:
                target.cost_from_total_cost += item.cost
                target._totals += 1
            target._ids.add(item.session_id)
    for row in [*rows.values(), totals]:
        row.sessions = len(row._ids)
    ordered = sorted(rows.values(), key=lambda x: (x.start, x.period, -x.cost_usd, x.group or ""))
    return ordered, totals
