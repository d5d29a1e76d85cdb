"""Match a file's place names or codes to INEGI area codes, for review before ingesting."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sdmx_tools.errors import SpecError
from sdmx_tools.ingest.readers import ROW, read_table
from sdmx_tools.ingest.spec import ReadOptions
from sdmx_tools.territory import AreaCodelist, AreaMatch

__all__ = ["match_file"]


def match_file(path: Path, areas: AreaCodelist, *, name_column: str | None = None,
               state_column: str | None = None, code_column: str | None = None,
               options: ReadOptions | None = None) -> pd.DataFrame:
    """The file's columns plus ``ref_area, match_method, match_score, match_status, candidates``.

    Codes (``code_column``) are resolved first; names (with ``state_column`` when given) fill
    the rows without a usable code. Each distinct value is matched once.

    Raises
    ------
    SpecError
        When a named column is not in the file.
    """
    raw = read_table(path, options or ReadOptions())
    frame = raw.frame.drop(columns=ROW)
    for col in (name_column, state_column, code_column):
        if col and col not in frame.columns:
            raise SpecError("column not in the file", file=path, column=col,
                            hint="columns: " + ", ".join(repr(c) for c in frame.columns[:12]))
    if not (name_column or code_column):
        raise SpecError("give a name column or a code column", file=path)
    matches: list[AreaMatch] = areas.match_codes(frame[code_column].tolist()) \
        if code_column else []
    if name_column:
        states = frame[state_column].tolist() if state_column else None
        by_name = areas.match_names(frame[name_column].tolist(), states)
        matches = [m if m.status == "matched" else b
                   for m, b in zip(matches, by_name, strict=True)] if matches else by_name
    out = frame.copy()
    out["ref_area"] = [m.code or "" for m in matches]
    out["match_method"] = [m.method or "" for m in matches]
    out["match_score"] = [round(m.score, 1) for m in matches]
    out["match_status"] = [m.status for m in matches]
    out["candidates"] = ["; ".join(f"{c} {nm} ({s:.0f})" for c, nm, s in m.candidates)
                         for m in matches]
    return out
