"""SDMX time periods as date ranges: what a period covers, and whether it is one at all.

``TIME_PERIOD`` values are ``ObservationalTimePeriod`` text: a Gregorian year, month or day
(``2020``, ``2020-06``, ``2020-06-30``) or a reporting period (``2020-A1``, ``2020-S2``,
``2020-Q3``, ``2020-M07``, ``2020-W05``, ``2020-D032``). Queries compare ranges, not
text: ``startPeriod=2020-06`` keeps the year ``2020`` (it ends after June starts), which
a text prefix comparison would drop.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

__all__ = ["period_bounds", "period_range", "query_bound"]

# Anchored, no nested quantifiers: linear on any input.
_PERIOD = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?|-([ASQMWD])([0-9]{1,3}))?")
_MONTHS = {"A": 12, "S": 6, "Q": 3, "M": 1}
_DAYS = {"W": 7, "D": 1}
NAT = np.datetime64("NaT", "D")


@lru_cache(maxsize=4096)
def period_range(text: str) -> tuple[date, date] | None:
    """The first and last day ``text`` covers, or None when it is not an SDMX period."""
    m = _PERIOD.fullmatch(text.strip()) if len(text) <= 16 else None
    if m is None:
        return None
    year, month, day, kind, number = m.groups()
    y = int(year)
    try:
        if day is not None:
            first = date(y, int(month), int(day))
            return first, first
        if month is not None:
            return _months(y, int(month), 1)
        if kind is None:
            return _months(y, 1, 12)
        n = int(number)
        if kind in _MONTHS:
            size = _MONTHS[kind]
            if not 1 <= n <= 12 // size:
                return None
            return _months(y, (n - 1) * size + 1, size)
        if kind == "W":
            if not 1 <= n <= date(y, 12, 28).isocalendar().week:
                return None
            first = date.fromisocalendar(y, n, 1)
        else:
            if not 1 <= n <= (366 if calendar.isleap(y) else 365):
                return None
            first = date(y, 1, 1) + timedelta(days=n - 1)
        return first, first + timedelta(days=_DAYS[kind] - 1)
    except ValueError:  # a month 13, a 30 February
        return None


def _months(year: int, first_month: int, count: int) -> tuple[date, date]:
    last_month = first_month + count - 1
    last_day = calendar.monthrange(year, last_month)[1]  # ValueError past December
    return date(year, first_month, 1), date(year, last_month, last_day)


def period_bounds(periods: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of each period (``datetime64[D]``; NaT where not a period)."""
    codes, uniques = pd.factorize(periods.astype(str))  # few distinct periods: each once
    ranges = [period_range(u) for u in uniques]
    first = np.array([r[0] if r else NAT for r in ranges], dtype="datetime64[D]")
    last = np.array([r[1] if r else NAT for r in ranges], dtype="datetime64[D]")
    return first[codes], last[codes]


def query_bound(text: str, *, end: bool) -> np.datetime64:
    """The day a ``startPeriod`` (its first day) or ``endPeriod`` (its last) value means.

    Raises
    ------
    ValueError
        When ``text`` is not an SDMX time period.
    """
    found = period_range(text)
    if found is None:
        raise ValueError(f"{text[:40]!r} is not an SDMX time period (e.g. 2020, 2020-06, "
                         "2020-Q2, 2020-06-30)")
    return np.datetime64(found[1] if end else found[0], "D")
