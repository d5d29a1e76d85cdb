"""The demo: a workspace of SYNTHETIC crowdsourced files for real INEGI municipalities.

The generator is deterministic (a fixed seed): the same files every run. The numbers are
made up; the municipalities, codes and file quirks are real (see DATA.md): latin-1 with
unpadded codes in a wide month-per-column layout, UPPERCASE alcaldía names without accents,
space thousands with em-dash missing values and total/footer rows, NA/ND markers, census
state/municipality code pairs with state-total rows and '*' confidential cells, and a
semicolon file with decimal commas in kg/day next to t/year.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from sdmx_tools.fsutil import atomic_write, bundled
from sdmx_tools.territory import AreaCodelist, load_areas
from sdmx_tools.vocabulary.codelists import fold

__all__ = ["copy_demo_workspace", "generate_demo_data"]

SEED = 20240901
_MONTHS = ["Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto",
           "Septiembre", "Octubre", "Noviembre", "Diciembre"]
YEARS = (2022, 2023)


def copy_demo_workspace(dest: Path) -> Path:
    """Copy the bundled demo workspace (settings and source specs) into ``dest``."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    src = bundled("demo")
    shutil.copy2(src / "sdmx-tools.toml", dest / "sdmx-tools.toml")
    shutil.copytree(src / "sources", dest / "sources", dirs_exist_ok=True)
    return dest


def generate_demo_data(dest: Path, areas: AreaCodelist | None = None) -> list[Path]:
    """Write the demo's synthetic source files into ``dest/data``; returns their paths."""
    areas = areas or load_areas()
    rng = np.random.default_rng(SEED)
    munis = areas.municipalities()
    # Log-normal sizes give the long tail of real municipal populations.
    population = {c: int(rng.lognormal(9.6, 1.3)) + 300 for c in munis}
    data = Path(dest) / "data"
    return [
        _population(data / "poblacion_conapo.csv", areas, munis, population),
        _homicides(data / "sesnsp_homicidios.csv", areas, munis, population, rng),
        _road_deaths(data / "cdmx_victimas_transito.csv", areas, population, rng),
        _councils(data / "cngmd_cabildos.csv", areas, munis, rng),
        _dwellings(data / "inegi_iter_viviendas.csv", areas, munis, population, rng),
        _waste(data / "cngmd_residuos.csv", areas, munis, population, rng),
    ]


def _population(path: Path, areas: AreaCodelist, munis: list[str], pop: dict[str, int]
                ) -> Path:
    def spaced(n: int) -> str:
        return " " + f"{n:,}".replace(",", " ")

    lines = ["CVE_ENT,CVE_MUN,NOM_MUN,AÑO,POB_TOTAL,", ",,,,,"]
    census = [c for c in munis if areas.is_census2020(c)]
    lines.append(f',,Nacional,2020,"{spaced(sum(pop[c] for c in census))}",')
    for c in munis:
        # Municipalities created after the census have no census population: em dash.
        value = spaced(pop[c]) if areas.is_census2020(c) else "—"
        lines.append(f'{c[:2]},{c},"{areas.name(c)}",2020,"{value}",')
    lines.append('"Fuente: estimaciones sintéticas de demostración, no oficiales.",,,,,')
    return _write_lines(path, lines, eol="\r\n")


def _homicides(path: Path, areas: AreaCodelist, munis: list[str], pop: dict[str, int],
               rng: np.random.Generator) -> Path:
    state_rate = {s: rng.uniform(5, 60) for s in areas.states()}
    # A typing slip (an extra 0 in June 2023) in the largest municipality of the most violent
    # state: the cube's outlier check should point at it.
    worst = max(state_rate, key=state_rate.__getitem__)
    slip = max(areas.municipalities(worst), key=lambda c: pop[c])
    header = ["Año", "Clave_Ent", "Entidad", "Cve. Municipio", "Municipio",
              "Subtipo de delito", *_MONTHS]
    lines = [",".join(header)]
    for year in YEARS:
        for c in munis:
            lam = state_rate[c[:2]] * pop[c] / 100_000 / 12
            months = [str(v) for v in rng.poisson(lam, 12)]
            if rng.random() < 0.01:  # a few municipalities miss months: blank = no data
                months[-2:] = ["", ""]
            if c == slip and year == 2023:
                months[5] += "0"
            name = areas.name(c).replace('"', "")
            lines.append(",".join([str(year), str(int(c[:2])), f'"{areas.name(c[:2])}"',
                                   str(int(c)), f'"{name}"', "Homicidio doloso", *months]))
    # One row with a municipality code that does not exist: quarantined, not dropped.
    lines.append(",".join(["2023", "2", '"Baja California"', "2099", '"Desconocido"',
                           "Homicidio doloso", *(["1"] * 12)]))
    return _write_lines(path, lines, encoding="latin-1")


def _road_deaths(path: Path, areas: AreaCodelist, pop: dict[str, int],
                 rng: np.random.Generator) -> Path:
    lines = ["id,fecha_hechos,ao_hechos,mes_hechos,alcaldia_hechos,tipo_evento"]
    n = 0
    for year in YEARS:
        for c in areas.municipalities("09"):
            name = _upper_ascii(areas.name(c))
            for _ in range(rng.poisson(9.0 * pop[c] / 100_000)):
                month = int(rng.integers(1, 13))
                n += 1
                lines.append(f"{n},{year}-{month:02d}-{int(rng.integers(1, 29)):02d},{year},"
                             f"{_MONTHS[month - 1].upper()},{name},ATROPELLADO")
    return _write_lines(path, lines)


def _councils(path: Path, areas: AreaCodelist, munis: list[str], rng: np.random.Generator
              ) -> Path:
    lines = ["ubic_geo,nom_mun,anio,integrantes,mujeres"]
    for c in munis:
        seats = int(rng.integers(7, 21))
        women = str(int(rng.binomial(seats, rng.uniform(0.3, 0.55))))
        total = str(seats)
        roll = rng.random()
        if roll < 0.01:
            total, women = "NA", "NA"  # usos y costumbres: not applicable
        elif roll < 0.02:
            women = "ND"  # not available
        lines.append(f'{int(c)},"{areas.name(c)}",2023,{total},{women}')
    return _write_lines(path, lines)


def _dwellings(path: Path, areas: AreaCodelist, munis: list[str], pop: dict[str, int],
               rng: np.random.Generator) -> Path:
    """INEGI ITER style: state and municipality code columns, state totals, '*' cells."""
    lines = ["ENTIDAD,NOM_ENT,MUN,NOM_MUN,VIVPARH_CV,VPH_AGUADV,VPH_NODREN"]
    census = [c for c in munis if areas.is_census2020(c)]  # later ones did not exist yet
    for state in areas.states():
        rows, totals = [], [0, 0, 0]
        water_rate, drain_gap = rng.uniform(0.6, 0.97), rng.uniform(0.02, 0.3)
        for c in (m for m in census if m[:2] == state):
            homes = max(1, round(pop[c] / rng.uniform(3.2, 4.2)))
            water = int(rng.binomial(homes, min(0.995, water_rate * rng.uniform(0.85, 1.05))))
            no_drain = int(rng.binomial(homes, drain_gap * rng.uniform(0.5, 1.5)))
            for i, v in enumerate((homes, water, no_drain)):
                totals[i] += v
            cells = [str(homes), str(water), str(no_drain)]
            if homes < 400 and rng.random() < 0.3:
                cells[1:] = ["*", "*"]  # INEGI withholds small counts for confidentiality
            name = areas.name(c).replace('"', "")
            rows.append(f'{state},"{areas.name(state)}",{c[2:]},"{name}",{",".join(cells)}')
        lines.append(f'{state},"{areas.name(state)}",000,"Total de la entidad",'
                     + ",".join(map(str, totals)))
        lines.extend(rows)
    return _write_lines(path, lines)


def _waste(path: Path, areas: AreaCodelist, munis: list[str], pop: dict[str, int],
           rng: np.random.Generator) -> Path:
    """CNGMD style: ';' separated, decimal commas, collected in kg/day, generated in t/year."""
    def comma(x: float) -> str:
        return f"{x:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")

    lines = ["Clave;Municipio;Año;Residuos recolectados (kg/día);Generación estimada (t/año)"]
    coverage = {s: rng.uniform(0.55, 0.95) for s in areas.states()}
    for c in munis:
        generated = pop[c] * rng.uniform(0.6, 1.3)  # kg per person per day
        collected = generated * min(0.99, coverage[c[:2]] * rng.uniform(0.8, 1.15))
        per_year = generated / 1000 * 365.25
        cells = [comma(collected), comma(per_year)]
        if rng.random() < 0.01:
            cells[0] = "NS"  # the municipality does not know
        lines.append(f"{int(c)};{areas.name(c)};2022;{cells[0]};{cells[1]}")
    return _write_lines(path, lines)


def _write_lines(path: Path, lines: list[str], eol: str = "\n", encoding: str = "utf-8"
                 ) -> Path:
    """One generated file, written whole (latin-1 files replace what they cannot hold)."""
    with atomic_write(path, "wb") as fh:
        fh.write((eol.join(lines) + eol).encode(encoding, errors="replace"))
    return path


def _upper_ascii(text: str) -> str:
    """'Álvaro Obregón' -> 'ALVARO OBREGON', as Mexico City's open data writes it."""
    return fold(text).upper().replace(".", "")
