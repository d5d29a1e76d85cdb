"""Sources and specs: nothing is counted twice, bound to the wrong column, or published empty."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sdmx_tools.errors import SpecError
from tests.battery.conftest import assert_one_line_error, homicide_workspace, make_workspace


@pytest.mark.parametrize(("header", "positions"), [
    ("cve,anio,valor,valor", "3, 4"),
    ("cve,anio,valor,valor\u00a0", "3, 4"),
    ("valor,cve,anio, valor ", "1, 4"),
    ("cve,anio,valor,x,valor,valor", "3, 5, 6"),
])
def test_a_duplicated_column_the_spec_uses_is_refused(header: str, positions: str,
                                                      tmp_path: Path, areas: object) -> None:
    width = header.count(",") + 1
    case = make_workspace(tmp_path, header + "\n" + ",".join(["01001", "2020", "5", "6",
                                                              "7", "8"][:width]) + "\n")
    with pytest.raises(SpecError, match=f"positions {positions}") as info:
        case.harmonise(areas)
    assert "'valor'" in str(info.value) and "data" in str(info.value)
    assert_one_line_error(case.convert(), 1, "'valor'", f"positions {positions}")


def test_a_duplicated_column_nobody_uses_is_harmless(tmp_path: Path, areas: object) -> None:
    case = make_workspace(tmp_path, "cve,anio,valor,nota,nota\n01001,2020,5,a,b\n")
    assert case.harmonise(areas).observations["value"].tolist() == [5.0]


def test_a_copied_spec_with_the_same_id_is_refused(tmp_path: Path) -> None:
    case = homicide_workspace(tmp_path)
    shutil.copy(case.spec.parent / "homicidios.toml", case.spec.parent / "homicidios_copy.toml")
    assert_one_line_error(case.convert(), 1, "'homicidios'", "homicidios.toml",
                          "homicidios_copy.toml")
    assert not (case.root / "out" / "sdmx").exists()


def test_the_same_file_under_two_ids_is_refused(tmp_path: Path) -> None:
    case = homicide_workspace(tmp_path)
    copy = case.spec.parent / "homicidios2.toml"
    copy.write_text((case.spec.parent / "homicidios.toml").read_text().replace(
        'id = "homicidios"', 'id = "homicidios2"'))
    line = assert_one_line_error(case.convert(), 1, "'homicidios'", "'homicidios2'",
                                 "'homicide_victims'", "counted twice")
    assert "homicidios2.toml" in line


def test_the_same_bytes_in_two_files_are_refused(tmp_path: Path) -> None:
    victims = "cve,anio,valor\n01001,2020,10\n"
    case = homicide_workspace(tmp_path, victims=victims)
    case.add_source("homicidios_b", victims, measures=[
        {"id": "homicide_victims", "column": "valor", "unit": "victim"}])
    assert_one_line_error(case.convert(), 1, "same file", "counted twice")


def test_two_sources_giving_one_key_are_refused(tmp_path: Path) -> None:
    case = homicide_workspace(tmp_path)
    case.add_source("otra_fuente", "cve,anio,valor\n01001,2020,11\n", measures=[
        {"id": "homicide_victims", "column": "valor", "unit": "victim"}])
    result = case.convert()
    assert result.exit_code == 1
    report = (case.root / "out" / "reports" / "report.json").read_text(encoding="utf-8")
    assert "counted twice" in report and "duplicate-key" in report


def test_no_computable_indicator_is_an_error_naming_what_is_missing(tmp_path: Path) -> None:
    case = make_workspace(tmp_path, "cve,anio,valor\n01001,2020,948990\n")
    result = case.convert()
    assert result.exit_code == 1
    report = (case.root / "out" / "reports" / "report.json").read_text(encoding="utf-8")
    assert "no-indicator" in report and "16.1.1 needs 'homicide_victims'" in report
    assert not (case.root / "out" / "sdmx").exists()


def test_all_rows_quarantined_within_tolerance_publishes_nothing(tmp_path: Path) -> None:
    case = homicide_workspace(tmp_path, victims="cve,anio,valor\n01001,2020,x\n01002,2020,y\n")
    result = case.convert()
    assert result.exit_code == 1, result.output
    report = (case.root / "out" / "reports" / "report.json").read_text(encoding="utf-8")
    assert '"code": "no-indicator"' in report  # the quarantined measure feeds nothing
    assert not (case.root / "out" / "sdmx").exists()


SUBTYPES = ("cve,anio,subtipo,valor\n01001,2020,Doloso,10\n01001,2020,Culposo,7\n"
            "01002,2020,Doloso,3\n")


def test_an_undeclared_sum_over_a_dimension_is_refused(tmp_path: Path) -> None:
    case = homicide_workspace(tmp_path, victims=SUBTYPES,
                              extra='[dimensions.SUBTYPE]\ncolumn = "subtipo"\n')
    assert_one_line_error(case.convert(), 1, "SUBTYPE", "'Culposo'", "'Doloso'",
                          "'homicidios'", "sum_over")
    assert not (case.root / "out" / "sdmx").exists()


def test_a_declared_sum_adds_the_values_up(tmp_path: Path) -> None:
    case = homicide_workspace(tmp_path, victims=SUBTYPES, top='sum_over = ["SUBTYPE"]\n',
                              extra='[dimensions.SUBTYPE]\ncolumn = "subtipo"\n')
    result = case.convert()
    assert result.exit_code == 0, result.stderr
    table = (case.root / "out" / "tables" / "indicators.csv").read_text()
    assert ",01001,2020," in table
    import pandas as pd

    t = pd.read_csv(case.root / "out" / "tables" / "indicators.csv", dtype={"REF_AREA": str})
    assert t.set_index("REF_AREA").loc["01001", "numerator"] == 17


def test_one_sex_is_never_published_as_all(tmp_path: Path) -> None:
    case = homicide_workspace(tmp_path, victims="cve,anio,sexo,valor\n01001,2020,F,4\n",
                              extra='[dimensions.SEX]\ncolumn = "sexo"\n')
    assert_one_line_error(case.convert(), 1, "SEX", "'F'")


@pytest.mark.parametrize("file", ["/etc/passwd", "../../../etc/passwd", "sub/../../x.csv"])
def test_a_codelist_catalogue_cannot_read_outside_the_workspace(file: str,
                                                                 tmp_path: Path) -> None:
    case = homicide_workspace(tmp_path)
    folder = case.root / "codelists"
    folder.mkdir()
    (folder / "catalogue.toml").write_text(
        f'[[codelist]]\nid = "CL_SEX"\nversion = "1.0"\nfile = "{file}"\n'
        'names = { es = "Sexo", en = "Sex" }\n', encoding="utf-8")
    line = assert_one_line_error(case.convert(), 1, "catalogue.toml", "outside")
    assert "root:" not in line  # nothing of the target file is echoed


def test_a_value_check_names_the_input_file_and_rows(tmp_path: Path) -> None:
    case = make_workspace(tmp_path, "cve,anio,valor\n01001,2020,1000\n01002,2020,51536\n",
                          name="poblacion")
    case.add_source("homicidios", "cve,anio,valor\n01002,2020,3\n01001,2020,50\n", measures=[
        {"id": "homicide_victims", "column": "valor", "unit": "victim"}])
    result = case.convert()
    assert result.exit_code == 1
    import json

    report = json.loads((case.root / "out" / "reports" / "report.json").read_text())
    (finding,) = [f for f in report["findings"] if f["code"] == "value-out-of-range"
                  and f["key"] == "VC_IHR_PSRC.01001.2020"]
    assert finding["file"].endswith("homicidios.csv")
    assert "homicidios sha256:" in finding["message"] and "row 3" in finding["message"]
