"""Make docs/show-sample.png (the bundled sample's HTML page in headless Chromium, desktop
width, light mode) and docs/show-terminal.txt (`a3s-session show` of the same session in a
100x40 tmux pane, captured with its colours).

    python scripts/make_show_docs.py        # needs chromium, playwright and tmux
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import a3s_session

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def screenshot(
    page_file: Path,
    out: Path,
    *,
    width: int = 1000,
    prepare: Callable[[Any], None] | None = None,
) -> None:
    """A full-page screenshot of a local page in headless Chromium (light mode);
    ``prepare(page)`` runs first (to open folded parts, say)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme="light")
        page.goto(page_file.as_uri())
        if prepare is not None:
            prepare(page)
        page.screenshot(path=str(out), full_page=True)
        browser.close()


def _open_first_call(page: Any) -> None:
    """Open the first tool call and result, to show what folds."""
    page.locator("details.call summary").first.click()
    page.locator("details.result summary").first.click()


def tmux_capture(store: Path, out: Path) -> None:
    if shutil.which("tmux") is None:
        sys.exit("tmux is not installed")
    name = f"a3s-show-{os.getpid()}"
    cmd = (
        f"PAGER=cat {shlex.quote(sys.executable)} -m a3s_session show sess-7f3c2a9e "
        f"--store {shlex.quote(str(store))} --color always; sleep 30"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "100", "-y", "40", cmd], check=True
    )
    try:
        time.sleep(3)
        text = subprocess.run(
            ["tmux", "capture-pane", "-p", "-e", "-t", name],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], check=False)
    out.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = a3s_session.sample_store(Path(tmp) / "store")
        session = a3s_session.SessionDirectory(store).load("sess-7f3c2a9e")
        page_file = Path(tmp) / "sample.html"
        page_file.write_text(a3s_session.render(session, "html").text, encoding="utf-8")
        screenshot(page_file, DOCS / "show-sample.png", prepare=_open_first_call)
        tmux_capture(store, DOCS / "show-terminal.txt")
    print("wrote docs/show-sample.png and docs/show-terminal.txt")


if __name__ == "__main__":
    main()
