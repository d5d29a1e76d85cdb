"""The area codelist: the nation, 32 states and 2,478 municipalities of CL_AREA_MX.

:class:`AreaCodelist` knows INEGI's hierarchy (a municipality's state, a state's nation),
which codes exist, and resolves written codes and names to them (names through its
:class:`~sdmx_tools.territory.names.NameIndex`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple, cast, get_args

from sdmx_tools.errors import TerritoryError
from sdmx_tools.territory.codes import (
    NATION,
    Level,
    NormalisedCode,
    factorize,
    normalise_code,
    normalise_parts,
)
from sdmx_tools.territory.names import AreaMatch, NameIndex
from sdmx_tools.vocabulary.codelists import Codelist, load_codelists

_MAX_CACHED = 100_000  # written codes whose match is kept (a national file has ~3,000)

__all__ = ["AREA_CODELIST", "AreaCodelist", "AreaHit", "load_areas"]

AREA_CODELIST = "CL_AREA_MX"


class AreaHit(NamedTuple):
    """An area found by :meth:`AreaCodelist.search`, with its state.

    Attributes
    ----------
    code, name
        The area's code and official name.
    state_name
        The official name of its state (a state's own name); ``""`` for the nation.
    state
        Its state's code (a state's own code); None for the nation.
    level
        ``nation``, ``state`` or ``municipality``.
    """

    code: str
    name: str
    state_name: str
    state: str | None
    level: Level


class AreaCodelist:
    """CL_AREA_MX with INEGI's hierarchy and name matching.

    Parameters
    ----------
    codelist
        A codelist with the CL_AREA_MX columns (``parent``, ``level``, ``aliases``,
        ``census2020``...).
    threshold, margin, review_floor
        The name matching rules: see :class:`~sdmx_tools.territory.names.NameIndex`.
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
        self._level: dict[str, Level] = {}
        self._state: dict[str, str] = {}  # a municipality's state; a state's own code
        # Written code -> its match: each block of a large file meets the same few
        # thousand forms again (a dict is safe across the blocks' threads).
        self._matched_codes: dict[tuple[type, object], AreaMatch] = {}
        self._matched_parts: dict[tuple[str, str], AreaMatch] = {}
        for code in codelist:
            level = code.extra.get("level") or _level_from_id(code.id)
            if level not in get_args(Level):
                raise TerritoryError(f"unknown level in {codelist.id}", file=codelist.file,
                                     key=code.id, value=level)
            self._level[code.id] = cast(Level, level)
            if level == "state":
                self._state[code.id] = code.id
            elif level == "municipality":
                self._state[code.id] = code.parent or code.id[:2]
        self.names = NameIndex(codelist, self._level, self._state, threshold=threshold,
                               margin=margin, review_floor=review_floor)

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

    def state_name(self, code: str, lang: str = "es") -> str | None:
        """Official name of an area's state (a state's own name); None for the nation."""
        state = self.state_of(code)
        return None if state is None else self.name(state, lang)

    def search(self, text: str, limit: int = 10) -> list[AreaHit]:
        """Areas whose code or name contains ``text``, each with its state.

        Parameters
        ----------
        text
            Part of a code or name, accents and case ignored: ``"juarez"``, ``"02004"``.
        limit
            At most this many areas.

        Returns
        -------
        list of AreaHit
            In the order of :meth:`Codelist.search` (exact code, substrings, close names):
            ``AreaHit("09014", "Benito Juárez", "Ciudad de México", "09", "municipality")``.
        """
        hits = []
        for code in self.codelist.search(text, limit):
            hits.append(AreaHit(code.id, code.name("es"), self.state_name(code.id) or "",
                                self._state.get(code.id), self._level[code.id]))
        return hits

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
        return dataclasses.replace(result, note=note, known=known)

    def match_codes(self, raws: Sequence[object]) -> list[AreaMatch]:
        """Resolve a column of written codes, once per distinct value.

        Returns
        -------
        list of AreaMatch
            ``matched`` with method ``code`` for a known code; ``unmatched`` with a note
            (and the nearest codes as candidates) otherwise.
        """
        uniques, positions = factorize(raws)
        cache = self._matched_codes
        results = []
        for value in uniques:
            key = (type(value), value)  # 1, 1.0 and True are equal keys, not equal codes
            try:
                found = cache.get(key)
            except TypeError:  # an unhashable value (a JSON list): matched, not kept
                found = self._match_code(value)
            if found is None:
                found = self._match_code(value)
                if len(cache) < _MAX_CACHED:  # bounded: a hostile file has millions
                    cache[key] = found
            results.append(found)
        missing = AreaMatch(None, None, 0.0, "unmatched", note="no code given")
        return [results[i] if i >= 0 else missing for i in positions]

    def match_parts(self, states: Sequence[object], municipalities: Sequence[object]
                    ) -> list[AreaMatch]:
        """Resolve distinct pairs of state and municipality codes written in two columns
        (health ministry style; see :func:`normalise_parts`), one match a pair.

        Returns
        -------
        list of AreaMatch
            ``matched`` with method ``code`` for a known municipality or state;
            ``unmatched`` with a note otherwise.
        """
        cache = self._matched_parts
        out = []
        for state, muni in zip(states, municipalities, strict=True):
            # Text only: 1 and 1.0 are equal keys, not equal codes.
            key = (state, muni) if isinstance(state, str) and isinstance(muni, str) else None
            found = cache.get(key) if key else None
            if found is None:
                nc = normalise_parts(state, muni)
                if nc is not None and nc.code is not None and nc.code in self._level:
                    found = AreaMatch(nc.code, "code", 100.0, "matched")
                else:
                    note = nc.note if nc is not None and nc.note else "no such municipality"
                    found = AreaMatch(None, None, 0.0, "unmatched", note=note)
                if key and len(cache) < _MAX_CACHED:
                    cache[key] = found
            out.append(found)
        return out

    def _match_code(self, raw: object) -> AreaMatch:
        if type(raw) is str and raw in self._level:  # written as the codelist writes it
            return AreaMatch(raw, "code", 100.0, "matched")
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


    # -- names: see NameIndex -----------------------------------------------------------

    def resolve_state(self, value: object) -> str | None:
        """State code of a value given as code or name; see :meth:`NameIndex.resolve_state`."""
        return self.names.resolve_state(value)

    def match_states(self, names: Sequence[object]) -> list[AreaMatch]:
        """Resolve a column of state names or codes; see :meth:`NameIndex.match_states`."""
        return self.names.match_states(names)

    def match_names(self, names: Sequence[object],
                    states: Sequence[object] | str | None = None) -> list[AreaMatch]:
        """Resolve municipality names to codes; see :meth:`NameIndex.match_names`."""
        return self.names.match_names(names, states)

    def match_name(self, name: str, state: object = None) -> AreaMatch:
        """Resolve one municipality name; see :meth:`NameIndex.match_names`."""
        return self.names.match_name(name, state)


def _level_from_id(code: str) -> str:
    return {2: "state", 5: "municipality"}.get(len(code), "nation") if code != NATION \
        else "nation"


@functools.lru_cache(maxsize=1)
def _bundled_areas() -> AreaCodelist:
    return AreaCodelist(load_codelists()[AREA_CODELIST])


def load_areas(dirs: Sequence[Path] = (), loaded: Mapping[str, Codelist] | None = None
               ) -> AreaCodelist:
    """CL_AREA_MX as an :class:`AreaCodelist`, from the bundled codelists or overrides.

    Parameters
    ----------
    dirs
        Codelist folders as for :func:`~sdmx_tools.vocabulary.codelists.load_codelists`; the
        bundled result (no ``dirs``) is built once and cached.
    loaded
        ``load_codelists(dirs)`` when the caller has it already (not read again).
    """
    if not dirs:
        return _bundled_areas()
    return AreaCodelist((loaded or load_codelists(dirs))[AREA_CODELIST])
