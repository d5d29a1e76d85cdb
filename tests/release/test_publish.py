"""build_release on the demo's outputs: what the definitions and codelists say reaches the pages."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import lxml.html

from sdmx_tools.compute.definitions import load_indicators
from sdmx_tools.fsutil import bundled
from sdmx_tools.publish import build_release
from sdmx_tools.release import render_site
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
        cells = doc.xpath("//table[@id='data-table']//td[@data-value]")
        shown = [td.text_content() for td in cells]
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
    assert re.search(r"<dd>Retenido por cobertura — \d+ observaci", html)
    assert '<abbr title="Retenido por cobertura">O</abbr>' in html
