"""The SDMX media types the registry serves and the push clients send, and the one
``Accept`` / ``?format=`` negotiation both the structure and the data endpoints use."""

from __future__ import annotations

from collections.abc import Mapping

from sdmx_tools.registry.http import HTTPFailure
from sdmx_tools.registry.outcome import DataFormat

__all__ = [
    "DATA_TYPES", "MEDIA_TYPES", "STRUCTURE_JSON", "STRUCTURE_TYPES", "STRUCTURE_XML",
    "negotiate_data", "negotiate_structure", "with_charset",
]

STRUCTURE_XML = "application/vnd.sdmx.structure+xml; version=2.1"
STRUCTURE_JSON = "application/vnd.sdmx.structure+json; version=2.0.0"
#: Structure formats served, by the names :func:`negotiate_structure` returns.
STRUCTURE_TYPES = {"xml": STRUCTURE_XML, "json": STRUCTURE_JSON}

#: Data formats served, by the names :func:`negotiate_data` returns.
MEDIA_TYPES = {
    "structurespecific": "application/vnd.sdmx.structurespecificdata+xml; version=2.1",
    "generic": "application/vnd.sdmx.genericdata+xml; version=2.1",
    "csv1": "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8",
    "csv2": "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8",
    "json": "application/vnd.sdmx.data+json; version=2.0.0; charset=utf-8",
}
#: What a push sends, by the data file formats of :class:`~.outcome.DataFile`.
DATA_TYPES: dict[DataFormat, str] = {
    "sdmx-ml": "application/vnd.sdmx.structurespecificdata+xml; version=2.1",
    "sdmx-csv": "application/vnd.sdmx.data+csv; version=1.0.0",
    "sdmx-csv2": "application/vnd.sdmx.data+csv; version=2.0.0",
}

_ANY = {"*/*", "*", "application/*"}
_XML = {"application/xml", "text/xml"}
# (media type, version prefix or "" for any) -> format; first match wins.
_DATA_MEDIA: list[tuple[str, str, str]] = [
    ("application/vnd.sdmx.structurespecificdata+xml", "2.1", "structurespecific"),
    ("application/vnd.sdmx.genericdata+xml", "2.1", "generic"),
    ("application/vnd.sdmx.data+csv", "1", "csv1"),  # unversioned: 1.0, as before 2.0
    ("application/vnd.sdmx.data+csv", "2", "csv2"),
    ("text/csv", "", "csv1"),
    ("application/csv", "", "csv1"),
    ("application/vnd.sdmx.data+json", "2", "json"),
    ("application/json", "", "json"),
]
_DATA_FORMAT_PARAM = {
    "structurespecificdata": "structurespecific", "genericdata": "generic",
    "csvfile": "csv1", "csv": "csv1", "sdmx-csv": "csv1", "sdmx-csv2": "csv2",
    "jsondata": "json", "json": "json", "sdmx-json": "json",
}
_STRUCTURE_MEDIA: list[tuple[str, str, str]] = [
    ("application/vnd.sdmx.structure+xml", "2.1", "xml"),
    ("application/vnd.sdmx.structure+json", "2.0", "json"),
    ("application/json", "", "json"),
]
_STRUCTURE_FORMAT_PARAM = {"sdmx-ml": "xml", "structure": "xml", "xml": "xml",
                           "sdmx-2.1": "xml", "sdmx-json": "json", "json": "json",
                           "structure+json": "json"}


def with_charset(media_type: str) -> str:
    """``media_type`` declaring UTF-8, as the server labels the text it answers."""
    return media_type if "charset=" in media_type else f"{media_type}; charset=utf-8"


def _ranges(accept: str) -> list[tuple[str, str]]:
    """``(media type, version)`` of each acceptable range, best quality first (RFC 9110)."""
    ranges = []
    for i, item in enumerate((accept or "*/*").split(",")):
        media, *params = [p.strip() for p in item.split(";")]
        options = {k.strip().lower(): v.strip().strip('"') for k, _, v in
                   (p.partition("=") for p in params)}
        try:
            quality = float(options.get("q", "1"))
        except ValueError:
            quality = 0.0
        if quality > 0 and media:
            ranges.append((-quality, i, media.lower(), options.get("version", "")))
    return [(media, version) for _, _, media, version in sorted(ranges)]


def _negotiate(accept: str, format_param: str, table: list[tuple[str, str, str]],
               params: Mapping[str, str], default: str, served: Mapping[str, str],
               what: str) -> str:
    if format_param:
        chosen = params.get(format_param.strip().lower())
        if chosen is None:
            raise HTTPFailure(406, f"format {format_param!r} cannot be produced for {what}; "
                              "use one of " + ", ".join(sorted(params)))
        return chosen
    for media, version in _ranges(accept):
        if media in _ANY or media in _XML:
            return default
        for known, prefix, name in table:
            if media == known and (not version or not prefix or version.startswith(prefix)):
                return name
    raise HTTPFailure(406, f"none of {accept!r} can be produced for {what}; served: "
                      + ", ".join(served.values()))


def negotiate_data(accept: str, format_param: str = "") -> str:
    """The data answer's format (a key of :data:`MEDIA_TYPES`); 406 when none fits."""
    return _negotiate(accept, format_param, _DATA_MEDIA, _DATA_FORMAT_PARAM,
                      "structurespecific", MEDIA_TYPES, "data")


def negotiate_structure(accept: str, format_param: str = "") -> str:
    """The structure answer's format (a key of :data:`STRUCTURE_TYPES`); 406 when none fits."""
    return _negotiate(accept, format_param, _STRUCTURE_MEDIA, _STRUCTURE_FORMAT_PARAM,
                      "xml", STRUCTURE_TYPES, "structures")
