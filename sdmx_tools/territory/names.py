"""Place names matched to area codes.

:class:`NameIndex` resolves municipality names to codes, once per distinct (name, state)
pair, with precision before recall: a name that is ambiguous or only roughly similar, or
that is another state's municipality, goes to review, never to a guessed code. State
names, short names and abbreviations resolve through
:class:`~sdmx_tools.territory.states.StateNames`; the comparable form of a name is
:func:`~sdmx_tools.territory.text.normalise_name`.
"""

from __future__ import annotations

import contextlib
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
from sdmx_tools.territory.states import StateNames
from sdmx_tools.territory.text import HONORIFICS, MAX_NAME, normalise_name, strip_honorific
from sdmx_tools.vocabulary.codelists import Codelist

__all__ = ["HONORIFICS", "AreaMatch", "NameIndex", "normalise_name", "strip_honorific"]

Method = Literal["code", "exact", "alias", "fuzzy"]
Status = Literal["matched", "review", "unmatched"]


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
        Up to three ``(code, label, score)``, best first; the label is the official name,
        followed by the state's (``"Tijuana, Baja California"``) when the candidate is not
        in the state given. Up to two more of another state follow when the name is that
        state's (the state given may be wrong).
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
# Shorter names are one edit away from too many others to point at another state's.
_MIN_ONE_EDIT = 5


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
        # normalised name -> {code: is_alias}; per state ("" = whole country)
        self._index: dict[str, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
        self._choices: dict[str, tuple[list[str], list[str]]] = {}
        self._states = states
        self._compact_national: list[str] | None = None
        self._state_cache: dict[object, AreaMatch] = {}
        self._match_cache: dict[tuple[str, str | None], AreaMatch] = {}
        state_names: dict[str, str] = {}
        state_forms: dict[str, list[str]] = {}
        for code in codelist:
            level = levels[code.id]
            forms = [(code.name("es"), False)]
            forms += [(a, True) for a in code.extra.get("aliases", "").split("|") if a]
            if level == "state":
                state_names[code.id] = code.name("es")
                state_forms[code.id] = [t for t, _ in forms[1:]] + \
                    [code.extra.get("iso3166_2", "")]
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
        self.state_names = StateNames(state_names, state_forms, threshold=threshold,
                                      margin=margin, review_floor=review_floor)

    def name(self, code: str) -> str:
        """Official (Spanish) name of a code in the index."""
        return self.codelist.codes[code].name("es")

    def label(self, code: str, state: str | None = None) -> str:
        """Official name of a code, followed by its state's when that is not ``state``.

        ``label("02004", "26")`` is ``"Tijuana, Baja California"``: a reviewer sees at once
        that the candidate lies in another state than the row's.
        """
        home = self._states.get(code)
        if home is None or home in (code, state):
            return self.name(code)
        return f"{self.name(code)}, {self.name(home)}"

    def resolve_state(self, value: object) -> str | None:
        """State code of a value given as code (``1``, ``"01"``, ``1.0``) or name.

        Names are compared without case, accents, dots and spaces to official names,
        short names ("Coahuila", "CDMX", "Estado de México", "Edo. Méx."), INEGI's official
        abbreviations ("Q. Roo", "B.C.S.", "Tamps."), other common ones and ISO 3166-2
        codes (see :mod:`sdmx_tools.territory.states`). Returns None when not recognised
        or when the value could be several states.
        """
        return self.match_state(value).code

    def match_state(self, value: object) -> AreaMatch:
        """Resolve one state name or code; see :meth:`match_states`."""
        # Keyed by type too: True == 1 == 1.0 in a dict, but they are different inputs.
        key = (type(value), value)
        try:
            return self._state_cache[key]
        except (KeyError, TypeError):
            pass
        result = self._match_state(value)
        with contextlib.suppress(TypeError):  # unhashable values are just not cached
            self._state_cache[key] = result
        return result

    def _match_state(self, value: object) -> AreaMatch:
        if is_missing(value):
            return AreaMatch(None, None, 0.0, "unmatched", note="no state given")
        if len(str(value)) > MAX_NAME:
            return AreaMatch(None, None, 0.0, "unmatched", note="too long for a state name")
        if code_digits(value) is not None or (isinstance(value, str) and "=" in value):
            code = normalise_code(value)
            if code is not None and code.level == "state" and code.code in self._states:
                return AreaMatch(code.code, "code", 100.0, "matched")
            return AreaMatch(None, None, 0.0, "unmatched",
                             note=code.note if code and code.note else "not a state code")
        found = self.state_names.lookup(str(value))
        candidates = [(c, self.name(c), s) for c, s in found.candidates]
        if found.code is not None:
            return AreaMatch(found.code, found.method, found.score, "matched", candidates)
        return AreaMatch(None, None, found.score, "review" if candidates else "unmatched",
                         candidates, note=found.note)

    def match_states(self, names: Sequence[object]) -> list[AreaMatch]:
        """Resolve a column of state names or codes, once per distinct value.

        Returns
        -------
        list of AreaMatch
            ``matched`` for a code or a form of one state's name; ``review``, with the
            states as candidates, for a form several states share (``"Chi."``), the
            beginning of several names (``"Baja"``) or a name only similar to one;
            ``unmatched`` otherwise.
        """
        uniques, positions = factorize(names)
        results = [self.match_state(value) for value in uniques]
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
            fuzzy matches without a state always go to review. A name not in its state
            but (nearly) another state's municipality goes to review with that one as a
            candidate; so does every name whose state is unreadable or could be several.
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
        found = self.match_state(state)
        as_code = normalise_code(state)
        # "00" (the nation) as a state context just means no state.
        unknown_state = found.code is None and as_code is not None and as_code.code != NATION
        cache_key = (name, found.code if not unknown_state else f"?{state}")
        if cache_key not in self._match_cache:
            self._match_cache[cache_key] = self._in_doubtful_state(name, state, found) \
                if unknown_state else self._match(name, found.code)
        return self._match_cache[cache_key]

    def _in_doubtful_state(self, name: str, state: object, found: AreaMatch) -> AreaMatch:
        """A name whose state cannot be read, or could be several: never matched.

        The name is looked up in each state the value could be ("Baja": 02 or 03), else
        in the whole country; a person decides.
        """
        states = [c for c, _, _ in found.candidates]
        if len(states) > 1:
            note = f"state {state!r} could be " + ", ".join(
                f"{c} {self.name(c)}" for c in states) + f" ({found.note})"
        else:
            note = f"state {state!r} not recognised" + \
                (f": did you mean {states[0]} {self.name(states[0])}?" if states else "")
        within = [r for r in (self._match(name, s) for s in states) if r.status == "matched"]
        if within:
            return AreaMatch(None, None, max(r.score for r in within), "review",
                             [(r.code or "", self.label(r.code or ""), r.score)
                              for r in within][:3], note=note)
        result = self._match(name, None)
        if result.status == "matched":
            # A state we cannot read casts doubt on the row: let a person decide.
            return AreaMatch(None, None, result.score, "review",
                             [(result.code or "", self.label(result.code or ""),
                               result.score)], note=note)
        return AreaMatch(None, None, result.score, result.status, result.candidates, note=note)

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
                                 [(c, self.label(c, state), 100.0)
                                  for c in [code, *longer]][:3],
                                 note="without its honorific the name is another area's, "
                                 "and it is part of a longer name")
            return AreaMatch(code, "alias" if is_alias else "exact", 100.0, "matched",
                             [(code, self.label(code, state), 100.0)])
        if hits:
            where = f"state {state}" if state else "the country (give the state)"
            return AreaMatch(None, None, 100.0, "review",
                             [(c, self.label(c, state), 100.0) for c in sorted(hits)][:3],
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
        # Closer to, or exactly, the name of a municipality of another state than to any of
        # this one's: the state may be wrong. (Homonyms in other states score the same.)
        elsewhere = [(c, s) for c, s in self._elsewhere(key, state) if s > top]
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
            candidates = [(c, self.label(c, state), round(s, 1)) for c, s in ranked[:3]]
            return AreaMatch(ranked[0][0], "fuzzy", round(top, 1), "matched", candidates)
        loose = self._scores(key, state, fuzz.WRatio)
        merged = {c: max(strict.get(c, 0.0), loose.get(c, 0.0)) for c in {*strict, *loose}}
        ranked = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
        candidates = [(c, self.label(c, state), round(s, 1)) for c, s in ranked[:3]]
        best = ranked[0][1] if ranked else 0.0
        if elsewhere:
            # Never unmatched: the state's own candidates worth a look, then the others'.
            candidates = [c for c in candidates if c[2] >= self.review_floor] + \
                [(c, self.label(c, state), round(s, 1)) for c, s in elsewhere[:2]]
            best = max(best, elsewhere[0][1])
        if best < self.review_floor:
            return AreaMatch(None, None, round(best, 1), "unmatched", candidates,
                             note="no similar name")
        if not state:
            note = "similar names only, and no state to narrow them down"
        elif elsewhere:
            # "Cuetzalan del Progreso" is not a typo of Guerrero's "Cuetzala del Progreso"
            # but Puebla's municipality: the state column may be wrong.
            exact = "the name" if elsewhere[0][1] == 100.0 else "close to the name"
            note = f"not in state {state} {self.name(state)}, but {exact} of " + \
                ", ".join(f"{c} {self.label(c, state)}" for c, _ in elsewhere[:2]) + \
                ": check the state column"
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

    def _elsewhere(self, key: str, state: str | None) -> list[tuple[str, float]]:
        """Municipalities of other states named ``key``, or one letter or a typo away.

        Returns ``(code, score)``, best first: an exact name scores 100; a near one its
        strict ratio, when that reaches ``threshold`` or the names are one edit apart.
        """
        if not state:
            return []
        codes = self._choices.get("", ([], []))[1]
        if self._compact_national is None:  # compacted once, not per query
            self._compact_national = [_compact(k) for k in self._choices.get("", ([], []))[0]]
        choices = self._compact_national
        best: dict[str, float] = {}
        for query in dict.fromkeys(_compact(q) for q in (key, strip_honorific(key))):
            near = {i: float(score) for _, score, i in process.extract(
                query, choices, scorer=fuzz.ratio, limit=None, score_cutoff=self.threshold)}
            if len(query) >= _MIN_ONE_EDIT:
                for choice, _, i in process.extract(query, choices, scorer=distance.OSA.distance,
                                                    limit=None, score_cutoff=1):
                    near.setdefault(i, fuzz.ratio(query, choice))
            for i, score in near.items():
                if self._states.get(codes[i]) != state:
                    best[codes[i]] = max(best.get(codes[i], 0.0), score)
        return sorted(best.items(), key=lambda item: (-item[1], item[0]))

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
