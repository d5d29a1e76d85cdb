"""Units: a measure of the wrong kind never feeds an indicator; bad unit text is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdmx_tools.errors import UnitError
from sdmx_tools.vocabulary.units import check_result_unit, conversion_factor, parse_unit, registry
from tests.battery.conftest import assert_one_line_error, homicide_workspace


@pytest.mark.parametrize(("unit", "needles"), [
    ("death", ["'poblacion'", "'death'", "'person'"]),        # deaths are no population
    ("victim", ["'poblacion'", "'victim'", "'person'"]),
    ("dwelling", ["'poblacion'", "'dwelling'"]),
    ("percent", ["'poblacion'", "'percent'"]),                 # a share is no count
    ("m/km", ["'poblacion'", "'m/km'"]),
    ("count", ["'poblacion'", "'count'"]),                     # a bare count is not people
    ("kg", ["'poblacion'", "'kg'"]),
    ("", ["poblacion.toml", "a unit is required"]),
    ("   ", ["poblacion.toml", "a unit is required"]),
    ("1/0", ["poblacion.toml", "unknown unit", "'1/0'"]),
    ("persn", ["poblacion.toml", "did you mean 'person'"]),
    ("[person]", ["poblacion.toml", "unknown unit"]),
    ("person ** 1e400", ["'poblacion'"]),
])
def test_population_of_the_wrong_kind_is_refused(unit: str, needles: list[str],
                                                 tmp_path: Path) -> None:
    case = homicide_workspace(tmp_path, population_unit=unit)
    assert_one_line_error(case.convert(), 1, *needles)
    assert not (case.root / "out" / "sdmx").exists()


@pytest.mark.parametrize("unit", ["person", "persons", "people", "habitantes"])
def test_spellings_of_people_convert(unit: str, tmp_path: Path) -> None:
    case = homicide_workspace(tmp_path, population_unit=unit)
    result = case.convert()
    assert result.exit_code == 0, result.stderr


def test_units_of_one_kind_convert_and_kinds_never_mix() -> None:
    assert conversion_factor("kg/day", "t/year") == pytest.approx(365.25 / 1000)
    assert conversion_factor("thousand_MXN", "MXN") == 1000
    for a, b in [("death", "person"), ("seat", "dwelling"), ("MXN", "t"), ("percent", "seat")]:
        with pytest.raises(UnitError, match="cannot be converted"):
            conversion_factor(a, b)


@pytest.mark.parametrize(("result", "unit_measure", "multiplier", "ok"), [
    ("death / person", "PER_100000_POP", 1e5, True),
    ("victim / person", "PER_100000_POP", 1e5, True),
    ("birth / person", "PER_1000_POP", 1e3, True),
    ("seat / seat", "PT", 100, True),
    ("dwelling", "NUMBER", 1, True),
    ("death / dwelling", "PER_100000_POP", 1e5, False),   # per 100,000 *population*
    ("death / person", "PT", 100, False),                 # no share: the kinds differ
    ("seat / dwelling", "PT", 100, False),
    ("t / day", "PT", 100, False),
])
def test_result_kinds_against_unit_measure(result: str, unit_measure: str, multiplier: float,
                                           ok: bool) -> None:
    unit = registry().Unit(result)
    if ok:
        check_result_unit(unit, unit_measure, multiplier, "0")
    else:
        with pytest.raises(UnitError, match="cannot be expressed"):
            check_result_unit(unit, unit_measure, multiplier, "0")


@pytest.mark.parametrize("text", ["", "1/0", "((", "kg^^2", "a" * 5000, "\x00", "0x"])
def test_unit_text_never_escapes_as_another_error(text: str) -> None:
    with pytest.raises(UnitError):
        parse_unit(text)


_CONVERT_IN_FRESH_PROCESS = """
from sdmx_tools.vocabulary.units import conversion_factor, registry
print(registry().cache_folder is not None, conversion_factor("ha", "km**2"))
"""


@pytest.mark.parametrize("damage", ["none", "garbage", "unwritable"])
def test_the_pint_cache_is_only_a_shortcut(damage: str, tmp_path: Path) -> None:
    """The parsed-definitions cache is used when it works, and a broken one (a pickle cut
    short or overwritten, a cache folder that cannot be made) is bypassed, same units."""
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}

    def convert() -> str:
        done = subprocess.run([sys.executable, "-c", _CONVERT_IN_FRESH_PROCESS], env=env,
                              capture_output=True, text=True, timeout=60, check=True)
        return done.stdout.strip()

    assert convert() == "True 0.01"  # the cache written
    cached = list((tmp_path / "sdmx-tools").glob("pint-*/*.pickle"))
    assert cached
    if damage == "garbage":
        for f in cached:
            f.write_bytes(f.read_bytes()[:100])
    elif damage == "unwritable":
        env["XDG_CACHE_HOME"] = str(tmp_path / "file" / "below")
        (tmp_path / "file").write_text("not a folder")
    # A broken cache is not used (nor rewritten: pint's file names are content hashes).
    assert convert() == ("True 0.01" if damage == "none" else "False 0.01")
