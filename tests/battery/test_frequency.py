"""Sub-annual indicators and coverage rules: every value recomputed here by hand.

The expected numbers are computed in this file with plain pandas from the same inputs,
never with the library's reduction.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sdmx_tools.compute import compute_indicator, cube_to_frame, load_indicators
from sdmx_tools.errors import IndicatorError
from sdmx_tools.fsutil import bundled

AGS = [f"01{i:03d}" for i in range(1, 12)]  # the 11 municipalities of Aguascalientes


@pytest.fixture(scope="module")
def defn() -> object:
    return load_indicators([bundled("indicators")])["16.1.1"]


def _population(year: str = "2020") -> pd.DataFrame:
    return pd.DataFrame({"source": "censo", "row": range(2, 13), "measure": "population",
                         "REF_AREA": AGS, "TIME_PERIOD": year,
                         "value": [10_000.0 * (i + 1) for i in range(11)], "unit": "person"})


def _victims(months: list[str], munis: list[str] = AGS) -> pd.DataFrame:
    rows = [(m, p, float((i * 7 + j * 3) % 11)) for j, p in enumerate(months)
            for i, m in enumerate(munis)]
    frame = pd.DataFrame(rows, columns=["REF_AREA", "TIME_PERIOD", "value"])
    return frame.assign(source="sesnsp", row=range(2, len(frame) + 2),
                        measure="homicide_victims", unit="victim")


def test_monthly_indicator_is_complete_per_month(defn: object, areas: object) -> None:
    monthly = dataclasses.replace(defn, frequency="M")  # type: ignore[type-var]
    victims = _victims(["2023-01", "2023-02"])
    obs = pd.concat([_population(), victims], ignore_index=True)
    frame = cube_to_frame(compute_indicator(monthly, obs, areas))
    munis = frame[frame["level"] == "municipality"]
    assert set(munis["OBS_STATUS"]) == {"A"} and (munis["reported"] == 1).all()
    assert not munis["COMMENT_OBS"].str.contains("incomplete").any()
    state = frame[frame["REF_AREA"] == "01"].set_index("TIME_PERIOD")
    pop = _population()["value"].sum()
    for month in ("2023-01", "2023-02"):
        want = victims[victims["TIME_PERIOD"] == month]["value"].sum() / pop * 100_000
        assert state.loc[month, "OBS_VALUE"] == pytest.approx(round(want, 2))
        assert state.loc[month, "OBS_STATUS"] == "A"
        assert state.loc[month, "numerator"] == victims[victims["TIME_PERIOD"] == month][
            "value"].sum()


def test_a_month_missing_makes_an_annual_value_incomplete(defn: object, areas: object) -> None:
    victims = _victims([f"2023-{m:02d}" for m in range(1, 12)])  # no December
    obs = pd.concat([_population(), victims], ignore_index=True)
    frame = cube_to_frame(compute_indicator(defn, obs, areas))  # type: ignore[arg-type]
    munis = frame[frame["level"] == "municipality"]
    assert (munis["reported"] == 0).all()
    assert munis["COMMENT_OBS"].str.contains("incomplete year").all()


def test_quarterly_indicator_sums_three_months(defn: object, areas: object) -> None:
    quarterly = dataclasses.replace(defn, frequency="Q")  # type: ignore[type-var]
    victims = _victims(["2023-01", "2023-02", "2023-03", "2023-04"])
    obs = pd.concat([_population(), victims], ignore_index=True)
    frame = cube_to_frame(compute_indicator(quarterly, obs, areas))
    state = frame[frame["REF_AREA"] == "01"].set_index("TIME_PERIOD")
    q1 = victims[victims["TIME_PERIOD"] <= "2023-03"]["value"].sum()
    assert state.loc["2023-Q1", "numerator"] == q1 and state.loc["2023-Q1", "OBS_STATUS"] == "A"
    munis = frame[(frame["level"] == "municipality") & (frame["TIME_PERIOD"] == "2023-Q2")]
    assert (munis["OBS_STATUS"] == "A").all() and (munis["reported"] == 0).all()


@pytest.mark.parametrize("frequency", ["Q", "M"])
def test_categorical_periods_as_harmonise_gives_them(frequency: str, defn: object,
                                                     areas: object) -> None:
    victims = _victims(["2023-01", "2023-02", "2023-03"])
    obs = pd.concat([_population(), victims], ignore_index=True)
    obs["TIME_PERIOD"] = obs["TIME_PERIOD"].astype("category")  # as harmonise leaves them
    sub = dataclasses.replace(defn, frequency=frequency)  # type: ignore[type-var]
    frame = cube_to_frame(compute_indicator(sub, obs, areas))
    state = frame[frame["REF_AREA"] == "01"].set_index("TIME_PERIOD")["numerator"]
    months = victims.groupby("TIME_PERIOD")["value"].sum()
    if frequency == "Q":
        assert state.to_dict() == {"2023-Q1": months.sum()}
    else:
        assert state.to_dict() == months.to_dict()


def test_annual_values_cannot_make_a_monthly_indicator(defn: object, areas: object) -> None:
    monthly = dataclasses.replace(defn, frequency="M")  # type: ignore[type-var]
    obs = pd.concat([_population(), _victims(["2023"])], ignore_index=True)
    with pytest.raises(IndicatorError, match="whole years"):
        compute_indicator(monthly, obs, areas)


def test_flag_rule_without_a_denominator_is_missing_not_zero(defn: object, areas: object
                                                              ) -> None:
    # 16.1.1 flags partial coverage; its denominator is the same period's population here,
    # given for 2020 only: 2023 has no ratio anywhere.
    same = dataclasses.replace(defn, denominator=dataclasses.replace(  # type: ignore[type-var]
        defn.denominator, period="same"))  # type: ignore[attr-defined]
    victims = _victims([f"{y}-{m:02d}" for y in ("2020", "2023") for m in range(1, 13)],
                       munis=AGS[:5])
    obs = pd.concat([_population(), victims], ignore_index=True)
    frame = cube_to_frame(compute_indicator(same, obs, areas))
    later = frame[frame["TIME_PERIOD"] == "2023"]
    assert later["OBS_VALUE"].isna().all()
    assert set(later["OBS_STATUS"]) == {"O"}
    assert (later["COMMENT_OBS"] != "").all()
    nation = later.set_index("REF_AREA").loc["00"]
    assert nation["numerator"] == victims[victims["TIME_PERIOD"].str[:4] == "2023"][
        "value"].sum() > 0
    # Where a value exists it is A or flagged, never an empty A anywhere.
    assert not ((frame["OBS_STATUS"] == "A") & frame["OBS_VALUE"].isna()).any()
    flagged = frame[(frame["TIME_PERIOD"] == "2020") & (frame["REF_AREA"] == "01")].iloc[0]
    covered = victims[(victims["TIME_PERIOD"].str[:4] == "2020")]
    pop = _population().set_index("REF_AREA")["value"].loc[AGS[:5]].sum()
    assert flagged["OBS_STATUS"] == "A" and "partial coverage" in flagged["COMMENT_OBS"]
    assert flagged["OBS_VALUE"] == pytest.approx(round(covered["value"].sum() / pop * 1e5, 2))
    assert np.isfinite(flagged["OBS_VALUE"])
