"""A deterministic national incident file, the kind offices feed into convert at scale.

One row per victim, as prosecutors' open data publish it: latin-1, unpadded state and
municipality codes, Spanish month names in mixed case, a free-text modality with commas
(quoted), ``NE`` for an unknown age; one row in 20,000 names a municipality that does not
exist and one in 50,000 a month that is not one (quarantined). The same ``rows`` and
``seed`` give the same bytes.

Run: ``.venv/bin/python benchmarks/generate.py ROWS OUT.csv``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from sdmx_tools.territory import load_areas

MONTHS = ["Enero", "FEBRERO", "marzo", "Abril", "MAYO", "junio", "Julio", "AGOSTO",
          "septiembre", "Octubre", "NOVIEMBRE", "diciembre"]
SEXES = ["Hombre", "Mujer", "No identificado"]
MODES = ["CON ARMA DE FUEGO", "CON ARMA BLANCA, EN VÍA PÚBLICA", "OTRO ELEMENTO",
         "NO ESPECIFICADO, EN DOMICILIO"]
SPEC = """\
id = "incidentes"
title = "Víctimas de homicidio doloso, una fila por víctima (sintético)"
tolerance = {tolerance}
sum_over = ["SEX"]
[provenance]
publisher = "Fiscalía (sintético)"
licence = "CC BY 4.0"
landing_page = "https://example.org/datos/incidentes"
[location]
path = "{path}"
[read]
encoding = "auto"
max_bytes = 68719476736
[area]
state_column = "cve_ent"
municipality_column = "cve_mun"
[period]
column = "anio"
format = "year"
month_column = "mes"
[[measures]]
id = "homicide_victims"
unit = "victim"
count_rows = true
[dimensions.SEX]
column = "sexo"
map = {{ "Hombre" = "M", "Mujer" = "F", "No identificado" = "_U" }}
"""


def incident_file(path: Path, rows: int, seed: int = 20261202) -> dict[str, int]:
    """Write the file; returns the planted bad rows by kind (the independent answer)."""
    rng = np.random.default_rng(seed)
    areas = load_areas()
    munis = np.array(areas.municipalities())
    weight = rng.lognormal(0, 1.2, len(munis))
    pick = rng.choice(len(munis), size=rows, p=weight / weight.sum())
    state = np.array([int(c[:2]) for c in munis])[pick]
    muni = np.array([int(c[2:]) for c in munis])[pick]
    bad_area = np.arange(rows) % 20_000 == 19_999
    muni[bad_area] = 999
    year = rng.integers(2021, 2024, rows)
    month = rng.integers(0, 12, rows)
    day = rng.integers(1, 29, rows)
    month_text = np.array(MONTHS, dtype=object)[month]
    bad_month = (np.arange(rows) % 50_000 == 777) & ~bad_area
    month_text[bad_month] = "Mayoo"
    ages = rng.integers(0, 95, rows).astype(str).astype(object)
    ages[rng.random(rows) < 0.04] = "NE"
    table = pa.table({
        "folio": pa.array(np.arange(1, rows + 1)),
        "fecha_hechos": pa.array([f"{y}-{m + 1:02d}-{d:02d}" for y, m, d in
                                  zip(year.tolist(), month.tolist(), day.tolist(),
                                      strict=True)]),
        "anio": pa.array(year),
        "mes": pa.array(month_text.tolist()),
        "cve_ent": pa.array(state),
        "cve_mun": pa.array(muni),
        "sexo": pa.DictionaryArray.from_arrays(
            pa.array(rng.choice(3, size=rows, p=[0.86, 0.12, 0.02]).astype(np.int8)),
            pa.array(SEXES)),
        "edad": pa.array(ages.tolist()),
        "modalidad": pa.DictionaryArray.from_arrays(
            pa.array(rng.integers(0, len(MODES), rows).astype(np.int8)), pa.array(MODES)),
    })
    utf8 = path.with_suffix(".utf8.tmp")
    pacsv.write_csv(table, utf8, pacsv.WriteOptions(quoting_style="needed"))
    with utf8.open("rb") as src, path.open("wb") as dst:
        for block in iter(lambda: src.read(64 << 20), b""):
            cut = block.rfind(b"\n") + 1 if len(block) == 64 << 20 else len(block)
            rest = block[cut:]
            dst.write(block[:cut].decode("utf-8").encode("latin-1"))
            if rest:
                src.seek(src.tell() - len(rest))
    utf8.unlink()
    return {"unknown-area": int(bad_area.sum()), "bad-period": int(bad_month.sum())}


def incident_workspace(dest: Path, place: Callable[[Path], dict[str, int]],
                       settings: str) -> Path:
    """The demo workspace with its population source and the incident file as its only
    other source (``place`` puts the file at the path it is given and returns the planted
    rows), indicator 16.1.1 alone, and ``settings`` added to ``[workspace]``."""
    from sdmx_tools.demo import copy_demo_workspace, generate_demo_data
    from sdmx_tools.workspace import bundled

    ws = copy_demo_workspace(dest)
    generate_demo_data(ws)
    for spec in (ws / "sources").glob("*.toml"):
        if spec.stem != "poblacion_conapo":
            spec.unlink()
    planted = place(ws / "data" / "incidents.csv")  # sources live in the workspace
    (ws / "sources" / "incidentes.toml").write_text(SPEC.format(
        path="data/incidents.csv", tolerance=sum(planted.values())), encoding="utf-8")
    # Synthetic victims are not spread like the demo's synthetic population: a rate may
    # pass the declared range, which is an error; the range is widened for the benchmark.
    (ws / "indicators").mkdir()
    definition = (bundled("indicators") / "16.1.1.toml").read_text(encoding="utf-8")
    (ws / "indicators" / "16.1.1.toml").write_text(
        definition.replace("range = [0, 1000]", "range = [0, 10000000]"), encoding="utf-8")
    config = ws / "sdmx-tools.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "synthetic = true", f'synthetic = true\nindicators = ["16.1.1"]\n{settings}'),
        encoding="utf-8")
    return ws


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rows", type=int)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    print(json.dumps(incident_file(args.out, args.rows)))


if __name__ == "__main__":
    main()
