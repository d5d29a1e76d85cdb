"""Area columns of a source to official INEGI codes, once per distinct value.

The spec gives a code column, separate state and municipality code columns, a name column
(with a state column when names repeat across states), or a state column alone. Anything
not resolved with certainty is a problem for the row (``unknown-area`` or ``area-review``
with the candidates), never a guessed code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdmx_tools.ingest.keys import first_rows, key_codes
from sdmx_tools.ingest.spec import AreaSpec
from sdmx_tools.territory import AreaCodelist, AreaMatch, normalise_code

__all__ = ["resolve_areas"]

_COLUMNS = ["REF_AREA", "reason", "column", "value", "message", "candidates"]


def resolve_areas(rows: pd.DataFrame, spec: AreaSpec, areas: AreaCodelist
                  ) -> tuple[pd.Categorical, pd.DataFrame, pd.Categorical | None]:
    """Resolve the area of every row, matching each distinct written form once.

    Returns
    -------
    codes
        The INEGI code of every row (missing when unresolved), aligned with ``rows``: the
        municipality of a locality.
    failed
        The unresolved rows only, by row label: ``reason``, ``column``, ``value``,
        ``message`` and ``candidates``.
    localities
        With ``level = "locality"``, the 9-digit locality code of every row; else None.
    """
    if spec.code_column:
        column, keys = spec.code_column, [rows[spec.code_column]]
    elif spec.municipality_column and spec.state_column:
        column, keys = spec.municipality_column, [rows[spec.state_column],
                                                  rows[spec.municipality_column]]
    elif spec.name_column:
        column = spec.name_column
        keys = [rows[spec.name_column]] + ([rows[spec.state_column]] if spec.state_column
                                           else [])
    else:
        column, keys = str(spec.state_column), [rows[str(spec.state_column)]]
    # Millions of rows carry a few thousand distinct areas: match those, then expand.
    if len(keys) == 1:
        positions, uniques = pd.factorize(keys[0], use_na_sentinel=False)
        parts = [list(uniques)]
    else:
        # The columns' codes combined: a MultiIndex of millions of tuples would be slow.
        columns = {str(i): k for i, k in enumerate(keys)}
        positions, _ = pd.factorize(key_codes(pd.DataFrame(columns), list(columns)))
        first = first_rows(positions)
        parts = [list(np.asarray(k.iloc[first], dtype=object)) for k in keys]
    localities: list[str | None] = [None] * len(parts[0])
    if spec.code_column:
        matches = areas.match_codes(parts[0])
        # A locality code has 8-9 digits (or three groups): shorter values need no look.
        localities = [nc.locality if len(str(v)) >= 8 and (nc := normalise_code(v)) else None
                      for v in parts[0]]
    elif spec.municipality_column and spec.state_column:
        matches = areas.match_parts(parts[0], parts[1])
    elif spec.name_column:
        matches = areas.match_names(parts[0], parts[1] if len(parts) > 1 else spec.state)
    else:
        matches = areas.match_states(parts[0])
    table = pd.DataFrame({
        "REF_AREA": [m.code if m.status == "matched" else None for m in matches],
        "reason": [None if m.status == "matched" else
                   ("area-review" if m.status == "review" else "unknown-area") for m in matches],
        "message": [_message(m) for m in matches],
        "candidates": ["; ".join(f"{c} {n} ({s:.0f})" for c, n, s in m.candidates)
                       if m.candidates else "" for m in matches],
    }, dtype=object)
    is_locality = pd.Series([loc is not None for loc in localities], index=table.index)
    resolved = table["REF_AREA"].notna()
    if spec.level == "locality":
        wrong = resolved & ~is_locality
        _refuse(table, wrong, "wrong-level", "not a locality (area.level = 'locality' in "
                "the spec): a municipality, or locality 0000, its total; exclude such rows "
                "with an [[exclude]] rule")
    else:
        _refuse(table, resolved & is_locality, "locality-code",
                "a 9-digit locality code: set area.level = 'locality' in the spec to sum "
                "localities to their municipality")
        if spec.level != "any":
            wrong = table["REF_AREA"].map(lambda c: c is not None and areas.level(c) != spec.level)
            _refuse(table, wrong, "wrong-level",
                    f"area is not a {spec.level} (area.level in the spec)")
    codes = pd.Categorical(table["REF_AREA"].to_numpy(dtype=object))
    bad = table["reason"].notna().to_numpy()[positions]
    failed = table.iloc[positions[bad]].set_axis(rows.index[bad])
    failed["column"] = column
    value = keys[0][bad].astype(object)
    failed["value"] = (value + "|" + keys[1][bad].astype(object)) \
        if len(keys) > 1 and not spec.name_column else value
    loc = None
    if spec.level == "locality":
        loc_cat = pd.Categorical(localities)
        loc = pd.Categorical.from_codes(loc_cat.codes[positions], loc_cat.categories)
    return pd.Categorical.from_codes(codes.codes[positions], codes.categories), \
        failed[_COLUMNS[1:]], loc


def _refuse(table: pd.DataFrame, mask: pd.Series, reason: str, message: str) -> None:
    """Unresolve the distinct values of ``mask``: ``reason`` and ``message`` say why."""
    if not mask.any():  # the usual case: nothing to unresolve, nothing to write
        return
    mask = mask & table["reason"].isna()
    table.loc[mask, "reason"] = reason
    table.loc[mask, "message"] = message
    table.loc[mask, "REF_AREA"] = None


def _message(m: AreaMatch) -> str:
    if m.status == "matched":
        return ""
    if m.status == "review":
        return f"area name is ambiguous or not similar enough to match safely ({m.note or ''})"
    return f"area not found in the INEGI codelist ({m.note or 'no match'})"
