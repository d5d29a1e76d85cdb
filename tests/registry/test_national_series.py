"""A workspace's own series code, pushed and served: sdmx1's and pysdmx's REST clients get
the extended national CL_SERIES (its version says it is extended) and the series' data."""

from __future__ import annotations

import pytest
import sdmx
from click.testing import CliRunner
from pysdmx.api.fmr import RegistryClient
from registry_builders import served

from sdmx_tools.cli import main
from sdmx_tools.vocabulary.dsd import DIMENSIONS

DEFINITION = """\
id = "16.1.1.r"
series = "MX_VC_ROB_PSRC"
series_name = { es = "Robos por cada 100 000 habitantes", en = "Robberies per 100,000 population" }
goal = 16
target = "16.1"
name = { es = "Tasa de robos", en = "Robbery rate" }
multiplier = 100000
unit_measure = "PER_100000_POP"
decimals = 1
[numerator]
measure = "robberies"
unit = "event"
[denominator]
measure = "population"
unit = "person"
"""
SOURCE = """\
id = "robberies"
[location]
path = "data/robberies.csv"
[area]
code_column = "CVEGEO"
[period]
column = "year"
[[measures]]
id = "robberies"
column = "robberies"
unit = "event"
"""


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    ws = tmp_path_factory.mktemp("national") / "ws"
    assert CliRunner().invoke(main, ["init", str(ws), "--agency", "INEGI"]).exit_code == 0
    (ws / "data" / "robberies.csv").write_text("CVEGEO,year,robberies\n01001,2020,310\n"
                                               "01002,2020,12\n", encoding="utf-8")
    (ws / "sources" / "robberies.toml").write_text(SOURCE, encoding="utf-8")
    (ws / "indicators").mkdir()
    (ws / "indicators" / "r.toml").write_text(DEFINITION, encoding="utf-8")
    for command in ("convert", "push"):
        result = CliRunner().invoke(main, [command, "-w", str(ws)])
        assert result.exit_code == 0, result.output
    with served(ws / "out" / "registry.sqlite") as base:
        yield base


def test_sdmx1_client_gets_the_extended_codelist_and_the_series(url: str) -> None:
    sdmx.add_source({"id": "MX_NATIONAL", "url": url, "name": "sdmx-tools"}, override=True)
    client = sdmx.Client("MX_NATIONAL")
    series = client.codelist("CL_SERIES", agency_id="INEGI").codelist["CL_SERIES"]
    assert str(series.version) == "2025.1.1.0"
    assert str(series["MX_VC_ROB_PSRC"].name.localizations["en"]) == \
        "Robberies per 100,000 population"
    key = ".".join({"SERIES": "MX_VC_ROB_PSRC", "REF_AREA": "01001"}.get(d, "")
                   for d in DIMENSIONS)
    data = client.data("DF_SDG", key=key)
    (obs,) = data.data[0].obs
    assert round(float(obs.value), 1) == round(310 / 948990 * 100000, 1)


def test_pysdmx_client_gets_the_new_code(url: str) -> None:
    codes = RegistryClient(url).get_codes("INEGI", "CL_SERIES", "2025.1.1.0")
    names = {c.id: c.name for c in codes}
    assert names["MX_VC_ROB_PSRC"] == "Robberies per 100,000 population"
    assert "VC_IHR_PSRC" in names
