"""Values: a cell that is not a trustworthy number in the file's convention is quarantined.

Each case is one cell in a file whose convention the spec declares; the expected outcome
is the number published, or the quarantine reason with the file's line and column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdmx_tools.ingest.values import parse_numbers
from tests.battery.conftest import make_workspace

POINT = {"decimal": ".", "thousands": ","}
COMMA = {"decimal": ",", "thousands": "."}

CASES = [
    # cell, read options, expected value or quarantine reason
    ("948990", POINT, 948990.0),
    ("948,990", POINT, 948990.0),
    (" 948 990", POINT, 948990.0),
    ("948\u00a0990", POINT, 948990.0),
    ("1,922,523.5", POINT, 1922523.5),
    ("16,549.7", POINT, 16549.7),
    ("4.642,0", COMMA, 4642.0),
    ("0,5", COMMA, 0.5),
    ("1.5E+06", POINT, 1.5e6),
    ("+12", POINT, 12.0),
    ("26,96", POINT, "bad-number"),          # a decimal comma in a thousands-comma file
    ("4.642,0", POINT, "bad-number"),        # the other convention
    ("16,549.7", COMMA, "bad-number"),
    ("1,2,3", POINT, "bad-number"),
    ("12,3456", POINT, "bad-number"),
    ("1.234.5", COMMA, "bad-number"),
    ("1e309", POINT, "bad-number"),          # beyond a double: not infinity
    ("-1e309", POINT, "bad-number"),
    ("inf", POINT, "bad-number"),
    ("Infinity", POINT, "bad-number"),
    ("NaN", POINT, "bad-number"),
    ("nan", POINT, "bad-number"),
    ("０１２", POINT, "bad-number"),          # fullwidth digits
    ("٣", POINT, "bad-number"),              # Arabic-Indic digit
    ("1_000", POINT, "bad-number"),
    ("0x10", POINT, "bad-number"),
    ("12 34", POINT, "bad-number"),          # spaces that are not thousands groups
    ("--5", POINT, "bad-number"),
    ("5-", POINT, "bad-number"),
    ("-5", POINT, "negative-value"),          # a population below zero
    ("-0,5", COMMA, "negative-value"),
]


@pytest.mark.parametrize(("cell", "read", "expected"), CASES)
def test_cell_is_published_or_quarantined(cell: str, read: dict[str, str], expected: object,
                                          tmp_path: Path, areas: object) -> None:
    quoted = '"' + cell + '"'
    case = make_workspace(tmp_path, f"cve,anio,valor\n01001,2020,{quoted}\n01002,2020,7\n",
                          read={**read, "delimiter": ","})
    h = case.harmonise(areas)
    assert h.account.read == h.account.used + h.account.quarantined + h.account.excluded == 2
    values = h.observations.set_index("REF_AREA")["value"]
    assert values["01002"] == 7.0
    if isinstance(expected, float):
        assert values["01001"] == expected
        assert h.quarantine.empty
    else:
        assert "01001" not in values.index  # never published
        (q,) = h.quarantine.itertuples()
        assert (q.reason, q.row, q.column, q.value) == (expected, 2, "valor", cell)


def test_negative_values_pass_where_the_measure_allows_them(tmp_path: Path,
                                                            areas: object) -> None:
    case = make_workspace(tmp_path, "cve,anio,valor\n01001,2020,-3.5\n", measures=[
        {"id": "balance", "column": "valor", "unit": "MXN", "allow_negative": True}])
    assert case.harmonise(areas).observations["value"].tolist() == [-3.5]


def _grouped(number: int, sep: str) -> str:
    return f"{number:,}".replace(",", sep)


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=0, max_value=99),
       st.sampled_from([(".", ","), (",", "."), (",", None), (".", None), (".", "'")]))
def test_any_number_written_in_the_convention_reads_back(whole: int, cents: int,
                                                         convention: tuple[str, str | None]
                                                         ) -> None:
    decimal, thousands = convention
    text = (_grouped(whole, thousands) if thousands else str(whole)) + f"{decimal}{cents:02d}"
    values, ok = parse_numbers(pd.Series([text]), decimal, thousands)
    assert ok[0] and values[0] == float(f"{whole}.{cents:02d}")


@given(st.integers(min_value=1000, max_value=10**12), st.integers(min_value=1, max_value=9))
def test_a_thousands_group_of_the_wrong_width_never_parses(whole: int, cut: int) -> None:
    text = _grouped(whole, ",")
    head, _, tail = text.rpartition(",")
    broken = f"{head},{tail[: min(cut, 2)]}" if cut < 3 else f"{head},{tail}{cut}"
    values, ok = parse_numbers(pd.Series([broken]), ".", ",")
    assert not ok[0] and np.isnan(values[0])


@given(st.text(max_size=30))
def test_arbitrary_text_parses_to_a_finite_number_or_nothing(text: str) -> None:
    values, ok = parse_numbers(pd.Series([text]), ".", ",")
    assert ok[0] == np.isfinite(values[0])
    if ok[0]:
        assert set(text.strip()) <= set("0123456789+-.,eE \u00a0\u202f")
