"""``sdmx-tools validate`` checks data against its structure in every format, as typed
findings (text and JSON, the CLI's JSON equal to the library's)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sdmx_tools.cli import main
from sdmx_tools.exchange.conformance import check_data, rules_from_structure
from sdmx_tools.exchange.readers import read_data
from sdmx_tools.exchange.validate import validate_file, validate_files
from sdmx_tools.exchange.xmlsafe import parse
from sdmx_tools.vocabulary.dsd import DIMENSIONS


@pytest.fixture(scope="module")
def sdmx_dir(demo_run) -> Path:  # type: ignore[no-untyped-def]
    return demo_run.workspace / "out" / "sdmx"


def _spoilt(sdmx_dir: Path, folder: Path) -> Path:
    """The demo's CSV with one unknown area, one missing unit, one row twice, one bad period."""
    rows = list(csv.reader((sdmx_dir / "data.csv").open(encoding="utf-8")))
    head = rows[0]
    rows[3][head.index("REF_AREA")] = "0100X"
    rows[5][head.index("UNIT_MEASURE")] = ""
    rows[9][head.index("TIME_PERIOD")] = "2020-13"
    rows.append(rows[7])
    out = folder / "spoilt.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return out


def test_the_demo_outputs_are_valid_in_every_format(sdmx_dir: Path) -> None:
    for name in ("data.csv", "data-v2.csv", "data.xml", "data-ss.xml"):
        assert validate_file(sdmx_dir / name, structure=sdmx_dir / "structure.xml") == [], name


def test_each_breach_is_a_located_finding(sdmx_dir: Path, tmp_path: Path) -> None:
    findings = validate_file(_spoilt(sdmx_dir, tmp_path), structure=sdmx_dir / "structure.xml")
    by_code = {f.code: f for f in findings}
    assert sorted(by_code) == ["bad-period", "duplicate-key", "missing-attribute",
                               "unknown-code"]
    assert len(findings) == 4
    unknown = by_code["unknown-code"]
    assert (unknown.column, unknown.value) == ("REF_AREA", "0100X")
    assert unknown.hint is not None and unknown.hint.startswith("did you mean ")
    assert unknown.key is not None and ".0100X." in unknown.key
    assert by_code["bad-period"].value == "2020-13"
    assert by_code["missing-attribute"].column == "UNIT_MEASURE"


def test_cli_json_equals_the_library(sdmx_dir: Path, tmp_path: Path) -> None:
    spoilt = _spoilt(sdmx_dir, tmp_path)
    structure = sdmx_dir / "structure.xml"
    result = CliRunner().invoke(main, ["validate", "--format", "json", "--structure",
                                       str(structure), str(spoilt)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report == validate_files([spoilt], structure=structure).to_dict()
    assert len(report["files"][0]["findings"]) == 4
    text = CliRunner().invoke(main, ["validate", "--structure", str(structure), str(spoilt)])
    assert text.exit_code == 1
    assert text.stdout.rstrip("\n") == validate_files([spoilt], structure=structure).to_text()
    assert "[unknown-code]" in text.stdout
    assert "Traceback" not in text.output


def test_data_without_a_structure_says_what_is_needed(sdmx_dir: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(sdmx_dir / "data.csv", tmp_path / "data.csv")
    monkeypatch.chdir(tmp_path)  # no workspace above: nothing to take the structure from
    result = CliRunner().invoke(main, ["validate", "data.csv"])
    assert result.exit_code == 1 and "[no-structure]" in result.stdout


def test_rules_follow_the_dsd_not_the_national_list(sdmx_dir: Path) -> None:
    rules = rules_from_structure(parse((sdmx_dir / "structure.xml").read_bytes()))
    assert rules.dimensions == list(DIMENSIONS)
    assert "UNIT_MEASURE" in rules.mandatory and "32058" in rules.codes["REF_AREA"]
    assert "OBS_STATUS" in rules.observation_attributes
    assert "UNIT_MEASURE" in rules.series_attributes
    frame = read_data(sdmx_dir / "data.csv").drop(columns=["REF_AREA"])
    [missing] = check_data(frame, rules)
    assert (missing.code, missing.column) == ("missing-dimension", "REF_AREA")
