"""Indicator definitions: codes of the global SDG DSD, unit checks, workspace additions."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from sdmx_tools.compute.definitions import _FIXED, load_indicator, load_indicators
from sdmx_tools.errors import IndicatorError, SpecError, UnitError
from sdmx_tools.fsutil import bundled
from sdmx_tools.vocabulary.dsd import COMPONENTS, DIMENSIONS

_NS = {"str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
       "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"}


@pytest.fixture(scope="module")
def global_codes(shared_data: Path) -> dict[str, dict[str, str]]:
    """Codes and English names of the global SDG DSD's codelists, by codelist id."""
    tree = etree.parse(str(shared_data / "sdmx" / "SDG_DSD_1.4.xml"))
    return {cl.get("id"): {c.get("id"): c.findtext("com:Name", namespaces=_NS) or ""
                           for c in cl.iterfind("str:Code", _NS)}
            for cl in tree.iterfind(".//str:Codelist", _NS)}


def test_six_indicators_use_codes_of_the_global_sdg_dsd(global_codes) -> None:  # type: ignore[no-untyped-def]
    defs = load_indicators([bundled("indicators")])
    assert {"3.6.1", "5.5.1", "6.1.1", "6.2.1", "11.6.1", "16.1.1"} <= set(defs)
    for d in defs.values():
        # The series belongs to this very indicator: its global name ends "[6.1.1]".
        assert global_codes["CL_SERIES"][d.series].endswith(f"[{d.id}]"), d.id
        assert d.unit_measure in global_codes["CL_UNIT_MEASURE"], d.id
        assert d.unit_mult in global_codes["CL_UNIT_MULT"], d.id
        assert d.frequency in global_codes["CL_FREQ"], d.id
        assert set(d.names) == {"es", "en"} and set(d.metadata) == {"es", "en"}
        assert len(d.metadata["es"]) == len(d.metadata["en"]) >= 4


def test_every_allowed_disaggregation_has_a_global_codelist(global_codes) -> None:  # type: ignore[no-untyped-def]
    # No bundled indicator is disaggregated yet; any a user adds must find its codes.
    codelist = {c.id: c.codelist for c in COMPONENTS}
    allowed = [d for d in DIMENSIONS if d not in _FIXED]
    assert "SEX" in allowed and "AGE" in allowed
    assert [d for d in allowed if codelist[d] not in global_codes] == []


def _write(folder: Path, text: str, name: str = "9.9.9.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


_BASE = """id = "16.1.2"
series = "{series}"
goal = 16
target = "16.1"
name.es = "Muertes por conflicto"
name.en = "Conflict-related deaths"
multiplier = {multiplier}
unit_measure = "{unit}"
[numerator]
measure = "conflict_deaths"
unit = "{num_unit}"
[denominator]
measure = "population"
unit = "person"
period = "latest"
"""


def _text(series: str = "VC_IHR_PSRC", multiplier: float = 100000, unit: str = "PER_100000_POP",
          num_unit: str = "death") -> str:
    return _BASE.format(series=series, multiplier=multiplier, unit=unit, num_unit=num_unit)


def test_a_national_indicator_is_one_more_file(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _write(ws / "indicators", _text(series="MX_CONFLICT"))
    with pytest.raises(IndicatorError, match="series is not a code of CL_SERIES"):
        load_indicators([bundled("indicators"), ws / "indicators"])
    # The national extension: the workspace's CL_SERIES (which replaces the bundled one)
    # adds the code.
    codelists = ws / "codelists"
    codelists.mkdir()
    bundled_series = (bundled("codelists") / "sdg" / "CL_SERIES.csv").read_text(encoding="utf-8")
    (codelists / "series.csv").write_text(
        bundled_series + "MX_CONFLICT,Conflict deaths [16.1.2],Muertes [16.1.2]\n",
        encoding="utf-8")
    (codelists / "catalogue.toml").write_text(
        '[[codelist]]\nid = "CL_SERIES"\nversion = "1.0"\nfile = "series.csv"\n'
        'names = { es = "Series", en = "Series" }\nsource = "national"\nlicence = "CC0"\n',
        encoding="utf-8")
    defs = load_indicators([bundled("indicators"), ws / "indicators"])
    assert defs["16.1.2"].series == "MX_CONFLICT" and "16.1.1" in defs


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"multiplier": 1}, UnitError, "needs multiplier 100000"),
    # deaths per person are per population, not a share: the kinds differ
    ({"multiplier": 100, "unit": "PT"}, UnitError, "cannot be expressed as UNIT_MEASURE PT"),
    ({"num_unit": "deaht"}, UnitError, "did you mean 'death'"),
    ({"num_unit": ""}, UnitError, "a unit is required"),
    ({"num_unit": "1/0"}, UnitError, "unknown unit"),
    ({"num_unit": "t"}, UnitError, r"cannot be expressed as UNIT_MEASURE PER_100000_POP"),
    ({"num_unit": "habitantez"}, UnitError, "unknown unit"),
    ({"unit": "FURLONG"}, IndicatorError, "unit_measure is not a code of CL_UNIT_MEASURE"),
])
def test_definition_unit_errors(tmp_path: Path, kwargs: dict[str, object],
                                error: type[Exception], match: str) -> None:
    path = _write(tmp_path, _text(**kwargs))  # type: ignore[arg-type]
    with pytest.raises(error, match=match) as info:
        load_indicator(path)
    assert str(path) in str(info.value)


def test_unknown_formula_and_filter_syntax(tmp_path: Path) -> None:
    path = _write(tmp_path, _text().replace("multiplier", 'formula = "nope"\nmultiplier', 1))
    with pytest.raises(IndicatorError, match="unknown formula") as info:
        load_indicator(path)
    assert "ratio" in str(info.value.hint)
    bad = _text().replace('unit = "death"', 'unit = "death"\nfilter = { SEX = 1 }')
    with pytest.raises(SpecError, match=r"filter\.SEX must be a code"):
        load_indicator(_write(tmp_path, bad))


def test_disaggregation_must_be_a_dsd_dimension(tmp_path: Path) -> None:
    text = _text().replace("multiplier", 'disaggregations = ["GENDER"]\nmultiplier', 1)
    with pytest.raises(SpecError, match="not a disaggregation dimension") as info:
        load_indicator(_write(tmp_path, text))
    assert info.value.value == "GENDER"
