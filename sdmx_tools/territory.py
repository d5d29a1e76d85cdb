"""INEGI areas: the nation, 32 states and 2,478 municipalities of CL_AREA_MX.

Two jobs. :func:`normalise_code` turns every written form of an INEGI code seen in real
files (``1001``, ``" 01 001 "``, ``1001.0``, ``=CONCATENAR(0,01)``, 9-digit locality codes,
separate state and municipality columns) into the canonical id. :meth:`AreaCodelist.match_names`
resolves municipality names to codes, once per distinct (name, state) pair, with precision
before recall: a name that is ambiguous or only roughly similar goes to review, never to a
guessed code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import numbers
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

import numpy as np
import pandas as pd
from rapidfuzz import distance, fuzz, process

from sdmx_tools.codelists import Codelist, fold, load_codelists
from sdmx_tools.errors import TerritoryError

__all__ = [
    "AREA_CODELIST",
    "HONORIFICS",
    "AreaCodelist",
    "AreaMatch",
    "NormalisedCode",
    "load_areas",
    "normalise_code",
    "normalise_name",
    "normalise_parts",
    "strip_honorific",
]

AREA_CODELIST = "CL_AREA_MX"
NATION = "00"
Level = Literal["nation", "state", "municipality"]
Method = Literal["code", "exact", "alias", "fuzzy"]
Status = Literal["matched", "review", "unmatched"]

# Health-ministry style "unknown" codes: state 97/98/99 (no aplica, se ignora, no
# especificado) and municipality 997/998/999. A 2-digit municipality 99 is NOT a sentinel:
# 099 is a real municipality in several states (15099 Texcoco).
_STATE_SENTINELS = {97, 98, 99}
_MUNICIPALITY_SENTINELS = {997, 998, 999}
_FORMULA = re.compile(r"=\s*(?:CONCATENAR|CONCATENATE|CONCAT)\s*\((.*)\)", re.IGNORECASE)
_QUOTED_FORMULA = re.compile(r'=\s*"(.*)"')
_GROUPS = re.compile(r"\d+(?:[\s\-/_]+\d+)+")


# ---------------------------------------------------------------------------------- codes


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
    """

    raw: str
    code: str | None
    level: Level | None
    state: str | None = None
    note: str | None = None
    known: bool | None = None


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()  # str.strip() drops NBSP too


def _digits(value: object) -> str | None:
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
    if _is_missing(raw):
        return None
    shown = str(raw)
    digits = _digits(raw)
    note: str | None = None
    if digits is None and isinstance(raw, str):
        text, note = _unformula(raw.strip())  # \s in the patterns matches NBSP too
        digits = _digits(text) if text else None
        if digits is None and _GROUPS.fullmatch(text):
            groups = re.split(r"[\s\-/_]+", text)
            if len(groups) == 3:  # state, municipality, locality
                result = normalise_parts(groups[0], groups[1], raw=shown)
                return result and _with_note(result, "locality code cut to its municipality")
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
        return _with_note(result, "locality code cut to its municipality")
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
    if _is_missing(state):
        if _is_missing(municipality):
            return None
        return normalise_code(municipality) if len(_digits(municipality) or "") >= 4 else \
            NormalisedCode(shown, None, None, note="municipality without its state")
    state_digits = _digits(state)
    if state_digits is None or len(state_digits) > 2:
        return NormalisedCode(shown, None, None, note="state part is not a 1-2 digit number")
    if _is_missing(municipality):
        return _state(int(state_digits), shown)
    mun_digits = _digits(municipality)
    if mun_digits is None:
        return NormalisedCode(shown, None, None, note="municipality part is not a number")
    if len(mun_digits) >= 4:
        padded = mun_digits.zfill(5)
        if len(padded) > 5 or int(padded[:2]) != int(state_digits):
            return NormalisedCode(shown, None, None, note="municipality code disagrees with "
                                  "its state")
        mun_digits = padded[2:]
    return _combine(int(state_digits), int(mun_digits), shown)


# ---------------------------------------------------------------------------------- names

# Abbreviations written with or without their dot; single letters only with it.
_ABBREVIATIONS = {
    "cd": "ciudad", "gral": "general", "sta": "santa", "sto": "santo", "sn": "san",
    "dr": "doctor", "fco": "francisco", "gpe": "guadalupe", "pto": "puerto",
    "edo": "estado", "mpio": "municipio",
}
_DOTTED_ABBREVIATIONS = {"s": "san", "ma": "maria"}
# Honorific prefixes that everyday sources drop ("Heroica Ciudad de Juchitán de Zaragoza"
# is written "Juchitán de Zaragoza"), longest first so that the whole prefix goes. Plain
# "Villa de" stays: stripping it would make "Villa de Arriaga" (SLP) look like "Arriaga"
# (Chiapas).
HONORIFICS = ("Heroica Ciudad de", "Heroica Villa de", "Heroica Villa", "Heroico", "Heroica")
_HONORIFIC = re.compile("^(?:" + "|".join(re.escape(fold(h)) for h in HONORIFICS) + ") ")
_NOISE_PREFIX = re.compile(r"^(?:municipio de|municipio|alcaldia|delegacion) ")


def normalise_name(name: str) -> str:
    """Comparable form of a place name.

    Casefolds, strips accents (NFKD), expands common abbreviations (Cd. -> ciudad,
    Gral. -> general, Sta. -> santa, Sn./S. -> san, Dr. -> doctor), drops punctuation,
    trailing dots and a leading "Municipio de"/"Alcaldía", and collapses whitespace.
    Honorific prefixes are kept here; :func:`strip_honorific` removes them.
    """
    text = fold(name)  # NFKD turns NBSP into a space
    text = re.sub(r"[^\w.]+|_", " ", text)
    words = []
    for token in re.findall(r"[^\s.]+\.?", text):
        bare = token.rstrip(".")
        if bare in _ABBREVIATIONS:
            words.append(_ABBREVIATIONS[bare])
        elif token.endswith(".") and bare in _DOTTED_ABBREVIATIONS:
            words.append(_DOTTED_ABBREVIATIONS[bare])
        else:
            words.append(bare)
    return _NOISE_PREFIX.sub("", " ".join(words))


def strip_honorific(key: str) -> str:
    """A normalised name without its honorific prefix ("heroica ciudad de ...")."""
    return _HONORIFIC.sub("", key)


@dataclass(frozen=True, slots=True)
class AreaMatch:
    """Result of resolving one area name (or code) to CL_AREA_MX.

    Attributes
    ----------
    code
        The matched code; None unless ``status`` is ``matched``.
    method
        How: ``code``, ``exact`` (normalised name), ``alias`` (historic or short name),
        ``fuzzy``; None when not matched.
    score
        Similarity 0-100 of the best candidate (100 for exact and alias).
    status
        ``matched``, ``review`` (ambiguous or not similar enough: a person decides) or
        ``unmatched``.
    candidates
        Up to three ``(code, official name, score)``, best first.
    note
        Why the name was not matched, in words.
    """

    code: str | None
    method: Method | None
    score: float
    status: Status
    candidates: list[tuple[str, str, float]] = field(default_factory=list)
    note: str | None = None


# ------------------------------------------------------------------------------ codelist


class AreaCodelist:
    """CL_AREA_MX with INEGI's hierarchy and name matching.

    Parameters
    ----------
    codelist
        A codelist with the CL_AREA_MX columns (``parent``, ``level``, ``aliases``,
        ``census2020``...).
    threshold
        Minimum fuzzy score (0-100) for an automatic match within a state.
    margin
        The best fuzzy candidate must beat the next different code by this much.
    review_floor
        Fuzzy candidates scoring below this are not worth a reviewer's time.
    """

    def __init__(
        self,
        codelist: Codelist,
        *,
        threshold: float = 93.0,
        margin: float = 5.0,
        review_floor: float = 75.0,
    ) -> None:
        self.codelist = codelist
        self.threshold = threshold
        self.margin = margin
        self.review_floor = review_floor
        self._level: dict[str, Level] = {}
        self._state: dict[str, str] = {}  # a municipality's state; a state's own code
        self._state_keys: dict[str, set[str]] = defaultdict(set)
        # normalised name -> {code: is_alias}; per state ("" = whole country)
        self._index: dict[str, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
        self._choices: dict[str, tuple[list[str], list[str]]] = {}
        self._state_cache: dict[object, str | None] = {}
        self._match_cache: dict[tuple[str, str | None], AreaMatch] = {}
        for code in codelist:
            level = code.extra.get("level") or _level_from_id(code.id)
            if level not in get_args(Level):
                raise TerritoryError(f"unknown level in {codelist.id}", file=codelist.file,
                                     key=code.id, value=level)
            self._level[code.id] = cast(Level, level)
            forms = [(code.name("es"), False)]
            forms += [(a, True) for a in code.extra.get("aliases", "").split("|") if a]
            if level == "state":
                self._state[code.id] = code.id
                for text, _ in [*forms, (code.extra.get("iso3166_2", ""), True)]:
                    if text:
                        self._state_keys[normalise_name(text)].add(code.id)
            elif level == "municipality":
                state = self._state[code.id] = code.parent or code.id[:2]
                for text, is_alias in forms:
                    key = normalise_name(text)
                    for form in {key, strip_honorific(key)}:
                        for scope in (state, ""):
                            # an official name beats an alias of the same code
                            previous = self._index[scope][form].get(code.id, True)
                            self._index[scope][form][code.id] = previous and is_alias
        for scope, forms_by_key in self._index.items():
            keys = [k for k, codes in forms_by_key.items() for _ in codes]
            codes = [c for codes_ in forms_by_key.values() for c in codes_]
            self._choices[scope] = (keys, codes)

    # -- hierarchy ----------------------------------------------------------------------

    def __contains__(self, code: object) -> bool:
        return code in self._level

    def _check(self, code: str) -> str:
        if code not in self._level:
            raise TerritoryError(f"area code not in {self.codelist.id}", value=code,
                                 hint=self.codelist.did_you_mean(code, "es"))
        return code

    def level(self, code: str) -> Level:
        """``nation``, ``state`` or ``municipality``; TerritoryError for an unknown code."""
        return self._level[self._check(code)]

    def parent(self, code: str) -> str | None:
        """The parent code (a municipality's state, a state's nation ``00``), or None."""
        return self.codelist.codes[self._check(code)].parent

    def state_of(self, code: str) -> str | None:
        """The state of a municipality, a state itself; None for the nation."""
        return self._state.get(self._check(code))

    def name(self, code: str, lang: str = "es") -> str:
        """Official name of an area."""
        return self.codelist.codes[self._check(code)].name(lang)

    def is_census2020(self, code: str) -> bool:
        """Whether the area existed in the 2020 census (False for the nine created since)."""
        return self.codelist.codes[self._check(code)].extra.get("census2020", "true") == "true"

    def states(self) -> list[str]:
        """The 32 state codes, sorted."""
        return sorted(c for c, level in self._level.items() if level == "state")

    def municipalities(self, state: str | None = None) -> list[str]:
        """Municipality codes, sorted; only those of ``state`` (code or name) if given."""
        if state is None:
            return sorted(c for c, level in self._level.items() if level == "municipality")
        state_code = self.resolve_state(state)
        if state_code is None:
            raise TerritoryError("state not recognised", value=state,
                                 hint="give its INEGI code 01-32 or its name")
        return sorted(c for c, level in self._level.items()
                      if level == "municipality" and self._state[c] == state_code)

    # -- codes --------------------------------------------------------------------------

    def normalise_code(self, raw: object) -> NormalisedCode | None:
        """:func:`normalise_code`, plus whether the code exists (``known``).

        A well-formed code that is not in the codelist keeps its ``code`` with
        ``known=False``: it is reported, never replaced by a guess.
        """
        result = normalise_code(raw)
        if result is None or result.code is None:
            return result
        known = result.code in self._level
        note = result.note if known else f"{result.code} is not in {self.codelist.id}"
        return NormalisedCode(result.raw, result.code, result.level, result.state, note, known)

    def match_codes(self, raws: Sequence[object]) -> list[AreaMatch]:
        """Resolve a column of written codes, once per distinct value.

        Returns
        -------
        list of AreaMatch
            ``matched`` with method ``code`` for a known code; ``unmatched`` with a note
            (and the nearest codes as candidates) otherwise.
        """
        uniques, positions = _factorize(raws)
        results = [self._match_code(value) for value in uniques]
        missing = AreaMatch(None, None, 0.0, "unmatched", note="no code given")
        return [results[i] if i >= 0 else missing for i in positions]

    def _match_code(self, raw: object) -> AreaMatch:
        result = self.normalise_code(raw)
        if result is None:
            return AreaMatch(None, None, 0.0, "unmatched", note="no code given")
        if result.code is not None and result.known:
            return AreaMatch(result.code, "code", 100.0, "matched")
        candidates = []
        if result.code is not None and result.state is not None:
            # An unknown municipality: offer its state's nearest numbers (02008 -> 02007).
            siblings = sorted(self.municipalities(result.state),
                              key=lambda c: (abs(int(c) - int(result.code or 0)), c))
            candidates = [(c, self.name(c), 0.0) for c in siblings[:3]]
        return AreaMatch(None, None, 0.0, "unmatched", candidates, note=result.note)

    # -- names --------------------------------------------------------------------------

    def resolve_state(self, value: object) -> str | None:
        """State code of a value given as code (``1``, ``"01"``, ``1.0``) or name.

        Names are normalised like municipality names and checked against official
        names, common short names ("Coahuila", "CDMX", "Estado de México"), INEGI
        abbreviations and ISO 3166-2 codes. Returns None when not recognised.
        """
        # Keyed by type too: True == 1 == 1.0 in a dict, but they are different inputs.
        key = (type(value), value)
        try:
            return self._state_cache[key]
        except (KeyError, TypeError):
            pass
        result = self._resolve_state(value)
        with contextlib.suppress(TypeError):  # unhashable values are just not cached
            self._state_cache[key] = result
        return result

    def _resolve_state(self, value: object) -> str | None:
        if _is_missing(value):
            return None
        if _digits(value) is not None or (isinstance(value, str) and "=" in value):
            code = normalise_code(value)
            return code.code if code is not None and code.level == "state" else None
        key = normalise_name(str(value))
        for form in (key, re.sub(r"^(?:estado|entidad) de ", "", key)):
            codes = self._state_keys.get(form, set())
            if len(codes) == 1:
                return next(iter(codes))
        keys = list(self._state_keys)
        found = process.extract(key, keys, scorer=fuzz.token_sort_ratio, limit=2)
        if found and found[0][1] >= self.threshold and len(self._state_keys[found[0][0]]) == 1:
            best = next(iter(self._state_keys[found[0][0]]))
            second = found[1][1] if len(found) > 1 else 0.0
            if found[0][1] - second >= self.margin:
                return best
        return None

    def match_states(self, names: Sequence[object]) -> list[AreaMatch]:
        """Resolve a column of state names or codes, once per distinct value."""
        uniques, positions = _factorize(names)
        results = []
        for value in uniques:
            code = self.resolve_state(value)
            if code is None:
                results.append(AreaMatch(None, None, 0.0, "unmatched",
                                         note="not a state code or name"))
            else:
                method: Method = "code" if _digits(value) is not None else "exact"
                results.append(AreaMatch(code, method, 100.0, "matched"))
        missing = AreaMatch(None, None, 0.0, "unmatched", note="no state given")
        return [results[i] if i >= 0 else missing for i in positions]

    def match_names(
        self,
        names: Sequence[object],
        states: Sequence[object] | str | None = None,
    ) -> list[AreaMatch]:
        """Resolve municipality names to codes, once per distinct (name, state) pair.

        Parameters
        ----------
        names
            A column of names (list, tuple, pandas Series...).
        states
            The state of each name, as code or name; one string for all rows (``"CDMX"``);
            or None when no state is known.

        Returns
        -------
        list of AreaMatch
            One per name. Within a state: exact normalised name, then alias, then fuzzy
            (automatic only above ``threshold`` and clear of the runner-up by ``margin``).
            Without a state a name matches only when it is unique across the country;
            fuzzy matches without a state always go to review.
        """
        n = len(names)
        if states is None or isinstance(states, str):
            state_list: Sequence[object] = [states] * n
        else:
            state_list = states
            if len(state_list) != n:
                raise TerritoryError(f"{len(state_list)} states for {n} names",
                                     hint="give one state per name, or a single string")
        name_uniques, name_pos = _factorize(names)
        state_uniques, state_pos = _factorize(state_list)
        width = len(state_uniques) + 1
        pairs = pd.Series(name_pos * width + (state_pos + 1))
        pair_pos, pair_uniques = pd.factorize(pairs)
        results = []
        for pair in pair_uniques:
            name_at, state_at = divmod(int(pair), width)
            if name_at < 0:
                results.append(AreaMatch(None, None, 0.0, "unmatched", note="no name given"))
                continue
            state = state_uniques[state_at - 1] if state_at > 0 else None
            results.append(self.match_name(str(name_uniques[name_at]), state))
        return [results[i] for i in pair_pos]

    def match_name(self, name: str, state: object = None) -> AreaMatch:
        """Resolve one municipality name; see :meth:`match_names`."""
        state_code = self.resolve_state(state)
        as_code = normalise_code(state)
        # "00" (the nation) as a state context just means no state.
        unknown_state = state_code is None and as_code is not None and as_code.code != NATION
        cache_key = (name, state_code if not unknown_state else f"?{state}")
        if cache_key not in self._match_cache:
            result = self._match(name, state_code)
            if unknown_state and result.status == "matched":
                # A state we cannot read casts doubt on the row: let a person decide.
                result = AreaMatch(None, None, result.score, "review",
                                   [(result.code or "", self.name(result.code or "00"),
                                     result.score)], note=f"state {state!r} not recognised")
            elif unknown_state:
                result = AreaMatch(None, None, result.score, result.status, result.candidates,
                                   note=f"state {state!r} not recognised")
            self._match_cache[cache_key] = result
        return self._match_cache[cache_key]

    def _match(self, name: str, state: str | None) -> AreaMatch:
        key = normalise_name(name)
        if not key:
            return AreaMatch(None, None, 0.0, "unmatched", note="empty name")
        scope = self._index.get(state or "", {})
        hits: dict[str, bool] = {}
        for form in dict.fromkeys([key, strip_honorific(key)]):
            for code, is_alias in scope.get(form, {}).items():
                hits[code] = hits.get(code, True) and is_alias
        if len(hits) == 1:
            code, is_alias = next(iter(hits.items()))
            if key not in scope and (longer := self._names_containing(key, state, code)):
                # Only the name without its honorific matched: "Heroica Villa de San Blas"
                # is San Blas (Nayarit) or "Heroica Villa de San Blas Atempa" cut short.
                return AreaMatch(None, None, 100.0, "review",
                                 [(c, self.name(c), 100.0) for c in [code, *longer]][:3],
                                 note="without its honorific the name is another area's, "
                                 "and it is part of a longer name")
            return AreaMatch(code, "alias" if is_alias else "exact", 100.0, "matched",
                             [(code, self.name(code), 100.0)])
        if hits:
            where = f"state {state}" if state else "the country (give the state)"
            return AreaMatch(None, None, 100.0, "review",
                             [(c, self.name(c), 100.0) for c in sorted(hits)][:3],
                             note=f"{len(hits)} areas in {where} have this name")
        return self._fuzzy(key, state)

    def _fuzzy(self, key: str, state: str | None) -> AreaMatch:
        # An order-preserving ratio on the name without spaces decides automatic matches:
        # it punishes missing words ("Cintalapa" never silently becomes "Cintalapa de
        # Figueroa"), shrugs off a split or merged word ("Magdalen aPeñasco"), and, unlike
        # token_sort_ratio, does not reorder words when a typo hits a first letter
        # ("Santiago netepec" is Tetepec, not Niltepec). WRatio, which forgives a missing
        # tail, only helps put such names in front of a reviewer.
        strict = self._scores(key, state, fuzz.ratio, processor=_compact)
        ranked = sorted(strict.items(), key=lambda item: (-item[1], item[0]))
        top = ranked[0][1] if ranked else 0.0
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        elsewhere = sorted(self._index[""].get(key, {}))
        # One wrong letter weighs more in a short name: "el Alto" is not "El Salto"; and an
        # extra or missing word is not a typo: "La Tlatlauquitepec" is not "Tlatlauquitepec".
        long_enough = len(_compact(key)) >= _MIN_FUZZY_LENGTH
        same_words = bool(ranked) and len(key.split()) in self._word_counts(ranked[0][0])
        # "Sochiapan" is one letter from "Sochiapa", but also "Santiago Sochiapan" without
        # its first word: a name found whole inside another name is no typo to correct.
        longer = self._names_containing(key, state, ranked[0][0]) if ranked else []
        if state and top >= self.threshold and top - runner_up >= self.margin \
                and not elsewhere and long_enough and same_words and not longer \
                and self._agrees(key, state, ranked[0][0]):
            candidates = [(c, self.name(c), round(s, 1)) for c, s in ranked[:3]]
            return AreaMatch(ranked[0][0], "fuzzy", round(top, 1), "matched", candidates)
        loose = self._scores(key, state, fuzz.WRatio)
        merged = {c: max(strict.get(c, 0.0), loose.get(c, 0.0)) for c in {*strict, *loose}}
        ranked = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
        candidates = [(c, self.name(c), round(s, 1)) for c, s in ranked[:3]]
        best = ranked[0][1] if ranked else 0.0
        if best < self.review_floor:
            return AreaMatch(None, None, round(best, 1), "unmatched", candidates,
                             note="no similar name")
        if not state:
            note = "similar names only, and no state to narrow them down"
        elif elsewhere:
            # "Cuetzalan del Progreso" is not a typo of Guerrero's "Cuetzala del Progreso"
            # but Puebla's municipality: the state column may be wrong.
            note = f"the name of {', '.join(elsewhere[:3])} in another state"
        elif top < self.threshold:
            note = f"closest name scores {top:.0f} < {self.threshold:.0f}"
        elif not long_enough:
            note = f"name too short for an automatic fuzzy match ({len(_compact(key))} letters)"
        elif not same_words:
            note = "a word more or less than the closest name"
        elif longer:
            note = f"the whole name is part of the name of {', '.join(longer[:3])}"
        else:
            note = "several similar names"
        return AreaMatch(None, None, round(best, 1), "review", candidates, note=note)

    def _agrees(self, key: str, state: str, code: str) -> bool:
        """A second metric, which counts a transposition as one edit, picks the same code.

        Indel ratio sees "aZcatlán" closer to "Acatlán" than to "Zacatlán"; optimal string
        alignment sees a tie. Two metrics agreeing, by the same margin, is the bar for
        letting a fuzzy match into the data.
        """
        scores = self._scores(key, state, _osa, processor=_compact)
        ranked = sorted(scores.values(), reverse=True)
        runner_up = ranked[1] if len(ranked) > 1 else 0.0
        return max(scores, key=lambda c: scores[c], default=None) == code and \
            ranked[0] - runner_up >= self.margin

    def _names_containing(self, key: str, state: str | None, code: str) -> list[str]:
        """Other codes in scope with a name or alias holding ``key`` as whole words."""
        padded = f" {key} "
        found = {c for form, codes in self._index.get(state or "", {}).items()
                 if padded in f" {form} " for c in codes if c != code}
        return sorted(found)

    def _word_counts(self, code: str) -> set[int]:
        """Word counts of a code's official name, with and without its honorific."""
        key = normalise_name(self.name(code))
        return {len(key.split()), len(strip_honorific(key).split())}

    def _scores(self, key: str, state: str | None, scorer: Any,
                processor: Any = None) -> dict[str, float]:
        """Best score per code of the names (and aliases) in scope."""
        choices, codes = self._choices.get(state or "", ([], []))
        best: dict[str, float] = {}
        for query in dict.fromkeys([key, strip_honorific(key)]):
            for _, score, index in process.extract(query, choices, scorer=scorer, limit=None,
                                                   score_cutoff=50, processor=processor):
                code = codes[index]
                best[code] = max(best.get(code, 0.0), float(score))
        return best


_MIN_FUZZY_LENGTH = 8


def _osa(a: str, b: str, **kwargs: Any) -> float:
    return 100.0 * distance.OSA.normalized_similarity(a, b)


def _compact(text: str) -> str:
    return text.replace(" ", "")


def _level_from_id(code: str) -> str:
    return {2: "state", 5: "municipality"}.get(len(code), "nation") if code != NATION \
        else "nation"


def _factorize(values: Sequence[object]) -> tuple[list[object], np.ndarray]:
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
    blank = [i for i, value in enumerate(distinct) if _is_missing(value)]
    if blank:
        keep = np.ones(len(distinct), dtype=bool)
        keep[blank] = False
        remap = np.where(keep, np.cumsum(keep) - 1, -1)
        positions = np.where(positions >= 0, remap[positions], -1)
        distinct = [value for i, value in enumerate(distinct) if keep[i]]
    return distinct, positions


@functools.lru_cache(maxsize=1)
def _bundled_areas() -> AreaCodelist:
    return AreaCodelist(load_codelists()[AREA_CODELIST])


def load_areas(dirs: Sequence[Path] = (), loaded: Mapping[str, Codelist] | None = None
               ) -> AreaCodelist:
    """CL_AREA_MX as an :class:`AreaCodelist`, from the bundled codelists or overrides.

    Parameters
    ----------
    dirs
        Codelist folders as for :func:`~sdmx_tools.codelists.load_codelists`; the
        bundled result (no ``dirs``) is built once and cached.
    loaded
        ``load_codelists(dirs)`` when the caller has it already (not read again).
    """
    if not dirs:
        return _bundled_areas()
    return AreaCodelist((loaded or load_codelists(dirs))[AREA_CODELIST])
