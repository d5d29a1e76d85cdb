"""Each quirk of real Mexican open data (../shared/docs/DATA.md) converts exactly.

Every test writes a small file with the quirk into ``tmp_path`` (real INEGI codes and
names, hand-written values), reads it through its source spec and checks the exact
observations and the row accounting: read = used + quarantined + excluded, with the count
of each exclusion reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sdmx_tools.cli import main
from sdmx_tools.ingest.harmonise import Harmonised, harmonise
from sdmx_tools.ingest.readers import read_table
from sdmx_tools.ingest.spec import load_spec
from sdmx_tools.ingest.values import MONTHS_ES
from sdmx_tools.territory import AreaCodelist
from tests.battery.conftest import WORKSPACE as BATTERY_WORKSPACE

MONTHS = ["Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto",
          "Septiembre", "Octubre", "Noviembre", "Diciembre"]


def convert_file(folder: Path, name: str, data: bytes, spec: str, areas: AreaCodelist
                 ) -> Harmonised:
    """Write ``data`` and its spec into ``folder``; read and harmonise through the spec."""
    (folder / name).write_bytes(data)
    spec_file = folder / f"{Path(name).stem}.toml"
    spec_file.write_text(spec.replace("{path}", name), encoding="utf-8")
    s = load_spec(spec_file, folder)
    return harmonise(read_table(s.path, s.read), s, areas)


def totals(h: Harmonised, *by: str) -> dict[tuple[str, ...], float]:
    """Observation values summed by ``by`` (counted records give one observation each)."""
    sums = h.observations.groupby(list(by))["value"].sum()
    return {tuple(k) if isinstance(k, tuple) else (k,): float(v) for k, v in sums.items()}


def accounting(h: Harmonised) -> tuple[int, int, int, int, dict[str, int]]:
    a = h.account
    assert a.balanced, a
    return a.read, a.used, a.quarantined, a.excluded, a.excluded_by_rule


# ----------------------------------------------------------------------------- SESNSP

SESNSP_ROWS = [  # Clave_Ent, Cve. Municipio, Entidad, Municipio, Enero..Diciembre
    ("2", "2001", "Baja California", "Ensenada", "12,10,9,11,14,8,10,13,9,12,11,10"),
    ("2", "2002", "Baja California", "Mexicali", "20,18,,22,19,21,17,,23,20,18,19"),
    ("2", "2003", "Baja California", "Tecate", "1,0,2,,,,,,,,,"),
    ("2", "2004", "Baja California", "Tijuana",
     "161,148,170,155,163,149,158,172,166,151,160,168"),
    ("2", "2005", "Baja California", "Playas de Rosarito", "4,5,3,6,2,4,5,3,4,6,5,4"),
    ("1", "1001", "Aguascalientes", "Aguascalientes", "3,2,4,1,3,2,5,3,2,4,3,2"),
    ("1", "1002", "Aguascalientes", "Asientos", "0,0,1,0,0,0,0,0,0,1,0,0"),
    ("1", "1003", "Aguascalientes", "Calvillo", "0,1,0,0,0,0,1,0,0,0,0,0"),
    ("1", "1004", "Aguascalientes", "Cosío", ",,,,,,,,,,,"),
    ("1", "1005", "Aguascalientes", "Jesús María", "1,0,2,1,0,1,0,1,2,0,1,0"),
    ("1", "1006", "Aguascalientes", "Pabellón de Arteaga", "0,0,0,1,0,0,0,0,1,0,0,0"),
    ("1", "1007", "Aguascalientes", "Rincón de Romos", "1,,0,,1,,0,,1,,0,"),
    ("1", "1008", "Aguascalientes", "San José de Gracia", ",,,,,,,,,,,"),
    ("1", "1009", "Aguascalientes", "Tepezalá", "0,0,0,0,0,0,0,0,0,0,0,0"),
    ("1", "1010", "Aguascalientes", "El Llano", "0,1,0,0,0,0,0,0,0,0,0,0"),
    ("1", "1011", "Aguascalientes", "San Francisco de los Romo", "2,1,0,1,2,0,1,1,0,2,1,0"),
]
# Yearly sum and number of months with data, worked out by hand from the rows above.
SESNSP_YEAR = {
    "02001": (129, 12), "02002": (197, 10), "02003": (3, 3), "02004": (1921, 12),
    "02005": (51, 12), "01001": (34, 12), "01002": (2, 12), "01003": (2, 12),
    "01005": (9, 12), "01006": (2, 12), "01007": (3, 6), "01009": (0, 12),
    "01010": (1, 12), "01011": (11, 12),
}
TIJUANA = [161, 148, 170, 155, 163, 149, 158, 172, 166, 151, 160, 168]

SESNSP_SPEC = """
id = "sesnsp"
[location]
path = "{path}"
[layout]
kind = "wide"
columns = [{months}]
names_to = "month"
[area]
{area}
[period]
column = "Año"
format = "year"
[[measures]]
id = "homicide_victims"
unit = "victim"
""".replace("{months}", ", ".join(f'"{m}"' for m in MONTHS))

SESNSP_AREAS = {
    "code": 'code_column = "Cve. Municipio"',
    "state+municipality": 'state_column = "Clave_Ent"\nmunicipality_column = "Cve. Municipio"',
}


def sesnsp_text() -> str:
    header = "Año,Clave_Ent,Entidad,Cve. Municipio,Municipio,Bien jurídico afectado," \
             "Subtipo de delito," + ",".join(MONTHS)
    lines = [header] + [f"2023,{e},{ent},{m},{mun},La vida y la integridad corporal,"
                        f"Homicidio doloso,{months}"
                        for e, m, ent, mun, months in SESNSP_ROWS]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("area", sorted(SESNSP_AREAS))
def test_sesnsp_latin1_wide_unpadded(tmp_path: Path, areas: AreaCodelist, area: str) -> None:
    spec = SESNSP_SPEC.replace("{area}", SESNSP_AREAS[area])
    data = sesnsp_text().encode("latin-1")
    h = convert_file(tmp_path, "sesnsp.csv", data, spec, areas)
    obs = h.observations
    assert h.encoding in {"cp1252", "latin_1", "iso8859_1", "latin-1"}
    # 2004 is Tijuana 02004, never 20004 or 00200
    tijuana = obs[obs["REF_AREA"] == "02004"].sort_values("TIME_PERIOD")
    assert tijuana["TIME_PERIOD"].tolist() == [f"2023-{m:02d}" for m in range(1, 13)]
    assert tijuana["value"].tolist() == TIJUANA
    assert set(tijuana["row"]) == {5}
    # blank cells are no data: Mexicali has no March and August, Tecate only three months
    year = {code: (int(g["value"].sum()), len(g)) for code, g in obs.groupby("REF_AREA")}
    assert year == SESNSP_YEAR
    assert "2023-03" not in set(obs.loc[obs["REF_AREA"] == "02002", "TIME_PERIOD"])
    assert len(obs) == 151
    assert (obs["unit"] == "victim").all() and (obs["measure"] == "homicide_victims").all()
    # Cosío and San José de Gracia (every month blank) are excluded as no data
    assert accounting(h) == (16, 14, 0, 2, {"no-data": 2})
    assert h.quarantine.empty


def test_sesnsp_utf8_bom_gives_the_same_observations(tmp_path: Path, areas: AreaCodelist
                                                     ) -> None:
    spec = SESNSP_SPEC.replace("{area}", SESNSP_AREAS["code"])
    text = sesnsp_text()
    (tmp_path / "latin").mkdir()
    (tmp_path / "bom").mkdir()
    latin = convert_file(tmp_path / "latin", "sesnsp.csv", text.encode("latin-1"), spec, areas)
    bom = convert_file(tmp_path / "bom", "sesnsp.csv", b"\xef\xbb\xbf" + text.encode("utf-8"),
                       spec, areas)
    assert bom.encoding == "utf-8-sig"
    # the BOM must not stick to the first header name ('\ufeffAño' would miss the period)
    pd.testing.assert_frame_equal(bom.observations.reset_index(drop=True),
                                  latin.observations.reset_index(drop=True))
    assert accounting(bom) == accounting(latin) == (16, 14, 0, 2, {"no-data": 2})


# ------------------------------------------------------------------------------- CDMX

CDMX_ROWS = [  # ao_hechos, mes_hechos, alcaldia_hechos
    ("2022", "Enero", "GUSTAVO A MADERO"), ("2022", "Enero", "ALVARO OBREGON"),
    ("2022", "Febrero", "IZTAPALAPA"), ("2022", "Marzo", "GUSTAVO A MADERO"),
    ("2022", "Marzo", "IZTAPALAPA"), ("2022", "Junio", "CUAUHTEMOC"),
    ("2022", "Julio", "IZTAPALAPA"), ("2022", "Agosto", "ALVARO OBREGON"),
    ("2022", "Octubre", "BENITO JUAREZ"), ("2022", "Noviembre", "GUSTAVO A MADERO"),
    ("2022", "Diciembre", "IZTAPALAPA"),
    ("2023", "Enero", "IZTAPALAPA"), ("2023", "Febrero", "GUSTAVO A MADERO"),
    ("2023", "Febrero", "COYOACAN"), ("2023", "Abril", "TLAHUAC"),
    ("2023", "Mayo", "IZTAPALAPA"), ("2023", "Mayo", "MAGDALENA CONTRERAS"),
    ("2023", "Septiembre", "CUAJIMALPA DE MORELOS"), ("2023", "Octubre", "GUSTAVO A MADERO"),
    ("2023", "Diciembre", "IZTAPALAPA"),
]
CDMX_COUNTS = {
    "2022": {"09005": 3, "09010": 2, "09007": 4, "09015": 1, "09014": 1},
    "2023": {"09005": 2, "09007": 3, "09003": 1, "09011": 1, "09008": 1, "09004": 1},
}
CDMX_ALCALDIAS = [f"09{n:03d}" for n in range(2, 18)]

CDMX_SPEC = """
id = "cdmx"
[location]
path = "{path}"
[area]
name_column = "alcaldia_hechos"
state = "09"
covers = ["09"]
level = "municipality"
[period]
column = "{period_column}"
format = "{period_format}"
[[measures]]
id = "road_traffic_deaths"
unit = "death"
count_rows = true
"""


def cdmx_text(rows: list[tuple[str, str, str]]) -> str:
    lines = ["id_carpeta,ao_hechos,mes_hechos,fecha_hechos,delito,categoria,alcaldia_hechos"]
    for i, (year, month, alcaldia) in enumerate(rows, 1):
        mm = MONTHS.index(month) + 1
        lines.append(f"CI-{i:04d},{year},{month},{year}-{mm:02d}-15T08:30:00,"
                     f"HOMICIDIO CULPOSO POR TRÁNSITO VEHICULAR (ATROPELLADO),"
                     f"HECHO NO DELICTIVO,{alcaldia}")
    return "\n".join(lines) + "\n"


def test_cdmx_uppercase_names_count_rows(tmp_path: Path, areas: AreaCodelist) -> None:
    spec = CDMX_SPEC.replace("{period_column}", "ao_hechos").replace("{period_format}", "year")
    h = convert_file(tmp_path, "cdmx.csv", cdmx_text(CDMX_ROWS).encode("utf-8"), spec, areas)
    obs = h.observations
    got = totals(h, "TIME_PERIOD", "REF_AREA")
    # covers = ["09"]: every alcaldía without a record had zero deaths that year
    expected = {(year, code): float(CDMX_COUNTS[year].get(code, 0))
                for year in ("2022", "2023") for code in CDMX_ALCALDIAS}
    assert got == expected
    # one observation per victim record (row = its line), zeros have no input row
    recorded = obs[obs["row"] > 0]
    assert sorted(recorded["row"]) == list(range(2, 22))
    assert (recorded["value"] == 1.0).all()
    zeros = obs[obs["row"] == 0]
    assert len(zeros) == 2 * 16 - 5 - 6 and (zeros["value"] == 0.0).all()
    assert accounting(h) == (20, 20, 0, 0, {})


def test_cdmx_unknown_alcaldia_is_quarantined(tmp_path: Path, areas: AreaCodelist) -> None:
    rows = [*CDMX_ROWS, ("2023", "Marzo", "NEZAHUALCOYOTL")]
    spec = CDMX_SPEC.replace("{period_column}", "ao_hechos").replace("{period_format}", "year")
    h = convert_file(tmp_path, "cdmx.csv", cdmx_text(rows).encode("utf-8"), spec, areas)
    q = h.quarantine
    # Not an alcaldía, but the State of Mexico's Nezahualcóyotl: the state may be wrong, so
    # the row waits for a person, with that municipality as the candidate.
    assert q[["row", "reason", "column", "value"]].values.tolist() == [
        [22, "area-review", "alcaldia_hechos", "NEZAHUALCOYOTL"]]
    assert q["candidates"].tolist() == ["15058 Nezahualcóyotl, México (100)"]
    assert accounting(h) == (21, 20, 1, 0, {})


def test_cdmx_month_names_never_give_yearless_periods(tmp_path: Path, areas: AreaCodelist
                                                      ) -> None:
    from sdmx_tools.errors import SpecError

    spec = (CDMX_SPEC.replace("{period_column}", "mes_hechos")
            .replace("{period_format}", "month-name").replace('covers = ["09"]\n', ""))
    with pytest.raises(SpecError, match="needs its year") as info:
        convert_file(tmp_path, "cdmx.csv", cdmx_text(CDMX_ROWS).encode("utf-8"), spec, areas)
    assert "month_column" in str(info.value.hint)


def test_cdmx_year_and_month_name_columns_give_monthly_periods(tmp_path: Path,
                                                               areas: AreaCodelist) -> None:
    spec = (CDMX_SPEC.replace("{period_column}", "ao_hechos")
            .replace("{period_format}", "year")
            .replace('format = "year"', 'format = "year"\nmonth_column = "mes_hechos"'))
    h = convert_file(tmp_path, "cdmx.csv", cdmx_text(CDMX_ROWS).encode("utf-8"), spec, areas)
    obs = h.observations[h.observations["row"] > 0]
    expected = {(y, f"{MONTHS_ES[m.casefold()]:02d}") for y, m, _ in CDMX_ROWS}
    assert {tuple(p.split("-")) for p in obs["TIME_PERIOD"]} == expected
    assert obs["value"].sum() == len(CDMX_ROWS)


# ---------------------------------------------------------------------- health ministry

HEALTH = """\
ID_REGISTRO,ENTIDAD_RES,MUNICIPIO_RES,SEXO,FECHA_INGRESO,FECHA_DEF
z1a01,02,004,1,2023-01-02,2023-01-05
z1a02,02,004,2,2023-01-02,2023-01-05
z1a03,02,004,2,2023-01-03,2023-01-05
z1a04,02,004,1,2023-01-03,2023-01-06
z1a05,02,002,2,2023-01-03,2023-01-05
z1a06,01,001,1,2023-01-04,2023-01-05
z1a07,01,001,2,2023-01-04,2023-01-07
z1a08,01,005,2,2023-01-04,2023-01-07
z1a09,01,999,1,2023-01-04,2023-01-06
z1a10,02,999,2,2023-01-05,2023-01-08
z1a11,99,999,1,2023-01-05,2023-01-09
z1a12,02,004,1,2023-01-05,9999-99-99
z1a13,01,001,2,2023-01-05,9999-99-99
z1a14,02,999,1,2023-01-06,9999-99-99
"""
HEALTH_DEATHS = {
    ("02004", "2023-01-05", "F"): 1.0, ("02004", "2023-01-05", "M"): 2.0,
    ("02004", "2023-01-06", "F"): 1.0, ("02002", "2023-01-05", "M"): 1.0,
    ("01001", "2023-01-05", "F"): 1.0, ("01001", "2023-01-07", "M"): 1.0,
    ("01005", "2023-01-07", "M"): 1.0,
}
HEALTH_SPEC = """
id = "salud"
[location]
path = "{path}"
[area]
state_column = "ENTIDAD_RES"
municipality_column = "MUNICIPIO_RES"
[period]
column = "FECHA_DEF"
format = "date"
[[measures]]
id = "deaths"
unit = "death"
count_rows = true
[dimensions.SEX]
column = "SEXO"
map = { "1" = "F", "2" = "M" }
"""
# 999 (municipality not known) and 9999-99-99 (no date of death: the person did not die)
# are documented codes, not errors: the spec excludes them with a reason. The first rule
# that matches a row names its reason (z1a14 has both).
HEALTH_RULES = """
[[exclude]]
column = "MUNICIPIO_RES"
equals = "999"
reason = "unknown-municipality"
[[exclude]]
column = "FECHA_DEF"
equals = "9999-99-99"
reason = "no-date-of-death"
"""


def test_health_markers_excluded_by_rule(tmp_path: Path, areas: AreaCodelist) -> None:
    h = convert_file(tmp_path, "salud.csv", HEALTH.encode("utf-8"), HEALTH_SPEC + HEALTH_RULES,
                     areas)
    assert totals(h, "REF_AREA", "TIME_PERIOD", "SEX") == HEALTH_DEATHS
    assert sorted(h.observations["row"]) == list(range(2, 10))
    assert accounting(h) == (14, 8, 0, 6, {"unknown-municipality": 4, "no-date-of-death": 2})
    assert h.quarantine.empty


def test_health_markers_without_rules_are_quarantined(tmp_path: Path, areas: AreaCodelist
                                                      ) -> None:
    h = convert_file(tmp_path, "salud.csv", HEALTH.encode("utf-8"), HEALTH_SPEC, areas)
    assert totals(h, "REF_AREA", "TIME_PERIOD", "SEX") == HEALTH_DEATHS
    q = h.quarantine
    assert q[["row", "reason", "column", "value"]].values.tolist() == [
        [10, "unknown-area", "MUNICIPIO_RES", "01|999"],
        [11, "unknown-area", "MUNICIPIO_RES", "02|999"],
        [12, "unknown-area", "MUNICIPIO_RES", "99|999"],
        [13, "bad-period", "FECHA_DEF", "9999-99-99"],
        [14, "bad-period", "FECHA_DEF", "9999-99-99"],
        [15, "unknown-area", "MUNICIPIO_RES", "02|999"],
    ]
    assert json.loads(q.iloc[3]["raw"])["ID_REGISTRO"] == "z1a12"
    assert accounting(h) == (14, 8, 6, 0, {})


# ------------------------------------------------------------------------------ CNGMD

CNGMD = """\
ubic_geo,anio,integrantes,mujeres
1001,2022,17,8
1002,2022,11,5
1003,2022,13,NA
1004,2022,ND,ND
1005,2022,15,7
1006,2022,NA,NA
1007,2022,12,6
2004,2022,20,10
2001,2022,ND,9
2002,2022,18,8
"""
CNGMD_SPEC = """
id = "cngmd"
missing = ["", "NA", "ND"]
[location]
path = "{path}"
[area]
code_column = "ubic_geo"
[period]
column = "anio"
[[measures]]
id = "council_seats"
column = "integrantes"
unit = "seat"
[[measures]]
id = "council_seats_women"
column = "mujeres"
unit = "seat"
"""


def test_cngmd_unpadded_codes_na_nd(tmp_path: Path, areas: AreaCodelist) -> None:
    h = convert_file(tmp_path, "cngmd.csv", CNGMD.encode("utf-8"), CNGMD_SPEC, areas)
    assert totals(h, "measure", "REF_AREA", "TIME_PERIOD") == {
        ("council_seats", "01001", "2022"): 17.0, ("council_seats", "01002", "2022"): 11.0,
        ("council_seats", "01003", "2022"): 13.0, ("council_seats", "01005", "2022"): 15.0,
        ("council_seats", "01007", "2022"): 12.0, ("council_seats", "02004", "2022"): 20.0,
        ("council_seats", "02002", "2022"): 18.0,
        ("council_seats_women", "01001", "2022"): 8.0,
        ("council_seats_women", "01002", "2022"): 5.0,
        ("council_seats_women", "01005", "2022"): 7.0,
        ("council_seats_women", "01007", "2022"): 6.0,
        ("council_seats_women", "02004", "2022"): 10.0,
        ("council_seats_women", "02001", "2022"): 9.0,
        ("council_seats_women", "02002", "2022"): 8.0,
    }
    assert (h.observations["unit"] == "seat").all()
    # 1004 (ND, ND) and 1006 (NA, NA) give nothing: no data, not zero
    assert accounting(h) == (10, 8, 0, 2, {"no-data": 2})


def test_cngmd_undeclared_marker_is_a_bad_number(tmp_path: Path, areas: AreaCodelist) -> None:
    spec = CNGMD_SPEC.replace('missing = ["", "NA", "ND"]', 'missing = ["", "NA"]')
    h = convert_file(tmp_path, "cngmd.csv", CNGMD.encode("utf-8"), spec, areas)
    q = h.quarantine
    assert q[["row", "reason", "column", "value"]].values.tolist() == [
        [5, "bad-number", "integrantes", "ND"], [10, "bad-number", "integrantes", "ND"]]
    assert accounting(h) == (10, 7, 2, 1, {"no-data": 1})


# ------------------------------------------------------------------------------ CONAPO

CONAPO_POP = {  # 2020 census population (../shared/data/inegi), as CONAPO would print it
    "01001": 948990, "01002": 51536, "01003": 58250, "01004": 17000, "01005": 129929,
    "01006": 47646, "01007": 57369, "01008": 9552, "01009": 22485, "01010": 20853,
    "01011": 61997, "02001": 443807, "02002": 1049792, "02003": 108440, "02004": 1922523,
    "02005": 126890, "02006": 117568,
}
CONAPO_NAMES = {
    "01001": "Aguascalientes", "01002": "Asientos", "01003": "Calvillo", "01004": "Cosío",
    "01005": "Jesús María", "01006": "Pabellón de Arteaga", "01007": "Rincón de Romos",
    "01008": "San José de Gracia", "01009": "Tepezalá", "01010": "El Llano",
    "01011": "San Francisco de los Romo", "02001": "Ensenada", "02002": "Mexicali",
    "02003": "Tecate", "02004": "Tijuana", "02005": "Playas de Rosarito",
    "02006": "San Quintín", "02007": "San Felipe",
}
CONAPO_SPEC = """
id = "conapo"
[location]
path = "{path}"
[area]
code_column = "CVE_MUN"
[period]
column = "AÑO"
[[measures]]
id = "population"
column = "POB_TOTAL"
unit = "person"
[[exclude]]
column = "NOM_MUN"
equals = "Nacional"
reason = "national-total"
[[exclude]]
column = "CVE_ENT"
matches = "^Fuente"
reason = "footer"
"""


def spaced(n: int) -> str:
    """CONAPO's ' 948 990': space thousands and a leading space."""
    return " " + f"{n:,}".replace(",", " ")


def conapo_bytes() -> bytes:
    lines = ["CVE_ENT,NOM_ENT,CVE_MUN,NOM_MUN,AÑO,POB_TOTAL,", ",,,,,,",
             f'00,Nacional,00000,Nacional,2020,"{spaced(126014024)}",']
    for code, name in CONAPO_NAMES.items():
        ent = "Aguascalientes" if code[:2] == "01" else "Baja California"
        pop = f'"{spaced(CONAPO_POP[code])}"' if code in CONAPO_POP else "—"
        lines.append(f"{code[:2]},{ent},{code},{name},2020,{pop},")
    lines.append('"Fuente: CONAPO, con base en el Censo de Población y Vivienda 2020, INEGI.",'
                 ",,,,,")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def test_conapo_crlf_blank_row_spaces_em_dash_total_footer(tmp_path: Path,
                                                           areas: AreaCodelist) -> None:
    data = conapo_bytes()
    assert b"\r\n" in data and b" 948 990" in data and "—".encode() in data
    h = convert_file(tmp_path, "conapo.csv", data, CONAPO_SPEC, areas)
    got = totals(h, "REF_AREA", "TIME_PERIOD")
    assert got == {(code, "2020"): float(pop) for code, pop in CONAPO_POP.items()}
    # San Felipe (02007, created after the census) has '—': missing, not zero
    assert "02007" not in set(h.observations["REF_AREA"])
    tijuana = h.observations[h.observations["REF_AREA"] == "02004"]
    assert tijuana["row"].tolist() == [18]  # header 1, blank 2, Nacional 3, 01001 at 4
    assert accounting(h) == (21, 17, 0, 4, {"blank": 1, "national-total": 1, "footer": 1,
                                              "no-data": 1})


# ---------------------------------------------------------------------- through the CLI

WORKSPACE = BATTERY_WORKSPACE + 'indicators = ["16.1.1"]\n'  # the default registry


def test_cli_converts_sesnsp_and_conapo(tmp_path: Path, areas: AreaCodelist) -> None:
    ws = tmp_path / "ws"
    (ws / "sources").mkdir(parents=True)
    (ws / "data").mkdir()
    (ws / "sdmx-tools.toml").write_text(WORKSPACE, encoding="utf-8")
    (ws / "data" / "sesnsp.csv").write_bytes(sesnsp_text().encode("latin-1"))
    (ws / "data" / "conapo.csv").write_bytes(conapo_bytes())
    sesnsp_spec = SESNSP_SPEC.replace("{area}", SESNSP_AREAS["code"])
    (ws / "sources" / "sesnsp.toml").write_text(
        sesnsp_spec.replace("{path}", "data/sesnsp.csv"), encoding="utf-8")
    (ws / "sources" / "conapo.toml").write_text(
        CONAPO_SPEC.replace("{path}", "data/conapo.csv"), encoding="utf-8")

    result = CliRunner().invoke(main, ["convert", "-w", str(ws), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    accounts = {a["source"]: a for a in report["accounts"]}
    assert {k: accounts["sesnsp"][k] for k in ("read", "used", "quarantined", "excluded")} == \
        {"read": 16, "used": 14, "quarantined": 0, "excluded": 2}
    assert {k: accounts["conapo"][k] for k in ("read", "used", "quarantined", "excluded")} == \
        {"read": 21, "used": 17, "quarantined": 0, "excluded": 4}

    manifest = json.loads((ws / "out" / "manifest.json").read_text(encoding="utf-8"))
    by_id = {s["id"]: s for s in manifest["sources"]}
    assert by_id["conapo"]["excluded_by_rule"] == {"blank": 1, "national-total": 1,
                                                   "footer": 1, "no-data": 1}
    assert by_id["sesnsp"]["encoding"] in {"cp1252", "latin_1", "iso8859_1", "latin-1"}

    data = pd.read_csv(ws / "out" / "sdmx" / "data.csv", dtype=str)
    tijuana = data[(data["REF_AREA"] == "02004") & (data["TIME_PERIOD"] == "2023")]
    # 1,921 victims in 2023 per 100,000 of Tijuana's 1,922,523 inhabitants
    assert len(tijuana) == 1
    assert float(tijuana["OBS_VALUE"].iloc[0]) == pytest.approx(1921 / 1922523 * 1e5, abs=0.005)
