"""The demo's release site in headless Chromium, against the SDMX it was built from.

One browser session walks the site as a reader would: the goals, a goal, an indicator; it
picks a state and a municipality, opens the map at both levels, switches language, and
checks each view against the values of the published SDMX-CSV (read here with pandas, not
through the site's code). axe-core runs on every kind of page, also after interaction.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
from click.testing import CliRunner

from sdmx_tools.cli import main
from tests.conftest import REPO, axe_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def sdmx_values(demo_run) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    data = demo_run.site.parent / "sdmx" / "data-v2.csv"
    frame = pd.read_csv(data, dtype=str, keep_default_na=False)
    frame["OBS_VALUE"] = pd.to_numeric(frame["OBS_VALUE"].where(frame["OBS_VALUE"] != ""))
    return frame


def _published(frame: pd.DataFrame, series: str, area: str) -> dict[str, float | None]:
    rows = frame[(frame["SERIES"] == series) & (frame["REF_AREA"] == area)]
    return {p: (None if pd.isna(v) else float(v))
            for p, v in zip(rows["TIME_PERIOD"], rows["OBS_VALUE"], strict=True)}


def _shown(page, testid: str) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    """``period -> value`` of the explorer's time table (the cell's data-value)."""
    rows = page.get_by_test_id(testid).locator("tbody tr")
    out = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        value = row.locator("td.num").get_attribute("data-value")
        out[row.get_attribute("data-period")] = None if value is None else float(value)
    return out


def _wait_ready(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#explorer[data-ready='true']", timeout=15_000)


def test_demo_site_in_chromium(demo_run, sdmx_values, serve_dir, chromium_launch,  # type: ignore[no-untyped-def]
                               axe_script) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    base = serve_dir(demo_run.site)
    requests: list[str] = []
    errors: list[str] = []
    serious: dict[str, list[str]] = {}
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(**chromium_launch)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            page.goto(base)
            assert page.locator("html").get_attribute("lang") == "es"
            assert page.locator(".goal-tile").count() == 17
            serious["home"] = axe_violations(page, axe_script)
            # The site search finds an indicator by a word of its name, accents ignored.
            page.fill("#site-search-input", "homicidio")
            hits = page.locator("#site-search-results a")
            assert hits.count() == 1 and hits.first.get_attribute("href") == "es/16.1.1.html"
            page.fill("#site-search-input", "")
            page.click("a[href='es/goal-16.html']")
            page.wait_for_url("**/es/goal-16.html")
            serious["goal"] = axe_violations(page, axe_script)
            page.click("a[href='16.1.1.html']")
            page.wait_for_url("**/es/16.1.1.html")
            _wait_ready(page)
            assert page.locator("#static-view").is_hidden()
            serious["indicator"] = axe_violations(page, axe_script)

            # The nation first, then a state: the time table follows the selection.
            page.click("#tab-table")
            assert _shown(page, "table-time-rows") == _published(sdmx_values, "VC_IHR_PSRC",
                                                                 "00")
            page.select_option("#sel-area", "14")
            assert "Jalisco" in page.get_by_test_id("selection").inner_text()
            assert _shown(page, "table-time-rows") == _published(sdmx_values, "VC_IHR_PSRC",
                                                                 "14")
            # A municipality found by name, without accents.
            page.fill("#sel-muni", "guadalaj")
            page.click("#muni-options li[data-code='14039']")
            assert "Guadalajara" in page.get_by_test_id("selection").inner_text()
            assert _shown(page, "table-time-rows") == _published(sdmx_values, "VC_IHR_PSRC",
                                                                 "14039")
            munis = page.get_by_test_id("table-municipalities").locator("tbody tr")
            assert munis.count() == 125  # Jalisco's municipalities
            page.click("#tab-chart")
            assert page.locator("#chart-time svg circle.point").count() >= 1

            # The map: 32 states, then every municipality with a shape.
            page.click("#tab-map")
            page.wait_for_selector("#map-box svg[data-level='state']")
            assert page.locator("#map-box path.area-shape").count() == 32
            page.check("input[name='map-level'][value='municipality']")
            page.wait_for_selector("#map-box svg[data-level='municipality']")
            assert page.locator("#map-box path.area-shape").count() >= 2469
            serious["indicator after interaction"] = axe_violations(page, axe_script)

            # The language switch keeps the page and the selection.
            page.click(".lang-switch a[hreflang='en']")
            page.wait_for_url("**/en/16.1.1.html#*")
            _wait_ready(page)
            assert page.locator("html").get_attribute("lang") == "en"
            assert "Guadalajara" in page.get_by_test_id("selection").inner_text()
            assert page.locator("#tab-map").get_attribute("aria-selected") == "true"

            # Every page of the site loads without an error (checked below) or a request
            # leaving it; indicator pages get their data.
            for html in sorted(demo_run.site.rglob("*.html")):
                rel = html.relative_to(demo_run.site).as_posix()
                page.goto(base + rel)
                if page.locator("#explorer").count():
                    _wait_ready(page)

            # At 390 px no page scrolls sideways.
            phone = browser.new_page(viewport=PHONE)
            phone.on("pageerror", lambda exc: errors.append(str(exc)))
            for path, explorer in (("index.html", False), ("es/index.html", False),
                                   ("es/goal-16.html", False), ("es/16.1.1.html", True),
                                   ("en/11.6.1.html", True), ("es/notes.html", False)):
                phone.goto(base + path)
                if explorer:
                    _wait_ready(phone)
                width = phone.evaluate("() => document.documentElement.scrollWidth")
                assert width <= PHONE["width"], f"{path} is {width} px wide at 390 px"
        finally:
            browser.close()
    assert errors == []
    assert {k: v for k, v in serious.items() if v} == {}
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in requests)


SEX_SOURCE = """id = "cabildos_sexo"
title = "Integrantes de cabildos por sexo"
[provenance]
publisher = "Prueba"
licence = "CC BY 4.0"
[location]
path = "data/cabildos_sexo.csv"
[area]
code_column = "ubic_geo"
[period]
column = "anio"
[dimensions.SEX]
column = "sexo"
map = { Mujer = "F", Hombre = "M" }
[[measures]]
id = "council_members"
column = "integrantes"
unit = "seat"
"""


@pytest.fixture(scope="module")
def by_sex(demo_run, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """The demo workspace plus council members by sex, and 5.5.1 redefined as members of
    each sex per 100,000 inhabitants (disaggregated by SEX), converted and released."""
    ws = tmp_path_factory.mktemp("by_sex") / "ws"
    shutil.copytree(demo_run.workspace, ws, ignore=shutil.ignore_patterns("out"))
    seats = pd.read_csv(ws / "data" / "cngmd_cabildos.csv", dtype=str, keep_default_na=False)
    seats = seats[seats["integrantes"].str.isdigit() & seats["mujeres"].str.isdigit()]
    women = seats.assign(sexo="Mujer", integrantes=seats["mujeres"])
    men = seats.assign(sexo="Hombre", integrantes=(seats["integrantes"].astype(int)
                                                   - seats["mujeres"].astype(int)).astype(str))
    pd.concat([women, men])[["ubic_geo", "anio", "sexo", "integrantes"]].to_csv(
        ws / "data" / "cabildos_sexo.csv", index=False)
    (ws / "sources" / "cabildos_sexo.toml").write_text(SEX_SOURCE, encoding="utf-8")
    text = (REPO / "indicators" / "5.5.1.toml").read_text(encoding="utf-8")
    for old, new in (('measure = "council_seats_women"', 'measure = "council_members"'),
                     ("multiplier = 100\n", "multiplier = 100000\n"),
                     ('unit_measure = "PT"', 'unit_measure = "PER_100000_POP"'),
                     ("range = [0, 100]", "range = [0, 100000]"),
                     ('incomplete = "flag"', 'incomplete = "flag"\ndisaggregations = ["SEX"]'),
                     ('measure = "council_seats"\nunit = "seat"\nperiod = "same"',
                      'measure = "population"\nunit = "person"\nperiod = "latest"')):
        assert old in text
        text = text.replace(old, new)
    (ws / "indicators").mkdir(exist_ok=True)
    (ws / "indicators" / "5.5.1.toml").write_text(text, encoding="utf-8")
    for command in ("convert", "release"):
        result = CliRunner().invoke(main, [command, "-w", str(ws)])
        assert result.exit_code == 0, result.output
    return ws


def test_a_disaggregation_selects_the_published_values(by_sex, serve_dir, chromium_launch,  # type: ignore[no-untyped-def]
                                                       axe_script) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    published = pd.read_csv(by_sex / "out" / "sdmx" / "data-v2.csv", dtype=str,
                            keep_default_na=False)
    published["OBS_VALUE"] = pd.to_numeric(published["OBS_VALUE"].where(
        published["OBS_VALUE"] != ""))

    def sdmx(area: str, sex: str) -> dict[str, float | None]:
        rows = published[(published["SERIES"] == "SG_GEN_LOCGELS")
                         & (published["REF_AREA"] == area) & (published["SEX"] == sex)]
        return {p: None if pd.isna(v) else float(v)
                for p, v in zip(rows["TIME_PERIOD"], rows["OBS_VALUE"], strict=True)}

    base = serve_dir(by_sex / "out" / "site")
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(**chromium_launch)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base + "es/5.5.1.html")
            _wait_ready(page)
            page.click("#tab-table")
            for area in ("00", "14"):
                page.select_option("#sel-area", area)
                for sex, label in (("F", "Mujeres"), ("M", "Hombres")):
                    page.select_option("#sel-dim-SEX", sex)
                    assert label in page.get_by_test_id("selection").inner_text()
                    shown = _shown(page, "table-time-rows")
                    assert shown == {p: v for p, v in sdmx(area, sex).items()}, (area, sex)
                    assert any(v is not None for v in shown.values())
            assert axe_violations(page, axe_script) == []
        finally:
            browser.close()
    assert errors == []
