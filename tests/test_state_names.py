"""State names as files write them, and municipality names given with the wrong state.

Every abbreviation and variant must name its state (any case, accents or not, dots or
not); a form two states could share goes to review, never to a guess; a municipality
written with another state than its own goes to review with its real code as a candidate.
Run on the bundled codelist and on a codelist built from INEGI's own reference files.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from sdmx_tools.ingest.areas import resolve_areas
from sdmx_tools.ingest.match_file import match_file
from sdmx_tools.ingest.spec import AreaSpec
from sdmx_tools.territory import AreaCodelist, AreaHit, state_keys
from sdmx_tools.territory.states import AMBIGUOUS_FORMS, OFFICIAL_ABBREVIATIONS, StateNames
from sdmx_tools.vocabulary.codelists import Code, Codelist, fold

# The forms of issue 14, with their state.
FORMS = {
    "Edo. Mex.": "15", "Edo. de México": "15", "Estado de México": "15", "Méx.": "15",
    "Mex": "15", "CDMX": "09", "D.F.": "09", "Distrito Federal": "09",
    "Ciudad de México": "09", "Q. Roo": "23", "Quintana Roo": "23", "BC": "02",
    "B.C.": "02", "BCS": "03", "B.C.S.": "03", "Baja California Sur": "03", "NL": "19",
    "N.L.": "19", "SLP": "24", "S.L.P.": "24", "Coah.": "05", "Coahuila de Zaragoza": "05",
    "Mich.": "16", "Michoacán de Ocampo": "16", "Ver.": "30",
    "Veracruz de Ignacio de la Llave": "30", "Chih.": "08", "Gro.": "12", "Gto.": "11",
    "Hgo.": "13", "Jal.": "14", "Mor.": "17", "Nay.": "18", "Oax.": "20", "Pue.": "21",
    "Qro.": "22", "Sin.": "25", "Son.": "26", "Tab.": "27", "Tamps.": "28", "Tlax.": "29",
    "Yuc.": "31", "Zac.": "32", "Ags.": "01", "Camp.": "04", "Chis.": "07", "Col.": "06",
    "Dgo.": "10",
}


def _spellings(form: str) -> set[str]:
    """The ways files write one form: case, accents, dots, spaces around dots."""
    bare = form.replace(".", "")
    return {form, form.upper(), form.lower(), fold(form), bare, bare.upper(), fold(bare),
            form.replace(". ", "."), form.replace(".", ". ").strip(), f"  {form} "}


def _reference_areas(shared_data: Path) -> AreaCodelist:
    """CL_AREA_MX built from INEGI's reference files alone: official names, no aliases."""
    inegi = shared_data / "inegi"
    states = pd.read_csv(inegi / "inegi_entidades_32.csv", dtype=str)
    munis = pd.read_csv(inegi / "inegi_municipios_2478.csv", dtype=str)
    codes = {"00": Code("00", {"es": "Estados Unidos Mexicanos"}, None, {"level": "nation"})}
    for row in states.itertuples():
        codes[row.cve_ent] = Code(row.cve_ent, {"es": row.nom_ent}, "00",
                                  {"level": "state", "iso3166_2": row.iso3166_2})
    for row in munis.itertuples():
        codes[row.cvegeo] = Code(row.cvegeo, {"es": row.nom_mun}, row.cve_ent,
                                 {"level": "municipality"})
    return AreaCodelist(Codelist("CL_AREA_MX", "test", {"es": "áreas"}, "INEGI", "", codes))


@pytest.fixture(scope="module")
def reference(shared_data: Path) -> AreaCodelist:
    return _reference_areas(shared_data)


@pytest.fixture(params=["bundled", pytest.param("reference", marks=pytest.mark.shared_data)])
def any_areas(request: pytest.FixtureRequest, areas: AreaCodelist) -> AreaCodelist:
    """The bundled codelist, and one built from INEGI's reference files alone."""
    if request.param == "bundled":
        return areas
    return request.getfixturevalue("reference")


# ------------------------------------------------------------------------- abbreviations


@pytest.mark.parametrize(("form", "code"), sorted(FORMS.items()))
def test_every_form_names_its_state_however_written(any_areas: AreaCodelist, form: str,
                                                    code: str) -> None:
    for written in _spellings(form):
        (match,) = any_areas.match_states([written])
        assert (match.code, match.status) == (code, "matched"), written
        assert any_areas.resolve_state(written) == code, written


@pytest.mark.parametrize("number", range(1, 33))
def test_inegi_codes_with_or_without_leading_zero(any_areas: AreaCodelist, number: int) -> None:
    code = f"{number:02d}"
    for written in (code, str(number), number, float(number), f" {code} "):
        (match,) = any_areas.match_states([written])
        assert (match.code, match.method, match.status) == (code, "code", "matched"), written


def test_the_32_official_abbreviations_are_written_down() -> None:
    assert sorted(OFFICIAL_ABBREVIATIONS) == [f"{n:02d}" for n in range(1, 33)]
    assert len(set(OFFICIAL_ABBREVIATIONS.values())) == 32


@pytest.mark.shared_data
def test_inegi_abbreviations_names_and_iso_codes(any_areas: AreaCodelist,
                                                 shared_data: Path) -> None:
    # NOM_ABR of INEGI's catalogue, official names, ISO 3166-2, as the reference has them
    table = pd.read_csv(shared_data / "inegi" / "inegi_entidades_32.csv", dtype=str)
    assert len(table) == 32
    for row in table.itertuples():
        for written in (row.nom_abr, row.nom_ent, row.iso3166_2, fold(row.nom_ent).upper()):
            assert any_areas.resolve_state(written) == row.cve_ent, written


@pytest.mark.shared_data
def test_mxmaps_state_names_and_abbreviations(any_areas: AreaCodelist,
                                              shared_data: Path) -> None:
    # Another real source: short names ("Coahuila") and dotless capitals ("CHPS", "QROO")
    table = pd.read_csv(shared_data / "inegi" / "mxmaps_df_mxmunicipio_2020.csv", dtype=str,
                        usecols=["state_code", "state_name", "state_name_official",
                                 "state_abbr", "state_abbr_official"]).drop_duplicates()
    assert len(table) == 32
    for row in table.itertuples():
        for written in (row.state_name, row.state_name_official, row.state_abbr,
                        row.state_abbr_official):
            assert any_areas.resolve_state(written) == row.state_code, written


# ----------------------------------------------------------------------------- ambiguity


@pytest.mark.parametrize(("form", "codes"), [
    ("Baja", {"02", "03"}),  # Baja California or Baja California Sur
    ("BAJA CALIF.", {"02", "03"}),
    ("Baja Californi", {"02", "03"}),  # cut short: Sur may follow
    ("B. Cal.", {"02", "03"}),
    ("Chi.", {"07", "08"}),  # Chiapas (Chis.) or Chihuahua (Chih.)
    ("CHI", {"07", "08"}),
    ("Ta", {"27", "28"}),  # Tabasco or Tamaulipas
])
def test_a_form_of_two_states_goes_to_review(any_areas: AreaCodelist, form: str,
                                             codes: set[str]) -> None:
    (match,) = any_areas.match_states([form])
    assert (match.status, match.code) == ("review", None)
    assert codes <= {c for c, _, _ in match.candidates}
    assert any_areas.resolve_state(form) is None
    # a name given with it is looked up in either state, and never matched
    # (a municipality of one of the two states, and where it is)
    name, expected = {"02": ("Ensenada", {"02001"}), "07": ("Juárez", {"07048", "08037"}),
                      "27": ("Matamoros", {"28022"})}[min(codes)]
    named = any_areas.match_name(name, form)
    assert (named.status, named.code) == ("review", None)
    assert "could be" in (named.note or "")
    assert expected <= {c for c, _, _ in named.candidates}


def test_ambiguous_forms_are_listed_for_both_states_only() -> None:
    assert all(len(codes) == 2 for codes in AMBIGUOUS_FORMS.values())


def test_no_form_is_silently_shared_by_two_states(any_areas: AreaCodelist) -> None:
    # Every form the index knows names one state, except the ambiguous ones written down.
    index: StateNames = any_areas.names.state_names
    shared = {key: set(codes) for key, codes in index._keys.items() if len(codes) > 1}
    allowed = {key for form in AMBIGUOUS_FORMS for key in state_keys(form)}
    assert set(shared) <= allowed, shared


def test_a_name_cut_short_never_matches_another_state(any_areas: AreaCodelist) -> None:
    # Every beginning of every state's name: its own state, review, or nothing; when the
    # beginning is another state's too, never matched.
    names = {c: fold(any_areas.name(c)) for c in any_areas.states()}
    for code, name in names.items():
        for cut in range(2, len(name)):
            prefix = name[:cut].strip()
            (match,) = any_areas.match_states([prefix])
            whole = [c for c, n in names.items() if n == prefix]  # "Baja California"
            if whole:
                assert (match.code, match.status) == (whole[0], "matched"), prefix
                continue
            assert match.code in (None, code), (prefix, match.code)
            others = [c for c, n in names.items() if c != code and
                      n.replace(" ", "").startswith(prefix.replace(" ", ""))]
            if others:
                assert match.status == "review", prefix
                assert {code, *others} <= {c for c, _, _ in match.candidates} or \
                    len(others) >= 3, prefix


def test_an_unknown_state_stays_unmatched(areas: AreaCodelist) -> None:
    for value in ("Atlantis", "Texas", "Mx.", "X"):
        (match,) = areas.match_states([value])
        assert match.code is None and match.status in ("review", "unmatched"), value
    assert areas.match_states(["Atlantis"])[0].status == "unmatched"


# ------------------------------------------------------------------ the wrong state given


@pytest.mark.parametrize(("name", "state", "truth", "label"), [
    ("Tijuana", "Sonora", "02004", "Tijuana, Baja California"),
    ("TIJUANA", "Son.", "02004", "Tijuana, Baja California"),
    ("Tijuan", "26", "02004", "Tijuana, Baja California"),  # one letter off, too
    ("Zapopan", "N.L.", "14120", "Zapopan, Jalisco"),
    ("NEZAHUALCOYOTL", "CDMX", "15058", "Nezahualcóyotl, México"),
    ("Ecatepec de Morelos", "D.F.", "15033", "Ecatepec de Morelos, México"),
    ("Cuetzalan del Progreso", "Gro.", "21043", "Cuetzalan del Progreso, Puebla"),
])
def test_the_right_name_in_the_wrong_state_goes_to_review(
    areas: AreaCodelist, name: str, state: str, truth: str, label: str
) -> None:
    match = areas.match_name(name, state)
    assert (match.status, match.code) == ("review", None)
    assert (truth, label) in [(c, n) for c, n, _ in match.candidates]
    assert "check the state column" in (match.note or "")


def test_homonyms_in_other_states_do_not_block_a_match_in_this_one(areas: AreaCodelist) -> None:
    # Vicente Guerrero is in Durango, Puebla and Tlaxcala: a typo of it given with Durango
    # is no nearer the others', so the state column stands.
    match = areas.match_name("Vicente Guerreo", "Dgo.")
    assert (match.code, match.method, match.status) == ("10038", "fuzzy", "matched")
    # a typo the state's own names explain no worse than another state's: no candidates
    # from elsewhere, and no doubt cast on the state column
    doubtful = areas.match_name("Cuauktémoc", "Chih.")
    assert [c for c, _, _ in doubtful.candidates][:1] == ["08017"]
    assert "check the state column" not in (doubtful.note or "")
    assert areas.match_name("Victoria", "Gto.").code == "11043"


@pytest.mark.shared_data
def test_every_unique_name_given_with_another_state_goes_to_review(
    reference: AreaCodelist, areas: AreaCodelist, shared_data: Path
) -> None:
    table = pd.read_csv(shared_data / "inegi" / "inegi_municipios_2478.csv", dtype=str)
    unique = table.drop_duplicates("nom_mun", keep=False)
    # Each name with the next state, numbered round: every one to review, with its code.
    wrong = [f"{int(s) % 32 + 1:02d}" for s in unique["cve_ent"]]
    for index in (reference, areas):
        matches = index.match_names(unique["nom_mun"].tolist(), wrong)
        assert {m.status for m in matches} == {"review"}
        missing = [(code, name) for code, name, m in
                   zip(unique["cvegeo"], unique["nom_mun"], matches, strict=True)
                   if code not in {c for c, _, _ in m.candidates}]
        assert missing == []


# ------------------------------------------------------------- through the library's users


def test_codelists_match_reads_abbreviations_and_flags_the_wrong_state(tmp_path: Path,
                                                                       areas: AreaCodelist
                                                                       ) -> None:
    src = tmp_path / "names.csv"
    src.write_text("municipio,estado\nEcatepec de Morelos,Edo. Mex.\nTijuana,B.C.\n"
                   "La Paz,B.C.S.\nTijuana,Son.\nEnsenada,Baja\nSpringfield,Oax.\n",
                   encoding="utf-8")
    out = match_file(src, areas, name_column="municipio", state_column="estado")
    assert list(out["ref_area"]) == ["15033", "02004", "03003", "", "", ""]
    assert list(out["match_status"]) == ["matched", "matched", "matched", "review", "review",
                                         "unmatched"]
    assert out["candidates"][3] == "02004 Tijuana, Baja California (100)"
    assert out["candidates"][4].startswith("02001 Ensenada, Baja California (100)")


def test_source_specs_resolve_state_abbreviations_and_review_the_wrong_state(
    areas: AreaCodelist,
) -> None:
    rows = pd.DataFrame({"estado": ["Q. Roo", "qroo", "S.L.P.", "Son.", "Chi."],
                         "municipio": ["Solidaridad", "Benito Juárez", "Ahualulco", "Tijuana",
                                       "Juárez"]})
    spec = AreaSpec(name_column="municipio", state_column="estado")
    codes, failed, _ = resolve_areas(rows, spec, areas)
    assert list(codes)[:3] == ["23008", "23005", "24001"]
    assert failed["reason"].tolist() == ["area-review", "area-review"]
    assert "02004 Tijuana, Baja California" in failed["candidates"].iloc[0]
    state_only = resolve_areas(rows, AreaSpec(state_column="estado"), areas)
    assert list(state_only[0])[:4] == ["23", "23", "24", "26"]
    assert state_only[1]["reason"].tolist() == ["area-review"]
    assert {"07", "08"} <= {c.split()[0] for c in state_only[1]["candidates"].iloc[0]
                            .split("; ")}


# ----------------------------------------------------------------------------- search


def test_search_shows_each_municipality_state(areas: AreaCodelist) -> None:
    hits = areas.search("benito juarez")
    assert AreaHit("09014", "Benito Juárez", "Ciudad de México", "09", "municipality") in hits
    assert {h.state_name for h in hits if h.name == "Benito Juárez"} >= {"Quintana Roo",
                                                                        "Sonora"}
    assert areas.search("02004") == [AreaHit("02004", "Tijuana", "Baja California", "02",
                                             "municipality")]
    assert areas.state_name("02004") == "Baja California" and areas.state_name("00") is None
    assert [(h.code, h.state_name) for h in areas.search("Zacatecas", 1)] == [
        ("32", "Zacatecas")]


def test_candidate_labels_name_the_state_only_when_it_is_another(areas: AreaCodelist) -> None:
    index = areas.names
    assert index.label("02004", "02") == "Tijuana"
    assert index.label("02004", "26") == "Tijuana, Baja California"
    assert index.label("02004") == "Tijuana, Baja California"
    assert index.label("02") == "Baja California"
    homonyms = areas.match_name("Benito Juárez")
    assert [n for _, n, _ in homonyms.candidates][:1] == ["Benito Juárez, Ciudad de México"]
    pairs = list(itertools.islice(((c, n) for c, n, _ in homonyms.candidates), 3))
    assert all(n.endswith(areas.state_name(c) or "?") for c, n in pairs)
