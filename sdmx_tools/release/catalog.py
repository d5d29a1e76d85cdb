"""What search engines and open-data portals read of a release: JSON-LD and the sitemap.

Takes one :class:`CatalogEntry` per indicator (plain data the renderer fills) and hands on
a schema.org ``Dataset`` per indicator page (embedded with :func:`jsonld_script`), the
DCAT-AP catalogue of the whole release (``catalog.jsonld``, what CKAN's ckanext-dcat
harvests) and ``sitemap.xml``. Links are relative unless the workspace gives a
``base_url``: pages must work from ``file://`` and under any sub-path.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from lxml import etree
from markupsafe import Markup

from sdmx_tools.errors import ReleaseError

__all__ = [
    "CatalogEntry",
    "dataset_jsonld",
    "dcat_catalog",
    "jsonld_script",
    "language_alternates",
    "licence_url",
    "sitemap_xml",
]

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
_EU = "http://publications.europa.eu/resource/authority/"
# ISO 639-1 -> the EU language authority's code (only those checked by hand).
_EU_LANGUAGES = {"es": "SPA", "en": "ENG", "fr": "FRA", "pt": "POR", "de": "DEU",
                 "it": "ITA", "nl": "NLD"}
_EU_FILE_TYPES = {".xml": "XML", ".csv": "CSV", ".json": "JSON", ".zip": "ZIP",
                  ".jsonld": "JSON_LD"}
_SDG = "http://metadata.un.org/sdg/"  # the UN SDG KOS: goals are /16, targets /16.1
_MEXICO = {"es": "México", "en": "Mexico"}
_LEVELS = {"es": {"nation": "nacional", "state": "estatal", "municipality": "municipal"},
           "en": {"nation": "national", "state": "state", "municipality": "municipal"}}
_LEVELS_NAME = {"es": "Niveles geográficos", "en": "Geographic levels"}

# Licence names as sources spell them, normalised by _licence_key, to the licence's URL.
_CC = "https://creativecommons.org/"
_BY, _CC0 = f"{_CC}licenses/by/4.0/", f"{_CC}publicdomain/zero/1.0/"
_ODBL = "https://opendatacommons.org/licenses/odbl/1-0/"
_LICENCES = {"cc by 4.0": _BY, "cc by 4.0 international": _BY,
             "creative commons attribution 4.0 international": _BY,
             "cc by sa 4.0": f"{_CC}licenses/by-sa/4.0/", "cc0": _CC0, "cc0 1.0": _CC0,
             "odbl": _ODBL, "odbl 1.0": _ODBL, "libre uso mx": "https://datos.gob.mx/libreusomx"}
_LICENCE_PREFIXES = ("licencia de ", "licencia ", "licence ", "license ", "términos de ",
                     "terminos de ")

# Characters that must not appear literally inside <script>: "</script>" and "<!--"
# would end or confuse it, "&" matters in XHTML, U+2028/9 end a line in old JavaScript.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                   "\u2028": "\\u2028", "\u2029": "\\u2029"}
_PERIOD = re.compile(r"^(\d{4})(?:-(?:(\d{2})(?:-(\d{2}))?|([QSMAW])(\d{1,2})))?$")


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One indicator as the catalogue and the JSON-LD of its pages describe it.

    Attributes
    ----------
    id, series, goal, target
        ``"16.1.1"``, the SDMX SERIES code ``"VC_IHR_PSRC"``, ``16``, ``"16.1"``.
    names, descriptions, units
        Per language: the indicator's name, its definition (may be ``""``) and its unit.
    periods
        First and last ``TIME_PERIOD``; None when the indicator has no data.
    levels
        The territorial levels present (``"nation"``, ``"state"``, ``"municipality"``).
    keywords
        Per language.
    licence
        The sources' licence: a name (``"CC BY 4.0"``) or a URL (see :func:`licence_url`).
    publisher
        The publishing agency's id or name.
    modified
        ISO 8601 timestamp of the release.
    downloads
        ``(site-relative path, media type, format name)`` per file, e.g.
        ``("downloads/16.1.1/16.1.1.csv", "text/csv", "CSV")``.
    """

    id: str
    series: str
    goal: int
    target: str
    names: dict[str, str]
    descriptions: dict[str, str]
    units: dict[str, str]
    periods: tuple[str, str] | None
    levels: tuple[str, ...]
    keywords: dict[str, list[str]]
    licence: str
    publisher: str
    modified: str
    downloads: tuple[tuple[str, str, str], ...]


def licence_url(licence: str) -> str:
    """The URL of a well-known licence named as sources spell it, else the text as given.

    ``"CC BY 4.0"``, ``"CC-BY-4.0"``, ``"cc by 4.0"`` and ``"Libre uso MX"`` (the Mexican
    government's *Términos de Libre Uso MX*) are recognised, as are CC BY-SA 4.0, CC0 and
    ODbL; only licences whose URL is certain are mapped.

    Parameters
    ----------
    licence
        Free text from a source spec, or a URL.

    Returns
    -------
    str
        A URL, or ``licence`` stripped when it is a URL already or unknown.
    """
    text = licence.strip()
    return _LICENCES.get(_licence_key(text), text)


def _licence_key(text: str) -> str:
    key = " ".join(re.sub(r"[-_/,]+", " ", text.lower()).split())
    for prefix in _LICENCE_PREFIXES:
        key = key.removeprefix(prefix)
    return key


def _is_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _base(base_url: str | None) -> str | None:
    if base_url is None:
        return None
    if not _is_url(base_url):
        raise ReleaseError("the site's base URL is not an http(s) URL", value=base_url,
                           hint="give an absolute URL such as https://example.org/ods/, "
                                "or none for relative links")
    return base_url if base_url.endswith("/") else f"{base_url}/"


def _href(path: str, base: str | None, start: str = "") -> str:
    """``path`` (site-relative) as a link: absolute under ``base``, else from ``start``."""
    quoted = quote(path, safe="/#")
    if base is not None:
        return urljoin(base, quoted)
    return posixpath.relpath(quoted, start or ".") if start else quoted


def _pick(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang) or next((v for v in texts.values() if v), "")


def _period_bounds(period: str) -> tuple[str, str, str | None]:
    """First and last day (or year, month) of an SDMX period, and their XSD type."""
    m = _PERIOD.match(period.strip())
    if m is None:
        return period, period, None
    year, month, day, freq, num = m.groups()
    if day:
        return period, period, "date"
    if month:
        return period, period, "gYearMonth"
    if freq is None or (freq == "A" and num == "1"):
        return year, year, "gYear"
    months = {"Q": 3, "S": 6, "M": 1}.get(freq)
    if months is None or not 1 <= int(num) <= 12 // months:
        return period, period, None  # weeks and odd periods stay as SDMX spells them
    first = (int(num) - 1) * months + 1
    last = first + months - 1
    end = (date(int(year) + (last == 12), last % 12 + 1, 1).toordinal() - 1)
    return f"{year}-{first:02d}-01", date.fromordinal(end).isoformat(), "date"


def _temporal_coverage(periods: tuple[str, str]) -> str:
    start, end = _period_bounds(periods[0])[0], _period_bounds(periods[1])[1]
    return start if start == end else f"{start}/{end}"


def dataset_jsonld(entry: CatalogEntry, lang: str, *, page: str,
                   base_url: str | None) -> dict[str, Any]:
    """The schema.org ``Dataset`` of an indicator page, for Google Dataset Search.

    Parameters
    ----------
    entry
        The indicator.
    lang
        The page's language (texts missing in it fall back to the first one given).
    page
        The page's site-relative path, e.g. ``"es/16.1.1.html"``.
    base_url
        Where the site is served. None: every URL is relative to ``page`` (downloads are
        ``"../downloads/…"``); else absolute.

    Returns
    -------
    dict
        JSON-LD with ``@context`` https://schema.org, ready for :func:`jsonld_script`.
    """
    base = _base(base_url)
    start = posixpath.dirname(page)
    org = {"@type": "Organization", "name": entry.publisher}
    name = _pick(entry.names, lang)
    levels = [_LEVELS.get(lang, {}).get(level, level) for level in entry.levels]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": name,
        "description": entry.descriptions.get(lang) or name,  # never another language
        "identifier": entry.id,
        "alternateName": entry.series,
        "url": _href(page, base, start),
        "inLanguage": lang,
        "keywords": list(entry.keywords.get(lang, [])),
        "license": licence_url(entry.licence),
        "creator": org,
        "publisher": org,
        "isAccessibleForFree": True,
        "spatialCoverage": {
            "@type": "Place",
            "name": _MEXICO.get(lang, "México"),
            "sameAs": "https://www.wikidata.org/wiki/Q96",
            "additionalProperty": {"@type": "PropertyValue",
                                   "name": _LEVELS_NAME.get(lang, "levels"),
                                   "value": levels},
        },
        "variableMeasured": {"@type": "PropertyValue", "name": name,
                             "propertyID": entry.series,
                             "unitText": _pick(entry.units, lang)},
        "distribution": [{"@type": "DataDownload", "name": fmt,
                          "contentUrl": _href(path, base, start), "encodingFormat": media}
                         for path, media, fmt in entry.downloads],
        "dateModified": entry.modified,
    }
    if entry.periods is not None:
        data["temporalCoverage"] = _temporal_coverage(entry.periods)
    return data


def jsonld_script(data: dict[str, Any]) -> Markup:
    """A ``<script type="application/ld+json">`` element, safe to embed in a page.

    ``<``, ``>``, ``&``, U+2028 and U+2029 are written as ``\\u003c`` and so on (they can
    only occur inside JSON strings), so crowdsourced text holding ``</script>`` or
    ``<!--`` cannot end the element; the text still parses to the same JSON.

    Parameters
    ----------
    data
        JSON-serialisable data (no NaN: JSON has none).

    Returns
    -------
    Markup
        The element, marked safe for Jinja2.
    """
    try:
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ReleaseError(f"the JSON-LD cannot be written: {exc}",
                           hint="give only strings, numbers, lists and mappings") from exc
    for char, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escaped)
    return Markup(f'<script type="application/ld+json">{text}</script>')


def _tagged(texts: Mapping[str, str], languages: Sequence[str]) -> list[dict[str, str]]:
    return [{"@value": texts[lang], "@language": lang} for lang in languages
            if texts.get(lang)]


def _language(lang: str) -> dict[str, str]:
    code = _EU_LANGUAGES.get(lang.lower())
    if code is None:  # no checked EU code: the BCP 47 tag as a literal
        return {"@value": lang, "@type": "xsd:language"}
    return {"@id": f"{_EU}language/{code}"}


def _licence_node(licence: str) -> dict[str, str]:
    url = licence_url(licence)
    if _is_url(url):
        return {"@id": url}
    # ckanext-dcat matches a licence by its URI, else by the dct:title of its node.
    return {"@type": "dct:LicenseDocument", "dct:title": url}


def _typed(period: str, which: int) -> dict[str, str] | str:
    start, end, kind = _period_bounds(period)
    value = end if which else start
    return {"@value": value, "@type": f"xsd:{kind}"} if kind else value


def _distribution(path: str, media: str, fmt: str, licence: dict[str, str],
                  base: str | None) -> dict[str, Any]:
    url = {"@id": _href(path, base)}
    node: dict[str, Any] = {"@type": "dcat:Distribution", "dct:title": fmt,
                            "dcat:accessURL": url, "dcat:downloadURL": url,
                            "dcat:mediaType": media, "dct:license": licence}
    file_type = _EU_FILE_TYPES.get(posixpath.splitext(path)[1].lower())
    if file_type:
        node["dct:format"] = {"@id": f"{_EU}file-type/{file_type}"}
    return node


def _dcat_dataset(entry: CatalogEntry, languages: Sequence[str], base: str | None
                  ) -> dict[str, Any]:
    publisher = {"@type": "foaf:Agent", "foaf:name": entry.publisher}
    descriptions = {lang: entry.descriptions.get(lang) or entry.names.get(lang, "")
                    for lang in languages}
    licence = _licence_node(entry.licence)
    node: dict[str, Any] = {
        "@id": _href(f"catalog.jsonld#{entry.id}", base),
        "@type": "dcat:Dataset",
        "dct:identifier": entry.id,
        "dct:title": _tagged(entry.names, languages),
        "dct:description": _tagged(descriptions, languages),
        "dcat:keyword": [{"@value": word, "@language": lang} for lang in languages
                         for word in entry.keywords.get(lang, [])],
        "dcat:theme": {"@id": f"{_SDG}{entry.goal}"},
        "dct:subject": {"@id": f"{_SDG}{entry.target}"},
        "dct:publisher": publisher,
        "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": entry.publisher},
        "dct:language": [_language(lang) for lang in languages],
        "dct:spatial": {"@id": f"{_EU}country/MEX"},
        "dct:modified": {"@value": entry.modified, "@type": "xsd:dateTime"},
        "dcat:landingPage": {"@id": _href(f"{languages[0]}/{entry.id}.html", base)},
        "dcat:distribution": [_distribution(path, media, fmt, licence, base)
                              for path, media, fmt in entry.downloads],
    }
    if entry.periods is not None:
        node["dct:temporal"] = {"@type": "dct:PeriodOfTime",
                                "dcat:startDate": _typed(entry.periods[0], 0),
                                "dcat:endDate": _typed(entry.periods[1], 1)}
    return node


def dcat_catalog(entries: Sequence[CatalogEntry], *, title: dict[str, str], publisher: str,
                 languages: Sequence[str], base_url: str | None, modified: str,
                 description: dict[str, str] | None = None) -> dict[str, Any]:
    """The release's DCAT-AP catalogue as JSON-LD (``catalog.jsonld``), for CKAN.

    One ``dcat:Dataset`` per entry with its titles and descriptions tagged per language,
    keywords, the SDG goal as ``dcat:theme`` and the target as ``dct:subject`` (UN SDG KOS
    IRIs), ``dct:temporal``, the default language's page as ``dcat:landingPage`` and a
    ``dcat:Distribution`` per download (``dcat:mediaType`` as the media type text,
    ``dct:format`` an EU file-type IRI, ``dct:license`` the licence's URL, or a
    ``dct:LicenseDocument`` titled with its name when no URL is known).

    Without ``base_url`` every IRI is relative to the site's root and ``@base`` is
    ``"./"``: a JSON-LD processor resolves them against the address ``catalog.jsonld`` is
    read from, which is the site's root. Harvesters that are handed the document's text
    without its address (ckanext-dcat among them) need ``base_url`` to get usable links.
    With ``base_url`` the IRIs are absolute and ``@base`` is ``base_url``.

    Parameters
    ----------
    entries
        The indicators.
    title, description
        Per language; ``description`` defaults to ``title``.
    publisher
        The publishing agency's id or name.
    languages
        The site's languages, the first the default.
    base_url
        Where the site is served, or None.
    modified
        ISO 8601 timestamp of the release.

    Returns
    -------
    dict
        The JSON-LD document (write it with ``json.dumps``).
    """
    if not languages:
        raise ReleaseError("the catalogue needs at least one language",
                           hint="list the site's languages, the default first")
    base = _base(base_url)
    ids = [e.id for e in entries]
    if twice := sorted(i for i in set(ids) if ids.count(i) > 1):
        raise ReleaseError("an indicator is listed twice in the catalogue", key=twice[0],
                           hint="give one catalogue entry per indicator")
    return {
        "@context": {**DCAT_CONTEXT, "@base": base or "./"},
        "@id": _href("catalog.jsonld", base),
        "@type": "dcat:Catalog",
        "dct:title": _tagged(title, languages),
        "dct:description": _tagged(description or title, languages),
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": publisher},
        "dct:modified": {"@value": modified, "@type": "xsd:dateTime"},
        "dct:language": [_language(lang) for lang in languages],
        "foaf:homepage": {"@id": _href(f"{languages[0]}/index.html", base)},
        "dcat:dataset": [_dcat_dataset(e, languages, base) for e in entries],
    }


def _w3c_date(stamp: str) -> str:
    try:
        when = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ReleaseError("the release time is not an ISO 8601 timestamp", value=stamp,
                           hint="give e.g. 2024-05-01T12:00:00+00:00") from exc
    if when.tzinfo is None:  # W3C Datetime needs a time zone with a time: keep the day
        return when.date().isoformat()
    return when.replace(microsecond=0).isoformat()


def language_alternates(pages: Sequence[str], languages: Sequence[str]
                        ) -> dict[str, dict[str, str]]:
    """The language versions of each page of the fixed layout, for :func:`sitemap_xml`.

    A page ``{lang}/{name}`` has the versions ``{other}/{name}`` that are in ``pages``,
    itself included, and ``x-default``: the first language's version. Pages outside a
    language folder have none.

    Parameters
    ----------
    pages
        Site-relative paths, e.g. ``["es/16.1.1.html", "en/16.1.1.html"]``.
    languages
        The site's languages, the default first.

    Returns
    -------
    dict
        page -> {hreflang: page}.
    """
    present = set(pages)
    out: dict[str, dict[str, str]] = {}
    for page in pages:
        lang, _, rest = page.partition("/")
        if lang not in languages or not rest:
            continue
        versions = {other: f"{other}/{rest}" for other in languages
                    if f"{other}/{rest}" in present}
        if len(versions) > 1:
            default = f"{languages[0]}/{rest}"
            out[page] = {**versions, **({"x-default": default} if default in present else {})}
    return out


def sitemap_xml(pages: Sequence[str], *, base_url: str | None, lastmod: str,
                alternates: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """``sitemap.xml`` (sitemaps.org 0.9) with the pages' language versions.

    Search engines only accept absolute ``<loc>`` URLs: without ``base_url`` the locations
    are the site-relative paths, which keeps the file valid XML and useful to tools, but a
    site meant to be indexed needs ``base_url``.

    Parameters
    ----------
    pages
        Site-relative paths, one ``<url>`` each (repeats are written once).
    base_url
        Where the site is served, or None.
    lastmod
        ISO 8601 timestamp of the release, written as a W3C Datetime.
    alternates
        page -> {hreflang: page}, as ``xhtml:link rel="alternate"``; Google wants every
        version listed on each page, itself included (:func:`language_alternates`).

    Returns
    -------
    str
        The XML document, with its declaration.
    """
    base = _base(base_url)
    modified = _w3c_date(lastmod)
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "xhtml": XHTML_NS})
    for page in dict.fromkeys(pages):
        url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = _href(page, base)
        etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = modified
        for lang, other in (alternates or {}).get(page, {}).items():
            etree.SubElement(url, f"{{{XHTML_NS}}}link", rel="alternate", hreflang=lang,
                             href=_href(other, base))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                          pretty_print=True).decode("utf-8")
