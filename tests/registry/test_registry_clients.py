"""sdmx1 and plain HTTP clients read the demo's data from the served registry, in every
format, selected by key and period; values equal what convert published, bit for bit."""

from __future__ import annotations

import io

import httpx
import numpy as np
import pandas as pd
import pytest
import sdmx

from sdmx_tools.exchange.conformance import StructureRules
from sdmx_tools.exchange.readers import read_data
from sdmx_tools.registry.mediatypes import MEDIA_TYPES
from sdmx_tools.registry.outcome import DataFormat

FLOW = "DF_SDG_MX"


def _client(url: str) -> sdmx.Client:
    sdmx.add_source({"id": "MX_DEMO", "url": url, "name": "sdmx-tools"}, override=True)
    return sdmx.Client("MX_DEMO")


def _values(message: sdmx.message.DataMessage) -> dict[tuple[str, str], float]:
    return {(o.key.values["REF_AREA"].value, o.key.values["TIME_PERIOD"].value):
            float(o.value) for o in message.data[0].obs
            if o.key.values["SERIES"].value == "VC_IHR_PSRC"}


def test_sdmx1_reads_the_whole_data_set(demo_url: str, published: pd.DataFrame) -> None:
    message = _client(demo_url).data(FLOW)
    assert len(message.data[0].obs) == len(published)
    want = published[published["SERIES"] == "VC_IHR_PSRC"].set_index(
        ["REF_AREA", "TIME_PERIOD"])["OBS_VALUE"]
    got = _values(message)
    assert len(got) == len(want)
    for key, value in want.items():
        assert got[key] == value or (np.isnan(got[key]) and np.isnan(value)), key


def test_sdmx1_reads_a_key_and_periods(demo_url: str, published: pd.DataFrame) -> None:
    message = _client(demo_url).data(FLOW, key={"SERIES": "VC_IHR_PSRC",
                                                "REF_AREA": ["01001", "02004"]},
                                     params={"startPeriod": "2023", "endPeriod": "2023"})
    want = published[(published["SERIES"] == "VC_IHR_PSRC")
                     & published["REF_AREA"].isin(["01001", "02004"])
                     & (published["TIME_PERIOD"] == "2023")]
    got = _values(message)
    assert sorted(got) == [("01001", "2023"), ("02004", "2023")]
    for rec in want.itertuples():
        assert got[(rec.REF_AREA, rec.TIME_PERIOD)] == rec.OBS_VALUE


@pytest.mark.parametrize(("accept", "media"), [
    ("application/vnd.sdmx.structurespecificdata+xml;version=2.1", "structurespecificdata"),
    ("application/vnd.sdmx.genericdata+xml;version=2.1", "genericdata"),
    ("application/vnd.sdmx.data+csv;version=1.0.0", "version=1.0.0"),
    ("application/vnd.sdmx.data+csv;version=2.0.0", "version=2.0.0"),
    ("application/vnd.sdmx.data+json;version=2.0.0", "data+json"),
    ("application/json", "data+json"),
    ("application/xml", "structurespecificdata"),
])
def test_each_format_on_request_holds_the_same_observations(
        accept: str, media: str, demo_url: str, published: pd.DataFrame) -> None:
    key = "A.N.SH_STA_TRAF" + "." * 12
    r = httpx.get(f"{demo_url}/data/{FLOW}/{key}", headers={"Accept": accept},
                  params={"lastNObservations": "1"}, timeout=30)
    assert r.status_code == 200 and media in r.headers["content-type"]
    got = read_data(r.content).set_index(["REF_AREA", "TIME_PERIOD"])["OBS_VALUE"]
    road = published[published["SERIES"] == "SH_STA_TRAF"]
    last = road.sort_values("TIME_PERIOD").groupby("REF_AREA").tail(1)
    want = last.set_index(["REF_AREA", "TIME_PERIOD"])["OBS_VALUE"]
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)


@pytest.mark.parametrize(("headers", "params", "status"), [
    ({"Accept": "application/vnd.sdmx.data+json;version=1.0.0"}, {}, 406),
    ({"Accept": "image/png"}, {}, 406),
    ({}, {"format": "edi"}, 406),
    ({}, {"startPeriod": "2020-13"}, 400),
    ({}, {"c[SEX]": "ge:F"}, 501),
    ({}, {"attributes": "UNIT_MEASURE"}, 501),
    ({}, {"detail": "serieskeysonly"}, 400),
    ({}, {"lastNObservations": "-1"}, 400),
])
def test_what_cannot_be_answered_says_so(headers: dict[str, str], params: dict[str, str],
                                         status: int, demo_url: str) -> None:
    r = httpx.get(f"{demo_url}/data/{FLOW}", headers=headers, params=params, timeout=30)
    assert r.status_code == status


def test_a_key_of_the_wrong_length_is_400(demo_url: str) -> None:
    r = httpx.get(f"{demo_url}/data/{FLOW}/A.N", timeout=30)
    assert r.status_code == 400 and b"15 dimensions" in r.content


def test_dataonly_drops_the_attributes(demo_url: str) -> None:
    r = httpx.get(f"{demo_url}/data/{FLOW}", params={"detail": "dataonly", "format": "csv"},
                  timeout=30)
    header = io.StringIO(r.text).readline().strip().split(",")
    assert header[-2:] == ["TIME_PERIOD", "OBS_VALUE"]




@pytest.mark.parametrize(("accept", "status"), [
    ("application/vnd.sdmx.structure+xml;version=2.1", 200),
    ("application/xml", 200),
    ("*/*", 200),
    ("application/vnd.sdmx.structure+json;version=2.0.0", 200),
    ("application/json", 200),
    ("application/vnd.sdmx.structure+json;version=1.0.0", 406),
    ("text/html", 406),
])
def test_structures_answer_what_accept_allows(accept: str, status: int, demo_url: str) -> None:
    r = httpx.get(f"{demo_url}/structure/codelist/MX_DEMO/CL_SEX", headers={"Accept": accept},
                  timeout=30)
    assert r.status_code == status
    if status == 200 and "json" in accept:
        assert r.json()["data"]["codelists"][0]["id"] == "CL_SEX"
        assert r.headers["content-type"].startswith("application/vnd.sdmx.structure+json")
    elif status == 200:
        assert r.content.lstrip().startswith(b"<?xml") and b"CL_SEX" in r.content


def test_an_empty_stored_data_set_answers_an_empty_message(demo_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sdmx_tools.registry import dataquery

    empty = (b"DATAFLOW,FREQ,TIME_PERIOD,OBS_VALUE\n")
    rules = StructureRules(dimensions=["FREQ", "REF_AREA"], attributes=[])
    for fmt in MEDIA_TYPES:
        body, media = dataquery.answer(empty, ("A", "F", "1.0"), rules,
                                       "A.01", {"lastnobservations": "1"}, fmt)
        assert read_data(body).empty and media == MEDIA_TYPES[fmt]


@pytest.mark.parametrize(("head", "stored", "kind"), [
    (b"<?xml version='1.0'?><mes:GenericTimeSeriesData xmlns:mes='m'>", "sdmx-ml", "generic"),
    (b"<message:GenericData>", "sdmx-ml", "generic"),
    (b"<StructureSpecificData>", "sdmx-ml", "structurespecific"),
    (b"DATAFLOW,A", "sdmx-csv", "csv1"),
    (b"STRUCTURE,STRUCTURE_ID", "sdmx-csv2", "csv2"),
])
def test_a_stored_message_is_told_by_its_root(head: bytes, stored: DataFormat, kind: str
                                              ) -> None:
    from sdmx_tools.registry import dataquery

    assert dataquery.kind(head, stored) == kind
