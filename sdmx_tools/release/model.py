"""What the release site is rendered from: plain data, filled by the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from sdmx_tools.release.geo import MapShapes
    from sdmx_tools.release.notes import ReleaseNotes

__all__ = ["OBSERVATION_COLUMNS", "REQUIRED_COLUMNS", "Dimension", "Finding", "IndicatorPage",
           "Release", "SdmxTarget", "SourceNote"]

# The columns of IndicatorPage.observations; numerator and denominator are optional (they
# explain an empty cell: no denominator is the post-2020 municipality case), and so are
# SOURCE_DETAIL (the file and input rows behind the value) and reported/expected (the
# municipalities behind an aggregate, for its coverage note). An indicator's
# disaggregation dimensions (its ``dimensions``) are columns too.
REQUIRED_COLUMNS = ("REF_AREA", "area_name", "level", "TIME_PERIOD", "OBS_VALUE",
                    "OBS_STATUS", "COMMENT_OBS")
OBSERVATION_COLUMNS = (*REQUIRED_COLUMNS, "numerator", "denominator", "SOURCE_DETAIL",
                       "reported", "expected")


@dataclass(slots=True)
class SourceNote:
    """Provenance of one input source, as shown on the pages.

    ``rows_*`` is the row accounting: read = used + quarantined + excluded. ``retrieved``
    is when the file was downloaded (ISO 8601), for sources fetched from a portal.
    """

    id: str
    title: str
    publisher: str
    licence: str
    url: str | None
    sha256: str
    rows_read: int
    rows_used: int
    rows_quarantined: int
    rows_excluded: int
    retrieved: str | None = None


@dataclass(frozen=True, slots=True)
class Dimension:
    """A disaggregation dimension of an indicator: its name and its codes' names.

    ``names`` and each entry of ``codes`` are per language; the codes are listed in the
    order the selectors show them (the total ``_T`` first).
    """

    id: str
    names: dict[str, str]
    codes: dict[str, dict[str, str]]


@dataclass(frozen=True, slots=True)
class Finding:
    """A cube check's finding, summarised on the page by its ``code``."""

    code: str
    severity: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class SdmxTarget:
    """The dataflow the per-indicator SDMX downloads belong to."""

    agency: str
    dataflow_id: str
    version: str

    @property
    def ref(self) -> str:
        """``AGENCY:ID(VERSION)``."""
        return f"{self.agency}:{self.dataflow_id}({self.version})"


@dataclass(slots=True)
class IndicatorPage:
    """One SDG indicator's page.

    Attributes
    ----------
    id
        SDG indicator number, e.g. ``"16.1.1"`` (also the page's file stem).
    series
        SDMX SERIES code, e.g. ``"VC_IHR_PSRC"``.
    goal, target
        ``16``, ``"16.1"``.
    names, unit_labels
        Per language: ``{"es": ..., "en": ...}``.
    metadata
        Per language, a mapping of section title to text (definition, method, source,
        caveats). Plain text, escaped when rendered.
    observations
        One row per observation with the columns of :data:`OBSERVATION_COLUMNS` (all but
        the required ones optional) and one per disaggregation dimension.
    decimals
        Digits after the decimal point of every value shown, as the indicator's definition
        states.
    sources
        Ids of the :class:`SourceNote` entries this indicator uses.
    quality_notes
        Per language, sentences shown as they are (a workspace's own remarks).
    findings
        The cube checks' findings, summarised by kind in the page's language.
    dimensions
        The disaggregation dimensions, each a column of ``observations``.
    sdmx
        The indicator's published SDMX observations (every DSD dimension and attribute
        column), written as per-indicator downloads; None: no SDMX downloads.
    national
        An office's own indicator (``16.1.1.a``), shown as national, not a global SDG one.
    """

    id: str
    series: str
    goal: int
    target: str
    names: dict[str, str]
    unit_labels: dict[str, str]
    metadata: dict[str, dict[str, str]]
    observations: pd.DataFrame
    decimals: int
    sources: list[str] = field(default_factory=list)
    quality_notes: dict[str, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    dimensions: list[Dimension] = field(default_factory=list)
    sdmx: pd.DataFrame | None = None
    national: bool = False


@dataclass(slots=True)
class Release:
    """Everything one release site shows.

    Attributes
    ----------
    title
        Per language.
    agency
        SDMX agency id of the publishing office.
    languages
        Page languages, first is the default (e.g. ``["es", "en"]``).
    synthetic
        True when the data is synthetic (the demo): every page says so prominently.
    generated_at
        ISO 8601 timestamp of the run.
    downloads
        Files copied into the site's ``downloads/`` folder and linked from the home page
        (SDMX-ML structure, SDMX-CSV, the indicator table, quarantine CSV, report JSON).
    indicators, sources
        The pages and the provenance of their inputs.
    status_names
        Per language, the name of each ``OBS_STATUS`` code (from the CL_OBS_STATUS codelist,
        a workspace's override included), e.g. ``{"en": {"O": "Missing value"}}``.
    sdmx_target
        The dataflow of the per-indicator SDMX downloads (None: none are written).
    boundaries
        State and municipal outlines for the maps; None: a tile grid of the states.
    notes
        The changes against the previous release, for the release notes page.
    base_url
        Where the site will be served, for the sitemap and the catalog (None: relative).
    sdmx_csv
        The release's SDMX-CSV 1.0 data as convert wrote it (sorted by series): each
        indicator's SDMX-CSV download is cut from it, byte for byte. None: each is written
        from the indicator's ``sdmx`` observations.
    """

    title: dict[str, str]
    agency: str
    languages: list[str]
    synthetic: bool
    generated_at: str
    downloads: list[Path]
    indicators: list[IndicatorPage]
    sources: list[SourceNote]
    status_names: dict[str, dict[str, str]]
    sdmx_target: SdmxTarget | None = None
    boundaries: MapShapes | None = None
    notes: ReleaseNotes | None = None
    base_url: str | None = None
    sdmx_csv: Path | None = None
