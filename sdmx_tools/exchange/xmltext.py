"""XML text for the vectorised writers: attribute values escaped once per distinct value."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sdmx_tools.exchange.numbers import format_numbers

__all__ = ["attribute_text", "present", "write_series"]

_BLOCK = 100_000

# One pass per distinct value: the characters XML 1.0 cannot carry at all (crowdsourced
# text may hold them) become U+FFFD, and the rest is escaped as libxml2 escapes attribute
# values, so both writers spell text alike.
_ESCAPE = str.maketrans({
    **{c: "\ufffd" for c in [*map(chr, range(0x00, 0x09)), "\x0b", "\x0c",
                             *map(chr, range(0x0e, 0x20)), "\ufffe", "\uffff"]},
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
    "\t": "&#9;",
})

# Most text has none of them: looked for first (a character class, linear in the text),
# translating only what holds one is several times faster on long provenance notes.
_SPECIAL = re.compile("[" + re.escape("".join(map(chr, _ESCAPE))) + "]")


def attribute_text(cells: pd.Series) -> np.ndarray:
    """Each cell as escaped attribute text (no quotes); floats as the writers' numbers.

    Missing cells give ``""`` (see :func:`present`); characters XML cannot hold become
    U+FFFD.
    """
    if pd.api.types.is_float_dtype(cells):
        return np.where(cells.isna().to_numpy(), "", format_numbers(cells)).astype(object)
    codes, uniques = pd.factorize(cells)  # missing: -1, the trailing ""
    # A list first: iterating an Index of text makes each value anew (ten times slower).
    text = np.array([*(t.translate(_ESCAPE) if _SPECIAL.search(t) else t
                       for t in map(str, uniques.tolist())), ""], dtype=object)
    return text[codes] if len(codes) else np.array([], dtype=object)


def present(cells: pd.Series) -> np.ndarray:
    """Which cells hold a value (not missing, not empty text)."""
    return ~cells.isna().to_numpy() & (cells.astype(str).to_numpy(dtype=object) != "")


def write_series(write: Callable[[str], object], frame: pd.DataFrame,
                 dimensions: Sequence[str], series_attributes: Sequence[str],
                 obs_attributes: Sequence[str], *,
                 opening: Callable[[pd.DataFrame, list[str]], np.ndarray],
                 observation: Callable[[pd.DataFrame, list[str]], np.ndarray],
                 closing: str) -> int:
    """Write the series and observations of a data set, a block of rows at a time.

    The frame is sorted by key; ``opening`` gives the start tag text of the series that
    open in a block (from their first rows and the series attributes present),
    ``observation`` the text of each row; ``closing`` ends a series. Returns the count.
    """
    series_attrs = [a for a in series_attributes if a in frame.columns]
    obs_attrs = [a for a in obs_attributes if a in frame.columns]
    frame = frame.sort_values([*dimensions, "TIME_PERIOD"], kind="stable", ignore_index=True)
    starts = _series_starts(frame, dimensions)
    for at in range(0, len(frame), _BLOCK):  # one block's text in memory at a time
        block = frame.iloc[at: at + _BLOCK]
        first = np.flatnonzero(starts[at: at + _BLOCK])
        head = np.full(len(block), "", dtype=object)
        head[first] = np.where(first + at > 0, closing, "") + opening(block.iloc[first],
                                                                      series_attrs)
        write("".join((head + observation(block, obs_attrs)).tolist()))
    if len(frame):
        write(closing)
    return len(frame)


def _series_starts(frame: pd.DataFrame, dimensions: Sequence[str]) -> np.ndarray:
    """True where a row opens a new series (its key differs from the row above)."""
    starts = np.zeros(len(frame), dtype=bool)
    if len(frame):
        starts[0] = True
        for column in dimensions:
            values = frame[column].astype(str).to_numpy(dtype=object)
            starts[1:] |= values[1:] != values[:-1]
    return starts
