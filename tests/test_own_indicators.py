"""An office's own indicators: from ``init`` to a national indicator with its own series code,
converted, validated, pushed and released, with no codelist written by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import sdmx
from click.testing import CliRunner
from own_workspace import ROBBERY_RATE, make_own_workspace, run_cli

from sdmx_tools.cli import main
from sdmx_tools.compute.definitions import load_indicator, load_indicators
from sdmx_tools.errors import IndicatorError, SpecError
from sdmx_tools.fsutil import bundled


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = make_own_workspace(tmp_path_factory.mktemp("own") / "ws")
    for command in ("convert", "validate", "push", "release"):
        run_cli(command, "-w", str(ws))
    return ws


def test_no_codelist_is_written_by_hand(own: Path) -> None:
    assert not (own / "codelists").exists()


def test_the_new_series_code_is_in_the_national_cl_series(own: Path) -> None:
    msg = sdmx.read_sdmx(own / "out" / "sdmx" / "structure.xml")
    series = msg.codelist["CL_SERIES"]
    code = series["MX_VC_ROB_PSRC"]
    assert str(code.name.localizations["es"]) == "Robos denunciados por cada 100 000 habitantes"
    assert str(code.name.localizations["en"]) == "Reported robberies per 100,000 population"
    assert "VC_IHR_PSRC" in series  # the bundled codes stay


def test_published_values_equal_a_recount_from_the_files(own: Path) -> None:
    robberies = pd.read_csv(own / "data" / "robberies.csv", dtype={"CVEGEO": str})
    population = pd.read_csv(own / "data" / "example.csv", dtype={"CVEGEO": str})
    pop = population.set_index("CVEGEO")["population"]  # 2020, the latest for 2021 too
    published = pd.read_csv(own / "out" / "sdmx" / "data-v2.csv", dtype=str)
    mine = published[published["SERIES"] == "MX_VC_ROB_PSRC"]
    got = {(a, p): float(v) for a, p, v in zip(mine["REF_AREA"], mine["TIME_PERIOD"],
                                               mine["OBS_VALUE"], strict=True)
           if a.isdigit() and len(a) == 5}
    expected = {(a, str(y)): round(r / pop[a] * 100000, 1)
                for a, y, r in robberies.itertuples(index=False)}
    assert got == pytest.approx(expected)


def test_validate_and_a_second_push_agree_with_the_registry(own: Path) -> None:
    report = json.loads(run_cli("validate", "-w", str(own), "--format", "json"))
    assert report["valid"] and len(report["files"]) == 5
    again = json.loads(run_cli("push", "-w", str(own), "--dry-run", "--format", "json"))
    statuses = {a["urn"]: a["status"] for a in again["diff"]["structures"]}
    # Extended by the workspace: its version says so, after the bundled 2025.1.
    assert statuses["urn:sdmx:org.sdmx.infomodel.codelist.Codelist=INEGI:CL_SERIES(2025.1.1.0)"] \
        == "unchanged"
    assert set(again["diff"]["counts"]) == {"unchanged"}


def test_the_release_shows_the_indicators_as_national(own: Path) -> None:
    site = own / "out" / "site"
    for lang, label in (("es", "Indicador nacional"), ("en", "National indicator")):
        page = (site / lang / "MX.SEG.1.html").read_text(encoding="utf-8")
        assert label in page and "MX_VC_ROB_PSRC" in page
        assert label in (site / lang / "16.1.1.a.html").read_text(encoding="utf-8")
        assert label not in (site / lang / "16.1.1.html").read_text(encoding="utf-8")
        assert label in (site / lang / "goal-16.html").read_text(encoding="utf-8")


def _definition(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _undeclared(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("series_name"))


def test_an_unknown_series_code_without_names_is_refused_with_a_usable_hint(
        tmp_path: Path) -> None:
    text = _undeclared(ROBBERY_RATE.replace('id = "MX.SEG.1"', 'id = "16.1.1.b"'))
    with pytest.raises(IndicatorError) as err:
        load_indicator(_definition(tmp_path, text))
    message = str(err.value)
    assert "MX_VC_ROB_PSRC" in message and "series_name.es" in message
    assert "codelists show CL_SERIES" in message or "did you mean" in message


def test_a_typo_of_a_bundled_series_gets_the_near_code(tmp_path: Path) -> None:
    text = _undeclared(ROBBERY_RATE.replace('"MX_VC_ROB_PSRC"', '"VC_IHR_PSRX"'))
    with pytest.raises(IndicatorError, match="did you mean VC_IHR_PSRC"):
        load_indicator(_definition(tmp_path, text), national_prefix="MX")


@pytest.mark.parametrize(("ident", "prefix", "ok"), [
    ("16.1.1", None, True), ("16.1.1.a", None, True), ("16.1.1.m2", None, True),
    ("MX.SEG.1", "MX", True), ("MX.robo", "MX", True),
    ("MX.SEG.1", None, False), ("XX.SEG.1", "MX", False), ("16.1", None, False),
    ("16.1.1.abcd", None, False), ("MX.", "MX", False), ("MX.a/b", "MX", False),
])
def test_indicator_ids(tmp_path: Path, ident: str, prefix: str | None, ok: bool) -> None:
    path = _definition(tmp_path, ROBBERY_RATE.replace('"MX.SEG.1"', json.dumps(ident)))
    if ok:
        d = load_indicator(path, national_prefix=prefix)
        assert d.national == (ident != "16.1.1")
    else:
        with pytest.raises(SpecError, match="indicator id must be"):
            load_indicator(path, national_prefix=prefix)


def test_a_declared_code_must_look_like_a_series_code(tmp_path: Path) -> None:
    path = _definition(tmp_path, ROBBERY_RATE.replace('"MX_VC_ROB_PSRC"', '"rob rate"'))
    with pytest.raises(IndicatorError, match="series code of your own"):
        load_indicator(path, national_prefix="MX")


def test_a_bundled_code_redeclared_with_other_names_is_refused(tmp_path: Path) -> None:
    path = _definition(tmp_path, ROBBERY_RATE.replace('"MX_VC_ROB_PSRC"', '"VC_IHR_PSRC"'))
    with pytest.raises(IndicatorError, match="already in CL_SERIES"):
        load_indicator(path, national_prefix="MX")


def test_two_definitions_declaring_one_code_must_agree(tmp_path: Path) -> None:
    folder = tmp_path / "indicators"
    folder.mkdir()
    (folder / "a.toml").write_text(ROBBERY_RATE, encoding="utf-8")
    (folder / "b.toml").write_text(
        ROBBERY_RATE.replace('"MX.SEG.1"', '"MX.SEG.2"').replace(
            "Reported robberies per", "Robberies per"), encoding="utf-8")
    with pytest.raises(IndicatorError, match="declared with other names"):
        load_indicators([folder], national_prefix="MX")


def test_national_ids_sort_beside_the_sdg_ones(tmp_path: Path) -> None:
    folder = tmp_path / "indicators"
    folder.mkdir()
    for ident in ("MX.SEG.1", "16.1.1.a", "5.10.1"):
        (folder / f"{ident}.toml").write_text(
            ROBBERY_RATE.replace('"MX.SEG.1"', json.dumps(ident)), encoding="utf-8")
    ids = list(load_indicators([bundled("indicators"), folder], national_prefix="MX"))
    assert ids.index("5.5.1") < ids.index("5.10.1") < ids.index("16.1.1") \
        < ids.index("16.1.1.a") < ids.index("MX.SEG.1")


def test_two_indicators_of_one_series_and_frequency_are_refused(own: Path,
                                                                tmp_path: Path) -> None:
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(own, ws, ignore=shutil.ignore_patterns("out"))
    twin = (bundled("indicators") / "16.1.1.toml").read_text(encoding="utf-8")
    (ws / "indicators" / "16.1.1.b.toml").write_text(
        twin.replace('id = "16.1.1"', 'id = "16.1.1.b"'), encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", "-w", str(ws)])
    assert result.exit_code == 1
    assert "indicators 16.1.1 and 16.1.1.b both publish series VC_IHR_PSRC" in result.stderr
    assert "16.1.1.b.toml" in result.stderr and not (ws / "out" / "sdmx").exists()
    monthly = twin.replace('id = "16.1.1"', 'id = "16.1.1.b"').replace(
        'frequency = "A"', 'frequency = "M"')
    (ws / "indicators" / "16.1.1.b.toml").write_text(monthly, encoding="utf-8")
    again = CliRunner().invoke(main, ["convert", "-w", str(ws)])
    assert "both publish" not in again.stderr  # a monthly series of it has other keys


def test_a_series_added_after_a_push_needs_a_new_structure_version(own: Path,
                                                                   tmp_path: Path) -> None:
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(own, ws)  # converted and pushed: its registry holds the structures
    later = ROBBERY_RATE.replace('"MX.SEG.1"', '"MX.SEG.2"').replace(
        "MX_VC_ROB_PSRC", "MX_VC_ROB2").replace("Reported robber", "Robber")
    (ws / "indicators" / "MX.SEG.2.toml").write_text(later, encoding="utf-8")
    run_cli("convert", "-w", str(ws))
    refused = CliRunner().invoke(main, ["push", "-w", str(ws)])
    assert refused.exit_code == 1
    assert "raise workspace.structure_version" in refused.stdout
    config = ws / "sdmx-tools.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'national_prefix = "MX"', 'national_prefix = "MX"\nstructure_version = "1.1"'),
        encoding="utf-8")
    run_cli("convert", "-w", str(ws))
    pushed = json.loads(run_cli("push", "-w", str(ws), "--format", "json"))
    new = {a["urn"] for a in pushed["diff"]["structures"] if a["status"] == "new"}
    assert "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=INEGI:CL_SERIES(2025.1.1.1)" in new
    assert "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=INEGI:SDG(1.1)" in new
    assert "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=INEGI:DF_SDG(1.1)" in new
    run_cli("validate", "-w", str(ws))
    run_cli("release", "-w", str(ws))
    msg = sdmx.read_sdmx(ws / "out" / "sdmx" / "structure.xml")
    assert msg.structure["SDG"].version == "1.1"
    assert {"MX_VC_ROB_PSRC", "MX_VC_ROB2"} <= set(msg.codelist["CL_SERIES"].items)
