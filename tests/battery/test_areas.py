"""Areas: totals are never used as data, localities add up only when declared."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdmx_tools.errors import SpecError
from tests.battery.conftest import make_workspace

TOTALS = ("cve,anio,valor\n01001,2020,10\n01002,2020,5\n\"=CONCATENAR(0,01)\",2020,15\n"
          "02001,2020,7\n02,2020,8\n00,2020,30\n")


def test_state_and_national_rows_are_excluded_and_reconciled(tmp_path: Path,
                                                             areas: object) -> None:
    h = make_workspace(tmp_path, TOTALS).harmonise(areas)
    a = h.account
    assert (a.read, a.used, a.quarantined, a.excluded) == (6, 3, 0, 3)
    assert a.excluded_by_rule == {"state-total": 2, "national-total": 1}
    assert sorted(h.observations["REF_AREA"]) == ["01001", "01002", "02001"]
    mismatch = [f for f in h.findings if f.code == "total-mismatch"]
    # 01 reconciles (10 + 5 = 15); 02 says 8 for 7; the nation says 30 for 22.
    assert [(f.row, f.value) for f in mismatch] == [(6, "8"), (7, "30")]
    assert "add up to 7" in mismatch[0].message and "+1" in mismatch[0].message
    assert "add up to 22" in mismatch[1].message


def test_a_state_level_source_keeps_its_state_rows(tmp_path: Path, areas: object) -> None:
    h = make_workspace(tmp_path, "cve,anio,valor\n01,2020,15\n02,2020,8\n",
                       area={"code_column": "cve", "level": "state"}).harmonise(areas)
    assert sorted(h.observations["REF_AREA"]) == ["01", "02"]


LOCALITIES = ("cve,anio,valor\n010010001,2020,100\n010010002,2020,20\n010020001,2020,7\n"
              "01 001 0003,2020,3\n")


def test_locality_codes_are_refused_unless_declared(tmp_path: Path, areas: object) -> None:
    h = make_workspace(tmp_path, LOCALITIES).harmonise(areas)
    assert h.observations.empty
    assert set(h.quarantine["reason"]) == {"locality-code"}
    assert h.quarantine["row"].tolist() == [2, 3, 4, 5]
    assert "area.level = 'locality'" in h.quarantine["message"].iloc[0]


def test_declared_localities_are_summed_to_their_municipality(tmp_path: Path,
                                                              areas: object) -> None:
    h = make_workspace(tmp_path, LOCALITIES,
                       area={"code_column": "cve", "level": "locality"}).harmonise(areas)
    assert h.account.used == 4
    by_area = h.observations.groupby("REF_AREA")["value"].sum().to_dict()
    assert by_area == {"01001": 123.0, "01002": 7.0}
    assert any(f.code == "localities-summed" for f in h.findings)


def test_the_same_locality_twice_is_a_duplicate(tmp_path: Path, areas: object) -> None:
    h = make_workspace(tmp_path, "cve,anio,valor\n010010001,2020,100\n010010001,2020,9\n",
                       area={"code_column": "cve", "level": "locality"}).harmonise(areas)
    assert h.quarantine["reason"].tolist() == ["duplicate-key"]
    assert h.observations["value"].tolist() == [100.0]


@pytest.mark.parametrize(("code", "reason"), [
    ("01001", "wrong-level"),          # a municipality where localities are declared
    ("019990001", "unknown-area"),     # municipality 999: unknown
    ("010990001", "unknown-area"),     # no municipality 099 in Aguascalientes
])
def test_locality_level_rows_that_are_not_localities(code: str, reason: str,
                                                     tmp_path: Path, areas: object) -> None:
    h = make_workspace(tmp_path, f"cve,anio,valor\n{code},2020,4\n010010001,2020,1\n",
                       area={"code_column": "cve", "level": "locality"}).harmonise(areas)
    assert h.quarantine["reason"].tolist() == [reason]


@pytest.mark.parametrize("unit", ["percent", "death/person", "kg/person", "per_100000"])
def test_rates_are_never_summed_over_localities(unit: str, tmp_path: Path,
                                                areas: object) -> None:
    case = make_workspace(tmp_path, LOCALITIES, area={"code_column": "cve", "level": "locality"},
                          measures=[{"id": "x", "column": "valor", "unit": unit}])
    with pytest.raises(SpecError, match="does not add up"):
        case.harmonise(areas)


def test_the_municipal_total_of_a_locality_file_is_not_summed(tmp_path: Path,
                                                             areas: object) -> None:
    # INEGI's ITER files give each municipality's total as locality 0000.
    h = make_workspace(tmp_path, "cve,anio,valor\n010010000,2020,120\n010010001,2020,100\n"
                       "010010002,2020,20\n",
                       area={"code_column": "cve", "level": "locality"}).harmonise(areas)
    assert h.observations.groupby("REF_AREA")["value"].sum().to_dict() == {"01001": 120.0}
    assert h.quarantine["row"].tolist() == [2]
    assert "locality 0000, its total" in h.quarantine["message"].iloc[0]
