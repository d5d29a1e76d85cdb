"""Keys of several columns as one integer per row, for grouping millions of rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["first_rows", "key_codes"]


def key_codes(frame: pd.DataFrame, key: list[str]) -> pd.Index:
    """One integer per distinct key (the key columns are categoricals: combine codes)."""
    combined = np.zeros(len(frame), dtype=np.int64)
    bound = 1
    for col in key:
        cat = frame[col].array
        if not isinstance(cat, pd.Categorical):
            cat = pd.Categorical(frame[col])
        width = len(cat.categories) + 1
        if bound * width >= 1 << 62:  # renumbered densely before the product overflows
            combined = pd.factorize(combined)[0].astype(np.int64)
            bound = int(combined.max(initial=0)) + 1
        combined = combined * width + (cat.codes.astype(np.int64) + 1)
        bound *= width
    return pd.Index(combined)


def first_rows(codes: np.ndarray) -> np.ndarray:
    """The position of the first row of each code, for the codes of :func:`pandas.factorize`
    (numbered in order of first appearance): where their running maximum grows.

    One pass, no sort (``np.unique(codes, return_index=True)`` sorts every row).
    """
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    peak = np.maximum.accumulate(codes)
    return np.flatnonzero(np.r_[True, peak[1:] > peak[:-1]])
