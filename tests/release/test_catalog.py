"""JSON-LD of the pages, the DCAT catalogue and the sitemap."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from lxml import etree

from sdmx_tools.errors import ReleaseError
from sdmx_tools.release.catalog import (
    SITEMAP_NS,
    XHTML_NS,
    CatalogEntry,
    dataset_jsonld,
    dcat_catalog,
    jsonld_script,
    language_alternates,
    licence_url,
    sitemap_xml,
)

XSS = "</script><script>alert(1)</script>"
BASE = "https://ods.example.gob.mx/sitio"
XML = "application/vnd.sdmx.genericdata+xml;version=2.1"
CSV = "application/vnd.sdmx.data+csv;version=1.0.0"


def downloads(ind: str) -> tuple[tuple[str, str, str], ...]:
    return ((f"downloads/{ind}/{ind}.xml", XML, "SDMX-ML"),
            (f"downloads/{ind}/{ind}.csv", CSV, "SDMX-CSV"),
            (f"downloads/{ind}/{ind}-labels.csv", "text/csv", "CSV"))


HOMICIDES = CatalogEntry(
    id="16.1.1", series="VC_IHR_PSRC", goal=16, target="16.1",
    names={"es": f"Víctimas de homicidio {XSS}\u2028& más", "en": "Victims of homicide"},
    descriptions={"es": "Número de víctimas por cada 100 000 habitantes.", "en": ""},
    units={"es": "por 100 000 habitantes", "en": "per 100,000 population"},
    periods=("2015", "2023"), levels=("nation", "state", "municipality"),
    keywords={"es": ["homicidio", "ODS 16"], "en": ["homicide", "SDG 16"]},
    licence="CC-BY-4.0", publisher="MX_DEMO", modified="2024-05-01T12:00:00+00:00",
    downloads=downloads("16.1.1"),
)
WATER = replace(HOMICIDES, id="6.1.1", series="SH_H2O_SAFE", goal=6, target="6.1",
                names={"es": "Agua potable", "en": "Drinking water"},
                periods=("2020-Q2", "2021-Q4"), levels=("state",), licence="Licencia local",
                downloads=downloads("6.1.1")[:1])
EMPTY = replace(WATER, id="11.1.1", target="11.1", goal=11, periods=None, downloads=())


def test_dataset_jsonld_has_the_schema_org_fields() -> None:
    data = json.loads(json.dumps(dataset_jsonld(HOMICIDES, "en", page="en/16.1.1.html",
                                                base_url=None)))
    assert data["@context"] == "https://schema.org" and data["@type"] == "Dataset"
    assert data["name"] == "Victims of homicide"
    assert data["description"] == "Victims of homicide"  # no English definition: the name
    assert (data["identifier"], data["inLanguage"]) == ("16.1.1", "en")
    assert data["keywords"] == ["homicide", "SDG 16"]
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["creator"] == data["publisher"] == {"@type": "Organization",
                                                    "name": "MX_DEMO"}
    assert data["isAccessibleForFree"] is True
    assert data["temporalCoverage"] == "2015/2023"
    place = data["spatialCoverage"]
    assert (place["@type"], place["name"]) == ("Place", "Mexico")
    assert place["additionalProperty"]["value"] == ["national", "state", "municipal"]
    assert data["variableMeasured"] == {"@type": "PropertyValue", "name": "Victims of homicide",
                                        "propertyID": "VC_IHR_PSRC",
                                        "unitText": "per 100,000 population"}
    assert data["dateModified"] == "2024-05-01T12:00:00+00:00"
    assert [d["encodingFormat"] for d in data["distribution"]] == [XML, CSV, "text/csv"]
    assert {d["@type"] for d in data["distribution"]} == {"DataDownload"}


def test_dataset_jsonld_urls_are_relative_to_the_page_without_a_base_url() -> None:
    data = dataset_jsonld(HOMICIDES, "es", page="es/16.1.1.html", base_url=None)
    assert data["url"] == "16.1.1.html"
    assert [d["contentUrl"] for d in data["distribution"]] == [
        "../downloads/16.1.1/16.1.1.xml", "../downloads/16.1.1/16.1.1.csv",
        "../downloads/16.1.1/16.1.1-labels.csv"]
    assert data["spatialCoverage"]["additionalProperty"]["value"] == [
        "nacional", "estatal", "municipal"]


def test_dataset_jsonld_urls_are_absolute_with_a_base_url() -> None:
    data = dataset_jsonld(HOMICIDES, "es", page="es/16.1.1.html", base_url=BASE)
    assert data["url"] == f"{BASE}/es/16.1.1.html"
    assert data["distribution"][0]["contentUrl"] == f"{BASE}/downloads/16.1.1/16.1.1.xml"


@pytest.mark.parametrize(("periods", "coverage"), [
    (("2020-Q2", "2021-Q4"), "2020-04-01/2021-12-31"),
    (("2019-S2", "2019-S2"), "2019-07-01/2019-12-31"),
    (("2021-01", "2022-06"), "2021-01/2022-06"),
    (("2022", "2022"), "2022"),
    (("2021-W05", "2021-W09"), "2021-W05/2021-W09"),
])
def test_temporal_coverage_is_an_iso_interval(periods: tuple[str, str], coverage: str) -> None:
    entry = replace(HOMICIDES, periods=periods)
    assert dataset_jsonld(entry, "es", page="es/x.html",
                          base_url=None)["temporalCoverage"] == coverage


def test_no_data_means_no_temporal_coverage() -> None:
    assert "temporalCoverage" not in dataset_jsonld(EMPTY, "es", page="es/11.1.1.html",
                                                    base_url=None)


def test_jsonld_script_cannot_be_broken_out_of() -> None:
    data = dataset_jsonld(HOMICIDES, "es", page="es/16.1.1.html", base_url=None)
    html = str(jsonld_script(data))
    assert html.startswith('<script type="application/ld+json">')
    assert html.endswith("</script>")
    assert html.lower().count("</script") == 1
    assert "\u2028" not in html and "<!--" not in html
    inner = html.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "<" not in inner and ">" not in inner and "&" not in inner
    assert json.loads(inner) == data
    assert json.loads(inner)["name"] == HOMICIDES.names["es"]
    assert "Víctimas" in inner  # not ASCII-escaped: readable in the page source


def test_jsonld_script_refuses_nan() -> None:
    with pytest.raises(ReleaseError, match="JSON-LD cannot be written"):
        jsonld_script({"value": float("nan")})


@pytest.mark.parametrize(("given", "url"), [
    ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/"),
    ("cc by 4.0 ", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
    ("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    ("Libre uso MX", "https://datos.gob.mx/libreusomx"),
    ("Términos de Libre Uso MX", "https://datos.gob.mx/libreusomx"),
    ("https://example.org/licence", "https://example.org/licence"),
    ("Uso interno del municipio", "Uso interno del municipio"),
    ("CC BY-NC 4.0", "CC BY-NC 4.0"),  # not mapped: never guess a licence
])
def test_licence_names_map_to_their_urls(given: str, url: str) -> None:
    assert licence_url(given) == url


def catalog(base_url: str | None) -> dict[str, Any]:
    doc = dcat_catalog([HOMICIDES, WATER, EMPTY],
                       title={"es": "ODS municipales", "en": "Municipal SDGs"},
                       publisher="MX_DEMO", languages=["es", "en"], base_url=base_url,
                       modified="2024-05-01T12:00:00+00:00")
    return json.loads(json.dumps(doc))


def test_dcat_catalog_lists_every_entry_once_with_its_distributions() -> None:
    doc = catalog(None)
    assert doc["@type"] == "dcat:Catalog"
    datasets = doc["dcat:dataset"]
    assert [d["dct:identifier"] for d in datasets] == ["16.1.1", "6.1.1", "11.1.1"]
    assert {d["@type"] for d in datasets} == {"dcat:Dataset"}
    assert len({d["@id"] for d in datasets}) == 3
    homicides, water, empty = datasets
    assert [d["dcat:downloadURL"]["@id"] for d in homicides["dcat:distribution"]] == [
        p for p, _, _ in HOMICIDES.downloads]
    assert [(d["dcat:mediaType"], d["dct:title"]) for d in homicides["dcat:distribution"]] == [
        (XML, "SDMX-ML"), (CSV, "SDMX-CSV"), ("text/csv", "CSV")]
    assert {d["dct:format"]["@id"].rsplit("/", 1)[1]
            for d in homicides["dcat:distribution"]} == {"XML", "CSV"}
    assert all(d["dcat:accessURL"] == d["dcat:downloadURL"]
               for d in homicides["dcat:distribution"])
    assert {d["dct:license"]["@id"] for d in homicides["dcat:distribution"]} == {
        "https://creativecommons.org/licenses/by/4.0/"}
    assert water["dcat:distribution"][0]["dct:license"] == {
        "@type": "dct:LicenseDocument", "dct:title": "Licencia local"}
    assert empty["dcat:distribution"] == [] and "dct:temporal" not in empty


def test_dcat_catalog_tags_texts_with_their_language() -> None:
    doc = catalog(None)
    assert doc["dct:title"] == [{"@value": "ODS municipales", "@language": "es"},
                                {"@value": "Municipal SDGs", "@language": "en"}]
    assert doc["dct:language"] == [
        {"@id": "http://publications.europa.eu/resource/authority/language/SPA"},
        {"@id": "http://publications.europa.eu/resource/authority/language/ENG"}]
    homicides = doc["dcat:dataset"][0]
    assert homicides["dct:title"][1] == {"@value": "Victims of homicide", "@language": "en"}
    assert homicides["dct:description"][0] == {
        "@value": "Número de víctimas por cada 100 000 habitantes.", "@language": "es"}
    assert {"@value": "homicide", "@language": "en"} in homicides["dcat:keyword"]
    assert len(homicides["dcat:keyword"]) == 4


def test_dcat_dataset_names_its_goal_period_and_page() -> None:
    homicides, water, _ = catalog(None)["dcat:dataset"]
    assert homicides["dcat:theme"] == {"@id": "http://metadata.un.org/sdg/16"}
    assert homicides["dct:subject"] == {"@id": "http://metadata.un.org/sdg/16.1"}
    assert homicides["dct:temporal"] == {
        "@type": "dct:PeriodOfTime",
        "dcat:startDate": {"@value": "2015", "@type": "xsd:gYear"},
        "dcat:endDate": {"@value": "2023", "@type": "xsd:gYear"}}
    assert water["dct:temporal"]["dcat:endDate"] == {"@value": "2021-12-31",
                                                     "@type": "xsd:date"}
    assert homicides["dcat:landingPage"] == {"@id": "es/16.1.1.html"}  # the default language
    assert homicides["dct:modified"] == {"@value": "2024-05-01T12:00:00+00:00",
                                         "@type": "xsd:dateTime"}


def test_dcat_catalog_relative_and_absolute_iris() -> None:
    relative, absolute = catalog(None), catalog(BASE + "/")
    assert relative["@context"]["@base"] == "./"
    assert relative["foaf:homepage"] == {"@id": "es/index.html"}
    assert relative["dcat:dataset"][0]["@id"] == "catalog.jsonld#16.1.1"
    assert absolute["@context"]["@base"] == f"{BASE}/"
    assert absolute["foaf:homepage"] == {"@id": f"{BASE}/es/index.html"}
    assert absolute["dcat:dataset"][0]["dcat:landingPage"] == {"@id": f"{BASE}/es/16.1.1.html"}
    assert absolute["dcat:dataset"][0]["dcat:distribution"][0]["dcat:downloadURL"] == {
        "@id": f"{BASE}/downloads/16.1.1/16.1.1.xml"}


def compact_iris(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "@context":
                yield key
                if key == "@type":
                    yield from ([value] if isinstance(value, str) else value)
                yield from compact_iris(value)
    elif isinstance(node, list):
        for item in node:
            yield from compact_iris(item)


def test_every_prefix_used_in_the_catalog_is_declared() -> None:
    doc = catalog(None)
    prefixes = {term.split(":", 1)[0] for term in compact_iris(doc) if not term.startswith("@")}
    assert prefixes <= set(doc["@context"]) - {"@base"}
    assert {"dcat", "dct", "foaf", "vcard", "xsd"} <= prefixes
    assert all(re.fullmatch(r"https?://\S+[#/]", v)
               for k, v in doc["@context"].items() if k != "@base")


def test_dcat_catalog_refuses_a_repeated_entry_and_a_bad_base_url() -> None:
    with pytest.raises(ReleaseError) as err:
        dcat_catalog([HOMICIDES, HOMICIDES], title={"es": "x"}, publisher="MX",
                     languages=["es"], base_url=None, modified="2024-05-01T12:00:00Z")
    assert err.value.key == "16.1.1"
    with pytest.raises(ReleaseError, match="base URL"):
        dcat_catalog([], title={"es": "x"}, publisher="MX", languages=["es"],
                     base_url="javascript:alert(1)", modified="2024-05-01T12:00:00Z")


PAGES = ["es/index.html", "en/index.html", "es/16.1.1.html", "en/16.1.1.html",
         "es/goal-16.html", "en/goal-16.html", "es/notes.html"]


def parse(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode("utf-8"))


def test_sitemap_has_one_url_per_page_and_its_language_versions() -> None:
    alternates = language_alternates(PAGES, ["es", "en"])
    root = parse(sitemap_xml(PAGES, base_url=BASE, lastmod="2024-05-01T12:00:00Z",
                             alternates=alternates))
    assert root.tag == f"{{{SITEMAP_NS}}}urlset"
    ns = {"s": SITEMAP_NS, "x": XHTML_NS}
    locs = root.xpath("s:url/s:loc/text()", namespaces=ns)
    assert locs == [f"{BASE}/{p}" for p in PAGES]
    assert set(root.xpath("s:url/s:lastmod/text()", namespaces=ns)) == {
        "2024-05-01T12:00:00+00:00"}
    page = root.xpath(f"s:url[s:loc='{BASE}/en/16.1.1.html']", namespaces=ns)[0]
    links = {link.get("hreflang"): link.get("href")
             for link in page.xpath("x:link[@rel='alternate']", namespaces=ns)}
    assert links == {"es": f"{BASE}/es/16.1.1.html", "en": f"{BASE}/en/16.1.1.html",
                     "x-default": f"{BASE}/es/16.1.1.html"}
    notes = root.xpath(f"s:url[s:loc='{BASE}/es/notes.html']", namespaces=ns)[0]
    assert notes.xpath("x:link", namespaces=ns) == []  # no English version


def test_sitemap_without_a_base_url_lists_relative_paths() -> None:
    xml = sitemap_xml([*PAGES, PAGES[0]], base_url=None, lastmod="2024-05-01T12:00:00")
    assert xml.startswith("<?xml version='1.0' encoding='UTF-8'?>")
    root = parse(xml)
    assert root.xpath("s:url/s:loc/text()", namespaces={"s": SITEMAP_NS}) == PAGES
    assert root.xpath("//s:lastmod/text()", namespaces={"s": SITEMAP_NS})[0] == "2024-05-01"


def test_sitemap_escapes_what_it_writes() -> None:
    root = parse(sitemap_xml(["es/a&b <c>.html"], base_url=None, lastmod="2024-05-01"))
    assert root.xpath("//s:loc/text()", namespaces={"s": SITEMAP_NS}) == [
        "es/a%26b%20%3Cc%3E.html"]


def test_sitemap_refuses_a_lastmod_that_is_not_a_date() -> None:
    with pytest.raises(ReleaseError, match="ISO 8601") as err:
        sitemap_xml(PAGES, base_url=None, lastmod="yesterday")
    assert err.value.value == "yesterday"
