"""A draft source spec in TOML from a :class:`~sdmx_tools.ingest.describe.Description`.

Every guess is commented ``# guessed:``, every gap ``# TODO:``, so the analyst edits a draft
instead of writing a spec from nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from sdmx_tools.ingest import describe
from sdmx_tools.ingest.columns import guess_unit
from sdmx_tools.ingest.describe import Description, SpecialRow
from sdmx_tools.ingest.spec import DEFAULT_MISSING
from sdmx_tools.vocabulary.codelists import fold
from sdmx_tools.vocabulary.units import COUNTED

__all__ = ["Wanted", "render_toml"]


class Wanted(NamedTuple):
    """A measure the workspace's indicators ask for that none of its sources gives."""

    measure: str
    unit: str
    indicators: tuple[str, ...]


def render_toml(d: Description, root: Path | None = None, wanted: Sequence[Wanted] = ()
                ) -> str:
    """A draft source spec: every guess commented ``# guessed:``, every gap ``# TODO:``.

    Gaps are left so that :func:`~sdmx_tools.ingest.spec.load_spec` refuses the draft
    (no period, no area) or converts it verbatim (measure ids and units as placeholders).

    Parameters
    ----------
    d
        The description.
    root
        The workspace folder: ``location.path`` is written relative to it when the file
        lies inside it, otherwise as given with a TODO.
    wanted
        The measures the workspace's indicators need that no source gives: a file of
        events drafts the one among them that counts things (its id and unit), and every
        draft lists them beside its measures.
    """
    path = Path(d.path)
    out = [f"# Draft source spec written by 'sdmx-tools describe' from {path.name}.",
           "# 'guessed' marks describe's reading of the file: check it. 'TODO' marks what the",
           "# file cannot tell. Columns found (role, type, examples):"]
    out += [f"#   {c.name!r}: {c.role}, {c.type}"
            + (f" ({c.note})" if c.note else "") + (f" e.g. {', '.join(c.examples)}"
                                                   if c.examples else "") for c in d.columns]
    if d.events:
        out.append(f"# One row per event ({d.events}): the measure counts rows.")
    if not d.complete:
        out.append(f"# Guessed from the first {describe.HEAD_BYTES:,} and last "
                   f"{describe.TAIL_BYTES:,} bytes of {d.size:,}.")
    title = d.title_lines[0] if d.title_lines else path.stem
    out += [f"id = {_q(_slug(path.stem, '_'))}",
            f"title = {_q(title)}" + ("  # guessed: the first title line" if d.title_lines
                                      else "  # TODO: a human title"),
            "tolerance = 0"]
    found = ", ".join(repr(m) for m in d.missing)
    out.append(f"missing = {_list([*d.missing, *DEFAULT_MISSING])}"
               + (f"  # guessed: found {found} in the value columns" if d.missing else ""))
    publisher = next((m.group(1) for f in d.footer_rows
                      if (m := re.match(r"(?i)fuente\s*:?\s*([^.,;]+)", f.value))), None)
    out += ["", "[provenance]",
            f"publisher = {_q(publisher)}  # guessed: from the footer" if publisher
            else 'publisher = "unknown"  # TODO: who publishes the data',
            'licence = "unknown"  # TODO: the licence of the data',
            '# landing_page = "https://..."  # TODO: where the data is published',
            "", "[location]", _location(path, root),
            "", "[read]",
            f"encoding = {_q(d.encoding)}  # guessed",
            f"delimiter = {_q(d.delimiter)}  # guessed",
            f"header_row = {d.header_row}" + (f"  # guessed: {d.header_row - 1} title "
                                              "line(s) above the header" if d.header_row > 1
                                              else "")]
    if d.thousands or d.decimal != ".":
        out += [f"thousands = {_q(d.thousands or '')}  # guessed",
                f"decimal = {_q(d.decimal)}  # guessed"]
    if d.layout == "wide":
        out += ["", "[layout]", 'kind = "wide"', f"columns = {_list(d.wide_columns)}",
                f"names_to = {_q(d.names_to or 'period')}  # guessed: the columns are "
                + ("Spanish month names" if d.names_to == "month" else "years")]
    out += ["", "[area]", *_area_lines(d), "", "[period]", *_period_lines(d)]
    out += _measure_lines(d, wanted)
    for c in d.role("category"):
        if c.distinct > 1:
            out += ["", f"[dimensions.{_slug(c.name, '_').upper()}]", f"column = {_q(c.name)}"
                    f"  # guessed: {c.note}; TODO: the dimension id, and a map of its values "
                    "to codes"]
        else:
            out.append(f"# {c.name!r} has one value ({c.examples[0]!r}): not a dimension here")
    out += _exclude_lines(d)
    return "\n".join(out) + "\n"


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, except DEL)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(_q(i) for i in dict.fromkeys(items)) + "]"


def _slug(text: str, sep: str) -> str:
    return re.sub(r"[^a-z0-9]+", sep, fold(text)).strip(sep) or "source"


def _location(path: Path, root: Path | None) -> str:
    if root is not None and path.resolve().is_relative_to(root.resolve()):
        return f"path = {_q(path.resolve().relative_to(root.resolve()).as_posix())}"
    return (f"path = {_q(path.as_posix())}  # TODO: the path relative to the workspace "
            "folder (the file must lie inside it)")


def _area_lines(d: Description) -> list[str]:
    notes = {c.name: c.note for c in d.columns}
    lines = [f"{key} = {_q(col)}  # guessed: "
             + (f"names all in state {col}" if key == "state" else notes.get(col) or "")
             for key, col in d.area.items()]
    if d.events and "state" in d.area:
        lines.append(f"# covers = [{_q(d.area['state'])}]  # TODO: if the file records every "
                     "event of the state: its municipalities without rows then had zero")
    if not lines:
        return ["# TODO: code_column, state_column + municipality_column, or name_column:",
                "# describe found no column of INEGI codes or area names"]
    extra = [c.name for c in d.columns if c.role in ("area-name", "state")
             and c.name not in d.area.values()]
    if extra:
        lines.append(f"# also area columns, not needed with the above: {_list(extra)}")
    return lines


def _period_lines(d: Description) -> list[str]:
    p = d.period
    if "column" in p:
        why = "  # guessed: the date of each event" if d.events and p["format"] == "date" \
            else "  # guessed"
        out = [f"column = {_q(p['column'])}{why}", f"format = {_q(p['format'])}"]
        if "month_column" in p:
            out.append(f"month_column = {_q(p['month_column'])}  # guessed")
        used = {p["column"], p.get("month_column")}
        other = [c.name for c in d.role("period") if c.name not in used]
        if other:
            out.append(f"# also period columns, not needed with the above: {_list(other)}")
        return out
    if "value" in p:
        return [f"value = {_q(p['value'])}  # guessed: the only year in the {p['from']}"]
    if d.names_to == "period":
        return [f"value = {_q(d.wide_columns[0])}  # not used: names_to = \"period\" takes "
                "each value's period from its column name"]
    what = "the year of the month columns" if d.names_to == "month" else "the period"
    return [f"# TODO: {what}, e.g. value = \"2024\": describe found none",
            "# (or column = ... with format = year | YYYY-MM | date)"]


def _measure_lines(d: Description, wanted: Sequence[Wanted] = ()) -> list[str]:
    todo = "  # TODO: the measure id your indicators ask for"
    unit = 'unit = "count"  # TODO: the pint unit (person, victim, death, seat...)'
    listed = (["# measures your indicators ask for that no source gives: "
               + ", ".join(f"{w.measure} ({w.unit}, {' '.join(w.indicators)})" for w in wanted)]
              if wanted else [])
    if d.layout == "wide":
        return ["", "[[measures]]", f'id = "value"{todo}', unit, *listed]
    values = d.role("value")
    if d.events or not values:
        counted = [w for w in wanted if w.unit in COUNTED]
        if len(counted) == 1:
            w = counted[0]
            listed = listed if len(wanted) > 1 else []  # the one wanted is drafted
            why = (f"  # guessed: the only count your indicators ask for that no source "
                   f"gives ({', '.join(w.indicators)})")
            out = ["", "[[measures]]", f"id = {_q(w.measure)}{why}", f"unit = {_q(w.unit)}"]
        else:
            out = ["", "[[measures]]", f'id = "value"{todo}',
                   'unit = "count"  # TODO: what one row counts (death, victim, event, '
                   'person...)']
        out.append(f"count_rows = true  # guessed: one row per event: {d.events or 'no values'}")
        if values:
            names = _list([c.name for c in values])
            out.append(f"# numeric columns not summed (each row counts once): {names}")
        return out + listed
    out = []
    for c in values:
        mid = "value" if len(values) == 1 else _slug(c.name, "_")
        guessed = guess_unit(c.name, list(d.title_lines))
        origin = "the column name" if guess_unit(c.name, []) else "the title"
        unit_line = (f"unit = {_q(guessed)}  # guessed: from {origin}; check it is what the "
                     "indicator counts") if guessed else unit
        out += ["", "[[measures]]", f"id = {_q(mid)}{todo}", unit_line,
                f"column = {_q(c.name)}"]
    return out + listed


def _exclude_lines(d: Description) -> list[str]:
    out: list[str] = []
    totals: dict[str, list[SpecialRow]] = {}
    for r in d.total_rows:
        totals.setdefault(r.column, []).append(r)
    for col, rows in totals.items():
        lines = ", ".join(str(r.line) for r in rows if r.line) or "near the end"
        out += ["", "[[exclude]]", f"column = {_q(col)}",
                f"equals = {_list([r.value for r in rows])}",
                f'reason = "total-row"  # guessed: total row(s) at line {lines}']
    footers: dict[str, list[SpecialRow]] = {}
    for r in d.footer_rows:
        footers.setdefault(r.column, []).append(r)
    for col, rows in footers.items():
        words = list(dict.fromkeys(re.escape(re.split(r"\W", r.value, maxsplit=1)[0]
                                             or r.value[0]) for r in rows))
        pattern = "^" + (words[0] if len(words) == 1 else f"(?:{'|'.join(words)})")
        where = ", ".join(str(r.line) for r in rows if r.line) or "near the end"
        out += ["", "[[exclude]]", f"column = {_q(col)}", f"matches = {_q(pattern)}",
                f'reason = "footer"  # guessed: {len(rows)} note line(s) at {where}']
    return out
