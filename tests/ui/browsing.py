"""What the browser tests share: Chromium's launch, the page factory's loopback check, screenshots.

Importing this module skips the importing test module when Chromium or Playwright is missing.
The ``browser`` and ``open_page`` fixtures live in ``tests/ui/conftest.py``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
WAIT = 45_000  # ms; a liveness bound, not a timing: a first demo run imports torch cold on a loaded machine

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk to run the browser test",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
expect = sync_api.expect


def host(url: str) -> str:
    """Where a request went; data: and blob: URLs never leave the page (a blob's origin is the page's)."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return "data"
    if parts.scheme == "blob":
        return urlsplit(parts.path).hostname or "blob"
    return parts.hostname or url


def launch() -> Iterator[object]:
    """A headless Chromium for one module's tests."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def pages(browser: object, url: str) -> Iterator[Callable[..., object]]:
    """A factory of fresh pages on the app (``tab`` opened, ``height``, ``downloads``, ``script`` run
    before the page's own, ``prepare`` called with the page before it opens the app, to route requests);
    afterwards every
    request each page made must have stayed on loopback, and no page error or dialog may have occurred."""
    opened: list[tuple[object, set[str], list[str]]] = []

    def open_page(tab: str | None = None, height: int = 1000, downloads: bool = False, script: str = "",
                  prepare: Callable[[object], object] | None = None) -> object:
        page = browser.new_page(viewport={"width": 1360, "height": height}, locale="zh-CN",  # type: ignore[attr-defined]
                                accept_downloads=downloads)
        hosts: set[str] = set()
        errors: list[str] = []
        page.on("request", lambda request: hosts.add(host(request.url)))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: errors.append(f"a dialog opened: {dialog.message}"))  # injected alert() must not run
        if script:
            page.add_init_script(script)
        if prepare:
            prepare(page)
        page.goto(url)
        expect(page.locator("#kg-header")).to_contain_text("深度学习面试助手", timeout=WAIT)
        if tab:
            page.get_by_role("tab", name=tab).click()
        opened.append((page, hosts, errors))
        return page

    yield open_page
    for page, hosts, errors in opened:
        page.close()  # type: ignore[attr-defined]
        assert hosts and hosts <= LOOPBACK | {"data", "blob"}, f"requests left the machine: {hosts - LOOPBACK}"
        assert not errors, errors


def shot(page: object, name: str, *, full: bool = True) -> None:
    """Save a screenshot to tests/artifacts/. Chat steps use the viewport: a full-page capture resizes
    the page and re-renders the chat, which folds its source blocks again."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)  # type: ignore[attr-defined]
