"""The rendered site in a real headless Chromium, served over loopback HTTP."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sdmx_tools.release import Release, render_site

SHOT = Path("/tmp/release_shot.png")

pytestmark = pytest.mark.browser


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site_url(release: Release, tmp_path: Path) -> Iterator[str]:
    site = tmp_path / "site"
    render_site(release, site)
    handler = functools.partial(_QuietHandler, directory=str(site))
    # Port 0: the OS picks a free port, so parallel runs cannot collide.
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_site_in_chromium(site_url: str, chromium_launch: dict[str, object]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
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
            assert page.locator("#map svg .tile").count() == 32
            assert page.get_by_test_id("headline-value").inner_text() == "23.4"

            # The optional script sorts by value, largest first on the second click.
            header = page.locator("#data-table thead th button.sort", has_text="Valor")
            header.click()
            header.click()
            assert rows.first.locator("td.num").inner_text() == "31.5"

            page.reload()
            page.screenshot(path=str(SHOT), full_page=True)

            page.click(".lang-switch a[hreflang='en']")
            page.wait_for_url("**/en/16.1.1.html")
            assert page.locator("html").get_attribute("lang") == "en"
        finally:
            browser.close()

    assert errors == []
    foreign = sorted({u for u in requests if urlsplit(u).hostname not in ("127.0.0.1", None)})
    assert foreign == [], f"requests left loopback: {foreign}"
    assert any(u.endswith("/static/site.css") for u in requests)
