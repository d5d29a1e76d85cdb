"""CSV text as ``pandas.DataFrame.to_csv(index=False, lineterminator="\\n")`` writes it, a
column at a time.

pandas hands every cell to the csv module's writer; here each column becomes text once
(each distinct value quoted once) and the rows are joined in C (``map``, ``zip`` and
``str.join``): the same bytes, about three times faster on the frames convert writes. A
frame this cannot render exactly (a column of another dtype, a single column) is left to
pandas.
"""

from __future__ import annotations

import csv
import io
import re
from typing import TextIO

import numpy as np
import pandas as pd

__all__ = ["write_csv"]

_BLOCK = 100_000  # rows at a time: one block's text in memory


def _csv_field(text: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([text, ""])
    return out.getvalue()[:-2]


# The characters the csv module quotes a field for (QUOTE_MINIMAL: the delimiter, the
# quote, the line terminator; whether a lone CR counts has varied with Python), asked of
# the module itself once. A character class: linear in the text, whatever it holds.
_SPECIAL = re.compile("[" + re.escape("".join(
    c for c in ',"\n\r\t ;\x00' if _csv_field(f"a{c}b") != f"a{c}b")) + "]")


def write_csv(frame: pd.DataFrame, fh: TextIO, *, float_format: str | None = None) -> None:
    """Write ``frame`` to ``fh`` as ``frame.to_csv(fh, index=False, lineterminator="\\n",
    float_format=float_format)`` does: missing cells empty, floats as ``float_format``
    (``"%.15g"``) or numpy's shortest repr, text quoted only where it must be."""
    if not frame.columns.is_unique or len(frame.columns) < 2:
        frame.to_csv(fh, index=False, lineterminator="\n", float_format=float_format)
        return
    fh.write(",".join(_quote(str(c)) for c in frame.columns) + "\n")
    for at in range(0, len(frame), _BLOCK):  # one block's cells as text at a time
        block = frame.iloc[at: at + _BLOCK]
        columns = [_column(block[c], float_format) for c in block.columns]
        fields = [c for c in columns if c is not None]
        if len(fields) < len(columns):  # the same bytes, from pandas
            block.to_csv(fh, header=False, index=False, lineterminator="\n",
                         float_format=float_format)
            continue
        rows = zip(*fields, strict=True)
        fh.write("".join(f"{line}\n" for line in map(",".join, rows)))


def _column(cells: pd.Series, float_format: str | None) -> list[str] | None:
    """A column's cells as CSV fields; None for a dtype pandas writes otherwise."""
    dtype = cells.dtype
    if not isinstance(dtype, np.dtype):
        if _textual(dtype) or (isinstance(dtype, pd.CategoricalDtype)
                               and _textual(dtype.categories.dtype)):
            return _text(cells)
        return None
    if dtype.kind == "f":
        values = cells.to_numpy()
        text = [float_format % v for v in values.tolist()] if float_format else \
            values.astype(str).tolist()
        return [t if v == v else "" for t, v in zip(text, values.tolist(), strict=True)]
    if dtype.kind in "iub":
        return list(cells.to_numpy().astype(str).tolist())
    return _text(cells) if _textual(dtype) else None


def _text(cells: pd.Series) -> list[str] | None:
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    # A list first: iterating an Index of text makes each value anew (ten times slower).
    distinct = list(uniques.tolist())
    if not all(type(u) is str for u in distinct):
        return None  # numbers or dates among text: pandas' own formatting
    text = np.array([*map(_quote, distinct), ""], dtype=object)  # code -1 (missing): ""
    return list(text[codes].tolist())


def _textual(dtype: object) -> bool:
    return isinstance(dtype, pd.StringDtype) or (isinstance(dtype, np.dtype)
                                                 and dtype.kind == "O")


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if _SPECIAL.search(text) else text
