"""What the release site is rendered from: plain data, filled by the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["OBSERVATION_COLUMNS", "REQUIRED_COLUMNS", "IndicatorPage", "Release", "SourceNote"]

# The columns of IndicatorPage.observations; numerator and denominator are optional (they
# explain an empty cell: no denominator is the post-2020 municipality case), and so is
# SOURCE_DETAIL (the file and input rows behind the value).
REQUIRED_COLUMNS = ("REF_AREA", "area_name", "level", "TIME_PERIOD", "OBS_VALUE",
                    "OBS_STATUS", "COMMENT_OBS")
OBSERVATION_COLUMNS = (*REQUIRED_COLUMNS, "numerator", "denominator", "SOURCE_DETAIL")


@dataclass(slots=True)
class SourceNote:
    """Provenance of one input source, as shown on the pages.

    ``rows_*`` is the row accounting: read = used + quarantined + excluded.
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
        One row per observation with columns ``REF_AREA``, ``area_name``, ``level``
        (``nation``/``state``/``municipality``), ``TIME_PERIOD``, ``OBS_VALUE`` (float, NaN
        when withheld), ``OBS_STATUS``, ``COMMENT_OBS`` (str or empty), ``numerator``,
        ``denominator``, ``SOURCE_DETAIL`` (source id, file sha256, input rows).
    decimals
        Digits after the decimal point of every value shown, as the indicator's definition
        states.
    sources
        Ids of the :class:`SourceNote` entries this indicator uses.
    quality_notes
        Per language, a list of sentences (cube-check findings, coverage notes).
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
        Files copied into the site's ``downloads/`` folder and linked from every page
        (SDMX-ML structure and data, SDMX-CSV, quarantine CSV, report JSON).
    indicators, sources
        The pages and the provenance of their inputs.
    status_names
        Per language, the name of each ``OBS_STATUS`` code (from the CL_OBS_STATUS codelist,
        a workspace's override included), e.g. ``{"en": {"O": "Missing value"}}``.
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
