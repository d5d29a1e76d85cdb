"""Describe a delimited data file and draft a source spec for it (frictionless' ``describe``).

Reading is bounded: the guesses come from the file's first :data:`HEAD_BYTES` and its last
:data:`TAIL_BYTES` (where footers live), so describing a 1 GB export takes as long as a
small one. What cannot be known from the file (the period of a file without one, a
measure's id and unit, codes for categories) is left as a ``TODO`` in the draft, in a form
that :func:`~sdmx_tools.ingest.spec.load_spec` refuses or that converts verbatim.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from sdmx_tools.errors import SourceReadError
from sdmx_tools.ingest.readers import clean_header, detect_encoding
from sdmx_tools.ingest.readers.delimited import decode, sniff_delimiter
from sdmx_tools.ingest.values import MONTHS_ES
from sdmx_tools.territory import AreaCodelist, load_areas, normalise_parts
from sdmx_tools.vocabulary.codelists import fold

__all__ = ["HEAD_BYTES", "TAIL_BYTES", "ColumnGuess", "Description", "SpecialRow",
           "describe_file"]

_WIDE_MAX = 64 << 20
HEAD_BYTES = 2_000_000
TAIL_BYTES = 256_000
Role = Literal["area-code", "area-name", "state", "municipality", "period", "value",
               "category", "identifier", "empty", "other"]
Kind = Literal["integer", "number", "text", "date", "period", "empty"]

_MARKERS = ("—", "–", "-", "NA", "N/A", "ND", "N/D", "NE", "..", "...", "S/D", "s/d", "n.d.",
            "N.D.", "*", "999", "9999-99-99", "")
_TOTALS = {"total", "nacional", "total nacional", "estados unidos mexicanos",
           "republica mexicana", "total general", "total estatal"}
_FOOTER = re.compile(r"^(?:fuente|nota|notas|elaborado|elaboracion|fecha de|cifras|consulta|"
                     r"informacion|[*(¹²³]|https?://|©)", re.IGNORECASE)
_INT = re.compile(r"^[+-]?(?:\d{1,3}(?:([,. ])\d{3})+|\d+)$")
_DEC = re.compile(r"^[+-]?(?:\d{1,3}(?:([, ])\d{3})+|\d*)\.\d+$")
_DEC_COMMA = re.compile(r"^[+-]?(?:\d{1,3}(?:([. ])\d{3})+|\d*),\d{1,2}$")
_DATE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?|\d{1,2}/\d{1,2}/\d{4})$")
_YM = re.compile(r"^\d{4}[-/](?:0?[1-9]|1[0-2])$")
_YEAR_NAME = re.compile(r"(?:^|[^a-z])(?:ano|anio|ao|year|periodo|ejercicio|ciclo)(?:[^a-z]|$)")
_STATE_NAME = re.compile(r"(?:^|[^a-z])(?:ent|entidad|estado|edo|cve_ent|clave_ent)(?:[^a-z]|$)")
_CODE_NAME = re.compile(r"cve|clave|cvegeo|ubic|geo|codigo|inegi|mun(?:icipio)?(?:[^a-z]|$)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


@dataclass(frozen=True, slots=True)
class ColumnGuess:
    """One column as described: its role and type, examples and missing markers found."""

    name: str
    role: Role
    type: Kind
    examples: tuple[str, ...]
    distinct: int
    missing: dict[str, int]
    note: str = ""


@dataclass(frozen=True, slots=True)
class SpecialRow:
    """A total or footer row: its 1-based line (None in an unread middle), column, text."""

    line: int | None
    column: str
    value: str


@dataclass(frozen=True, slots=True)
class Description:
    """What :func:`describe_file` found; ``ingest.draft.render_toml`` writes the draft spec.

    ``wide_columns`` are melted into ``names_to`` (``month`` or ``period``) in a wide file;
    ``area`` maps AreaSpec keys to guessed columns (or the constant ``state``); ``period``
    holds ``column`` + ``format`` or a ``value`` guessed from titles, footers or file name.
    ``complete`` says whether the guesses saw every line.
    """

    path: str
    size: int
    encoding: str
    delimiter: str
    header_row: int
    title_lines: tuple[str, ...]
    columns: tuple[ColumnGuess, ...]
    layout: Literal["long", "wide"]
    wide_columns: tuple[str, ...]
    names_to: str | None
    area: dict[str, str]
    period: dict[str, str]
    thousands: str | None
    decimal: str
    missing: tuple[str, ...]
    total_rows: tuple[SpecialRow, ...]
    footer_rows: tuple[SpecialRow, ...]
    blank_rows: int
    sampled_rows: int
    complete: bool

    def to_dict(self) -> dict[str, object]:
        """The description as JSON-ready data (lists, not tuples)."""
        data: dict[str, object] = json.loads(json.dumps(asdict(self), ensure_ascii=False))
        return data

    def to_json(self) -> str:
        """The description as indented JSON."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"

    def role(self, role: Role) -> list[ColumnGuess]:
        """The columns guessed to have ``role``, in file order."""
        return [c for c in self.columns if c.role == role]


def describe_file(path: Path, areas: AreaCodelist | None = None) -> Description:
    """Describe a delimited text file from its head and tail.

    Parameters
    ----------
    path
        A CSV/TSV/TXT file, in any encoding the readers detect.
    areas
        The area codelist used to recognise code and name columns (default: bundled).

    Raises
    ------
    SourceReadError
        Missing, empty, binary or undecodable file, or no header row found.
    """
    path = Path(path)
    head, tail, size = _read_bounded(path)
    encoding = detect_encoding(head + tail)
    if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        # Two or four bytes a character: read it whole (bounded) rather than cut it.
        if size > _WIDE_MAX:
            raise SourceReadError(f"a {encoding} file over {_WIDE_MAX >> 20} MiB", file=path,
                                  hint="save it as UTF-8 to describe it")
        head, tail = decode(path.read_bytes(), encoding, path).encode("utf-8"), b""
        text, tail_text = head.decode("utf-8"), ""
    else:
        # The tail only serves to spot footers: convert reports any bad byte there, located.
        text, tail_text = decode(head, encoding, path), tail.decode(encoding, errors="replace")
    controls = len(re.findall(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]", text[:100_000]))
    if controls > 0.02 * min(len(text), 100_000):
        raise SourceReadError(f"not a text file in any encoding tried ({encoding} gives "
                              f"{controls:,} control characters)", file=path,
                              hint="describe reads CSV, TSV or TXT files")
    lines = text.splitlines()
    delimiter = sniff_delimiter(lines)
    rows = [next(csv.reader([line], delimiter=delimiter), []) for line in lines]
    header_at = _header_index(rows, path)
    names = clean_header(rows[header_at], path)
    reader = csv.reader(lines[header_at + 1:], delimiter=delimiter)
    body: list[tuple[int | None, list[str]]] = [(header_at + 1 + reader.line_num, cells)
                                                for cells in reader]
    # Below the unread middle of a large file, line numbers are unknown.
    body += [(None, next(csv.reader([ln], delimiter=delimiter), []))
             for ln in tail_text.splitlines()]
    areas = areas or load_areas()
    titles = [" ".join(c.strip() for c in cells if c.strip()) for cells in rows[:header_at]]
    return _describe(path, size, encoding, delimiter, header_at, titles, names, body, areas,
                     complete=not tail_text)


def _read_bounded(path: Path) -> tuple[bytes, bytes, int]:
    """The head (cut at its last newline) and, for a large file, the tail (whole lines)."""
    if not path.is_file():
        raise SourceReadError("file not found", file=path, hint="check the path")
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES + TAIL_BYTES)
        tail = b""
        if size > len(head):
            head = head[:HEAD_BYTES]
            fh.seek(max(size - TAIL_BYTES, HEAD_BYTES))
            tail = fh.read()
            head = head[: head.rfind(b"\n") + 1] or head
            tail = tail[tail.find(b"\n") + 1:]
    if not head.strip():
        raise SourceReadError("file is empty", file=path, value=f"{size} bytes",
                              hint="the download may have failed: fetch it again")
    if detect_encoding(head[:4096]).startswith(("utf-16", "utf-32")):
        return head, tail, size
    if b"\x00" in head[:65536] or head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise SourceReadError("not a delimited text file (binary content)", file=path,
                              hint="describe reads CSV, TSV or TXT; save a workbook as CSV")
    return head, tail, size


def _header_index(rows: list[list[str]], path: Path) -> int:
    """The first line at least as wide as the data below it, with some named cells."""
    widths = Counter(len(r) for r in rows[:500] if len(r) > 1)
    if not widths:
        raise SourceReadError("no header row found: no line has more than one field",
                              file=path, hint="is this a delimited text file?")
    mode = widths.most_common(1)[0][0]
    for i, cells in enumerate(rows):
        named = [c for c in cells if c.strip() and not _number(c.strip())]
        if len(cells) >= mode and len(named) >= max(1, len(cells) // 3):
            return i
    raise SourceReadError("no header row found", file=path)


def _number(v: str) -> str | None:
    """``int``/``dec``/``dec-comma`` when ``v`` is a number in some convention."""
    if re.match(r"^0\d+\D", v):
        return None  # " 01 001 " is a code, not a thousands-grouped number
    if _INT.match(v):
        return "int"
    if _DEC.match(v):
        return "dec"
    if _DEC_COMMA.match(v):
        return "dec-comma"
    return None


def _describe(path: Path, size: int, encoding: str, delimiter: str, header_at: int,
              titles: list[str], names: list[str], body: list[tuple[int | None, list[str]]],
              areas: AreaCodelist, complete: bool) -> Description:
    blank = sum(1 for _, cells in body if not any(c.strip() for c in cells))
    rows = [(n, (cells + [""] * len(names))[: len(names)]) for n, cells in body
            if any(c.strip() for c in cells)]
    footers, data = _footers(rows, names)
    months = [n for n in names if fold(n).strip(". ") in MONTHS_ES]
    years = [n for n in names if re.fullmatch(r"(?:19|20)\d{2}", n)]
    wide = months if len(months) >= 3 else years if len(years) >= 2 else []
    cols = {name: [cells[i].strip() for _, cells in data] for i, name in enumerate(names)}
    guesses = {n: _column(n, v, areas, n in wide) for n, v in cols.items()}
    area = _area(guesses, cols, areas)
    for key, col in area.items():
        if col in guesses and key != "state":
            role: Role = "state" if key == "state_column" else (
                "municipality" if key == "municipality_column" else guesses[col].role)
            guesses[col] = _with(guesses[col], role)
    area_cols = [c for k, c in area.items() if k != "state"] + [
        g.name for g in guesses.values() if g.role in ("area-name", "state")]
    totals = [SpecialRow(n, col, cells[names.index(col)].strip()) for n, cells in data
              for col in dict.fromkeys(area_cols)
              if fold(cells[names.index(col)].strip()) in _TOTALS][:20]
    values = [g for g in guesses.values() if g.role == "value" or g.name in wide]
    found = Counter({m: c for g in values for m, c in g.missing.items()})
    thousands, decimal = _number_format([v for g in values for v in cols[g.name]])
    period = _period(guesses, titles, footers, path, bool(months))
    return Description(
        path=str(path), size=size, encoding=encoding, delimiter=delimiter,
        header_row=header_at + 1, title_lines=tuple(t for t in titles if t),
        columns=tuple(guesses.values()), layout="wide" if wide else "long",
        wide_columns=tuple(wide), names_to=("month" if months else "period") if wide else None,
        area=area, period=period, thousands=thousands, decimal=decimal,
        missing=tuple(m for m, _ in found.most_common()), total_rows=tuple(totals),
        footer_rows=tuple(footers), blank_rows=blank, sampled_rows=len(rows), complete=complete,
    )


def _with(g: ColumnGuess, role: Role) -> ColumnGuess:
    return ColumnGuess(g.name, role, g.type, g.examples, g.distinct, g.missing, g.note)


def _footers(rows: list[tuple[int | None, list[str]]], names: list[str]
             ) -> tuple[list[SpecialRow], list[tuple[int | None, list[str]]]]:
    """Footer rows (source notes after the data) and the rows that are data."""
    footers, data = [], []
    for n, cells in rows:
        filled = [(i, c.strip()) for i, c in enumerate(cells) if c.strip()]
        i, first = filled[0]
        if len(filled) <= 2 and _FOOTER.match(fold(first)) and not _number(first):
            footers.append(SpecialRow(n, names[i], first))
        else:
            data.append((n, cells))
    return footers, data


def _column(name: str, values: list[str], areas: AreaCodelist, wide: bool) -> ColumnGuess:
    filled = [v for v in values if v]
    markers = Counter(v for v in values if v in _MARKERS)
    real = [v for v in filled if v not in _MARKERS]
    uniq = list(dict.fromkeys(real))
    kinds = Counter(_kind(v) for v in uniq[:2000])
    kind: Kind = kinds.most_common(1)[0][0] if kinds else "empty"
    numeric = kinds["integer"] + kinds["number"]
    if real and numeric >= 0.8 * len(uniq[:2000]):
        kind = "number" if kinds["number"] else "integer"
        # A few short non-numbers in a numeric column are markers ("No disponible", "*").
        odd = [v for v in uniq if _kind(v) not in ("integer", "number")]
        if len(odd) <= 5 and all(len(v) <= 20 for v in odd):
            markers.update(v for v in real if v in odd)
            real = [v for v in real if v not in markers]
    if "" in markers or len(filled) < len(values):
        markers[""] = len(values) - len(filled)
    role, note = _role(name, uniq, kind, real, areas, wide)
    if role not in ("area-code", "municipality", "state", "other"):
        markers.pop("999", None)  # a real value (999 people), not "unknown municipality"
    missing = {m: c for m, c in markers.items() if c}
    return ColumnGuess(name, role, kind, tuple(uniq[:3]), len(uniq), missing, note)


def _kind(v: str) -> Kind:
    if _number(v) == "int":
        return "integer"
    if _number(v):
        return "number"
    if _DATE.match(v):
        return "date"
    if _YM.match(v) or fold(v).strip(". ") in MONTHS_ES:
        return "period"
    return "text"


def _role(name: str, uniq: list[str], kind: Kind, real: list[str], areas: AreaCodelist,
          wide: bool) -> tuple[Role, str]:
    key = fold(name)
    if not uniq:
        return "empty", "no values in the sample"
    if wide:
        return "value", "melted by the wide layout"
    if kind in ("integer", "period") and all(re.fullmatch(r"(?:19|20)\d{2}", v) for v in uniq) \
            and (_YEAR_NAME.search(key) or len(uniq) <= 30):
        return "period", "year"
    if kind == "period":
        return "period", "YYYY-MM" if all(_YM.match(v) for v in uniq) else "month-name"
    if kind == "date":
        return "period", "date"
    sample = uniq[:2000]
    matches = areas.match_codes(sample)
    hits = [m for m in matches if m.status == "matched"]
    munis = [m for m in hits if len(m.code or "") == 5]
    if len(hits) >= 0.8 * len(sample) and (munis or _CODE_NAME.search(key)):
        if len(munis) >= 0.5 * len(hits):
            return "area-code", f"{len(hits)} of {len(sample)} distinct values are INEGI codes"
        if _STATE_NAME.search(key) or all(len(v) <= 2 for v in sample):
            return "state", "state codes"
    if _STATE_NAME.search(key) and all(areas.resolve_state(v) for v in sample[:40]):
        return "state", "state codes or names"
    if kind == "integer" and _CODE_NAME.search(key) and all(len(v) <= 3 for v in sample):
        return "other", "municipality numbers (need a state column)"
    if kind in ("integer", "number"):
        if kind == "integer" and len(uniq) == len(real) > 20 and re.search(r"\bid\b|folio", key):
            return "identifier", "one distinct value per row"
        return "value", ""
    names = [v for v in sample[:400] if fold(v) not in _TOTALS]
    found = areas.match_names(names)
    known = [m for m in found if m.status == "matched" or (m.status == "review"
                                                             and m.score >= 100)]
    if names and len(known) >= 0.7 * len(names):
        return "area-name", f"{len(known)} of {len(names)} distinct values are area names"
    if len(uniq) <= max(50, len(real) // 20):
        return "category", f"{len(uniq)} distinct value(s)"
    return "other", ""


def _area(guesses: dict[str, ColumnGuess], cols: dict[str, list[str]], areas: AreaCodelist
          ) -> dict[str, str]:
    """AreaSpec keys for the guessed columns; ``state`` when names all lie in one state."""
    by = {r: [g.name for g in guesses.values() if g.role == r]
          for r in ("area-code", "state", "area-name", "other")}
    if by["area-code"]:
        return {"code_column": by["area-code"][0]}
    if by["state"]:
        state = by["state"][0]
        for g in guesses.values():
            if g.note.startswith("municipality numbers"):
                pairs = list(zip(cols[state], cols[g.name], strict=True))[:2000]
                ok = [p for p in pairs if (nc := normalise_parts(*p)) and nc.code in areas]
                if len(ok) >= 0.8 * len(pairs):
                    return {"state_column": state, "municipality_column": g.name}
    if by["area-name"]:
        name = by["area-name"][0]
        if by["state"]:
            return {"name_column": name, "state_column": by["state"][0]}
        names = [v for v in dict.fromkeys(cols[name]) if v and fold(v) not in _TOTALS][:400]
        # Names that repeat across states ("Benito Juárez") count once the state is known.
        states = Counter((m.code or "")[:2] for m in areas.match_names(names)
                         if m.status == "matched")
        if sum(states.values()) >= 3:
            state, n = states.most_common(1)[0]
            within = areas.match_names(names, state)
            if n >= 0.9 * sum(states.values()) and sum(
                    m.status == "matched" for m in within) >= 0.9 * len(names):
                return {"name_column": name, "state": state}
        return {"name_column": name}
    return {"state_column": by["state"][0]} if by["state"] else {}


def _number_format(values: list[str]) -> tuple[str | None, str]:
    """Thousands separator and decimal mark of the value cells (spaces need none)."""
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


def _period(guesses: dict[str, ColumnGuess], titles: list[str], footers: list[SpecialRow],
            path: Path, monthly: bool) -> dict[str, str]:
    """A period column (years first), or a single year found around the data."""
    cols = [g for g in guesses.values() if g.role == "period"]
    order = ["year", "YYYY-MM", "date"]
    for fmt in order:
        for g in cols:
            if g.note == fmt:
                return {"column": g.name, "format": fmt}
    if monthly:
        return {}
    for where, texts in (("title lines", titles), ("footer", [f.value for f in footers]),
                         ("file name", [path.stem])):
        found = {y for t in texts for y in _YEAR.findall(t)}
        if len(found) == 1:
            return {"value": found.pop(), "from": where}
    return {}
