"""build_release on the demo's outputs: what the definitions and codelists say reaches the pages."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import lxml.etree
import lxml.html
import pandas as pd
from click.testing import CliRunner

from sdmx_tools.cli import main
from sdmx_tools.compute.definitions import load_indicators
from sdmx_tools.fsutil import bundled
from sdmx_tools.publish import build_release
from sdmx_tools.release import render_site
from sdmx_tools.release.i18n import Texts, load_texts
from sdmx_tools.vocabulary.codelists import load_codelists
from sdmx_tools.workspace import load_workspace

CATALOGUE = """[[codelist]]
id = "CL_OBS_STATUS"
version = "1.0"
file = "CL_OBS_STATUS.csv"
names = { es = "Estado", en = "Status" }
"""


def test_pages_show_the_declared_decimals(demo_run) -> None:  # type: ignore[no-untyped-def]
    definitions = load_indicators([bundled("indicators")])
    assert definitions["16.1.1"].decimals == 2
    doc = lxml.html.fromstring((demo_run.site / "en" / "16.1.1.html").read_text("utf-8"))
    assert doc.xpath("string(//*[@data-testid='headline-value'])") == "35.67"
    line = doc.xpath("string(//svg[@class='line-chart']/desc)")
    assert line == "2022: 35.61; 2023: 35.67"
    for page in sorted((demo_run.site / "en").glob("*.*.html")):
        ident = page.name.removesuffix(".html")
        doc = lxml.html.fromstring(page.read_text("utf-8"))
        cells = doc.xpath("//table[contains(@class,'obs-table')]//td[@class='num']")
        shown = [td.text_content() for td in cells if td.text_content() != "—"]
        assert shown, ident
        digits = {len(text.partition(".")[2]) for text in shown}
        assert digits == {definitions[ident].decimals}, ident


def test_status_names_come_from_the_codelist(demo_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = load_workspace(demo_run.workspace)
    bundled_names = load_codelists()["CL_OBS_STATUS"]
    release = build_release(ws)
    for lang in ("es", "en"):
        assert release.status_names[lang] == {c.id: c.name(lang) for c in bundled_names}
    assert release.status_names["en"]["Q"] == "Missing value; suppressed"
    # A workspace's own CL_OBS_STATUS replaces the bundled one on the pages.
    override = tmp_path / "codelists"
    override.mkdir()
    (override / "catalogue.toml").write_text(CATALOGUE, encoding="utf-8")
    (override / "CL_OBS_STATUS.csv").write_text(
        "id,name_en,name_es\nA,Normal,Normal\nO,Withheld for coverage,Retenido por cobertura\n",
        encoding="utf-8",
    )
    ours = dataclasses.replace(ws, root=tmp_path)
    release = build_release(ours)
    assert release.status_names["en"] == {"A": "Normal", "O": "Withheld for coverage"}
    render_site(release, tmp_path / "site")
    html = (tmp_path / "site" / "es" / "3.6.1.html").read_text("utf-8")
    assert re.search(r"<dt>Retenido por cobertura</dt>\s*<dd>\d+ observaci", html)
    assert "<td>Retenido por cobertura</td>" in html


def _visible_text(page: Path) -> str:
    doc = lxml.html.fromstring(page.read_text("utf-8"))
    for node in doc.xpath("//script | //style | //*[@data-testid='synthetic-banner']"):
        node.drop_tree()
    return " ".join(doc.text_content().split())


def _fragments(texts: Texts) -> set[str]:
    """The fixed parts (between placeholders) of every text of one language."""
    out = set()
    for section in (texts.ui, texts.notes, texts.note_kinds, texts.quality):
        for text in section.values():
            out.update(p.strip(" .,:;()") for p in re.split(r"\{[a-z_]+\}", text))
    return {p for p in out if len(p) >= 10 and " " in p}


def test_no_page_speaks_the_other_language(demo_run) -> None:  # type: ignore[no-untyped-def]
    texts = load_texts()
    own = {lang: _fragments(t) for lang, t in texts.items()}
    for lang, other in (("es", "en"), ("en", "es")):
        foreign = own[other] - own[lang]
        for page in sorted((demo_run.site / lang).glob("*.html")):
            text = _visible_text(page)
            leaked = sorted(f for f in foreign if f in text)
            assert leaked == [], (page.name, leaked)
            # Nor raw machine text: ISO timestamps, file hashes in notes, convert's notes.
            assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", text), page.name
            assert "sha256:" not in text, page.name
    es = " ".join(_visible_text(p) for p in (demo_run.site / "es").glob("*.html"))
    for english in ("partial coverage", "have no complete data", "municipalities reported",
                    "rows)"):
        assert english not in es


def test_indicator_downloads_are_valid_sdmx(demo_run) -> None:  # type: ignore[no-untyped-def]
    import sdmx
    from pysdmx.io import read_sdmx

    from sdmx_tools.exchange.validate import validate_xml_file

    site = demo_run.site
    published = pd.read_csv(site.parent / "sdmx" / "data-v2.csv", dtype=str,
                            keep_default_na=False)
    dsd = next(iter(sdmx.read_sdmx(site / "downloads" / "structure.xml").structure.values()))
    codelists = load_codelists()
    for ident, series in (("16.1.1", "VC_IHR_PSRC"), ("3.6.1", "SH_STA_TRAF")):
        folder = site / "downloads" / ident
        mine = published[published["SERIES"] == series]
        # Structure-specific SDMX-ML: valid against the official schemas and the DSD's own.
        xml = folder / f"{ident}.xml"
        assert [f.message for f in validate_xml_file(xml, codelists)] == []
        values = sdmx.to_pandas(sdmx.read_sdmx(xml, structure=dsd).data[0])
        assert len(values) == len(mine)
        assert set(values.index.get_level_values("SERIES")) == {series}
        assert len(read_sdmx(xml).data[0].data) == len(mine)  # pysdmx reads it too
        csv = pd.read_csv(folder / f"{ident}.csv", dtype=str, keep_default_na=False)
        assert sorted(zip(csv["REF_AREA"], csv["TIME_PERIOD"], csv["OBS_VALUE"], strict=True)) \
            == sorted(zip(mine["REF_AREA"], mine["TIME_PERIOD"], mine["OBS_VALUE"], strict=True))
        # The SDMX-CSV download is the release's SDMX-CSV records of the series, byte for byte.
        whole = (site / "downloads" / "data.csv").read_text("utf-8").splitlines(keepends=True)
        own = [line for line in whole[1:] if line.split(",")[3] == series]
        assert (folder / f"{ident}.csv").read_text("utf-8") == whole[0] + "".join(own)
        labelled = pd.read_csv(folder / f"{ident}.en.csv", dtype=str, keep_default_na=False)
        assert len(labelled) == len(mine)
        assert {"area_name", "unit", "status_name", "note"} <= set(labelled.columns)


def test_catalog_jsonld_and_sitemap(demo_run) -> None:  # type: ignore[no-untyped-def]
    site = demo_run.site
    ids = sorted(p.name.removesuffix(".html") for p in (site / "es").glob("*.*.html"))
    assert len(ids) == 6
    doc = json.loads((site / "catalog.jsonld").read_text("utf-8"))
    text = json.dumps(doc)
    for ident in ids:
        assert text.count(f"downloads/{ident}/{ident}.xml") >= 1, ident
    for lang in ("es", "en"):
        page = lxml.html.fromstring((site / lang / "16.1.1.html").read_text("utf-8"))
        (script,) = page.xpath("//script[@type='application/ld+json']")
        data = json.loads(script.text)
        assert data["@type"] == "Dataset" and "16.1.1" in json.dumps(data)
    sitemap = lxml.etree.parse(str(site / "sitemap.xml"))
    locs = sitemap.xpath("//s:loc/text()",
                         namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"})
    assert "es/16.1.1.html" in " ".join(locs) and len(locs) >= 2 * (len(ids) + 19)


def test_release_notes_against_a_previous_release(demo_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    previous = tmp_path / "previous"
    shutil.copytree(demo_run.site, previous)
    table = previous / "downloads" / "indicators.csv"
    rows = pd.read_csv(table, dtype=str, keep_default_na=False)
    first = rows.index[(rows["indicator"] == "16.1.1") & (rows["OBS_VALUE"] != "")][0]
    rows.loc[first, "OBS_VALUE"] = "0.5"  # revised since
    rows = rows.drop(rows.index[(rows["indicator"] == "11.6.1")][:3])  # new since
    rows.to_csv(table, index=False)
    result = CliRunner().invoke(main, ["release", "--workspace", str(demo_run.workspace),
                                       "--out", str(tmp_path / "site"),
                                       "--previous", str(previous)])
    assert result.exit_code == 0, result.output
    notes = lxml.html.fromstring((tmp_path / "site" / "en" / "notes.html").read_text("utf-8"))
    counts = {r.xpath("string(th)").split()[0]: [c.text_content() for c in r.xpath("td")]
              for r in notes.xpath("//table[contains(@class,'notes-table')]/tbody/tr")}
    assert counts["16.1.1"] == ["0", "1", "0"]
    assert counts["11.6.1"] == ["3", "0", "0"]
    assert counts["3.6.1"] == ["0", "0", "0"]
