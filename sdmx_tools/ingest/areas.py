"""Area columns of a source to official INEGI codes, once per distinct value.

The spec gives a code column, separate state and municipality code columns, a name column
(with a state column when names repeat across states), or a state column alone. Anything
not resolved with certainty is a problem for the row (``unknown-area`` or ``area-review``
with the candidates), never a guessed code.
"""

from __future__ import annotations

import pandas as pd

from sdmx_tools.ingest.spec import AreaSpec
from sdmx_tools.territory import AreaCodelist, AreaMatch, normalise_parts

__all__ = ["resolve_areas"]

_COLUMNS = ["REF_AREA", "reason", "column", "value", "message", "candidates"]


def resolve_areas(rows: pd.DataFrame, spec: AreaSpec, areas: AreaCodelist) -> pd.DataFrame:
    """Resolve the area of every row.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``rows``: ``REF_AREA`` (None when unresolved) and, for unresolved
        rows, ``reason``, ``column``, ``value``, ``message`` and ``candidates``.
    """
    if spec.code_column:
        column = spec.code_column
        values = rows[column]
        matches = areas.match_codes(values.tolist())
    elif spec.municipality_column and spec.state_column:
        column = spec.municipality_column
        values = rows[spec.state_column] + "|" + rows[spec.municipality_column]
        matches = _match_parts(rows[spec.state_column], rows[spec.municipality_column], areas)
    elif spec.name_column:
        column = spec.name_column
        values = rows[column]
        states = rows[spec.state_column].tolist() if spec.state_column else spec.state
        matches = areas.match_names(values.tolist(), states)
    else:
        column = str(spec.state_column)
        values = rows[column]
        matches = areas.match_states(values.tolist())
    out = pd.DataFrame({
        "REF_AREA": [m.code if m.status == "matched" else None for m in matches],
        "reason": [None if m.status == "matched" else
                   ("area-review" if m.status == "review" else "unknown-area") for m in matches],
        "column": column,
        "value": values.to_numpy(),
        "message": [_message(m) for m in matches],
        "candidates": ["; ".join(f"{c} {n} ({s:.0f})" for c, n, s in m.candidates)
                       for m in matches],
    }, index=rows.index, columns=_COLUMNS)
    if spec.level != "any":
        wrong = out["REF_AREA"].notna() & out["REF_AREA"].map(
            lambda c: c is not None and areas.level(c) != spec.level)
        out.loc[wrong, "reason"] = "wrong-level"
        out.loc[wrong, "message"] = f"area is not a {spec.level} (area.level in the spec)"
        out.loc[wrong, "REF_AREA"] = None
    return out


def _message(m: AreaMatch) -> str:
    if m.status == "matched":
        return ""
    if m.status == "review":
        return f"area name is ambiguous or not similar enough to match safely ({m.note or ''})"
    return f"area not found in the INEGI codelist ({m.note or 'no match'})"


def _match_parts(states: pd.Series, munis: pd.Series, areas: AreaCodelist) -> list[AreaMatch]:
    """State and municipality codes in two columns (health ministry style)."""
    pairs = list(zip(states.tolist(), munis.tolist(), strict=True))
    cache: dict[tuple[str, str], AreaMatch] = {}
    out = []
    for pair in pairs:
        if pair not in cache:
            nc = normalise_parts(*pair)
            if nc is not None and nc.code is not None and nc.code in areas:
                cache[pair] = AreaMatch(nc.code, "code", 100.0, "matched")
            else:
                note = nc.note if nc is not None and nc.note else "no such municipality"
                cache[pair] = AreaMatch(None, None, 0.0, "unmatched", note=note)
        out.append(cache[pair])
    return out
