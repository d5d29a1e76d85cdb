"""Render a :class:`Release` into a static, bilingual site with Jinja2.

The site is built in a temporary sibling of ``out_dir`` and swapped in only when every
page rendered (:func:`~sdmx_tools.fsutil.atomic_dir`), so a failed run never leaves a
half-written site. Each page works without JavaScript (tables, static SVG charts and map);
with it, the indicator pages load their data from small per-indicator script files (which,
unlike ``fetch``, also load from ``file://``) and offer selectors, tabs and maps.

Layout: ``{lang}/index.html`` (the 17 goals), ``{lang}/goal-{n}.html``,
``{lang}/{indicator}.html``, ``{lang}/notes.html``, ``data/``, ``static/``,
``downloads/`` (per indicator and ``release.zip``), ``catalog.jsonld``, ``sitemap.xml``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from sdmx_tools.compute.definitions import id_order
from sdmx_tools.errors import ReleaseError
from sdmx_tools.fsutil import atomic_dir, atomic_write, bundled
from sdmx_tools.release import catalog, charts
from sdmx_tools.release.downloads import (
    CsvSlice,
    Download,
    indicator_downloads,
    series_slices,
    write_zip,
)
from sdmx_tools.release.i18n import (
    DASH,
    LANGUAGES,
    Texts,
    format_date,
    format_number,
    format_size,
    load_texts,
    translator,
)
from sdmx_tools.release.mapsvg import choropleth, tile_shapes
from sdmx_tools.release.model import REQUIRED_COLUMNS, IndicatorPage, Release, SdmxTarget
from sdmx_tools.release.pages import (
    explorer_config,
    goal_views,
    indicator_view,
    ink_on,
    note_text,
    pick,
)
from sdmx_tools.release.views import Prepared, municipal_names, payload, prepare

__all__ = ["render_site", "safe_url"]

# Indicator ids become file names: allow only what an SDG number or SDMX id can hold.
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


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
        there with the same name as a bundled template (or ``static/`` file, or
        ``i18n/{lang}.toml`` key) wins.

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
    texts = load_texts(template_dirs)
    env = _environment(dirs)
    with atomic_dir(out_dir) as tmp:
        written = _Site(release, env, dirs, tmp, texts).build()
    return [out_dir / page.relative_to(tmp) for page in written]


def _json_script(data: object) -> Markup:
    """JSON for a ``<script type="application/json">``: no ``<``, ``>`` or ``&`` in it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return Markup(text)  # escaped above, for a JSON script element only


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
    env.filters["size"] = format_size
    env.filters["json_script"] = _json_script
    env.globals["dash"] = DASH
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
        columns = [*REQUIRED_COLUMNS, *(d.id for d in ind.dimensions)]
        missing = [c for c in columns if c not in ind.observations.columns]
        if missing:
            raise ReleaseError(
                "Observations lack a column",
                key=ind.id,
                column=missing[0],
                hint=f"expected columns {', '.join(columns)}",
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
                 key=id_order)
    if ids:
        raise ReleaseError("Two indicators share an id", value=ids[0], key=ids[0])
    names = [Path(p).name for p in release.downloads]
    for path in release.downloads:
        if not Path(path).is_file():
            raise ReleaseError("Download file not found", file=path)
    dupes = sorted(n for n, k in Counter(names).items() if k > 1)
    if dupes:
        raise ReleaseError("Two downloads share a file name", value=dupes[0])


@dataclass(frozen=True, slots=True)
class _Files:
    """What one indicator's data files and downloads are written from (picklable)."""

    page: IndicatorPage
    site: Path
    target: SdmxTarget | None
    synthetic: bool
    texts: dict[str, Texts]
    languages: tuple[str, ...]
    status_names: dict[str, dict[str, str]]
    csv_slice: CsvSlice | None


def _write_files(job: _Files) -> tuple[Prepared, list[Download]]:
    """One indicator prepared, its data files for the explorer and its downloads written;
    returns what its pages need and the downloads."""
    prep, site = prepare(job.page), job.site
    ident = prep.page.id
    _script_file(site / "data" / f"{ident}.js", "data", ident, "main",
                 payload(prep, municipal=False))
    if "municipality" in prep.levels:
        _script_file(site / "data" / f"{ident}.mun.js", "data", ident, "mun",
                     payload(prep, municipal=True))
    written = indicator_downloads(prep, site, job.target, synthetic=job.synthetic,
                                  texts=job.texts, languages=job.languages,
                                  status_names=job.status_names, csv_slice=job.csv_slice)
    return prep.slim(), written


_Done = tuple[Prepared, list[Download]]

# A release this large writes its indicators' files in worker processes (one per core, at
# most 4): the files are independent, and most of the time goes to writing them.
_POOL_FROM = 16


def _map(func: Callable[[_Files], _Done], jobs: list[_Files]) -> list[_Done]:
    workers = min(4, os.cpu_count() or 1)
    if len(jobs) < _POOL_FROM or workers < 2:
        return [func(job) for job in jobs]
    context = multiprocessing.get_context("spawn")  # no fork of a threaded process
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(func, jobs, chunksize=4))


def _script_file(path: Path, call: str, *args: object) -> int:
    """Write ``sdmxTools.<call>(args…);`` (JSON arguments); returns the bytes written."""
    body = ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in args)
    text = f"sdmxTools.{call}({body.replace('</', '<' + chr(92) + '/')});\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as fh:
        fh.write(text)
    return len(text.encode("utf-8"))


class _Site:
    """One build of the site into ``site`` (a temporary folder)."""

    def __init__(self, release: Release, env: jinja2.Environment, dirs: Sequence[Path],
                 site: Path, texts: dict[str, Texts]) -> None:
        self.release, self.env, self.dirs, self.site, self.texts = release, env, dirs, site, texts
        self.written: list[Path] = []
        self.sources = {s.id: s for s in release.sources}

    def build(self) -> list[Path]:
        release, site = self.release, self.site
        _copy_static(self.dirs, site / "static")
        shared = _copy_downloads(release.downloads, site / "downloads")
        shapes = self._write_shapes()
        slices = series_slices(release.sdmx_csv) if release.sdmx_csv is not None else {}
        jobs = [_Files(ind, site, release.sdmx_target, release.synthetic, self.texts,
                       tuple(release.languages), release.status_names, slices.get(ind.series))
                for ind in sorted(release.indicators, key=lambda i: id_order(i.id))]
        # The zip holds only the release's own files: it is written while the indicators'
        # files are (zlib compresses outside the GIL).
        with ThreadPoolExecutor(max_workers=1) as zipper:
            zipped = zipper.submit(write_zip, site, release.generated_at)
            done = _map(_write_files, jobs)
            zipped.result()
        prepared = [prep for prep, _ in done]
        files = {prep.page.id: written for prep, written in done}
        _script_file(site / "data" / "municipalities.js", "names", municipal_names(prepared))
        entries = {prep.page.id: self._entry(prep, files[prep.page.id]) for prep in prepared}
        for lang in release.languages:
            views = [self._indicator(prep, lang, files[prep.page.id], shapes,
                                     entries[prep.page.id]) for prep in prepared]
            goals = goal_views(views, self.texts[lang])
            self._search(lang, views)
            for root_page in ([True, False] if lang == release.languages[0] else [False]):
                self._page("index.html", "index.html" if root_page else f"{lang}/index.html",
                           lang, goals=goals, shared=shared,
                           prefix=f"{lang}/" if root_page else "")
            for goal in goals:
                self._page("goal.html", f"{lang}/goal-{goal['number']}.html", lang, goal=goal)
            for view in views:
                self._page("indicator.html", f"{lang}/{view['id']}.html", lang, ind=view)
            self._page("notes.html", f"{lang}/notes.html", lang, notes=self._notes(lang))
        self._catalog(list(entries.values()))
        return sorted(self.written)

    # ---- pieces ----

    def _write_shapes(self) -> dict[str, Any]:
        """The map outlines as script files; returns the state outlines for static maps."""
        shapes = self.release.boundaries
        if shapes is None:
            width, height, states = tile_shapes()
            municipal: dict[str, str] = {}
        else:
            width, height, states, municipal = (shapes.width, shapes.height, shapes.states,
                                                shapes.municipalities)
        _script_file(self.site / "static" / "geo" / "states.js", "shapes", "states",
                     {"width": width, "height": height, "paths": states,
                      "tiles": shapes is None})
        if municipal:
            _script_file(self.site / "static" / "geo" / "municipalities.js", "shapes",
                         "municipalities", {"width": width, "height": height,
                                            "paths": municipal})
        return {"width": width, "height": height, "states": states,
                "municipal": bool(municipal), "tiles": shapes is None}

    def _indicator(self, prep: Prepared, lang: str, files: list[Download],
                   shapes: dict[str, Any], entry: catalog.CatalogEntry) -> dict[str, Any]:
        texts = self.texts[lang]
        t = translator(texts)
        values = {r.code: r.value for r in prep.latest_states}
        names = {r.code: r.name for r in prep.latest_states}
        period = prep.state_period or DASH
        state_map = (charts.tile_map(values, title=t("map_tiles", period=period),
                                     decimals=prep.page.decimals,
                                     missing_label=t("map_missing"),
                                     legend_label=t("map_legend"))
                     if shapes["tiles"] else
                     choropleth(shapes["states"], names, values, width=shapes["width"],
                                height=shapes["height"], title=t("map_title", period=period),
                                decimals=prep.page.decimals, missing_label=t("map_missing"),
                                legend_label=t("map_legend")))
        downloads = [{"href": f"../{d.path}", "kind": d.kind, "lang": d.lang,
                      "name": Path(d.path).name, "size": format_size(d.size)}
                     for d in files if d.lang in (None, lang)]
        view = indicator_view(prep, self.release, texts, self.sources, downloads, state_map,
                              safe_url)
        status_names = pick(self.release.status_names, lang, self.release.languages, {})
        view["config"] = explorer_config(view, texts, status_names)
        view["config"]["municipal_map"] = shapes["municipal"]
        view["config"]["tiles"] = shapes["tiles"]
        view["jsonld"] = catalog.jsonld_script(catalog.dataset_jsonld(
            entry, lang, page=f"{lang}/{prep.page.id}.html", base_url=self.release.base_url))
        return view

    def _entry(self, prep: Prepared, files: list[Download]) -> catalog.CatalogEntry:
        ind, release = prep.page, self.release
        periods = prep.periods
        licences = sorted({self.sources[s].licence for s in ind.sources if s in self.sources})
        formats = {"sdmx_ml": "SDMX-ML", "sdmx_csv": "SDMX-CSV", "labels_csv": "CSV"}
        return catalog.CatalogEntry(
            id=ind.id, series=ind.series, goal=ind.goal, target=ind.target,
            names=dict(ind.names),
            descriptions={lang: next(iter(m.values()), "") for lang, m in ind.metadata.items()},
            units=dict(ind.unit_labels),
            periods=(periods[0], periods[-1]) if periods else None,
            levels=tuple(prep.levels),
            keywords={lang: [translator(self.texts[lang])("keyword_goal", goal=ind.goal),
                             ind.target, ind.series] for lang in release.languages},
            licence="; ".join(licences), publisher=release.agency,
            modified=release.generated_at,
            downloads=tuple((d.path, d.media_type, formats[d.kind]) for d in files))

    def _search(self, lang: str, views: Iterable[dict[str, Any]]) -> None:
        index = [[v["id"], v["name"], v["goal"], v["goal_name"]] for v in views]
        _script_file(self.site / "static" / f"search.{lang}.js", "search", index)

    def _notes(self, lang: str) -> dict[str, Any] | None:
        notes = self.release.notes
        if notes is None:
            return None
        names = {ind.id: pick(ind.names, lang, self.release.languages, "")
                 for ind in self.release.indicators}
        decimals = {ind.id: ind.decimals for ind in self.release.indicators}
        return {
            "previous": (format_date(notes.previous_generated_at, self.texts[lang])
                         if notes.previous_generated_at else ""),
            "indicators": [{"id": c.indicator, "name": names.get(c.indicator, ""),
                            "decimals": decimals.get(c.indicator, 3), "new": c.new,
                            "revised": c.revised, "removed": c.removed,
                            "examples": c.examples} for c in notes.indicators],
            "total": notes.total, "added": notes.added_indicators,
            "removed": notes.removed_indicators,
        }

    def _catalog(self, entries: list[catalog.CatalogEntry]) -> None:
        release, site = self.release, self.site
        doc = catalog.dcat_catalog(entries, title=release.title, publisher=release.agency,
                                   languages=release.languages, base_url=release.base_url,
                                   modified=release.generated_at)
        with atomic_write(site / "catalog.jsonld") as fh:
            json.dump(doc, fh, ensure_ascii=False, indent=1, sort_keys=True)
        pages = sorted(p.relative_to(site).as_posix() for p in self.written)
        alternates = catalog.language_alternates(pages, release.languages)
        with atomic_write(site / "sitemap.xml") as fh:
            fh.write(catalog.sitemap_xml(pages, base_url=release.base_url,
                                         lastmod=release.generated_at, alternates=alternates))

    def _page(self, template: str, rel: str, lang: str, **context: Any) -> None:
        release, texts = self.release, self.texts[lang]
        root = "../" * rel.count("/")
        here = rel.split("/", 1)[-1] if "/" in rel else "index.html"
        alternates = [{"lang": other, "name": self.texts[other].ui["language_name"],
                       "href": f"{root}{other}/{here}"}
                      for other in release.languages if other != lang]
        t = translator(texts)
        base = {
            "lang": lang, "t": t, "texts": texts, "root": root, "here": here,
            "home": f"{root}{lang}/index.html",
            "site_title": pick(release.title, lang, release.languages, ""),
            "synthetic": release.synthetic,
            # The synthetic warning is given in both languages, the page's first.
            "banner": [{"lang": b, "title": self.texts[b].ui["synthetic_title"],
                        "body": self.texts[b].ui["synthetic_body"]}
                       for b in sorted(LANGUAGES, key=lambda code: code != lang)],
            "generated_at": release.generated_at,
            "generated_on": format_date(release.generated_at, texts),
            "agency": release.agency, "alternates": alternates,
            "status_names": pick(release.status_names, lang, release.languages, {}),
            "level_names": {lv: t(f"level_{lv}") for lv in ("nation", "state", "municipality")},
            "note_text": lambda row: note_text(row, texts),
            "ink_on": ink_on,
        }
        target = self.site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            html = self.env.get_template(template).render(**base, **context)
        except (jinja2.TemplateError, KeyError) as exc:  # KeyError: unknown t("...") string
            raise ReleaseError(
                f"Template failed: {exc}",
                file=getattr(exc, "filename", None) or template,
                row=getattr(exc, "lineno", None),
                key=rel,
            ) from exc
        target.write_text(html, encoding="utf-8", newline="\n")
        self.written.append(target)


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
        listed.append({"name": path.name, "size": format_size(path.stat().st_size),
                       "path": f"downloads/{path.name}"})
    return listed
