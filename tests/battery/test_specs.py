"""Specs, definitions and settings: every mistake is one located line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.battery.conftest import assert_one_line_error, homicide_workspace, make_workspace


@pytest.mark.parametrize(("top", "extra", "area", "needles"), [
    ('sum_over = ["SUBTIPO"]\n', "", None, ["sum_over", "'SUBTIPO'"]),
    ("sum_over = 5\n", "", None, ["sum_over"]),
    ("tolerence = 3\n", "", None, ["'tolerence'", "did you mean 'tolerance'"]),
    ("", "", {"code_column": "cve", "level": "localidad"}, ["area.level", "'localidad'"]),
    ("", "", {"name_column": "mun", "level": "locality"}, ["locality", "code_column"]),
    ("", "[[exclude]]\ncolumn = \"cve\"\nmatches = \"(\"\nreason = \"x\"\n", None,
     ["exclude.1", "matches"]),
    ("", "[[exclude]]\ncolumn = \"cve\"\nequals = [0]\nreason = \"x\"\n", None,
     ["exclude.1", "quote numbers"]),
])
def test_a_spec_mistake_is_one_located_line(top: str, extra: str, area: dict[str, str] | None,
                                            needles: list[str], tmp_path: Path) -> None:
    case = make_workspace(tmp_path, "cve,anio,valor\n01001,2020,5\n", top=top, extra=extra,
                          area=area)
    assert_one_line_error(case.convert(), 1, "src.toml", *needles)


@pytest.mark.parametrize(("settings", "needles"), [
    ("first_year = 2030\nlast_year = 2000\n", ["first_year"]),
    ("first_year = 3000\n", ["first_year", "3000-"]),          # past the default last year
    ("engine = \"spark\"\n", ["workspace.engine"]),
    ("first_year = \"1900\"\n", ["first_year"]),
])
def test_a_settings_mistake_is_one_located_line(settings: str, needles: list[str],
                                                tmp_path: Path) -> None:
    case = make_workspace(tmp_path, "cve,anio,valor\n01001,2020,5\n", workspace=settings)
    assert_one_line_error(case.convert(), 1, "sdmx-tools.toml", *needles)


@pytest.mark.parametrize(("change", "needles"), [
    (("frequency = \"A\"", "frequency = \"W\""), ["frequency", "'W'"]),
    (("multiplier = 100000", "multiplier = 100"), ["needs multiplier 100000"]),
    (("unit = \"victim\"", "unit = \"victima\""), []),   # a Spanish alias: accepted
    (("unit = \"victim\"", "unit = \"victimz\""), ["unknown unit", "did you mean"]),
])
def test_a_workspace_definition_mistake_is_located(change: tuple[str, str], needles: list[str],
                                                   tmp_path: Path) -> None:
    case = homicide_workspace(tmp_path)
    bundled = Path(__file__).resolve().parents[2] / "indicators" / "16.1.1.toml"
    folder = case.root / "indicators"
    folder.mkdir()
    (folder / "16.1.1.toml").write_text(bundled.read_text(encoding="utf-8").replace(*change),
                                        encoding="utf-8")
    result = case.convert()
    if not needles:
        assert result.exit_code == 0, result.stderr
        return
    assert_one_line_error(result, 1, "16.1.1.toml", *needles)
