"""SDMX-ML 2.1 references and URNs: one reading of them for every module that follows one.

A reference is a ``Ref`` child (attributes; ``class`` and ``package`` may be left to the
element it stands in) or a ``URN`` child. Both are read here as a URN, and a URN as its
parts; the patterns are anchored and without nested quantifiers (linear on any input).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from lxml import etree

from sdmx_tools.errors import StructureError

__all__ = ["UrnParts", "parse_urn", "reference_urn"]

_URN = re.compile(
    r"^urn:sdmx:org\.sdmx\.infomodel\.(?P<package>[a-z]+)\.(?P<cls>\w+)="
    r"(?P<agency>[^:]+):(?P<id>[^(]+)\((?P<version>[^)]+)\)(?:\.(?P<item>.+))?$"
)


class UrnParts(NamedTuple):
    """A URN's package, class, maintainer, maintainable id and version, and item id (or
    None)."""

    package: str
    cls: str
    agency: str
    id: str
    version: str
    item: str | None


def parse_urn(text: str) -> UrnParts | None:
    """The parts of an SDMX URN, or None when ``text`` is not one."""
    m = _URN.match(text.strip())
    return UrnParts(m["package"], m["cls"], m["agency"], m["id"], m["version"],
                    m["item"]) if m else None


def reference_urn(el: etree._Element, default: tuple[str, str]) -> str:
    """The URN an SDMX-ML 2.1 reference (``Ref`` or ``URN`` child) points to; ``default``
    is the ``(class, package)`` a ``Ref`` without them means where it stands.

    Raises
    ------
    StructureError
        When ``el`` holds neither.
    """
    urn = el.find("URN")
    if urn is not None and urn.text:
        return urn.text.strip()
    ref = el.find("Ref")
    if ref is None:
        raise StructureError("a reference has neither Ref nor URN",
                             value=etree.QName(el).localname)
    cls, package = ref.get("class", default[0]), ref.get("package", default[1])
    head = f"urn:sdmx:org.sdmx.infomodel.{package}.{cls}={ref.get('agencyID')}"
    parent = ref.get("maintainableParentID")
    if parent:
        return f"{head}:{parent}({ref.get('maintainableParentVersion', '1.0')}).{ref.get('id')}"
    return f"{head}:{ref.get('id')}({ref.get('version', '1.0')})"
