"""The demo's release site in headless Chromium: index, then an indicator's chart and table."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def test_demo_site_shows_chart_and_table(demo_run, serve_dir, chromium_launch) -> None:  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    base = serve_dir(demo_run.site)
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(**chromium_launch)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base)
            page.click("a[href='es/16.1.1.html']")
            page.wait_for_url("**/es/16.1.1.html")
            assert page.locator("#chart svg[role='img']").first.is_visible()
            rows = page.locator("#data-table tbody tr")
            # nation + 32 states, two years
            assert rows.count() == 66
            assert page.get_by_test_id("synthetic-banner").is_visible()
            page.goto(base + "en/3.6.1.html")
            assert page.locator("#chart svg[role='img']").first.is_visible()
            cdmx = page.locator("#data-table tbody tr").filter(has_text="Ciudad de México")
            assert cdmx.count() == 2
        finally:
            browser.close()
    assert errors == []
    assert any(u.endswith("/static/site.css") for u in requests)
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in requests)
