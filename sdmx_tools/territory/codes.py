"""INEGI area codes as real files write them, made canonical.

:func:`normalise_code` turns every written form of an INEGI code seen in real files
(``1001``, ``" 01 001 "``, ``1001.0``, ``=CONCATENAR(0,01)``, 9-digit locality codes) into
the canonical id; :func:`normalise_parts` does the same for separate state and
municipality columns. Form only: whether a code exists is the area codelist's question.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["NATION", "Level", "NormalisedCode", "normalise_code", "normalise_parts"]

NATION = "00"
Level = Literal["nation", "state", "municipality"]

# Health-ministry style "unknown" codes: state 97/98/99 (no aplica, se ignora, no
# especificado) and municipality 997/998/999. A 2-digit municipality 99 is NOT a sentinel:
# 099 is a real municipality in several states (15099 Texcoco).
_STATE_SENTINELS = {97, 98, 99}
_MUNICIPALITY_SENTINELS = {997, 998, 999}
_FORMULA = re.compile(r"=\s*(?:CONCATENAR|CONCATENATE|CONCAT)\s*\((.*)\)", re.IGNORECASE)
_QUOTED_FORMULA = re.compile(r'=\s*"(.*)"')
_GROUPS = re.compile(r"\d+(?:[\s\-/_]+\d+)+")


@dataclass(frozen=True, slots=True)
class NormalisedCode:
    """An INEGI code as written in a file, made canonical.

    Attributes
    ----------
    raw
        The value as read, as text.
    code
        Canonical id (``"00"``, ``"01"``, ``"01001"``), or None when the value names no
        single area (unknown-municipality sentinel, malformed value, a name).
    level
        ``nation``, ``state`` or ``municipality`` for ``code``; None when ``code`` is None.
    state
        The state the value points to, when known, even if ``code`` is None (``"01999"``
        -> state ``01``): callers may still count the row at state level.
    note
        Why ``code`` is None, or what was changed (a locality code cut to its municipality).
    known
        Whether ``code`` is in the area codelist; None when not checked (module-level
        :func:`normalise_code` checks form only).
    locality
        The 9-digit locality code when the value was one (``code`` is then its
        municipality); None otherwise.
    """

    raw: str
    code: str | None
    level: Level | None
    state: str | None = None
    note: str | None = None
    known: bool | None = None
    locality: str | None = None


def is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()  # str.strip() drops NBSP too


def code_digits(value: object) -> str | None:
    """Digits of a number-like value (int, integral float, digit text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return str(int(value)) if int(value) >= 0 else None
    if isinstance(value, numbers.Real):
        number = float(value)
        # Excel turns 1001 into 1001.0; anything with a fraction is not a code.
        return str(int(number)) if number.is_integer() and number >= 0 else None
    if isinstance(value, str):
        text = value.strip().lstrip("'")
        if re.fullmatch(r"\d+(?:\.0+)?", text):
            return text.split(".")[0]
    return None


def _unformula(text: str) -> tuple[str, str | None]:
    """Evaluate the leaked Excel formulas INEGI exports carry (``=CONCATENAR(0,01) ``)."""
    match = _FORMULA.fullmatch(text)
    if match:
        parts = []
        for arg in re.split(r"[,;]", match.group(1)):
            arg = arg.strip()
            if len(arg) >= 2 and arg[0] == arg[-1] == '"':
                parts.append(arg[1:-1])  # a text argument keeps its zeros
            elif arg.isdigit():
                parts.append(str(int(arg)))  # Excel reads 01 as the number 1
            elif arg:
                return text, None
        return "".join(parts), "evaluated a spreadsheet formula"
    match = _QUOTED_FORMULA.fullmatch(text)
    if match:
        return match.group(1).strip(), "evaluated a spreadsheet formula"
    return text, None


def normalise_code(raw: object) -> NormalisedCode | None:
    """Canonical INEGI code of a value written in any of the forms real files use.

    Parameters
    ----------
    raw
        ``1001`` / ``"1001"`` / ``1001.0`` -> ``01001``; ``" 01 001 "`` -> ``01001``;
        ``"=CONCATENAR(0,01) "`` -> state ``01``; ``0`` / ``"00"`` -> nation ``00``;
        ``"010010001"`` (locality) -> ``01001``; ``"01000"`` -> state ``01``;
        ``"01999"`` -> unknown municipality of state ``01``.

    Returns
    -------
    NormalisedCode or None
        None only for a missing value (None, NaN, blank). Otherwise a record whose
        ``code`` is None when the value names no single area, with the reason in
        ``note``. Form only: whether the code exists is checked by
        :meth:`AreaCodelist.normalise_code`.
    """
    if is_missing(raw):
        return None
    shown = str(raw)
    digits = code_digits(raw)
    note: str | None = None
    if digits is None and isinstance(raw, str):
        text, note = _unformula(raw.strip())  # \s in the patterns matches NBSP too
        digits = code_digits(text) if text else None
        if digits is None and _GROUPS.fullmatch(text):
            groups = re.split(r"[\s\-/_]+", text)
            if len(groups) == 3:  # state, municipality, locality
                result = normalise_parts(groups[0], groups[1], raw=shown)
                return result and _as_locality(result, groups)
            if len(groups) == 2:
                result = normalise_parts(groups[0], groups[1], raw=shown)
                return result and _with_note(result, note)
        if digits is None and not text:
            return NormalisedCode(shown, None, None, note="empty formula result")
    if digits is None:
        return NormalisedCode(shown, None, None, note="not an INEGI code")
    return _with_note(_from_digits(digits, shown), note)


def _with_note(result: NormalisedCode, note: str | None) -> NormalisedCode:
    if note is None or result.note is not None:
        return result
    return dataclasses.replace(result, note=note)


def _as_locality(result: NormalisedCode, parts: list[str]) -> NormalisedCode:
    """A municipality code read from a locality code: it keeps the locality.

    Locality ``0000`` is INEGI's "total del municipio" line: the municipality itself, with
    no locality (summing it with the real localities would count them twice).
    """
    result = _with_note(result, "locality code cut to its municipality")
    if result.level != "municipality" or not all(p.isdigit() for p in parts) or \
            len(parts[2]) > 4:
        return result
    if int(parts[2]) == 0:
        return dataclasses.replace(result, note="locality 0000: the municipality's total")
    locality = f"{int(parts[0]):02d}{int(parts[1]):03d}{int(parts[2]):04d}"
    return dataclasses.replace(result, locality=locality)


def _from_digits(digits: str, raw: str) -> NormalisedCode:
    if set(digits) == {"0"} and len(digits) <= 5:
        return NormalisedCode(raw, NATION, "nation")
    if len(digits) <= 2:
        return _state(int(digits), raw)
    if len(digits) == 3:
        return NormalisedCode(raw, None, None, note="a 3-digit municipality number needs its "
                              "state: read both columns with normalise_parts()")
    if len(digits) <= 5:
        padded = digits.zfill(5)
        return _combine(int(padded[:2]), int(padded[2:]), raw)
    if len(digits) in (8, 9):
        padded = digits.zfill(9)
        result = _combine(int(padded[:2]), int(padded[2:5]), raw)
        return _as_locality(result, [padded[:2], padded[2:5], padded[5:]])
    return NormalisedCode(raw, None, None, note=f"{len(digits)} digits is no INEGI code length")


def _state(number: int, raw: str) -> NormalisedCode:
    if number == 0:
        return NormalisedCode(raw, NATION, "nation")
    if 1 <= number <= 32:
        return NormalisedCode(raw, f"{number:02d}", "state", f"{number:02d}")
    if number in _STATE_SENTINELS:
        return NormalisedCode(raw, None, None, note=f"state {number} means unknown or not "
                              "applicable")
    return NormalisedCode(raw, None, None, note=f"there is no state {number:02d} (01-32)")


def _combine(state: int, municipality: int, raw: str) -> NormalisedCode:
    if state == 0:
        return NormalisedCode(raw, None, None, note="municipality without a state (state 00)")
    result = _state(state, raw)
    if result.code is None or municipality == 0:
        return result  # state code, or state total row written 01000
    if municipality in _MUNICIPALITY_SENTINELS:
        return NormalisedCode(raw, None, None, result.code,
                              note=f"municipality {municipality} means unknown")
    code = f"{state:02d}{municipality:03d}"
    return NormalisedCode(raw, code, "municipality", result.code)


def normalise_parts(
    state: object, municipality: object, *, raw: str | None = None
) -> NormalisedCode | None:
    """Canonical code from separate state and municipality columns.

    Parameters
    ----------
    state
        ``2``, ``"02"``, ``2.0``...
    municipality
        ``4``, ``"004"``; blank or ``0`` means the state itself; ``999`` means unknown;
        a full 5-digit code (``"02004"``, as CONAPO writes CVE_MUN) is accepted when it
        agrees with ``state``.
    raw
        Text to record as the raw value; defaults to ``"state|municipality"``.

    Returns
    -------
    NormalisedCode or None
        None when both parts are missing.
    """
    shown = raw if raw is not None else f"{state}|{municipality}"
    if type(state) is str and type(municipality) is str and 0 < len(state) <= 2 and \
            0 < len(municipality) <= 3 and (state + municipality).isascii() and \
            state.isdigit() and municipality.isdigit():
        # What a national file holds (2 and 4, or 02 and 004): what the checks below make
        # of it, without them (a file has thousands of distinct pairs per block).
        return _combine(int(state), int(municipality), shown)
    if is_missing(state):
        if is_missing(municipality):
            return None
        return normalise_code(municipality) if len(code_digits(municipality) or "") >= 4 else \
            NormalisedCode(shown, None, None, note="municipality without its state")
    state_digits = code_digits(state)
    if state_digits is None or len(state_digits) > 2:
        return NormalisedCode(shown, None, None, note="state part is not a 1-2 digit number")
    if is_missing(municipality):
        return _state(int(state_digits), shown)
    mun_digits = code_digits(municipality)
    if mun_digits is None:
        return NormalisedCode(shown, None, None, note="municipality part is not a number")
    if len(mun_digits) >= 4:
        padded = mun_digits.zfill(5)
        if len(padded) > 5 or int(padded[:2]) != int(state_digits):
            return NormalisedCode(shown, None, None, note="municipality code disagrees with "
                                  "its state")
        mun_digits = padded[2:]
    return _combine(int(state_digits), int(mun_digits), shown)


def factorize(values: Sequence[object]) -> tuple[list[object], np.ndarray]:
    """Distinct values (missing ones excluded) and each row's position in them (-1 = missing).

    pandas does the grouping in C, so a million rows with a few thousand distinct names
    cost a few thousand lookups.
    """
    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values,
                       dtype=object)
    positions, uniques = pd.factorize(series, use_na_sentinel=True)
    distinct = list(uniques)
    # Blank strings are missing values too (a blank cell of a CSV read as text); checking
    # the distinct values only keeps this out of the per-row cost.
    blank = [i for i, value in enumerate(distinct) if is_missing(value)]
    if blank:
        keep = np.ones(len(distinct), dtype=bool)
        keep[blank] = False
        remap = np.where(keep, np.cumsum(keep) - 1, -1)
        positions = np.where(positions >= 0, remap[positions], -1)
        distinct = [value for i, value in enumerate(distinct) if keep[i]]
    return distinct, positions
