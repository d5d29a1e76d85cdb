"""An indicator's observations, prepared once for every language: rows and data payloads.

The pages carry only what a reader sees first (the national series, the states of the
latest period); the full data go to small per-indicator files that the page's script loads
(:func:`payload`): one for the nation and the states, one for the municipalities.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from sdmx_tools.release.i18n import note_key
from sdmx_tools.release.model import IndicatorPage

__all__ = ["LEVEL_ORDER", "TOTAL", "Prepared", "Row", "municipal_names", "payload",
           "prepare", "rows"]

LEVEL_ORDER = {"nation": 0, "state": 1, "municipality": 2}
TOTAL = "_T"


def _texts(column: pd.Series) -> pd.Series:
    """Cells as stripped text, ``""`` for missing ones (vectorised: pages hold 10^5 rows)."""
    # Plain objects, not Arrow strings: the rows are iterated below, and Arrow iterates
    # slowly element by element.
    text = column.astype("object").where(column.notna(), "").astype(str).str.strip()
    return text.astype("object")


def _counts(column: pd.Series) -> pd.Series:
    """Whole numbers (municipalities reported, expected), None where there is none."""
    number = pd.to_numeric(column, errors="coerce")
    return number.astype("Int64").astype("object").where(number.notna(), None)


@dataclass(frozen=True, slots=True)
class Row:
    """One observation as the tables show it, in no language: templates add the words."""

    code: str
    name: str
    level: str
    period: str
    value: float | None  # None when missing or not finite: a dash, never 0
    status: str
    note: str  # COMMENT_OBS as convert wrote it
    note_key: str  # its [notes] key when it is one of convert's notes, else ""
    reported: int | None
    expected: int | None
    why_missing: str  # for an empty cell without a note, the ui key that explains it


_ROW_COLUMNS = [f.name for f in fields(Row)]


@dataclass(frozen=True, slots=True)
class Prepared:
    """What an indicator's pages share in every language."""

    page: IndicatorPage
    frame: pd.DataFrame | None  # every observation, Row columns plus dimensions, sorted
    dims: list[str]
    names: dict[str, str]  # area code -> name, every area the indicator has
    periods: list[str]
    nation: list[Row]  # the total's national series
    latest_states: list[Row]  # the total's states in the latest state period
    state_period: str
    levels: list[str]
    statuses: list[tuple[str, int]]
    notes: Counter[tuple[str, str, str]]  # (note, note_key, why_missing) -> count

    def slim(self) -> Prepared:
        """What the pages need, without the observations (light to send between processes)."""
        page = dataclasses.replace(self.page, observations=self.page.observations.iloc[:0],
                                   sdmx=None)
        return dataclasses.replace(self, page=page, frame=None)

    def rows_frame(self) -> pd.DataFrame:
        """The observations; only a prepared, not a slimmed, indicator has them."""
        if self.frame is None:
            raise ValueError("a slimmed Prepared has no observations")
        return self.frame


def prepare(ind: IndicatorPage) -> Prepared:
    """Sort and tidy an indicator's observations, and pick what its page shows."""
    obs = ind.observations
    dims = [d.id for d in ind.dimensions]
    value = pd.to_numeric(obs["OBS_VALUE"], errors="coerce").astype(float)
    note = _texts(obs["COMMENT_OBS"])
    keys = {n: note_key(n) or "" for n in note.unique()}  # few distinct notes
    none = pd.Series(None, index=obs.index, dtype="object")
    frame = pd.DataFrame({
        "code": _texts(obs["REF_AREA"]),
        "name": _texts(obs["area_name"]),
        "level": _texts(obs["level"]),
        "period": _texts(obs["TIME_PERIOD"]),
        "value": value.where(np.isfinite(value)),
        "status": _texts(obs["OBS_STATUS"]),
        "note": note,
        "note_key": note.map(keys),
        "reported": _counts(obs["reported"]) if "reported" in obs else none,
        "expected": _counts(obs["expected"]) if "expected" in obs else none,
        "why_missing": "",
        "source": _texts(obs["SOURCE_DETAIL"]) if "SOURCE_DETAIL" in obs else "",
    }, index=obs.index)
    for dim in dims:
        frame[dim] = _texts(obs[dim]).replace("", TOTAL) if dim in obs else TOTAL
    # Say why a cell is empty; a denominator of 0 or none is the post-2020 case.
    unexplained = frame["value"].isna() & (frame["note"] == "")
    if "denominator" in obs:
        denominator = pd.to_numeric(obs["denominator"], errors="coerce")
        no_denominator = denominator.isna() | (denominator == 0)
    else:
        no_denominator = pd.Series(False, index=obs.index)
    frame.loc[unexplained & no_denominator, "why_missing"] = "no_denominator"
    frame.loc[unexplained & ~no_denominator, "why_missing"] = "value_missing"
    frame["_order"] = frame["level"].map(LEVEL_ORDER).fillna(9)
    frame = frame.sort_values(["_order", "code", *dims, "period"], kind="stable")
    frame = frame.drop(columns="_order").reset_index(drop=True)

    total = frame[(frame[dims] == TOTAL).all(axis=1)] if dims else frame
    nation = rows(total[total["level"] == "nation"])
    states = total[total["level"] == "state"]
    state_period = str(states["period"].max()) if len(states) else ""
    explained = frame[(frame["note"] != "") | (frame["why_missing"] != "")]
    first = frame.drop_duplicates("code")
    return Prepared(
        page=ind,
        frame=frame,
        dims=dims,
        names=dict(zip(first["code"], first["name"], strict=True)),
        periods=sorted(frame["period"].unique()),
        nation=nation,
        latest_states=rows(states[states["period"] == state_period]),
        state_period=state_period,
        levels=sorted(set(frame["level"].unique()) & set(LEVEL_ORDER),
                      key=LEVEL_ORDER.__getitem__),
        statuses=sorted((s, int(n)) for s, n in frame["status"].value_counts().items() if s),
        notes=Counter(zip(explained["note"], explained["note_key"], explained["why_missing"],
                          strict=True)),
    )


def rows(frame: pd.DataFrame) -> list[Row]:
    """The frame's observations as :class:`Row` records."""
    out = []
    for record in frame[_ROW_COLUMNS].itertuples(index=False, name=None):
        code, name, level, period, value, *rest = record
        out.append(Row(code, name, level, period,
                       None if value is None or not math.isfinite(value) else float(value),
                       *rest))
    return out


def payload(prep: Prepared, municipal: bool) -> dict[str, Any]:
    """The data file of one indicator's nation and states, or of its municipalities.

    Values are rounded to the indicator's decimals (what every page shows) and laid out
    per series key (the disaggregation codes joined by ``.``), per area, per period;
    ``null`` is a missing value. ``flags`` lists, per series key, the observations with a
    status other than ``A`` or a note: ``[area, period, status, note key, note, reported,
    expected]`` (indices into ``areas`` and ``periods``).
    """
    frame = prep.rows_frame()
    is_muni = frame["level"] == "municipality"
    part = frame[is_muni if municipal else ~is_muni]
    periods = prep.periods
    areas = list(part["code"].unique())
    at_area = {c: i for i, c in enumerate(areas)}
    at_period = {p: i for i, p in enumerate(periods)}
    key = part[prep.dims].agg(".".join, axis=1) if prep.dims else pd.Series(
        TOTAL, index=part.index)
    decimals = prep.page.decimals
    a_idx = part["code"].map(at_area).to_numpy()
    p_idx = part["period"].map(at_period).to_numpy()
    rounded = part["value"].round(decimals).to_numpy(dtype=float)
    marked = ((~part["status"].isin(["", "A"])) | (part["note"] != "")
              | (part["why_missing"] != "")).to_numpy()
    values: dict[str, list[list[float | None]]] = {}
    flags: dict[str, list[list[Any]]] = {}
    for series, rows in part.groupby(key, sort=False).indices.items():
        grid = np.full((len(areas), len(periods)), np.nan)
        grid[a_idx[rows], p_idx[rows]] = rounded[rows]
        values[str(series)] = np.where(np.isnan(grid), np.array(None), grid).tolist()
        marks = []
        for i in rows[marked[rows]]:
            r = part.iloc[i]
            marks.append([int(a_idx[i]), int(p_idx[i]), r["status"],
                          r["note_key"] or r["why_missing"], "" if r["note_key"] else r["note"],
                          r["reported"], r["expected"]])
        if marks:
            flags[str(series)] = marks
    out: dict[str, Any] = {
        "id": prep.page.id,
        "decimals": decimals,
        "periods": periods,
        # The dimension's own order (the total first), then any code it does not name.
        "dims": [{"id": d.id, "codes": list(dict.fromkeys([
            *(c for c in d.codes if c in set(frame[d.id].unique())),
            *sorted(frame[d.id].unique())]))}
            for d in prep.page.dimensions],
        "areas": areas,
        "values": values,
        "flags": flags,
    }
    if not municipal:
        out["names"] = {code: prep.names[code] for code in areas}
    return out


def municipal_names(prepared: Sequence[Prepared]) -> dict[str, list[str]]:
    """Every municipality any indicator has: ``code -> [name, state code]`` (an INEGI
    municipal code starts with its state's)."""
    names: dict[str, list[str]] = {}
    for prep in prepared:
        for code, name in prep.names.items():
            if len(code) == 5:
                names.setdefault(code, [name, code[:2]])
    return dict(sorted(names.items()))
