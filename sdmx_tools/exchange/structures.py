"""SDMX structures of the national SDG dataflow, built with the sdmx1 information model.

Codelists, the concept scheme, the DSD and the dataflow, written as one SDMX-ML 2.1
structure message. sdmx1's writer fills in no defaults (SDMX_NOTES.md): every maintainable
gets a name, is_final and is_external_reference, the descriptors their ids, attributes
their usage and relationship; and its class-name URNs are rewritten to the standard ones.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree
from sdmx.dictlike import DictLike
from sdmx.format.xml.v21 import NS, qname
from sdmx.message import Header, StructureMessage
from sdmx.model import common, v21
from sdmx.writer.xml import writer as xml_writer

from sdmx_tools.errors import CodelistError
from sdmx_tools.fsutil import atomic_write
from sdmx_tools.vocabulary.codelists import Codelist
from sdmx_tools.vocabulary.dsd import COMPONENTS

__all__ = ["NationalStructures", "build_structures", "codelists_message", "write_structures"]

VERSION = "1.0"
_TEXT_TYPES = {
    "String": common.FacetValueType.string,
    "Double": common.FacetValueType.double,
    "ObservationalTimePeriod": common.FacetValueType.observationalTimePeriod,
}


@dataclass(frozen=True, slots=True)
class NationalStructures:
    """The structures of one workspace, ready to write or push."""

    message: StructureMessage
    agency: str
    dataflow_id: str
    version: str = VERSION
    series_flows: dict[str, str] = field(default_factory=dict)

    @property
    def dataflow_ref(self) -> str:
        """``AGENCY:ID(VERSION)`` of the dataflow (SDMX-CSV's DATAFLOW column)."""
        return self.flow_ref(self.dataflow_id)

    def flow_ref(self, dataflow_id: str) -> str:
        """``AGENCY:ID(VERSION)`` of one of the workspace's dataflows."""
        return f"{self.agency}:{dataflow_id}({self.version})"


def _istr(names: dict[str, str], fallback: str) -> common.InternationalString:
    names = {k: v for k, v in names.items() if v} or {"en": fallback}
    return common.InternationalString(names)


def _maintainable(cls: type, ident: str, agency: common.Agency, names: dict[str, str],
                  version: str, **kw: object) -> object:
    return cls(id=ident, version=version, maintainer=agency, name=_istr(names, ident),
               is_final=True, is_external_reference=False, **kw)


def to_sdmx_codelist(cl: Codelist, agency: common.Agency) -> common.Codelist:
    """One of our codelists as an sdmx1 Codelist (parents kept as code hierarchy)."""
    out = _maintainable(common.Codelist, cl.id, agency, cl.names, cl.version)
    codes: dict[str, common.Code] = {}
    for code in cl:
        c = common.Code(id=code.id, name=_istr(code.names, code.id))
        codes[code.id] = c
        out.append(c)  # type: ignore[attr-defined]
    for code in cl:
        if code.parent:
            codes[code.id].parent = codes[code.parent]
            codes[code.parent].child.append(codes[code.id])
    return out  # type: ignore[return-value]


def build_structures(codelists: dict[str, Codelist], agency_id: str, dataflow_id: str,
                     *, dataflow_names: dict[str, str] | None = None,
                     synthetic: bool = False,
                     series_names: Mapping[str, Mapping[str, str]] | None = None,
                     version: str = VERSION) -> NationalStructures:
    """Build the national codelists, concept scheme, DSD and dataflow.

    With ``series_names`` (series code -> names by language), one more dataflow per
    series, ``{dataflow_id}_{SERIES}``, with the same DSD: the indicator's own dataflow.
    ``version`` is that of the concept scheme, the DSD and the dataflows (the workspace's
    ``structure_version``); each codelist keeps its own.

    Raises
    ------
    CodelistError
        When a codelist the DSD needs is missing.
    """
    agency = common.Agency(id=agency_id)
    needed = [c.codelist for c in COMPONENTS if c.codelist]
    missing = [cid for cid in needed if cid not in codelists]
    if missing:
        raise CodelistError("codelist needed by the national DSD is missing", value=missing[0],
                            hint="restore it in codelists/catalogue.toml")
    sdmx_cls = {cid: to_sdmx_codelist(codelists[cid], agency) for cid in dict.fromkeys(needed)}

    cs = _maintainable(common.ConceptScheme, "CS_SDG", agency,
                       {"en": "SDG concepts", "es": "Conceptos ODS"}, version)
    for comp in COMPONENTS:
        cs.append(common.Concept(id=comp.id,  # type: ignore[attr-defined]
                                 name=_istr({"en": comp.name_en, "es": comp.name_es}, comp.id)))

    dsd = _maintainable(v21.DataStructureDefinition, "SDG", agency,
                        {"en": "National SDG data structure",
                         "es": "Estructura nacional de datos ODS"}, version)
    _fill_dsd(dsd, cs, sdmx_cls)  # type: ignore[arg-type]
    if synthetic:
        dsd.annotations.append(_synthetic_annotation())  # type: ignore[attr-defined]
    flow_names = dataflow_names or {"en": "SDG indicators", "es": "Indicadores ODS"}
    df = _maintainable(v21.DataflowDefinition, dataflow_id, agency, flow_names, version,
                       structure=dsd)
    if synthetic:
        df.annotations.append(_synthetic_annotation())  # type: ignore[attr-defined]

    flows = [df]
    series_flows = {series: f"{dataflow_id}_{series}" for series in series_names or {}}
    for series, flow_id in series_flows.items():
        flows.append(_maintainable(v21.DataflowDefinition, flow_id, agency,
                                   dict((series_names or {})[series]), version, structure=dsd))
        if synthetic:
            flows[-1].annotations.append(_synthetic_annotation())  # type: ignore[attr-defined]
    msg = StructureMessage(header=_header(agency, "STR"))
    for obj in (*sdmx_cls.values(), cs, dsd, *flows):
        msg.add(obj)
    return NationalStructures(message=msg, agency=agency_id, dataflow_id=dataflow_id,
                              version=version, series_flows=series_flows)


def _fill_dsd(dsd: v21.DataStructureDefinition, cs: common.ConceptScheme,
              cls: dict[str, common.Codelist]) -> None:
    dsd.dimensions.id = "DimensionDescriptor"
    dsd.attributes.id = "AttributeDescriptor"
    dsd.measures.id = "MeasureDescriptor"
    dims: list[common.Dimension] = []
    for order, comp in enumerate(COMPONENTS, 1):
        rep = (common.Representation(enumerated=cls[comp.codelist]) if comp.codelist else
               common.Representation(non_enumerated=[
                   common.Facet(value_type=_TEXT_TYPES[comp.text_type])]))
        concept = cs[comp.id]
        if comp.role == "dimension":
            dim = common.Dimension(id=comp.id, concept_identity=concept,
                                   local_representation=rep, order=order)
            dsd.dimensions.append(dim)
            dims.append(dim)
        elif comp.role == "time":
            dsd.dimensions.append(common.TimeDimension(
                id=comp.id, concept_identity=concept, local_representation=rep, order=order))
        elif comp.role == "measure":
            dsd.measures.append(v21.PrimaryMeasure(id=comp.id, concept_identity=concept))
        else:
            related = (common.DimensionRelationship(dimensions=list(dims))
                       if comp.attachment == "series" else v21.PrimaryMeasureRelationship())
            dsd.attributes.append(v21.DataAttribute(
                id=comp.id, concept_identity=concept, local_representation=rep,
                usage_status=(common.UsageStatus.mandatory if comp.mandatory
                              else common.UsageStatus.conditional),
                related_to=related))


def _synthetic_annotation() -> v21.Annotation:
    return v21.Annotation(
        id="SYNTHETIC", type="NOTE",
        text=common.InternationalString({
            "en": "Synthetic demonstration data: not official statistics.",
            "es": "Datos sintéticos de demostración: no son estadísticas oficiales."}))


def _header(agency: common.Agency, prefix: str) -> Header:
    now = datetime.now(UTC).replace(microsecond=0)
    return Header(id=f"{prefix}{now:%Y%m%dT%H%M%S}", sender=agency, test=False,
                  prepared=now.replace(tzinfo=None))


def codelists_message(codelists: Iterable[Codelist], agency_id: str) -> StructureMessage:
    """A structure message holding only the given codelists (``codelists export``)."""
    agency = common.Agency(id=agency_id)
    msg = StructureMessage(header=_header(agency, "CL"))
    for cl in codelists:
        msg.add(to_sdmx_codelist(cl, agency))
    return msg


# sdmx1 2.28 writes URNs with class names; the standard (and every registry) uses these.
_CODE, _NAME, _PARENT = (str(qname(tag)) for tag in ("str:Code", "com:Name", "str:Parent"))
_LANG = str(qname("xml", "lang"))
_URN_FIXES: Sequence[tuple[bytes, bytes]] = (
    (b".datastructure.DataStructureDefinition=", b".datastructure.DataStructure="),
    (b".datastructure.DataflowDefinition=", b".datastructure.Dataflow="),
)


def to_xml_bytes(msg: StructureMessage) -> bytes:
    """SDMX-ML 2.1 bytes of a structure message, with standard URNs.

    sdmx1 writes the message; the codes of its codelists, when they are plain (an id,
    names, a parent: all :func:`to_sdmx_codelist` makes), are written here, as sdmx1
    writes them (a test holds the two byte for byte): sdmx1 builds each element through
    a Python element factory, a fifth of a second for the 2,500 areas, in every convert.
    """
    hollow, codes = _without_plain_codes(msg)
    root = xml_writer.recurse(hollow)
    for element in root.iterfind(f".//{{{NS['str']}}}Codelist"):
        items = codes.get(element.get("id", ""))
        if items is not None:
            _append_codes(element, items)
    xml: bytes = etree.tostring(root, encoding="utf-8", xml_declaration=True,
                                pretty_print=True)
    for old, new in _URN_FIXES:
        xml = xml.replace(old, new)
    return xml


def _without_plain_codes(msg: StructureMessage
                         ) -> tuple[StructureMessage, dict[str, Sequence[common.Code]]]:
    """A copy of ``msg`` whose codelists of plain codes are empty, and those codes by
    codelist id (the message itself is left alone)."""
    hollow = copy.copy(msg)
    hollow.codelist = DictLike()
    codes: dict[str, Sequence[common.Code]] = {}
    for cid, cl in msg.codelist.items():
        items = list(cl.items.values())
        if all(not c.annotations and not c.description.localizations and c.urn is None
               for c in items):
            codes[cid] = items
            cl = copy.copy(cl)
            cl.items = {}
        hollow.codelist[cid] = cl
    return hollow, codes


def _append_codes(element: etree._Element, codes: Sequence[common.Code]) -> None:
    for code in codes:
        item = etree.SubElement(element, _CODE, id=code.id)
        for lang, text in code.name.localizations.items():
            name = etree.SubElement(item, _NAME)
            name.text = text
            name.set(_LANG, lang)
        if isinstance(code.parent, common.Code):
            etree.SubElement(etree.SubElement(item, _PARENT), "Ref", id=code.parent.id)


def write_structures(msg: StructureMessage, path: Path) -> Path:
    """Write a structure message to ``path`` atomically; returns the path."""
    data = to_xml_bytes(msg)
    with atomic_write(Path(path), "wb") as fh:
        fh.write(data)
    return Path(path)
