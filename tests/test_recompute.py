"""Every published value of the demo, recomputed independently from the raw source files.

This module is a second, separate implementation of the demo's arithmetic. It reads the
synthetic source files the demo generated (``<workspace>/data/*.csv``) with plain pandas,
applying each source's quirks by hand as an analyst reading ``examples/demo/sources/*.toml``
would (latin-1, wide months, space thousands, em-dash and ``NA``/``ND``/``NS``/``*`` missing
markers, total and footer rows, decimal commas, kg/day next to t/year, alcaldía names in
UPPERCASE without accents), and recomputes every indicator from the definitions in
``indicators/*.toml`` and the area codelist ``codelists/CL_AREA_MX.csv``, following the
rules written in README.md:

* a rate is computed from counts; states and the nation sum their municipalities'
  numerators and denominators, never averaging rates;
* an annual value from monthly inputs needs all twelve months (a monthly one, its month),
  else the municipality is incomplete: flagged (value kept) or withheld (``O``, no value);
* a state or the nation where some expected municipality did not report complete data is
  withheld under ``incomplete = "withhold"``, or under ``"flag"`` computed from the covered
  municipalities only (complete data and a denominator), with a "partial coverage" note;
* municipalities created after the 2020 census (``census2020`` false) are not expected for
  years up to 2020 and have no census population: their rate is missing;
* a denominator with ``period = "latest"`` is the latest one at or before the year;
* rows excluded by the specs (totals, footers) and rows in ``out/reports/quarantine.csv``
  do not count.

Nothing here imports the pipeline's ingest, territory or compute code: ``sdmx_tools`` is
only used to run the demo (the ``demo_run`` session fixture) and, for the monthly variant,
its command line. The recomputed values are rounded to each indicator's ``decimals`` and
compared with ``OBS_VALUE`` (and ``OBS_STATUS``) in the published SDMX-CSV
``out/sdmx/data.csv``, key by key, for municipalities, states and the nation.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
AREA_CODELIST = REPO / "codelists" / "CL_AREA_MX.csv"
BUNDLED_INDICATORS = REPO / "indicators"
DEMO_INDICATORS = ("3.6.1", "5.5.1", "6.1.1", "6.2.1", "11.6.1", "16.1.1")
MONTHS = ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto",
          "Septiembre", "Octubre", "Noviembre", "Diciembre")
MONTHS_PER_PERIOD = {"A": 12, "M": 1}
# Source unit -> indicator unit, by hand (a year is 365.25 days).
UNIT_FACTORS: dict[tuple[str, str], float] = {
    ("kg/day", "t/day"): 1e-3,
    ("t/year", "t/day"): 1 / 365.25,
}
MEASURE_COLUMNS = ["area", "period", "value", "unit"]


# ---------------------------------------------------------------------------------------
# Reference data: the area codelist and the indicator definitions, read as plain files
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Areas:
    """The area codelist read with pandas: municipalities, their states, census vintage."""

    municipalities: pd.DataFrame  # columns: id, state, name, census2020 (bool)

    @classmethod
    def load(cls, path: Path = AREA_CODELIST) -> Areas:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        munis = table[table["level"] == "municipality"]
        frame = pd.DataFrame({"id": munis["id"], "state": munis["parent"],
                              "name": munis["name"],
                              "census2020": munis["census2020"].eq("true")})
        assert frame["id"].str.fullmatch(r"\d{5}").all()
        assert (frame["state"] == frame["id"].str[:2]).all()
        return cls(frame.reset_index(drop=True))

    def codes(self) -> set[str]:
        return set(self.municipalities["id"])

    def state_of(self) -> dict[str, str]:
        return dict(zip(self.municipalities["id"], self.municipalities["state"], strict=True))

    def expected(self, year: int) -> pd.DataFrame:
        """Municipalities expected to report in ``year`` (post-census ones only after 2020)."""
        munis = self.municipalities
        return munis if year > 2020 else munis[munis["census2020"]]


def load_definition(path: Path) -> dict[str, Any]:
    """An indicator definition TOML, as a plain dict."""
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _fold(text: str) -> str:
    """'Álvaro Obregón' -> 'ALVARO OBREGON' (accents and dots dropped, upper case)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.replace(".", " ").upper().split())


# ---------------------------------------------------------------------------------------
# Raw source files, read by hand with their quirks
# ---------------------------------------------------------------------------------------


def _spec(workspace: Path, source: str) -> dict[str, Any]:
    with (workspace / "sources" / f"{source}.toml").open("rb") as fh:
        return tomllib.load(fh)


def _data_path(workspace: Path, source: str) -> Path:
    return workspace / _spec(workspace, source)["location"]["path"]


def _quarantined_lines(workspace: Path, output: Path, source: str) -> dict[int, dict[str, str]]:
    """File line numbers (1-based, header = line 1) quarantined for ``source``, with raw cells."""
    table = pd.read_csv(output / "reports" / "quarantine.csv", dtype=str, keep_default_na=False)
    rows = table[table["source"] == source]
    return {int(r.row): json.loads(r.raw) for r in rows.itertuples()}


def _drop_quarantined(frame: pd.DataFrame, quarantined: Mapping[int, Mapping[str, str]]
                      ) -> pd.DataFrame:
    """Drop the quarantined rows; ``frame`` has one row per data line (header on line 1)."""
    lines = frame.index.to_series() + 2
    for line, raw in quarantined.items():
        row = frame[lines == line]
        assert len(row) == 1, f"quarantined line {line} is not a data row"
        for column, cell in raw.items():
            assert str(row[column].iloc[0]) == cell, f"line {line} {column}: not the raw row"
    return frame[~lines.isin(list(quarantined))]


def _number(cells: pd.Series, *, missing: tuple[str, ...], decimal: str = ".",
            thousands: str = "") -> pd.Series:
    """Text cells as floats: missing markers to NaN, thousands marks out, decimal to '.'."""
    text = cells.fillna("").astype(str).str.strip()
    text = text.where(~text.isin(missing), "")
    for mark in filter(None, [thousands, " ", "\u00a0", "\u202f"]):
        text = text.str.replace(mark, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    values = pd.to_numeric(text.replace("", np.nan), errors="raise")
    return values.astype("float64")


def _measure(area: pd.Series, period: pd.Series | str, value: pd.Series, unit: str
             ) -> pd.DataFrame:
    frame = pd.DataFrame({"area": area, "period": period, "value": value, "unit": unit})
    return frame[frame["value"].notna()][MEASURE_COLUMNS].reset_index(drop=True)


def read_population(ws: Path, output: Path, areas: Areas) -> dict[str, pd.DataFrame]:
    """CONAPO style: blank row, 'Nacional' total, 'Fuente' footer, ' 26 966', em dash."""
    raw = pd.read_csv(_data_path(ws, "poblacion_conapo"), dtype=str, keep_default_na=False,
                      encoding="utf-8")
    raw = _drop_quarantined(raw, _quarantined_lines(ws, output, "poblacion_conapo"))
    footer = raw["CVE_ENT"].str.startswith("Fuente")
    total = raw["NOM_MUN"].eq("Nacional")
    blank = raw.apply(lambda r: "".join(r).strip() == "", axis=1)
    rows = raw[~footer & ~total & ~blank]
    assert rows["CVE_MUN"].isin(areas.codes()).all()
    value = _number(rows["POB_TOTAL"], missing=("", "—"))
    return {"population": _measure(rows["CVE_MUN"], rows["AÑO"], value, "person")}


def read_homicides(ws: Path, output: Path, areas: Areas) -> dict[str, pd.DataFrame]:
    """SESNSP style: latin-1, one column per month, unpadded codes, blank = no data."""
    raw = pd.read_csv(_data_path(ws, "sesnsp_homicidios"), dtype=str, keep_default_na=False,
                      encoding="latin-1")
    raw = _drop_quarantined(raw, _quarantined_lines(ws, output, "sesnsp_homicidios"))
    raw = raw.assign(area=raw["Cve. Municipio"].str.strip().str.zfill(5))
    assert raw["area"].isin(areas.codes()).all()
    long = raw.melt(id_vars=["area", "Año"], value_vars=list(MONTHS), var_name="month",
                    value_name="cell")
    number = long["month"].map({m: i + 1 for i, m in enumerate(MONTHS)})
    period = long["Año"].str.strip() + "-" + number.map("{:02d}".format)
    value = _number(long["cell"], missing=("",))
    return {"homicide_victims": _measure(long["area"], period, value, "victim")}


def read_road_deaths(ws: Path, output: Path, areas: Areas) -> dict[str, pd.DataFrame]:
    """CDMX style: one row per victim, alcaldía names in UPPERCASE ASCII, state 09 fixed.

    The spec says the file covers all of Mexico City: an alcaldía without records in a year
    had zero deaths.
    """
    raw = pd.read_csv(_data_path(ws, "cdmx_transito"), dtype=str, keep_default_na=False)
    raw = _drop_quarantined(raw, _quarantined_lines(ws, output, "cdmx_transito"))
    cdmx = areas.municipalities[areas.municipalities["state"] == "09"]
    by_name = {_fold(n): c for n, c in zip(cdmx["name"], cdmx["id"], strict=True)}
    area = raw["alcaldia_hechos"].map(_fold).map(by_name)
    assert area.notna().all(), sorted(raw.loc[area.isna(), "alcaldia_hechos"].unique())
    counts = raw.assign(area=area).groupby(["area", "ao_hechos"]).size()
    years = sorted(raw["ao_hechos"].unique())
    grid = pd.MultiIndex.from_product([sorted(cdmx["id"]), years], names=["area", "ao_hechos"])
    counts = counts.reindex(grid, fill_value=0).reset_index(name="deaths")
    return {"road_traffic_deaths": _measure(counts["area"], counts["ao_hechos"],
                                            counts["deaths"].astype("float64"), "death")}


def read_councils(ws: Path, output: Path, areas: Areas) -> dict[str, pd.DataFrame]:
    """CNGMD style: unpadded codes, NA (not applicable) and ND (not available)."""
    raw = pd.read_csv(_data_path(ws, "cngmd_cabildos"), dtype=str, keep_default_na=False)
    raw = _drop_quarantined(raw, _quarantined_lines(ws, output, "cngmd_cabildos"))
    area = raw["ubic_geo"].str.strip().str.zfill(5)
    assert area.isin(areas.codes()).all()
    missing = ("", "NA", "ND")
    return {
        "council_seats": _measure(area, raw["anio"], _number(raw["integrantes"],
                                                             missing=missing), "seat"),
        "council_seats_women": _measure(area, raw["anio"], _number(raw["mujeres"],
                                                                   missing=missing), "seat"),
    }


def read_dwellings(ws: Path, output: Path, areas: Areas) -> dict[str, pd.DataFrame]:
    """ITER style: state + municipality code columns, state totals (MUN 000), '*' cells."""
    raw = pd.read_csv(_data_path(ws, "inegi_viviendas"), dtype=str, keep_default_na=False)
    raw = _drop_quarantined(raw, _quarantined_lines(ws, output, "inegi_viviendas"))
    raw = raw[raw["MUN"].str.strip() != "000"]  # the state totals
    area = raw["ENTIDAD"].str.strip().str.zfill(2) + raw["MUN"].str.strip().str.zfill(3)
    assert area.isin(areas.codes()).all()
    missing = ("", "*", "N/D")
    return {measure: _measure(area, "2020", _number(raw[column], missing=missing), "dwelling")
            for measure, column in [("dwellings", "VIVPARH_CV"),
                                    ("dwellings_piped_water", "VPH_AGUADV"),
                                    ("dwellings_without_drainage", "VPH_NODREN")]}


def read_waste(ws: Path, output: Path, areas: Areas) -> dict[str, pd.DataFrame]:
    """CNGMD waste style: ';', decimal commas with '.' thousands, kg/day and t/year, NS."""
    raw = pd.read_csv(_data_path(ws, "cngmd_residuos"), dtype=str, keep_default_na=False,
                      sep=";")
    raw = _drop_quarantined(raw, _quarantined_lines(ws, output, "cngmd_residuos"))
    area = raw["Clave"].str.strip().str.zfill(5)
    assert area.isin(areas.codes()).all()

    def number(column: str) -> pd.Series:
        return _number(raw[column], missing=("", "NS", "NA"), decimal=",", thousands=".")

    return {
        "waste_collected": _measure(area, raw["Año"], number("Residuos recolectados (kg/día)"),
                                    "kg/day"),
        "waste_generated": _measure(area, raw["Año"], number("Generación estimada (t/año)"),
                                    "t/year"),
    }


READERS: tuple[Callable[[Path, Path, Areas], dict[str, pd.DataFrame]], ...] = (
    read_population, read_homicides, read_road_deaths, read_councils, read_dwellings,
    read_waste)


def read_all_measures(ws: Path, output: Path, areas: Areas) -> dict[str, pd.DataFrame]:
    """Every measure of the demo's six sources, tidy: area, period, value, unit."""
    measures: dict[str, pd.DataFrame] = {}
    for reader in READERS:
        for name, frame in reader(ws, output, areas).items():
            assert name not in measures, f"measure {name} given twice"
            measures[name] = frame
    return measures


# ---------------------------------------------------------------------------------------
# The indicator arithmetic, from the README's rules
# ---------------------------------------------------------------------------------------


def _in_unit(frame: pd.DataFrame, unit: str) -> pd.Series:
    factors = frame["unit"].map(lambda u: 1.0 if u == unit else UNIT_FACTORS[(u, unit)])
    return frame["value"] * factors


def _numerator(defn: Mapping[str, Any], measures: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Numerator per municipality and indicator period, with its completeness."""
    term = defn["numerator"]
    raw = measures[term["measure"]]
    freq = defn.get("frequency", "A")
    monthly = raw["period"].str.len() == 7
    frame = pd.DataFrame({
        "area": raw["area"],
        "period": raw["period"].str[:4] if freq == "A" else raw["period"],
        "month": raw["period"].where(monthly),
        "value": _in_unit(raw, term["unit"]),
    })
    if freq == "M":
        assert monthly.all(), "a monthly indicator needs monthly numerators"
    out = frame.groupby(["area", "period"]).agg(
        numerator=("value", "sum"), months=("month", "nunique"),
        monthly=("month", "count")).reset_index()
    out["complete"] = (out["monthly"] == 0) | (out["months"] >= MONTHS_PER_PERIOD[freq])
    return out[["area", "period", "numerator", "complete"]]


def _denominator_lookup(defn: Mapping[str, Any], measures: Mapping[str, pd.DataFrame]
                        ) -> Callable[[pd.Series, pd.Series], pd.Series]:
    """A function (areas, periods) -> denominators, by the term's period rule."""
    term = defn["denominator"]
    raw = measures[term["measure"]]
    assert (raw["period"].str.len() == 4).all(), "the demo's denominators are yearly"
    den = pd.DataFrame({"area": raw["area"], "year": raw["period"].astype(int),
                        "value": _in_unit(raw, term["unit"])})
    den = den.groupby(["area", "year"], as_index=False)["value"].sum()
    latest = term.get("period", "same") == "latest"

    def lookup(area: pd.Series, period: pd.Series) -> pd.Series:
        want = pd.DataFrame({"area": area.to_numpy(),
                             "want": period.str[:4].astype(int).to_numpy(),
                             "i": np.arange(len(area))})
        pairs = want.merge(den, on="area")
        pairs = pairs[pairs["year"] <= pairs["want"]] if latest else \
            pairs[pairs["year"] == pairs["want"]]
        best = pairs.sort_values("year").groupby("i")["value"].last()
        values = best.reindex(np.arange(len(area))).to_numpy(dtype="float64")
        return pd.Series(values, index=area.index)

    return lookup


def _value(defn: Mapping[str, Any], num: pd.Series, den: pd.Series) -> pd.Series:
    formula = defn.get("formula", "ratio")
    with np.errstate(divide="ignore", invalid="ignore"):
        if formula == "ratio":
            ratio = num / den
        elif formula == "complement_share":
            ratio = (den - num) / den
        else:
            raise AssertionError(f"formula {formula!r} is not recomputed here")
    return ratio * float(defn.get("multiplier", 1))


def recompute_indicator(defn: Mapping[str, Any], measures: Mapping[str, pd.DataFrame],
                        areas: Areas) -> pd.DataFrame:
    """One indicator at municipal, state and national level.

    Returns REF_AREA, TIME_PERIOD, level, OBS_VALUE (rounded; NaN when withheld or
    missing), OBS_STATUS (``A`` or ``O``) and flagged: a value published with a flag, for
    an incomplete municipality or the partial coverage of a state or the nation.
    """
    withhold = defn["incomplete"] == "withhold"
    lookup = _denominator_lookup(defn, measures)
    muni = _numerator(defn, measures)
    muni["denominator"] = lookup(muni["area"], muni["period"])
    state_of = areas.state_of()
    muni["state"] = muni["area"].map(state_of)

    # Municipalities: no (or a zero) denominator -> missing; incomplete -> by the rule.
    value = _value(defn, muni["numerator"], muni["denominator"])
    no_value = muni["denominator"].isna() | (muni["denominator"] == 0)
    withheld = no_value | (~muni["complete"] & withhold)
    rows = [pd.DataFrame({
        "REF_AREA": muni["area"], "TIME_PERIOD": muni["period"], "level": "municipality",
        "value": value.where(~withheld), "OBS_STATUS": np.where(withheld, "O", "A"),
        "flagged": ~withheld & ~muni["complete"]})]

    # States and the nation: sums of counts over their municipalities.
    for level, group_of in (("state", muni["state"]), ("nation", pd.Series("00", muni.index))):
        everyone = areas.municipalities.assign(
            group=areas.municipalities["state"] if level == "state" else "00")
        for (group, period), members in muni.groupby([group_of, muni["period"]]):
            expected = areas.expected(int(period[:4]))
            if level == "state":
                expected = expected[expected["state"] == group]
            done = set(members.loc[members["complete"], "area"])
            complete = set(expected["id"]) <= done
            if complete:
                # Full coverage: every municipality's numerator over the whole group's
                # denominator (a post-census municipality's events count; its territory's
                # 2020 population is in the municipality it split from).
                num = members["numerator"].sum()
                all_munis = everyone[everyone["group"] == group]["id"]
                den = lookup(all_munis, pd.Series(period, index=all_munis.index)
                             ).sum(min_count=1)
                partial = False
            else:
                # Partial: withheld, or (flag) the covered municipalities' own ratio.
                covered = members[members["complete"] & members["denominator"].notna()]
                num = covered["numerator"].sum()
                den = covered["denominator"].sum(min_count=1)
                partial = not withhold and len(covered) > 0
            computed = complete or partial
            val = _value(defn, pd.Series([num]), pd.Series([den])).iloc[0]
            ok = computed and np.isfinite(val) and den != 0
            rows.append(pd.DataFrame({
                "REF_AREA": [group], "TIME_PERIOD": [period], "level": [level],
                "value": [val if ok else np.nan], "OBS_STATUS": ["A" if ok else "O"],
                "flagged": [partial and ok]}))
    out = pd.concat(rows, ignore_index=True)
    out["OBS_VALUE"] = out.pop("value").round(int(defn["decimals"]))
    return out


def recompute_all(workspace: Path, definitions: Mapping[str, Mapping[str, Any]]
                  ) -> pd.DataFrame:
    """Every indicator of ``definitions`` recomputed from the workspace's raw files."""
    output = workspace / _workspace_output(workspace)
    areas = Areas.load()
    measures = read_all_measures(workspace, output, areas)
    frames = []
    for ind_id, defn in definitions.items():
        frame = recompute_indicator(defn, measures, areas)
        frames.append(frame.assign(indicator=ind_id, SERIES=defn["series"],
                                   FREQ=defn.get("frequency", "A")))
    return pd.concat(frames, ignore_index=True)


def _workspace_output(workspace: Path) -> str:
    with (workspace / "sdmx-tools.toml").open("rb") as fh:
        return str(tomllib.load(fh)["workspace"].get("output", "out"))


def published(workspace: Path) -> pd.DataFrame:
    """The published SDMX-CSV observations: keys, FREQ, OBS_VALUE (float), status, note."""
    path = workspace / _workspace_output(workspace) / "sdmx" / "data.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table["OBS_VALUE"] = pd.to_numeric(table["OBS_VALUE"].replace("", np.nan))
    note = table["COMMENT_OBS"]
    table["flagged"] = table["OBS_STATUS"].eq("A") & (
        note.str.startswith("partial coverage") | note.str.contains("incomplete"))
    return table[["SERIES", "REF_AREA", "TIME_PERIOD", "FREQ", "OBS_VALUE", "OBS_STATUS",
                  "flagged", "COMMENT_OBS"]]


KEYS = ["SERIES", "REF_AREA", "TIME_PERIOD"]


def compare(recomputed: pd.DataFrame, publication: pd.DataFrame) -> pd.DataFrame:
    """Outer join on the key; returns the rows that differ (empty when all agree)."""
    both = recomputed.merge(publication, on=KEYS, how="outer", suffixes=("", "_pub"),
                            indicator=True)
    same_value = (both["OBS_VALUE"] == both["OBS_VALUE_pub"]) | (
        both["OBS_VALUE"].isna() & both["OBS_VALUE_pub"].isna())
    differ = ((both["_merge"] != "both") | ~same_value
              | (both["OBS_STATUS"] != both["OBS_STATUS_pub"])
              | (both["FREQ"] != both["FREQ_pub"])
              | (both["flagged"].astype(bool) != both["flagged_pub"].astype(bool)))
    cols = [*KEYS, "level", "_merge", "OBS_VALUE", "OBS_VALUE_pub", "OBS_STATUS",
            "OBS_STATUS_pub", "flagged", "flagged_pub", "COMMENT_OBS"]
    return both.loc[differ, cols]


def _describe(diff: pd.DataFrame) -> str:
    with pd.option_context("display.width", 200, "display.max_columns", 20,
                           "display.max_colwidth", 60):
        return f"{len(diff)} observations differ:\n{diff.head(30).to_string()}"


# ---------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------


def _bundled_definitions() -> dict[str, dict[str, Any]]:
    return {i: load_definition(BUNDLED_INDICATORS / f"{i}.toml") for i in DEMO_INDICATORS}


@pytest.fixture(scope="module")
def demo_workspace(demo_run: Any) -> Path:
    """The demo workspace the session's demo run converted."""
    return Path(demo_run.workspace)


@pytest.fixture(scope="module")
def recomputed_demo(demo_workspace: Path) -> pd.DataFrame:
    """The six demo indicators recomputed independently from the raw files."""
    return recompute_all(demo_workspace, _bundled_definitions())


@pytest.fixture(scope="module")
def published_demo(demo_workspace: Path) -> pd.DataFrame:
    return published(demo_workspace)


@pytest.mark.parametrize("indicator", DEMO_INDICATORS)
def test_published_values_equal_independent_recomputation(
        indicator: str, recomputed_demo: pd.DataFrame, published_demo: pd.DataFrame) -> None:
    """Each published observation of ``indicator`` equals its independent recomputation.

    The key sets must be the same (nothing published that the raw data do not give,
    nothing missing), and for each key the rounded OBS_VALUE (empty for withheld values),
    the OBS_STATUS and whether the value is flagged (an incomplete municipality, or a
    state's or the nation's partial coverage) must match.
    """
    mine = recomputed_demo[recomputed_demo["indicator"] == indicator]
    series = mine["SERIES"].iloc[0]
    theirs = published_demo[published_demo["SERIES"] == series]
    diff = compare(mine, theirs)
    assert diff.empty, _describe(diff)


@pytest.mark.parametrize("indicator", DEMO_INDICATORS)
def test_recomputation_reaches_every_level(indicator: str,
                                           recomputed_demo: pd.DataFrame) -> None:
    """The comparison is not vacuous: municipal, state and national values are compared."""
    mine = recomputed_demo[recomputed_demo["indicator"] == indicator]
    levels = mine.groupby("level")["REF_AREA"].count()
    assert set(levels.index) == {"municipality", "state", "nation"}
    assert mine.loc[mine["level"] == "nation", "REF_AREA"].eq("00").all()
    assert mine.loc[mine["level"] == "state", "REF_AREA"].str.fullmatch(r"\d{2}").all()
    assert mine["OBS_VALUE"].notna().sum() > 0


def test_rules_are_exercised(recomputed_demo: pd.DataFrame) -> None:
    """The demo exercises the rules being checked: withheld, flagged and post-census cases."""
    aggregates = recomputed_demo[recomputed_demo["level"] != "municipality"]
    partial = aggregates.groupby("indicator")["flagged"].sum()
    assert partial["16.1.1"] > 0 and partial["6.1.1"] > 0 and partial["11.6.1"] > 0
    munis = recomputed_demo[recomputed_demo["level"] == "municipality"]
    assert munis.loc[munis["indicator"] == "16.1.1", "flagged"].sum() > 0  # missing months
    road = recomputed_demo[recomputed_demo["indicator"] == "3.6.1"]
    assert road.loc[road["REF_AREA"] == "00", "OBS_STATUS"].eq("O").all()  # one state only
    homicides = recomputed_demo[recomputed_demo["indicator"] == "16.1.1"]
    post_census = homicides[homicides["REF_AREA"].isin(["02007", "12082", "25020"])]
    assert len(post_census) and post_census["OBS_VALUE"].isna().all()


MONTHLY_SERIES = "VC_IHR_PSRC"


@pytest.fixture(scope="module")
def monthly_workspace(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo workspace whose ``indicators/16.1.1.toml`` makes 16.1.1 monthly."""
    from click.testing import CliRunner

    from sdmx_tools.cli import main

    ws = tmp_path_factory.mktemp("monthly")
    shutil.copy2(demo_workspace / "sdmx-tools.toml", ws / "sdmx-tools.toml")
    shutil.copytree(demo_workspace / "sources", ws / "sources")
    shutil.copytree(demo_workspace / "data", ws / "data")
    if (demo_workspace / "geo").is_dir():  # the map boundaries [release] names
        shutil.copytree(demo_workspace / "geo", ws / "geo")
    text = (BUNDLED_INDICATORS / "16.1.1.toml").read_text(encoding="utf-8")
    monthly, n = re.subn(r'(?m)^frequency = "A"$', 'frequency = "M"', text)
    assert n == 1
    (ws / "indicators").mkdir()
    (ws / "indicators" / "16.1.1.toml").write_text(monthly, encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", "-w", str(ws)])
    assert result.exit_code == 0, result.output
    return ws


def test_monthly_variant_equals_independent_recomputation(monthly_workspace: Path) -> None:
    """16.1.1 made monthly by a workspace override: every month of every area recomputed.

    A month is complete when it has data; the rate is that month's victims per 100,000
    (the 2020 population, the latest at or before the year). The other five indicators
    stay annual and are compared again.
    """
    definitions = _bundled_definitions()
    definitions["16.1.1"] = load_definition(monthly_workspace / "indicators" / "16.1.1.toml")
    assert definitions["16.1.1"]["frequency"] == "M"
    mine = recompute_all(monthly_workspace, definitions)
    theirs = published(monthly_workspace)
    monthly = theirs[theirs["SERIES"] == MONTHLY_SERIES]
    assert monthly["FREQ"].eq("M").all()
    assert monthly["TIME_PERIOD"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert monthly["TIME_PERIOD"].nunique() == 24
    diff = compare(mine, theirs)
    assert diff.empty, _describe(diff)
    levels = mine[mine["SERIES"] == MONTHLY_SERIES].groupby("level")["REF_AREA"].count()
    assert set(levels.index) == {"municipality", "state", "nation"}
