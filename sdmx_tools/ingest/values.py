"""Parsing text cells: numbers with any thousands/decimal convention, and periods."""

from __future__ import annotations

import functools
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
    """Parse text cells as floats, strictly in the file's convention.

    A cell is a number when it is written with ASCII digits as ``[+-]digits[D digits]``
    (``D`` the ``decimal`` character, with an optional exponent), or with its thousands
    grouped in threes by ``thousands`` or by spaces (NBSP too: CONAPO's ``" 948 990"``).
    Anything else is not a number rather than a guess: ``26,96`` in a ``thousands = ","``
    file, ``16,549.7`` in a decimal-comma file, ``4.642,0`` in a decimal-point file,
    fullwidth digits, ``inf``/``NaN`` text, and values beyond a double's range (``1e309``).

    Returns
    -------
    values, ok
        Float array (NaN where not a number) and a boolean mask of cells that parsed.
    """
    # Parse each distinct cell once: a million cells hold a few thousand distinct values.
    codes, uniques = pd.factorize(cells, use_na_sentinel=False)
    parsed = _parse(pd.Series(np.asarray(uniques, dtype=object), dtype=object), decimal,
                    thousands)
    values = parsed[codes]
    return values, np.isfinite(values)


_SPACES = "[ \u00a0\u202f]"


@functools.lru_cache(maxsize=16)
def _grammar(decimal: str, thousands: str | None) -> re.Pattern[str]:
    """The number grammar of one convention; every quantifier is unambiguous (linear time)."""
    d = re.escape(decimal)
    frac = f"(?:{d}[0-9]+)?"
    forms = [f"(?:[0-9]+{frac}|{d}[0-9]+)(?:[eE][+-]?[0-9]{{1,3}})?",
             f"[0-9]{{1,3}}(?:{_SPACES}[0-9]{{3}})+{frac}"]
    if thousands:
        forms.append(f"[0-9]{{1,3}}(?:{re.escape(thousands)}[0-9]{{3}})+{frac}")
    return re.compile(f"[+-]?(?:{'|'.join(forms)})")


def _parse(cells: pd.Series, decimal: str, thousands: str | None) -> np.ndarray:
    text = cells.astype(str).str.strip()
    valid = text.str.fullmatch(_grammar(decimal, thousands)).fillna(False).to_numpy(dtype=bool)
    plain = text.str.replace(_SPACES, "", regex=True)
    if thousands:
        plain = plain.str.replace(thousands, "", regex=False)
    if decimal != ".":
        plain = plain.str.replace(decimal, ".", regex=False)
    values = pd.to_numeric(plain.where(valid, "nan"), errors="coerce").to_numpy(
        dtype="float64", copy=True)
    # 1e309 is a valid spelling of a number no double holds: it must not become inf.
    values[~np.isfinite(values)] = np.nan
    return values


_YEAR = re.compile(r"^([0-9]{4})(?:\.0+)?$")
_YM = re.compile(r"^([0-9]{4})[-/]([0-9]{1,2})$")
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DMY = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$")


def parse_periods(cells: pd.Series, fmt: str) -> pd.Series:
    """Parse period cells to SDMX TIME_PERIOD text (``2023``, ``2023-01``, ``2023-01-31``).

    Unparseable cells become ``None``. Each distinct text is parsed once (and remembered:
    every block of a file holds the same few periods).
    """
    return pd.Series([_period(str(v).strip(), fmt) for v in cells.tolist()],
                     index=cells.index, dtype=object)


@functools.lru_cache(maxsize=1 << 14)
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
