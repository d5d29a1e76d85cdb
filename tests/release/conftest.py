"""A small hand-built release for the site tests."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sdmx_tools.release import IndicatorPage, Release, SourceNote
from sdmx_tools.release.model import OBSERVATION_COLUMNS

XSS = "<script>alert(1)</script>"

STATES = [
    ("02", "Baja California", 31.5, 29.75),
    ("09", "Ciudad de México", 12.25, 11.0),
    ("14", f"Jalisco {XSS}", 22.0, 20.5),
    ("19", "Nuevo León", 15.0, 16.25),
    ("20", "Oaxaca", math.nan, 8.5),  # withheld in the latest period
]
MUNICIPALITIES = [
    ("02004", "Tijuana", 40.125, 38.0),
    ("02007", "San Quintín", math.nan, math.nan),  # created after the 2020 census
    ("14039", "Guadalajara", 25.5, 24.0),
    ("19039", "Monterrey", 18.0, 17.5),
]


NATION = {"2021": 21.0, "2022": 23.45}
WITHHELD_NOTE = "Cobertura incompleta (<80 %)"
STATUS_NAMES = {
    "es": {"A": "Valor normal", "M": "Valor faltante; no puede existir", "O": "Valor faltante"},
    "en": {"A": "Normal value", "M": "Missing value; data cannot exist", "O": "Missing value"},
}


def observations(scale: float) -> pd.DataFrame:
    """Nation, 5 states and 4 municipalities over 2021 and 2022, values times ``scale``.

    Oaxaca 2022 is withheld (status O with a note); San Quintín (created after the 2020
    census) has no denominator in either period.
    """
    areas = [
        ("00", "Estados Unidos Mexicanos", "nation", NATION["2022"], NATION["2021"]),
        *((code, name, "state", v22, v21) for code, name, v22, v21 in STATES),
        *((code, name, "municipality", v22, v21) for code, name, v22, v21 in MUNICIPALITIES),
    ]
    rows = []
    for period in ("2021", "2022"):
        for code, name, level, v22, v21 in areas:
            value = (v22 if period == "2022" else v21) * scale
            missing = math.isnan(value)
            withheld = missing and level == "state"
            rows.append(
                {
                    "REF_AREA": code,
                    "area_name": name,
                    "level": level,
                    "TIME_PERIOD": period,
                    "OBS_VALUE": value,
                    "OBS_STATUS": "O" if withheld else "M" if missing else "A",
                    "COMMENT_OBS": WITHHELD_NOTE if withheld else "",
                    "numerator": 1.0,
                    "denominator": math.nan if missing and not withheld else 1.0,
                    "SOURCE_DETAIL": "demo sha256:0123456789ab rows 2-13",
                }
            )
    return pd.DataFrame(rows, columns=list(OBSERVATION_COLUMNS))


@pytest.fixture
def downloads(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "artefacts"
    folder.mkdir()
    data = folder / "data.csv"
    data.write_text("STRUCTURE,REF_AREA,OBS_VALUE\nDSD,02,31.5\n", encoding="utf-8")
    report = folder / "report.json"
    report.write_text('{"ok": true}\n', encoding="utf-8")
    return [data, report]


@pytest.fixture
def release(downloads: list[Path]) -> Release:
    sources = [
        SourceNote(
            id="fiscalia-bc",
            title=f"Carpetas de investigación {XSS}",
            publisher="Fiscalía de Baja California",
            licence="CC-BY-4.0",
            url="https://datos.example.gob.mx/carpetas.csv",
            sha256="ab" * 32,
            rows_read=1200,
            rows_used=1150,
            rows_quarantined=30,
            rows_excluded=20,
        ),
        SourceNote(
            id="censo",
            title="Censo 2020",
            publisher="INEGI",
            licence="Libre uso MX",
            url="javascript:alert(2)",
            sha256="cd" * 32,
            rows_read=2469,
            rows_used=2469,
            rows_quarantined=0,
            rows_excluded=0,
        ),
    ]
    homicides = IndicatorPage(
        id="16.1.1",
        series="VC_IHR_PSRC",
        goal=16,
        target="16.1",
        names={
            "es": "Víctimas de homicidio intencional por cada 100 000 habitantes",
            "en": "Victims of intentional homicide per 100,000 population",
        },
        unit_labels={"es": "por 100 000 habitantes", "en": "per 100,000 population"},
        metadata={
            "es": {"Definición": "Número de víctimas…", "Método": "Numerador / población."},
            "en": {"Definition": "Number of victims…", "Method": "Numerator / population."},
        },
        observations=observations(1.0),
        decimals=1,
        sources=["fiscalia-bc", "censo"],
        quality_notes={
            "es": ["Oaxaca retenido por cobertura."],
            "en": ["Oaxaca withheld for coverage."],
        },
    )
    water = IndicatorPage(
        id="6.1.1",
        series="SH_H2O_SAFE",
        goal=6,
        target="6.1",
        names={
            "es": "Agua potable gestionada de forma segura",
            "en": "Safely managed drinking water",
        },
        unit_labels={"es": "%", "en": "%"},
        metadata={"es": {"Definición": "Proporción…"}, "en": {"Definition": "Proportion…"}},
        observations=observations(3.0),
        decimals=2,
        sources=["censo"],
    )
    return Release(
        title={"es": "ODS municipales de México", "en": "Mexico municipal SDGs"},
        agency="MX_DEMO",
        languages=["es", "en"],
        synthetic=True,
        generated_at="2024-05-01T12:00:00Z",
        downloads=downloads,
        indicators=[homicides, water],
        sources=sources,
        status_names=STATUS_NAMES,
    )
