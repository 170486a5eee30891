"""The examples run, and the README shows them as they are."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))


def _code(name: str) -> str:
    """An example's code after its docstring: what the README shows."""
    text = (ROOT / "examples" / name).read_text(encoding="utf-8")
    return text.split('"""', 2)[2].strip()


@pytest.mark.parametrize("name", ["asyncio_store.py", "fastapi_app.py"])
def test_the_readme_shows_the_example_verbatim(name: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _code(name) in readme, f"README's copy of examples/{name} is stale"


def test_the_asyncio_example_runs(tmp_path: Path) -> None:
    import asyncio_store

    ids = asyncio.run(asyncio_store.main(str(tmp_path)))
    assert ids == [f"agent-{i}" for i in range(9)]


def test_the_typed_tour_runs() -> None:
    import runpy

    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(ROOT / "examples" / "typed_usage.py"), run_name="__main__")
    assert done.value.code == 0
