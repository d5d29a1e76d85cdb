"""Provenance: each observation names its file (sha256) and input rows; the HTML report."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from sdmx_tools.compute.definitions import load_indicators
from sdmx_tools.compute.provenance import row_ranges, source_detail
from sdmx_tools.fsutil import bundled
from sdmx_tools.report import Finding, Report, RowAccount, Severity, render_report_html


def test_row_ranges() -> None:
    assert row_ranges(np.array([5, 4, 6, 10, 0])) == "rows 4-6, 10"
    assert row_ranges(np.array([3, 3])) == "row 3"
    assert row_ranges(np.array([0])) == "no input row (zero by coverage)"
    long = row_ranges(np.arange(1, 40, 2))
    assert long.startswith("rows 1, 3, 5") and long.endswith("(20 rows)")


@pytest.fixture(scope="module")
def data_csv(demo_run) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.read_csv(demo_run.workspace / "out" / "sdmx" / "data.csv", dtype=str,
                       keep_default_na=False)


def test_municipal_observation_names_its_file_and_rows(demo_run, data_csv: pd.DataFrame
                                                       ) -> None:  # type: ignore[no-untyped-def]
    # Independently: the lines of the CDMX-style file that hold Cuauhtémoc's 2022 victims.
    path = demo_run.workspace / "data" / "cdmx_victimas_transito.csv"
    raw = pd.read_csv(path, dtype=str)
    raw["line"] = range(2, len(raw) + 2)
    lines = raw[(raw["alcaldia_hechos"] == "CUAUHTEMOC") & (raw["ao_hechos"] == "2022")]["line"]
    expected = row_ranges(lines.to_numpy())
    sha = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    obs = data_csv[(data_csv["SERIES"] == "SH_STA_TRAF") & (data_csv["REF_AREA"] == "09015")
                   & (data_csv["TIME_PERIOD"] == "2022")]
    assert obs["SOURCE_DETAIL"].tolist() == [f"cdmx_transito sha256:{sha} {expected}"]


def test_aggregate_names_its_sources_and_row_count(demo_run, data_csv: pd.DataFrame
                                                   ) -> None:  # type: ignore[no-untyped-def]
    # Independently: the lines of the SESNSP-style file for Baja California in 2022 that
    # hold at least one monthly value (blank months are no data).
    path = demo_run.workspace / "data" / "sesnsp_homicidios.csv"
    raw = pd.read_csv(path, dtype=str, encoding="latin-1", keep_default_na=False)
    months = raw.columns[6:]
    lines = raw[(raw["Clave_Ent"] == "2") & (raw["Año"] == "2022")
                & (raw[months] != "").any(axis=1)]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    state = data_csv[(data_csv["SERIES"] == "VC_IHR_PSRC") & (data_csv["REF_AREA"] == "02")
                     & (data_csv["TIME_PERIOD"] == "2022")]
    assert len(lines) > 1
    assert state["SOURCE_DETAIL"].tolist() == [
        f"sesnsp_homicidios sha256:{sha} ({len(lines):,} rows)"]


def test_every_observation_has_provenance(data_csv: pd.DataFrame) -> None:
    one = r"[a-z_]+ sha256:[0-9a-f]{12} "
    zero = r"no input row \(zero by coverage\)"
    municipal = data_csv["REF_AREA"].str.len() == 5
    assert data_csv.loc[municipal, "SOURCE_DETAIL"].str.fullmatch(
        rf"{one}(rows? [0-9, -]+( … \([0-9,]+ rows\))?|{zero})").all()
    assert data_csv.loc[~municipal, "SOURCE_DETAIL"].str.fullmatch(
        rf"{one}(\([0-9,]+ rows?\)|{zero})(; {one}(\([0-9,]+ rows?\)|{zero}))*").all()


def test_release_downloads_show_the_rows(demo_run) -> None:  # type: ignore[no-untyped-def]
    # The pages name each source with its whole sha256; the rows behind each value go with
    # the data: in the SDMX (SOURCE_DETAIL) and the labelled CSV of each indicator.
    site = demo_run.workspace / "out" / "site"
    labelled = pd.read_csv(site / "downloads" / "3.6.1" / "3.6.1.es.csv", dtype=str,
                           keep_default_na=False)
    assert labelled["source_rows"].str.startswith("cdmx_transito sha256:").all()
    sdmx = pd.read_csv(site / "downloads" / "3.6.1" / "3.6.1.csv", dtype=str,
                       keep_default_na=False)
    assert sorted(sdmx["SOURCE_DETAIL"]) == sorted(labelled["source_rows"])
    html = (site / "es" / "3.6.1.html").read_text(encoding="utf-8")
    sha = next(s["sha256"] for s in json.loads((site.parent / "manifest.json").read_text(
        encoding="utf-8"))["sources"] if s["id"] == "cdmx_transito")
    assert sha in html and f"sha256:{sha[:12]}" not in html


def test_html_report_escapes_crowdsourced_text() -> None:
    report = Report()
    report.accounts.append(RowAccount(source="s", read=3, used=1, quarantined=2,
                                      quarantined_by_reason={"unknown-area": 2}))
    for row in (2, 3):
        report.add(Finding(code="unknown-area", severity=Severity.ERROR, source="s",
                           message="area not found", file="x.csv", row=row,
                           value="<script>alert(1)</script>"))
    html = render_report_html(report)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "2 error(s): nothing was published" in html
    assert "quarantine:\nunknown-area: 2" in html


def test_counts_use_every_quarantined_row_not_the_kept_examples() -> None:
    report = Report()
    report.accounts.append(RowAccount(source="s", read=5000, quarantined=5000,
                                      quarantined_by_reason={"bad-number": 5000}))
    report.add(Finding(code="bad-number", severity=Severity.WARNING, source="s", message="x"))
    report.add(Finding(code="small-count", severity=Severity.INFO, message="y"))
    assert report.counts() == {"bad-number": 5000, "small-count": 1}


def test_state_rows_are_not_counted_in_aggregate_provenance(areas) -> None:  # type: ignore[no-untyped-def]
    defn = load_indicators([bundled("indicators")])["16.1.1"]
    obs = pd.DataFrame({
        "source": "s", "row": [2, 3], "measure": defn.numerator.measure,
        "REF_AREA": ["05001", "05"], "TIME_PERIOD": "2022", "value": 1.0, "unit": "victim"})
    detail = source_detail(defn, obs, areas, {"s": "ab" * 32}).set_index("REF_AREA")
    assert detail.loc["05001", "SOURCE_DETAIL"] == "s sha256:abababababab row 2"
    assert detail.loc["05", "SOURCE_DETAIL"] == "s sha256:abababababab (1 row)"
    assert detail.loc["00", "SOURCE_DETAIL"] == "s sha256:abababababab (1 row)"


def _obs(rows: list[tuple[int, str, str]], measure: str) -> pd.DataFrame:
    return pd.DataFrame({"source": "s", "row": [r for r, _, _ in rows], "measure": measure,
                         "REF_AREA": [a for _, a, _ in rows], "TIME_PERIOD": "2022",
                         "SEX": [x for _, _, x in rows], "value": 1.0, "unit": "victim"})


def test_provenance_follows_the_numerator_filter(areas) -> None:  # type: ignore[no-untyped-def]
    base = load_indicators([bundled("indicators")])["16.1.1"]
    defn = dataclasses.replace(base, numerator=dataclasses.replace(
        base.numerator, filter={"SEX": ("F",)}))
    obs = _obs([(2, "01001", "F"), (3, "01001", "M"), (4, "01002", "M")],
               defn.numerator.measure)
    detail = source_detail(defn, obs, areas, {"s": "ab" * 32}).set_index("REF_AREA")
    assert detail["SOURCE_DETAIL"].to_dict() == {
        "01001": "s sha256:abababababab row 2", "01": "s sha256:abababababab (1 row)",
        "00": "s sha256:abababababab (1 row)"}


def test_zero_filled_aggregates_say_so(areas) -> None:  # type: ignore[no-untyped-def]
    defn = load_indicators([bundled("indicators")])["16.1.1"]
    obs = _obs([(0, "09002", "_T"), (0, "09003", "_T")], defn.numerator.measure)
    detail = source_detail(defn, obs, areas, {"s": "ab" * 32}).set_index("REF_AREA")
    zero = "s sha256:abababababab no input row (zero by coverage)"
    assert detail["SOURCE_DETAIL"].to_dict() == {"09002": zero, "09003": zero, "09": zero,
                                                 "00": zero}


def test_a_partial_aggregate_counts_the_rows_of_its_covered_municipalities(demo_run) -> None:  # type: ignore[no-untyped-def]
    """A flagged partial state or national value sums its covered municipalities only
    (complete, with a population): its "(N rows)" counts their lines, not every line.
    In the SESNSP file each municipality and year is one line."""
    from sdmx_tools.pipeline import OutputPaths

    table = pd.read_csv(OutputPaths(demo_run.workspace / "out").indicators_csv, dtype=str)
    table = table[table["indicator"] == "16.1.1"]
    munis = table[table["level"] == "municipality"]
    covered = munis[(munis["reported"] == "1") & munis["denominator"].notna()]
    partial = table[(table["level"] != "municipality")
                    & table["COMMENT_OBS"].fillna("").str.startswith("partial coverage")]
    assert len(partial) > 3
    for rec in partial.itertuples():
        inside = covered[covered["TIME_PERIOD"] == rec.TIME_PERIOD]
        if rec.REF_AREA != "00":
            inside = inside[inside["REF_AREA"].str[:2] == rec.REF_AREA]
        n = len(inside)
        assert rec.SOURCE_DETAIL.endswith(f"({n:,} row{'s' if n > 1 else ''})"), rec
    national = partial[partial["REF_AREA"] == "00"].iloc[0]
    assert int(national["reported"]) > int(national["SOURCE_DETAIL"].split("(")[-1].split()[0]
                                            .replace(",", ""))  # reporting, no population
