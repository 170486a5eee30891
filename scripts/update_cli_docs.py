"""Run every ``console`` block of docs/cli.md and the README and write what each command
really prints under it (``--check``: only say whether they are current). tests/test_docs.py
runs the same blocks and compares, so the pages cannot drift from the program.

Each block runs in a fresh working directory prepared by :func:`prepare_workdir`: the
bundled 9.1.3 sample store as ``store/``, the 3.0.0 sample file as ``sample.json``, a
3.0.0 store ``legacy/`` holding the sample, a truncated copy ``broken.json`` and
``rejected.json`` (the sample with a ``tenant_id`` 9.1.3 rejects). A block's
commands run in one bash process with colour off and an 80-column terminal width; stdout and
stderr are merged.

    python scripts/update_cli_docs.py [--check]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI_DOCS = ROOT / "docs" / "cli.md"
#: The pages whose console blocks are run (and rewritten).
PAGES = (CLI_DOCS, ROOT / "README.md")

_BLOCK = re.compile(r"^```console\n(.*?)^```", re.DOTALL | re.MULTILINE)


def console_blocks(text: str) -> list[tuple[int, list[tuple[str, str]]]]:
    """(line number, [(command, expected output)]) of each console block."""
    blocks = []
    for m in _BLOCK.finditer(text):
        steps: list[tuple[str, str]] = []
        for line in m.group(1).splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], ""))
            elif steps:
                command, out = steps[-1]
                steps[-1] = (command, out + line.rstrip() + "\n")
        blocks.append((text.count("\n", 0, m.start()) + 1, steps))
    return blocks


def prepare_workdir(where: Path) -> None:
    """The files the documented commands run on (see the module docs)."""
    import shutil

    import a3s_session
    from a3s_session import v3

    a3s_session.sample_store(where / "store")
    sample = a3s_session.sample_session_file("v3")
    shutil.copyfile(sample, where / "sample.json")
    text = sample.read_text("utf-8")
    (where / "broken.json").write_text(text[: len(text) // 2], "utf-8")
    import json

    rejected = json.loads(text)
    rejected["tenant_id"] = 5  # a 9.x field with a value 9.1.3 rejects
    (where / "rejected.json").write_text(
        json.dumps(rejected, indent=2, ensure_ascii=False), "utf-8"
    )
    legacy = v3.FileSessionStore(where / "legacy")
    legacy.save(v3.SessionData.from_json(text))


_STEP = "@@a3s-docs-step@@"


def _env(cwd: Path) -> dict[str, str]:
    env = dict(os.environ, NO_COLOR="1", COLUMNS="80", LC_ALL="C.UTF-8", PYTHONWARNINGS="ignore")
    # The search index goes to the run's own cache; days are cut in UTC.
    env.update(XDG_CACHE_HOME=str(cwd / ".cache"), TZ="UTC")
    env.pop("A3S_SESSION_INDEX", None)
    env.pop("A3S_SESSION_STORE", None)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def run_block(commands: list[str], cwd: Path) -> list[str]:
    """Run a block's commands in one bash process (so ``echo $?`` sees the command before
    it); what each printed, stdout and stderr merged, with the paths of the run shortened."""
    script = "".join(
        f"__a3s_status=$?; printf '\\n{_STEP}\\n'; (exit $__a3s_status); {command}\n"
        for command in commands
    )
    run = subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=_env(cwd),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        check=False,
    )
    import a3s_session

    package = str(Path(a3s_session.__file__).resolve().parent)
    text = run.stdout.replace(str(cwd), ".").replace(package, "/…/a3s_session")
    outputs = text.split(f"\n{_STEP}\n")[1:]
    return ["".join(line.rstrip() + "\n" for line in out.splitlines()) for out in outputs]


def rewrite(text: str) -> str:
    """``text`` with every console block's outputs replaced by real ones."""
    pieces = []
    last = 0
    for m in _BLOCK.finditer(text):
        pieces.append(text[last : m.start()])
        commands = [line[2:] for line in m.group(1).splitlines() if line.startswith("$ ")]
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            prepare_workdir(work)
            outputs = run_block(commands, work)
        body = "".join(f"$ {c}\n{out}" for c, out in zip(commands, outputs))
        pieces.append("```console\n" + body + "```")
        last = m.end()
    pieces.append(text[last:])
    return "".join(pieces)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    args = parser.parse_args()
    stale = []
    for page in PAGES:
        text = page.read_text("utf-8")
        new = rewrite(text)
        if new != text:
            stale.append(page.relative_to(ROOT))
            if not args.check:
                page.write_text(new, "utf-8")
    if args.check and stale:
        print(f"stale: {', '.join(map(str, stale))}: run python scripts/update_cli_docs.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
