"""Real-browser tests: Playwright driving Debian's chromium, headless (flags from DESIGN.md §5)."""

import os
import shutil
import tempfile

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_context_factory():
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself (creating users) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is required for the browser test: apt-get install chromium")
    with sync_playwright() as playwright:
        contexts = []

        def factory(width=1280, height=900):
            context = playwright.chromium.launch_persistent_context(
                tempfile.mkdtemp(prefix="xianfeng-chromium-"),
                executable_path=CHROMIUM,
                args=FLAGS,
                headless=True,
                viewport={"width": width, "height": height},
                locale="zh-CN",
            )
            contexts.append(context)
            return context

        factory.contexts = contexts
        yield factory
        for context in contexts:
            context.close()


@pytest.fixture(autouse=True)
def _close_the_test_s_browsers(transactional_db, browser_context_factory):
    """Close the browsers a test opened when it ends, before its database is emptied: a page left
    open keeps running (the offline app checks its device every minute and retries its outbox),
    and its requests would reach the next test's server between two tests' databases."""
    opened = len(browser_context_factory.contexts)
    yield
    for context in browser_context_factory.contexts[opened:]:
        context.close()
    del browser_context_factory.contexts[opened:]
