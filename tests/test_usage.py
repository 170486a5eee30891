"""Usage accounting: periods, groups, cost sources said and disagreements flagged, folders
merged without double counting, time zones, CSV/JSON/HTML, and the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from a3s_session import v3, v9
from a3s_session.accounting import usage
from a3s_session.cli import main
from session_factory import DAY, MONDAY, record, session_dict, text, write

HOUR = 3600


def _messages() -> list[dict[str, object]]:
    return [text("user", "hi"), text("assistant", "hello")]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    # Two records on Monday and one on Wednesday (week 45), one the next Monday (week 46).
    write(
        root,
        session_dict(
            "rec-1",
            _messages(),
            records=[
                record(MONDAY + 1 * HOUR, 0.10),
                record(MONDAY + 2 * HOUR, 0.20, model="gpt-5"),
                record(MONDAY + 2 * DAY, 0.30),
            ],
            total_cost=0.60,  # agrees with the records
            workspace="/work/a",
        ),
        v3,
    )
    write(
        root,
        session_dict(
            "rec-2",
            _messages(),
            records=[record(MONDAY + 7 * DAY + HOUR, 0.05)],
            total_cost=8.11,  # disagrees: records say $0.05
            workspace="/work/b",
        ),
        v9,
    )
    # No records: counted from total_cost at updated_at.
    write(
        root,
        session_dict(
            "total-only",
            _messages(),
            total_cost=1.50,
            tokens=(5000, 700),
            updated=MONDAY + 9 * DAY,
            workspace="/work/b",
            model="gpt-5",
        ),
        v9,
    )
    return root


def test_daily_rows_say_their_cost_source(store: Path) -> None:
    report = usage(store, by="day", tz="UTC")
    rows = {r.period: r for r in report.rows}
    assert list(rows) == ["2026-11-02", "2026-11-04", "2026-11-09", "2026-11-11"]
    assert rows["2026-11-02"].cost_usd == pytest.approx(0.30)
    assert rows["2026-11-02"].calls == 2 and rows["2026-11-02"].cost_source == "cost_records"
    assert rows["2026-11-11"].cost_source == "total_cost"
    assert rows["2026-11-11"].cost_usd == pytest.approx(1.50)
    assert rows["2026-11-11"].prompt_tokens == 5000 and rows["2026-11-11"].calls == 0
    assert report.totals.cost_usd == pytest.approx(0.10 + 0.20 + 0.30 + 0.05 + 1.50)
    assert report.totals.cost_from_records == pytest.approx(0.65)
    assert report.totals.cost_from_total_cost == pytest.approx(1.50)
    assert report.totals.cost_source == "both"
    assert report.totals.sessions == 3


def test_disagreeing_sessions_are_flagged(store: Path) -> None:
    report = usage(store, tz="UTC")
    assert [s.session_id for s in report.disagreements] == ["rec-2"]
    (odd,) = report.disagreements
    assert (odd.records_cost, odd.total_cost, odd.cost_source) == (
        pytest.approx(0.05),
        8.11,
        "cost_records",
    )
    # Choosing total_cost counts the session's own total instead, at its updated_at.
    alt = usage(store, tz="UTC", cost_source="total_cost")
    assert alt.totals.cost_usd == pytest.approx(0.60 + 8.11 + 1.50)
    assert alt.totals.cost_source == "total_cost"


def test_weeks_months_and_groups(store: Path) -> None:
    weeks = usage(store, by="week", tz="UTC")
    assert [(r.period, r.start) for r in weeks.rows] == [
        ("2026-W45", "2026-11-02"),
        ("2026-W46", "2026-11-09"),
    ]
    months = usage(store, by="month", tz="UTC", group="model")
    assert {(r.period, r.group) for r in months.rows} == {
        ("2026-11", "claude-sonnet-4"),
        ("2026-11", "gpt-5"),
    }
    gpt = next(r for r in months.rows if r.group == "gpt-5")
    assert gpt.cost_usd == pytest.approx(0.20 + 1.50)
    ws = usage(store, by="month", tz="UTC", group="workspace")
    assert {r.group: round(r.cost_usd, 2) for r in ws.rows} == {"/work/a": 0.60, "/work/b": 1.55}
    by_session = usage(store, by="session", tz="UTC")
    assert {r.period for r in by_session.rows} == {"rec-1", "rec-2", "total-only"}


def test_since_until_and_time_zone(store: Path) -> None:
    report = usage(store, since="2026-11-04", until="2026-11-10", tz="UTC")
    assert [r.period for r in report.rows] == ["2026-11-04", "2026-11-09"]
    assert {s.session_id for s in report.sessions} == {"rec-1", "rec-2"}
    # 01:00 UTC on Monday is still Sunday in New York.
    ny = usage(store, tz="America/New_York")
    assert ny.rows[0].period == "2026-11-01"
    with pytest.raises(ValueError, match="time zone"):
        usage(store, tz="Mars/Olympus")
    with pytest.raises(ValueError, match="not a date"):
        usage(store, since="last tuesday")


def test_folders_merge_without_double_counting(tmp_path: Path) -> None:
    """The same session on two machines: counted once, from its newest copy."""
    laptop, server = tmp_path / "laptop", tmp_path / "server"
    old = session_dict(
        "shared", _messages(), records=[record(MONDAY, 1.00)], total_cost=1.00, updated=MONDAY + 100
    )
    new = session_dict(
        "shared",
        _messages(),
        records=[record(MONDAY, 1.00), record(MONDAY + DAY, 2.00)],
        total_cost=3.00,
        updated=MONDAY + DAY + 100,
    )
    write(laptop, old, v3)
    write(server, new, v9)
    write(
        server,
        session_dict("only-server", _messages(), records=[record(MONDAY, 0.50)], total_cost=0.5),
        v9,
    )
    merged = usage([laptop, server], tz="UTC")
    assert merged.totals.cost_usd == pytest.approx(3.50)
    assert merged.totals.sessions == 2 and merged.duplicates == 1
    (shared,) = [s for s in merged.sessions if s.session_id == "shared"]
    assert shared.copies == 2 and shared.counted_cost == pytest.approx(3.00)
    assert shared.path.startswith(str(server))
    # Order of the folders does not matter.
    assert usage([server, laptop], tz="UTC").totals.cost_usd == pytest.approx(3.50)
    # Each alone would have counted its own copy.
    assert usage([laptop], tz="UTC").totals.cost_usd == pytest.approx(1.00)


def test_json_csv_and_text(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["usage", str(store), "--by", "week", "--tz", "UTC", "--json"]) == 0
    report = json.loads(capsys.readouterr()[0])
    assert [r["period"] for r in report["rows"]] == ["2026-W45", "2026-W46"]
    assert report["totals"]["cost_usd"] == pytest.approx(2.15)
    assert report["disagreements"][0]["session_id"] == "rec-2"
    assert main(["usage", str(store), "--tz", "UTC", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr()[0])))
    assert rows[-1]["period"] == "TOTAL" and float(rows[-1]["cost_usd"]) == pytest.approx(2.15)
    assert {r["cost_source"] for r in rows[:-1]} == {"cost_records", "total_cost"}
    assert (
        main(["usage", str(store), "--tz", "UTC", "--group", "workspace", "--color", "never"]) == 0
    )
    out = capsys.readouterr()[0]
    assert "TOTAL" in out and "FROM" in out and "R+T" in out
    assert "1 session where cost_records and total_cost disagree" in out
    assert all(len(line) <= 80 for line in out.splitlines()), out
    # `stats` is the same command.
    assert main(["stats", str(store), "--by", "week", "--tz", "UTC", "--json"]) == 0
    assert json.loads(capsys.readouterr()[0]) == report


def test_tools_table(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from session_factory import call, result

    write(
        store,
        session_dict(
            "tools",
            [
                call("a", "bash", {"command": "ls"}),
                result("a", "boom", True),
                call("b", "read", {"file_path": "x"}),
                result("b", "ok"),
            ],
        ),
    )
    report = usage(store, tools=True, tz="UTC")
    assert {t.tool: (t.calls, t.errors) for t in report.tools} == {"bash": (1, 1), "read": (1, 0)}


def test_html_report_is_one_self_contained_page(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "usage.html"
    assert main(["usage", str(store), "--tz", "UTC", "--html", str(page), "--quiet"]) == 0
    html = page.read_text()
    assert "<script" not in html and "http://" not in html.replace("http://www.w3", "")
    assert html.count("<svg") == 3 and "claude-sonnet-4" in html and "rec-2" in html
    assert (page.stat().st_mode & 0o077) == 0
    assert main(["usage", str(store), "--html", str(page)]) == 2  # exists: not replaced
    assert "already exists" in capsys.readouterr()[1]


def test_unreadable_files_are_reported(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (store / "broken.json").write_text("{")
    assert main(["usage", str(store), "--tz", "UTC"]) == 1
    out, err = capsys.readouterr()
    assert "1 file could not be read" in out and "broken.json" in err


def test_a_missing_folder_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["usage", str(tmp_path / "nowhere")]) == 2
    assert (
        capsys.readouterr().err
        == f"a3s-session: {tmp_path / 'nowhere'}: no such file or directory\n"
    )
