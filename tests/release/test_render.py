"""render_site: pages, escaping, downloads, banner, overrides, atomicity, determinism."""

from __future__ import annotations

import dataclasses
import filecmp
import json
import zipfile
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
    per_lang = ["16.1.1", "6.1.1", "index", "notes", *(f"goal-{n}" for n in range(1, 18))]
    expected = ["index.html"] + [f"{lang}/{page}.html" for lang in ("en", "es")
                                 for page in per_lang]
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
    assert "es/goal-16.html" in root.xpath("//main//a/@href")
    assert root.xpath(f"{_cls('lang-switch')}//a/@href")[0] == "en/index.html"
    # Every link and script of every page points at a file of the site.
    for page in out.rglob("*.html"):
        doc = _doc(page)
        for ref in doc.xpath("//a/@href | //script/@src | //link[@rel='stylesheet']/@href"):
            if ref.startswith(("http", "data:", "#")):
                continue
            assert (page.parent / ref.split("#")[0]).resolve().is_file(), (page, ref)


def test_home_has_the_17_goals_with_status(site: Path) -> None:
    doc = _doc(site / "en" / "index.html")
    tiles = doc.xpath(f"{_cls('goal-tile')}")
    assert len(tiles) == 17
    text = {int(t.xpath(f"string(.{_cls('goal-number')})")): t.text_content() for t in tiles}
    assert "Clean water and sanitation" in text[6] and "1 indicator · 1 with data" in text[6]
    assert "No indicator is published" in text[1]
    colours = [t.get("style") for t in tiles]
    assert "--goal: #E5243B" in colours[0] and "--goal: #19486A" in colours[16]
    status = doc.xpath("//table[contains(@class,'status-table')]/tbody/tr")
    assert [r.xpath("string(th)") for r in status] == [
        "6. Clean water and sanitation", "16. Peace, justice and strong institutions"]
    assert [r.xpath("string(td[3])") for r in status] == ["Municipality", "Municipality"]
    assert [r.xpath("string(td[4])") for r in status] == ["None", "None"]
    goal = _doc(site / "en" / "goal-16.html")
    cards = goal.xpath(f"{_cls('indicator-card')}")
    assert len(cards) == 1 and "23.4" in cards[0].text_content()
    assert goal.xpath("string(//h1)").strip().startswith("16")


def test_hostile_text_is_escaped(site: Path) -> None:
    for page in site.rglob("*.html"):
        assert XSS not in page.read_text(encoding="utf-8"), page
    html = (site / "es" / "16.1.1.html").read_text(encoding="utf-8")
    assert f"Carpetas de investigación {ESCAPED}" in html  # source title
    assert f"Jalisco {ESCAPED}" in html  # area name, in the table and the chart
    doc = _doc(site / "es" / "16.1.1.html")
    # The only inline scripts are data (JSON, JSON-LD), with no "<" that could close them.
    inline = [s for s in doc.xpath("//script") if not s.get("src")]
    assert sorted(s.get("type") for s in inline) == ["application/json", "application/ld+json"]
    assert all("<" not in (s.text or "") for s in inline)
    # The data files the explorer loads carry names as JSON strings.
    data = (site / "data" / "16.1.1.js").read_text(encoding="utf-8")
    assert "</script" not in data and "<\\/script>" in data


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
    home = _doc(site / "es" / "index.html")
    hrefs = home.xpath(f"{_cls('download-list')}//a/@href")
    assert hrefs == ["../downloads/release.zip", "../catalog.jsonld", "../downloads/data.csv",
                     "../downloads/report.json"]
    # Each indicator page links its own files: a labelled CSV per language (no SDMX here:
    # this release has no dataflow to write them for).
    doc = _doc(site / "es" / "16.1.1.html")
    own = doc.xpath("//*[@data-testid='indicator-downloads']//a/@href")
    assert own == ["../downloads/16.1.1/16.1.1.es.csv"]
    labelled = pd.read_csv(site / "downloads" / "16.1.1" / "16.1.1.es.csv", dtype=str,
                           keep_default_na=False)
    oaxaca = labelled[(labelled["area_code"] == "20") & (labelled["period"] == "2022")]
    assert oaxaca[["value", "unit", "status_name", "note"]].values.tolist() == [
        ["", "por 100 000 habitantes", "Valor faltante", WITHHELD_NOTE]]
    with zipfile.ZipFile(site / "downloads" / "release.zip") as zf:
        assert sorted(zf.namelist()) == ["data.csv", "report.json"]
        assert zf.read("data.csv") == downloads[0].read_bytes()


def test_synthetic_banner_on_every_page(site: Path, release: Release, tmp_path: Path) -> None:
    for page in site.rglob("*.html"):
        banner = _doc(page).xpath("//*[@data-testid='synthetic-banner']")
        assert banner, page
        text = banner[0].text_content()
        assert "SINTÉTICOS" in text and "SYNTHETIC" in text
    real = dataclasses.replace(release, synthetic=False)
    render_site(real, tmp_path / "real")
    assert not _doc(tmp_path / "real" / "es" / "index.html").xpath(_cls("synthetic-banner"))


def _payload(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    start, end = text.index("{"), text.rindex("}") + 1
    body: dict[str, object] = json.loads(text[text.index(",", text.index(",") + 1) + 1:end]
                                         if text.startswith("sdmxTools.data(") else
                                         text[start:end])
    return body


def test_indicator_page_content(site: Path) -> None:
    doc = _doc(site / "es" / "16.1.1.html")
    assert doc.xpath("string(//*[@data-testid='headline-value'])") == "23.4"
    static = "//*[@id='static-view']"
    line_desc = doc.xpath(f"string({static}//svg[@class='line-chart']/desc)")
    assert line_desc == "2021: 21.0; 2022: 23.4"
    tiles = {g.get("data-code"): g for g in doc.xpath(f"{static}//svg/g[@class='tile']")}
    assert tiles["02"].findtext("title") == "Baja California: 31.5"
    # Withheld Oaxaca and Veracruz (no row at all) are drawn as missing, never as 0.
    for code, title in (("20", "Oaxaca: —"), ("30", "Veracruz: —")):
        assert tiles[code].findtext("title") == title
        assert tiles[code].find("rect").get("fill") == MISSING_FILL
    assert tiles["02"].find("rect").get("fill") != MISSING_FILL
    tables = doc.xpath(f"{static}//table[contains(@class,'obs-table')]")
    nation, states = ([[c.text_content() for c in r] for r in t.xpath("tbody/tr")]
                      for t in tables)
    assert nation == [["2021", "21.0", "Valor normal", ""], ["2022", "23.4", "Valor normal", ""]]
    by_name = {r[0]: r[1:] for r in states}
    assert len(states) == 5  # the states of the latest period
    # Withheld: a dash with the status's name and its note, never a zero.
    assert by_name["Oaxaca"] == ["—", "Valor faltante", WITHHELD_NOTE]
    assert by_name["Baja California"][0] == "31.5"
    # Statuses found on the page are explained, with the release's names for them.
    statuses = [dt.text_content() for dt in doc.xpath(f"{_cls('status-list')}/dt")]
    assert statuses == ["Valor normal", "Valor faltante; no puede existir", "Valor faltante"]
    meanings = [dd.text_content() for dd in doc.xpath(f"{_cls('status-list')}/dd")]
    assert meanings == ["17 observaciones", "2 observaciones", "1 observación"]
    sources = [h.text_content() for h in doc.xpath(f"{_cls('provenance')}//h3")]
    assert sources == [f"Carpetas de investigación {XSS}", "Censo 2020"]
    accounting = [
        td.text_content() for td in doc.xpath(f"{_cls('provenance')}//table/tbody/tr/td")
    ][:4]
    assert accounting == ["1,200", "1,150", "30", "20"]
    # The explorer's data: nation and states in one file, municipalities in another.
    main = _payload(site / "data" / "16.1.1.js")
    assert main["periods"] == ["2021", "2022"]
    areas = main["areas"]
    assert isinstance(areas, list) and areas[0] == "00"
    values = main["values"]["_T"]  # type: ignore[index]
    assert values[areas.index("02")] == [29.8, 31.5]  # rounded to the 1 declared decimal
    assert values[areas.index("20")] == [8.5, None]
    mun = _payload(site / "data" / "16.1.1.mun.js")
    san_quintin = mun["areas"].index("02007")  # type: ignore[union-attr]
    flags = [f for f in mun["flags"]["_T"] if f[0] == san_quintin]  # type: ignore[index]
    assert [f[3] for f in flags] == ["no_denominator", "no_denominator"]


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
    assert (out / "static" / "explorer.js").is_file()


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
    card = _doc(tmp_path / "site" / "en" / "goal-16.html").xpath(_cls("card-value"))[0]
    assert card.text_content().startswith("21.0") and "2021" in card.text_content()


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
    tiles = {g.get("data-code"): g
             for g in doc.xpath("//*[@id='static-view']//svg/g[@class='tile']")}
    assert tiles["30"].findtext("title") == "Veracruz: —"
    assert tiles["02"].findtext("title") == "Baja California: 31.5"
