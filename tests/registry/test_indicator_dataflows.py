"""One dataflow per indicator, beside the national one: the structures name them, each has
its own data (its series only, nothing lost or doubled against the national data set),
and push stores each in the registry, served like the national one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pandas as pd
import pytest
import sdmx
from registry_builders import served

from sdmx_tools.errors import WorkspaceError
from sdmx_tools.exchange.readers import read_data
from sdmx_tools.exchange.validate import validate_file
from sdmx_tools.pipeline import OutputPaths, convert
from sdmx_tools.publish import push_outputs
from sdmx_tools.workspace import load_workspace


@pytest.fixture(scope="module")
def flows_ws(demo_run, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("flows") / "ws"
    shutil.copytree(demo_run.workspace, root, ignore=shutil.ignore_patterns("out"))
    config = root / "sdmx-tools.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "synthetic = true", "synthetic = true\nindicator_dataflows = true"), encoding="utf-8")
    ws = load_workspace(root)
    convert(ws)
    assert push_outputs(ws).result.ok
    return root


def test_each_series_has_its_dataflow_and_its_data(flows_ws: Path) -> None:
    paths = OutputPaths(flows_ws / "out")
    national = read_data(paths.data_csv)
    message = sdmx.read_sdmx(paths.structure)
    flows = sorted(message.dataflow)
    series = sorted(national["SERIES"].unique())
    assert flows == sorted(["DF_SDG_MX", *[f"DF_SDG_MX_{s}" for s in series]])
    assert all(message.dataflow[f].structure.id == "SDG" for f in flows)
    parts = []
    for s in series:
        for fmt in ("sdmx-ml", "sdmx-csv2"):
            part = read_data(paths.flow_data(f"DF_SDG_MX_{s}", fmt))
            assert set(part["SERIES"]) == {s}
            assert validate_file(paths.flow_data(f"DF_SDG_MX_{s}", fmt),
                                 structure=paths.structure) == []
        parts.append(part)
    together = pd.concat(parts, ignore_index=True)
    key = ["SERIES", "REF_AREA", "SEX", "AGE", "TIME_PERIOD"]
    pd.testing.assert_frame_equal(
        together[[*key, "OBS_VALUE"]].sort_values(key, ignore_index=True),
        national[[*key, "OBS_VALUE"]].sort_values(key, ignore_index=True))


def test_push_stores_each_indicator_dataflow(flows_ws: Path) -> None:
    paths = OutputPaths(flows_ws / "out")
    national = read_data(paths.data_csv)
    with served(flows_ws / "out" / "registry.sqlite") as url:
        for s in sorted(national["SERIES"].unique()):
            r = httpx.get(f"{url}/data/DF_SDG_MX_{s}", params={"format": "csv"}, timeout=30)
            assert r.status_code == 200, r.text[:200]
            got = read_data(r.content)
            want = national[national["SERIES"] == s]
            assert len(got) == len(want) > 0
            assert sorted(got["OBS_VALUE"].dropna()) == sorted(want["OBS_VALUE"].dropna())


def test_push_refuses_an_edited_flow_file_or_a_damaged_list(flows_ws: Path,
                                                            tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(flows_ws, root)
    ws = load_workspace(root)
    paths = OutputPaths(ws.output)
    flow_file = next(paths.sdmx.glob("flows/*.xml"))
    original = flow_file.read_bytes()
    flow_file.write_bytes(original.replace(b'OBS_VALUE="', b'OBS_VALUE="1', 1))
    with pytest.raises(WorkspaceError, match="not the one convert wrote") as info:
        push_outputs(ws, dry_run=True)
    assert info.value.file == str(flow_file)
    flow_file.write_bytes(original)
    manifest = json.loads(paths.manifest.read_text(encoding="utf-8"))
    manifest["indicator_dataflows"] = {"X": 1}
    paths.manifest.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(WorkspaceError, match="indicator_dataflows is not an object"):
        push_outputs(ws, dry_run=True)
