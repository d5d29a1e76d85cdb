"""Cube checks: typed findings on an indicator's computed observations.

Every finding has a stable code and the observation key ``SERIES.REF_AREA.TIME_PERIOD``
(plus the disaggregation codes). Checks that would fire once per municipality summarise
instead: completeness gives one finding per state and period, naming the first missing
municipalities.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from sdmx_tools.compute.definitions import IndicatorDef
from sdmx_tools.report import Finding, Severity
from sdmx_tools.territory import NATION, AreaCodelist

__all__ = ["MIN_EVENTS", "SMALL_COUNT", "completeness", "expected_municipalities", "obs_key",
           "outliers", "value_checks"]

SMALL_COUNT = 5
# Outliers are tested from this many events up (Poisson relative error about 20 %).
MIN_EVENTS = 20
# ... and must stand this many standard errors of their own count away from the median:
# thousands of values are tested, so 3 would still let chance through.
NOISE_SIGMAS = 4
# Iglewicz and Hoaglin's cut-off for the modified z-score 0.6745 (x - median) / MAD.
Z_CUTOFF = 3.5
_MIN_HISTORY = 4
_MIN_PEERS = 8
_LISTED = 5


def obs_key(defn: IndicatorDef, row: pd.Series | dict[str, object]) -> str:
    """``SERIES.REF_AREA.TIME_PERIOD`` followed by the disaggregation codes."""
    parts = [defn.series, row["REF_AREA"], row["TIME_PERIOD"],
             *(row[d] for d in defn.disaggregations)]
    return ".".join(str(p) for p in parts)


def _records(frame: pd.DataFrame) -> Iterable[dict[str, object]]:
    return frame.to_dict("records")


def value_checks(frame: pd.DataFrame, defn: IndicatorDef) -> list[Finding]:
    """Range, zero denominators, negative counts and rates from small counts.

    ``frame`` has one row per observation: keys, ``numerator``, ``denominator``,
    ``OBS_VALUE`` (unrounded) and ``level``.
    """
    findings: list[Finding] = []

    def add(mask: pd.Series, code: str, severity: Severity, message: str, hint: str,
            value: pd.Series) -> None:
        for rec, val in zip(_records(frame[mask]), value[mask], strict=True):
            findings.append(Finding(code=code, severity=severity, message=message,
                                    key=obs_key(defn, rec), value=val, hint=hint or None))

    ratio = frame["numerator"].map("{:g}".format) + "/" + frame["denominator"].map("{:g}".format)
    if defn.range is not None:
        lo, hi = defn.range
        add(frame["OBS_VALUE"].notna() & ~frame["OBS_VALUE"].between(lo, hi),
            "value-out-of-range", Severity.ERROR,
            f"value outside the declared range [{lo:g}, {hi:g}]",
            "check the numerator and denominator units and sources",
            frame["OBS_VALUE"].map("{:g}".format))
    add(frame["denominator"].eq(0), "zero-denominator", Severity.WARNING,
        "denominator is zero: no value computed", "check the denominator source for this area",
        ratio)
    add(frame["numerator"].lt(0), "negative-count", Severity.ERROR, "numerator is negative",
        "counts cannot be negative: check the source row", ratio)
    add(frame["numerator"].between(0, SMALL_COUNT - 1) & frame["level"].ne("municipality")
        & frame["OBS_VALUE"].notna(), "small-count", Severity.INFO,
        f"rate computed from fewer than {SMALL_COUNT} events: read with care", "", ratio)
    return findings


def expected_municipalities(areas: AreaCodelist, period: str) -> list[str]:
    """Municipalities expected to report for ``period``.

    Municipalities created after the 2020 census did not exist in 2020 and earlier: their
    territory was then part of the municipality they split from.
    """
    munis = areas.municipalities()
    if period[:4].isdigit() and int(period[:4]) <= 2020:
        return [m for m in munis if areas.is_census2020(m)]
    return munis


def completeness(reported: pd.DataFrame, defn: IndicatorDef, areas: AreaCodelist
                 ) -> list[Finding]:
    """Coverage by area and period, summarised per state (and per period nationally).

    ``reported`` has ``REF_AREA, TIME_PERIOD, complete`` for every municipal row. A state
    with some municipalities missing gives one warning naming the first few; states with
    no municipality at all give one note per period at national level.
    """
    findings: list[Finding] = []
    done = reported[reported["complete"]].groupby("TIME_PERIOD")["REF_AREA"].apply(set)
    for period in sorted(reported["TIME_PERIOD"].unique()):
        have = done.get(period, set())
        want = expected_municipalities(areas, period)
        per_state = pd.Series(want, dtype=object).map(areas.parent).value_counts()
        missing = pd.Series(sorted(set(want) - have), dtype=object)
        if missing.empty:
            continue
        silent = []
        for st, codes in missing.groupby(missing.map(areas.parent), sort=True):
            expected = int(per_state[st])
            if len(codes) == expected:
                silent.append(str(st))
                continue
            listed = ", ".join(codes.iloc[:_LISTED])
            more = f" and {len(codes) - _LISTED} more" if len(codes) > _LISTED else ""
            findings.append(Finding(
                code="incomplete-coverage", severity=Severity.WARNING,
                message=f"{len(codes)} of {expected} municipalities have no complete data "
                        f"for {period}: {listed}{more}",
                key=f"{defn.series}.{st}.{period}", value=f"{expected - len(codes)}/{expected}",
                hint=f"the state value is {'flagged' if defn.incomplete == 'flag' else 'withheld'}"
                     " (incomplete rule of the indicator)"))
        if silent:
            findings.append(Finding(
                code="incomplete-coverage", severity=Severity.INFO,
                message=f"{len(silent)} states have no data for {period}: "
                        f"{', '.join(silent[:10])}"
                        f"{f' and {len(silent) - 10} more' if len(silent) > 10 else ''}",
                key=f"{defn.series}.{NATION}.{period}",
                value=f"{len(per_state) - len(silent)}/{len(per_state)} states",
                hint="the national value is flagged or withheld by the incomplete rule"))
    return findings


def _robust_z(values: pd.Series, groups: list[pd.Series], minimum: int
              ) -> tuple[pd.Series, pd.Series]:
    """Modified z-score within groups (NaN where a group is too small or has MAD 0), median."""
    grouped = values.groupby(groups)
    median = grouped.transform("median")
    mad = (values - median).abs().groupby(groups).transform("median")
    size = grouped.transform("count")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = 0.6745 * (values - median) / mad
    return z.where((size >= minimum) & (mad > 0)), median


def outliers(frame: pd.DataFrame, defn: IndicatorDef, areas: AreaCodelist) -> list[Finding]:
    """Values far from the area's own history or from its peers (robust z-score, warning).

    Only indicator values are tested, never a source's measures (a denominator); and peers
    only for rates: a count without a denominator is compared with its own history alone.
    Peers are the areas of the same level in the same period (municipalities: of the same
    state). A value is an outlier when its robust z-score passes :data:`Z_CUTOFF` *and* its
    distance from the median passes :data:`NOISE_SIGMAS` times its own counting noise (the
    value over the square root of its events, Poisson): otherwise every small municipality
    with a few events would be flagged for chance alone. Values from fewer than :data:`MIN_EVENTS`
    events are not tested.
    """
    dims = list(defn.disaggregations)
    obs = frame[frame["OBS_VALUE"].notna() & frame["numerator"].ge(MIN_EVENTS)].copy()
    if obs.empty:
        return []
    obs["peer_group"] = np.where(obs["level"].eq("municipality"),
                                 obs["REF_AREA"].map(areas.parent), obs["level"])
    value = obs["OBS_VALUE"]
    noise = value.abs() / np.sqrt(obs["numerator"])
    findings = []
    tests = [("its own history", ["REF_AREA", *dims], _MIN_HISTORY)]
    if defn.denominator is not None:
        # Peers compare rates; a count (a population, a number of seats) grows with the
        # area's size, so a large city is never an outlier of its smaller neighbours.
        tests.append(("its peers", ["peer_group", "TIME_PERIOD", *dims], _MIN_PEERS))
    for label, groups, minimum in tests:
        z, median = _robust_z(value, [obs[c] for c in groups], minimum)
        hit = (z.abs() > Z_CUTOFF) & ((value - median).abs() > NOISE_SIGMAS * noise)
        for rec, score, mid in zip(_records(obs[hit]), z[hit], median[hit], strict=True):
            findings.append(Finding(
                code="outlier", severity=Severity.WARNING,
                message=f"value far from {label} (median {mid:g}, robust z-score {score:.1f})",
                key=obs_key(defn, rec), value=f"{rec['OBS_VALUE']:g}",
                hint="check the source rows of this area and period"))
    return findings
