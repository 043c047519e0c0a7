"""The dashboard in a real headless Chromium (Debian's, driven by Playwright): sign in, upload the
sample encounter, watch it reach COMPLETE without a reload, download the PDF; with the socket
killed mid-run the page falls back to polling and still sees the end."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, async_playwright

from tests.e2e.road import start_road
from tests.integration.harness import Pipeline

CHROMIUM = "/usr/bin/chromium"
SAMPLE_BUNDLE = (
    Path(__file__).resolve().parents[2] / "clinrelay/samples/coding-encounter-bundle.json"
)
SCREENSHOTS = os.environ.get("CLINRELAY_SCREENSHOT_DIR")
"""Where the screenshots go (docs/ to refresh the ones in the docs); a scratch folder when unset."""
pytestmark = pytest.mark.slow


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    assert os.path.exists(CHROMIUM), "Debian's chromium is missing: run scripts/system-packages"
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh user-data-dir for every test
            executable_path=CHROMIUM,
            headless=True,
            accept_downloads=True,
            viewport={"width": 1280, "height": 900},
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield context
        finally:
            await context.close()


async def sign_in(page: Page, gateway: str, key: str) -> None:
    page.on("console", lambda m: print("console:", m.type, m.text))
    page.on("pageerror", lambda e: print("pageerror:", e))
    await page.goto(gateway)
    await page.fill("#api-key", key)
    await page.click("#sign-in-form button[type=submit]")
    await page.wait_for_selector("#app:not([hidden])")


async def upload_sample(page: Page, tmp_path: Path) -> str:
    sample = tmp_path / "encounter.json"
    sample.write_bytes(SAMPLE_BUNDLE.read_bytes())
    await page.set_input_files("#bundle-file", str(sample))
    row = page.locator("tr.report").first
    await row.wait_for()
    report_id = await row.get_attribute("data-report-id")
    assert report_id
    return report_id


async def test_upload_watch_live_and_download_the_pdf(
    pipeline: Pipeline, browser: BrowserContext, tmp_path: Path
) -> None:
    await start_road(pipeline)
    assert pipeline.gateway_url
    key = await pipeline.api_key("clinic")
    page = await browser.new_page()
    await sign_in(page, pipeline.gateway_url, key)
    await page.wait_for_selector("#connection[data-mode=live]", timeout=15_000)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    report_id = await upload_sample(page, tmp_path)
    row = page.locator(f"tr[data-report-id='{report_id}']")
    await page.wait_for_selector(
        f"tr[data-report-id='{report_id}'][data-status=PROCESSING]", timeout=60_000
    )
    await page.screenshot(path=str(Path(SCREENSHOTS or tmp_path) / "dashboard-running.png"))
    await page.wait_for_selector(
        f"tr[data-report-id='{report_id}'][data-status=COMPLETE]", timeout=240_000
    )
    assert navigations == []  # no reload: the socket brought every change
    assert await page.evaluate("window.clinrelay.mode") == "live"
    toasts = await page.locator(".toast").all_inner_texts()
    assert any("is ready" in t for t in toasts), toasts
    assert await row.locator(".steps span.done").count() == 4

    async with page.expect_download() as download_info:
        await row.locator("button.pdf").click()
    download = await download_info.value
    saved = tmp_path / "report.pdf"
    await download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert download.suggested_filename == f"clinrelay-coding-{report_id}.pdf"

    await row.locator("button.trail").click()
    await page.wait_for_selector("#audit:not([hidden])")
    assert await page.inner_text("#audit-verdict") == "chain verified"
    await page.screenshot(path=str(Path(SCREENSHOTS or tmp_path) / "dashboard.png"), full_page=True)


async def test_with_the_socket_killed_mid_run_the_page_polls_to_the_end(
    pipeline: Pipeline, browser: BrowserContext, tmp_path: Path
) -> None:
    await start_road(pipeline)
    assert pipeline.gateway_url
    key = await pipeline.api_key("clinic")
    page = await browser.new_page()
    await sign_in(page, pipeline.gateway_url, key)
    await page.wait_for_selector("#connection[data-mode=live]", timeout=15_000)

    report_id = await upload_sample(page, tmp_path)
    await page.wait_for_selector(
        f"tr[data-report-id='{report_id}'][data-status=PROCESSING]", timeout=60_000
    )
    await pipeline.notifier.stop()  # every socket closed, and nothing listens any more
    await page.wait_for_selector("#connection[data-mode=polling]", timeout=10_000)
    await page.wait_for_selector(
        f"tr[data-report-id='{report_id}'][data-status=COMPLETE]", timeout=240_000
    )
    assert await page.evaluate("window.clinrelay.mode") == "polling"
