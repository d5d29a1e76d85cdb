"""Parsing text cells: numbers with any thousands/decimal convention, and periods."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["MONTHS_ES", "parse_numbers", "parse_periods"]

MONTHS_ES = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12, "ene": 1, "feb": 2, "mar": 3, "abr": 4, "may": 5, "jun": 6, "jul": 7,
    "ago": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dic": 12,
}


def parse_numbers(cells: pd.Series, decimal: str = ".", thousands: str | None = ","
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Parse text cells as floats.

    Spaces and NBSP are always thousands separators (CONAPO's ``" 948 990"``); ``thousands``
    adds one more (``,`` or ``.``); ``decimal`` may be a comma.

    Returns
    -------
    values, ok
        Float array (NaN where unparseable) and a boolean mask of cells that parsed.
    """
    # Parse each distinct cell once: a million cells hold a few thousand distinct values.
    codes, uniques = pd.factorize(cells, use_na_sentinel=False)
    parsed = _parse(pd.Series(np.asarray(uniques, dtype=object), dtype=object), decimal,
                    thousands)
    values = parsed[codes]
    return values, ~np.isnan(values)


def _parse(cells: pd.Series, decimal: str, thousands: str | None) -> np.ndarray:
    text = cells.astype(str).str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    # pandas accepts 'inf' and 'nan' as numbers; crowdsourced cells never mean those.
    text = text.where(~text.str.contains(r"[A-DF-Za-df-z]", regex=True), "x")
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")


_YEAR = re.compile(r"^(\d{4})(?:\.0+)?$")
_YM = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_periods(cells: pd.Series, fmt: str) -> pd.Series:
    """Parse period cells to SDMX TIME_PERIOD text (``2023``, ``2023-01``, ``2023-01-31``).

    Unparseable cells become ``None``. Parsing is done once per distinct value.
    """
    uniques = pd.Series(cells.unique())
    parsed = uniques.map(lambda v: _period(str(v).strip(), fmt))
    return cells.map(dict(zip(uniques, parsed, strict=True)))


def _period(v: str, fmt: str) -> str | None:
    if fmt == "year":
        m = _YEAR.match(v)
        return m.group(1) if m else None
    if fmt == "YYYY-MM":
        m = _YM.match(v)
        return f"{m.group(1)}-{int(m.group(2)):02d}" if m and 1 <= int(m.group(2)) <= 12 else None
    if fmt == "month-name":
        month = MONTHS_ES.get(v.casefold().strip(". "))
        return f"{month:02d}" if month else None
    m = _DATE.match(v)
    if m:
        y, mo, d = m.groups()
    else:
        m2 = _DMY.match(v)
        if not m2:
            return None
        d, mo, y = m2.groups()
    try:
        return pd.Timestamp(int(y), int(mo), int(d)).strftime("%Y-%m-%d")
    except ValueError:  # 9999-99-99 and other impossible dates mean "missing"
        return None
