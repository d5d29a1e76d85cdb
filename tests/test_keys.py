"""Small vectorised helpers of the block path, against their slow, obvious versions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdmx_tools.ingest.harmonise import _joined
from sdmx_tools.ingest.keys import first_rows
from sdmx_tools.ingest.readers import delimited


@given(st.lists(st.integers(0, 30), max_size=300))
def test_first_rows_equals_np_unique(values: list[int]) -> None:
    codes, _ = pd.factorize(np.asarray(values, dtype=np.int64))
    assert first_rows(codes).tolist() == np.unique(codes, return_index=True)[1].tolist()


@given(st.lists(st.tuples(st.sampled_from(["2020", "2021", None]),
                          st.sampled_from(["01", "02", "12", None])), max_size=200))
def test_joined_periods_equal_string_concatenation(pairs: list[tuple[str | None, str | None]]
                                                   ) -> None:
    years = pd.Categorical([y for y, _ in pairs])
    months = pd.Categorical([m for _, m in pairs])
    want = [f"{y}-{m}" if y is not None and m is not None else None for y, m in pairs]
    got = [None if pd.isna(v) else v for v in _joined(years, months)]
    assert got == want


@pytest.mark.parametrize("at", [0, 100, (8 << 20) - 1, 8 << 20, (8 << 20) + 5, -1])
def test_a_cp1252_only_byte_anywhere_means_cp1252(at: int) -> None:
    data = bytearray(b"a\xe9b," * ((9 << 20) // 4))  # latin-1 and cp1252 alike
    assert delimited.single_byte(bytes(data)) == "latin-1"
    data[at] = 0x93  # a curly quote in cp1252, a control character in latin-1
    assert delimited.single_byte(bytes(data)) == "cp1252"
