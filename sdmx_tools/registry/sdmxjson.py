"""SDMX-JSON 2.0 structure messages to SDMX-ML 2.1 artefacts.

pysdmx's ``RegistryMaintenanceClient.put_structures`` (FMR dialect) posts SDMX-JSON 2.0,
not SDMX-ML, so the embedded registry converts the common maintainables (codelists,
concept schemes, agency and category schemes, DSDs, dataflows) into the SDMX-ML 2.1 form
it stores. Other types are refused with a clear message rather than dropped silently.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree

from sdmx_tools.errors import StructureError
from sdmx_tools.exchange.refs import parse_urn
from sdmx_tools.exchange.xmlsafe import q
from sdmx_tools.registry.artefacts import NSMAP, Artefact, iter_artefacts, key_from_urn

__all__ = ["json_to_artefacts"]

_SEMVER_FINAL = re.compile(r"^\d+\.\d+\.\d+$")
_SCHEMES = {  # JSON key -> (container, element, items key, item element)
    "agencySchemes": ("OrganisationSchemes", "AgencyScheme", "agencies", "Agency"),
    "categorySchemes": ("CategorySchemes", "CategoryScheme", "categories", "Category"),
    "codelists": ("Codelists", "Codelist", "codes", "Code"),
    "conceptSchemes": ("Concepts", "ConceptScheme", "concepts", "Concept"),
}
_OTHERS = {"dataflows": ("Dataflows", "Dataflow"), "dataStructures": ("DataStructures",
                                                                       "DataStructure")}


def _s(parent: etree._Element, name: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, q("str", name), {k: v for k, v in attrs.items() if v})


def _texts(parent: etree._Element, obj: dict[str, Any], key: str, tag: str) -> None:
    values = obj.get(key + "s") or ({"en": obj[key]} if obj.get(key) else {})
    for lang, text in values.items():
        el = etree.SubElement(parent, q("com", tag))
        el.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
        el.text = text


def _annotated(parent: etree._Element, obj: dict[str, Any]) -> None:
    notes = obj.get("annotations") or []
    if not notes:
        return
    box = etree.SubElement(parent, q("com", "Annotations"))
    for a in notes:
        el = etree.SubElement(box, q("com", "Annotation"), {"id": a["id"]} if a.get("id") else {})
        for key, tag in (("title", "AnnotationTitle"), ("type", "AnnotationType")):
            if a.get(key):
                etree.SubElement(el, q("com", tag)).text = a[key]
        _texts(el, a, "text", "AnnotationText")


def _named(el: etree._Element, obj: dict[str, Any]) -> etree._Element:
    _annotated(el, obj)
    _texts(el, obj, "name", "Name")
    _texts(el, obj, "description", "Description")
    return el


def _ref(parent: etree._Element, urn: str) -> None:
    item = parse_urn(urn)
    if item is not None and item.item is not None:
        etree.SubElement(parent, "Ref", {
            "agencyID": item.agency, "maintainableParentID": item.id,
            "maintainableParentVersion": item.version, "id": item.item,
            "package": item.package, "class": item.cls})
        return
    key = key_from_urn(urn)
    if key is None:
        raise StructureError("Unreadable SDMX URN in SDMX-JSON message", value=urn)
    etree.SubElement(parent, "Ref", {"agencyID": key[1], "id": key[2], "version": key[3],
                                     "package": urn.split(".")[3], "class": key[0]})


def _representation(parent: etree._Element, rep: dict[str, Any] | None, tag: str) -> None:
    if not rep:
        return
    box = _s(parent, tag)
    if rep.get("enumeration"):
        _ref(_s(box, "Enumeration"), rep["enumeration"])
    elif rep.get("format", {}).get("dataType"):
        _s(box, "TextFormat", textType=rep["format"]["dataType"])


def _maintainable(container: etree._Element, tag: str, obj: dict[str, Any]) -> etree._Element:
    version = obj.get("version", "1.0")
    final = obj.get("isFinal", bool(_SEMVER_FINAL.match(version)))  # pysdmx's rule for 3.0
    el = _s(container, tag, id=obj["id"], agencyID=obj["agencyID"], version=version,
            isFinal="true" if final else "false")
    return _named(el, obj)


def _items(parent: etree._Element, items: list[dict[str, Any]], key: str, tag: str) -> None:
    for it in items:
        el = _named(_s(parent, tag, id=it["id"]), it)
        if tag == "Code" and it.get("parent"):
            etree.SubElement(_s(el, "Parent"), "Ref", id=it["parent"])
        if tag == "Concept":
            _representation(el, it.get("coreRepresentation"), "CoreRepresentation")
        _items(el, it.get(key) or [], key, tag)  # nested categories


def _component(parent: etree._Element, tag: str, c: dict[str, Any], **attrs: str) -> None:
    el = _s(parent, tag, id=c.get("id", ""), **attrs)
    _annotated(el, c)
    _ref(_s(el, "ConceptIdentity"), c["conceptIdentity"])
    _representation(el, c.get("localRepresentation"), "LocalRepresentation")
    if tag == "Attribute":
        rel = c.get("attributeRelationship") or {}
        box = _s(el, "AttributeRelationship")
        if "dimensions" in rel:
            for d in rel["dimensions"]:
                etree.SubElement(_s(box, "Dimension"), "Ref", id=d)
        elif "group" in rel:
            etree.SubElement(_s(box, "Group"), "Ref", id=rel["group"])
        elif "observation" in rel:
            etree.SubElement(_s(box, "PrimaryMeasure"), "Ref", id="OBS_VALUE")
        else:
            _s(box, "None")


def _dsd(container: etree._Element, obj: dict[str, Any]) -> None:
    el = _maintainable(container, "DataStructure", obj)
    comps = obj.get("dataStructureComponents") or {}
    box = _s(el, "DataStructureComponents")
    dims = comps.get("dimensionList") or {}
    dl = _s(box, "DimensionList", id="DimensionDescriptor")
    pos = 0
    for pos, d in enumerate(dims.get("dimensions") or [], start=1):
        _component(dl, "Dimension", d, position=str(d.get("position", pos)))
    if dims.get("timeDimension"):
        _component(dl, "TimeDimension", dims["timeDimension"], position=str(pos + 1))
    for g in comps.get("groups") or []:
        gel = _s(box, "Group", id=g["id"])
        for d in g.get("groupDimensions") or []:
            etree.SubElement(_s(_s(gel, "GroupDimension"), "DimensionReference"), "Ref", id=d)
    measures = (comps.get("measureList") or {}).get("measures") or []
    attributes = (comps.get("attributeList") or {}).get("attributes") or []
    if attributes:
        al = _s(box, "AttributeList", id="AttributeDescriptor")
        for a in attributes:
            mandatory = a.get("usage") == "mandatory" or a.get("assignmentStatus") == "Mandatory"
            status = "Mandatory" if mandatory else "Conditional"
            _component(al, "Attribute", a, assignmentStatus=status)
    ml = _s(box, "MeasureList", id="MeasureDescriptor")
    for m in measures[:1]:  # SDMX 2.1 has one primary measure
        _component(ml, "PrimaryMeasure", m)


def json_to_artefacts(content: bytes) -> list[Artefact]:
    """Convert an SDMX-JSON 2.0 structure message into SDMX-ML 2.1 artefacts.

    Raises
    ------
    StructureError
        If the body is not JSON, or holds a type this converter does not handle.
    """
    try:
        message = json.loads(content)
        data = message["data"]
    except (ValueError, KeyError, TypeError):
        raise StructureError("Not an SDMX-JSON 2.0 structure message (no 'data')") from None
    unknown = sorted(k for k, v in data.items() if v and k not in _SCHEMES and k not in _OTHERS)
    if unknown:
        raise StructureError(
            "SDMX-JSON structure types not supported by the embedded registry: "
            + ", ".join(unknown), hint="send them as SDMX-ML 2.1")
    root = etree.Element(q("mes", "Structure"), nsmap=NSMAP)
    structures = etree.SubElement(root, q("mes", "Structures"))
    try:
        for json_key, (cont, tag, items_key, item_tag) in _SCHEMES.items():
            if data.get(json_key):
                container = _s(structures, cont)
                for obj in data[json_key]:
                    _items(_maintainable(container, tag, obj), obj.get(items_key) or [],
                           items_key, item_tag)
        if data.get("dataflows"):
            container = _s(structures, "Dataflows")
            for obj in data["dataflows"]:
                _ref(_s(_maintainable(container, "Dataflow", obj), "Structure"), obj["structure"])
        if data.get("dataStructures"):
            container = _s(structures, "DataStructures")
            for obj in data["dataStructures"]:
                _dsd(container, obj)
    except (KeyError, TypeError, AttributeError) as exc:
        raise StructureError(f"Incomplete SDMX-JSON structure message: missing {exc}") from None
    # Schema order: put containers in the order str:Structures wants.
    order = ["OrganisationSchemes", "Dataflows", "CategorySchemes", "Codelists", "Concepts",
             "DataStructures"]
    structures[:] = sorted(structures, key=lambda c: order.index(etree.QName(c).localname))
    return list(iter_artefacts(structures))
