"""The release site: static, bilingual SDG indicator pages rendered with Jinja2."""

from __future__ import annotations

from sdmx_tools.release.model import IndicatorPage, Release, SourceNote
from sdmx_tools.release.render import render_site

__all__ = ["IndicatorPage", "Release", "SourceNote", "render_site"]
