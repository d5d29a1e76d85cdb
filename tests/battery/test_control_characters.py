"""Names published in SDMX-ML cannot hold control characters: refused where they are
written (settings, definitions, codelist files), located, never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sdmx_tools.cli import main

_ROBBERY = """\
id = "16.1.1.r"
series = "MX_VC_ROB"
series_name = {{ es = "{series_es}", en = "Robberies" }}
goal = 16
target = "16.1"
name = {{ es = "{name_es}", en = "Robbery rate" }}
multiplier = 100000
unit_measure = "PER_100000_POP"
[numerator]
measure = "homicide_victims"
unit = "victim"
[denominator]
measure = "population"
unit = "person"
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(folder)]).exit_code == 0
    return folder


def _convert(ws: Path) -> str:
    result = CliRunner().invoke(main, ["convert", "-w", str(ws)])
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.stderr and "Traceback" not in result.output
    assert not (ws / "out" / "sdmx").exists()
    return result.stderr


@pytest.mark.parametrize("char", ["\\u0001", "\\u001b", "\\u0000", "\\uffff"])
@pytest.mark.parametrize("where", ["series_es", "name_es"])
def test_in_an_indicator_name(ws: Path, char: str, where: str) -> None:
    names = {"series_es": "Robos", "name_es": "Tasa de robos"}
    names[where] = f"Robos {char} x"
    (ws / "indicators").mkdir()
    (ws / "indicators" / "r.toml").write_text(_ROBBERY.format(**names), encoding="utf-8")
    stderr = _convert(ws)
    assert "r.toml" in stderr and "without control characters" in stderr


def test_in_the_workspace_title(ws: Path) -> None:
    config = ws / "sdmx-tools.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'es = "Indicadores ODS"', 'es = "Indicadores \\u0002 ODS"'), encoding="utf-8")
    assert "workspace.title" in _convert(ws)


def test_in_a_codelist_file(ws: Path) -> None:
    (ws / "codelists").mkdir()
    (ws / "codelists" / "sex.csv").write_bytes(
        b"id,name_es,name_en\nF,Muj\x01eres,Female\nM,Hombres,Male\n_T,Total,Total\n")
    (ws / "codelists" / "catalogue.toml").write_text(
        '[[codelist]]\nid = "CL_SEX"\nversion = "2026.1"\nfile = "sex.csv"\n'
        'names = { es = "Sexo", en = "Sex" }\n', encoding="utf-8")
    stderr = _convert(ws)
    assert "sex.csv:2, column 'name_es': a control character" in stderr
