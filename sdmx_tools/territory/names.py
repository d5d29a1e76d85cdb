"""Place names: their comparable form, and matching them to area codes.

:class:`NameIndex` resolves municipality names to codes, once per distinct (name, state)
pair, with precision before recall: a name that is ambiguous or only roughly similar goes
to review, never to a guessed code. State names, short names and abbreviations resolve
through the same index.
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from rapidfuzz import distance, fuzz, process

from sdmx_tools.errors import TerritoryError
from sdmx_tools.territory.codes import (
    NATION,
    Level,
    code_digits,
    factorize,
    is_missing,
    normalise_code,
)
from sdmx_tools.vocabulary.codelists import Codelist, fold

__all__ = ["HONORIFICS", "AreaMatch", "NameIndex", "normalise_name", "strip_honorific"]

Method = Literal["code", "exact", "alias", "fuzzy"]
# The longest official area name has 76 characters (an alias 62): room for typos.
MAX_NAME = 200
Status = Literal["matched", "review", "unmatched"]

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


_MIN_FUZZY_LENGTH = 8


def _osa(a: str, b: str, **kwargs: Any) -> float:
    return 100.0 * distance.OSA.normalized_similarity(a, b)


def _compact(text: str) -> str:
    return text.replace(" ", "")


class NameIndex:
    """The official names and aliases of an area codelist, per state, and how to match them.

    Parameters
    ----------
    codelist
        The area codelist (names in ``es``, ``aliases`` and ``iso3166_2`` columns).
    levels
        Each code's level.
    states
        A municipality's state; a state's own code.
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
        levels: Mapping[str, Level],
        states: Mapping[str, str],
        *,
        threshold: float,
        margin: float,
        review_floor: float,
    ) -> None:
        self.codelist = codelist
        self.threshold = threshold
        self.margin = margin
        self.review_floor = review_floor
        self._state_keys: dict[str, set[str]] = defaultdict(set)
        # normalised name -> {code: is_alias}; per state ("" = whole country)
        self._index: dict[str, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
        self._choices: dict[str, tuple[list[str], list[str]]] = {}
        self._state_cache: dict[object, str | None] = {}
        self._match_cache: dict[tuple[str, str | None], AreaMatch] = {}
        for code in codelist:
            level = levels[code.id]
            forms = [(code.name("es"), False)]
            forms += [(a, True) for a in code.extra.get("aliases", "").split("|") if a]
            if level == "state":
                for text, _ in [*forms, (code.extra.get("iso3166_2", ""), True)]:
                    if text:
                        self._state_keys[normalise_name(text)].add(code.id)
            elif level == "municipality":
                state = states[code.id]
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

    def name(self, code: str) -> str:
        """Official (Spanish) name of a code in the index."""
        return self.codelist.codes[code].name("es")

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
        if is_missing(value) or len(str(value)) > MAX_NAME:
            return None
        if code_digits(value) is not None or (isinstance(value, str) and "=" in value):
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
        uniques, positions = factorize(names)
        results = []
        for value in uniques:
            code = self.resolve_state(value)
            if code is None:
                results.append(AreaMatch(None, None, 0.0, "unmatched",
                                         note="not a state code or name"))
            else:
                method: Method = "code" if code_digits(value) is not None else "exact"
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
        name_uniques, name_pos = factorize(names)
        state_uniques, state_pos = factorize(state_list)
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
        if len(name) > MAX_NAME:
            # Fuzzy scores cost length x length: a cell this long is no place name anyway.
            return AreaMatch(None, None, 0.0, "unmatched",
                             note=f"{len(name):,} characters: too long for a place name")
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
