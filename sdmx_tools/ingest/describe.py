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
from sdmx_tools.ingest.columns import (
    TOTALS,
    ColumnGuess,
    Role,
    guess_column,
    number_format,
    number_kind,
)
from sdmx_tools.ingest.readers import clean_header, detect_encoding
from sdmx_tools.ingest.readers.chunks import file_encoding
from sdmx_tools.ingest.readers.delimited import decode, sniff_delimiter
from sdmx_tools.ingest.values import MONTHS_ES
from sdmx_tools.territory import AreaCodelist, load_areas
from sdmx_tools.vocabulary.codelists import fold

__all__ = ["HEAD_BYTES", "TAIL_BYTES", "ColumnGuess", "Description", "SpecialRow",
           "describe_file"]

_WIDE_MAX = 64 << 20
HEAD_BYTES = 2_000_000
TAIL_BYTES = 256_000
_FOOTER = re.compile(r"^(?:fuente|nota|notas|elaborado|elaboracion|fecha de|cifras|consulta|"
                     r"informacion|[*(¹²³]|https?://|©)", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


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
    ``complete`` says whether the guesses saw every line. ``events`` says why each row is
    one event to count (the draft's measure then counts rows), empty when rows hold values.
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
    events: str = ""

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
    # A sample can miss the one cp1252 byte of a large file: judge the file as convert does.
    encoding = detect_encoding(head + tail) if len(head) + len(tail) >= size else \
        file_encoding(path)
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
    unnamed = {n for n, cell in zip(names, rows[header_at], strict=False) if not cell.strip()}
    return _describe(path, size, encoding, delimiter, header_at, titles, names, body, areas,
                     unnamed=unnamed, complete=not tail_text)


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
        named = [c for c in cells if c.strip() and not number_kind(c.strip())]
        if len(cells) >= mode and len(named) >= max(1, len(cells) // 3):
            return i
    raise SourceReadError("no header row found", file=path)


def _describe(path: Path, size: int, encoding: str, delimiter: str, header_at: int,
              titles: list[str], names: list[str], body: list[tuple[int | None, list[str]]],
              areas: AreaCodelist, *, unnamed: set[str], complete: bool) -> Description:
    blank = sum(1 for _, cells in body if not any(c.strip() for c in cells))
    rows = [(n, (cells + [""] * len(names))[: len(names)]) for n, cells in body
            if any(c.strip() for c in cells)]
    footers, data = _footers(rows, names)
    months = [n for n in names if fold(n).strip(". ") in MONTHS_ES]
    years = [n for n in names if re.fullmatch(r"(?:19|20)\d{2}", n)]
    wide = months if len(months) >= 3 else years if len(years) >= 2 else []
    cols = {name: [cells[i].strip() for _, cells in data] for i, name in enumerate(names)}
    guesses = {n: guess_column(n, v, areas, wide=n in wide, unnamed=n in unnamed,
                               complete=complete) for n, v in cols.items()}
    area = _area(guesses, cols, areas)
    for key, col in area.items():
        if col in guesses and key != "state":
            role: Role = "state" if key == "state_column" else (
                "municipality" if key == "municipality_column" else guesses[col].role)
            guesses[col] = guesses[col].with_role(role)
    area_cols = [c for k, c in area.items() if k != "state"] + [
        g.name for g in guesses.values() if g.role in ("area-name", "state")]
    totals = [SpecialRow(n, col, cells[names.index(col)].strip()) for n, cells in data
              for col in dict.fromkeys(area_cols)
              if fold(cells[names.index(col)].strip()) in TOTALS][:20]
    events = "" if wide else _events(guesses, cols, area)
    if events:
        # Small integer codes in a file of events are categories (sex 1/2), not amounts.
        for g in list(guesses.values()):
            if g.role == "value" and g.type == "integer" and g.distinct <= 12:
                guesses[g.name] = g.with_role("category", f"{g.distinct} distinct code(s) "
                                              "in a file of events")
    values = [g for g in guesses.values() if g.role == "value" or g.name in wide]
    found = Counter({m: c for g in values for m, c in g.missing.items()})
    thousands, decimal = number_format([v for g in values for v in cols[g.name]])
    period = _period(guesses, titles, footers, path, bool(months), bool(events))
    return Description(
        path=str(path), size=size, encoding=encoding, delimiter=delimiter,
        header_row=header_at + 1, title_lines=tuple(t for t in titles if t),
        columns=tuple(guesses.values()), layout="wide" if wide else "long",
        wide_columns=tuple(wide), names_to=("month" if months else "period") if wide else None,
        area=area, period=period, thousands=thousands, decimal=decimal,
        missing=tuple(m for m, _ in found.most_common()), total_rows=tuple(totals),
        footer_rows=tuple(footers), blank_rows=blank, sampled_rows=len(rows), complete=complete,
        events=events,
    )


def _events(guesses: dict[str, ColumnGuess], cols: dict[str, list[str]], area: dict[str, str]
            ) -> str:
    """Why the rows are events (one record each, to be counted), or ``""`` when they are not.

    No numeric column left to read, an identifier or coordinates on each row, or rows that
    repeat their area and date (an aggregated file has one row per area and period).
    """
    if not area:
        return ""
    by_role = {r: [g.name for g in guesses.values() if g.role == r]
               for r in ("value", "identifier", "coordinate", "period", "category")}
    if by_role["identifier"]:
        return f"{by_role['identifier'][0]!r} identifies each row"
    if by_role["coordinate"]:
        return f"each row has its place ({by_role['coordinate'][0]!r})"
    if not by_role["value"]:
        return "no numeric column to read"
    dates = [g.name for g in guesses.values() if g.role == "period" and g.note == "date"]
    if not dates:
        return ""
    key = [c for k, c in area.items() if k != "state"] + by_role["period"] + by_role["category"]
    n = len(cols[key[0]])
    distinct = len(set(zip(*(cols[c] for c in key), strict=True)))
    if n >= 20 and distinct <= 0.8 * n:
        return (f"{n - distinct:,} of {n:,} rows read repeat the area and date of another "
                "row")
    return ""


def _footers(rows: list[tuple[int | None, list[str]]], names: list[str]
             ) -> tuple[list[SpecialRow], list[tuple[int | None, list[str]]]]:
    """Footer rows (source notes after the data) and the rows that are data."""
    footers, data = [], []
    for n, cells in rows:
        filled = [(i, c.strip()) for i, c in enumerate(cells) if c.strip()]
        i, first = filled[0]
        if len(filled) <= 2 and _FOOTER.match(fold(first)) and not number_kind(first):
            footers.append(SpecialRow(n, names[i], first))
        else:
            data.append((n, cells))
    return footers, data


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
                written, munis = cols[state][:2000], cols[g.name][:2000]
                # Matched as convert matches them, so the spec drafted reads the file.
                ok = sum(m.status == "matched" for m in areas.match_parts(written, munis))
                if ok >= 0.8 * len(written):
                    return {"state_column": state, "municipality_column": g.name}
    if by["area-name"]:
        name = by["area-name"][0]
        if by["state"]:
            return {"name_column": name, "state_column": by["state"][0]}
        names = [v for v in dict.fromkeys(cols[name]) if v and fold(v) not in TOTALS][:400]
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


def _period(guesses: dict[str, ColumnGuess], titles: list[str], footers: list[SpecialRow],
            path: Path, monthly: bool, events: bool) -> dict[str, str]:
    """A period column, or a single year found around the data.

    A year column comes first (with a month column beside it when there is one), except in
    a file of events, where the date of each event is its period (it holds the month).
    """
    cols = {g.note: g.name for g in reversed(guesses.values()) if g.role == "period"}
    month = cols.get("month-name") or cols.get("month-number")
    if events and "date" in cols:
        return {"column": cols["date"], "format": "date"}
    if "year" in cols:
        return {"column": cols["year"], "format": "year"} | (
            {"month_column": month} if month else {})
    for fmt in ("YYYY-MM", "date"):
        if fmt in cols:
            return {"column": cols[fmt], "format": fmt}
    if monthly:
        return {}
    for where, texts in (("title lines", titles), ("footer", [f.value for f in footers]),
                         ("file name", [path.stem])):
        found = {y for t in texts for y in _YEAR.findall(t)}
        if len(found) == 1:
            return {"value": found.pop(), "from": where}
    return {}
