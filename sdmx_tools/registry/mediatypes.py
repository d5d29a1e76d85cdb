"""The SDMX media types the registry serves and the push clients send (one set for both)."""

from __future__ import annotations

from typing import Literal

__all__ = ["DATA_TYPES", "STRUCTURE_XML", "with_charset"]

STRUCTURE_XML = "application/vnd.sdmx.structure+xml; version=2.1"
DATA_TYPES: dict[Literal["sdmx-ml", "sdmx-csv"], str] = {
    "sdmx-ml": "application/vnd.sdmx.structurespecificdata+xml; version=2.1",
    "sdmx-csv": "application/vnd.sdmx.data+csv; version=1.0.0",
}


def with_charset(media_type: str) -> str:
    """``media_type`` declaring UTF-8, as the server labels the text it answers."""
    return f"{media_type}; charset=utf-8"
