"""What each page shows, in one language: the template contexts of the release site.

Everything here is language work on top of :mod:`~sdmx_tools.release.views`: names,
units, notes and findings said in the page's language, never a raw code or English note.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sdmx_tools.release import charts
from sdmx_tools.release.i18n import DASH, Texts, format_date, translator
from sdmx_tools.release.model import Release, SourceNote
from sdmx_tools.release.views import LEVEL_ORDER, Prepared, Row

__all__ = ["GOAL_COLOURS", "explorer_config", "goal_views", "indicator_view", "ink_on",
           "note_text", "pick", "source_view"]

# The official SDG colours (United Nations SDG communications guidelines), goals 1 to 17.
GOAL_COLOURS = {
    1: "#E5243B", 2: "#DDA63A", 3: "#4C9F38", 4: "#C5192D", 5: "#FF3A21", 6: "#26BDE2",
    7: "#FCC30B", 8: "#A21942", 9: "#FD6925", 10: "#DD1367", 11: "#FD9D24", 12: "#BF8B2E",
    13: "#3F7E44", 14: "#0A97D9", 15: "#56C02B", 16: "#00689D", 17: "#19486A",
}
_QUALITY_EXAMPLES = 3

T = TypeVar("T")


def pick(texts: Mapping[str, T], lang: str, languages: Sequence[str], empty: T) -> T:
    """The entry for ``lang``, else the first non-empty one of the release's languages, else
    of any: a missing translation should not stop a release."""
    for candidate in (lang, *languages, *sorted(texts)):
        if texts.get(candidate):
            return texts[candidate]
    return empty


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ink_on(hex_colour: str) -> str:
    """White or near-black text, whichever has the higher contrast on ``hex_colour``."""
    lum = _luminance(hex_colour)
    on_white = 1.05 / (lum + 0.05)
    on_black = (lum + 0.05) / (_luminance("#1a1a1a") + 0.05)
    return "#ffffff" if on_white >= on_black else "#1a1a1a"


def note_text(row: Row, texts: Texts) -> str:
    """A row's note in the page's language (convert's notes translated, others as given)."""
    if row.note_key:
        return translator(texts, "notes")(row.note_key, reported=row.reported,
                                          expected=row.expected)
    if row.note:
        return row.note
    return translator(texts)(row.why_missing) if row.why_missing else ""


def source_view(src: SourceNote, texts: Texts, safe_url: Any) -> dict[str, Any]:
    """A source's provenance as its card shows it."""
    return {
        "id": src.id, "title": src.title, "publisher": src.publisher, "licence": src.licence,
        "url": src.url or "", "href": safe_url(src.url), "sha256": src.sha256,
        "retrieved": format_date(src.retrieved, texts) if src.retrieved else "",
        "rows": [("rows_read", src.rows_read), ("rows_used", src.rows_used),
                 ("rows_quarantined", src.rows_quarantined),
                 ("rows_excluded", src.rows_excluded)],
    }


def _quality(prep: Prepared, texts: Texts, names: Mapping[str, str],
             release: Release) -> list[str]:
    """The findings summarised by kind, with a few located examples, then the
    workspace's own remarks."""
    t = translator(texts)
    quality = translator(texts, "quality")
    by_code: dict[str, list[str]] = {}
    for f in prep.page.findings:
        by_code.setdefault(f.code, []).append(f.key or "")
    out = []
    for code in sorted(by_code):
        keys = by_code[code]
        text = (quality(code, count=len(keys)) if code in texts.quality
                else quality("other", count=len(keys), code=code))
        examples = []
        for key in dict.fromkeys(k for k in keys if k):
            parts = key.split(".")
            if len(parts) >= 3 and parts[1] in names:
                examples.append(f"{names[parts[1]]} {parts[2]}")
            if len(examples) == _QUALITY_EXAMPLES:
                break
        if examples:
            text += " " + t("quality_examples", examples=", ".join(examples))
        out.append(text)
    return out + list(pick(prep.page.quality_notes, texts.lang, release.languages, []))


def indicator_view(prep: Prepared, release: Release, texts: Texts,
                   sources: Mapping[str, SourceNote], downloads: Sequence[Any],
                   state_map: Any, safe_url: Any) -> dict[str, Any]:
    """The context of one indicator page in one language."""
    ind = prep.page
    lang = texts.lang
    t = translator(texts)
    unit = pick(ind.unit_labels, lang, release.languages, "")
    name = pick(ind.names, lang, release.languages, "")
    names = prep.names
    bars = (charts.bar_chart([(r.name, r.value) for r in prep.latest_states],
                             title=f"{name} — {t('chart_states', period=prep.state_period)}",
                             unit=unit, decimals=ind.decimals, missing_label=t("map_missing"))
            if prep.latest_states else None)
    present = [r for r in prep.nation if r.value is not None]
    line = (charts.line_chart([(r.period, r.value) for r in prep.nation],
                              title=f"{name} — {t('chart_series')}", unit=unit,
                              decimals=ind.decimals)
            if len(present) > 1 else None)
    # One line per kind of note: coverage notes differ only by their counts.
    notes: Counter[str] = Counter()
    for (note, key, why), count in prep.notes.items():
        notes[texts.note_kinds[key] if key else note or t(why)] += count
    return {
        "id": ind.id, "series": ind.series, "goal": ind.goal, "target": ind.target,
        "national": ind.national,
        "goal_name": texts.goals.get(ind.goal, ""), "goal_colour": GOAL_COLOURS.get(ind.goal),
        "name": name, "unit": unit, "decimals": ind.decimals,
        "latest": prep.nation[-1] if prep.nation else None,
        "available": next((r for r in reversed(prep.nation) if r.value is not None), None),
        "nation_rows": prep.nation,
        "state_rows": prep.latest_states,
        "state_period": prep.state_period,
        "bar_chart": bars, "line_chart": line, "state_map": state_map,
        "levels": prep.levels,
        "has_municipalities": "municipality" in prep.levels,
        "dimensions": [{"id": d.id, "name": pick(d.names, lang, release.languages, d.id),
                        "codes": [(c, pick(n, lang, release.languages, c))
                                  for c, n in d.codes.items()]}
                       for d in ind.dimensions],
        "metadata": list(pick(ind.metadata, lang, release.languages, {}).items()),
        "sources": [source_view(sources[s], texts, safe_url) for s in ind.sources],
        "quality": _quality(prep, texts, names, release),
        "statuses": prep.statuses,
        "notes": sorted(notes.items()),
        "downloads": downloads,
    }


def explorer_config(view: dict[str, Any], texts: Texts, status_names: Mapping[str, str]
                    ) -> dict[str, Any]:
    """What the page's script needs to say things in the page's language."""
    keys = ("area", "chart_over_time", "chart_areas", "chart_municipalities",
            "chart_reference", "chart_single", "chart_empty", "table_over_time",
            "table_areas", "table_municipalities", "map_title", "map_title_municipalities",
            "map_missing", "map_legend", "period", "value", "status", "note", "area_name",
            "area_code", "loading", "municipality_none", "level_nation", "level_state",
            "level_municipality", "no_denominator", "value_missing", "chart_point")
    return {
        "id": view["id"], "decimals": view["decimals"], "unit": view["unit"],
        "lang": texts.lang, "dash": DASH,
        "ui": {k: texts.ui[k] for k in keys}, "notes": dict(texts.notes),
        "statuses": dict(status_names),
        "dims": {d["id"]: {"name": d["name"], "codes": dict(d["codes"])}
                 for d in view["dimensions"]},
        "municipal": view["has_municipalities"],
    }


def goal_views(pages: Sequence[dict[str, Any]], texts: Texts) -> list[dict[str, Any]]:
    """All 17 goals, each with its indicators and reporting status."""
    t = translator(texts)
    by_goal: dict[int, list[dict[str, Any]]] = {}
    for view in pages:
        by_goal.setdefault(view["goal"], []).append(view)
    goals = []
    for number in sorted({*range(1, 18), *by_goal}):
        inds = by_goal.get(number, [])
        with_data = [v for v in inds if v["available"] is not None or v["state_rows"]]
        levels = {lv for v in inds for lv in v["levels"]}
        finest = max(levels, key=LEVEL_ORDER.__getitem__) if levels else None
        dims = sorted({d["name"] for v in inds for d in v["dimensions"]})
        colour = GOAL_COLOURS.get(number, "#19486A")
        goals.append({
            "number": number, "name": texts.goals.get(number, ""), "colour": colour,
            "ink": ink_on(colour), "indicators": inds, "with_data": len(with_data),
            "finest": t(f"level_{finest}") if finest else DASH,
            "disaggregations": ", ".join(dims) or t("none"),
        })
    return goals

