"""Headless Chromium for the console: its screenshots, and the browser its tests drive.

Playwright (the dev extra) drives the system's Chromium (Debian's ``chromium`` package);
nothing is downloaded, and the browser fetches nothing but the console's own page.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("HAMSTRING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run"]
PANES = ("conversation", "speaking", "screen", "attributes", "json", "packs")
# A short visit: a symptom, a routine started, one step under way on an Echo Show.
VISIT = ("open hamstring coach", "my hamstrings are sore after my run",
         "start the foam roller release", "next")


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser, closed afterwards; a clear error when it is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise RuntimeError("screenshots need Playwright: pip install -e '.[dev]' "
                           "(it drives the system's Chromium; no browser download)") from error
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM}: apt-get install chromium "
                           "(or set HAMSTRING_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def say(page: Any, text: str) -> None:
    """Type ``text`` as a user would, press Enter and wait until its turn is shown."""
    page.fill("#say-text", text)
    page.press("#say-text", "Enter")
    settled(page)


def settled(page: Any) -> None:
    """Wait until the page has no request to the skill under way."""
    page.wait_for_selector("body[data-ready=true]:not([data-busy])", state="attached")


def screenshots(address: str, folder: Path) -> list[Path]:
    """One PNG per pane of the console at ``address``, mid-routine on an Echo Show."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1350})
        page.goto(address)
        page.wait_for_selector("body[data-ready=true]")
        page.select_option("#device", "echo-show")
        for text in VISIT:
            say(page, text)
        page.locator("#exchanges details").last.locator("summary").wait_for()
        page.locator("#pack-list details").first.evaluate("node => node.open = true")
        page.locator("#pack-list details.routine").first.evaluate("node => node.open = true")
        # let the first hold's countdown run for a moment
        page.wait_for_selector("#holds .hold.running")
        page.wait_for_timeout(3000)
        for pane in PANES:
            path = folder / f"console-{pane}.png"
            page.locator(f"#{pane}").screenshot(path=str(path))
            written.append(path)
        page.evaluate("window.scrollTo(0, 0)")
        path = folder / "console.png"
        page.screenshot(path=str(path), full_page=False)
        written.append(path)
    return written
