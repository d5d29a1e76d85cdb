"""A workspace's own series code, pushed and served: sdmx1's and pysdmx's REST clients get
the extended national CL_SERIES (its version says it is extended) and the series' data."""

from __future__ import annotations

import pytest
import sdmx
from own_workspace import make_own_workspace, run_cli
from pysdmx.api.fmr import RegistryClient
from registry_builders import served

from sdmx_tools.vocabulary.dsd import DIMENSIONS


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    ws = make_own_workspace(tmp_path_factory.mktemp("national") / "ws")
    for command in ("convert", "push"):
        run_cli(command, "-w", str(ws))
    with served(ws / "out" / "registry.sqlite") as base:
        yield base


def test_sdmx1_client_gets_the_extended_codelist_and_the_series(url: str) -> None:
    sdmx.add_source({"id": "MX_NATIONAL", "url": url, "name": "sdmx-tools"}, override=True)
    client = sdmx.Client("MX_NATIONAL")
    series = client.codelist("CL_SERIES", agency_id="INEGI").codelist["CL_SERIES"]
    assert str(series.version) == "2025.1.1.0"
    assert str(series["MX_VC_ROB_PSRC"].name.localizations["en"]) == \
        "Reported robberies per 100,000 population"
    key = ".".join({"SERIES": "MX_VC_ROB_PSRC", "REF_AREA": "01001"}.get(d, "")
                   for d in DIMENSIONS)
    data = client.data("DF_SDG", key=key)
    got = {o.key.values["TIME_PERIOD"].value: float(o.value) for o in data.data[0].obs}
    # Robberies over the 2020 census population (the latest for 2021 too), per 100,000.
    assert got == {"2020": round(310 / 948990 * 1e5, 1), "2021": round(290 / 948990 * 1e5, 1)}


def test_pysdmx_client_gets_the_new_code(url: str) -> None:
    codes = RegistryClient(url).get_codes("INEGI", "CL_SERIES", "2025.1.1.0")
    names = {c.id: c.name for c in codes}
    assert names["MX_VC_ROB_PSRC"] == "Reported robberies per 100,000 population"
    assert "VC_IHR_PSRCN" in names  # a global code the bundle lacks, declared too
    assert "VC_IHR_PSRC" in names
