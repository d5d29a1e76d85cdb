"""Keys of several columns as one integer per row, for grouping millions of rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["key_codes"]


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
