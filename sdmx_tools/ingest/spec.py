"""Source specs: one TOML file per crowdsourced source, validated strictly.

A spec says where the file is, how to read it, its layout (long, or wide to be melted),
which columns give the area, the period, the values and other dimensions, the unit of each
value, the missing-value markers, the rows to exclude on purpose, and its provenance.
Every mistake is a :class:`~sdmx_tools.errors.SpecError` naming the spec file and key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import re2

from sdmx_tools.errors import SpecError
from sdmx_tools.ingest.values import MONTHS_ES
from sdmx_tools.tomlspec import check_keys, get, inside, load_toml
from sdmx_tools.vocabulary.units import is_additive, parse_unit

__all__ = [
    "DEFAULT_MISSING",
    "AreaSpec",
    "DimensionSpec",
    "ExcludeRule",
    "LayoutSpec",
    "MeasureSpec",
    "PeriodSpec",
    "ReadOptions",
    "RemoteSpec",
    "SourceSpec",
    "load_spec",
]

PeriodFormat = Literal["year", "YYYY-MM", "date"]
_PERIOD_FORMATS = ("year", "YYYY-MM", "date")
# Bytes read into memory from a file or a zip member: a zip bomb stops here. Larger
# national files raise it in their spec; beyond 64 GiB is no file this tool reads whole.
DEFAULT_MAX_BYTES = 256 << 20
_MAX_MAX_BYTES = 64 << 30
DEFAULT_MISSING = ("", "NA", "N/A", "ND", "N/D", "—", "–", "-", "..", "S/D", "s/d")


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read the file.

    ``header_row`` is the 1-based line of the column names; ``skip_rows`` lines right
    below it are skipped on purpose (a units row); ``member`` names the file to read inside
    a zip; ``records`` is the dotted path of the record list in a JSON document;
    ``max_bytes`` bounds the file (and any zip member) read into memory.
    """

    encoding: str = "auto"
    delimiter: str | None = None
    header_row: int = 1
    skip_rows: int = 0
    decimal: str = "."
    thousands: str | None = ","
    sheet: str | int | None = None
    member: str | None = None
    records: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass(frozen=True, slots=True)
class RemoteSpec:
    """A source published online: a direct ``url``, or a CKAN portal's package resource.

    For CKAN, ``ckan`` is the portal's base URL, ``package`` the dataset id or name, and
    ``resource`` (name or id) or ``format`` (``CSV``, ``XLSX``) picks the resource.
    ``api_key_env`` names the environment variable holding a key for private datasets.
    """

    url: str | None = None
    ckan: str | None = None
    package: str | None = None
    resource: str | None = None
    format: str | None = None
    api_key_env: str | None = None


@dataclass(frozen=True, slots=True)
class AreaSpec:
    """Where the area is: a code column, state + municipality code columns, or names.

    ``state`` is a constant state (code or name) for files of one state that give names
    only (Mexico City's alcaldías). ``covers`` lists state codes the source is exhaustive
    for: a municipality there with no record of a counted measure had zero events.
    ``level`` says which areas the rows are: ``any`` (municipalities, with any state or
    national total rows excluded and reconciled against them), ``municipality``,
    ``state``, or ``locality`` (9-digit INEGI locality codes, summed to their municipality).
    """

    code_column: str | None = None
    state_column: str | None = None
    municipality_column: str | None = None
    name_column: str | None = None
    state: str | None = None
    level: Literal["any", "municipality", "state", "locality"] = "any"
    covers: tuple[str, ...] = ()

    def columns(self) -> list[str]:
        """The columns this spec reads."""
        return [c for c in (self.code_column, self.state_column, self.municipality_column,
                            self.name_column) if c]


@dataclass(frozen=True, slots=True)
class PeriodSpec:
    """The period: a column (with a format) or a constant ``value``.

    ``month_column`` adds the month (a number or a Spanish month name) to a year column.
    """

    column: str | None = None
    value: str | None = None
    format: PeriodFormat = "year"
    month_column: str | None = None


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    """One measure: its id (what indicators ask for), value column and pint unit.

    ``count_rows`` measures count input rows (one record = one event) instead of reading
    a value column. Negative values are quarantined unless ``allow_negative`` (a balance,
    a change): a count, an amount collected or a population is never below zero.
    """

    id: str
    unit: str
    column: str | None = None
    count_rows: bool = False
    allow_negative: bool = False


@dataclass(frozen=True, slots=True)
class LayoutSpec:
    """``long`` (one value per row) or ``wide`` (``columns`` melted into ``names_to``).

    ``names_to`` is ``month`` (Spanish month names, with the year from the period),
    ``period`` (the column names are periods) or a dimension id (the column names are its
    values, through ``[dimensions.<id>].map`` when given).
    """

    kind: Literal["long", "wide"] = "long"
    columns: tuple[str, ...] = ()
    names_to: str = "month"


@dataclass(frozen=True, slots=True)
class DimensionSpec:
    """A dimension from a column (mapped to codes) or a constant code."""

    id: str
    column: str | None = None
    value: str | None = None
    map: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ExcludeRule:
    """Rows excluded on purpose: ``column`` equal to / matching a value, with a reason."""

    column: str
    reason: str
    equals: tuple[str, ...] = ()
    matches: str | None = None

    def pattern(self) -> Any:
        """The compiled ``matches`` regex, if any, in RE2 (linear time on any input).

        A spec's pattern is user input run on crowdsourced cells: a backtracking engine
        would hang on ``(a+)+$``. RE2 has no backreferences or lookarounds; a pattern using
        them is refused when the spec loads.
        """
        if not self.matches:
            return None
        options = re2.Options()
        options.log_errors = False
        return re2.compile(self.matches, options)


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A validated source spec."""

    id: str
    spec_file: Path
    path: Path
    remote: RemoteSpec | None
    title: str
    publisher: str
    licence: str
    landing_page: str | None
    read: ReadOptions
    layout: LayoutSpec
    area: AreaSpec
    period: PeriodSpec
    measures: tuple[MeasureSpec, ...]
    dimensions: tuple[DimensionSpec, ...]
    missing: tuple[str, ...]
    exclude: tuple[ExcludeRule, ...]
    tolerance: int
    sum_over: tuple[str, ...] = ()

    def required_columns(self) -> list[str]:
        """Every column the spec names, to check against the file's header."""
        cols = self.area.columns() + list(self.layout.columns)
        cols += [m.column for m in self.measures if m.column]
        cols += [d.column for d in self.dimensions if d.column]
        cols += [r.column for r in self.exclude]
        cols += [c for c in (self.period.column, self.period.month_column) if c]
        return list(dict.fromkeys(cols))


def load_spec(spec_file: Path, workspace_root: Path) -> SourceSpec:
    """Read and validate one source spec.

    Parameters
    ----------
    spec_file
        The TOML file.
    workspace_root
        Data paths must resolve inside this folder.

    Raises
    ------
    SpecError
        For any unknown key, missing key, wrong type, unknown unit, bad regex or a path
        outside the workspace.
    """
    f = Path(spec_file)
    data = load_toml(f)
    check_keys(data, ["id", "title", "provenance", "location", "read", "layout", "area",
                      "period", "measures", "dimensions", "missing", "exclude", "tolerance",
                      "sum_over"],
               file=f)
    sid = get(data, "id", str, f.stem, file=f)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", sid):
        raise SpecError("source id must be letters, digits, '_' or '-'", file=f, value=sid)

    prov = get(data, "provenance", dict, {}, file=f)
    check_keys(prov, ["publisher", "licence", "landing_page"], file=f, section="provenance")
    layout = _layout(get(data, "layout", dict, {}, file=f), f)
    path, remote = _location(get(data, "location", dict, file=f), f, sid, workspace_root)

    spec = SourceSpec(
        id=sid,
        spec_file=f,
        path=path,
        remote=remote,
        title=get(data, "title", str, sid, file=f),
        publisher=get(prov, "publisher", str, "unknown", file=f, section="provenance"),
        licence=get(prov, "licence", str, "unknown", file=f, section="provenance"),
        landing_page=get(prov, "landing_page", str, None, file=f, section="provenance"),
        read=_read(get(data, "read", dict, {}, file=f), f),
        layout=layout,
        area=_area(get(data, "area", dict, file=f), f),
        period=_period(get(data, "period", dict, file=f), f),
        measures=_measures(get(data, "measures", list, file=f), f),
        dimensions=_dimensions(get(data, "dimensions", dict, {}, file=f), f, layout),
        missing=tuple(str(m) for m in get(data, "missing", list, list(DEFAULT_MISSING), file=f)),
        exclude=_exclude(get(data, "exclude", list, [], file=f), f),
        tolerance=get(data, "tolerance", int, 0, file=f),
        sum_over=_sum_over(get(data, "sum_over", list, [], file=f), f,
                           get(data, "dimensions", dict, {}, file=f)),
    )
    if spec.area.level == "locality":
        for m in spec.measures:
            if not is_additive(m.unit):
                raise SpecError(f"localities are summed to their municipality, and measure "
                                f"{m.id!r} in {m.unit!r} does not add up (a rate, share or "
                                "average)", file=f, value=m.unit,
                                hint="give counts or amounts at locality level, or compute "
                                "the rate from them in an indicator")
    return spec


def _sum_over(names: list[Any], f: Path, dimensions: dict[str, Any]) -> tuple[str, ...]:
    """Dimensions whose values the indicators may add up (declared, never assumed)."""
    for name in names:
        if name not in dimensions:
            raise SpecError("sum_over names a dimension the spec does not define", file=f,
                            value=str(name), hint="dimensions: " + (", ".join(dimensions)
                                                                    or "none"))
    return tuple(str(n) for n in names)


def _location(t: dict[str, Any], f: Path, sid: str, root: Path
              ) -> tuple[Path, RemoteSpec | None]:
    """The local path, or the remote source and the cache path it is downloaded to."""
    check_keys(t, ["path", "url", "ckan", "package", "resource", "format", "api_key_env"],
               file=f, section="location")
    given = [k for k in ("path", "url", "ckan") if k in t]
    if len(given) != 1:
        raise SpecError("[location] needs exactly one of 'path', 'url' or 'ckan'", file=f,
                        value=", ".join(given) or None)
    if "path" in t:
        extra = [k for k in t if k != "path"]
        if extra:
            raise SpecError(f"location.{extra[0]} only applies to a url or ckan location",
                            file=f)
        return inside(root, get(t, "path", str, file=f, section="location"), file=f,
                      key="location.path"), None
    remote = RemoteSpec(**{k: get(t, k, str, None, file=f, section="location") for k in t})
    for key in ("url", "ckan"):
        value = getattr(remote, key)
        if value is not None and not re.match(r"https?://[^/\s]+", value):
            raise SpecError(f"location.{key} must be an http(s) URL", file=f, value=value)
    if remote.ckan and not remote.package:
        raise SpecError("a CKAN location needs location.package (the dataset id or name)",
                        file=f)
    if remote.url and (remote.package or remote.resource or remote.format):
        raise SpecError("location.package/resource/format apply to a ckan location", file=f)
    # Downloads live in the workspace's cache, one folder per source: never a name taken
    # from the server, which could climb out of the workspace.
    return root.resolve() / ".cache" / "sources" / sid, remote


def _read(t: dict[str, Any], f: Path) -> ReadOptions:
    check_keys(t, ["encoding", "delimiter", "header_row", "skip_rows", "decimal", "thousands",
                   "sheet", "member", "records", "max_bytes"],
               file=f, section="read")
    header_row = get(t, "header_row", int, 1, file=f, section="read")
    if header_row < 1:
        raise SpecError("read.header_row is 1-based", file=f, value=header_row)
    skip_rows = get(t, "skip_rows", int, 0, file=f, section="read")
    max_bytes = get(t, "max_bytes", int, DEFAULT_MAX_BYTES, file=f, section="read")
    if skip_rows < 0 or not 1 <= max_bytes <= _MAX_MAX_BYTES:
        raise SpecError("read.skip_rows must be positive and read.max_bytes between 1 and "
                        f"{_MAX_MAX_BYTES:,}", file=f, value=max_bytes)
    delimiter = get(t, "delimiter", str, None, file=f, section="read")
    if delimiter is not None and len(delimiter) != 1:
        raise SpecError("read.delimiter must be one character", file=f, value=delimiter,
                        hint='for a tab write delimiter = "\\t"')
    thousands = get(t, "thousands", str, ",", file=f, section="read")
    decimal = get(t, "decimal", str, ".", file=f, section="read")
    if thousands == decimal:
        raise SpecError("read.thousands and read.decimal must differ", file=f, value=decimal)
    encoding = get(t, "encoding", str, "auto", file=f, section="read")
    if encoding != "auto":
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise SpecError("unknown encoding", file=f, value=encoding,
                            hint="use 'auto', 'utf-8', 'latin-1' or 'cp1252'") from exc
    return ReadOptions(
        encoding=encoding,
        delimiter=delimiter,
        header_row=header_row,
        skip_rows=skip_rows,
        decimal=decimal,
        thousands=thousands or None,
        sheet=get(t, "sheet", (str, int), None, file=f, section="read"),
        member=get(t, "member", str, None, file=f, section="read"),
        records=get(t, "records", str, None, file=f, section="read"),
        max_bytes=max_bytes,
    )


def _layout(t: dict[str, Any], f: Path) -> LayoutSpec:
    check_keys(t, ["kind", "columns", "names_to"], file=f, section="layout")
    kind = get(t, "kind", str, "long", file=f, section="layout")
    if kind not in ("long", "wide"):
        raise SpecError("layout.kind must be 'long' or 'wide'", file=f, value=kind)
    columns = tuple(get(t, "columns", list, [], file=f, section="layout"))
    if kind == "wide" and not columns:
        raise SpecError("a wide layout needs layout.columns (the columns to melt)", file=f)
    if not all(isinstance(c, str) for c in columns):
        raise SpecError("layout.columns must be column names (text)", file=f,
                        value=str(columns))
    names_to = get(t, "names_to", str, "month", file=f, section="layout")
    if kind == "wide" and names_to == "month":
        odd = [c for c in columns if c.casefold().strip(". ") not in MONTHS_ES]
        if odd:
            raise SpecError("with names_to = 'month' every melted column must be a month name",
                            file=f, value=odd[0],
                            hint="leave totals out of layout.columns (or exclude them)")
    return LayoutSpec(kind=kind, columns=columns, names_to=names_to)


def _area(t: dict[str, Any], f: Path) -> AreaSpec:
    check_keys(t, ["code_column", "state_column", "municipality_column", "name_column", "state",
                   "level", "covers"],
               file=f, section="area")
    covers = tuple(str(c) for c in get(t, "covers", list, [], file=f, section="area"))
    area = AreaSpec(covers=covers, **{k: get(t, k, str, None, file=f, section="area")
                                      for k in t if k != "covers"})
    if not (area.code_column or area.municipality_column or area.name_column
            or area.state_column):
        raise SpecError("[area] needs code_column, state_column + municipality_column, or "
                        "name_column (with state_column when names repeat across states)", file=f)
    if area.level not in ("any", "municipality", "state", "locality"):
        raise SpecError("area.level must be any, municipality, state or locality", file=f,
                        value=area.level)
    if area.level == "locality" and not area.code_column:
        raise SpecError("area.level = 'locality' reads 9-digit codes from area.code_column",
                        file=f, hint="name the column of locality codes (CVEGEO)")
    return area


def _period(t: dict[str, Any], f: Path) -> PeriodSpec:
    check_keys(t, ["column", "value", "format", "month_column"], file=f, section="period")
    fmt = get(t, "format", str, "year", file=f, section="period")
    if fmt == "month-name":
        raise SpecError("a month name alone is not a period: it needs its year", file=f,
                        value=fmt, hint="column = '<year column>', format = 'year', "
                                        "month_column = '<month column>'")
    if fmt not in _PERIOD_FORMATS:
        raise SpecError("unknown period.format", file=f, value=fmt,
                        hint=f"one of {', '.join(_PERIOD_FORMATS)}")
    spec = PeriodSpec(column=get(t, "column", str, None, file=f, section="period"),
                      value=get(t, "value", (str, int), None, file=f, section="period"),
                      format=fmt,
                      month_column=get(t, "month_column", str, None, file=f,
                                       section="period"))
    if (spec.column is None) == (spec.value is None):
        raise SpecError("[period] needs exactly one of 'column' or 'value'", file=f)
    if spec.month_column and (spec.column is None or fmt != "year"):
        raise SpecError("period.month_column goes with a year column (format = 'year')",
                        file=f)
    if spec.value is not None:
        object.__setattr__(spec, "value", str(spec.value))
    return spec


def _measures(items: list[Any], f: Path) -> tuple[MeasureSpec, ...]:
    if not items:
        raise SpecError("[[measures]] needs at least one measure", file=f)
    out = []
    for i, t in enumerate(items, 1):
        section = f"measures.{i}"
        check_keys(t, ["id", "unit", "column", "count_rows", "allow_negative"], file=f,
                   section=section)
        unit = get(t, "unit", str, file=f, section=section)
        parse_unit(unit, where=f"{f} [{section}].unit")
        out.append(MeasureSpec(id=get(t, "id", str, file=f, section=section), unit=unit,
                               column=get(t, "column", str, None, file=f, section=section),
                               count_rows=get(t, "count_rows", bool, False, file=f,
                                              section=section),
                               allow_negative=get(t, "allow_negative", bool, False, file=f,
                                                  section=section)))
    return tuple(out)


def _dimensions(t: dict[str, Any], f: Path, layout: LayoutSpec) -> tuple[DimensionSpec, ...]:
    """Dimensions; the one a wide layout melts into takes its values from column names."""
    out = []
    for dim, d in t.items():
        section = f"dimensions.{dim}"
        check_keys(d, ["column", "value", "map"], file=f, section=section)
        spec = DimensionSpec(id=dim, column=get(d, "column", str, None, file=f, section=section),
                             value=get(d, "value", str, None, file=f, section=section),
                             map={str(k): str(v) for k, v in
                                  get(d, "map", dict, {}, file=f, section=section).items()})
        if layout.kind == "wide" and dim == layout.names_to:
            unmapped = [c for c in layout.columns if spec.map and c not in spec.map]
            if spec.column is not None or spec.value is not None or unmapped:
                raise SpecError(f"[{section}] is melted from layout.columns: give only 'map', "
                                "covering every melted column", file=f,
                                value=unmapped[0] if unmapped else None)
        elif (spec.column is None) == (spec.value is None):
            raise SpecError(f"[{section}] needs exactly one of 'column' or 'value'", file=f)
        out.append(spec)
    return tuple(out)


def _exclude(items: list[Any], f: Path) -> tuple[ExcludeRule, ...]:
    out = []
    for i, t in enumerate(items, 1):
        section = f"exclude.{i}"
        check_keys(t, ["column", "equals", "matches", "reason"], file=f, section=section)
        equals = get(t, "equals", (str, list), [], file=f, section=section)
        if isinstance(equals, list) and not all(isinstance(v, str) for v in equals):
            # Cells are text: equals = [0] would never match "0" and silently keep the row.
            raise SpecError(f"[{section}].equals must list text values (quote numbers)",
                            file=f, value=str(equals))
        rule = ExcludeRule(column=get(t, "column", str, file=f, section=section),
                           reason=get(t, "reason", str, file=f, section=section),
                           equals=tuple([equals] if isinstance(equals, str) else equals),
                           matches=get(t, "matches", str, None, file=f, section=section))
        if not rule.equals and not rule.matches:
            raise SpecError(f"[{section}] needs 'equals' or 'matches'", file=f)
        try:
            rule.pattern()
        except re2.error as exc:
            raise SpecError(f"[{section}].matches is not a regular expression RE2 accepts: "
                            f"{exc}", file=f, value=rule.matches,
                            hint="backreferences and lookarounds are not supported") from exc
        out.append(rule)
    return tuple(out)
