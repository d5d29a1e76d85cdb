"""The registry refuses data uploads that break the structure (422) or cannot be read
(400), and then nothing changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
from registry_builders import served

from sdmx_tools.exchange.readers import read_data
from sdmx_tools.exchange.sdmxcsv import write_data_csv
from sdmx_tools.registry.store import RegistryStore


def test_registry_refuses_uploads_that_break_the_structure(
        demo_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sdmx_dir = demo_run.workspace / "out" / "sdmx"
    database = tmp_path / "registry.sqlite"
    shutil.copy(demo_run.workspace / "out" / "registry.sqlite", database)
    before = RegistryStore(database).get_data("DF_SDG_MX")
    url_flow = "/data/MX_DEMO,DF_SDG_MX,1.0"
    good = (sdmx_dir / "data.csv").read_bytes()
    frame = read_data(sdmx_dir / "data.csv")
    frame.loc[0, "SEX"] = "X"  # not a code of CL_SEX
    nonconforming = tmp_path / "x.csv"
    write_data_csv(frame, nonconforming, dataflow_ref="MX_DEMO:DF_SDG_MX(1.0)")
    with served(database, anonymous_writes=True) as url:
        cases = [(nonconforming.read_bytes(), 422, "[unknown-code]"),
                 (good[: len(good) // 2], 422, "[missing-dimension-value]"),  # cut mid-row
                 (good[: len(good) // 2] + b"\n1,2\n", 400, "names dataflow '1'"),
                 (b"<mes:StructureSpecificData", 400, "malformed XML: Namespace prefix mes")]
        for body, status, word in cases:
            r = httpx.post(url + url_flow, content=body, timeout=30,
                           headers={"Content-Type": "application/vnd.sdmx.data+csv"})
            assert r.status_code == status, r.text[:300]
            assert word in r.text
        assert RegistryStore(database).get_data("DF_SDG_MX") == before  # nothing changed
        r = httpx.get(url + "/data/DF_SDG_MX", params={"format": "csv"}, timeout=30)
    key = ["SERIES", "REF_AREA", "SEX", "AGE", "TIME_PERIOD"]
    served_frame = read_data(r.content).sort_values(key, ignore_index=True)
    stored = read_data(before[0]).sort_values(key, ignore_index=True)
    assert served_frame[[*key, "OBS_VALUE"]].equals(stored[[*key, "OBS_VALUE"]])
