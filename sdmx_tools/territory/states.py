"""State names as files write them: INEGI's abbreviations, everyday short forms, ISO codes.

Takes the official names, aliases and ISO 3166-2 codes of a codelist's states, plus the
facts written down here (INEGI's official abbreviations, the NOM_ABR column of its AGEEML
catalogue, and forms in everyday use), and hands on, for one written state name, the state
it names, the states it could name (for review), or nothing. Forms are compared without
case, accents, dots or spaces ("B.C.S." = "bcs" = "B C S"); a form shared by two states,
or cut short where two states' names begin alike ("Baja"), is never matched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from sdmx_tools.territory.text import normalise_name
from sdmx_tools.vocabulary.codelists import fold

__all__ = [
    "AMBIGUOUS_FORMS",
    "COMMON_FORMS",
    "OFFICIAL_ABBREVIATIONS",
    "StateLookup",
    "StateNames",
    "state_keys",
]

# INEGI's official abbreviations (NOM_ABR in the AGEEML catalogue): well-known facts.
OFFICIAL_ABBREVIATIONS: dict[str, str] = {
    "01": "Ags.", "02": "BC", "03": "BCS", "04": "Camp.", "05": "Coah.", "06": "Col.",
    "07": "Chis.", "08": "Chih.", "09": "CDMX", "10": "Dgo.", "11": "Gto.", "12": "Gro.",
    "13": "Hgo.", "14": "Jal.", "15": "Mex.", "16": "Mich.", "17": "Mor.", "18": "Nay.",
    "19": "NL", "20": "Oax.", "21": "Pue.", "22": "Qro.", "23": "Q. Roo", "24": "SLP",
    "25": "Sin.", "26": "Son.", "27": "Tab.", "28": "Tamps.", "29": "Tlax.", "30": "Ver.",
    "31": "Yuc.", "32": "Zac.",
}

# Short names, former names and abbreviations in everyday use (official names come from
# the codelist). Dots, accents, case and spaces do not matter: "Edo. Méx." is "edomex".
COMMON_FORMS: dict[str, tuple[str, ...]] = {
    "02": ("Baja California Norte", "B.C.N."),
    "05": ("Coahuila",),
    "07": ("Chiap.", "Chps."),
    "09": ("Ciudad de México", "Cd. de México", "Distrito Federal", "D.F.",
           "Mexico City"),
    "15": ("México", "Méx.", "Edomex", "Edo. Méx.", "Estado de México", "Edo. de México"),
    "16": ("Michoacán",),
    "22": ("Querétaro de Arteaga",),
    "23": ("Q.Roo", "Q. R.", "Q.R."),
    "28": ("Tamp.",),
    "30": ("Veracruz", "Veracruz-Llave", "Veracruz de Ignacio de la Llave"),
}

# Forms people write for either of two states: always sent to review with both.
AMBIGUOUS_FORMS: dict[str, tuple[str, ...]] = {
    "B. Cal.": ("02", "03"),  # Baja California or Baja California Sur
    "Chi.": ("07", "08"),  # Chiapas (Chis.) or Chihuahua (Chih.)
}

# "Estado de México", "Edo. Jalisco", "Estado Libre y Soberano de Oaxaca": the state's name
# follows. Compared on the compact form; longest first.
_PREFIXES = ("estadolibreysoberanode", "estadode", "entidadde", "edode", "estado", "entidad",
             "edo")
# A typo in a short abbreviation is another abbreviation ("Chis." / "Chih."): only
# forms this long are compared by similarity.
_MIN_FUZZY = 6

Method = Literal["exact", "alias", "fuzzy"]


def _compact(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def state_keys(text: str) -> set[str]:
    """The compact forms a written state name is compared by.

    Parameters
    ----------
    text
        A state name as written: ``"Edo. de México"``, ``"B.C.S."``, ``"Q. Roo"``.

    Returns
    -------
    set of str
        Letters and digits only, casefolded and without accents, once as written
        (``"edodemexico"``) and once with abbreviations expanded (``"estadodemexico"``);
        plus both without a leading "Estado de" (``"mexico"``).
    """
    keys = {_compact(fold(text)), _compact(normalise_name(text))}
    for key in list(keys):
        for prefix in _PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                keys.add(key[len(prefix):])
                break
    keys.discard("")
    return keys


@dataclass(frozen=True, slots=True)
class StateLookup:
    """What one written state name names.

    Attributes
    ----------
    code
        The state, when the name is certain; else None.
    method
        ``exact`` (official name), ``alias`` (abbreviation, short name, ISO code) or
        ``fuzzy`` (a typo of a long form); None when not certain.
    score
        Similarity 0-100 of the best candidate.
    candidates
        ``(code, score)`` of the states it could be, best first (with ``code``: just it).
    note
        Why the name is not certain, in words.
    """

    code: str | None
    method: Method | None
    score: float
    candidates: tuple[tuple[str, float], ...] = ()
    note: str | None = None


class StateNames:
    """Every form of every state's name, and how to look one up.

    Parameters
    ----------
    names
        Each state's official name, by code.
    forms
        Each state's other forms (aliases, ISO 3166-2 code), by code. The facts of this
        module (:data:`OFFICIAL_ABBREVIATIONS`, :data:`COMMON_FORMS`,
        :data:`AMBIGUOUS_FORMS`) are added for the codes in ``names``.
    threshold, margin, review_floor
        A typo of a long form is matched when it scores ``threshold`` or more and beats
        the next state by ``margin``; above ``review_floor`` it goes to review.
    """

    def __init__(self, names: Mapping[str, str], forms: Mapping[str, Sequence[str]], *,
                 threshold: float, margin: float, review_floor: float) -> None:
        self.threshold = threshold
        self.margin = margin
        self.review_floor = review_floor
        # compact form -> {code: is_alias}
        self._keys: dict[str, dict[str, bool]] = {}
        written: list[tuple[str, str, bool]] = [(c, n, False) for c, n in names.items()]
        for code in names:
            extra = [*forms.get(code, ()), OFFICIAL_ABBREVIATIONS.get(code, ""),
                     *COMMON_FORMS.get(code, ())]
            iso = next((f for f in forms.get(code, ()) if f.upper().startswith("MX-")), "")
            written += [(code, f, True) for f in [*extra, iso[3:]] if f]
        written += [(c, form, True) for form, codes in AMBIGUOUS_FORMS.items()
                    for c in codes if c in names]
        for code, text, is_alias in written:
            for key in state_keys(text):
                by_code = self._keys.setdefault(key, {})
                by_code[code] = by_code.get(code, True) and is_alias
        self._long = [k for k in self._keys if len(k) >= _MIN_FUZZY]

    def lookup(self, text: str) -> StateLookup:
        """The state a written name names, or the states it could name.

        Parameters
        ----------
        text
            A state's name, abbreviation or ISO code, in any case, with or without accents,
            dots and spaces. Codes (``"01"``, ``1``) are the caller's business.

        Returns
        -------
        StateLookup
            ``code`` set when exactly one state has this form (or a typo of one of its long
            forms is clear of every other state's); otherwise the states it could be as
            ``candidates`` (a form shared by states, a name cut short where two states'
            names begin alike, similar forms), empty when none comes close.
        """
        keys = state_keys(text)
        exact: dict[str, bool] = {}
        for key in keys:
            for code, is_alias in self._keys.get(key, {}).items():
                exact[code] = exact.get(code, True) and is_alias
        if len(exact) == 1:
            code, is_alias = next(iter(exact.items()))
            return StateLookup(code, "alias" if is_alias else "exact", 100.0, ((code, 100.0),))
        if exact:
            return StateLookup(None, None, 100.0, tuple((c, 100.0) for c in sorted(exact)),
                               note=f"{len(exact)} states are written this way")
        begun = self._begun(keys)
        fuzzy = self._similar(keys)
        ranked = sorted(fuzzy.items(), key=lambda item: (-item[1], item[0]))
        top = ranked[0][1] if ranked else 0.0
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if ranked and top >= self.threshold and top - runner_up >= self.margin \
                and set(begun) <= {ranked[0][0]}:
            return StateLookup(ranked[0][0], "fuzzy", round(top, 1),
                               ((ranked[0][0], round(top, 1)),))
        candidates = [(c, round(s, 1)) for c, s in ranked if s >= self.review_floor]
        candidates += sorted(((c, s) for c, s in begun.items() if c not in dict(candidates)),
                             key=lambda item: (-item[1], item[0]))
        if len(begun) > 1:
            note = f"the beginning of the names of {len(begun)} states"
        elif candidates:
            note = "similar to a state's name, not close enough to be sure"
        else:
            return StateLookup(None, None, round(top, 1), note="not a state code or name")
        score = max([top, *(s for _, s in candidates)])
        return StateLookup(None, None, round(score, 1), tuple(candidates[:3]), note=note)

    def _begun(self, keys: set[str]) -> dict[str, float]:
        """States with a form that begins with one of ``keys`` ("Baja", "Chi"), and a score."""
        begun: dict[str, float] = {}
        for key in (k for k in keys if len(k) >= 2):
            for form, codes in self._keys.items():
                if form.startswith(key):
                    for c in codes:
                        begun[c] = max(begun.get(c, 0.0), round(fuzz.ratio(key, form), 1))
        return begun

    def _similar(self, keys: set[str]) -> dict[str, float]:
        """Best similarity per state of its long forms to any of ``keys``."""
        best: dict[str, float] = {}
        for key in keys:
            if len(key) < _MIN_FUZZY - 1:
                continue
            for form, score, _ in process.extract(key, self._long, scorer=fuzz.ratio,
                                                  limit=None, score_cutoff=50):
                for code in self._keys[form]:
                    best[code] = max(best.get(code, 0.0), float(score))
        return best
