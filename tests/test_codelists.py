"""Bundled codelists: the loader, the generated area codelist, the SDG subset."""

from __future__ import annotations

import csv
import pickle
import re
from pathlib import Path
from types import ModuleType

import pytest

from sdmx_tools.errors import CodelistError
from sdmx_tools.fsutil import bundled
from sdmx_tools.vocabulary.codelists import Codelist, load_catalogue, load_codelists, read_codes

SDG_CODELISTS = [
    "CL_FREQ", "CL_REPORTING_TYPE", "CL_SERIES", "CL_SEX", "CL_AGE", "CL_URBANISATION",
    "CL_QUANTILE", "CL_EDUCATION_LEV", "CL_OCCUPATION", "CL_CUST_BREAKDOWN",
    "CL_COMP_BREAKDOWN", "CL_DISABILITY", "CL_ACTIVITY", "CL_PRODUCT", "CL_UNIT_MEASURE",
    "CL_UNIT_MULT", "CL_OBS_STATUS", "CL_NATURE", "CL_GEO_INFO_TYPE",
]
POST_2020 = {"02007", "04013", "12082", "12083", "12084", "12085", "24059", "25019", "25020"}


@pytest.fixture(scope="module")
def codelists() -> dict[str, Codelist]:
    return load_codelists()


@pytest.fixture(scope="module")
def area(codelists: dict[str, Codelist]) -> Codelist:
    return codelists["CL_AREA_MX"]


# ------------------------------------------------------------------------------ catalogue


def test_catalogue_lists_every_codelist_with_metadata(codelists: dict[str, Codelist]) -> None:
    assert set(codelists) == {*SDG_CODELISTS, "CL_AREA_MX"}
    for cl in codelists.values():
        assert cl.version, cl.id
        assert cl.names.get("es") and cl.names.get("en"), cl.id
        assert cl.source and cl.licence, cl.id
        assert cl.file is not None and cl.file.is_file(), cl.id
        assert len(cl) > 0, cl.id


def test_every_code_has_spanish_and_english_names(codelists: dict[str, Codelist]) -> None:
    for cl in codelists.values():
        for code in cl:
            assert code.names.get("es") and code.names.get("en"), (cl.id, code.id)


def test_bundled_load_is_cached_but_callers_get_their_own_dict() -> None:
    first = load_codelists()
    first.pop("CL_SEX")
    second = load_codelists()
    assert "CL_SEX" in second
    assert second["CL_AREA_MX"] is load_codelists()["CL_AREA_MX"]


# -------------------------------------------------------------------------- area codelist


def test_area_codelist_has_nation_states_and_all_municipalities(area: Codelist) -> None:
    levels = [c.extra["level"] for c in area]
    assert len(area) == 1 + 32 + 2478
    assert levels.count("nation") == 1 and levels.count("state") == 32
    assert levels.count("municipality") == 2478
    assert area["00"].name("es") == "Estados Unidos Mexicanos" and area["00"].parent is None


def test_area_ids_keep_leading_zeros_and_parents_link_up(area: Codelist) -> None:
    for code in area:
        level = code.extra["level"]
        if level == "state":
            assert re.fullmatch(r"(0[1-9]|[12]\d|3[0-2])", code.id)
            assert code.parent == "00"
        elif level == "municipality":
            assert re.fullmatch(r"\d{5}", code.id)
            assert code.parent == code.id[:2]
            assert area[code.parent].extra["level"] == "state"
    assert "01001" in area and "1001" not in area


def test_census2020_flags_and_vintages(area: Codelist) -> None:
    municipal = [c for c in area if c.extra["level"] == "municipality"]
    absent = {c.id for c in municipal if c.extra["census2020"] == "false"}
    assert sum(c.extra["census2020"] == "true" for c in municipal) == 2469
    assert absent == POST_2020
    for code in POST_2020:
        assert re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", area[code].extra["valid_from"]), code
    assert all(not c.extra["valid_from"] for c in municipal if c.id not in POST_2020)


def test_state_facts(area: Codelist) -> None:
    assert area["05"].name("es") == "Coahuila de Zaragoza"
    assert area["16"].name("es") == "Michoacán de Ocampo"
    assert area["30"].name("es") == "Veracruz de Ignacio de la Llave"
    assert area["09"].name("es") == "Ciudad de México"
    assert area["09"].extra["iso3166_2"] == "MX-CMX"
    assert {"CDMX", "Distrito Federal"} <= set(area["09"].extra["aliases"].split("|"))
    assert "Estado de México" in area["15"].extra["aliases"].split("|")
    isos = [c.extra["iso3166_2"] for c in area if c.extra["level"] == "state"]
    assert len(set(isos)) == 32 and all(re.fullmatch(r"MX-[A-Z]{3}", i) for i in isos)


def test_historic_names_are_aliases(area: Codelist) -> None:
    def aliases(code: str) -> list[str]:
        return area[code].extra["aliases"].split("|")

    assert area["23008"].name("es") == "Playa del Carmen" and "Solidaridad" in aliases("23008")
    assert "Ahualulco" in aliases("24001")
    assert "Cintalapa" in aliases("07017")
    assert "Rosario" in aliases("08056")
    assert "Juchitán de Zaragoza" in aliases("20043")  # honorific dropped


@pytest.mark.shared_data
def test_states_agree_with_inegi_state_table(area: Codelist, shared_data: Path) -> None:
    with (shared_data / "inegi" / "inegi_entidades_32.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 32
    for row in rows:
        state = area[row["cve_ent"]]
        assert state.name("es") == row["nom_ent"]
        assert state.extra["iso3166_2"] == row["iso3166_2"]
        children = [c for c in area if c.parent == row["cve_ent"]]
        assert len(children) == int(row["n_municipios"]), row["nom_ent"]


@pytest.mark.shared_data
def test_municipal_codes_agree_with_inegi_catalogue(area: Codelist, shared_data: Path) -> None:
    with (shared_data / "inegi" / "inegi_municipios_2478.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ours = {c.id for c in area if c.extra["level"] == "municipality"}
    assert ours == {r["cvegeo"] for r in rows}
    # post-2020 municipalities carry population 0 there: they are our census2020=false ones
    assert {r["cvegeo"] for r in rows if r["pob_total_2020"] == "0"} == POST_2020


# ---------------------------------------------------------------------- generator script


def _script() -> ModuleType:
    pytest.importorskip("mcp_inegi", reason="mcp-inegi (test dependency) is not installed")
    from sdmx_tools.territory import build

    return build


def test_committed_area_codelist_is_what_the_script_generates() -> None:
    script = _script()
    assert script.main(["--check", "--out", str(bundled("codelists"))]) == 0


def test_script_output_is_deterministic_and_keeps_hand_written_catalogue(tmp_path: Path) -> None:
    script = _script()
    (tmp_path / "catalogue.toml").write_text('# hand-written\n[[codelist]]\nid = "X"\n',
                                             encoding="utf-8")
    assert script.main(["--out", str(tmp_path)]) == 0
    first = (tmp_path / "CL_AREA_MX.csv").read_bytes(), (tmp_path / "catalogue.toml").read_text()
    assert script.main(["--out", str(tmp_path)]) == 0
    second = (tmp_path / "CL_AREA_MX.csv").read_bytes(), (tmp_path / "catalogue.toml").read_text()
    assert first == second
    assert second[1].startswith('# hand-written\n[[codelist]]\nid = "X"\n')
    assert second[1].count("[[codelist]]") == 2


def test_ageeml_file_gives_the_same_codelist(tmp_path: Path, area: Codelist) -> None:
    # An office refreshing from INEGI's own AGEEML download (tab-separated, ISO-8859-1)
    # must get the same codelist as the mcp-inegi route when the names agree.
    script = _script()
    municipal = [c for c in area if c.extra["level"] == "municipality"]
    lines = ["CVE_ENT\tNOM_ENT\tCVE_MUN\tNOM_MUN\tCVEGEO"]
    lines += [f"{c.id[:2]}\t{area[c.id[:2]].name('es')}\t{c.id[2:]}\t{c.name('es')}\t{c.id}"
              for c in municipal]
    ageeml = tmp_path / "AGEEML.txt"
    ageeml.write_bytes(("\r\n".join(lines) + "\r\n").encode("iso-8859-1"))
    out = tmp_path / "codelists"
    assert script.main(["--ageeml", str(ageeml), "--out", str(out)]) == 0
    assert (out / "CL_AREA_MX.csv").read_bytes() == (bundled("codelists") / "CL_AREA_MX.csv"
                                                     ).read_bytes()
    assert "INEGI AGEEML catalogue file AGEEML.txt" in (out / "catalogue.toml").read_text()
    ageeml.write_text("\n".join(lines[:-1]), encoding="utf-8")  # one municipality short
    with pytest.raises(CodelistError, match="expected 2478"):
        script.main(["--ageeml", str(ageeml), "--out", str(out)])


def test_import_ageeml_into_a_workspace_overrides_the_bundled_areas(tmp_path: Path,
                                                                    area: Codelist) -> None:
    # A newer INEGI catalogue: one municipality renamed, one created. The CLI writes the
    # workspace's codelists/ and matching then uses it.
    from click.testing import CliRunner

    from sdmx_tools.cli import main
    from sdmx_tools.territory import load_areas

    municipal = [c for c in area if c.extra["level"] == "municipality"]
    lines = ["CVE_ENT\tNOM_ENT\tCVE_MUN\tNOM_MUN"]
    for c in municipal:
        name = "Nuevo Nombre" if c.id == "01002" else c.name("es")
        lines.append(f"{c.id[:2]}\t{area[c.id[:2]].name('es')}\t{c.id[2:]}\t{name}")
    lines.append("01\tAguascalientes\t012\tMunicipio Nuevo")
    ageeml = tmp_path / "AGEEML.txt"
    ageeml.write_bytes(("\r\n".join(lines) + "\r\n").encode("iso-8859-1"))
    assert CliRunner().invoke(main, ["init", str(tmp_path / "ws")]).exit_code == 0
    result = CliRunner().invoke(main, ["codelists", "import-ageeml", str(ageeml),
                                       "-w", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{tmp_path / 'ws' / 'codelists' / 'CL_AREA_MX.csv'}\n"
    assert result.stderr.startswith("2479 municipalities;")
    areas = load_areas([tmp_path / "ws" / "codelists"])
    assert areas.name("01002") == "Nuevo Nombre"
    assert "01012" in areas and not areas.is_census2020("01012")
    assert areas.is_census2020("01001") and not areas.is_census2020("02007")
    assert areas.match_name("Municipio Nuevo", "01").code == "01012"

    bad = tmp_path / "bad.txt"
    bad.write_text("a\tb\n1\t2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["codelists", "import-ageeml", str(bad),
                                       "-w", str(tmp_path / "ws")])
    assert result.exit_code == 1 and "bad.txt:1" in result.stderr

    # A truncated catalogue must not silently drop municipalities.
    ageeml.write_text("\n".join(lines[:-2]), encoding="utf-8")
    result = CliRunner().invoke(main, ["codelists", "import-ageeml", str(ageeml),
                                       "-w", str(tmp_path / "ws")])
    assert result.exit_code == 1 and "32058" in result.stderr


# ----------------------------------------------------------------------------- SDG subset


@pytest.fixture(scope="module")
def global_sdg(shared_data: Path) -> object:
    sdmx = pytest.importorskip("sdmx")
    return sdmx.read_sdmx(shared_data / "sdmx" / "SDG_DSD_1.4.xml")


@pytest.mark.shared_data
@pytest.mark.parametrize("codelist_id", SDG_CODELISTS)
def test_sdg_codelist_is_a_subset_of_the_global_one(
    codelist_id: str, codelists: dict[str, Codelist], global_sdg: object
) -> None:
    ours = codelists[codelist_id]
    theirs = global_sdg.codelist[codelist_id]  # type: ignore[attr-defined]
    assert ours.meta["mirrors"].endswith(f":{codelist_id}({theirs.version})")
    for code in ours:
        assert code.id in theirs, f"{code.id} is not in the global {codelist_id}"
        assert code.names["en"] == theirs[code.id].name.localizations["en"], code.id


@pytest.mark.shared_data
def test_the_national_dsd_has_a_total_code_where_the_global_one_does(
    codelists: dict[str, Codelist], global_sdg: object
) -> None:
    for codelist_id in SDG_CODELISTS:
        if "_T" in global_sdg.codelist[codelist_id]:  # type: ignore[attr-defined]
            assert "_T" in codelists[codelist_id], codelist_id


def test_required_sdg_codes_are_present(codelists: dict[str, Codelist]) -> None:
    required = {
        "CL_FREQ": {"A", "M", "Q"},
        "CL_REPORTING_TYPE": {"N", "R", "G"},
        "CL_SERIES": {"VC_IHR_PSRC", "SH_STA_TRAF", "SG_GEN_LOCGELS", "SH_H2O_SAFE",
                      "SH_SAN_SAFE", "EN_REF_WASCOL"},
        "CL_SEX": {"_T", "F", "M"},
        "CL_AGE": {"_T", "Y0T14", "Y15T64", "Y_GE65"},
        "CL_URBANISATION": {"_T", "U", "R"},
        "CL_UNIT_MEASURE": {"NUMBER", "PT", "PER_100000_POP", "PER_1000_POP", "T", "KG",
                            "HA", "KM2", "CUR_LCU"},
        "CL_UNIT_MULT": {"0", "3", "6"},
        "CL_OBS_STATUS": {"A", "E", "M", "O"},
        "CL_NATURE": {"C", "E", "M", "N", "_X"},
    }
    for codelist_id, codes in required.items():
        assert codes <= set(codelists[codelist_id].codes), codelist_id


# ------------------------------------------------------------------------- lookups, errors


def test_missing_code_raises_with_did_you_mean(area: Codelist) -> None:
    with pytest.raises(CodelistError) as info:
        area["2004"]
    assert isinstance(info.value, LookupError)
    assert info.value.value == "2004"
    assert info.value.hint is not None and info.value.hint.startswith("did you mean 02004 Tijuana")
    assert "02004 Tijuana" in str(info.value)
    assert pickle.loads(pickle.dumps(info.value)).hint == info.value.hint


def test_missing_code_given_by_name_suggests_its_code(codelists: dict[str, Codelist]) -> None:
    with pytest.raises(CodelistError, match="did you mean F Female"):
        codelists["CL_SEX"]["Female"]


def test_search_ignores_case_and_accents(codelists: dict[str, Codelist]) -> None:
    assert [c.id for c in codelists["CL_SERIES"].search("HOMICIDIO")] == ["VC_IHR_PSRC"]
    found = {c.id for c in codelists["CL_AREA_MX"].search("alvaro obregon")}
    assert {"09010", "16003"} <= found
    assert codelists["CL_SEX"].search("_t")[0].id == "_T"
    assert codelists["CL_SEX"].search("") == []


# ------------------------------------------------------------------------------ overrides


def _write(folder: Path, catalogue: str, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalogue.toml").write_text(catalogue, encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


ENTRY = '[[codelist]]\nid = "{id}"\nversion = "{v}"\nfile = "{f}"\nnames = {{ en = "x" }}\n'


def test_workspace_folders_override_by_id_in_order(tmp_path: Path) -> None:
    first = _write(tmp_path / "a", ENTRY.format(id="CL_SEX", v="9", f="sex.csv")
                   + ENTRY.format(id="CL_LOCAL", v="1", f="local.csv"),
                   {"sex.csv": "id,name_en\n_T,Total\nX,Other\n",
                    "local.csv": "id,name_es,parent\n007,Siete,\n0071,Hijo,007\n"})
    second = _write(tmp_path / "b", ENTRY.format(id="CL_SEX", v="10", f="sex.csv"),
                    {"sex.csv": "id,name_en\n_T,Total\n"})
    merged = load_codelists([first, second])
    assert merged["CL_SEX"].version == "10" and list(merged["CL_SEX"].codes) == ["_T"]
    assert merged["CL_LOCAL"]["0071"].parent == "007"  # ids stay text
    assert merged["CL_AREA_MX"] is load_codelists()["CL_AREA_MX"]
    assert load_codelists()["CL_SEX"].version == "2025.1"  # the cache was not touched


def test_missing_folder_and_catalogue_are_reported(tmp_path: Path) -> None:
    with pytest.raises(CodelistError, match="folder not found"):
        load_codelists([tmp_path / "nope"])
    with pytest.raises(CodelistError, match="no catalogue") as info:
        load_catalogue(tmp_path)
    assert info.value.file == str(tmp_path / "catalogue.toml")


@pytest.mark.parametrize(
    ("text", "row", "message"),
    [
        ("id,name_en\nA,a\nA,b\n", 3, "duplicate code id"),
        ("id,name_en\nA,a\nbad id,b\n", 3, "invalid code id"),
        ("id,name_en,parent\nA,a,\nB,b,Z\n", 3, "parent code not in the codelist"),
        # DictReader skips blank lines and reads a quoted line break as part of a cell:
        # the row is the file's line, as an editor shows it.
        ("id,name_en\n\nA,a\n\nA,b\n", 5, "duplicate code id"),
        ('id,name_en\nA,"two\nlines"\n\nbad id,b\n', 5, "invalid code id"),
        ("id,name_en,parent\n\nA,a,\n\nB,b,Z\n", 5, "parent code not in the codelist"),
    ],
)
def test_bad_codelist_rows_are_located(tmp_path: Path, text: str, row: int, message: str) -> None:
    path = tmp_path / "cl.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodelistError, match=message) as info:
        read_codes(path)
    assert info.value.row == row and info.value.file == str(path)


@pytest.mark.parametrize(
    ("extra", "message", "hint"),
    [
        ('license = "CC-BY"\n', "unknown key [codelist 1] 'license'", "did you mean 'licence'?"),
        ('source = 3\n', "key 'codelist 1.source' must be str", None),
    ],
)
def test_catalogue_misspelt_or_mistyped_key_is_located(tmp_path: Path, extra: str,
                                                       message: str, hint: str | None) -> None:
    _write(tmp_path, ENTRY.format(id="CL_X", v="1", f="x.csv") + extra, {"x.csv": "id\nA\n"})
    with pytest.raises(CodelistError) as info:
        load_catalogue(tmp_path)
    assert info.value.message == message and info.value.hint == hint
    assert info.value.file == str(tmp_path / "catalogue.toml")


def test_catalogue_keeps_mirrors_and_generator_as_meta(tmp_path: Path) -> None:
    _write(tmp_path, ENTRY.format(id="CL_X", v="1", f="x.csv")
           + 'mirrors = "SDG:CL_X(1.0)"\ngenerated_by = "me"\n', {"x.csv": "id\nA\n"})
    assert load_catalogue(tmp_path)["CL_X"].meta == {"mirrors": "SDG:CL_X(1.0)",
                                                     "generated_by": "me"}


def test_catalogue_entry_without_required_keys(tmp_path: Path) -> None:
    _write(tmp_path, '[[codelist]]\nid = "CL_X"\nfile = "x.csv"\n', {"x.csv": "id\nA\n"})
    with pytest.raises(CodelistError, match="lacks version, names"):
        load_catalogue(tmp_path)


def test_ageeml_rows_are_located_past_blank_lines(tmp_path: Path) -> None:
    from sdmx_tools.territory.build import read_ageeml

    path = tmp_path / "AGEEML.txt"
    path.write_text("CVE_ENT\tCVE_MUN\tNOM_MUN\n01\t001\tAguascalientes\n\n\n"
                    "99\t001\tNowhere\n", encoding="utf-8")
    with pytest.raises(CodelistError, match="not a municipality code") as info:
        read_ageeml(path)
    assert info.value.row == 5
