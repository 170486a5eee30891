"""Comparing two runs: shared prefix, first divergence, realignment, tool calls, files,
totals and errors; across generations; the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from a3s_session import read_session_file, v3, v9
from a3s_session.cli import main
from a3s_session.comparison import compare
from session_factory import call, result, session_dict, text, write


def _run(detour: bool, *, fail: bool = False) -> list[dict[str, Any]]:
    msgs = [
        text("user", "Make the tests pass"),
        call("a1", "read", {"file_path": "src/app.py"}, "Reading the app."),
        result("a1", "def main(): ..."),
    ]
    if detour:
        msgs += [
            call("b1", "bash", {"command": "pytest -x"}),
            result("b1", "FAILED tests/test_app.py::test_main", True),
            call("b2", "read", {"file_path": "tests/test_app.py"}),
            result("b2", "def test_main(): ..."),
        ]
    msgs += [
        call("c1", "edit", {"file_path": "src/app.py", "old_string": "...", "new_string": "0"}),
        result("c1", "Applied 1 edit.", fail),
        text("assistant", "Done."),
    ]
    return msgs


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    a = write(
        tmp_path / "a", session_dict("run-a", _run(False), total_cost=0.10, tokens=(1000, 100)), v3
    )
    b = write(
        tmp_path / "b", session_dict("run-b", _run(True), total_cost=0.25, tokens=(2600, 240)), v9
    )
    return a, b


def test_prefix_divergence_and_realignment(runs: tuple[Path, Path]) -> None:
    d = compare(*runs)
    assert d.shared_prefix == 3
    assert d.divergence is not None and d.divergence.index == 4
    assert d.divergence.reason == "tool calls"
    assert "edit src/app.py" in (d.divergence.a or "") and "bash pytest -x" in (
        d.divergence.b or ""
    )
    # The edit, its result and "Done." line up again after B's detour of four messages.
    assert (d.matched_after, d.only_a, d.only_b) == (3, 0, 4)
    assert [(s.op, s.call.split()[0]) for s in d.tool_steps] == [
        ("=", "read"),
        ("+", "bash"),
        ("+", "read"),
        ("=", "edit"),
    ]
    assert {(f.path, f.a, f.b) for f in d.files} == {
        ("src/app.py", "wrote", "wrote"),
        ("tests/test_app.py", None, "read"),
    }
    assert d.errors_a == () and d.errors_b == ("#5 bash: FAILED tests/test_app.py::test_main",)
    assert (d.a.generation, d.b.generation) == ("v3", "v9")
    assert (d.a.cost_usd, d.b.cost_usd, d.b.tool_errors) == (0.10, 0.25, 1)


def test_identical_runs_across_generations(tmp_path: Path) -> None:
    a = write(tmp_path / "a", session_dict("x", _run(True)), v3)
    b = write(tmp_path / "b", session_dict("y", _run(True)), v9)
    d = compare(a, b)
    assert d.identical and d.shared_prefix == 10 and d.divergence is None
    assert all(s.op == "=" for s in d.tool_steps)
    # Tool-call ids differ every run and are not compared.
    renamed = json.loads(json.dumps(_run(True)).replace('"b1"', '"toolu_9x"'))
    c = write(tmp_path / "c", session_dict("z", renamed), v9)
    assert "toolu_9x" in c.read_text()
    assert compare(read_session_file(a).session, read_session_file(c).session).identical


def test_one_run_ends_early(tmp_path: Path) -> None:
    a = write(tmp_path / "a", session_dict("x", _run(False)[:3]))
    b = write(tmp_path / "b", session_dict("y", _run(False)))
    d = compare(a, b)
    assert d.divergence is not None and d.divergence.reason == "ended" and d.divergence.a is None
    assert (d.only_a, d.only_b) == (0, 3)


def test_error_result_is_a_difference(tmp_path: Path) -> None:
    a = write(tmp_path / "a", session_dict("x", _run(False)))
    b = write(tmp_path / "b", session_dict("y", _run(False, fail=True)))
    d = compare(a, b)
    assert d.divergence is not None and d.divergence.reason == "tool results"
    assert d.divergence.index == 5 and d.errors_b == ("#5 edit: Applied 1 edit.",)


def test_cli_text_and_json(runs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    a, b = (str(p) for p in runs)
    assert main(["diff", a, b, "--color", "never"]) == 1
    out = capsys.readouterr()[0]
    assert "first divergence at message 4 (tool calls)" in out
    assert "shared prefix: 3 messages" in out and "+ bash pytest -x" in out
    assert "tests/test_app.py" in out and "tool errors in B" in out
    assert all(len(line) <= 80 for line in out.splitlines()), out
    assert main(["diff", a, b, "--json"]) == 1
    data = json.loads(capsys.readouterr()[0])
    assert data["shared_prefix"] == 3 and data["divergence"]["index"] == 4
    assert data["a"]["label"] == a and data["b"]["generation"] == "v9"
    assert main(["diff", a, a]) == 0
    assert "identical" in capsys.readouterr()[0]


def test_cli_diff_by_id(
    runs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", "run-a", "run-b", "--store", str(tmp_path / "a"), "--json"]) == 2
    assert "run-b" in capsys.readouterr()[1]
    assert main(["diff", "run-a", str(runs[1]), "--store", str(tmp_path / "a"), "--json"]) == 1
