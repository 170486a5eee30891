"""The Arrow scan: every field of every row equals a per-file read through the session
classes, on a corpus of both layouts, both generations, mixed sizes and broken files; the
Arrow PyCapsule interface with pyarrow, polars and DuckDB; every kind of source; the
distributed function on a real Dask cluster; and the CLI commands built on the scan."""

from __future__ import annotations

import io
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import a3s_session_v9
import pytest

import a3s_session as a3s
from a3s_session import cli
from a3s_session.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scan_corpus
from scan_reference import normalize_scan, reference, rows_of, walk


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scan-corpus")
    scan_corpus.build(root, files=240, seed=5, max_size=120_000, per_shape=6)
    return root


@pytest.fixture(scope="session")
def expected(corpus: Path) -> dict[str, list[dict[str, Any]]]:
    return reference(walk(corpus))


def scanned(tables: a3s.ScanTables) -> dict[str, list[dict[str, Any]]]:
    return {name: normalize_scan(tables[name].to_pylist()) for name in a3s.TABLES}


def assert_tables_equal(
    got: dict[str, list[dict[str, Any]]], want: dict[str, list[dict[str, Any]]]
) -> None:
    for name in a3s.TABLES:
        assert len(got[name]) == len(want[name]), name
        for i, (g, w) in enumerate(zip(got[name], want[name])):
            assert g == w, f"{name} row {i}: " + ", ".join(
                f"{k}: {g.get(k)!r} != {w.get(k)!r}" for k in w if g.get(k) != w.get(k)
            )


# ---------------------------------------------------------------------------------------------
# Contents: the scan equals per-file reads
# ---------------------------------------------------------------------------------------------
def test_corpus_has_every_kind_of_file(
    corpus: Path, expected: dict[str, list[dict[str, Any]]]
) -> None:
    sessions = expected["sessions"]
    assert {(s["layout"], s["generation"]) for s in sessions} == {
        ("legacy", "v3"),
        ("legacy", "v9"),
        ("v1", "v9"),
    }
    assert any("/team-b/" in s["path"] for s in sessions)  # the nested store is walked
    assert len(expected["errors"]) == len(scan_corpus.BROKEN)
    kinds = {b["type"] for b in expected["blocks"]}
    assert kinds == {"text", "image", "tool_use", "tool_result"}
    assert expected["cost_records"] and expected["tasks"]


@pytest.mark.parametrize("threads,batch_rows", [(1, a3s.DEFAULT_BATCH_ROWS), (2, 97), (3, 1)])
def test_every_field_of_every_row_equals_per_file_reads(
    corpus: Path, expected: dict[str, list[dict[str, Any]]], threads: int, batch_rows: int
) -> None:
    got = a3s.scan(corpus, threads=threads, batch_rows=batch_rows).collect()
    assert_tables_equal(scanned(got), expected)


def test_unknown_field_counts_equal_per_file_reads(corpus: Path) -> None:
    want = reference(walk(corpus), count_unknown=True)["sessions"]
    got = a3s.scan(corpus, threads=2, count_unknown=True).sessions.collect().to_pylist()
    assert [(r["path"], r["unknown_field_count"]) for r in got] == [
        (r["path"], r["unknown_field_count"]) for r in want
    ]
    assert all(isinstance(r["unknown_field_count"], int) for r in got)  # every one counted


def test_each_table_streams_on_its_own(
    corpus: Path, expected: dict[str, list[dict[str, Any]]]
) -> None:
    s = a3s.scan(corpus, threads=2, batch_rows=50)
    for name in a3s.TABLES:
        assert normalize_scan(getattr(s, name).collect().to_pylist()) == expected[name], name


def test_batches_hold_whole_inputs(corpus: Path) -> None:
    seen: list[int] = []
    batches = a3s.scan(corpus, threads=2, batch_rows=200).batches()
    paths = walk(corpus)
    assert batches.total == (len(paths), sum(p.stat().st_size for p in paths))
    for batch in batches:
        sessions = set(batch.sessions.column("source_index")) | set(
            batch.errors.column("source_index")
        )
        for name in ("messages", "blocks", "cost_records", "tasks"):
            assert set(batch[name].column("source_index")) <= sessions, name
        seen.extend(sorted(sessions))
    assert seen == list(range(len(walk(corpus))))


def test_broken_files_are_error_rows(corpus: Path) -> None:
    errors = a3s.scan(corpus).errors.collect().to_pylist()
    by_name = {Path(e["path"]).name: e for e in errors}
    assert set(by_name) == {name for name, _ in scan_corpus.BROKEN}
    wrong = by_name["wrong-type.json"]
    assert wrong["field_path"] == "created_at" and wrong["line"] and wrong["column"]
    # 3.0.0 rejects it, so today's crate judges it (and rejects it the same way).
    assert wrong["generation"] == "v9" and "invalid type" in wrong["message"]
    assert by_name["sealed.json"]["message"].startswith("encrypted snapshot")
    assert by_name["truncated.json"]["message"].startswith("EOF while parsing")
    assert by_name["not-utf8.json"]["message"].startswith("invalid UTF-8")
    assert "missing field" in by_name["not-a-session.json"]["message"]


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------
def test_sources_paths_files_and_generators(
    corpus: Path, expected: dict[str, list[dict[str, Any]]]
) -> None:
    paths = walk(corpus)
    assert scanned(a3s.scan(paths).collect()) == expected
    assert scanned(a3s.scan([str(p) for p in paths]).collect()) == expected
    assert scanned(a3s.scan(iter(paths)).collect()) == expected  # paths: listed up front
    one = a3s.scan(paths[3]).sessions.collect().to_pylist()
    assert [r["path"] for r in one] == [str(paths[3])]


def _without(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in keys} for r in rows]


def test_contents_as_bytes_pairs_and_arrow_columns(corpus: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    paths = walk(corpus)
    datas = [p.read_bytes() for p in paths]
    names = [str(p) for p in paths]
    want = scanned(a3s.scan(paths).collect())
    assert scanned(a3s.scan_contents(datas, names)) == want
    assert scanned(a3s.scan_contents(list(zip(names, datas)))) == want
    assert scanned(a3s.scan_contents(pa.array(datas, pa.binary()), names)) == want
    assert scanned(a3s.scan_contents(pa.array(datas, pa.large_binary()), names)) == want
    chunked = pa.chunked_array([datas[:50], datas[50:]], pa.binary())
    assert scanned(a3s.scan_contents(chunked, names)) == want
    # Nameless bytes: everything but the path column (and in_v1 routing, which only
    # matters for bare documents there) is the same.
    nameless = scanned(a3s.scan_contents(datas, threads=2))
    assert _without(nameless["sessions"], "path") == _without(want["sessions"], "path")
    assert all(r["path"] is None for r in nameless["sessions"])
    # A null in the column is an error row, not a crash.
    nulls = a3s.scan_contents(pa.array([cli.sample_path().read_bytes(), None], pa.binary()))
    assert len(nulls.sessions) == 1 and nulls.errors.to_pylist()[0]["message"].startswith(
        "no content"
    )


def test_tables_and_passes_describe_themselves(corpus: Path) -> None:
    paths = walk(corpus)[:30]
    run = a3s._native.scan_pass(
        tables=["sessions", "errors"],
        threads=1,
        batch_rows=7,
        primary=a3s._native._scan_reader,
        newer=a3s_session_v9._native._scan_reader,
        paths=paths,
    )
    size = sum(p.stat().st_size for p in paths)
    assert run.total == (30, size) and run.done == (0, 0)
    parts = list(run)
    assert run.done == (30, size)
    assert set(parts[0]) == {"sessions", "errors"}
    joined = a3s.ArrowTable.join("sessions", [p["sessions"] for p in parts])
    assert joined.name == "sessions" and joined.num_batches == len(parts)
    assert joined.column_names == [c for c, _, _, _ in a3s.scan(paths).sessions.columns]
    assert repr(a3s.ArrowTable.empty("tasks")) == "ArrowTable(tasks: 0 rows)"


def test_is_envelope_is_the_key_test(corpus: Path) -> None:
    for p in walk(corpus):
        data = p.read_bytes()
        keys = a3s._native.top_level_keys(data)
        want = keys is not None and ("session" in keys or "schema_version" in keys)
        assert a3s._native.is_envelope(data) is want, p
    assert a3s._native.is_envelope('{"id": "x", "session": 1}')
    assert not a3s._native.is_envelope('{"id": "session"}')
    assert not a3s._native.is_envelope(b'{"session": \xff}')


def test_a_one_shot_iterator_is_read_once_and_kept(corpus: Path) -> None:
    paths = walk(corpus)[:40]
    reads = 0

    def gen() -> Iterator[bytes]:
        nonlocal reads
        reads += 1
        for p in paths:
            yield p.read_bytes()

    s = a3s.scan(gen())
    assert s.total is None
    sessions = s.sessions.collect()
    assert len(sessions) + len(s.errors.collect()) == len(paths)
    assert s.sessions.collect().to_pylist() == sessions.to_pylist()  # kept, not re-read
    assert reads == 1
    want = scanned(a3s.scan_contents([p.read_bytes() for p in paths]))
    assert scanned(s.collect()) == want


def test_bad_sources_and_arguments(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        a3s.scan(tmp_path / "missing").sessions.collect()
    with pytest.raises(TypeError, match="pass \\[data\\]"):
        a3s.scan(b"{}")
    with pytest.raises(TypeError, match="must be bytes"):
        a3s.scan_contents([1, 2])
    with pytest.raises(ValueError, match="no scan table"):
        a3s.scan_contents([], tables=["nope"])
    with pytest.raises(ValueError, match="at least 1"):
        a3s.scan(tmp_path, threads=0)

    def boom() -> Iterator[bytes]:
        yield b"{}"
        raise RuntimeError("source failed")

    with pytest.raises(RuntimeError, match="source failed"):
        a3s.scan(boom()).collect()
    assert len(a3s.scan([]).sessions.collect()) == 0


# ---------------------------------------------------------------------------------------------
# The Arrow PyCapsule interface
# ---------------------------------------------------------------------------------------------
def test_pyarrow_reads_streams_and_schemas(
    corpus: Path, expected: dict[str, list[dict[str, Any]]]
) -> None:
    pa = pytest.importorskip("pyarrow")
    s = a3s.scan(corpus, batch_rows=64)
    t = pa.table(s.sessions)
    assert t.num_rows == len(expected["sessions"])
    assert t.schema.field("created_at").type == pa.timestamp("s", tz="UTC")
    assert t.schema.field("context_percent").type == pa.float32()
    assert t.schema.field("id").nullable is False
    assert pa.schema(s.blocks).field("tool_input").type == pa.string()
    assert pa.table(s.tasks).schema.field("dependencies").type == pa.list_(
        pa.field("item", pa.string(), False)
    )
    costs = pa.table(s.cost_records)
    assert costs.schema.field("timestamp").type == pa.timestamp("us", tz="UTC")
    assert costs.column("timestamp").to_pylist() == [
        r["timestamp"] for r in expected["cost_records"]
    ]
    reader = pa.RecordBatchReader.from_stream(s.blocks)
    sizes = [b.num_rows for b in reader]
    assert max(sizes) <= 64 and sum(sizes) == len(expected["blocks"])
    for name in a3s.TABLES:  # the documented columns are the Arrow schema
        schema = pa.schema(getattr(s, name))
        assert [(f.name, f.nullable) for f in schema] == [
            (c, nullable) for c, _, nullable, _ in getattr(s, name).columns
        ]
    # A materialized table, again and again (each stream is a new export).
    blocks = s.blocks.collect()
    assert pa.table(blocks).num_rows == pa.table(blocks).num_rows == len(blocks)


def test_polars_pandas_and_duckdb_take_the_tables(
    corpus: Path, expected: dict[str, list[dict[str, Any]]]
) -> None:
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    pytest.importorskip("pandas")
    s = a3s.scan(corpus)
    df = pl.DataFrame(s.sessions)
    assert df.height == len(expected["sessions"])
    assert df["total_cost"].sum() == pytest.approx(
        sum(r["total_cost"] for r in expected["sessions"])
    )
    assert s.messages.to_polars().height == len(expected["messages"])
    assert len(s.tasks.to_pandas()) == len(expected["tasks"])
    sessions = s.sessions.collect()  # noqa: F841 (DuckDB finds the table by its variable name)
    ((n, cost),) = duckdb.sql("select count(*), sum(total_cost) from sessions").fetchall()
    assert n == len(expected["sessions"])
    assert cost == pytest.approx(sum(r["total_cost"] for r in expected["sessions"]))


def test_scan_releases_the_interpreter(corpus: Path) -> None:
    ticks = 0
    stop = threading.Event()

    def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.0005)

    t = threading.Thread(target=ticker)
    t.start()
    start = time.perf_counter()
    for _ in range(3):
        a3s.scan(corpus, threads=1).collect()
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    # Held for the whole scan, the ticker would tick a handful of times; released, it keeps
    # ticking at a fair fraction of its free-running rate (~2000/s).
    assert ticks > 50 * elapsed, (ticks, elapsed)


# ---------------------------------------------------------------------------------------------
# A real cluster: Dask, two worker processes
# ---------------------------------------------------------------------------------------------
def test_dask_cluster_equals_the_single_machine_scan(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    db = pytest.importorskip("dask.bag")
    pa = pytest.importorskip("pyarrow")
    root = tmp_path_factory.mktemp("dask-corpus")
    scan_corpus.build(root, files=1000, seed=9, max_size=20_000, per_shape=4)
    paths = [str(p) for p in walk(root)]
    assert len(paths) >= 1000

    def read_partition(part: list[str]) -> list[Any]:
        import a3s_session

        contents = []
        for p in part:
            with open(p, "rb") as f:
                contents.append(f.read())
        tables = a3s_session.scan_contents(contents, part)
        return [{name: tables[name].to_pyarrow() for name in a3s_session.TABLES}]

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        parts = db.from_sequence(paths, npartitions=8).map_partitions(read_partition).compute()
    assert len(parts) >= 4  # dask may split 1,006 items into 8 or 9 partitions
    single = a3s.scan(root).collect()
    for name in a3s.TABLES:
        cluster_rows = pa.concat_tables([p[name] for p in parts]).drop(["source_index"])
        local_rows = pa.table(single[name]).drop(["source_index"])
        assert cluster_rows.num_rows == local_rows.num_rows, name
        assert cluster_rows.to_pylist() == local_rows.to_pylist(), name


def test_ray_data_equals_the_single_machine_scan(tmp_path_factory: pytest.TempPathFactory) -> None:
    ray = pytest.importorskip("ray", reason="ray is not installed (not in the test extras)")
    pa = pytest.importorskip("pyarrow")
    root = tmp_path_factory.mktemp("ray-corpus")
    scan_corpus.build(root, files=1000, seed=13, max_size=20_000, per_shape=4)

    def sessions_of(batch: Any) -> Any:
        import a3s_session

        tables = a3s_session.scan_contents(batch["bytes"], batch["path"].to_pylist())
        return tables.sessions.to_pyarrow()

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        ds = ray.data.read_binary_files([str(p) for p in walk(root)], include_paths=True)
        got = pa.concat_tables(
            ray.get(ref)
            for ref in ds.map_batches(sessions_of, batch_format="pyarrow").to_arrow_refs()
        )
    finally:
        ray.shutdown()
    want = pa.table(a3s.scan(root).sessions)
    # Ray may spell paths its own way: compare everything else, by session id.
    got = got.drop(["source_index", "path"]).sort_by("id")
    want = want.drop(["source_index", "path"]).sort_by("id")
    assert got.num_rows == want.num_rows >= 990
    assert got.to_pylist() == want.to_pylist()


# ---------------------------------------------------------------------------------------------
# CLI: usage and export --format parquet
# ---------------------------------------------------------------------------------------------
class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_usage_json_agrees_with_the_tables(
    corpus: Path, expected: dict[str, list[dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["usage", str(corpus), "--json", "--tz", "UTC", "--tools"]
    assert main(argv) == 1  # broken files
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["sessions"] == len(expected["sessions"])
    assert report["unreadable_files"] == len(scan_corpus.BROKEN)
    assert err.count("a3s-session: ") == len(scan_corpus.BROKEN)
    costs = expected["cost_records"]
    with_records = {r["session_id"] for r in costs}
    assert report["totals"]["calls"] == len(costs)
    assert report["totals"]["cost_from_cost_records_usd"] == pytest.approx(
        sum(r["cost_usd"] or 0 for r in costs), rel=1e-6
    )
    assert report["totals"]["cost_from_total_cost_usd"] == pytest.approx(
        sum(s["total_cost"] for s in expected["sessions"] if s["id"] not in with_records),
        rel=1e-6,
    )
    assert sum(r["cost_usd"] for r in report["rows"]) == pytest.approx(
        report["totals"]["cost_usd"], rel=1e-6
    )
    calls = sum(r["type"] == "tool_use" for r in expected["blocks"])
    errors = sum(r["type"] == "tool_result" and r["is_error"] is True for r in expected["blocks"])
    assert sum(t["calls"] for t in report["tools"]) == calls
    assert sum(t["errors"] for t in report["tools"]) == errors
    # One source for every session: the sums of that column.
    assert main([*argv, "--cost-source", "total_cost"]) == 1
    totals = json.loads(capsys.readouterr()[0])["totals"]
    assert totals["cost_usd"] == pytest.approx(
        sum(s["total_cost"] for s in expected["sessions"]), rel=1e-6
    )


def test_usage_table_and_progress(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = FakeTTY(), FakeTTY()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["usage", str(corpus), "--by", "month", "--group", "model"]) == 1
    text = out.getvalue()
    assert "Usage by month" in text and "claude-opus-4" in text and "TOTAL" in text
    assert "scanning [" in err.getvalue() and "MB/s" in err.getvalue() and "ETA" in err.getvalue()
    # Piped: no bar.
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    assert main(["usage", str(corpus)]) == 1
    assert "scanning [" not in piped.getvalue()


def test_export_parquet(
    corpus: Path,
    tmp_path: Path,
    expected: dict[str, list[dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "tables"
    assert main(["export", str(corpus), "--format", "parquet", "-o", str(out)]) == 1
    _, err = capsys.readouterr()
    assert f"wrote 6 Parquet files to {out}" in err and "errors.parquet" in err
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.parquet" for n in a3s.TABLES)
    for name in a3s.TABLES:
        assert (out / f"{name}.parquet").stat().st_mode & 0o777 == 0o600
        rows = pq.read_table(out / f"{name}.parquet").to_pylist()
        assert len(rows) == len(expected[name]), name
    sessions = pq.read_table(out / "sessions.parquet").to_pylist()
    assert [r["id"] for r in sessions] == [r["id"] for r in expected["sessions"]]
    # Never overwritten without --force; no temp files left behind.
    assert main(["export", str(corpus), "--format", "parquet", "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["export", str(corpus), "--format", "parquet", "-o", str(out), "--force"]) == 1
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert main(["export", str(corpus), "--format", "parquet"]) == 2
    assert "needs -o OUTDIR" in capsys.readouterr().err


def test_export_parquet_without_pyarrow_says_what_to_install(
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import importlib

    real = importlib.import_module

    def no_pyarrow(name: str) -> Any:
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real(name)

    monkeypatch.setattr(importlib, "import_module", no_pyarrow)
    assert main(["export", str(corpus), "--format", "parquet", "-o", str(tmp_path / "t")]) == 2
    assert "needs pyarrow (pip install pyarrow" in capsys.readouterr().err
    assert not (tmp_path / "t").exists()


def test_reference_rows_cover_one_input() -> None:
    sample = cli.sample_path().read_bytes()
    rows = rows_of(0, None, sample)
    got = scanned(a3s.scan_contents([sample]))
    assert normalize_scan([dict(r) for r in got["sessions"]]) == rows["sessions"]


def test_docs_scan_md_is_the_schema() -> None:
    import subprocess

    script = Path(__file__).resolve().parent.parent / "scripts" / "gen_scan_docs.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], check=False, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
