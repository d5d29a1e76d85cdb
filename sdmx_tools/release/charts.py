"""Charts and the tile-grid map as inline SVG, built in Python.

No JavaScript and no external file: the pages work offline, print well, and the same
input gives the same bytes. Every text that comes from data is escaped here, because the
returned :class:`~markupsafe.Markup` is inserted into the page as is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from sdmx_tools.release.i18n import DASH, format_number

__all__ = ["MX_STATE_TILES", "PALETTE", "bar_chart", "class_colours", "line_chart",
           "quantile_breaks", "range_label", "tile_map"]

# INEGI state code -> (abbreviation, column, row, short name) of the tile grid. Names are
# the canonical short ones, not the data's (which are crowdsourced and may vary). The layout
# is geofacet's ``mx_state_grid2`` (MIT licence), a widely used tile grid of Mexico.
MX_STATE_TILES: dict[str, tuple[str, int, int, str]] = {
    "01": ("AGS", 5, 3, "Aguascalientes"),
    "02": ("BC", 1, 1, "Baja California"),
    "03": ("BCS", 1, 2, "Baja California Sur"),
    "04": ("CAMP", 8, 7, "Campeche"),
    "05": ("COAH", 4, 2, "Coahuila"),
    "06": ("COL", 4, 5, "Colima"),
    "07": ("CHIS", 7, 8, "Chiapas"),
    "08": ("CHIH", 3, 1, "Chihuahua"),
    "09": ("CDMX", 5, 6, "Ciudad de México"),
    "10": ("DGO", 3, 2, "Durango"),
    "11": ("GTO", 4, 4, "Guanajuato"),
    "12": ("GRO", 5, 7, "Guerrero"),
    "13": ("HGO", 6, 4, "Hidalgo"),
    "14": ("JAL", 3, 4, "Jalisco"),
    "15": ("MEX", 5, 5, "México"),
    "16": ("MICH", 4, 7, "Michoacán"),
    "17": ("MOR", 4, 6, "Morelos"),
    "18": ("NAY", 3, 3, "Nayarit"),
    "19": ("NL", 5, 2, "Nuevo León"),
    "20": ("OAX", 6, 7, "Oaxaca"),
    "21": ("PUE", 6, 6, "Puebla"),
    "22": ("QRO", 5, 4, "Querétaro"),
    "23": ("QROO", 9, 7, "Quintana Roo"),
    "24": ("SLP", 6, 3, "San Luis Potosí"),
    "25": ("SIN", 2, 2, "Sinaloa"),
    "26": ("SON", 2, 1, "Sonora"),
    "27": ("TAB", 7, 7, "Tabasco"),
    "28": ("TAMS", 6, 2, "Tamaulipas"),
    "29": ("TLAX", 6, 5, "Tlaxcala"),
    "30": ("VER", 7, 4, "Veracruz"),
    "31": ("YUC", 9, 6, "Yucatán"),
    "32": ("ZAC", 4, 3, "Zacatecas"),
}

# ColorBrewer "Blues" (5 classes): sequential, print- and colour-blind-safe.
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
# Text on the two darkest classes must be white to keep the contrast above 4.5:1.
DARK_FROM = 3
MISSING_FILL = "#f2f2f2"
BAR_FILL = "#2f6f9f"
INK = "#1a1a1a"
GRID = "#d0d0d0"
MAX_LABEL = 26  # characters of an area name that fit the bar chart's label column


def _f(x: float) -> str:
    """Coordinates with one decimal: short and byte-stable."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _clean(value: float | None) -> float | None:
    """The value as a float, or ``None`` when missing, NaN or infinite."""
    return float(value) if value is not None and math.isfinite(value) else None


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``[low, high]`` (steps of 1, 2 or 5 times a power of 10)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step)
    last = math.ceil(high / step - 1e-9)
    return [round(k * step, 10) for k in range(first, last + 1)]


def _svg_open(width: float, height: float, title: str, desc: str, css_class: str) -> str:
    return (
        f'<svg class="{css_class}" role="img" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'aria-labelledby="{css_class}-title {css_class}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{css_class}-title">{escape(title)}</title>'
        f'<desc id="{css_class}-desc">{escape(desc)}</desc>'
    )


def bar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    unit: str,
    decimals: int,
    missing_label: str,
) -> Markup:
    """Horizontal bar chart, one bar per labelled value, largest first.

    Parameters
    ----------
    items
        ``(label, value)`` pairs; missing values are listed last with ``"—"`` and no bar.
    title, unit
        The chart's accessible title and the value axis label.
    decimals
        Digits shown in value labels.
    missing_label
        Said in the description for the areas without value.

    Returns
    -------
    Markup
        An ``<svg role="img">`` element.
    """
    cleaned = [(label, _clean(v)) for label, v in items]
    present = sorted(
        ((label, v) for label, v in cleaned if v is not None), key=lambda it: (-it[1], it[0])
    )
    absent: list[tuple[str, float | None]] = sorted((lb, v) for lb, v in cleaned if v is None)
    rows: list[tuple[str, float | None]] = [*present, *absent]
    values = [v for _, v in present]
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]) or 1.0)
    lo, hi = ticks[0], ticks[-1]
    tick_dec = _tick_decimals(ticks)
    label_w, plot_w, value_w, bar_h, top = 200.0, 340.0, 70.0, 21.0, 8.0
    width = label_w + plot_w + value_w
    height = top + bar_h * len(rows) + 44

    def x(v: float) -> float:
        return label_w + (v - lo) / (hi - lo) * plot_w

    desc = "; ".join(f"{label}: {format_number(v, decimals)}" for label, v in rows)
    if absent:
        desc += f" ({missing_label}: {len(absent)})"
    out = [_svg_open(width, height, title, desc, "bar-chart")]
    axis_y = top + bar_h * len(rows)
    for tick in ticks:
        out.append(
            f'<line x1="{_f(x(tick))}" y1="{_f(top)}" x2="{_f(x(tick))}" y2="{_f(axis_y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{_f(x(tick))}" y="{_f(axis_y + 14)}" text-anchor="middle" '
            f'font-size="12" fill="{INK}">{escape(format_number(tick, tick_dec))}</text>'
        )
    for i, (label, value) in enumerate(rows):
        y = top + i * bar_h
        mid = y + bar_h / 2 + 4.5
        # Long (or hostile) names are cut to fit the label column; <title> keeps the whole.
        shown = label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
        out.append(
            f"<g><title>{escape(label)}</title>"
            f'<text x="{_f(label_w - 6)}" y="{_f(mid)}" text-anchor="end" font-size="13" '
            f'fill="{INK}">{escape(shown)}</text></g>'
        )
        if value is not None:
            v = value
            x0, x1 = sorted((x(0.0), x(v)))
            out.append(
                f'<rect x="{_f(x0)}" y="{_f(y + 3)}" width="{_f(max(x1 - x0, 0.5))}" '
                f'height="{_f(bar_h - 6)}" fill="{BAR_FILL}"/>'
            )
            end = x(max(v, 0.0))
        else:
            end = x(0.0)
        out.append(
            f'<text x="{_f(end + 4)}" y="{_f(mid)}" font-size="12" fill="{INK}">'
            f"{escape(format_number(value, decimals))}</text>"
        )
    out.append(
        f'<line x1="{_f(x(0.0))}" y1="{_f(top)}" x2="{_f(x(0.0))}" y2="{_f(axis_y)}" '
        f'stroke="{INK}" stroke-width="1"/>'
        f'<text x="{_f(label_w + plot_w / 2)}" y="{_f(axis_y + 34)}" text-anchor="middle" '
        f'font-size="13" fill="{INK}">{escape(unit)}</text></svg>'
    )
    return Markup("".join(out))


def _tick_decimals(ticks: Sequence[float]) -> int:
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    return max(0, -math.floor(math.log10(step))) if step < 1 else 0


def line_chart(
    points: Sequence[tuple[str, float | None]],
    *,
    title: str,
    unit: str,
    decimals: int,
) -> Markup:
    """Line chart of one series over periods (categorical x axis, gaps where missing).

    Parameters
    ----------
    points
        ``(period, value)`` in time order.
    title, unit
        Accessible title and y axis label.
    decimals
        Digits in the point labels.

    Returns
    -------
    Markup
        An ``<svg role="img">`` element.
    """
    points = [(period, _clean(v)) for period, v in points]
    values = [v for _, v in points if v is not None]
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]) or 1.0, count=4)
    lo, hi = ticks[0], ticks[-1]
    tick_dec = _tick_decimals(ticks)
    left, right, top, plot_h, width = 56.0, 28.0, 22.0, 200.0, 560.0
    plot_w = width - left - right
    height = top + plot_h + 56
    inset = 24.0  # keeps the end points' labels clear of the y axis and the edge
    step = (plot_w - 2 * inset) / max(len(points) - 1, 1)

    def px(i: int) -> float:
        return left + (inset + i * step if len(points) > 1 else plot_w / 2)

    def py(v: float) -> float:
        return top + plot_h - (v - lo) / (hi - lo) * plot_h

    desc = "; ".join(f"{period}: {format_number(v, decimals)}" for period, v in points)
    out = [_svg_open(width, height, title, desc, "line-chart")]
    for tick in ticks:
        out.append(
            f'<line x1="{_f(left)}" y1="{_f(py(tick))}" x2="{_f(left + plot_w)}" '
            f'y2="{_f(py(tick))}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{_f(left - 6)}" y="{_f(py(tick) + 4)}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(format_number(tick, tick_dec))}</text>'
        )
    # Consecutive present points form segments; a missing period breaks the line.
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, (_, v) in enumerate(points):
        if v is not None:
            segment.append(f"{_f(px(i))},{_f(py(v))}")
        elif segment:
            segments.append(segment)
            segment = []
    if segment:
        segments.append(segment)
    for seg in (seg for seg in segments if len(seg) > 1):  # a lone point is its circle
        out.append(
            f'<polyline points="{" ".join(seg)}" fill="none" stroke="{BAR_FILL}" '
            f'stroke-width="2.5"/>'
        )
    for i, (period, v) in enumerate(points):
        base = top + plot_h
        out.append(
            f'<text x="{_f(px(i))}" y="{_f(base + 19)}" text-anchor="middle" font-size="12" '
            f'fill="{INK}">{escape(period)}</text>'
        )
        if v is not None:
            out.append(
                f'<circle cx="{_f(px(i))}" cy="{_f(py(v))}" r="4" fill="{BAR_FILL}"/>'
                f'<text x="{_f(px(i))}" y="{_f(py(v) - 9)}" text-anchor="middle" '
                f'font-size="12" fill="{INK}">{escape(format_number(v, decimals))}</text>'
            )
        else:
            out.append(
                f'<text x="{_f(px(i))}" y="{_f(base - 6)}" text-anchor="middle" font-size="12" '
                f'fill="{INK}">{DASH}</text>'
            )
    out.append(
        f'<text x="{_f(left + plot_w / 2)}" y="{_f(height - 8)}" text-anchor="middle" '
        f'font-size="13" fill="{INK}">{escape(unit)}</text></svg>'
    )
    return Markup("".join(out))


def quantile_breaks(values: Sequence[float], classes: int = 5) -> list[float]:
    """Upper bounds of up to ``classes`` quantile classes (duplicates dropped).

    Uses linear interpolation between order statistics, like ``numpy.quantile``'s default.
    """
    ordered = sorted(values)
    if not ordered:
        return []
    breaks: list[float] = []
    for k in range(1, classes + 1):
        pos = (len(ordered) - 1) * k / classes
        below = math.floor(pos)
        above = min(below + 1, len(ordered) - 1)
        value = ordered[below] + (ordered[above] - ordered[below]) * (pos - below)
        if not breaks or value > breaks[-1]:
            breaks.append(value)
    return breaks


def range_label(lower: float | None, upper: float | None, decimals: int) -> str:
    """A legend class as ``low – high``, or one number when both ends show the same."""
    low, high = format_number(lower, decimals), format_number(upper, decimals)
    return low if low == high else f"{low} – {high}"


def class_colours(count: int) -> list[str]:
    """The palette spread over ``count`` classes (class i covers (breaks[i-1], breaks[i]])."""
    return [PALETTE[round(i * (len(PALETTE) - 1) / max(count - 1, 1))] for i in range(count)]


def class_of(value: float, breaks: Sequence[float]) -> int:
    return next((i for i, b in enumerate(breaks) if value <= b), len(breaks) - 1)


def tile_map(
    values: Mapping[str, float | None],
    *,
    title: str,
    decimals: int,
    missing_label: str,
    legend_label: str,
) -> Markup:
    """Tile-grid map of the 32 states, one square each, coloured by value quantile.

    Parameters
    ----------
    values
        Two-digit INEGI state code (``"02"``) to value; absent or NaN means no value.
    title, missing_label, legend_label
        Texts of the map, in the page's language.
    decimals
        Digits of the values in tiles and legend.

    Returns
    -------
    Markup
        An ``<svg role="img">`` with the tiles and a legend.
    """
    present = {
        c: v for c, raw in values.items() if c in MX_STATE_TILES and (v := _clean(raw)) is not None
    }
    breaks = quantile_breaks(list(present.values()))
    colours = class_colours(len(breaks))
    tile, gap, pad = 58.0, 4.0, 4.0
    grid_w = 9 * (tile + gap) + pad
    # The legend sits in the empty south-west of the grid (under BCS, west of Colima).
    width, height = grid_w, 8 * (tile + gap) + pad
    desc = "; ".join(
        f"{name} ({abbr}): {format_number(present.get(code), decimals)}"
        for code, (abbr, _, _, name) in sorted(MX_STATE_TILES.items())
    )
    out = [_svg_open(width, height, title, desc, "tile-map")]
    for code, (abbr, col, row, name) in sorted(MX_STATE_TILES.items()):
        x, y = pad + (col - 1) * (tile + gap), pad + (row - 1) * (tile + gap)
        value = present.get(code)
        cls = None if value is None else class_of(value, breaks)
        fill = MISSING_FILL if cls is None else colours[cls]
        ink = "#ffffff" if cls is not None and PALETTE.index(fill) >= DARK_FROM else INK
        label = f"{name}: {format_number(value, decimals)}"
        out.append(
            f'<g class="tile" data-code="{code}"><title>{escape(label)}</title>'
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(tile)}" height="{_f(tile)}" rx="4" '
            f'fill="{fill}" stroke="{"#9a9a9a" if cls is None else fill}" '
            f'stroke-dasharray="{"3 2" if cls is None else "none"}"/>'
            f'<text x="{_f(x + tile / 2)}" y="{_f(y + 26)}" text-anchor="middle" font-size="14" '
            f'font-weight="700" fill="{ink}">{abbr}</text>'
            f'<text x="{_f(x + tile / 2)}" y="{_f(y + 44)}" text-anchor="middle" font-size="11.5" '
            f'fill="{ink}">{escape(format_number(value, decimals))}</text></g>'
        )
    lx, ly = pad + 4, pad + 4 * (tile + gap) + 4
    out.append(
        f'<text x="{_f(lx)}" y="{_f(ly + 10)}" font-size="12" font-weight="700" '
        f'fill="{INK}">{escape(legend_label)}</text>'
    )
    lower = min(present.values()) if present else None
    for i, upper in enumerate(breaks):
        y = ly + 22 + i * 24
        text = range_label(lower, upper, decimals)
        out.append(
            f'<rect x="{_f(lx)}" y="{_f(y)}" width="18" height="18" fill="{colours[i]}" '
            f'stroke="#9a9a9a" stroke-width="0.5"/>'
            f'<text x="{_f(lx + 26)}" y="{_f(y + 13)}" font-size="11.5" fill="{INK}">'
            f"{escape(text)}</text>"
        )
        lower = upper
    y = ly + 22 + len(breaks) * 24
    out.append(
        f'<rect x="{_f(lx)}" y="{_f(y)}" width="18" height="18" fill="{MISSING_FILL}" '
        f'stroke="#9a9a9a" stroke-dasharray="3 2"/>'
        f'<text x="{_f(lx + 26)}" y="{_f(y + 13)}" font-size="11.5" fill="{INK}">'
        f"{escape(missing_label)}</text></svg>"
    )
    return Markup("".join(out))
