"""The HTML page in a real browser: Debian's chromium, headless, driven by Playwright (the
browser is the system's; Playwright downloads nothing). `.ci/run` installs chromium; without
it these tests are skipped, except under CI, where a missing browser is a failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import a3s_session
from a3s_session import render
from a3s_session.transcript import Transcript
from test_render import rich_session

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it with apt-get)")
        pytest.skip("chromium is not installed")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def _open(browser: Any, page_file: Path, **options: Any) -> tuple[Any, list[str]]:
    page = browser.new_page(**options)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith(("file:", "data:")) else problems.append(f"request: {r.url}")
        ),
    )
    page.goto(page_file.as_uri())
    return page, problems


@pytest.mark.parametrize(
    ("viewport", "scheme"),
    [({"width": 390, "height": 844}, "dark"), ({"width": 1280, "height": 900}, "light")],
    ids=["phone-dark", "desktop-light"],
)
def test_the_page_shows_every_message_without_errors(
    browser: Any, tmp_path: Path, viewport: dict[str, int], scheme: str
) -> None:
    session = rich_session()
    page_file = tmp_path / "session.html"
    page_file.write_text(render(session, "html").text, encoding="utf-8")
    page, problems = _open(browser, page_file, viewport=viewport, color_scheme=scheme)
    t = Transcript.of(session)
    sections = page.locator("section.msg")
    assert sections.count() == len(t.entries)
    for i, e in enumerate(t.entries):
        section = sections.nth(i)
        assert section.is_visible()
        shown = section.inner_text()
        for word in e.text.split()[:3]:
            if word.isalnum():
                assert word in shown, (i, word)
    # Folded tool calls open, and show their input.
    page.locator("details.call summary").first.click()
    assert "fn parse_number" in page.locator("details.call").first.inner_text()
    # Nothing wider than the screen (a phone must not scroll sideways).
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert problems == []
    # The hostile text stayed text.
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    page.close()


def test_the_bundled_sample_renders_in_the_browser(browser: Any, tmp_path: Path) -> None:
    s = a3s_session.load_session(a3s_session.sample_session_file())
    page_file = tmp_path / "sample.html"
    page_file.write_text(render(s, "html").text, encoding="utf-8")
    page, problems = _open(browser, page_file, viewport={"width": 1100, "height": 900})
    assert page.title().startswith("refactor-parser")
    assert page.locator("section.msg").count() == len(s.messages)
    # The image of the tool result is shown from its data: URL.
    page.locator("details.result").nth(1).locator("summary").click()
    assert page.locator("details.result img").first.is_visible()
    assert problems == []
    page.close()


@pytest.mark.parametrize(
    ("viewport", "scheme"),
    [({"width": 390, "height": 844}, "dark"), ({"width": 1280, "height": 900}, "light")],
    ids=["phone-dark", "desktop-light"],
)
def test_the_usage_report_draws_its_charts_without_errors(
    browser: Any, tmp_path: Path, viewport: dict[str, int], scheme: str
) -> None:
    from a3s_session.accounting import usage
    from a3s_session.renderers.usage_html import usage_page
    from session_factory import DAY, MONDAY, record, session_dict, text, write

    root = tmp_path / "store"
    for i in range(12):
        model = ("claude-sonnet-4", "gpt-5", "gemini-3-pro")[i % 3]
        write(
            root,
            session_dict(
                f"s{i:02d}",
                [text("user", "hi"), text("assistant", "hello")],
                name=f"task {i}",
                records=[record(MONDAY + (i % 6) * DAY, 0.25 * (i + 1), model=model)],
                total_cost=0.25 * (i + 1),
            ),
        )
    report = usage(root, tz="UTC")
    page_file = tmp_path / "usage.html"
    page_file.write_text(usage_page(report, [str(root)]), encoding="utf-8")
    page, problems = _open(browser, page_file, viewport=viewport, color_scheme=scheme)
    for chart in ("#cost-chart", "#token-chart", "#top-sessions"):
        box = page.locator(f"{chart} svg").bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 50, chart
    # One bar segment per (day, model) with a cost; ten top sessions.
    assert page.locator("#cost-chart rect").count() == len({(i % 6, i % 3) for i in range(12)})
    assert page.locator("#top-sessions rect").count() == 10
    assert page.locator("#cost-chart .legend li").count() == 3
    assert "TOTAL" in page.locator("tfoot").inner_text()
    assert page.locator("script").count() == 0
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide
    assert problems == []
