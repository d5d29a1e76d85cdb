"""UI strings of the release site in Spanish and English, and number formatting."""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = [
    "DASH",
    "GOAL_NAMES",
    "STRINGS",
    "format_number",
    "format_size",
    "translator",
]

# One dict per language with the same keys; a test checks that they match. The page
# languages are the keys. A key ending in ``_one`` is the singular of the key without it.
STRINGS: dict[str, dict[str, str]] = {
    "es": {
        "language_name": "Español",
        "language": "Idioma",
        "skip_to_content": "Saltar al contenido",
        "synthetic_title": "Datos SINTÉTICOS",
        "synthetic_body": (
            "Los datos de este sitio son sintéticos y sirven solo como demostración. "
            "No son estadísticas oficiales ni deben usarse para tomar decisiones."
        ),
        "indicators": "Indicadores",
        "goal": "Objetivo",
        "target": "Meta",
        "indicator": "Indicador",
        "latest_value": "Último valor nacional",
        "unit": "Unidad",
        "period": "Periodo",
        "national_value": "Valor nacional",
        "latest_available": "Último valor disponible",
        "no_data": "Sin datos",
        "chart": "Gráfica",
        "chart_states": "Último valor por entidad federativa ({period})",
        "chart_series": "Serie nacional",
        "chart_no_states": "No hay valores por entidad federativa para graficar.",
        "map": "Mapa",
        "map_title": "Mapa de mosaicos de las 32 entidades ({period})",
        "map_legend": "Leyenda (quintiles)",
        "map_missing": "Sin valor",
        "data": "Datos",
        "data_states": "Nación y entidades federativas",
        "data_municipalities": "Municipios ({count}, periodo {period})",
        "data_municipalities_note": (
            "Se muestra solo el último periodo; las series completas están en las descargas."
        ),
        "area_code": "Clave",
        "area_name": "Área",
        "level": "Nivel",
        "value": "Valor",
        "status": "Estado",
        "note": "Nota",
        "source_rows": "Origen (archivo, filas)",
        "level_nation": "Nación",
        "level_state": "Entidad",
        "level_municipality": "Municipio",
        "metadata": "Metadatos",
        "provenance": "Procedencia",
        "publisher": "Editor",
        "licence": "Licencia",
        "source_url": "URL",
        "sha256": "SHA-256",
        "rows_read": "Filas leídas",
        "rows_used": "Filas usadas",
        "rows_quarantined": "Filas en cuarentena",
        "rows_excluded": "Filas excluidas",
        "no_sources": "No se registraron fuentes para este indicador.",
        "quality": "Notas de calidad",
        "no_quality_notes": "Sin observaciones de calidad.",
        "statuses": "Estados y notas de las observaciones",
        "status_count": "{count} observaciones",
        "status_count_one": "1 observación",
        "dash_explained": (
            "«—» indica un valor que no se publica o no existe (por ejemplo, retenido por "
            "cobertura incompleta, o un municipio creado después del censo de 2020 sin "
            "denominador). Nunca significa cero."
        ),
        "no_denominator": "Sin denominador censal; no se puede calcular.",
        "value_missing": "Valor no disponible.",
        "downloads": "Descargas",
        "no_downloads": "No hay archivos para descargar.",
        "generated_at": "Generado el",
        "agency": "Agencia",
        "series": "Serie SDMX",
    },
    "en": {
        "language_name": "English",
        "language": "Language",
        "skip_to_content": "Skip to content",
        "synthetic_title": "SYNTHETIC data",
        "synthetic_body": (
            "The data on this site are synthetic, for demonstration only. "
            "They are not official statistics and must not be used for decisions."
        ),
        "indicators": "Indicators",
        "goal": "Goal",
        "target": "Target",
        "indicator": "Indicator",
        "latest_value": "Latest national value",
        "unit": "Unit",
        "period": "Period",
        "national_value": "National value",
        "latest_available": "Latest available value",
        "no_data": "No data",
        "chart": "Chart",
        "chart_states": "Latest value by state ({period})",
        "chart_series": "National series",
        "chart_no_states": "There are no state values to chart.",
        "map": "Map",
        "map_title": "Tile map of the 32 states ({period})",
        "map_legend": "Legend (quintiles)",
        "map_missing": "No value",
        "data": "Data",
        "data_states": "Nation and states",
        "data_municipalities": "Municipalities ({count}, period {period})",
        "data_municipalities_note": (
            "Only the latest period is shown; the full series are in the downloads."
        ),
        "area_code": "Code",
        "area_name": "Area",
        "level": "Level",
        "value": "Value",
        "status": "Status",
        "note": "Note",
        "source_rows": "Source (file, rows)",
        "level_nation": "Nation",
        "level_state": "State",
        "level_municipality": "Municipality",
        "metadata": "Metadata",
        "provenance": "Provenance",
        "publisher": "Publisher",
        "licence": "Licence",
        "source_url": "URL",
        "sha256": "SHA-256",
        "rows_read": "Rows read",
        "rows_used": "Rows used",
        "rows_quarantined": "Rows quarantined",
        "rows_excluded": "Rows excluded",
        "no_sources": "No sources were recorded for this indicator.",
        "quality": "Quality notes",
        "no_quality_notes": "No quality findings.",
        "statuses": "Observation statuses and notes",
        "status_count": "{count} observations",
        "status_count_one": "1 observation",
        "dash_explained": (
            "“—” marks a value that is not published or does not exist (for example withheld "
            "because of incomplete coverage, or a municipality created after the 2020 census "
            "with no denominator). It never means zero."
        ),
        "no_denominator": "No census denominator; cannot be computed.",
        "value_missing": "Value not available.",
        "downloads": "Downloads",
        "no_downloads": "No files to download.",
        "generated_at": "Generated at",
        "agency": "Agency",
        "series": "SDMX series",
    },
}

GOAL_NAMES: dict[str, dict[int, str]] = {
    "es": {
        1: "Fin de la pobreza",
        2: "Hambre cero",
        3: "Salud y bienestar",
        4: "Educación de calidad",
        5: "Igualdad de género",
        6: "Agua limpia y saneamiento",
        7: "Energía asequible y no contaminante",
        8: "Trabajo decente y crecimiento económico",
        9: "Industria, innovación e infraestructura",
        10: "Reducción de las desigualdades",
        11: "Ciudades y comunidades sostenibles",
        12: "Producción y consumo responsables",
        13: "Acción por el clima",
        14: "Vida submarina",
        15: "Vida de ecosistemas terrestres",
        16: "Paz, justicia e instituciones sólidas",
        17: "Alianzas para lograr los objetivos",
    },
    "en": {
        1: "No poverty",
        2: "Zero hunger",
        3: "Good health and well-being",
        4: "Quality education",
        5: "Gender equality",
        6: "Clean water and sanitation",
        7: "Affordable and clean energy",
        8: "Decent work and economic growth",
        9: "Industry, innovation and infrastructure",
        10: "Reduced inequalities",
        11: "Sustainable cities and communities",
        12: "Responsible consumption and production",
        13: "Climate action",
        14: "Life below water",
        15: "Life on land",
        16: "Peace, justice and strong institutions",
        17: "Partnerships for the goals",
    },
}

DASH = "—"


def translator(lang: str) -> Callable[..., str]:
    """Return ``t(key, **fields)`` for one language.

    Parameters
    ----------
    lang
        ``"es"`` or ``"en"``.

    Returns
    -------
    callable
        Looks ``key`` up and fills ``{placeholders}`` from the keyword arguments; with
        ``count=1`` it takes ``key_one`` when there is one. An unknown key raises
        ``KeyError`` so that a typo in a template fails the render.
    """
    table = STRINGS[lang]

    def t(key: str, **fields: object) -> str:
        if fields.get("count") == 1 and f"{key}_one" in table:
            key = f"{key}_one"
        text = table[key]
        return text.format(**fields) if fields else text

    return t


def format_number(value: float | int | None, decimals: int = 1) -> str:
    """Format a number the es-MX / en way: comma thousands, point decimals.

    Both page languages share the convention (Mexican Spanish writes ``1,234.5``), so the
    function takes no language. Missing, NaN and infinite values become ``"—"``, never 0.

    Parameters
    ----------
    value
        The number, or ``None``.
    decimals
        Digits after the decimal point.

    Returns
    -------
    str
        E.g. ``"1,234.5"`` or ``"—"``.
    """
    if value is None:
        return DASH
    number = float(value)
    if not math.isfinite(number):
        return DASH
    text = f"{number:,.{decimals}f}"
    # "-0.0" reads as a sign error to a reader; a rounded zero has no sign.
    return text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text


def format_size(size: int) -> str:
    """Human-readable file size in powers of 1,024 (``"12.3 KB"``).

    Parameters
    ----------
    size
        Bytes.

    Returns
    -------
    str
        The size with a unit.
    """
    if size < 1024:
        return f"{size} B"
    scaled = float(size)
    for unit in ("KB", "MB", "GB"):
        scaled /= 1024
        if scaled < 1024 or unit == "GB":
            break
    return f"{format_number(scaled, 1)} {unit}"
