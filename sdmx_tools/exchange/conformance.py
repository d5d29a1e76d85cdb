"""Data checked against its structure, whatever format it came in.

The XSDs check SDMX-ML only; an SDMX-CSV or SDMX-JSON upload, or a structure-specific file
whose DSD-specific schema is not at hand, is checked here instead, on the tidy frame
:func:`~.readers.read_data` gives: every dimension present, every coded value in its
codelist, mandatory attributes given, no key twice, every period an SDMX time period.
Each problem is a typed :class:`~sdmx_tools.report.Finding` (a stable ``code`` slug, the
series key and the value), the same records as the conversion report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from lxml import etree
from rapidfuzz import fuzz, process

from sdmx_tools.errors import StructureError, clip
from sdmx_tools.exchange.periods import period_bounds
from sdmx_tools.exchange.xmlsafe import q
from sdmx_tools.report import Finding, Severity

__all__ = ["StructureRules", "check_data", "rules_from_structure"]

EXAMPLES = 20  # findings of one kind and component listed; the rest counted in one line


@dataclass(frozen=True)
class StructureRules:
    """What a DSD requires of a data set.

    Attributes
    ----------
    dimensions
        Dimension ids in key order (time excluded).
    attributes
        Attribute ids.
    mandatory
        The attributes that must have a value on every observation they attach to.
    codes
        The allowed codes of each coded component (dimensions and attributes).
    observation_attributes
        The attributes attached to observations (the others to series, groups or the
        data set: written on the series).
    """

    dimensions: list[str]
    attributes: list[str]
    mandatory: list[str] = field(default_factory=list)
    codes: dict[str, frozenset[str]] = field(default_factory=dict)
    observation_attributes: list[str] = field(default_factory=list)

    @property
    def series_attributes(self) -> list[str]:
        """The attributes not attached to observations."""
        return [a for a in self.attributes if a not in self.observation_attributes]


_URN = re.compile(r"=([^:=()]{1,200}):([^:=()]{1,200})\(([^()]{1,50})\)$")


def _ref_key(enumeration: etree._Element | None) -> tuple[str, str, str] | None:
    """``(agency, id, version)`` of the codelist an ``Enumeration`` names (Ref or URN)."""
    if enumeration is None:
        return None
    ref = enumeration.find("Ref")
    if ref is not None:
        return ref.get("agencyID", ""), ref.get("id", ""), ref.get("version", "1.0")
    found = _URN.search((enumeration.findtext("URN") or "").strip())
    return (found[1], found[2], found[3]) if found else None


def _position(dimension: etree._Element) -> int:
    text = dimension.get("position", "0")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 6 else 0


def rules_from_structure(root: etree._Element, dsd_id: str | None = None) -> StructureRules:
    """The rules of the DSD in a Structure message (its codelists from the same message).

    Raises
    ------
    StructureError
        When the message holds no DSD (or not ``dsd_id``), or a coded component's codelist
        is not in it.
    """
    dsds = [d for d in root.iter(q("str", "DataStructure")) if dsd_id in {None, d.get("id")}]
    if not dsds:
        raise StructureError("the structure message holds no data structure definition"
                             + (f" {dsd_id}" if dsd_id else ""))
    dsd = dsds[0]
    lists = {(c.get("agencyID", ""), c.get("id", ""), c.get("version", "1.0")):
             frozenset(code.get("id", "") for code in c.iterfind(q("str", "Code")))
             for c in root.iter(q("str", "Codelist"))}
    # A concept's own codelist applies where the DSD gives the component none.
    core = {(c.getparent().get("agencyID", ""), c.getparent().get("id", ""), c.get("id", "")):
            c.find(f"{q('str', 'CoreRepresentation')}/{q('str', 'Enumeration')}")
            for c in root.iter(q("str", "Concept"))}
    codes: dict[str, frozenset[str]] = {}
    dims = sorted(dsd.iter(q("str", "Dimension")), key=_position)
    attrs = list(dsd.iter(q("str", "Attribute")))
    for comp in [*dims, *attrs]:
        ref = comp.find(f"{q('str', 'LocalRepresentation')}/{q('str', 'Enumeration')}")
        if ref is None and (concept := comp.find(f"{q('str', 'ConceptIdentity')}/Ref")) \
                is not None:
            ref = core.get((concept.get("agencyID", ""),
                            concept.get("maintainableParentID", ""), concept.get("id", "")))
        key = _ref_key(ref)
        if key is None:
            continue
        if key not in lists:
            raise StructureError(f"codelist {key[1]}({key[2]}) of {comp.get('id')} is not in "
                                 "the structure message", hint="include the DSD's codelists "
                                 "(references=descendants)")
        codes[comp.get("id", "")] = lists[key]
    return StructureRules(
        dimensions=[d.get("id", "") for d in dims
                    if etree.QName(d.getparent()).localname == "DimensionList"],
        attributes=[a.get("id", "") for a in attrs],
        mandatory=[a.get("id", "") for a in attrs if a.get("assignmentStatus") == "Mandatory"],
        codes=codes,
        observation_attributes=[
            a.get("id", "") for a in attrs if a.find(f"{q('str', 'AttributeRelationship')}/"
                                                     f"{q('str', 'PrimaryMeasure')}") is not None])


def check_data(frame: pd.DataFrame, rules: StructureRules, *, file: str | None = None
               ) -> list[Finding]:
    """Every way ``frame`` (a tidy data frame) breaks ``rules``; empty when it conforms."""
    findings: list[Finding] = []
    missing = [d for d in [*rules.dimensions, "TIME_PERIOD"] if d not in frame.columns]
    if missing:
        return [Finding(code="missing-dimension", severity=Severity.ERROR, file=file,
                        message="the data set has no column for dimension(s) "
                        + ", ".join(missing), column=missing[0])]
    known = {*rules.dimensions, *rules.attributes, "TIME_PERIOD", "OBS_VALUE"}
    for column in frame.columns:
        if column not in known:
            findings.append(Finding(code="unknown-component", severity=Severity.ERROR,
                                    file=file, column=str(column), message="not a component "
                                    "of the structure", value=clip(str(column))))
    keys = _keys(frame, rules.dimensions)
    for dim in rules.dimensions:
        findings += _examples(~_present(frame[dim]), keys, "missing-dimension-value", file,
                              dim, f"dimension {dim} has no value", None)
    for attr in rules.series_attributes:
        if attr in frame.columns:
            findings += _varying(frame, keys, attr, file)
    for component, allowed in rules.codes.items():
        if component in frame.columns:
            findings += _codes(frame[component], allowed, component, keys, file)
    for attr in rules.mandatory:
        cells = frame[attr] if attr in frame.columns else pd.Series("", index=frame.index)
        empty = ~_present(cells)
        findings += _examples(empty, keys, "missing-attribute", file, attr,
                              f"mandatory attribute {attr} has no value", None)
    first, last = period_bounds(frame["TIME_PERIOD"])
    findings += _examples(np.isnat(first), keys, "bad-period", file, "TIME_PERIOD",
                          "not an SDMX time period (e.g. 2020, 2020-06, 2020-Q2)",
                          frame["TIME_PERIOD"])
    # The same period however it is spelled (2020 and 2020-A1 are one year).
    spans = pd.Series(first.astype(str), index=frame.index) + "/" + last.astype(str)
    twice = (keys + " @ " + spans.where(~np.isnat(first), frame["TIME_PERIOD"].astype(str))
             ).duplicated(keep="first")
    findings += _examples(twice.to_numpy(), keys, "duplicate-key", file, "TIME_PERIOD",
                          "this series key and period appear more than once",
                          frame["TIME_PERIOD"])
    return findings


def _varying(frame: pd.DataFrame, keys: pd.Series, attr: str, file: str | None
             ) -> list[Finding]:
    """A series-level attribute must be one value per series: the writers put it on the
    series once, so a second value would be lost without a word."""
    values = frame[attr].astype(str).where(_present(frame[attr]), "")
    counts = values[values != ""].groupby(keys[values != ""]).nunique()
    return _examples(keys.isin(counts.index[counts > 1]).to_numpy()
                     & ~keys.duplicated().to_numpy(), keys, "varying-attribute", file, attr,
                     f"{attr} is attached to the series but differs within this series", None)


def _keys(frame: pd.DataFrame, dimensions: Sequence[str]) -> pd.Series:
    if not dimensions:
        return pd.Series("", index=frame.index)
    first, *rest = [frame[d].astype(str) for d in dimensions]
    return first.str.cat(rest, sep=".") if rest else first


def _present(cells: pd.Series) -> np.ndarray:
    return ~cells.isna().to_numpy() & (cells.astype(str).str.strip().to_numpy() != "")


def _codes(cells: pd.Series, allowed: frozenset[str], component: str, keys: pd.Series,
           file: str | None) -> list[Finding]:
    text = cells.astype(str)
    bad = _present(cells) & ~text.isin(allowed).to_numpy()
    found = []
    distinct = list(dict.fromkeys(text[bad]))
    for value in distinct[:EXAMPLES]:
        at = int(np.flatnonzero((text == value).to_numpy() & bad)[0])
        near = (process.extractOne(value, allowed, scorer=fuzz.ratio)
                if len(value) <= 100 else None)
        found.append(Finding(code="unknown-code", severity=Severity.ERROR, file=file,
                             column=component, key=str(keys.iloc[at]), value=clip(value),
                             message=f"not a code of {component}'s codelist",
                             hint=f"did you mean {near[0]}?" if near and near[1] >= 80
                             else None))
    return found + _more(len(distinct) - EXAMPLES, "unknown-code", file, component)


def _examples(mask: np.ndarray, keys: pd.Series, code: str, file: str | None, column: str,
              message: str, values: pd.Series | None) -> list[Finding]:
    at = np.flatnonzero(mask)
    found = [Finding(code=code, severity=Severity.ERROR, file=file, column=column,
                     key=str(keys.iloc[i]), message=message,
                     value=None if values is None else clip(str(values.iloc[i])))
             for i in at[:EXAMPLES]]
    return found + _more(len(at) - EXAMPLES, code, file, column)


def _more(count: int, code: str, file: str | None, column: str | None = None) -> list[Finding]:
    if count <= 0:
        return []
    return [Finding(code=code, severity=Severity.ERROR, file=file, column=column,
                    message=f"... and {count} more of these")]
