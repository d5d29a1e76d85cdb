"""Exchange: the SDMX formats the outputs are written in, and their checks.

Takes codelists, the DSD's components and indicator tables and hands on SDMX files:
structures (codelists, concept scheme, DSD, dataflow, with the sdmx1 model), data
(SDMX-ML 2.1 generic and structure-specific with its DSD-specific schema, SDMX-CSV 1.0 and
2.0, SDMX-JSON 2.0), structures as SDMX-JSON 2.0 too, validated against the official
schemas and the structure; and reads the same data formats back into a tidy frame. Safe
XML parsing for everything that reads SDMX-ML lives here too.
"""

from sdmx_tools.exchange.conformance import StructureRules, check_data, rules_from_structure
from sdmx_tools.exchange.dsdschema import validate_structure_specific, write_dsd_schema
from sdmx_tools.exchange.jsondata import write_data_json
from sdmx_tools.exchange.readers import read_data
from sdmx_tools.exchange.sdmxcsv import write_data_csv
from sdmx_tools.exchange.sdmxml import write_data_xml
from sdmx_tools.exchange.structurejson import structure_json
from sdmx_tools.exchange.structures import (
    NationalStructures,
    build_structures,
    write_structures,
)
from sdmx_tools.exchange.structurespecific import dataflow_namespace, write_structure_specific
from sdmx_tools.exchange.validate import check_codes

__all__ = [
    "NationalStructures",
    "StructureRules",
    "build_structures",
    "check_codes",
    "check_data",
    "dataflow_namespace",
    "read_data",
    "rules_from_structure",
    "structure_json",
    "validate_structure_specific",
    "write_data_csv",
    "write_data_json",
    "write_data_xml",
    "write_dsd_schema",
    "write_structure_specific",
    "write_structures",
]
