"""Periods: only ASCII-digit periods within the workspace's plausible years are published."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.battery.conftest import make_workspace


@pytest.mark.parametrize(("cell", "fmt", "expected"), [
    ("2020", "year", "2020"),
    ("2020.0", "year", "2020"),
    ("2020-03", "YYYY-MM", "2020-03"),
    ("2020/3", "YYYY-MM", "2020-03"),
    ("31/12/2020", "date", "2020-12-31"),
    ("２０２３", "year", "bad-period"),           # fullwidth digits
    ("20２3", "year", "bad-period"),
    ("0000", "year", "period-out-of-range"),     # "unknown", not a year
    ("9999", "year", "period-out-of-range"),
    ("1899", "year", "period-out-of-range"),
    ("2999-01", "YYYY-MM", "period-out-of-range"),
    ("2020-13", "YYYY-MM", "bad-period"),
    ("2020-02-30", "date", "bad-period"),
    ("99", "year", "bad-period"),
])
def test_period_cell(cell: str, fmt: str, expected: str, tmp_path: Path,
                     areas: object) -> None:
    good = {"year": "2020", "YYYY-MM": "2020-01", "date": "2020-01-31"}[fmt]
    case = make_workspace(tmp_path, f"cve,anio,valor\n01001,{cell},5\n01002,{good},7\n",
                          period={"column": "anio", "format": fmt})
    h = case.harmonise(areas)
    assert h.account.read == h.account.used + h.account.quarantined + h.account.excluded
    got = h.observations.set_index("REF_AREA")["TIME_PERIOD"]
    if expected[0].isdigit():
        assert got["01001"] == expected
    else:
        assert "01001" not in got.index
        (q,) = h.quarantine.itertuples()
        assert (q.reason, q.row, q.column, q.value) == (expected, 2, "anio", cell)


def test_workspace_years_widen_the_plausible_range(tmp_path: Path) -> None:
    from sdmx_tools.ingest.harmonise import harmonise
    from sdmx_tools.ingest.readers import read_table
    from sdmx_tools.ingest.spec import load_spec
    from sdmx_tools.territory import load_areas
    from sdmx_tools.workspace import load_workspace

    case = make_workspace(tmp_path, "cve,anio,valor\n01001,1895,5\n01001,1901,6\n",
                          workspace="first_year = 1890\nlast_year = 1900\n")
    ws = load_workspace(case.root)
    assert ws.years == (1890, 1900)
    s = load_spec(case.spec, case.root)
    h = harmonise(read_table(s.path, s.read), s, load_areas(), years=ws.years)
    assert h.observations["TIME_PERIOD"].tolist() == ["1895"]
    assert h.quarantine["reason"].tolist() == ["period-out-of-range"]


def test_wide_period_columns_are_checked_too(tmp_path: Path, areas: object) -> None:
    case = make_workspace(tmp_path, "cve,2020,9999\n01001,5,6\n",
                          period={"value": "2020"},
                          measures=[{"id": "population", "unit": "person"}],
                          extra='[layout]\nkind = "wide"\ncolumns = ["2020", "9999"]\n'
                                'names_to = "period"\n')
    h = case.harmonise(areas)
    assert h.observations.empty
    (q,) = h.quarantine.itertuples()
    assert (q.reason, q.column, q.value) == ("period-out-of-range", "9999", "9999")
