"""Docs that cannot drift: every ``python`` block of the README and docs/cli.md runs, and
every ``console`` block of both is run and its output compared, on the bundled samples.

``python`` blocks run one by one, each in a fresh namespace and a fresh, empty working
directory: a block sets up what it needs (``a3s_session.sample_store("store")``).

``console`` blocks run in a fresh directory each, prepared by ``prepare_workdir`` (the files
docs/cli.md lists): a block's ``$ command`` lines run in one bash process, and what follows
each, up to the next ``$`` line, must be exactly what it prints (stdout and stderr merged;
trailing spaces aside). ``python scripts/update_cli_docs.py`` rewrites the outputs from real
runs when the commands change.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CLI_DOCS = ROOT / "docs" / "cli.md"

sys.path.insert(0, str(ROOT / "scripts"))
from update_cli_docs import PAGES, console_blocks, prepare_workdir, run_block


def _python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, code) of each ```python block."""
    blocks = []
    for m in re.finditer(r"^```python\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
        blocks.append((text.count("\n", 0, m.start()) + 1, m.group(1)))
    return blocks


README_BLOCKS = [("README.md", n, code) for n, code in _python_blocks(README.read_text("utf-8"))]
README_BLOCKS += [
    ("docs/cli.md", n, code) for n, code in _python_blocks(CLI_DOCS.read_text("utf-8"))
]


def test_the_readme_has_python_blocks() -> None:
    assert len(README_BLOCKS) >= 5


@pytest.mark.parametrize(
    ("doc", "line", "code"), README_BLOCKS, ids=[f"{d}:{n}" for d, n, _ in README_BLOCKS]
)
def test_python_block_runs(
    doc: str, line: int, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "doc_block"}
    exec(compile(code, f"{doc}:{line}", "exec"), namespace)  # noqa: S102


CLI_BLOCKS = [
    (f"{page.relative_to(ROOT)}:{line}", steps)
    for page in PAGES
    for line, steps in console_blocks(page.read_text("utf-8"))
]


def test_the_cli_docs_have_console_blocks() -> None:
    assert len(CLI_BLOCKS) >= 8


@pytest.mark.parametrize(("where", "steps"), CLI_BLOCKS, ids=[w for w, _ in CLI_BLOCKS])
def test_console_block_output(where: str, steps: list[tuple[str, str]], tmp_path: Path) -> None:
    if shutil.which("a3s-session", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("the a3s-session command is not installed beside this interpreter")
    prepare_workdir(tmp_path)
    outputs = run_block([command for command, _ in steps], tmp_path)
    for (command, expected), got in zip(steps, outputs):
        assert got == expected, f"{where}: `$ {command}` printed:\n{got}"
    assert len(outputs) == len(steps)
