"""The cube: real Censo 2020 denominators, generated counts, independent pandas checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sdmx_tools.compute.cube import compute_indicator, cube_to_frame
from sdmx_tools.compute.definitions import IndicatorDef, Term, load_indicators
from sdmx_tools.errors import IndicatorError, UnitError
from sdmx_tools.fsutil import bundled
from sdmx_tools.report import Severity
from sdmx_tools.territory import AreaCodelist
from sdmx_tools.vocabulary.units import registry

YEARS = ("2022", "2023")


@pytest.fixture(scope="module")
def defs() -> dict[str, IndicatorDef]:
    return load_indicators([bundled("indicators")])


@pytest.fixture(scope="module")
def population(census_population: dict[str, float]) -> pd.DataFrame:
    """Censo 2020 population per municipality; the 9 post-2020 ones are missing."""
    return pd.DataFrame({"source": "censo", "row": np.arange(2, len(census_population) + 2),
                         "measure": "population", "REF_AREA": list(census_population),
                         "TIME_PERIOD": "2020", "value": list(census_population.values()),
                         "unit": "person"})


def _monthly(areas: AreaCodelist, population: pd.DataFrame, seed: int = 7,
             sexes: tuple[str, ...] = ()) -> pd.DataFrame:
    """Generated monthly homicide victims for every municipality (post-2020 ones too)."""
    rng = np.random.default_rng(seed)
    pop = population.set_index("REF_AREA")["value"]
    munis = areas.municipalities()
    rate = pd.Series(rng.uniform(5, 60, 32), index=areas.states())
    lam = np.array([rate[m[:2]] * pop.get(m, 5_000.0) / 100_000 / 12 for m in munis])
    parts = []
    for year in YEARS:
        for month in range(1, 13):
            for sex in sexes or (None,):
                part = pd.DataFrame({"REF_AREA": munis, "TIME_PERIOD": f"{year}-{month:02d}",
                                     "value": rng.poisson(lam / max(1, len(sexes))).astype(
                                         float)})
                if sex:
                    part["SEX"] = sex
                parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    return out.assign(source="sesnsp", row=np.arange(len(out)) + 2, measure="homicide_victims",
                      unit="victim")


def _obs(*frames: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def homicides(areas: AreaCodelist, population: pd.DataFrame) -> pd.DataFrame:
    return _monthly(areas, population)


def test_state_and_nation_equal_independent_pandas(areas, defs, population, homicides
                                                   ) -> None:  # type: ignore[no-untyped-def]
    computed = compute_indicator(defs["16.1.1"], _obs(population, homicides), areas)
    got = cube_to_frame(computed).set_index(["REF_AREA", "TIME_PERIOD"])["OBS_VALUE"]

    # Independent: annual sums, every municipality's victims over the state's census pop.
    h = homicides.assign(year=homicides["TIME_PERIOD"].str[:4],
                         state=homicides["REF_AREA"].str[:2])
    pop = population.assign(state=population["REF_AREA"].str[:2])
    num = h.groupby(["state", "year"])["value"].sum()
    den = pop.groupby("state")["value"].sum()
    want = (num / den.reindex(num.index, level="state") * 100_000).round(2)
    for (state, year), value in want.items():
        assert got[(state, year)] == value, (state, year)
    nation = (h.groupby("year")["value"].sum() / pop["value"].sum() * 100_000).round(2)
    for year in YEARS:
        assert got[("00", year)] == nation[year]

    # Averaging municipal rates would give another number; the tool does not average.
    frame = cube_to_frame(computed)
    munis = frame[frame["level"] == "municipality"]
    averaged = munis.assign(state=munis["REF_AREA"].str[:2]).groupby(
        ["state", "TIME_PERIOD"])["OBS_VALUE"].mean().round(2)
    states = got[[k for k in got.index if len(k[0]) == 2 and k[0] != "00"]]
    differs = (averaged.reindex(states.index) - states).abs() > 0.01
    assert differs.mean() > 0.9
    assert (munis.groupby("TIME_PERIOD")["OBS_VALUE"].mean().round(2)
            != nation.rename_axis("TIME_PERIOD")).all()


def test_post_census_municipalities_are_missing_with_a_note(areas, defs, population,
                                                            homicides) -> None:  # type: ignore[no-untyped-def]
    frame = cube_to_frame(compute_indicator(defs["16.1.1"], _obs(population, homicides), areas))
    new = frame[~frame["REF_AREA"].map(areas.is_census2020) & frame["level"].eq("municipality")]
    assert len(new) == 9 * len(YEARS)
    assert new["OBS_VALUE"].isna().all() and (new["OBS_STATUS"] == "O").all()
    assert new["COMMENT_OBS"].str.contains("created after the census").all()
    assert np.isfinite(frame["OBS_VALUE"].dropna()).all()


def test_incomplete_states_flag_or_withhold_by_rule(areas, defs, population, homicides
                                                    ) -> None:  # type: ignore[no-untyped-def]
    # Two Oaxaca municipalities miss December 2023.
    gap = homicides["REF_AREA"].isin(["20001", "20002"]) & homicides["TIME_PERIOD"].eq(
        "2023-12")
    obs = _obs(population, homicides[~gap])
    flagged = compute_indicator(defs["16.1.1"], obs, areas)
    cube = flagged.cube.sel(REF_AREA="20", TIME_PERIOD="2023")
    assert str(cube["OBS_STATUS"].item()) == "A"
    assert "partial coverage: 568 of 570" in str(cube["COMMENT_OBS"].item())
    # The flagged value is the covered municipalities' own ratio.
    covered = homicides[~homicides["REF_AREA"].isin(["20001", "20002"])
                        & homicides["REF_AREA"].str.startswith("20")
                        & homicides["TIME_PERIOD"].str.startswith("2023")]
    pop = population.set_index("REF_AREA")["value"]
    want = covered["value"].sum() / pop[pop.index.str.startswith("20")].drop(
        ["20001", "20002"]).sum() * 100_000
    assert float(cube["OBS_VALUE"]) == round(want, 2)
    summary = [f for f in flagged.findings if f.code == "incomplete-coverage"]
    assert [(f.key, f.severity) for f in summary] == [("VC_IHR_PSRC.20.2023",
                                                        Severity.WARNING)]
    assert "20001, 20002" in summary[0].message

    withheld = compute_indicator(dataclasses.replace(defs["16.1.1"], incomplete="withhold"),
                                 obs, areas).cube.sel(REF_AREA="20", TIME_PERIOD="2023")
    assert np.isnan(float(withheld["OBS_VALUE"])) and str(withheld["OBS_STATUS"].item()) == "O"


def test_cube_layout_and_units(areas, defs, population, homicides) -> None:  # type: ignore[no-untyped-def]
    cube = compute_indicator(defs["16.1.1"], _obs(population, homicides), areas).cube
    assert list(cube.dims) == ["REF_AREA", "TIME_PERIOD"]
    for var in ("OBS_STATUS", "UNIT_MULT", "NATURE", "COMMENT_OBS"):
        assert cube[var].dims == ("REF_AREA", "TIME_PERIOD")
    assert cube["numerator"].attrs["units"] == "victim"
    assert cube["denominator"].attrs["units"] == "person"
    # The published value carries its pint unit: 16.1.1 per 100,000 population converts to
    # percent of the population, and to nothing that is not per person.
    q = cube["OBS_VALUE"].sel(REF_AREA="00").pint.quantify(unit_registry=registry())
    with pytest.raises(Exception, match="Cannot convert"):
        q.pint.to("percent")
    assert np.allclose(q.pint.to("percent / person").pint.magnitude, cube["OBS_VALUE"].sel(
        REF_AREA="00").values / 1000)


# ---- failures, each with its error or finding code and location ----

def test_incompatible_units_name_source_measure_and_units(areas, defs, population,
                                                          homicides) -> None:  # type: ignore[no-untyped-def]
    bad = homicides.head(5).assign(source="portal_x", unit="MXN")
    with pytest.raises(UnitError) as info:
        compute_indicator(defs["16.1.1"], _obs(population, homicides, bad), areas)
    text = str(info.value)
    assert "'portal_x'" in text and "'homicide_victims'" in text
    assert "'MXN'" in text and "'victim'" in text


def test_unknown_unit_is_an_error_naming_the_source(areas, defs, population, homicides
                                                    ) -> None:  # type: ignore[no-untyped-def]
    bad = population.head(3).assign(source="conteo", unit="habitantez")
    with pytest.raises(UnitError) as info:
        compute_indicator(defs["16.1.1"], _obs(bad, population.iloc[3:], homicides), areas)
    assert info.value.message == "unknown unit" and info.value.value == "habitantez"
    assert "source 'conteo', measure 'population'" in str(info.value.file)


def _seats(codes: list[str], seats: list[float], women: list[float]) -> pd.DataFrame:
    rows = []
    for measure, values in (("council_seats", seats), ("council_seats_women", women)):
        rows.append(pd.DataFrame({"source": "cabildos", "row": range(2, len(codes) + 2),
                                  "measure": measure, "REF_AREA": codes, "TIME_PERIOD": "2023",
                                  "value": values, "unit": "seat"}))
    return pd.concat(rows, ignore_index=True)


def test_share_above_100_percent_is_a_located_error(areas, defs) -> None:  # type: ignore[no-untyped-def]
    obs = _seats(["01001", "01002"], [10, 12], [13, 5])
    found = compute_indicator(defs["5.5.1"], obs, areas).findings
    bad = [f for f in found if f.code == "value-out-of-range"]
    assert [(f.key, f.severity, f.value) for f in bad] == [
        ("SG_GEN_LOCGELS.01001.2023", Severity.ERROR, "130")]


def test_zero_denominator_is_missing_never_infinite(areas, defs) -> None:  # type: ignore[no-untyped-def]
    computed = compute_indicator(defs["5.5.1"], _seats(["01001", "01002"], [0, 12], [0, 5]),
                                 areas)
    zero = [f for f in computed.findings if f.code == "zero-denominator"]
    assert [(f.key, f.value) for f in zero] == [("SG_GEN_LOCGELS.01001.2023", "0/0")]
    cell = computed.cube.sel(REF_AREA="01001", TIME_PERIOD="2023")
    assert np.isnan(float(cell["OBS_VALUE"])) and str(cell["OBS_STATUS"].item()) == "O"
    assert str(cell["COMMENT_OBS"].item()) == "denominator is zero"


def test_duplicate_key_across_sources_is_a_located_error(areas, defs, population, homicides
                                                         ) -> None:  # type: ignore[no-untyped-def]
    again = population[population["REF_AREA"] == "02004"].assign(source="conapo", row=17)
    found = compute_indicator(defs["16.1.1"], _obs(population, again, homicides),
                              areas).findings
    dup = [f for f in found if f.code == "duplicate-key"]
    assert len(dup) == 1 and dup[0].severity is Severity.ERROR
    assert dup[0].key == "VC_IHR_PSRC.02004.2020" and dup[0].column == "population"
    assert "censo row" in dup[0].message and "conapo row 17" in dup[0].message


def test_outlier_against_peers_and_own_history(areas, defs, population) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    pop = population.set_index("REF_AREA")["value"]
    big = pop[pop.index.str.startswith("15")].nlargest(40).index
    years = [str(y) for y in range(2020, 2028)]
    rows = [(m, y, float(rng.poisson(30 * pop[m] / 100_000))) for m in big for y in years]
    counts = pd.DataFrame(rows, columns=["REF_AREA", "TIME_PERIOD", "value"])
    slip = (counts["REF_AREA"] == big[5]) & (counts["TIME_PERIOD"] == "2027")
    counts.loc[slip, "value"] *= 4
    obs = _obs(population, counts.assign(source="s", row=2, measure="homicide_victims",
                                         unit="victim"))
    found = compute_indicator(defs["16.1.1"], obs, areas).findings
    keys = {(f.key, f.message.split(" (")[0]) for f in found if f.code == "outlier"}
    key = f"VC_IHR_PSRC.{big[5]}.2027"
    assert {(key, "value far from its own history"), (key, "value far from its peers")} <= keys
    # The slip also lifts the sums that contain it, and nothing else is flagged.
    assert {k for k, _ in keys} <= {key, "VC_IHR_PSRC.15.2027", "VC_IHR_PSRC.00.2027"}


def test_a_count_is_compared_with_its_own_history_never_with_its_peers(areas, defs,
                                                                      population) -> None:  # type: ignore[no-untyped-def]
    """Population as an indicator of its own (no denominator): municipalities of every size
    are not outliers of each other; a jump in one's own series still is."""
    pop = population.set_index("REF_AREA")["value"]
    rng = np.random.default_rng(5)
    years = [str(y) for y in range(2020, 2028)]
    rows = [(m, y, round(float(pop[m]) * (1 + 0.01 * i) * rng.uniform(0.995, 1.005)))
            for m in pop.index if len(m) == 5 for i, y in enumerate(years)]
    counts = pd.DataFrame(rows, columns=["REF_AREA", "TIME_PERIOD", "value"])
    jump = (counts["REF_AREA"] == "15033") & (counts["TIME_PERIOD"] == "2027")
    counts.loc[jump, "value"] *= 3
    defn = dataclasses.replace(defs["16.1.1"], denominator=None, multiplier=1.0,
                               numerator=Term("population", "person"), unit_measure="NUMBER",
                               range=None)
    found = [f for f in compute_indicator(defn, counts.assign(
        source="s", row=2, measure="population", unit="person"), areas).findings
        if f.code == "outlier"]
    assert found and all("its own history" in f.message for f in found)
    assert "VC_IHR_PSRC.15033.2027" in {f.key for f in found}
    assert len(found) <= 3  # the jump, and the sums that contain it


def test_small_counts_are_noted_at_aggregate_level(areas, defs, population) -> None:  # type: ignore[no-untyped-def]
    counts = pd.DataFrame({"source": "s", "row": 2, "measure": "homicide_victims",
                           "REF_AREA": areas.municipalities("06"), "TIME_PERIOD": "2023",
                           "value": 0.0, "unit": "victim"})
    counts.loc[0, "value"] = 3
    found = compute_indicator(defs["16.1.1"], _obs(population, counts), areas).findings
    assert ("VC_IHR_PSRC.06.2023", "3/731391") in {(f.key, f.value) for f in found
                                                   if f.code == "small-count"}


# ---- filters, formulas, unit conversion ----

def test_numerator_filter_on_a_dimension(areas, defs) -> None:  # type: ignore[no-untyped-def]
    seats = pd.DataFrame({"source": "c", "row": range(2, 6), "measure": "council_seats",
                          "REF_AREA": ["01001", "01001", "01002", "01002"],
                          "TIME_PERIOD": "2023", "SEX": ["F", "M", "F", "M"],
                          "value": [4.0, 6.0, 9.0, 3.0], "unit": "seat"})
    defn = dataclasses.replace(
        defs["5.5.1"], numerator=Term("council_seats", "seat", filter={"SEX": ("F",)}),
        denominator=Term("council_seats", "seat", filter={"SEX": ("F", "M")}))
    frame = cube_to_frame(compute_indicator(defn, seats, areas)).set_index("REF_AREA")
    assert frame.loc["01001", "OBS_VALUE"] == 40.0 and frame.loc["01002", "OBS_VALUE"] == 75.0
    # The denominator adds up the sexes only because its filter lists them.
    undeclared = dataclasses.replace(defn, denominator=Term("council_seats", "seat"))
    with pytest.raises(IndicatorError, match=r"SEX \('F', 'M'\).*summing would add them up"):
        compute_indicator(undeclared, seats, areas)


def test_registered_formula_runs_on_summed_terms(areas, defs) -> None:  # type: ignore[no-untyped-def]
    codes = areas.municipalities("01")
    homes = pd.DataFrame({"source": "iter", "row": 2, "measure": "dwellings",
                          "REF_AREA": codes, "TIME_PERIOD": "2020",
                          "value": np.arange(100.0, 100.0 + len(codes)), "unit": "dwelling"})
    without = homes.assign(measure="dwellings_without_drainage", value=homes["value"] // 7)
    frame = cube_to_frame(compute_indicator(defs["6.2.1"], _obs(homes, without), areas))
    state = frame.set_index("REF_AREA").loc["01"]
    want = (homes["value"].sum() - without["value"].sum()) / homes["value"].sum() * 100
    assert state["OBS_VALUE"] == round(want, 1)


def test_waste_in_kg_per_day_and_t_per_year_converts(areas, defs) -> None:  # type: ignore[no-untyped-def]
    codes = areas.municipalities("03")
    collected = pd.DataFrame({"source": "cngmd", "row": 2, "measure": "waste_collected",
                              "REF_AREA": codes, "TIME_PERIOD": "2022",
                              "value": 30_000.0, "unit": "kg/day"})
    generated = collected.assign(measure="waste_generated", value=40 * 365.25, unit="t/year")
    frame = cube_to_frame(compute_indicator(defs["11.6.1"], _obs(collected, generated), areas))
    assert set(frame["OBS_VALUE"]) == {75.0}
    bad = generated.assign(unit="ha")
    with pytest.raises(UnitError, match="'ha' cannot be converted to 't/day'"):
        compute_indicator(defs["11.6.1"], _obs(collected, bad), areas)


def test_missing_measure_names_what_sources_give(areas, defs, population) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IndicatorError, match="homicide_victims"):
        compute_indicator(defs["16.1.1"], population, areas)


# ---- the Dask path ----

def test_dask_gives_the_identical_cube(areas, defs, population) -> None:  # type: ignore[no-untyped-def]
    obs = _obs(population, _monthly(areas, population, seed=11, sexes=("F", "M")))
    defn = dataclasses.replace(defs["16.1.1"], disaggregations=("SEX",))
    mem = compute_indicator(defn, obs, areas, engine="pandas")
    dsk = compute_indicator(defn, obs, areas, engine="dask")
    assert len(obs) > 100_000 and mem.cube.sizes["SEX"] == 2
    xr.testing.assert_identical(mem.cube, dsk.cube)
    assert mem.findings == dsk.findings and mem.sources == dsk.sources


def test_state_rows_only_is_a_located_error(areas, defs) -> None:  # type: ignore[no-untyped-def]
    seats = pd.DataFrame({"source": "cabildos_estatal", "row": [2, 3],
                          "measure": "council_seats", "REF_AREA": ["01", "02"],
                          "TIME_PERIOD": "2023", "SEX": ["F", "F"], "value": [4.0, 6.0],
                          "unit": "seat"})
    defn = dataclasses.replace(
        defs["5.5.1"], numerator=Term("council_seats", "seat", filter={"SEX": ("F",)}),
        denominator=Term("council_seats", "seat", filter={"SEX": ("F", "M")}))
    with pytest.raises(IndicatorError, match="no municipal values") as info:
        compute_indicator(defn, seats, areas)
    assert info.value.value == "cabildos_estatal" and info.value.hint
