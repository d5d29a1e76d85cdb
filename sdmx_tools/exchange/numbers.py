"""The one number format every SDMX data writer uses (SDMX-CSV and SDMX-ML alike)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["format_number", "format_numbers"]


def format_number(value: object) -> str:
    """An observation value as text, the same in every output format.

    Fifteen significant digits (every double holds that many decimal digits faithfully),
    so ``0.1 + 0.2`` is ``0.3`` and not float noise; integers without ``.0``; NaN and
    infinities as the XSD double spells them (``NaN``, ``INF``, ``-INF``).
    """
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "INF" if number > 0 else "-INF"
    return f"{number:.15g}"


def format_numbers(values: pd.Series) -> np.ndarray:
    """:func:`format_number` of a whole column at once."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    # As format_number, from a list of floats: three times faster than np.char.mod.
    text = np.array([f"{v:.15g}" for v in numbers.tolist()], dtype=object)
    text[np.isnan(numbers)] = "NaN"
    text[np.isposinf(numbers)] = "INF"
    text[np.isneginf(numbers)] = "-INF"
    return text
