"""Release notes: what changed in the indicator table since the previous release.

Takes the previous release site's ``downloads/indicators.csv`` (:func:`read_previous`) and
the current indicator table, and hands on :class:`ReleaseNotes`: per indicator the count
of new, revised and removed observations and a few examples, for the notes page. The
comparison is vectorised (one merge on an integer key), so two tables of millions of rows
each compare in seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sdmx_tools.compute.definitions import id_order
from sdmx_tools.errors import ReleaseError

__all__ = [
    "DISAGGREGATIONS",
    "Change",
    "IndicatorChanges",
    "ReleaseNotes",
    "compare",
    "read_modified",
    "read_previous",
]

# The disaggregation dimensions that may be part of an observation's key.
DISAGGREGATIONS = ("SEX", "AGE", "URBANISATION", "INCOME_WEALTH_QUANTILE", "EDUCATION_LEV",
                   "OCCUPATION", "CUST_BREAKDOWN", "COMPOSITE_BREAKDOWN", "DISABILITY_STATUS",
                   "ACTIVITY", "PRODUCT")
REQUIRED = ("indicator", "REF_AREA", "TIME_PERIOD", "OBS_VALUE")
TOTAL = "_T"
MAX_BYTES = 2 * 1024**3
_CATALOG_MAX_BYTES = 256 * 1024**2
_HINT = "give the folder of a release site written by sdmx-tools release"
_KINDS = ("revised", "new", "removed")  # the examples' order


@dataclass(frozen=True, slots=True)
class Change:
    """One observation that is new, revised or removed.

    ``key`` holds ``REF_AREA``, ``TIME_PERIOD`` and the disaggregation codes that are not
    the total ``_T``. ``before``/``after`` are None where the observation is absent or its
    value is empty (NaN); the status is ``""`` where absent or not given.
    """

    indicator: str
    key: dict[str, str]
    kind: str  # "new" | "revised" | "removed"
    before: float | None
    after: float | None
    status_before: str
    status_after: str


@dataclass(frozen=True, slots=True)
class IndicatorChanges:
    """An indicator's counts of changed observations and up to a few examples.

    The examples are revisions first, then new and removed observations, each in the
    order of their key (area, period, disaggregations).
    """

    indicator: str
    new: int
    revised: int
    removed: int
    examples: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class ReleaseNotes:
    """The changes of a release against the previous one.

    Attributes
    ----------
    previous_generated_at
        When the previous release was generated (ISO 8601), when known.
    indicators
        Every indicator in either release, in SDG order (16.1.1 before 16.10.1).
    added_indicators, removed_indicators
        Indicators only in the current or only in the previous release, in SDG order.
    """

    previous_generated_at: str | None
    indicators: tuple[IndicatorChanges, ...]
    added_indicators: tuple[str, ...]
    removed_indicators: tuple[str, ...]

    @property
    def total(self) -> dict[str, int]:
        """``{"new": n, "revised": n, "removed": n}`` over every indicator."""
        return {kind: sum(getattr(i, kind) for i in self.indicators)
                for kind in ("new", "revised", "removed")}


def read_modified(previous_site: Path) -> str | None:
    """The ``dct:modified`` of a release site's ``catalog.jsonld``; None when not there.

    Parameters
    ----------
    previous_site
        The folder of a release site.

    Returns
    -------
    str or None
        The timestamp as written, or None when the file is missing, too large (over
        256 MiB), not JSON, or says nothing of it (it is optional).
    """
    path = Path(previous_site) / "catalog.jsonld"
    try:
        if path.stat().st_size > _CATALOG_MAX_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    nodes = data.get("@graph", [data]) if isinstance(data, dict) else data
    for node in nodes if isinstance(nodes, list) else []:
        value = node.get("dct:modified") if isinstance(node, dict) else None
        if isinstance(value, dict):
            value = value.get("@value")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def read_previous(previous_site: Path) -> pd.DataFrame:
    """The indicator table of a previous release site, for :func:`compare`.

    Reads ``previous_site/downloads/indicators.csv``: the key columns and ``OBS_STATUS``
    as text exactly as written (``"01001"`` keeps its zero, ``"NA"`` stays ``"NA"``),
    ``OBS_VALUE`` as floats (empty or ``NaN``: NaN). Other columns are not read. The
    previous release's time (:func:`read_modified`) is in ``attrs["generated_at"]``.

    Parameters
    ----------
    previous_site
        The folder of a release site written by ``sdmx-tools release``.

    Returns
    -------
    pandas.DataFrame
        ``indicator``, ``REF_AREA``, ``TIME_PERIOD``, ``OBS_VALUE``, and ``OBS_STATUS`` and
        the disaggregation columns that the file has.

    Raises
    ------
    ReleaseError
        The folder or file is missing, larger than 2 GiB, not a UTF-8 CSV, lacks a
        required column, or has an ``OBS_VALUE`` that is not a number (with its line).
    """
    site = Path(previous_site)
    path = site / "downloads" / "indicators.csv"
    if not site.is_dir():
        raise ReleaseError("the previous release folder does not exist", file=site,
                           hint=_HINT)
    if not path.is_file():
        raise ReleaseError("the previous release has no indicator table", file=path,
                           hint=_HINT)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ReleaseError(f"the previous indicator table is too large ({size:,} bytes, "
                           f"at most {MAX_BYTES:,} are read)", file=path, hint=_HINT)
    wanted = {*REQUIRED, "OBS_STATUS", *DISAGGREGATIONS}
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                            encoding="utf-8-sig", usecols=lambda c: c in wanted)
    except UnicodeDecodeError as exc:
        raise ReleaseError("the previous indicator table is not UTF-8 text", file=path,
                           hint=_HINT) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ReleaseError(f"the previous indicator table is not a CSV file: "
                           f"{str(exc).strip()}", file=path, hint=_HINT) from exc
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ReleaseError("the previous indicator table lacks the column(s) "
                           + ", ".join(missing), file=path, column=missing[0], hint=_HINT)
    table["OBS_VALUE"] = _parse_values(table["OBS_VALUE"], path)
    table.attrs["generated_at"] = read_modified(site)
    return table


def _parse_values(text: pd.Series, path: Path) -> pd.Series:
    """``OBS_VALUE`` as floats, parsed exactly; the first value that is not a number fails."""
    stripped = text.str.strip()
    empty = ((stripped == "") | (stripped.str.lower() == "nan")).to_numpy()
    values = np.full(len(text), np.nan)
    # Python's float() (which numpy uses) is correctly rounded but takes "1_000": refuse it.
    bad = stripped.str.contains("_", regex=False).to_numpy()
    if not bad.any():
        try:
            values[~empty] = stripped[~empty].to_numpy(dtype=object).astype(float)
        except ValueError:
            bad = pd.to_numeric(stripped.where(~empty, "0"), errors="coerce").isna().to_numpy()
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise ReleaseError("an observation value is not a number", file=path,
                           row=at + 2, column="OBS_VALUE", value=text.iloc[at],
                           hint="the table must be as sdmx-tools release wrote it (line "
                                "numbers count the header as line 1)")
    return pd.Series(values, index=text.index)


def _text(values: pd.Series) -> pd.Series:
    """A key column as pandas strings, ``""`` where missing (numbers become their text)."""
    return values.astype(pd.StringDtype()).fillna("")


def _key_frame(table: pd.DataFrame, disaggregations: list[str]) -> pd.DataFrame:
    """The key columns as text; a missing or empty disaggregation is the total ``_T``."""
    out = {col: _text(table[col]) for col in ("indicator", "REF_AREA", "TIME_PERIOD")}
    for col in disaggregations:
        if col in table.columns:
            values = _text(table[col])
            out[col] = values.where(values != "", TOTAL)
        else:
            out[col] = pd.Series(TOTAL, index=table.index, dtype=pd.StringDtype())
    return pd.DataFrame(out, index=table.index)


def _codes(keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """One integer per distinct key, and each row's indicator as a code into its names."""
    code = np.zeros(len(keys), dtype=np.int64)
    bound = 1  # code < bound
    indicator_codes, names = pd.factorize(keys["indicator"])
    for col in keys.columns:
        if col == "indicator":
            col_codes, uniques = indicator_codes, names
        else:
            col_codes, uniques = pd.factorize(keys[col])
        width = max(len(uniques), 1)
        if bound * width >= 2**62:  # renumber the keys seen so far: no overflow
            code, seen = pd.factorize(code)
            bound = max(len(seen), 1)
        code = code * width + col_codes
        bound *= width
    return code, indicator_codes, pd.Index(names)


def _check_unique(code: np.ndarray, keys: pd.DataFrame, which: str) -> None:
    dup = pd.Series(code).duplicated(keep=False).to_numpy()
    if dup.any():
        first = int(np.flatnonzero(dup)[0])
        key = " ".join(f"{c}={v}" for c, v in keys.iloc[first].items())
        raise ReleaseError(f"the {which} table has {int(dup.sum()):,} observations whose "
                           "key is not unique; such a table cannot be compared",
                           key=key, hint="remove the double-counted observations")


def _floats(table: pd.DataFrame, which: str) -> np.ndarray:
    try:
        return pd.to_numeric(table["OBS_VALUE"], errors="raise").to_numpy(dtype="float64",
                                                                        na_value=np.nan)
    except (ValueError, TypeError) as exc:
        raise ReleaseError(f"the {which} table has an observation value that is not a "
                           f"number: {exc}", column="OBS_VALUE") from exc


def _statuses(previous: pd.DataFrame, current: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """Each row's ``OBS_STATUS`` as a code into the statuses (all ``""`` unless both have)."""
    if "OBS_STATUS" not in previous.columns or "OBS_STATUS" not in current.columns:
        return np.zeros(len(previous) + len(current), dtype=np.int64), pd.Index([""])
    both = pd.concat([_text(previous["OBS_STATUS"]), _text(current["OBS_STATUS"])],
                     ignore_index=True)
    codes, uniques = pd.factorize(both)
    return codes, pd.Index(uniques)


def _as_written(values: np.ndarray) -> np.ndarray:
    return np.array([float(f"{v:.15g}") for v in values.tolist()], dtype="float64")


def _value_changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """True where the values differ, as the tables write them (%.15g; NaN equals NaN)."""
    b_nan, a_nan = np.isnan(before), np.isnan(after)
    changed = (b_nan != a_nan) | (~b_nan & ~a_nan & (before != after))
    # A value computed in memory carries more digits than the table it is written to:
    # differences beyond the 15th significant digit are not revisions. Two values written
    # alike are within 1e-14 of their size: only those closer than that need writing.
    with np.errstate(invalid="ignore"):
        near = np.abs(before - after) <= 2e-14 * np.maximum(np.abs(before), np.abs(after))
    close = np.flatnonzero(changed & near)
    if len(close):
        changed[close] = _as_written(before[close]) != _as_written(after[close])
    return changed


def _validate(table: pd.DataFrame, which: str) -> None:
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ReleaseError(f"the {which} table lacks the column(s) " + ", ".join(missing),
                           column=missing[0],
                           hint="give the indicator table of a release (indicators.csv)")


def compare(previous: pd.DataFrame, current: pd.DataFrame, *, examples: int = 10,
            previous_generated_at: str | None = None) -> ReleaseNotes:
    """The release notes: every observation new, revised or removed since ``previous``.

    An observation's key is ``indicator``, ``REF_AREA``, ``TIME_PERIOD`` and each of
    :data:`DISAGGREGATIONS` present in either table (missing, NaN or ``""`` counts as the
    total ``_T``). An observation is revised when its value changed (NaN against a number
    is a change, NaN against NaN is not) or, when both tables have ``OBS_STATUS``, its
    status changed. Values are compared exactly as the tables write them (``%.15g``,
    idempotent on values read back from a table).

    Parameters
    ----------
    previous, current
        Indicator tables (:func:`read_previous` reads the previous one).
    examples
        At most this many examples per indicator.
    previous_generated_at
        When the previous release was generated; default ``previous.attrs["generated_at"]``
        (set by :func:`read_previous`).

    Returns
    -------
    ReleaseNotes

    Raises
    ------
    ReleaseError
        A table lacks a required column, has a non-numeric value, or has a key twice.
    """
    if examples < 0:
        raise ReleaseError("the number of examples cannot be negative", value=examples)
    _validate(previous, "previous")
    _validate(current, "current")
    disaggregations = [c for c in DISAGGREGATIONS
                       if c in previous.columns or c in current.columns]
    n_prev = len(previous)
    keys = pd.concat([_key_frame(previous, disaggregations),
                      _key_frame(current, disaggregations)], ignore_index=True)
    code, indicator_codes, names = _codes(keys)
    _check_unique(code[:n_prev], keys.iloc[:n_prev], "previous")
    _check_unique(code[n_prev:], keys.iloc[n_prev:], "current")

    left = pd.DataFrame({"_k": code[:n_prev], "_l": np.arange(n_prev)})
    right = pd.DataFrame({"_k": code[n_prev:], "_r": np.arange(n_prev, len(keys))})
    merged = left.merge(right, on="_k", how="outer", indicator=True, sort=False)
    side = merged["_merge"].cat.codes.to_numpy()
    where = {name: i for i, name in enumerate(merged["_merge"].cat.categories)}
    lpos = merged["_l"].fillna(-1).to_numpy(dtype=np.int64)
    rpos = merged["_r"].fillna(-1).to_numpy(dtype=np.int64)

    values = np.concatenate([_floats(previous, "previous"), _floats(current, "current")])
    statuses, status_names = _statuses(previous, current)

    both = np.flatnonzero(side == where["both"])
    revised_at = both[_value_changed(values[lpos[both]], values[rpos[both]])
                      | (statuses[lpos[both]] != statuses[rpos[both]])]
    kind = np.full(len(merged), -1, dtype=np.int8)  # index into _KINDS, -1 unchanged
    kind[revised_at] = 0
    kind[side == where["right_only"]] = 1
    kind[side == where["left_only"]] = 2
    pos = np.where(lpos >= 0, lpos, rpos)  # the row of keys each merged row stands for
    row_indicator = indicator_codes[pos]

    changed = np.flatnonzero(kind >= 0)
    counts = np.bincount(row_indicator[changed] * len(_KINDS) + kind[changed],
                         minlength=len(names) * len(_KINDS)).reshape(len(names), len(_KINDS))
    picked = _examples(changed, kind, row_indicator, pos, keys, examples)

    in_prev = set(np.unique(indicator_codes[:n_prev]).tolist())
    in_cur = set(np.unique(indicator_codes[n_prev:]).tolist())
    order = sorted(range(len(names)), key=lambda i: id_order(str(names[i])))
    per_indicator = []
    for i in order:
        shown = tuple(_change(j, str(names[i]), kind, lpos, rpos, keys, values, statuses,
                              status_names) for j in picked.get(i, []))
        per_indicator.append(IndicatorChanges(
            indicator=str(names[i]), new=int(counts[i, 1]), revised=int(counts[i, 0]),
            removed=int(counts[i, 2]), examples=shown))
    return ReleaseNotes(
        previous_generated_at=(previous_generated_at if previous_generated_at is not None
                               else previous.attrs.get("generated_at")),
        indicators=tuple(per_indicator),
        added_indicators=tuple(str(names[i]) for i in order if i in in_cur - in_prev),
        removed_indicators=tuple(str(names[i]) for i in order if i in in_prev - in_cur),
    )


def _examples(changed: np.ndarray, kind: np.ndarray, row_indicator: np.ndarray,
              pos: np.ndarray, keys: pd.DataFrame, examples: int) -> dict[int, list[int]]:
    """Merged rows shown per indicator: by kind (revised first), then by key."""
    if examples == 0 or not len(changed):
        return {}
    rows = keys.iloc[pos[changed]]
    sort_keys = [pd.factorize(rows[c], sort=True)[0] for c in reversed(keys.columns[1:])]
    order = changed[np.lexsort([*sort_keys, kind[changed], row_indicator[changed]])]
    chosen = pd.Series(order).groupby(row_indicator[order], sort=False).head(examples)
    out: dict[int, list[int]] = {}
    for j in chosen.to_numpy():
        out.setdefault(int(row_indicator[j]), []).append(int(j))
    return out


def _change(j: int, indicator: str, kind: np.ndarray, lpos: np.ndarray, rpos: np.ndarray,
            keys: pd.DataFrame, values: np.ndarray, statuses: np.ndarray,
            status_names: pd.Index) -> Change:
    row = keys.iloc[lpos[j] if lpos[j] >= 0 else rpos[j]]
    key = {c: str(v) for c, v in row.items()
           if c in ("REF_AREA", "TIME_PERIOD") or (c != "indicator" and v != TOTAL)}

    def value(p: int) -> float | None:
        return None if p < 0 or np.isnan(values[p]) else float(values[p])

    return Change(indicator=indicator, key=key, kind=_KINDS[kind[j]],
                  before=value(int(lpos[j])), after=value(int(rpos[j])),
                  status_before=str(status_names[statuses[lpos[j]]]) if lpos[j] >= 0 else "",
                  status_after=str(status_names[statuses[rpos[j]]]) if rpos[j] >= 0 else "")
