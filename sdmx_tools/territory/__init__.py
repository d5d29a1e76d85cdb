"""Territory: INEGI area codes, the area codelist with its hierarchy, and place names.

Takes the values a file writes for a place (codes in any form, names, state columns) and
hands on official CL_AREA_MX codes, or a reason and candidates for review. Ingest resolves
areas through :class:`AreaCodelist`; compute aggregates up its hierarchy.
"""

from sdmx_tools.territory.areas import AREA_CODELIST, AreaCodelist, AreaHit, load_areas
from sdmx_tools.territory.codes import NATION, NormalisedCode, normalise_code, normalise_parts
from sdmx_tools.territory.names import HONORIFICS, AreaMatch, normalise_name, strip_honorific
from sdmx_tools.territory.states import StateLookup, state_keys

__all__ = [
    "AREA_CODELIST",
    "HONORIFICS",
    "NATION",
    "AreaCodelist",
    "AreaHit",
    "AreaMatch",
    "NormalisedCode",
    "StateLookup",
    "load_areas",
    "normalise_code",
    "normalise_name",
    "normalise_parts",
    "state_keys",
    "strip_honorific",
]
