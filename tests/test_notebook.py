"""The notebook API: ``sdmx_tools.open_workspace(path).convert()`` without writing files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pint
import pytest

import sdmx_tools
from sdmx_tools.errors import WorkspaceError


@pytest.fixture(scope="module")
def fresh(demo_run, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The demo workspace without its outputs."""
    ws = tmp_path_factory.mktemp("nb") / "ws"
    shutil.copytree(demo_run.workspace, ws, ignore=shutil.ignore_patterns("out"))
    return ws


@pytest.fixture(scope="module")
def results(fresh):  # type: ignore[no-untyped-def]
    before = sorted(p for p in fresh.rglob("*"))
    out = sdmx_tools.open_workspace(fresh).convert()
    assert sorted(p for p in fresh.rglob("*")) == before  # nothing written, not even reports
    return out


def test_import_is_cheap_and_exposes_the_api() -> None:
    code = ("import sys, sdmx_tools; assert 'sdmx_tools.pipeline' not in sys.modules; "
            "assert callable(sdmx_tools.open_workspace); "
            "assert 'sdmx_tools.pipeline' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})
    with pytest.raises(AttributeError):
        sdmx_tools.no_such_thing  # noqa: B018


def test_cubes_equal_what_convert_writes(results, demo_run) -> None:  # type: ignore[no-untyped-def]
    assert results.ok
    written = pd.read_csv(demo_run.workspace / "out" / "tables" / "indicators.csv",
                          dtype={"REF_AREA": str, "TIME_PERIOD": str})
    assert set(results.cubes) == set(written["indicator"])
    for ident, cube in results.cubes.items():
        frame = cube["OBS_VALUE"].to_dataframe().reset_index().dropna(subset=["OBS_VALUE"])
        mine = written[(written["indicator"] == ident) & written["OBS_VALUE"].notna()]
        got = dict(zip(zip(frame["REF_AREA"], frame["TIME_PERIOD"].astype(str), strict=True),
                       frame["OBS_VALUE"], strict=True))
        want = dict(zip(zip(mine["REF_AREA"], mine["TIME_PERIOD"], strict=True),
                        mine["OBS_VALUE"], strict=True))
        assert got.keys() == want.keys(), ident
        assert np.allclose([got[k] for k in want], list(want.values())), ident


def test_quantify_needs_no_registry_argument(results) -> None:  # type: ignore[no-untyped-def]
    cube = results.cubes["16.1.1"]
    q = cube[["numerator", "denominator"]].pint.quantify()
    ureg = pint.get_application_registry()
    assert q["numerator"].pint.units == ureg.Unit("victim")
    rate = (q["numerator"] / q["denominator"]).pint.to("victim / person")
    value = cube["OBS_VALUE"].pint.quantify()
    assert value.pint.units is not None
    published = value.pint.magnitude
    both = np.isfinite(published) & np.isfinite(rate.pint.magnitude)
    assert both.sum() > 100
    assert np.allclose(published[both], rate.pint.magnitude[both] * 100000, atol=0.005)


def test_observations_report_and_quarantine(results, demo_run) -> None:  # type: ignore[no-untyped-def]
    obs = results.observations
    assert {"measure", "REF_AREA", "TIME_PERIOD", "value"} <= set(obs.columns)
    written = demo_run.converted.report
    assert [(a.source, a.read, a.used, a.quarantined, a.excluded)
            for a in results.report.accounts] == \
        [(a.source, a.read, a.used, a.quarantined, a.excluded) for a in written.accounts]
    out = demo_run.workspace / "out"
    quarantined = pd.read_csv(out / "reports" / "quarantine.csv", dtype=str)
    assert len(results.quarantine) == len(quarantined) == \
        sum(a.quarantined for a in results.report.accounts) > 0
    published = pd.read_csv(out / "sdmx" / "data-v2.csv", dtype=str, keep_default_na=False)
    assert len(results.table) == len(published)
    assert set(results.table["SERIES"]) == set(published["SERIES"]) == \
        {c.definition.series for c in results.computed}


def test_write_true_is_the_cli_convert(fresh, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    shutil.copytree(fresh, ws)
    session = sdmx_tools.open_workspace(ws)
    assert "16.1.1" in session.indicators and "CL_SERIES" in session.codelists
    seen: list[tuple[str, str]] = []
    out = session.convert(write=True, progress=lambda stage, item: seen.append((stage, item)))
    assert out.ok and (ws / "out" / "sdmx" / "data.xml").is_file()
    assert len(pd.read_csv(ws / "out" / "sdmx" / "data-v2.csv")) == len(out.table)
    assert [s for s, _ in seen][-1] == "write" and ("compute", "16.1.1") in seen


def test_no_workspace_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match=r"sdmx-tools\.toml not found"):
        sdmx_tools.open_workspace(tmp_path)


def test_the_readme_example_runs(fresh, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### From Python", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert 'open_workspace("out/demo")' in code
    monkeypatch.chdir(fresh.parent)
    (fresh.parent / "out").mkdir(exist_ok=True)
    if not (fresh.parent / "out" / "demo").exists():
        (fresh.parent / "out" / "demo").symlink_to(fresh)
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["results"].ok  # type: ignore[attr-defined]


def test_progress_counts_the_blocks_of_a_large_file(fresh, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    shutil.copytree(fresh, ws)
    config = ws / "sdmx-tools.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[workspace]", "[workspace]\nblock_bytes = 65536"), encoding="utf-8")
    seen: list[tuple[str, str]] = []
    assert sdmx_tools.open_workspace(ws).convert(
        progress=lambda stage, item: seen.append((stage, item))).ok
    blocks = [item for stage, item in seen if item.startswith("sesnsp_homicidios (block")]
    total = int(blocks[0].rsplit(" ", 1)[1].rstrip(")"))
    size = (ws / "data" / "sesnsp_homicidios.csv").stat().st_size
    assert total >= size // 65536 and len(blocks) == total
    assert blocks[-1] == f"sesnsp_homicidios (block {total} of {total})"
