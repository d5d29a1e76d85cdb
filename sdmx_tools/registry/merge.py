"""The ``Merge`` submission action: add submitted items to a stored item scheme."""

from __future__ import annotations

import copy

from lxml import etree

from sdmx_tools.exchange.xmlsafe import parse

__all__ = ["merge_item_schemes"]

# Items of the item schemes (they come last in every ItemSchemeType, after names and
# annotations, so appending them keeps the schema order).
_ITEMS = {
    "Code", "Concept", "Category", "Agency", "DataProvider", "DataConsumer",
    "OrganisationUnit", "ReportingCategory",
}


def _items(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and etree.QName(c).localname in _ITEMS]


def merge_item_schemes(stored: bytes, submitted: etree._Element) -> etree._Element:
    """The submitted scheme with the stored items it does not mention kept, in stored order.

    A codelist stored with A, B, C and submitted with B', X becomes A, B', C, X. For an
    artefact that is not an item scheme, the submitted element is returned as it is.
    """
    new_items = _items(submitted)
    if not new_items:
        return submitted
    old = parse(stored, what="stored artefact")
    result = copy.deepcopy(submitted)
    for item in _items(result):
        result.remove(item)
    by_id = {i.get("id"): i for i in new_items}
    for item in _items(old):
        result.append(copy.deepcopy(by_id.pop(item.get("id"), item)))
    for item in new_items:
        if item.get("id") in by_id:
            result.append(copy.deepcopy(item))
    return result
