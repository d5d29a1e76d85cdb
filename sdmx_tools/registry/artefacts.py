"""SDMX-ML 2.1 maintainable artefacts: split a Structure message, find cross-references.

A registry stores and versions *maintainable* artefacts one by one, so an incoming
``mes:Structure`` message is cut into its maintainables (each kept as a self-contained XML
fragment) and every reference to another maintainable is recorded, which is what the
missing-reference check and ``?references=`` queries need.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from sdmx_tools.errors import StructureError
from sdmx_tools.exchange.refs import parse_urn
from sdmx_tools.exchange.xmlsafe import NS, parse, q

__all__ = [
    "TYPES",
    "Artefact",
    "Key",
    "content_digest",
    "key_from_urn",
    "rest_types",
    "split_structure_message",
    "urn",
]

#: (type, agencyID, id, version): how a registry identifies a maintainable artefact.
Key = tuple[str, str, str, str]


@dataclass(frozen=True)
class TypeInfo:
    """Where a maintainable type lives in SDMX-ML 2.1 and in SDMX-REST."""

    container: str  # str:Structures child holding it, e.g. Codelists
    rest: str  # SDMX-REST resource name, e.g. codelist
    package: str  # URN package, e.g. codelist


# In the schema order of str:Structures (SDMXStructure.xsd, StructuresType).
TYPES: dict[str, TypeInfo] = {
    "AgencyScheme": TypeInfo("OrganisationSchemes", "agencyscheme", "base"),
    "DataConsumerScheme": TypeInfo("OrganisationSchemes", "dataconsumerscheme", "base"),
    "DataProviderScheme": TypeInfo("OrganisationSchemes", "dataproviderscheme", "base"),
    "OrganisationUnitScheme": TypeInfo("OrganisationSchemes", "organisationunitscheme", "base"),
    "Dataflow": TypeInfo("Dataflows", "dataflow", "datastructure"),
    "Metadataflow": TypeInfo("Metadataflows", "metadataflow", "metadatastructure"),
    "CategoryScheme": TypeInfo("CategorySchemes", "categoryscheme", "categoryscheme"),
    "Categorisation": TypeInfo("Categorisations", "categorisation", "categoryscheme"),
    "Codelist": TypeInfo("Codelists", "codelist", "codelist"),
    "HierarchicalCodelist": TypeInfo("HierarchicalCodelists", "hierarchicalcodelist", "codelist"),
    "ConceptScheme": TypeInfo("Concepts", "conceptscheme", "conceptscheme"),
    "MetadataStructure": TypeInfo("MetadataStructures", "metadatastructure", "metadatastructure"),
    "DataStructure": TypeInfo("DataStructures", "datastructure", "datastructure"),
    "StructureSet": TypeInfo("StructureSets", "structureset", "mapping"),
    "ReportingTaxonomy": TypeInfo("ReportingTaxonomies", "reportingtaxonomy", "categoryscheme"),
    "Process": TypeInfo("Processes", "process", "process"),
    "AttachmentConstraint": TypeInfo("Constraints", "attachmentconstraint", "registry"),
    "ContentConstraint": TypeInfo("Constraints", "contentconstraint", "registry"),
    "ProvisionAgreement": TypeInfo("ProvisionAgreements", "provisionagreement", "registry"),
    "CustomTypeScheme": TypeInfo("CustomTypes", "customtypescheme", "transformation"),
    "VtlMappingScheme": TypeInfo("VtlMappings", "vtlmappingscheme", "transformation"),
    "NamePersonalisationScheme": TypeInfo(
        "NamePersonalisations", "namepersonalisationscheme", "transformation"
    ),
    "RulesetScheme": TypeInfo("Rulesets", "rulesetscheme", "transformation"),
    "TransformationScheme": TypeInfo("Transformations", "transformationscheme", "transformation"),
    "UserDefinedOperatorScheme": TypeInfo(
        "UserDefinedOperators", "userdefinedoperatorscheme", "transformation"
    ),
}
_BY_REST = {info.rest: name for name, info in TYPES.items()}
# Aliases the REST API accepts for several types at once.
_REST_GROUPS = {
    "organisationscheme": [n for n, i in TYPES.items() if i.container == "OrganisationSchemes"],
    "constraint": ["AttachmentConstraint", "ContentConstraint"],
}
# Item (or component) classes, and the maintainable class that contains them.
_PARENT_OF_ITEM = {
    "Code": "Codelist",
    "Concept": "ConceptScheme",
    "Category": "CategoryScheme",
    "Agency": "AgencyScheme",
    "DataProvider": "DataProviderScheme",
    "DataConsumer": "DataConsumerScheme",
    "OrganisationUnit": "OrganisationUnitScheme",
    "ReportingCategory": "ReportingTaxonomy",
    "HierarchicalCode": "HierarchicalCodelist",
    "Hierarchy": "HierarchicalCodelist",
    "Dimension": "DataStructure",
    "TimeDimension": "DataStructure",
    "MeasureDimension": "DataStructure",
    "Attribute": "DataStructure",
    "DataAttribute": "DataStructure",
    "PrimaryMeasure": "DataStructure",
    "GroupDimensionDescriptor": "DataStructure",
    "MetadataAttribute": "MetadataStructure",
    "ReportStructure": "MetadataStructure",
}
# When a Ref omits ``class``, the XSD default depends on the element holding it.
_DEFAULT_CLASS = {
    "Enumeration": "Codelist",
    "ConceptIdentity": "Concept",
    "ConceptRole": "Concept",
    "Structure": "DataStructure",
    "Parent": None,  # local item parent: never a cross-reference
}


@dataclass
class Artefact:
    """One maintainable artefact taken out of a Structure message."""

    type: str
    agency: str
    id: str
    version: str
    is_final: bool
    element: etree._Element

    @property
    def references(self) -> set[Key]:
        """Keys of the maintainables this artefact refers to.

        Read from :attr:`element` each time, so that they follow it when it is replaced
        (a Merge does): stored references must be those of the stored XML.
        """
        return find_references(self.element)

    @property
    def key(self) -> Key:
        """(type, agencyID, id, version)."""
        return (self.type, self.agency, self.id, self.version)

    @property
    def urn(self) -> str:
        """The standard SDMX URN of this artefact."""
        return urn(self.key)

    def fragment(self) -> bytes:
        """The artefact's XML, self-contained (it carries its namespace declarations)."""
        el = copy.deepcopy(self.element)
        # Drop the sender's unused declarations (data, footer...) but keep those SDMX
        # might use inside attribute values (xsi:type), which lxml cannot see as used.
        etree.cleanup_namespaces(el, keep_ns_prefixes=["str", "com", "xsi"])
        return etree.tostring(el, encoding="utf-8")


def urn(key: Key) -> str:
    """Standard SDMX URN for a maintainable key (``...datastructure.DataStructure=A:ID(1.0)``)."""
    typ, agency, ident, version = key
    return f"urn:sdmx:org.sdmx.infomodel.{TYPES[typ].package}.{typ}={agency}:{ident}({version})"


def key_from_urn(text: str) -> Key | None:
    """The maintainable key a URN points to (an item URN gives its scheme), or None."""
    parts = parse_urn(text)
    if parts is None:
        return None
    cls = parts.cls
    if parts.item is not None or cls not in TYPES:
        cls = _PARENT_OF_ITEM.get(cls, cls)
    if cls not in TYPES:
        return None
    return (cls, parts.agency, parts.id, parts.version)


def rest_types(name: str) -> list[str] | None:
    """SDMX-ML type names for a REST resource name; all types for a wildcard; None if unknown."""
    name = name.lower()
    if name in {"*", "all", "structure"}:
        return list(TYPES)
    if name in _REST_GROUPS:
        return list(_REST_GROUPS[name])
    if name == "datastructuredefinition":  # spelling some clients use
        name = "datastructure"
    return [_BY_REST[name]] if name in _BY_REST else None


def _ref_key(ref: etree._Element) -> Key | None:
    # References without an agencyID are local (a code's parent, a DSD's own dimension).
    agency = ref.get("agencyID")
    if agency is None:
        return None
    parent_tag = etree.QName(ref.getparent()).localname if ref.getparent() is not None else ""
    cls = ref.get("class") or _DEFAULT_CLASS.get(parent_tag)
    if cls is None:
        return None
    if ref.get("maintainableParentID") is not None:
        owner = _PARENT_OF_ITEM.get(cls)
        if owner is None:
            return None
        return (owner, agency, ref.get("maintainableParentID", ""),
                ref.get("maintainableParentVersion", "1.0"))
    if cls not in TYPES:
        return None
    # SDMX-ML 2.1 gives version a default of 1.0 in MaintainableRefBaseType.
    return (cls, agency, ref.get("id", ""), ref.get("version", "1.0"))


def find_references(element: etree._Element) -> set[Key]:
    """Keys of the maintainables that ``element`` refers to (excluding itself)."""
    found: set[Key] = set()
    for ref in element.iter("Ref"):
        key = _ref_key(ref)
        if key is not None:
            found.add(key)
    for node in element.iter("URN"):
        key = key_from_urn(node.text or "")
        if key is not None:
            found.add(key)
    own = (etree.QName(element).localname, element.get("agencyID", ""), element.get("id", ""),
           element.get("version", "1.0"))
    found.discard(own)
    return found


def iter_artefacts(structures: etree._Element) -> Iterator[Artefact]:
    """Yield the maintainables below a ``str:Structures`` element."""
    for container in structures:
        if not isinstance(container.tag, str):
            continue
        for el in container:
            if not isinstance(el.tag, str):
                continue
            typ = etree.QName(el).localname
            if typ not in TYPES:
                raise StructureError(
                    f"Unknown maintainable type {typ!r} in {etree.QName(container).localname}"
                )
            agency, ident = el.get("agencyID"), el.get("id")
            if not agency or not ident:
                raise StructureError(f"A {typ} lacks its agencyID or id attribute")
            yield Artefact(
                type=typ,
                agency=agency,
                id=ident,
                version=el.get("version", "1.0"),
                is_final=el.get("isFinal", "false").strip().lower() in {"true", "1"},
                element=el,
            )


def split_structure_message(content: bytes) -> list[Artefact]:
    """Parse an SDMX-ML 2.1 Structure message (safely) into its maintainable artefacts.

    Raises
    ------
    StructureError
        If the message is unsafe, not well-formed, or not an SDMX-ML 2.1 Structure message.
    """
    root = parse(content, what="structure message")
    if root.tag != q("mes", "Structure"):
        raise StructureError(
            "Expected an SDMX-ML 2.1 Structure message (mes:Structure)",
            value=etree.QName(root).text,
        )
    structures = root.find(q("mes", "Structures"))
    if structures is None:
        return []
    return list(iter_artefacts(structures))


def content_digest(element: etree._Element) -> str:
    """A digest of an artefact's content that ignores prefixes, layout and ``urn`` attributes.

    Two registries, or two writers, serialise the same artefact differently; "unchanged"
    must mean the same SDMX content, not the same bytes.
    """
    h = hashlib.sha256()

    def walk(el: etree._Element) -> None:
        h.update(b"<" + str(el.tag).encode())
        for name, value in sorted(el.attrib.items()):
            if name != "urn":
                h.update(f" {name}={value!r}".encode())
        h.update(b">" + (el.text or "").strip().encode())
        for child in el:
            if isinstance(child.tag, str):
                walk(child)
            h.update((child.tail or "").strip().encode())
        h.update(b"</>")

    walk(element)
    return h.hexdigest()


#: Namespace map used for every message the registry writes.
NSMAP = {k: v for k, v in NS.items() if k != "reg"}
