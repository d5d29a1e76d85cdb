"""The national SDG data structure: the global SDG DSD's components, in its order.

IAEG-SDGs:SDG(1.4) component for component (see SDMX_NOTES.md), under the office's own
agency, with REF_AREA enumerated by the INEGI area codelist. Writers and validators take
dimension order and attribute attachment from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["COMPONENTS", "DIMENSIONS", "OBS_ATTRIBUTES", "SERIES_ATTRIBUTES", "Component"]

Role = Literal["dimension", "time", "measure", "attribute"]


@dataclass(frozen=True, slots=True)
class Component:
    """One DSD component.

    ``codelist`` enumerates it (None: free text of ``text_type``); ``attachment`` is
    ``series`` (attached to the dimensions but TIME_PERIOD) or ``observation``.
    """

    id: str
    role: Role
    name_en: str
    name_es: str
    codelist: str | None = None
    mandatory: bool = False
    attachment: Literal["series", "observation"] = "observation"
    text_type: str = "String"


_C = Component
COMPONENTS: tuple[Component, ...] = (
    _C("FREQ", "dimension", "Frequency", "Frecuencia", "CL_FREQ"),
    _C("REPORTING_TYPE", "dimension", "Reporting type", "Tipo de reporte", "CL_REPORTING_TYPE"),
    _C("SERIES", "dimension", "SDG series", "Serie ODS", "CL_SERIES"),
    _C("REF_AREA", "dimension", "Reference area", "Área de referencia", "CL_AREA_MX"),
    _C("SEX", "dimension", "Sex", "Sexo", "CL_SEX"),
    _C("AGE", "dimension", "Age", "Edad", "CL_AGE"),
    _C("URBANISATION", "dimension", "Location", "Ámbito urbano/rural", "CL_URBANISATION"),
    _C("INCOME_WEALTH_QUANTILE", "dimension", "Quantile", "Quintil de ingreso", "CL_QUANTILE"),
    _C("EDUCATION_LEV", "dimension", "Education level", "Nivel educativo", "CL_EDUCATION_LEV"),
    _C("OCCUPATION", "dimension", "Occupation", "Ocupación", "CL_OCCUPATION"),
    _C("CUST_BREAKDOWN", "dimension", "Custom breakdown", "Desagregación específica",
       "CL_CUST_BREAKDOWN"),
    _C("COMPOSITE_BREAKDOWN", "dimension", "Composite breakdown", "Desagregación compuesta",
       "CL_COMP_BREAKDOWN"),
    _C("DISABILITY_STATUS", "dimension", "Disability status", "Condición de discapacidad",
       "CL_DISABILITY"),
    _C("ACTIVITY", "dimension", "Type of economic activity", "Actividad económica",
       "CL_ACTIVITY"),
    _C("PRODUCT", "dimension", "Type of product", "Tipo de producto", "CL_PRODUCT"),
    _C("TIME_PERIOD", "time", "Time period", "Periodo", text_type="ObservationalTimePeriod"),
    _C("OBS_VALUE", "measure", "Observation value", "Valor de la observación"),
    _C("OBS_STATUS", "attribute", "Observation status", "Estado de la observación",
       "CL_OBS_STATUS", mandatory=True),
    _C("UNIT_MULT", "attribute", "Unit multiplier", "Multiplicador de unidad", "CL_UNIT_MULT",
       mandatory=True),
    _C("UNIT_MEASURE", "attribute", "Unit of measure", "Unidad de medida", "CL_UNIT_MEASURE",
       mandatory=True, attachment="series"),
    _C("BASE_PER", "attribute", "Base period", "Periodo base"),
    _C("NATURE", "attribute", "Nature of data points", "Naturaleza del dato", "CL_NATURE"),
    _C("TIME_DETAIL", "attribute", "Time period details", "Detalle del periodo"),
    _C("COMMENT_OBS", "attribute", "Observation comment", "Comentario de la observación"),
    _C("TIME_COVERAGE", "attribute", "Time coverage", "Cobertura temporal"),
    _C("UPPER_BOUND", "attribute", "Upper bound", "Límite superior", text_type="Double"),
    _C("LOWER_BOUND", "attribute", "Lower bound", "Límite inferior", text_type="Double"),
    _C("SOURCE_DETAIL", "attribute", "Source details", "Detalle de la fuente"),
    _C("COMMENT_TS", "attribute", "Time series comment", "Comentario de la serie",
       attachment="series"),
    _C("GEO_INFO_URL", "attribute", "Geospatial information URL", "URL de información geográfica",
       attachment="series"),
    _C("GEO_INFO_TYPE", "attribute", "Geospatial information type",
       "Tipo de información geográfica", "CL_GEO_INFO_TYPE", attachment="series"),
    _C("CUST_BREAKDOWN_LB", "attribute", "Custom breakdown label",
       "Etiqueta de desagregación específica", attachment="series"),
    _C("DATA_LAST_UPDATE", "attribute", "Data last update", "Última actualización",
       attachment="series"),
)

DIMENSIONS: tuple[str, ...] = tuple(c.id for c in COMPONENTS if c.role == "dimension")
SERIES_ATTRIBUTES: tuple[str, ...] = tuple(
    c.id for c in COMPONENTS if c.role == "attribute" and c.attachment == "series")
OBS_ATTRIBUTES: tuple[str, ...] = tuple(
    c.id for c in COMPONENTS if c.role == "attribute" and c.attachment == "observation")
