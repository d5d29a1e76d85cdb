"""The static choropleth of the states (the no-JavaScript map) and the tile-grid outlines.

The page's script draws the interactive maps from the same outlines (a
:class:`~sdmx_tools.release.geo.MapShapes`, or the tile grid when the workspace has no
boundaries), so both maps agree.
"""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup, escape

from sdmx_tools.release.charts import (
    INK,
    MISSING_FILL,
    MX_STATE_TILES,
    class_colours,
    class_of,
    quantile_breaks,
    range_label,
)
from sdmx_tools.release.i18n import format_number

__all__ = ["choropleth", "tile_shapes"]

_TILE, _GAP, _PAD = 58, 4, 4


def tile_shapes() -> tuple[int, int, dict[str, str]]:
    """The 32 states as squares of the tile grid: ``(width, height, code -> path)``."""
    paths = {}
    for code, (_, col, row, _) in sorted(MX_STATE_TILES.items()):
        x, y = _PAD + (col - 1) * (_TILE + _GAP), _PAD + (row - 1) * (_TILE + _GAP)
        paths[code] = f"M{x} {y}h{_TILE}v{_TILE}h-{_TILE}z"
    return 9 * (_TILE + _GAP) + _PAD, 8 * (_TILE + _GAP) + _PAD, paths


def choropleth(paths: Mapping[str, str], names: Mapping[str, str],
               values: Mapping[str, float | None], *, width: int, height: int, title: str,
               decimals: int, missing_label: str, legend_label: str) -> Markup:
    """States coloured by value quantile, with a legend beneath.

    Parameters
    ----------
    paths
        State code to SVG path data, in a ``width`` × ``height`` view box.
    names
        State code to the name said in each shape's tooltip.
    values
        State code to value; absent or None: no value (grey).
    title, missing_label, legend_label
        Texts in the page's language.
    decimals
        Digits of the values shown.

    Returns
    -------
    Markup
        An ``<svg role="img">``; its description lists every state's value.
    """
    present = {c: v for c, v in values.items() if v is not None and c in paths}
    breaks = quantile_breaks(list(present.values()))
    colours = class_colours(len(breaks))
    legend_h = 24 * (len(breaks) + 1) + 24
    desc = "; ".join(f"{names.get(c, c)}: {format_number(present.get(c), decimals)}"
                     for c in sorted(paths))
    out = [f'<svg class="state-map" role="img" viewBox="0 0 {width} {height + legend_h}" '
           f'aria-labelledby="state-map-title state-map-desc" '
           f'xmlns="http://www.w3.org/2000/svg"><title id="state-map-title">{escape(title)}'
           f'</title><desc id="state-map-desc">{escape(desc)}</desc>']
    for code in sorted(paths):
        value = present.get(code)
        fill = MISSING_FILL if value is None else colours[class_of(value, breaks)]
        label = f"{names.get(code, code)}: {format_number(value, decimals)}"
        out.append(f'<path d="{escape(paths[code])}" fill="{fill}" stroke="#ffffff" '
                   f'stroke-width="0.8" data-code="{escape(code)}"><title>{escape(label)}'
                   f'</title></path>')
    y = height + 16
    out.append(f'<text x="8" y="{y}" font-size="14" font-weight="700" fill="{INK}">'
               f'{escape(legend_label)}</text>')
    lower = min(present.values()) if present else None
    for i, upper in enumerate(breaks):
        top = y + 10 + i * 24
        out.append(f'<rect x="8" y="{top}" width="18" height="18" fill="{colours[i]}" '
                   f'stroke="#9a9a9a" stroke-width="0.5"/><text x="34" y="{top + 14}" '
                   f'font-size="13" fill="{INK}">{escape(range_label(lower, upper, decimals))}'
                   f'</text>')
        lower = upper
    top = y + 10 + len(breaks) * 24
    out.append(f'<rect x="8" y="{top}" width="18" height="18" fill="{MISSING_FILL}" '
               f'stroke="#9a9a9a" stroke-dasharray="3 2"/><text x="34" y="{top + 14}" '
               f'font-size="13" fill="{INK}">{escape(missing_label)}</text></svg>')
    return Markup("".join(out))
