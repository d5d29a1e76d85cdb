"""render_site: pages, escaping, downloads, banner, overrides, atomicity, determinism."""

from __future__ import annotations

import dataclasses
import filecmp
from pathlib import Path

import lxml.html
import pandas as pd
import pytest

from sdmx_tools.errors import ReleaseError
from sdmx_tools.release import Release, render_site
from sdmx_tools.release.charts import MISSING_FILL
from sdmx_tools.release.render import safe_url

# The same strings as in conftest.py (a folder without __init__.py cannot import it).
XSS = "<script>alert(1)</script>"
WITHHELD_NOTE = "Cobertura incompleta (<80 %)"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _doc(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def _cls(name: str) -> str:
    """XPath for elements having the CSS class ``name`` (lxml's cssselect needs a package)."""
    return f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture
def site(release: Release, tmp_path: Path) -> Path:
    render_site(release, tmp_path / "site")
    return tmp_path / "site"


def test_pages_for_both_languages(release: Release, tmp_path: Path) -> None:
    out = tmp_path / "site"
    pages = render_site(release, out)
    expected = ["index.html"] + [
        f"{lang}/{page}.html" for lang in ("en", "es") for page in ("16.1.1", "6.1.1", "index")
    ]
    assert sorted(str(p.relative_to(out)) for p in pages) == sorted(expected)
    assert all(p.is_file() for p in pages)
    assert _doc(out / "es" / "16.1.1.html").get("lang") == "es"
    assert _doc(out / "en" / "16.1.1.html").get("lang") == "en"
    # Each page links to itself in the other language.
    switch = _doc(out / "es" / "16.1.1.html").xpath(f"{_cls('lang-switch')}//a")
    assert [(a.get("hreflang"), a.get("href")) for a in switch] == [("en", "../en/16.1.1.html")]
    # The root shows the default language and links the other one.
    root = _doc(out / "index.html")
    assert root.get("lang") == "es"
    assert "es/16.1.1.html" in root.xpath("//main//a/@href")
    assert root.xpath(f"{_cls('lang-switch')}//a/@href")[0] == "en/index.html"


def test_index_lists_indicators_by_goal(site: Path) -> None:
    doc = _doc(site / "en" / "index.html")
    goals = [h.text_content().strip() for h in doc.xpath(f"{_cls('goal')}/h2")]
    assert goals == [
        "6 Goal 6: Clean water and sanitation",
        "16 Goal 16: Peace, justice and strong institutions",
    ]
    rows = {
        href: [c.text_content().strip() for c in doc.xpath(f"//tr[.//a[@href='{href}']]/td")]
        for href in ("16.1.1.html", "6.1.1.html")
    }
    # Each indicator shows the decimals its definition declares (1 and 2 here).
    assert rows == {
        "16.1.1.html": ["23.4", "per 100,000 population", "2022"],
        "6.1.1.html": ["70.35", "%", "2022"],
    }


def test_hostile_text_is_escaped(site: Path) -> None:
    for page in site.rglob("*.html"):
        assert XSS not in page.read_text(encoding="utf-8"), page
    html = (site / "es" / "16.1.1.html").read_text(encoding="utf-8")
    assert f"Carpetas de investigación {ESCAPED}" in html  # source title
    assert f"Jalisco {ESCAPED}" in html  # area name, in the table and the chart
    doc = _doc(site / "es" / "16.1.1.html")
    assert doc.xpath("//script") == [s for s in doc.xpath("//script") if s.get("src")]


def test_only_http_urls_become_links(site: Path) -> None:
    doc = _doc(site / "en" / "16.1.1.html")
    hrefs = doc.xpath("//section[contains(@class,'provenance')]//a/@href")
    assert hrefs == ["https://datos.example.gob.mx/carpetas.csv"]
    assert not [h for h in doc.xpath("//@href") if h.lower().startswith("javascript")]
    assert "javascript:alert(2)" in doc.xpath("string(//span[@class='unsafe-url'])")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.mx/x.csv", "https://a.mx/x.csv"),
        ("HTTP://a.mx", "HTTP://a.mx"),
        ("javascript:alert(1)", None),
        (" JavaScript:alert(1)", None),
        ("data:text/html,x", None),
        ("//a.mx/x", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_downloads_copied_and_linked(site: Path, downloads: list[Path]) -> None:
    for src in downloads:
        assert (site / "downloads" / src.name).read_bytes() == src.read_bytes()
    doc = _doc(site / "es" / "16.1.1.html")
    items = [li.text_content().split() for li in doc.xpath(f"{_cls('download-list')}/li")]
    assert items == [["data.csv", "(41", "B)"], ["report.json", "(13", "B)"]]
    assert doc.xpath(f"{_cls('download-list')}//a/@href")[0] == "../downloads/data.csv"


def test_synthetic_banner_on_every_page(site: Path, release: Release, tmp_path: Path) -> None:
    for page in site.rglob("*.html"):
        banner = _doc(page).xpath("//*[@data-testid='synthetic-banner']")
        assert banner, page
        text = banner[0].text_content()
        assert "SINTÉTICOS" in text and "SYNTHETIC" in text
    real = dataclasses.replace(release, synthetic=False)
    render_site(real, tmp_path / "real")
    assert not _doc(tmp_path / "real" / "es" / "index.html").xpath(_cls("synthetic-banner"))


def test_indicator_page_content(site: Path) -> None:
    doc = _doc(site / "es" / "16.1.1.html")
    assert doc.xpath("string(//*[@data-testid='headline-value'])") == "23.4"
    line_desc = doc.xpath("string(//*[@id='chart']//svg[@class='line-chart']/desc)")
    assert line_desc == "2021: 21.0; 2022: 23.4"
    tiles = {g.get("data-code"): g for g in doc.xpath("//*[@id='map']//svg/g[@class='tile']")}
    assert tiles["02"].findtext("title") == "Baja California: 31.5"
    # Withheld Oaxaca and Veracruz (no row at all) are drawn as missing, never as 0.
    for code, title in (("20", "Oaxaca: —"), ("30", "Veracruz: —")):
        assert tiles[code].findtext("title") == title
        assert tiles[code].find("rect").get("fill") == MISSING_FILL
    assert tiles["02"].find("rect").get("fill") != MISSING_FILL
    table = doc.xpath("//table[@id='data-table']/tbody/tr")
    assert len(table) == 12  # nation + 5 states, 2 periods
    cells = {
        (r[0].text_content(), r[3].text_content()): [c.text_content() for c in r] for r in table
    }
    # Withheld: a dash with status O and its note, never a zero.
    assert cells[("20", "2022")][4:] == ["—", "O", WITHHELD_NOTE,
                                        "demo sha256:0123456789ab rows 2-13"]
    assert cells[("02", "2022")][4] == "31.5"
    munis = doc.xpath("//details//table[@id='municipal-table']/tbody/tr")
    assert len(munis) == 4  # latest period only
    san_quintin = next(r for r in munis if r[0].text_content() == "02007")
    assert san_quintin[4].text_content() == "—"
    assert "denominador" in san_quintin[6].text_content()
    # Statuses found on the page are explained, with the release's names for them.
    statuses = [dt.text_content() for dt in doc.xpath(f"{_cls('status-list')}/dt")]
    assert statuses == ["A", "M", "O"]
    meanings = [dd.text_content() for dd in doc.xpath(f"{_cls('status-list')}/dd")]
    assert meanings == [
        "Valor normal — 17 observaciones",
        "Valor faltante; no puede existir — 2 observaciones",
        "Valor faltante — 1 observación",
    ]
    assert cells[("20", "2022")][5] == "O"
    assert doc.xpath("string(//table[@id='data-table']//abbr[.='O']/@title)") == "Valor faltante"
    sources = [h.text_content() for h in doc.xpath(f"{_cls('provenance')}//h3")]
    assert sources == [f"Carpetas de investigación {XSS}", "Censo 2020"]
    accounting = [
        td.text_content() for td in doc.xpath(f"{_cls('provenance')}//table/tbody/tr/td")
    ][:4]
    assert accounting == ["1,200", "1,150", "30", "20"]


def test_template_override_wins(release: Release, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace_templates"
    (workspace / "partials").mkdir(parents=True)
    (workspace / "partials" / "quality.html").write_text(
        '<section id="custom-quality">{{ ind.id }} checked by us</section>\n', encoding="utf-8"
    )
    (workspace / "static").mkdir()
    (workspace / "static" / "site.css").write_text("body { color: teal; }\n", encoding="utf-8")
    out = tmp_path / "site"
    render_site(release, out, template_dirs=[workspace])
    doc = _doc(out / "en" / "6.1.1.html")
    assert doc.get_element_by_id("custom-quality").text_content() == "6.1.1 checked by us"
    assert doc.xpath(_cls("provenance"))  # the rest is still the bundled template
    assert (out / "static" / "site.css").read_text(encoding="utf-8") == "body { color: teal; }\n"
    assert (out / "static" / "table-sort.js").is_file()


def test_failed_render_keeps_previous_site(release: Release, tmp_path: Path) -> None:
    out = tmp_path / "site"
    render_site(release, out)
    before = _tree(out)
    broken = tmp_path / "broken"
    broken.mkdir()
    # The index renders fine; the first indicator page hits an undefined variable.
    (broken / "indicator.html").write_text("{{ ind.no_such_field }}", encoding="utf-8")
    with pytest.raises(ReleaseError) as info:
        render_site(release, out, template_dirs=[broken])
    assert "indicator.html" in str(info.value)
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artefacts", "broken", "site"]


def test_unknown_ui_string_in_a_template_is_a_release_error(release: Release,
                                                              tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "index.html").write_text('{{ t("no_such_key") }}', encoding="utf-8")
    with pytest.raises(ReleaseError) as info:
        render_site(release, tmp_path / "site", template_dirs=[broken])
    assert "no_such_key" in str(info.value)
    assert not (tmp_path / "site").exists()


def test_output_is_deterministic(release: Release, tmp_path: Path) -> None:
    render_site(release, tmp_path / "a")
    render_site(release, tmp_path / "b")
    compared = filecmp.dircmp(tmp_path / "a", tmp_path / "b")
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b"), compared.diff_files


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"languages": ["fr"]}, "Unsupported page language"),
        ({"languages": []}, "no page language"),
        ({"downloads": [Path("/nonexistent/data.csv")]}, "Download file not found"),
    ],
)
def test_inconsistent_release_is_refused(
    release: Release, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    with pytest.raises(ReleaseError, match=message):
        render_site(dataclasses.replace(release, **change), tmp_path / "site")  # type: ignore[arg-type]
    assert not (tmp_path / "site").exists()


def test_unknown_source_and_unsafe_id_are_refused(release: Release, tmp_path: Path) -> None:
    release.indicators[0].sources.append("nope")
    with pytest.raises(ReleaseError) as info:
        render_site(release, tmp_path / "site")
    assert info.value.key == "16.1.1" and info.value.value == "nope"
    release.indicators[0].sources.pop()
    release.indicators[1].id = "../evil"
    with pytest.raises(ReleaseError, match="file name"):
        render_site(release, tmp_path / "site")


def test_missing_template_folder_is_refused(release: Release, tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match="Template folder not found"):
        render_site(release, tmp_path / "site", template_dirs=[tmp_path / "typo"])


def test_withheld_national_value_headline(release: Release, tmp_path: Path) -> None:
    obs = release.indicators[0].observations
    latest_nation = (obs["level"] == "nation") & (obs["TIME_PERIOD"] == "2022")
    obs.loc[latest_nation, ["OBS_VALUE", "OBS_STATUS", "COMMENT_OBS"]] = [
        float("nan"),
        "O",
        WITHHELD_NOTE,
    ]
    render_site(release, tmp_path / "site")
    doc = _doc(tmp_path / "site" / "en" / "16.1.1.html")
    assert doc.xpath("string(//*[@data-testid='headline-value'])") == "—"
    notes = " ".join(p.text_content() for p in doc.xpath(_cls("headline-note")))
    assert WITHHELD_NOTE in notes
    assert "Latest available value: 21.0" in notes and "(2021)" in notes
    index = _doc(tmp_path / "site" / "en" / "index.html")
    row = index.xpath("//tr[.//a[@href='16.1.1.html']]")[0]
    assert row.xpath("string(./td[1])") == "—"


def test_duplicate_download_names_are_refused(
    release: Release, downloads: list[Path], tmp_path: Path
) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "data.csv").write_text("x\n", encoding="utf-8")
    release.downloads.append(other / "data.csv")
    with pytest.raises(ReleaseError, match="share a file name") as info:
        render_site(release, tmp_path / "site")
    assert info.value.value == "data.csv"
    assert not (tmp_path / "site").exists()


def test_duplicate_indicator_ids_are_refused(release: Release, tmp_path: Path) -> None:
    # Both would be written to 6.1.1.html, the second silently replacing the first.
    release.indicators[0].id = "6.1.1"
    with pytest.raises(ReleaseError, match="share an id") as info:
        render_site(release, tmp_path / "site")
    assert info.value.key == "6.1.1"
    assert not (tmp_path / "site").exists()


def test_observations_lacking_a_column_are_refused(release: Release, tmp_path: Path) -> None:
    page = release.indicators[1]
    page.observations = page.observations.drop(columns=["OBS_STATUS"])
    with pytest.raises(ReleaseError, match="lack a column") as info:
        render_site(release, tmp_path / "site")
    assert (info.value.key, info.value.column) == ("6.1.1", "OBS_STATUS")
    assert not (tmp_path / "site").exists()


def test_tile_map_takes_ref_area_codes_as_they_are(release: Release, tmp_path: Path) -> None:
    # REF_AREA is canonical: "3.0" is no state code and must not become Veracruz ("30").
    obs = release.indicators[0].observations
    extra = obs[(obs["REF_AREA"] == "02") & (obs["TIME_PERIOD"] == "2022")].assign(
        REF_AREA="3.0", OBS_VALUE=99.0
    )
    release.indicators[0].observations = pd.concat([obs, extra], ignore_index=True)
    render_site(release, tmp_path / "site")
    doc = _doc(tmp_path / "site" / "en" / "16.1.1.html")
    tiles = {g.get("data-code"): g for g in doc.xpath("//*[@id='map']//svg/g[@class='tile']")}
    assert tiles["30"].findtext("title") == "Veracruz: —"
    assert tiles["02"].findtext("title") == "Baja California: 31.5"
