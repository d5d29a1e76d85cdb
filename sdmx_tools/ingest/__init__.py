"""Ingest: read crowdsourced files through their source specs and harmonise them.

Takes a source spec (``sources/*.toml``) and its file (CSV, XLSX, JSON, zip, CKAN or URL)
and hands on tidy observations (official area codes, periods, values with pint units,
provenance) with every input row accounted for: used, quarantined with a reason, or
excluded on purpose.
"""

from sdmx_tools.ingest.fetch import Origin, fetch_source
from sdmx_tools.ingest.harmonise import Harmonised, harmonise
from sdmx_tools.ingest.quarantine import QUARANTINE_COLUMNS
from sdmx_tools.ingest.readers import RawTable, read_table
from sdmx_tools.ingest.spec import SourceSpec, load_spec

__all__ = [
    "QUARANTINE_COLUMNS",
    "Harmonised",
    "Origin",
    "RawTable",
    "SourceSpec",
    "fetch_source",
    "harmonise",
    "load_spec",
    "read_table",
]
