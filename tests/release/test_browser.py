"""A hand-built release in headless Chromium: hostile text, a disaggregation, file:// and a
sub-path."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

from sdmx_tools.release import Release, render_site
from sdmx_tools.release.model import Dimension
from tests.conftest import axe_violations
from tests.release.conftest import XSS

pytestmark = pytest.mark.browser

SEX = Dimension("SEX", {"es": "Sexo", "en": "Sex"},
                {"_T": {"es": "Total", "en": "Total"}, "F": {"es": "Mujeres", "en": "Women"},
                 "M": {"es": "Hombres", "en": "Men"}})
SHARE = {"_T": 1.0, "F": 0.25, "M": 0.75}


def _by_sex(release: Release) -> Release:
    """16.1.1 split by sex: each total's value times 0.25 (women) and 0.75 (men)."""
    homicides = release.indicators[0]
    parts = []
    for code, share in SHARE.items():
        part = homicides.observations.copy()
        part["SEX"] = code
        part["OBS_VALUE"] = part["OBS_VALUE"] * share
        parts.append(part)
    split = dataclasses.replace(homicides, observations=pd.concat(parts, ignore_index=True),
                                dimensions=[SEX])
    return dataclasses.replace(release, indicators=[split, *release.indicators[1:]])


def _time_table(page) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    rows = page.get_by_test_id("table-time-rows").locator("tbody tr")
    out = {}
    for i in range(rows.count()):
        value = rows.nth(i).locator("td.num").get_attribute("data-value")
        out[rows.nth(i).get_attribute("data-period")] = None if value is None else float(value)
    return out


def _expected(release: Release, area: str, sex: str) -> dict[str, float | None]:
    obs = release.indicators[0].observations
    rows = obs[(obs["REF_AREA"] == area) & (obs["SEX"] == sex)]
    return {p: None if pd.isna(v) else round(float(v), 1)
            for p, v in zip(rows["TIME_PERIOD"], rows["OBS_VALUE"], strict=True)}


def test_selectors_hostile_text_and_file_urls(
    release: Release,
    tmp_path: Path,
    serve_dir: Callable[[Path], str],
    chromium_launch: dict[str, object],
    axe_script: Path,
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    split = _by_sex(release)
    # A crowdsourced title with no place to break must not widen a phone's page.
    split.sources[0].title += " " + "Fiscalía" * 40
    # Served under a sub-path: the site must not assume it sits at the server's root.
    render_site(split, tmp_path / "deep" / "site")
    base = serve_dir(tmp_path) + "deep/site/"
    requests: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(**chromium_launch)  # type: ignore[arg-type]
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda req: requests.append(req.url))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(base + "es/16.1.1.html")
            page.wait_for_selector("#explorer[data-ready='true']")
            # Hostile source and area names are shown as text, never run.
            assert XSS in page.locator("article.source h3").first.inner_text()
            page.click("#tab-table")
            assert _time_table(page) == _expected(split, "00", "_T")
            page.select_option("#sel-dim-SEX", "F")
            assert _time_table(page) == _expected(split, "00", "F")
            page.select_option("#sel-area", "02")
            assert _time_table(page) == _expected(split, "02", "F")
            assert "Mujeres" in page.get_by_test_id("selection").inner_text()
            page.select_option("#sel-area", "14")  # Jalisco, with a hostile name
            assert XSS in page.get_by_test_id("selection").inner_text()
            assert page.locator("#chart-time").inner_text().count(XSS) >= 1
            assert axe_violations(page, axe_script) == []
            page.click(".lang-switch a[hreflang='en']")
            page.wait_for_selector("#explorer[data-ready='true']")
            assert page.locator("#sel-dim-SEX").input_value() == "F"
            assert page.locator("#sel-area").input_value() == "14"
            assert "Women" in page.get_by_test_id("selection").inner_text()

            phone = browser.new_page(viewport={"width": 390, "height": 844})
            for path in ("es/index.html", "es/goal-16.html", "es/16.1.1.html", "en/6.1.1.html"):
                phone.goto(base + path)
                width = phone.evaluate("() => document.documentElement.scrollWidth")
                assert width <= 390, f"{path} is {width} px wide at 390 px"

            # From file://, with no server at all: the data scripts still load.
            local = browser.new_page()
            local.on("pageerror", lambda exc: errors.append(str(exc)))
            local.goto((tmp_path / "deep" / "site" / "en" / "16.1.1.html").as_uri())
            local.wait_for_selector("#explorer[data-ready='true']")
            local.click("#tab-map")
            local.wait_for_selector("#map-box svg[data-level='state']")
            assert local.locator("#map-box path.area-shape").count() == 32
        finally:
            browser.close()

    assert errors == [] and dialogs == []
    foreign = sorted({u for u in requests if urlsplit(u).hostname not in ("127.0.0.1", None)})
    assert foreign == [], f"requests left loopback: {foreign}"
