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
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import numpy as np
import pandas as pd

from sdmx_tools.errors import ReleaseError
from sdmx_tools.fsutil import atomic_dir
from sdmx_tools.release import charts
from sdmx_tools.release.i18n import (
    GOAL_NAMES,
    LANGUAGES,
    STATUS_NAMES,
    STRINGS,
    format_number,
    format_size,
    translator,
)
from sdmx_tools.release.model import REQUIRED_COLUMNS, IndicatorPage, Release, SourceNote
from sdmx_tools.resources import bundled

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
    return env


def _check(release: Release) -> None:
    if not release.languages:
        raise ReleaseError("The release has no page language", hint="set languages = ['es', 'en']")
    for lang in release.languages:
        if lang not in LANGUAGES:
            raise ReleaseError(
                "Unsupported page language", value=lang, hint=f"use one of {', '.join(LANGUAGES)}"
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
    views = {ind.id: ind for ind in sorted(release.indicators, key=lambda i: _id_key(i.id))}
    default = release.languages[0]
    written: list[Path] = []

    def page(template: str, rel: str, lang: str, **context: Any) -> None:
        depth = rel.count("/")
        root = "../" * depth
        here = rel.split("/", 1)[-1]
        base = _base_context(release, lang, root, downloads)
        base["alternates"] = [
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
            html = env.get_template(template).render(**base, **context)
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
        pages = [_indicator_view(ind, release, lang) for ind in views.values()]
        goals = _group_by_goal(pages, lang)
        page("index.html", f"{lang}/index.html", lang, goals=goals, prefix="")
        if lang == default:
            page("index.html", "index.html", lang, goals=goals, prefix=f"{lang}/")
        for view in pages:
            page("indicator.html", f"{lang}/{view['id']}.html", lang, ind=view)
    return sorted(written)


def _base_context(
    release: Release, lang: str, root: str, downloads: list[dict[str, str]]
) -> dict[str, Any]:
    return {
        "lang": lang,
        "t": translator(lang),
        "root": root,
        "site_title": _pick(release.title, lang, release.languages),
        "synthetic": release.synthetic,
        # The synthetic warning is given in both languages whatever the page's, page's first.
        "banner": [
            {
                "lang": b,
                "title": STRINGS[b]["synthetic_title"],
                "body": STRINGS[b]["synthetic_body"],
            }
            for b in sorted(LANGUAGES, key=lambda code: code != lang)
        ],
        "generated_at": release.generated_at,
        "agency": release.agency,
        "downloads": [{**d, "href": f"{root}downloads/{d['name']}"} for d in downloads],
    }


def _copy_static(dirs: Sequence[Path], dest: Path) -> None:
    # Lowest priority first, so a workspace's file overwrites the bundled one.
    dest.mkdir(parents=True, exist_ok=True)
    for folder in reversed(dirs):
        static = folder / "static"
        if not static.is_dir():
            continue
        for src in sorted(static.rglob("*")):
            if src.is_file():
                target = dest / src.relative_to(static)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)


def _copy_downloads(paths: Iterable[Path], dest: Path) -> list[dict[str, str]]:
    dest.mkdir(parents=True, exist_ok=True)
    listed = []
    for path in sorted((Path(p) for p in paths), key=lambda p: p.name):
        shutil.copyfile(path, dest / path.name)
        listed.append({"name": path.name, "size": format_size(path.stat().st_size)})
    return listed


def _pick(texts: dict[str, str], lang: str, languages: Sequence[str]) -> str:
    """Text in ``lang``, else in the first language that has one: a missing translation
    should not stop a release."""
    for candidate in (lang, *languages, *sorted(texts)):
        if texts.get(candidate):
            return texts[candidate]
    return ""


def _id_key(ident: str) -> tuple[Any, ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in ident.split("."))


def _decimals(values: pd.Series) -> int:
    """One precision per indicator: about three significant digits for a typical value,
    so that counts (1,234), rates (23.4) and ratios (0.457) all read well."""
    finite = values.to_numpy(dtype=float)
    finite = np.abs(finite[np.isfinite(finite) & (finite != 0)])
    if not finite.size:
        return 1
    magnitude = math.floor(math.log10(float(np.median(finite))))
    return min(max(2 - magnitude, 0), 3)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _state_code(ref_area: str) -> str | None:
    """Two-digit INEGI state code from ``"2"``, ``"02"`` or ``"MX-02"``; None otherwise."""
    digits = re.sub(r"\D", "", ref_area)
    return digits.zfill(2) if 1 <= len(digits) <= 2 and 1 <= int(digits) <= 32 else None


def _indicator_view(ind: IndicatorPage, release: Release, lang: str) -> dict[str, Any]:
    t = translator(lang)
    obs = ind.observations.copy()
    obs["REF_AREA"] = obs["REF_AREA"].map(_text)
    obs["TIME_PERIOD"] = obs["TIME_PERIOD"].map(_text)
    obs["OBS_VALUE"] = pd.to_numeric(obs["OBS_VALUE"], errors="coerce").astype(float)
    obs["_order"] = obs["level"].map(LEVEL_ORDER).fillna(9)
    obs = obs.sort_values(["_order", "REF_AREA", "TIME_PERIOD"], kind="stable")
    decimals = _decimals(obs["OBS_VALUE"])
    unit = _pick(ind.unit_labels, lang, release.languages)
    name = _pick(ind.names, lang, release.languages)
    rows = [_row(r, decimals, t, lang) for r in obs.to_dict("records")]

    nation = [r for r in rows if r["level"] == "nation"]
    states = [r for r in rows if r["level"] == "state"]
    munis = [r for r in rows if r["level"] == "municipality"]
    state_period = max((r["period"] for r in states), default="")
    muni_period = max((r["period"] for r in munis), default="")
    latest = nation[-1] if nation else None
    available = next((r for r in reversed(nation) if r["finite"]), None)

    latest_states = [r for r in states if r["period"] == state_period]
    bars = (
        charts.bar_chart(
            [(r["name"], r["value"]) for r in latest_states],
            title=f"{name} — {t('chart_states', period=state_period)}",
            unit=unit,
            decimals=decimals,
            missing_label=t("map_missing"),
        )
        if latest_states
        else None
    )
    line = (
        charts.line_chart(
            [(r["period"], r["value"]) for r in nation],
            title=f"{name} — {t('chart_series')}",
            unit=unit,
            decimals=decimals,
        )
        if len(nation) > 1
        else None
    )
    by_code = {c: r for r in latest_states if (c := _state_code(r["code"]))}
    tile_map = charts.tile_map(
        {c: r["value"] for c, r in by_code.items()},
        title=t("map_title", period=state_period or "—"),
        decimals=decimals,
        missing_label=t("map_missing"),
        legend_label=t("map_legend"),
    )

    sources = {s.id: s for s in release.sources}
    statuses = Counter(r["status"] for r in rows if r["status"])
    notes = Counter(r["note"] for r in rows if r["note"])
    return {
        "id": ind.id,
        "series": ind.series,
        "goal": ind.goal,
        "goal_name": GOAL_NAMES[lang].get(ind.goal, ""),
        "target": ind.target,
        "name": name,
        "unit": unit,
        "latest": latest,
        "available": available,
        "state_rows": [r for r in rows if r["level"] != "municipality"],
        "muni_rows": [r for r in munis if r["period"] == muni_period],
        "muni_period": muni_period,
        "bar_chart": bars,
        "line_chart": line,
        "tile_map": tile_map,
        "map_period": state_period,
        "metadata": list(
            (ind.metadata.get(lang) or ind.metadata.get(release.languages[0], {})).items()
        ),
        "sources": [_source_view(sources[sid]) for sid in ind.sources],
        "quality_notes": ind.quality_notes.get(lang, []),
        "statuses": [
            {"code": c, "meaning": STATUS_NAMES[lang].get(c, ""), "count": n}
            for c, n in sorted(statuses.items())
        ],
        "notes": sorted(notes.items()),
    }


def _row(r: dict[str, Any], decimals: int, t: Callable[..., str], lang: str) -> dict[str, Any]:
    value = float(r["OBS_VALUE"])
    finite = math.isfinite(value)
    note = _text(r["COMMENT_OBS"]).strip()
    if not finite and not note:
        # Say why a cell is empty; a denominator of 0 or none is the post-2020 case.
        denominator = r.get("denominator")
        no_denominator = "denominator" in r and (
            denominator is None or pd.isna(denominator) or float(denominator) == 0
        )
        note = t("no_denominator") if no_denominator else t("value_missing")
    status = _text(r["OBS_STATUS"]).strip()
    level = _text(r["level"])
    key = f"level_{level}"
    return {
        "code": r["REF_AREA"],
        "name": _text(r["area_name"]),
        "level": level,
        "level_label": t(key) if key in STRINGS[lang] else level,
        "period": r["TIME_PERIOD"],
        "value": value if finite else None,
        "finite": finite,
        "text": format_number(value, decimals),
        # Enough digits to sort by, few enough to keep thousands of rows light.
        "sort_value": f"{value:.6g}" if finite else "",
        "row_class": " ".join(
            c
            for c in ("level-nation" if level == "nation" else "", "" if finite else "missing")
            if c
        ),
        "status": status,
        "status_title": STATUS_NAMES[lang].get(status, ""),
        "note": note,
        "source": _text(r.get("SOURCE_DETAIL")),
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
