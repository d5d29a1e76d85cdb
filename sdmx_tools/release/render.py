"""Render a :class:`Release` into a static, bilingual site with Jinja2.

The site is built in a temporary sibling of ``out_dir`` and swapped in only when every
page rendered (:func:`~sdmx_tools.fsutil.atomic_dir`), so a failed run never leaves a
half-written site. Pages are plain HTML with inline SVG; the only script is optional.
"""

from __future__ import annotations

import math
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import jinja2
import numpy as np
import pandas as pd

from sdmx_tools.errors import ReleaseError
from sdmx_tools.fsutil import atomic_dir, bundled
from sdmx_tools.release import charts
from sdmx_tools.release.i18n import (
    DASH,
    GOAL_NAMES,
    STRINGS,
    format_number,
    format_size,
    translator,
)
from sdmx_tools.release.model import REQUIRED_COLUMNS, IndicatorPage, Release, SourceNote

__all__ = ["render_site", "safe_url"]

# Indicator ids become file names: allow only what an SDG number or SDMX id can hold.
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
LEVEL_ORDER = {"nation": 0, "state": 1, "municipality": 2}


def safe_url(url: str | None) -> str | None:
    """Return ``url`` if it is an absolute http(s) URL, else ``None``.

    Source URLs are crowdsourced: a ``javascript:`` or ``data:`` URL must never become a
    link. Autoescaping handles quotes; this handles the scheme.
    """
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def render_site(release: Release, out_dir: Path, template_dirs: Sequence[Path] = ()) -> list[Path]:
    """Render the whole release site into ``out_dir``, atomically.

    Parameters
    ----------
    release
        What to show.
    out_dir
        The site folder; replaced as a whole on success, untouched on failure.
    template_dirs
        A workspace's override folders, searched before the bundled templates. A file
        there with the same name as a bundled template (or ``static/`` file) wins.

    Returns
    -------
    list of Path
        The HTML pages written, under ``out_dir``, in a stable order.

    Raises
    ------
    ReleaseError
        When the release is inconsistent (unknown language, source id or column, unsafe
        indicator id, missing download) or a template fails.
    """
    out_dir = Path(out_dir)
    _check(release)
    for folder in template_dirs:
        # A mistyped override folder would silently render the bundled look instead.
        if not Path(folder).is_dir():
            raise ReleaseError("Template folder not found", file=folder)
    dirs = [Path(d) for d in template_dirs] + [bundled("templates")]
    env = _environment(dirs)
    with atomic_dir(out_dir) as tmp:
        written = _build(release, env, dirs, tmp)
    return [out_dir / page.relative_to(tmp) for page in written]


def _environment(dirs: Sequence[Path]) -> jinja2.Environment:
    # Autoescape everywhere: area names, notes and source titles are crowdsourced text.
    # StrictUndefined turns a template typo into an error instead of an empty cell.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = format_number
    env.globals["dash"] = DASH
    return env


def _check(release: Release) -> None:
    if not release.languages:
        raise ReleaseError("The release has no page language", hint="set languages = ['es', 'en']")
    for lang in release.languages:
        if lang not in STRINGS:
            raise ReleaseError(
                "Unsupported page language", value=lang, hint=f"use one of {', '.join(STRINGS)}"
            )
    known = {s.id for s in release.sources}
    for ind in release.indicators:
        if not SAFE_ID.match(ind.id):
            raise ReleaseError("Indicator id cannot be a file name", value=ind.id, key=ind.id)
        missing = [c for c in REQUIRED_COLUMNS if c not in ind.observations.columns]
        if missing:
            raise ReleaseError(
                "Observations lack a column",
                key=ind.id,
                column=missing[0],
                hint=f"expected columns {', '.join(REQUIRED_COLUMNS)}",
            )
        for sid in ind.sources:
            if sid not in known:
                raise ReleaseError(
                    "Indicator cites an unknown source",
                    key=ind.id,
                    value=sid,
                    hint=f"known sources: {', '.join(sorted(known)) or 'none'}",
                )
    # Each indicator is one page named by its id: a second one would overwrite the first.
    ids = sorted((i for i, n in Counter(ind.id for ind in release.indicators).items() if n > 1),
                 key=_id_key)
    if ids:
        raise ReleaseError("Two indicators share an id", value=ids[0], key=ids[0])
    names = [Path(p).name for p in release.downloads]
    for path in release.downloads:
        if not Path(path).is_file():
            raise ReleaseError("Download file not found", file=path)
    dupes = sorted(n for n, k in Counter(names).items() if k > 1)
    if dupes:
        raise ReleaseError("Two downloads share a file name", value=dupes[0])


def _build(
    release: Release, env: jinja2.Environment, dirs: Sequence[Path], site: Path
) -> list[Path]:
    _copy_static(dirs, site / "static")
    downloads = _copy_downloads(release.downloads, site / "downloads")
    links: dict[str, list[dict[str, str]]] = {}
    sources = {s.id: _source_view(s) for s in release.sources}
    # The language-independent work (sorting, splitting, row views) is done once per
    # indicator; each language only adds its texts and charts.
    prepared = [
        _prepare(ind, sources) for ind in sorted(release.indicators, key=lambda i: _id_key(i.id))
    ]
    default = release.languages[0]
    written: list[Path] = []

    def page(template: str, rel: str, base: dict[str, Any], **context: Any) -> None:
        lang = base["lang"]
        root = "../" * rel.count("/")
        here = rel.split("/", 1)[-1]
        if root not in links:
            links[root] = [{**d, "href": f"{root}downloads/{d['name']}"} for d in downloads]
        alternates = [
            {
                "lang": other,
                "name": STRINGS[other]["language_name"],
                "href": f"{root}{other}/{here}",
            }
            for other in release.languages
            if other != lang
        ]
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            html = env.get_template(template).render(
                **base, root=root, downloads=links[root], alternates=alternates, **context
            )
        except (jinja2.TemplateError, KeyError) as exc:  # KeyError: unknown t("...") string
            raise ReleaseError(
                f"Template failed: {exc}",
                file=getattr(exc, "filename", None) or template,
                row=getattr(exc, "lineno", None),
                key=rel,
            ) from exc
        target.write_text(html, encoding="utf-8", newline="\n")
        written.append(target)

    for lang in release.languages:
        base = _base_context(release, lang)
        pages = [_indicator_view(prep, release, lang) for prep in prepared]
        goals = _group_by_goal(pages, lang)
        page("index.html", f"{lang}/index.html", base, goals=goals, prefix="")
        if lang == default:
            page("index.html", "index.html", base, goals=goals, prefix=f"{lang}/")
        for view in pages:
            page("indicator.html", f"{lang}/{view['id']}.html", base, ind=view)
    return sorted(written)


def _base_context(release: Release, lang: str) -> dict[str, Any]:
    """What every page in ``lang`` shares."""
    t = translator(lang)
    return {
        "lang": lang,
        "t": t,
        "site_title": _pick(release.title, lang, release.languages, ""),
        "synthetic": release.synthetic,
        # The synthetic warning is given in both languages whatever the page's, page's first.
        "banner": [
            {
                "lang": b,
                "title": STRINGS[b]["synthetic_title"],
                "body": STRINGS[b]["synthetic_body"],
            }
            for b in sorted(STRINGS, key=lambda code: code != lang)
        ],
        "generated_at": release.generated_at,
        "agency": release.agency,
        "status_names": _pick(release.status_names, lang, release.languages, {}),
        "level_names": {level: t(f"level_{level}") for level in LEVEL_ORDER},
        "note_text": lambda row: t(row.why_missing) if row.why_missing else row.note,
    }


def _copy_static(dirs: Sequence[Path], dest: Path) -> None:
    # Lowest priority first, so a workspace's file overwrites the bundled one.
    dest.mkdir(parents=True, exist_ok=True)
    for folder in reversed(dirs):
        if (folder / "static").is_dir():
            shutil.copytree(
                folder / "static", dest, dirs_exist_ok=True, copy_function=shutil.copyfile
            )


def _copy_downloads(paths: Iterable[Path], dest: Path) -> list[dict[str, str]]:
    dest.mkdir(parents=True, exist_ok=True)
    listed = []
    for path in sorted((Path(p) for p in paths), key=lambda p: p.name):
        shutil.copyfile(path, dest / path.name)
        listed.append({"name": path.name, "size": format_size(path.stat().st_size)})
    return listed


T = TypeVar("T")


def _pick(texts: Mapping[str, T], lang: str, languages: Sequence[str], empty: T) -> T:
    """The entry for ``lang``, else the first non-empty one of the release's languages, else
    of any: a missing translation should not stop a release."""
    for candidate in (lang, *languages, *sorted(texts)):
        if texts.get(candidate):
            return texts[candidate]
    return empty


def _id_key(ident: str) -> tuple[Any, ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in ident.split("."))


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


@dataclass(frozen=True, slots=True)
class _Row:
    """One observation as the tables show it, in no language: templates add the words."""

    code: str
    name: str
    level: str
    period: str
    value: float | None  # None when missing or not finite: a dash, never 0
    status: str
    note: str  # COMMENT_OBS
    why_missing: str  # for an empty cell without a note, the STRINGS key that explains it
    source: str


_ROW_COLUMNS = [f.name for f in fields(_Row)]


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What an indicator's pages share in every language."""

    page: IndicatorPage
    table: list[_Row]  # nation and states (any level but municipality), every period
    nation: list[_Row]
    latest_states: list[_Row]
    state_period: str
    municipalities: list[_Row]  # the latest municipal period only
    muni_period: str
    statuses: list[tuple[str, int]]
    notes: dict[tuple[str, str], int]  # (note, why_missing) -> count, over every row
    sources: list[dict[str, Any]]


def _prepare(ind: IndicatorPage, sources: Mapping[str, dict[str, Any]]) -> _Prepared:
    obs = ind.observations
    value = pd.to_numeric(obs["OBS_VALUE"], errors="coerce").astype(float)
    frame = pd.DataFrame(
        {
            "code": obs["REF_AREA"].map(_text),
            "name": obs["area_name"].map(_text),
            "level": obs["level"].map(_text),
            "period": obs["TIME_PERIOD"].map(_text),
            "value": value,
            "status": obs["OBS_STATUS"].map(_text).map(str.strip),
            "note": obs["COMMENT_OBS"].map(_text).map(str.strip),
            "why_missing": "",
            "source": obs["SOURCE_DETAIL"].map(_text) if "SOURCE_DETAIL" in obs else "",
        },
        index=obs.index,
    )
    # Say why a cell is empty; a denominator of 0 or none is the post-2020 case.
    unexplained = ~np.isfinite(value) & (frame["note"] == "")
    if "denominator" in obs:
        denominator = pd.to_numeric(obs["denominator"], errors="coerce")
        no_denominator = denominator.isna() | (denominator == 0)
    else:
        no_denominator = pd.Series(False, index=obs.index)
    frame.loc[unexplained & no_denominator, "why_missing"] = "no_denominator"
    frame.loc[unexplained & ~no_denominator, "why_missing"] = "value_missing"
    frame["_order"] = frame["level"].map(LEVEL_ORDER).fillna(9)
    frame = frame.sort_values(["_order", "code", "period"], kind="stable")

    is_muni = frame["level"] == "municipality"
    munis = frame[is_muni]
    muni_period = str(munis["period"].max()) if len(munis) else ""
    table = _rows(frame[~is_muni])
    states = [r for r in table if r.level == "state"]
    state_period = max((r.period for r in states), default="")
    explained = frame[(frame["note"] != "") | (frame["why_missing"] != "")]
    return _Prepared(
        page=ind,
        table=table,
        nation=[r for r in table if r.level == "nation"],
        latest_states=[r for r in states if r.period == state_period],
        state_period=state_period,
        municipalities=_rows(munis[munis["period"] == muni_period]),
        muni_period=muni_period,
        statuses=sorted(Counter(s for s in frame["status"] if s).items()),
        notes=dict(Counter(zip(explained["note"], explained["why_missing"], strict=True))),
        sources=[sources[sid] for sid in ind.sources],
    )


def _rows(frame: pd.DataFrame) -> list[_Row]:
    return [
        _Row(code, name, level, period, value if math.isfinite(value) else None, *rest)
        for code, name, level, period, value, *rest in frame[_ROW_COLUMNS].itertuples(
            index=False, name=None
        )
    ]


def _indicator_view(prep: _Prepared, release: Release, lang: str) -> dict[str, Any]:
    ind = prep.page
    t = translator(lang)
    unit = _pick(ind.unit_labels, lang, release.languages, "")
    name = _pick(ind.names, lang, release.languages, "")
    bars = (
        charts.bar_chart(
            [(r.name, r.value) for r in prep.latest_states],
            title=f"{name} — {t('chart_states', period=prep.state_period)}",
            unit=unit,
            decimals=ind.decimals,
            missing_label=t("map_missing"),
        )
        if prep.latest_states
        else None
    )
    line = (
        charts.line_chart(
            [(r.period, r.value) for r in prep.nation],
            title=f"{name} — {t('chart_series')}",
            unit=unit,
            decimals=ind.decimals,
        )
        if len(prep.nation) > 1
        else None
    )
    # REF_AREA is canonical: state codes are the tile map's keys, anything else is ignored.
    tile_map = charts.tile_map(
        {r.code: r.value for r in prep.latest_states},
        title=t("map_title", period=prep.state_period or DASH),
        decimals=ind.decimals,
        missing_label=t("map_missing"),
        legend_label=t("map_legend"),
    )
    notes: Counter[str] = Counter()
    for (note, why_missing), count in prep.notes.items():
        notes[t(why_missing) if why_missing else note] += count
    return {
        "id": ind.id,
        "series": ind.series,
        "goal": ind.goal,
        "goal_name": GOAL_NAMES[lang].get(ind.goal, ""),
        "target": ind.target,
        "name": name,
        "unit": unit,
        "decimals": ind.decimals,
        "latest": prep.nation[-1] if prep.nation else None,
        "available": next((r for r in reversed(prep.nation) if r.value is not None), None),
        "state_rows": prep.table,
        "muni_rows": prep.municipalities,
        "muni_period": prep.muni_period,
        "bar_chart": bars,
        "line_chart": line,
        "tile_map": tile_map,
        "map_period": prep.state_period,
        "metadata": list(_pick(ind.metadata, lang, release.languages, {}).items()),
        "sources": prep.sources,
        "quality_notes": _pick(ind.quality_notes, lang, release.languages, []),
        "statuses": prep.statuses,
        "notes": sorted(notes.items()),
    }


def _source_view(src: SourceNote) -> dict[str, Any]:
    return {
        "id": src.id,
        "title": src.title,
        "publisher": src.publisher,
        "licence": src.licence,
        "url": src.url or "",
        "href": safe_url(src.url),
        "sha256": src.sha256,
        "rows": [
            ("rows_read", src.rows_read),
            ("rows_used", src.rows_used),
            ("rows_quarantined", src.rows_quarantined),
            ("rows_excluded", src.rows_excluded),
        ],
    }


def _group_by_goal(pages: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    goals: dict[int, list[dict[str, Any]]] = {}
    for view in pages:
        goals.setdefault(view["goal"], []).append(view)
    return [
        {"number": g, "name": GOAL_NAMES[lang].get(g, ""), "indicators": goals[g]}
        for g in sorted(goals)
    ]
