"""One column of a described file: its type and its role (``describe``'s column guesses).

:func:`guess_column` takes a column's name and the cells ``describe`` read from it and hands
on a :class:`ColumnGuess`: a type (integer, number, text, date, period), a role (area code
or name, period, value, category, identifier, code, coordinate...) and what it found.
Codes stay text: ``"01 001"`` or ``"007"`` is a code even where it would parse as a number.
Only a ``value`` column becomes a measure of the draft: never a code, an identifier, a
coordinate, free text, or an unnamed column.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from sdmx_tools.errors import UnitError
from sdmx_tools.ingest.values import MONTHS_ES
from sdmx_tools.territory import AreaCodelist
from sdmx_tools.vocabulary.codelists import fold
from sdmx_tools.vocabulary.units import COUNTED, parse_unit

__all__ = ["MARKERS", "SAMPLE", "TOTALS", "ColumnGuess", "Kind", "Role", "cell_kind",
           "guess_column", "guess_unit", "number_format", "number_kind"]

Role = Literal["area-code", "area-name", "state", "municipality", "period", "value",
               "category", "identifier", "code", "coordinate", "empty", "other"]
Kind = Literal["integer", "number", "text", "date", "period", "empty"]

# Distinct values checked against the area codelist (and typed) per column.
SAMPLE = 2000
MARKERS = ("—", "–", "-", "NA", "N/A", "ND", "N/D", "NE", "..", "...", "S/D", "s/d", "n.d.",
           "N.D.", "*", "999", "9999-99-99", "")
TOTALS = {"total", "nacional", "total nacional", "estados unidos mexicanos",
          "republica mexicana", "total general", "total estatal"}
_INT = re.compile(r"^[+-]?(?:\d{1,3}(?:([,. ])\d{3})+|\d+)$")
_DEC = re.compile(r"^[+-]?(?:\d{1,3}(?:([, ])\d{3})+|\d*)\.\d+$")
_DEC_COMMA = re.compile(r"^[+-]?(?:\d{1,3}(?:([. ])\d{3})+|\d*),\d{1,2}$")
_DATE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?|\d{1,2}/\d{1,2}/\d{4})$")
_YM = re.compile(r"^\d{4}[-/](?:0?[1-9]|1[0-2])$")
# A code: a leading zero ("01", "007", "01 001"), or INEGI's "dd ddd" key in every cell.
_LEADING_ZERO = re.compile(r"^0\d[\d ]*$")
_SPACED_KEY = re.compile(r"^\d{2} \d{3}(?: \d{4})?$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
_PAIR = re.compile(r"^[+-]?\d{1,3}\.\d+\s*[,;]\s*[+-]?\d{1,3}\.\d+$")
_WORD = r"(?:^|[^a-z])(?:{})(?:[^a-z]|$)"
_YEAR_NAME = re.compile(_WORD.format("ano|anio|ao|year|periodo|ejercicio|ciclo"))
_MONTH_NAME = re.compile(_WORD.format("mes|month"))
_STATE_NAME = re.compile(_WORD.format("ent|entidad|estado|edo|cve_ent|clave_ent"))
_MUN_NAME = re.compile(_WORD.format("mun|municipio|mpio"))
_CODE_NAME = re.compile(r"cve|clave|cvegeo|ubic|geo|codigo|inegi|mun(?:icipio)?(?:[^a-z]|$)")
_CODE_ONLY = re.compile(_WORD.format("cve|clave|cod|codigo|cp|ubic|cvegeo|llave|key"))
_ID_NAME = re.compile(_WORD.format("id|folio|fol|carpeta|expediente|registro|consecutivo|uuid"))
_CATEGORY_NAME = re.compile(_WORD.format("sexo|sex|genero|tipo|clase|categoria|grupo|rango|"
                                         "condicion|estatus|status|nivel"))
_COORD_NAME = re.compile(_WORD.format("lat|latitud|latitude|lon|lng|long|longitud|longitude|"
                                      "coord|coordenada|coordenadas|geopoint|geo_point|utm")
                         + r"|^[xy]$")
# Words of a column name that say what it counts (INEGI's POB*, VIV*, VPH_* variables too).
_UNIT_WORDS = {
    **dict.fromkeys(("pob", "pobtot", "pobfem", "pobmas", "poblacion"), "person"),
    **dict.fromkeys(("viv", "vivtot", "tvivhab", "vivpar", "vivparh", "tvivparhab", "vph"),
                    "dwelling"),
    **{alias: unit for unit, aliases in COUNTED.items() for alias in (unit, *aliases)}}
_UNIT_PHRASES = {"%": "percent", "pesos": "MXN", "milesdepesos": "thousand_MXN",
                 "millonesdepesos": "million_MXN"}
_UNIT_SPANISH = {"dia": "day", "ano": "year", "anio": "year", "mes": "month", "hab": "person"}


@dataclass(frozen=True, slots=True)
class ColumnGuess:
    """One column as described: its role and type, examples and missing markers found.

    ``distinct`` counts the distinct values in the rows read: when those are not the
    whole file, ``distinct_lower_bound`` says so (the file has at least that many).
    """

    name: str
    role: Role
    type: Kind
    examples: tuple[str, ...]
    distinct: int
    missing: dict[str, int]
    note: str = ""
    distinct_lower_bound: bool = False

    def with_role(self, role: Role, note: str | None = None) -> ColumnGuess:
        """The same guess with another role (and note)."""
        return dataclasses.replace(self, role=role, note=self.note if note is None else note)


def number_kind(v: str) -> str | None:
    """``int``/``dec``/``dec-comma`` when the stripped cell ``v`` is a number; else None."""
    if re.match(r"^0\d+\D", v):
        return None  # " 01 001 " is a code, not a thousands-grouped number
    if _INT.match(v):
        return "int"
    if _DEC.match(v):
        return "dec"
    if _DEC_COMMA.match(v):
        return "dec-comma"
    return None


def cell_kind(v: str) -> Kind:
    """The type of one stripped, non-empty cell."""
    n = number_kind(v)
    if n:
        return "integer" if n == "int" else "number"
    if _DATE.match(v):
        return "date"
    if _YM.match(v) or fold(v).strip(". ") in MONTHS_ES:
        return "period"
    return "text"


def guess_column(name: str, values: list[str], areas: AreaCodelist, *, wide: bool = False,
                 unnamed: bool = False, complete: bool = True) -> ColumnGuess:
    """Guess the type and role of one column from its (stripped) cells.

    Parameters
    ----------
    name
        The column name (``column_N`` for an unnamed header cell).
    values
        The column's cells in the data rows read, stripped.
    areas
        The area codelist, to recognise codes and names.
    wide
        The column is melted by a wide layout (its values are the file's values).
    unnamed
        The header cell was blank: such a column is never a measure.
    complete
        The rows read are the whole file: counts in notes are exact, not lower bounds.
    """
    filled = [v for v in values if v]
    markers = Counter(v for v in values if v in MARKERS)
    real = [v for v in filled if v not in MARKERS]
    uniq = list(dict.fromkeys(real))
    kinds = Counter(cell_kind(v) for v in uniq[:SAMPLE])
    kind: Kind = kinds.most_common(1)[0][0] if kinds else "empty"
    numeric = kinds["integer"] + kinds["number"]
    codes = bool(real) and not wide and _codes(uniq[:SAMPLE])
    if codes:
        kind = "text"
    elif real and numeric >= 0.8 * len(uniq[:SAMPLE]):
        kind = "number" if kinds["number"] else "integer"
        # A few short non-numbers in a numeric column are markers ("No disponible", "*").
        odd = [v for v in uniq if cell_kind(v) not in ("integer", "number")]
        if len(odd) <= 5 and all(len(v) <= 20 for v in odd):
            markers.update(v for v in real if v in odd)
            real = [v for v in real if v not in markers]
            uniq = [v for v in uniq if v not in markers]
    role, note = _role(name, uniq, kind, real, areas, wide=wide, codes=codes, complete=complete)
    if role == "value" and unnamed:
        role, note = "other", "an unnamed column: not a measure"
    if role not in ("area-code", "municipality", "state", "code", "other"):
        markers.pop("999", None)  # a real value (999 people), not "unknown municipality"
    missing = {m: c for m, c in markers.items() if c}
    return ColumnGuess(name, role, kind, tuple(uniq[:3]), len(uniq), missing, note,
                       distinct_lower_bound=not complete)


def _codes(uniq: list[str]) -> bool:
    """Digits kept as text: leading zeros in some cells, or INEGI's ``dd ddd`` in all."""
    digits = [v for v in uniq if v.replace(" ", "").isdigit()]
    if len(digits) < 0.8 * len(uniq):
        return False
    zeros = sum(1 for v in digits if _LEADING_ZERO.match(v))
    return zeros >= max(1, 0.05 * len(digits)) or all(_SPACED_KEY.match(v) for v in digits)


def _of(hits: int, checked: int, total: int, complete: bool, what: str) -> str:
    """``hits of N distinct values are ...``, saying when N is a sample or a lower bound."""
    all_ = f"{'' if complete else 'at least '}{total:,}"
    if checked < total:
        return (f"{hits:,} of a sample of {checked:,} distinct values are {what}; {all_} "
                "distinct in all" + ("" if complete else " (in the rows read)"))
    return f"{hits:,} of {all_} distinct values are {what}"


def _role(name: str, uniq: list[str], kind: Kind, real: list[str], areas: AreaCodelist, *,
          wide: bool, codes: bool, complete: bool) -> tuple[Role, str]:
    key = fold(name)
    at_least = "" if complete else "at least "
    if not uniq:
        return "empty", "no values in the rows read"
    if wide:
        return "value", "melted by the wide layout"
    if kind in ("integer", "period") and all(re.fullmatch(r"(?:19|20)\d{2}", v) for v in uniq) \
            and (_YEAR_NAME.search(key) or len(uniq) <= 30):
        return "period", "year"
    if kind == "integer" and _MONTH_NAME.search(key) and all(
            v.isdigit() and 1 <= int(v) <= 12 for v in uniq):
        return "period", "month-number"
    if kind == "period":
        return "period", "YYYY-MM" if all(_YM.match(v) for v in uniq) else "month-name"
    if kind == "date":
        return "period", "date"
    sample = uniq[:SAMPLE]
    if kind != "number":
        hits = [m for m in areas.match_codes(sample) if m.status == "matched"]
        munis = [m for m in hits if len(m.code or "") == 5]
        if len(hits) >= 0.8 * len(sample) and (munis or _CODE_NAME.search(key)):
            if len(munis) >= 0.5 * len(hits):
                return "area-code", _of(len(hits), len(sample), len(uniq), complete,
                                        "INEGI codes")
            if (_STATE_NAME.search(key) or all(len(v) <= 2 for v in sample)) \
                    and not _MUN_NAME.search(key):
                return "state", "state codes"
    if _STATE_NAME.search(key) and all(areas.resolve_state(v) for v in sample[:40]):
        return "state", "state codes or names"
    if _CODE_NAME.search(key) and all(v.isdigit() and len(v) <= 3 for v in sample):
        return "other", "municipality numbers (need a state column)"
    coordinate = _coordinate(key, sample, kind)
    if coordinate:
        return "coordinate", coordinate
    numeric = kind in ("integer", "number")
    if (numeric and _CODE_ONLY.search(key)) or codes:
        return "code", "codes, not quantities" + (" (leading zeros)" if codes else "")
    if len(uniq) == len(real) > 20 and (_ID_NAME.search(key) or _consecutive(sample)):
        return "identifier", "one distinct value per row" + ("" if complete
                                                             else " in the rows read")
    if numeric:
        if kind == "integer" and _CATEGORY_NAME.search(key) and len(uniq) <= 20:
            return "category", f"{at_least}{len(uniq)} distinct code(s)"
        return "value", ""
    if all(_TIME.match(v) for v in sample):
        return "other", "times of day"
    names = [v for v in sample[:400] if fold(v) not in TOTALS]
    found = areas.match_names(names)
    known = [m for m in found if m.status == "matched" or (m.status == "review"
                                                             and m.score >= 100)]
    if names and len(known) >= 0.7 * len(names):
        return "area-name", _of(len(known), len(names), len(uniq), complete, "area names")
    if len(uniq) <= max(50, len(real) // 20):
        return "category", f"{at_least}{len(uniq)} distinct value(s)"
    return "other", "free text" if sum(len(v) for v in sample) > 20 * len(sample) else ""


def _coordinate(key: str, sample: list[str], kind: Kind) -> str:
    """``latitude/longitude`` note for a column of coordinates, else empty."""
    if kind == "text" and sample and all(_PAIR.match(v) for v in sample[:200]):
        return "latitude and longitude"
    if kind != "number":
        return ""
    try:
        xs = [float(v.replace(",", "")) for v in sample[:200]]
    except ValueError:
        return ""
    fine = sum(1 for v in sample[:200] if len(v.partition(".")[2]) >= 4)
    if _COORD_NAME.search(key) and all(-180 <= x <= 180 for x in xs):
        return "coordinates"
    if fine >= 0.8 * len(xs) and all(-118.5 <= x <= -86.5 for x in xs):
        return "longitudes (Mexico's range)"
    return ""


def _consecutive(sample: list[str]) -> bool:
    """1, 2, 3...: a row number written into the file."""
    if not all(v.isdigit() for v in sample):
        return False
    nums = [int(v) for v in sample]
    return all(b == a + 1 for a, b in pairwise(nums))


def guess_unit(name: str, titles: list[str]) -> str | None:
    """A pint unit from a value column's name (``(kg/día)``, ``POB_TOTAL``), or None.

    The title lines count only for a column whose name says nothing (``Total``,
    ``Hombres``): a title "Población total" then gives ``person``.
    """
    unit = re.search(r"\(([^()]{1,20})\)\s*$", name)
    if unit:
        text = fold(unit.group(1)).replace(" ", "")
        text = _UNIT_PHRASES.get(text) or re.sub(
            r"[a-z]+", lambda m: _UNIT_SPANISH.get(m.group(0), m.group(0)), text)
        try:
            parse_unit(text)
            return text
        except UnitError:
            pass
    for words in (fold(name), *(fold(t) for t in titles)):
        for word in re.findall(r"[a-z]+", words):
            if word in _UNIT_WORDS:
                return _UNIT_WORDS[word]
        if not re.fullmatch(r"(?:total|hombres|mujeres|valor|value)", fold(name).strip()):
            return None
    return None


def number_format(values: list[str]) -> tuple[str | None, str]:
    """Thousands separator and decimal mark of the value cells (spaces need none).

    Parameters
    ----------
    values
        Stripped cells of the value columns.
    """
    point = comma = grouped = 0
    for v in values[:20000]:
        whole = _INT.match(v)
        if _DEC_COMMA.match(v) and not whole:
            comma += 1
        elif _DEC.match(v) and not whole:
            point += 1
        m = whole or _DEC.match(v)
        grouped += bool(m and m.group(1) == ",")
    if comma and not point:
        return ".", ","
    return ("," if grouped else None), "."
