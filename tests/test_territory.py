"""INEGI areas: code normalisation, hierarchy and name matching on CL_AREA_MX."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from sdmx_tools.errors import TerritoryError
from sdmx_tools.territory import (
    AreaCodelist,
    normalise_code,
    normalise_name,
    normalise_parts,
)

# Oaxaca's two pairs of homonymous municipalities: no name alone can tell them apart.
OAXACA_HOMONYMS = {"20208", "20209", "20318", "20319"}
CDMX_UPPERCASE = {
    "AZCAPOTZALCO": "09002", "COYOACAN": "09003", "CUAJIMALPA DE MORELOS": "09004",
    "GUSTAVO A MADERO": "09005", "IZTACALCO": "09006", "IZTAPALAPA": "09007",
    "LA MAGDALENA CONTRERAS": "09008", "MILPA ALTA": "09009", "ALVARO OBREGON": "09010",
    "TLAHUAC": "09011", "TLALPAN": "09012", "XOCHIMILCO": "09013", "BENITO JUAREZ": "09014",
    "CUAUHTEMOC": "09015", "MIGUEL HIDALGO": "09016", "VENUSTIANO CARRANZA": "09017",
}


# ---------------------------------------------------------------------------------- codes


@pytest.mark.parametrize(
    ("raw", "code", "level"),
    [
        (1001, "01001", "municipality"),  # CNGMD: unpadded
        ("1001", "01001", "municipality"),
        ("01001", "01001", "municipality"),
        (" 01 001 ", "01001", "municipality"),  # INEGI Consulta interactiva
        ("\u00a001\u00a0001 ", "01001", "municipality"),
        ("2004", "02004", "municipality"),  # SESNSP: Tijuana without its zero
        (1001.0, "01001", "municipality"),  # Excel float
        ("1001.0", "01001", "municipality"),
        ("'01001", "01001", "municipality"),  # Excel text marker
        ('="01001"', "01001", "municipality"),
        ("01-001", "01001", "municipality"),
        ("010010001", "01001", "municipality"),  # locality -> municipality
        (10010001, "01001", "municipality"),  # locality, lost its zero
        ("01 001 0001", "01001", "municipality"),
        ("=CONCATENAR(0,01) ", "01", "state"),  # leaked Excel formula, states 01-09
        ("=CONCATENAR( ,10) ", "10", "state"),  # ... and 10-32
        ("=CONCATENATE(0,9)", "09", "state"),
        ("1", "01", "state"),
        (32, "32", "state"),
        ("01000", "01", "state"),  # state total row in a municipal table
        (0, "00", "nation"),
        ("0", "00", "nation"),
        ("00", "00", "nation"),
    ],
)
def test_normalise_code_written_forms(raw: object, code: str, level: str) -> None:
    result = normalise_code(raw)
    assert result is not None
    assert (result.code, result.level) == (code, level)


@pytest.mark.parametrize(
    ("raw", "state", "note"),
    [
        ("01999", "01", "999 means unknown"),
        ("99", None, "unknown"),
        (99999, None, "unknown"),
        ("33", None, "no state 33"),
        ("999", None, "needs its state"),
        ("123456", None, "no INEGI code length"),
        ("Total", None, "not an INEGI code"),
        (1001.5, None, "not an INEGI code"),
        (-1, None, "not an INEGI code"),
        (True, None, "not an INEGI code"),
        ("00001", None, "without a state"),
    ],
)
def test_normalise_code_refuses_to_invent(raw: object, state: str | None, note: str) -> None:
    result = normalise_code(raw)
    assert result is not None and result.code is None
    assert result.state == state
    assert result.note is not None and note in result.note


@pytest.mark.parametrize("raw", [None, "", "   ", float("nan"), pd.NA])
def test_missing_values_are_none(raw: object) -> None:
    assert normalise_code(raw) is None


@pytest.mark.parametrize(
    ("state", "municipality", "code"),
    [
        ("2", "4", "02004"),  # health ministry: separate columns, unpadded
        (2, 4, "02004"),
        ("02", "004", "02004"),
        (2.0, 4.0, "02004"),
        ("01", "01001", "01001"),  # CONAPO: CVE_MUN already has five digits
        ("15", "99", "15099"),  # 099 is a real municipality (Texcoco), not a sentinel
        ("01", None, "01"),
        ("01", "", "01"),
        ("01", "000", "01"),
    ],
)
def test_normalise_parts(state: object, municipality: object, code: str) -> None:
    result = normalise_parts(state, municipality)
    assert result is not None and result.code == code


def test_normalise_parts_sentinels_and_conflicts() -> None:
    unknown = normalise_parts("2", "999")
    assert unknown is not None and unknown.code is None and unknown.state == "02"
    state_unknown = normalise_parts("99", "999")
    assert state_unknown is not None and state_unknown.code is None
    assert state_unknown.state is None
    conflict = normalise_parts("02", "01001")
    assert conflict is not None and conflict.code is None and "disagrees" in (conflict.note or "")
    assert normalise_parts(None, None) is None


class _Text(str):
    """Text that is not exactly ``str``: normalise_parts takes its general path."""


@pytest.mark.parametrize("state", ["0", "00", "1", "01", "2", "9", "09", "32", "33", "97",
                                   "99", "7"])
def test_normalise_parts_short_digits_as_the_general_path(state: str) -> None:
    # Plain digit text has a shortcut; it must answer as the checks it skips would.
    for municipality in ["0", "00", "000", "1", "01", "004", "099", "123", "570", "996",
                         "997", "998", "999"]:
        fast = normalise_parts(state, municipality)
        general = normalise_parts(_Text(state), _Text(municipality))
        assert fast == general, (state, municipality)


def test_unknown_well_formed_code_is_reported_not_replaced(areas: AreaCodelist) -> None:
    result = areas.normalise_code("2008")
    assert result is not None
    assert (result.code, result.known) == ("02008", False)
    assert "not in CL_AREA_MX" in (result.note or "")
    known = areas.normalise_code(" 01 001 ")
    assert known is not None and known.known is True


def test_match_codes_column(areas: AreaCodelist) -> None:
    column = pd.Series([2004, "02004", None, "01999", "2008", 2004.0, "=CONCATENAR(0,01) "])
    result = areas.match_codes(column)
    assert [m.code for m in result] == ["02004", "02004", None, None, None, "02004", "01"]
    assert [m.status for m in result] == ["matched", "matched", "unmatched", "unmatched",
                                          "unmatched", "matched", "matched"]
    assert result[0].method == "code"
    assert [c[0] for c in result[4].candidates] == ["02007", "02006", "02005"]


# ------------------------------------------------------------------------------ hierarchy


def test_hierarchy(areas: AreaCodelist) -> None:
    assert areas.level("00") == "nation"
    assert areas.level("09") == "state"
    assert areas.level("09005") == "municipality"
    assert areas.parent("09005") == "09" and areas.parent("09") == "00"
    assert areas.parent("00") is None
    assert areas.state_of("02004") == "02" and areas.state_of("02") == "02"
    assert areas.state_of("00") is None
    assert areas.name("02004") == "Tijuana"
    assert len(areas.municipalities()) == 2478
    assert len(areas.municipalities("09")) == 16
    assert len(areas.municipalities("Oaxaca")) == 570
    assert areas.municipalities("CDMX") == areas.municipalities("09")
    assert len(areas.states()) == 32


def test_census_vintage(areas: AreaCodelist) -> None:
    assert areas.is_census2020("24058") is True
    assert areas.is_census2020("24059") is False  # Villa de Pozos, created after 2020
    assert sum(areas.is_census2020(c) for c in areas.municipalities()) == 2469


def test_unknown_area_raises_with_hint(areas: AreaCodelist) -> None:
    with pytest.raises(TerritoryError) as info:
        areas.level("2004")
    assert isinstance(info.value, LookupError)
    assert "02004 Tijuana" in (info.value.hint or "")
    with pytest.raises(TerritoryError, match="state not recognised"):
        areas.municipalities("Atlantis")


# ---------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("  Álvaro   Obregón ", "alvaro obregon"),
        ("GUSTAVO A. MADERO", "gustavo a madero"),
        ("Cd. Madero", "ciudad madero"),
        ("Gral. Escobedo", "general escobedo"),
        ("Sta. Ma. del Tule", "santa maria del tule"),
        ("Sn. Pedro", "san pedro"),
        ("S. Pedro Garza García", "san pedro garza garcia"),
        ("Dr. Arroyo", "doctor arroyo"),
        ("San Juan Mixtepec.", "san juan mixtepec"),
        ("Municipio de Tijuana", "tijuana"),
        ("Heroica Villa Tezoatlán de Segura y Luna, Cuna de la Independencia de Oaxaca",
         "heroica villa tezoatlan de segura y luna cuna de la independencia de oaxaca"),
    ],
)
def test_normalise_name(raw: str, normal: str) -> None:
    assert normalise_name(raw) == normal


@pytest.mark.parametrize("state", ["CDMX", "09", 9, "Ciudad de Mexico", "DISTRITO FEDERAL",
                                   "MX-CMX"])
def test_cdmx_alcaldias_uppercase_without_accents(areas: AreaCodelist, state: object) -> None:
    result = areas.match_names(list(CDMX_UPPERCASE), state if isinstance(state, str)
                               else [state] * len(CDMX_UPPERCASE))
    assert [m.code for m in result] == list(CDMX_UPPERCASE.values())
    assert all(m.status == "matched" and m.method == "exact" for m in result)


@pytest.mark.parametrize(
    ("name", "count", "first_codes"),
    [
        # the first three by code of the homonyms, all scoring 100
        ("Benito Juárez", 7, ["09014", "12014", "23005"]),
        ("BENITO JUAREZ", 7, ["09014", "12014", "23005"]),
        ("Guadalupe", 4, ["08028", "19026", "21066"]),
        ("Juárez", 5, ["05015", "07048", "08037"]),
        ("Álvaro Obregón", 2, ["09010", "16003"]),
        ("Rosario", 3, ["08056", "25014", "26051"]),  # 08056 by its alias
    ],
)
def test_homonyms_without_state_go_to_review(areas: AreaCodelist, name: str, count: int,
                                             first_codes: list[str]) -> None:
    (result,) = areas.match_names([name])
    assert result.status == "review" and result.code is None
    assert [(c, s) for c, _, s in result.candidates] == [(c, 100.0) for c in first_codes]
    assert result.note == f"{count} areas in the country (give the state) have this name"


def test_homonyms_within_a_state_go_to_review(areas: AreaCodelist) -> None:
    result = areas.match_name("San Juan Mixtepec", "Oaxaca")
    assert result.status == "review" and result.code is None
    assert {c[0] for c in result.candidates} == {"20208", "20209"}
    # the trailing dot INEGI used to tell them apart is not a safe key either
    assert areas.match_name("San Juan Mixtepec.", "20").status == "review"


def test_unique_name_matches_without_state(areas: AreaCodelist) -> None:
    result = areas.match_name("Tijuana")
    assert (result.code, result.method, result.status) == ("02004", "exact", "matched")


@pytest.mark.parametrize(
    ("name", "state", "code", "method"),
    [
        ("Solidaridad", "Quintana Roo", "23008", "alias"),
        ("Ahualulco", "SLP", "24001", "alias"),
        ("Cintalapa", "Chiapas", "07017", "alias"),
        ("Rosario", "Chihuahua", "08056", "alias"),
        ("Rosario", "Sinaloa", "25014", "exact"),
        ("Juchitán de Zaragoza", "Oaxaca", "20043", "exact"),  # honorific optional
        ("Heroica Ciudad de Juchitán de Zaragoza", "20", "20043", "exact"),
        ("Ecatepec", "Estado de México", "15033", "alias"),
        ("Tlalnepantla de Bas", "México", "15104", "fuzzy"),  # typo
        ("Gral. Escobedo", "Nuevo León", "19021", "exact"),
        ("Cd. Madero", "Tamaulipas", "28009", "exact"),
        ("Torreón", "Coahuila", "05035", "exact"),
        ("Morelia", "Michoacán", "16053", "exact"),
        ("Xalapa", "Veracruz", "30087", "exact"),
        ("Benito Juárez", "Quintana Roo", "23005", "exact"),
    ],
)
def test_match_within_state(
    areas: AreaCodelist, name: str, state: str, code: str, method: str
) -> None:
    result = areas.match_name(name, state)
    assert (result.code, result.method, result.status) == (code, method, "matched")


def test_a_real_name_from_another_state_is_not_fuzzed_into_this_one(areas: AreaCodelist) -> None:
    # Puebla's Cuetzalan del Progreso is one letter from Guerrero's Cuetzala del Progreso.
    result = areas.match_name("Cuetzalan del Progreso", "Guerrero")
    assert result.status == "review" and result.code is None
    assert result.candidates[0][0] == "12026"


def test_poor_or_unknown_names(areas: AreaCodelist) -> None:
    assert areas.match_name("Springfield", "Oaxaca").status == "unmatched"
    assert areas.match_name("Juchitan", "Oaxaca").status == "review"  # too short to be sure
    unknown_state = areas.match_name("Tijuana", "Atlantis")
    assert unknown_state.status == "review" and "not recognised" in (unknown_state.note or "")


def test_state_names(areas: AreaCodelist) -> None:
    forms = {"Coahuila": "05", "COAHUILA DE ZARAGOZA": "05", "Michoacán": "16",
             "Veracruz": "30", "Estado de México": "15", "México": "15", "CDMX": "09",
             "Distrito Federal": "09", "Ags.": "01", "Nuevo Leon": "19", "Querétaro de "
             "Arteaga": "22", "1": "01", "=CONCATENAR( ,10) ": "10", "MX-YUC": "31"}
    for value, code in forms.items():
        assert areas.resolve_state(value) == code, value
    matches = areas.match_states(["Yucatan", None, "Atlantis"])
    assert [m.code for m in matches] == ["31", None, None]
    assert areas.resolve_state("00") is None
    # The cache must not conflate values that compare equal: True == 1 == 1.0.
    assert areas.resolve_state(1) == "01" and areas.resolve_state(1.0) == "01"
    assert areas.resolve_state(True) is None and areas.resolve_state(1) == "01"


def test_names_are_matched_once_per_distinct_pair(
    areas: AreaCodelist, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = AreaCodelist(areas.codelist)
    calls: list[tuple[str, str | None]] = []
    original = fresh.names._match

    def counting(name: str, state: str | None):  # type: ignore[no-untyped-def]
        calls.append((name, state))
        return original(name, state)

    monkeypatch.setattr(fresh.names, "_match", counting)
    names = pd.Series(["Tijuana", "Mexicali", None, "Guadalupe"] * 25_000)
    states = pd.Series(["02", "2", None, "Zacatecas"] * 25_000)
    result = fresh.match_names(names, states)
    assert len(result) == 100_000
    assert sorted(calls, key=str) == sorted(
        [("Tijuana", "02"), ("Mexicali", "02"), ("Guadalupe", "32")], key=str)
    assert [m.code for m in result[:4]] == ["02004", "02002", None, "32017"]
    assert result[0] is result[4]  # one result object per distinct pair


def test_states_must_align_with_names(areas: AreaCodelist) -> None:
    with pytest.raises(TerritoryError, match="2 states for 3 names"):
        areas.match_names(["a", "b", "c"], ["01", "02"])


# --------------------------------------------------------------------------- real specimens


def _census_rows(shared_data: Path) -> list[list[str]]:
    raw = (shared_data / "samples/inegi_censo2020_poblacion_municipal_latin1.csv").read_bytes()
    # 3 title lines, then the header; a national row, state rows and a footer follow
    return list(csv.reader(io.StringIO(raw.decode("iso-8859-1"))))[4:]


@pytest.mark.shared_data
def test_census_export_keys_and_names_resolve(areas: AreaCodelist, shared_data: Path) -> None:
    rows = [r for r in _census_rows(shared_data) if len(r) >= 2]
    codes = [areas.normalise_code(r[0]) for r in rows]
    levels = [c.level if c is not None else None for c in codes]
    assert levels.count("state") == 32 and levels.count("municipality") == 2469
    assert all(c.known for c in codes if c is not None and c.code is not None)
    municipal = [(r[1], c.state, c.code) for r, c in zip(rows, codes, strict=True)
                 if c is not None and c.level == "municipality"]
    matches = areas.match_names([m[0] for m in municipal], [m[1] for m in municipal])
    for (name, _, code), match in zip(municipal, matches, strict=True):
        if code in OAXACA_HOMONYMS:
            assert match.status == "review" and code in [c[0] for c in match.candidates]
        else:
            assert (match.code, match.status) == (code, "matched"), name
    state_rows = [(r[1], c.code) for r, c in zip(rows, codes, strict=True)
                  if c is not None and c.level == "state"]
    assert all(areas.resolve_state(name) == code for name, code in state_rows)


@pytest.mark.shared_data
def test_name_variants_resolve_with_state(areas: AreaCodelist, shared_data: Path) -> None:
    with (shared_data / "inegi/municipio_name_variants.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 18
    for row in rows:
        code = row["cvegeo"]
        for source, name in list(row.items())[1:]:
            match = areas.match_name(name, code[:2])
            if code in OAXACA_HOMONYMS:
                assert match.status == "review", (source, name)
                assert code in [c[0] for c in match.candidates]
            else:
                assert (match.code, match.status) == (code, "matched"), (source, name)


@pytest.mark.shared_data
def test_inegi_catalogue_names_resolve_with_state(areas: AreaCodelist, shared_data: Path) -> None:
    table = pd.read_csv(shared_data / "inegi/inegi_municipios_2478.csv", dtype=str)
    matches = areas.match_names(table["nom_mun"], table["cve_ent"])
    wrong = [(code, name, m.code) for code, name, m in
             zip(table["cvegeo"], table["nom_mun"], matches, strict=True)
             if code not in OAXACA_HOMONYMS and m.code != code]
    assert wrong == []


@pytest.mark.parametrize(
    ("name", "state", "truth", "lookalike"),
    [
        # one letter from Sochiapa, or Santiago Sochiapan without its first word
        ("Sochiapan", "30", "30212", "30146"),
        # without its honorific it is San Blas (Nayarit); it is also San Blas Atempa cut short
        ("Heroica Villa de San Blas", None, "20124", "18012"),
    ],
)
def test_a_name_found_whole_in_a_longer_name_goes_to_review(
    areas: AreaCodelist, name: str, state: str | None, truth: str, lookalike: str
) -> None:
    result = areas.match_name(name, state)
    assert (result.status, result.code) == ("review", None)
    assert {truth, lookalike} <= {c for c, _, _ in result.candidates}
