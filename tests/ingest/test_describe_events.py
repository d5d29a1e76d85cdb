"""describe drafts what a file is: events are counted, codes stay text, counts are true.

Each demo file and the real INEGI sample is described, its draft given the one edit an
analyst makes (the measure id the indicator asks for), loaded as any spec and harmonised;
the values per area and period must equal a recount of the file in plain pandas.
"""

from __future__ import annotations

import json
import random
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sdmx_tools.demo import generate_demo_data
from sdmx_tools.errors import SpecError
from sdmx_tools.ingest import describe as describe_module
from sdmx_tools.ingest.describe import Description, describe_file
from sdmx_tools.ingest.draft import render_toml
from sdmx_tools.ingest.harmonise import Harmonised, harmonise
from sdmx_tools.ingest.readers import read_table
from sdmx_tools.ingest.readers.chunks import plan_blocks
from sdmx_tools.ingest.spec import ReadOptions, SourceSpec, load_spec
from sdmx_tools.territory import AreaCodelist
from sdmx_tools.vocabulary.codelists import fold

INEGI = "samples/inegi_censo2020_poblacion_municipal_latin1.csv"
MONTHS = ["Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto",
          "Septiembre", "Octubre", "Noviembre", "Diciembre"]
Counts = dict[tuple[str, str, str], float]  # (column, area, period) -> value


def one_edit(draft: str, old: str, new: str) -> str:
    """The analyst's one edit: the drafted measure id renamed to the indicator's."""
    line = f'id = "{old}"  # TODO: the measure id your indicators ask for'
    assert draft.count(line) == 1, draft
    return draft.replace(line, f'id = "{new}"')


def convert(draft: str, root: Path, tmp_path: Path, areas: AreaCodelist
            ) -> tuple[SourceSpec, Harmonised]:
    spec_file = tmp_path / "draft.toml"
    spec_file.write_text(draft, encoding="utf-8")
    spec = load_spec(spec_file, root)
    return spec, harmonise(read_table(spec.path, spec.read), spec, areas)


def converted(spec: SourceSpec, h: Harmonised) -> Counts:
    """The harmonised values per measure column, area and period (summed over dimensions)."""
    column = {m.id: m.column or ("rows" if m.count_rows else "melted") for m in spec.measures}
    obs = h.observations.assign(column=h.observations["measure"].map(column))
    sums = obs.groupby(["column", "REF_AREA", "TIME_PERIOD"], observed=True)["value"].sum()
    return {k: float(v) for k, v in sums.items()}


def as_counts(frame: pd.DataFrame, columns: list[str]) -> Counts:
    """``frame`` (area, period and value columns as text) melted to :data:`Counts`."""
    long = frame.melt(["area", "period"], columns, "column", "value")
    long = long[long["value"] != ""]
    return {(c, a, p): float(v) for c, a, p, v in
            zip(long["column"], long["area"], long["period"], long["value"], strict=True)}


def raw(path: Path, encoding: str = "utf-8", sep: str = ",") -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, sep=sep)


# ----------------------------------------------------- independent recounts, in pandas


def recount_conapo(path: Path, areas: AreaCodelist) -> Counts:
    df = raw(path)
    df = df[df["CVE_MUN"].isin(set(areas.municipalities()))]
    df = df.assign(area=df["CVE_MUN"], period=df["AÑO"],
                   POB_TOTAL=df["POB_TOTAL"].str.replace(" ", "").replace("—", ""))
    return as_counts(df, ["POB_TOTAL"])


def recount_sesnsp(path: Path, areas: AreaCodelist) -> Counts:
    df = raw(path, "latin-1")
    df = df.assign(area=df["Cve. Municipio"].str.zfill(5))
    df = df[df["area"].isin(set(areas.municipalities()))]
    long = df.melt(["area", "Año"], MONTHS, "month", "melted")
    long["period"] = long["Año"] + "-" + long["month"].map(
        {m: f"{i:02d}" for i, m in enumerate(MONTHS, 1)})
    return as_counts(long[["area", "period", "melted"]], ["melted"])


def recount_cdmx(path: Path, areas: AreaCodelist) -> Counts:
    df = raw(path)
    code = {fold(areas.name(c)).upper().replace(".", ""): c for c in areas.municipalities("09")}
    counts = df.groupby([df["alcaldia_hechos"].map(code), df["fecha_hechos"]]).size()
    return {("rows", a, p): float(n) for (a, p), n in counts.items()}


def recount_cabildos(path: Path, areas: AreaCodelist) -> Counts:
    df = raw(path)
    df = df.assign(area=df["ubic_geo"].str.zfill(5), period=df["anio"])
    return as_counts(df.replace({"NA": "", "ND": ""}), ["integrantes", "mujeres"])


def recount_viviendas(path: Path, areas: AreaCodelist) -> Counts:
    df = raw(path)
    df = df[df["MUN"] != "000"]  # the state totals
    df = df.assign(area=df["ENTIDAD"] + df["MUN"], period="2020")
    return as_counts(df.replace("*", ""), ["VIVPARH_CV", "VPH_AGUADV", "VPH_NODREN"])


def recount_residuos(path: Path, areas: AreaCodelist) -> Counts:
    df = raw(path, sep=";")
    cols = ["Residuos recolectados (kg/día)", "Generación estimada (t/año)"]
    df = df.assign(area=df["Clave"].str.zfill(5), period=df["Año"]).replace("NS", "")
    df[cols] = df[cols].apply(lambda s: s.str.replace(".", "").str.replace(",", "."))
    return as_counts(df, cols)


Recount = Callable[[Path, AreaCodelist], Counts]
# file, the drafted measure id, the id the demo's indicators ask for, the pandas recount
DEMO: list[tuple[str, str, str, Recount]] = [
    ("poblacion_conapo.csv", "value", "population", recount_conapo),
    ("sesnsp_homicidios.csv", "value", "homicide_victims", recount_sesnsp),
    ("cdmx_victimas_transito.csv", "value", "road_traffic_deaths", recount_cdmx),
    ("cngmd_cabildos.csv", "mujeres", "council_seats_women", recount_cabildos),
    ("inegi_iter_viviendas.csv", "vivparh_cv", "dwellings", recount_viviendas),
    ("cngmd_residuos.csv", "residuos_recolectados_kg_dia", "waste_collected",
     recount_residuos),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's generated source files (deterministic), in ``<root>/data``."""
    root = tmp_path_factory.mktemp("demo")
    generate_demo_data(root)
    return root


@pytest.mark.parametrize(("name", "drafted", "wanted", "recount"), DEMO,
                         ids=[d[0].removesuffix(".csv") for d in DEMO])
def test_demo_draft_converts_to_a_pandas_recount_with_one_edit(
        demo: Path, tmp_path: Path, areas: AreaCodelist, name: str, drafted: str,
        wanted: str, recount: Recount) -> None:
    path = demo / "data" / name
    draft = one_edit(render_toml(describe_file(path, areas), demo), drafted, wanted)
    if name == "inegi_iter_viviendas.csv":
        # Nothing in this file says its year (no year column, title line, footer or year
        # in its name): the draft leaves the period to the analyst rather than invent it.
        with pytest.raises(SpecError, match="period"):
            convert(draft, demo, tmp_path, areas)
        draft = draft.replace("[period]\n", '[period]\nvalue = "2020"\n')
    spec, h = convert(draft, demo, tmp_path, areas)
    assert wanted in {m.id for m in spec.measures}
    got, want = converted(spec, h), recount(path, areas)
    assert len(want) > 100 and got == want
    quarantined = h.quarantine[["reason", "value"]].values.tolist()
    assert quarantined == ([["unknown-area", "2099"]] if name.startswith("sesnsp") else [])


def test_demo_event_file_is_counted_by_date_in_one_state(demo: Path, areas: AreaCodelist
                                                        ) -> None:
    d = describe_file(demo / "data" / "cdmx_victimas_transito.csv", areas)
    assert d.events == "'id' identifies each row"
    assert d.area == {"name_column": "alcaldia_hechos", "state": "09"}
    assert d.period == {"column": "fecha_hechos", "format": "date"}
    draft = render_toml(d, demo)
    assert tomllib.loads(draft)["measures"] == [
        {"id": "value", "unit": "count", "count_rows": True}]
    assert '# covers = ["09"]' in draft  # exhaustiveness is the analyst's call
    assert '# also period columns, not needed with the above: ["ao_hechos", "mes_hechos"]' \
        in draft


def test_demo_conapo_measures_only_the_population(demo: Path, areas: AreaCodelist) -> None:
    d = describe_file(demo / "data" / "poblacion_conapo.csv", areas)
    draft = tomllib.loads(render_toml(d, demo))
    assert draft["measures"] == [{"id": "value", "unit": "person", "column": "POB_TOTAL"}]
    roles = {c.name: (c.role, c.type) for c in d.columns}
    assert roles["CVE_ENT"] == ("state", "text") and roles["CVE_MUN"] == ("area-code", "text")
    assert roles["AÑO"] == ("period", "integer") and roles["column_6"][0] == "empty"


# ------------------------------------------------------------------- the real sample


@pytest.mark.shared_data
def test_inegi_sample_draft_converts_to_a_pandas_recount(
        shared_data: Path, tmp_path: Path, areas: AreaCodelist) -> None:
    path = shared_data / INEGI
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    d = describe_file(path, areas)
    assert d.encoding == "latin-1"
    assert read_table(path, ReadOptions(header_row=4)).encoding == d.encoding  # convert's
    codes = {c.name: c for c in d.columns}["column_1"]
    assert (codes.role, codes.type) == ("area-code", "text")
    assert "2,501 distinct in all" in codes.note  # 2,469 municipalities + 32 state rows
    draft = one_edit(render_toml(d, shared_data), "total", "population")
    assert [(m["column"], m["unit"]) for m in tomllib.loads(draft)["measures"]] == [
        ("Total", "person"), ("Hombres", "person"), ("Mujeres", "person")]
    spec, h = convert(draft, shared_data, tmp_path, areas)
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="latin-1", skiprows=3)
    key = df.iloc[:, 0].str.strip()
    df = df[key.str.fullmatch(r"\d{2} \d{3}")].assign(
        area=key.str.replace(" ", ""), period="2020")
    cols = ["Total", "Hombres", "Mujeres"]
    df[cols] = df[cols].apply(lambda s: s.str.replace(",", ""))
    want = as_counts(df, cols)
    assert len(want) == 3 * 2469 and converted(spec, h) == want
    assert h.account.quarantined == 0


# ----------------------------------------------------------------------- the rules


def events_file(path: Path, areas: AreaCodelist) -> list[tuple[str, str]]:
    """Prosecutors' style incidents: folio, coordinates, free text, sex, age; no state."""
    rng = random.Random(7)
    munis = areas.municipalities("09")
    lines = ["folio,fecha_hechos,hora,delito,descripcion,alcaldia,latitud,longitud,edad,sexo"]
    keys = []
    for i in range(600):
        c, day = rng.choice(munis), f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        keys.append((c, day))
        lines.append(f"CI-FIDCUH/{i:05d},{day},{rng.randint(0, 23):02d}:30,ROBO,"
                     f'"se llevaron el vehiculo {rng.random():.3f} estacionado en la via",'
                     f"{fold(areas.name(c)).upper()},{19 + rng.random():.6f},"
                     f"{-99 - rng.random():.6f},{rng.randint(15, 80)},{rng.choice('12')}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return keys


def test_event_file_counts_rows_not_coordinates_ids_or_text(
        tmp_path: Path, areas: AreaCodelist) -> None:
    keys = events_file(tmp_path / "incidentes.csv", areas)
    d = describe_file(tmp_path / "incidentes.csv", areas)
    roles = {c.name: c.role for c in d.columns}
    assert roles == {"folio": "identifier", "fecha_hechos": "period", "hora": "other",
                     "delito": "category", "descripcion": "other", "alcaldia": "area-name",
                     "latitud": "coordinate", "longitud": "coordinate", "edad": "value",
                     "sexo": "category"}
    assert d.area == {"name_column": "alcaldia", "state": "09"}
    draft = render_toml(d, tmp_path)
    measures = tomllib.loads(draft)["measures"]
    assert measures == [{"id": "value", "unit": "count", "count_rows": True}]
    assert '# numeric columns not summed (each row counts once): ["edad"]' in draft
    out = tmp_path / "out"
    out.mkdir()
    spec, h = convert(one_edit(draft, "value", "thefts"), tmp_path, out, areas)
    want = pd.Series(keys).value_counts()
    assert converted(spec, h) == {("rows", a, p): float(n) for (a, p), n in want.items()}


def test_unnamed_and_code_columns_are_not_measures(tmp_path: Path, areas: AreaCodelist
                                                  ) -> None:
    munis = areas.municipalities()[:60]
    lines = ["CVE_ENT,CVE_MUN,CVE_LOC,AÑO,POB_TOTAL,"]
    lines += [f"{int(c[:2])},{int(c[2:])},{i + 1:04d},2020,{1000 + 37 * i},{i * 7 % 13}"
              for i, c in enumerate(munis)]
    (tmp_path / "conapo.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    d = describe_file(tmp_path / "conapo.csv", areas)
    assert [c.name for c in d.role("value")] == ["POB_TOTAL"]
    roles = {c.name: (c.role, c.type) for c in d.columns}
    assert roles["CVE_LOC"] == ("code", "text") and roles["column_6"][0] == "other"
    assert d.area == {"state_column": "CVE_ENT", "municipality_column": "CVE_MUN"}
    assert [m.get("column") for m in tomllib.loads(render_toml(d, tmp_path))["measures"]] \
        == ["POB_TOTAL"]


@pytest.mark.parametrize("keys", [['" 01 001 "', '" 01 002 "', '" 10 001 "'],
                                  ['"10 001"', '"10 002"', '"32 056"']])
def test_spaced_and_zero_padded_keys_are_text(tmp_path: Path, areas: AreaCodelist,
                                             keys: list[str]) -> None:
    lines = ["clave,poblacion"] + [f'{k},"{1000 + i:,}"' for i, k in enumerate(keys)]
    (tmp_path / "f.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    d = describe_file(tmp_path / "f.csv", areas)
    assert (d.columns[0].role, d.columns[0].type) == ("area-code", "text")
    assert (d.columns[1].role, d.columns[1].type) == ("value", "integer")


def test_sample_caps_are_not_reported_as_totals(demo: Path, tmp_path: Path,
                                                areas: AreaCodelist,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = demo / "data" / "poblacion_conapo.csv"
    whole = {c.name: c for c in describe_file(path, areas).columns}["CVE_MUN"]
    assert whole.distinct == 2478 and not whole.distinct_lower_bound
    assert whole.note == ("2,000 of a sample of 2,000 distinct values are INEGI codes; "
                          "2,478 distinct in all")
    monkeypatch.setattr(describe_module, "HEAD_BYTES", 20_000)
    monkeypatch.setattr(describe_module, "TAIL_BYTES", 2_000)
    part = describe_file(path, areas)
    col = {c.name: c for c in part.columns}["CVE_MUN"]
    assert not part.complete and col.distinct_lower_bound and col.distinct < 2478
    assert re.search(r"of at least [\d,]+ distinct values are INEGI codes$", col.note)


@pytest.mark.parametrize(("extra", "encoding"), [(b"", "latin-1"),
                                                 (b" \x93cita\x94", "cp1252")])
def test_describe_and_convert_agree_on_the_8bit_encoding(
        tmp_path: Path, extra: bytes, encoding: str) -> None:
    # Larger than the part describe samples, the telling byte in the unsampled middle.
    rows = 3 * (describe_module.HEAD_BYTES + describe_module.TAIL_BYTES) // 30
    lines = [b"cve,anio,municipio,valor"] + [
        b"%05d,2020,Jes\xfas Mar\xeda%s,%d" % (1001 + i % 11, extra if i == rows // 2 else b"",
                                               i)
        for i in range(rows)]
    path = tmp_path / "f.csv"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    assert not describe_file(path).complete
    assert describe_file(path).encoding == encoding
    assert read_table(path, ReadOptions()).encoding == encoding
    plan = plan_blocks(path, ReadOptions(), block_bytes=20_000)
    assert plan is not None and plan.encoding == encoding


def test_description_lists_its_events_reason_in_json(demo: Path, areas: AreaCodelist
                                                    ) -> None:
    d: Description = describe_file(demo / "data" / "cngmd_cabildos.csv", areas)
    assert d.events == "" and d.to_dict()["events"] == ""
    events = describe_file(demo / "data" / "cdmx_victimas_transito.csv", areas)
    assert json.loads(events.to_json())["events"] == "'id' identifies each row"
    assert [c.name for c in d.role("value")] == ["integrantes", "mujeres"]
