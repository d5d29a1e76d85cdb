"""Data checked against its structure, whatever format it came in.

The XSDs check SDMX-ML only; an SDMX-CSV or SDMX-JSON upload, or a structure-specific file
whose DSD-specific schema is not at hand, is checked here instead, on the tidy frame
:func:`~.readers.read_data` gives: every dimension present, every coded value in its
codelist, mandatory attributes given, no key twice, every period an SDMX time period.
Each problem is a typed :class:`~sdmx_tools.report.Finding` (a stable ``code`` slug, the
series key and the value), the same records as the conversion report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from lxml import etree
from rapidfuzz import fuzz, process

from sdmx_tools.errors import StructureError, clip
from sdmx_tools.exchange.periods import period_bounds
from sdmx_tools.exchange.refs import parse_urn, reference_urn
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


def _codelist_key(enumeration: etree._Element | None) -> tuple[str, str, str] | None:
    """``(agency, id, version)`` of the codelist an ``Enumeration`` names (Ref or URN)."""
    if enumeration is None:
        return None
    parts = parse_urn(reference_urn(enumeration, ("Codelist", "codelist")))
    return (parts.agency, parts.id, parts.version) if parts else None


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
        key = _codelist_key(ref)
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
    missing = [d for d in [*rules.dimensions, "TIME_PERIOD"] if d not in frame.columns]
    if missing:
        return [Finding(code="missing-dimension", severity=Severity.ERROR, file=file,
                        message="the data set has no column for dimension(s) "
                        + ", ".join(missing), column=missing[0])]
    data = _Columns(frame, rules.dimensions, file)
    known = {*rules.dimensions, *rules.attributes, "TIME_PERIOD", "OBS_VALUE"}
    findings = [Finding(code="unknown-component", severity=Severity.ERROR, file=file,
                        column=str(column), message="not a component of the structure",
                        value=clip(str(column)))
                for column in frame.columns if column not in known]
    for dim in rules.dimensions:
        findings += data.examples(~data.present(dim), "missing-dimension-value", dim,
                                  f"dimension {dim} has no value")
    for attr in rules.series_attributes:
        if attr in frame.columns:
            findings += data.varying(attr)
    for component, allowed in rules.codes.items():
        if component in frame.columns:
            findings += data.unknown_codes(component, allowed)
    for attr in rules.mandatory:
        empty = ~data.present(attr) if attr in frame.columns else np.ones(len(frame), bool)
        findings += data.examples(empty, "missing-attribute", attr,
                                  f"mandatory attribute {attr} has no value")
    first, last = period_bounds(frame["TIME_PERIOD"])
    findings += data.examples(np.isnat(first), "bad-period", "TIME_PERIOD",
                              "not an SDMX time period (e.g. 2020, 2020-06, 2020-Q2)",
                              shown=True)
    # The same period however it is spelled (2020 and 2020-A1 are one year).
    periods = pd.DataFrame({"series": data.series, "first": first, "last": last,
                            "text": frame["TIME_PERIOD"].astype(str).where(np.isnat(first))})
    findings += data.examples(periods.duplicated(keep="first").to_numpy(), "duplicate-key",
                              "TIME_PERIOD", "this series key and period appear more than "
                              "once", shown=True)
    return findings


class _Columns:
    """A frame's columns as the checks need them: each factorized once (few distinct
    values in many rows), the series each row belongs to, and a row's key as text."""

    def __init__(self, frame: pd.DataFrame, dimensions: Sequence[str], file: str | None
                 ) -> None:
        self.frame, self.dimensions, self.file = frame, list(dimensions), file
        self._coded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.series = (frame.groupby(self.dimensions, sort=False, dropna=False).ngroup()
                       .to_numpy() if self.dimensions else np.zeros(len(frame), int))

    def coded(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Each row's index into the column's distinct values (as text; -1 when missing)."""
        if column not in self._coded:
            codes, uniques = pd.factorize(self.frame[column])
            # A list first: iterating an Index of text makes each value anew (slow).
            self._coded[column] = codes, np.array([str(u) for u in uniques.tolist()],
                                                  dtype=object)
        return self._coded[column]

    def present(self, column: str) -> np.ndarray:
        """Which rows hold a value (not missing, not blank)."""
        codes, uniques = self.coded(column)
        filled = np.array([bool(u.strip()) for u in uniques], dtype=bool)
        return (codes >= 0) & filled[np.maximum(codes, 0)] if len(uniques) else codes >= 0

    def key(self, row: int) -> str:
        return ".".join(str(self.frame[d].iat[row]) for d in self.dimensions)

    def varying(self, attr: str) -> list[Finding]:
        """A series-level attribute must be one value per series: the writers put it on
        the series once, so a second value would be lost without a word."""
        codes, _ = self.coded(attr)
        given = self.present(attr)
        counts = pd.Series(codes[given]).groupby(self.series[given]).nunique()
        varies = np.isin(self.series, counts.index[counts > 1].to_numpy())
        first_row = ~pd.Series(self.series).duplicated().to_numpy()
        return self.examples(varies & first_row, "varying-attribute", attr,
                             f"{attr} is attached to the series but differs within this "
                             "series")

    def unknown_codes(self, component: str, allowed: frozenset[str]) -> list[Finding]:
        codes, uniques = self.coded(component)
        found = []
        # Every distinct value occurs (factorize); a blank one is a missing value, not a code.
        distinct = [i for i, u in enumerate(uniques) if u not in allowed and u.strip()]
        for i in distinct[:EXAMPLES]:
            value = str(uniques[i])
            at = int(np.flatnonzero(codes == i)[0])
            near = (process.extractOne(value, allowed, scorer=fuzz.ratio)
                    if len(value) <= 100 else None)
            found.append(Finding(code="unknown-code", severity=Severity.ERROR, file=self.file,
                                 column=component, key=self.key(at), value=clip(value),
                                 message=f"not a code of {component}'s codelist",
                                 hint=f"did you mean {near[0]}?" if near and near[1] >= 80
                                 else None))
        return found + _more(len(distinct) - EXAMPLES, "unknown-code", self.file, component)

    def examples(self, mask: np.ndarray, code: str, column: str, message: str, *,
                 shown: bool = False) -> list[Finding]:
        """The first rows ``mask`` marks, as findings (``shown``: with the cell's value)."""
        at = np.flatnonzero(mask)
        found = [Finding(code=code, severity=Severity.ERROR, file=self.file, column=column,
                         key=self.key(i), message=message,
                         value=clip(str(self.frame[column].iat[i])) if shown else None)
                 for i in at[:EXAMPLES]]
        return found + _more(len(at) - EXAMPLES, code, self.file, column)


def _more(count: int, code: str, file: str | None, column: str | None = None) -> list[Finding]:
    if count <= 0:
        return []
    return [Finding(code=code, severity=Severity.ERROR, file=file, column=column,
                    message=f"... and {count} more of these")]
