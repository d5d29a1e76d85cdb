"""Release: the static, bilingual SDG indicator site, rendered with Jinja2.

Takes the indicator tables, metadata and sources of a convert (a :class:`Release` of
:class:`IndicatorPage`) and hands on a folder of pages, charts and downloads that works
offline and from any sub-path.
"""

from __future__ import annotations

from sdmx_tools.release.model import IndicatorPage, Release, SourceNote
from sdmx_tools.release.render import render_site

__all__ = ["IndicatorPage", "Release", "SourceNote", "render_site"]
