"""Quarantine: the first problem of each rejected row, the quarantine file, the findings.

Problems are recorded stage by stage on the rows that have them (first problem wins);
the quarantine frame carries each rejected row with its reason, the cell and its raw
values; findings report the first rows of each reason, and an error when the rows
quarantined exceed the source's tolerance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdmx_tools.ingest.readers import ROW, RawTable
from sdmx_tools.ingest.spec import SourceSpec
from sdmx_tools.report import Finding, RowAccount, Severity

__all__ = ["QUARANTINE_COLUMNS", "Problems", "findings", "quarantine_frame"]

_FINDINGS_PER_REASON = 1000
QUARANTINE_COLUMNS = ["source", "file", "row", "reason", "column", "value", "message",
                      "candidates", "raw"]


class Problems:
    """Per-row first problem, filled stage by stage (first problem wins).

    Only the rows with a problem are stored: most rows of a big file have none.
    """

    _FIELDS = ("reason", "column", "value", "message", "candidates")

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.taken = np.zeros(len(index), dtype=bool)
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series, reason: pd.Series | str, column: pd.Series | str | None,
            value: pd.Series | str, message: pd.Series | str,
            candidates: pd.Series | str = "") -> None:
        """Record a problem on the rows of ``mask`` that have none yet.

        Series arguments are looked up by row label: aligned with the rows, or holding only
        the rows with the problem.
        """
        new = mask.to_numpy(dtype=bool) & ~self.taken
        if not new.any():
            return
        self.taken |= new
        idx = self.index[new]
        self.parts.append(pd.DataFrame({
            name: src.reindex(idx).to_numpy(dtype=object) if isinstance(src, pd.Series) else src
            for name, src in zip(self._FIELDS, (reason, column, value, message, candidates),
                                 strict=True)}, index=idx))

    @property
    def any(self) -> pd.Series:
        return pd.Series(self.taken, index=self.index)

    def frame(self) -> pd.DataFrame:
        """One row per row with a problem, by row label, in row order."""
        if not self.parts:
            return pd.DataFrame(columns=list(self._FIELDS), dtype=object)
        return pd.concat(self.parts).sort_index()


def quarantine_frame(df: pd.DataFrame, data_cols: list[str], found: pd.DataFrame,
                      raw: RawTable, spec: SourceSpec) -> pd.DataFrame:
    if found.empty:
        return pd.DataFrame(columns=QUARANTINE_COLUMNS)
    idx = found.index
    raw_cells = df.loc[idx, data_cols]
    # pandas' JSON writer, one line per row: json.dumps per row is slow on big quarantines.
    raw_json = raw_cells.to_json(orient="records", lines=True, force_ascii=False) \
        if len(raw_cells) else ""
    return pd.DataFrame({
        "source": spec.id,
        "file": raw.path.name,
        "row": df.loc[idx, ROW].to_numpy(dtype=np.int64),
        "reason": found["reason"].to_numpy(),
        "column": found["column"].fillna("").to_numpy(),
        "value": found["value"].fillna("").astype(str).to_numpy(),
        "message": found["message"].fillna("").to_numpy(),
        "candidates": found["candidates"].fillna("").to_numpy(),
        # split("\n"), not splitlines(): U+2028 or NEL inside a cell is not a line break.
        "raw": raw_json.rstrip("\n").split("\n"),
    }, columns=QUARANTINE_COLUMNS)


def findings(quarantine: pd.DataFrame, spec: SourceSpec, account: RowAccount) -> list[Finding]:
    """A finding for the first rows of each reason (the quarantine file has every row)."""
    over = account.quarantined > spec.tolerance
    severity = Severity.ERROR if over else Severity.WARNING
    quarantine = quarantine.groupby("reason", sort=False).head(_FINDINGS_PER_REASON)
    findings = [
        Finding(code=str(q.reason), severity=severity, message=str(q.message),
                source=spec.id, file=str(spec.path), row=int(q.row), column=str(q.column) or None,
                value=str(q.value), hint=(f"candidates: {q.candidates}" if q.candidates else None))
        for q in quarantine.itertuples()
    ]
    if over:
        findings.append(Finding(
            code="quarantine-over-tolerance", severity=Severity.ERROR, source=spec.id,
            file=str(spec.path),
            message=f"{account.quarantined} rows quarantined, tolerance is {spec.tolerance}",
            hint="fix the rows listed in the quarantine file, or raise 'tolerance' in "
                 f"{spec.spec_file.name} if they may be dropped"))
    return findings
