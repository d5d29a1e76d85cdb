"""The rendered site in a real headless Chromium, served over loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sdmx_tools.release import Release, render_site

pytestmark = pytest.mark.browser

# Computed border and radius of an element, to tell which CSS rules reached it.
BOX = "e => { const s = getComputedStyle(e); return [s.borderTopStyle, s.borderRadius].join(' ') }"


def test_site_in_chromium(
    release: Release,
    tmp_path: Path,
    serve_dir: Callable[[Path], str],
    chromium_launch: dict[str, object],
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    render_site(release, tmp_path / "site")
    site_url = serve_dir(tmp_path / "site")
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(**chromium_launch)  # type: ignore[arg-type]
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda req: requests.append(req.url))
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            page.goto(site_url)
            assert page.locator("html").get_attribute("lang") == "es"
            assert page.get_by_test_id("synthetic-banner").is_visible()
            page.click("a[href='es/16.1.1.html']")
            page.wait_for_url("**/es/16.1.1.html")

            chart = page.locator("#chart svg[role='img']").first
            assert chart.is_visible()
            rows = page.locator("#data-table tbody tr")
            assert rows.count() == 12  # (nation + 5 states) x 2 periods
            bc_2022 = rows.filter(has_text="Baja California").filter(has_text="2022")
            assert bc_2022.locator("td.num").inner_text() == "31.5"
            tile = page.locator("#map svg .tile[data-code='02'] title")
            assert tile.text_content() == "Baja California: 31.5"
            assert page.get_by_test_id("headline-value").inner_text() == "23.4"

            # The source boxes are framed; the source cells of the tables are not.
            assert page.eval_on_selector("article.source", BOX) == "solid 6px"
            assert page.eval_on_selector("#data-table td.source", BOX) == "none 0px"

            # The optional script sorts by value; the withheld row stays last either way.
            header = page.locator("#data-table thead th button.sort", has_text="Valor")
            header.click()
            assert rows.first.locator("td.num").inner_text() == "8.5"
            assert rows.last.locator("td.num").inner_text() == "—"
            header.click()
            assert rows.first.locator("td.num").inner_text() == "31.5"
            assert rows.last.locator("td").first.inner_text() == "20"
            assert rows.last.locator("td.num").inner_text() == "—"

            page.click(".lang-switch a[hreflang='en']")
            page.wait_for_url("**/en/16.1.1.html")
            assert page.locator("html").get_attribute("lang") == "en"
        finally:
            browser.close()

    assert errors == []
    foreign = sorted({u for u in requests if urlsplit(u).hostname not in ("127.0.0.1", None)})
    assert foreign == [], f"requests left loopback: {foreign}"
    assert any(u.endswith("/static/site.css") for u in requests)
