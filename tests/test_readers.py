"""Our SDMX data readers: the four formats we write read back to one frame; what sdmx1
and pysdmx write reads too; broken or hostile files are located errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdmx_tools.errors import StructureError
from sdmx_tools.exchange.readers import read_data
from sdmx_tools.pipeline import OutputPaths
from sdmx_tools.vocabulary.dsd import DIMENSIONS

KEY = [*DIMENSIONS, "TIME_PERIOD"]


@pytest.fixture(scope="module")
def paths(demo_run) -> OutputPaths:  # type: ignore[no-untyped-def]
    return OutputPaths(demo_run.workspace / "out")


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEY, ignore_index=True)[sorted(frame.columns)]


def test_every_format_we_write_reads_to_the_same_frame(paths: OutputPaths) -> None:
    frames = [_sorted(read_data(p)) for p in (paths.data_xml, paths.data_ss, paths.data_csv,
                                              paths.data_csv2)]
    first = frames[0]
    assert len(first) == 14972 and first["REF_AREA"].str.len().isin([2, 5]).all()
    for other in frames[1:]:
        pd.testing.assert_frame_equal(first, other)


def _pysdmx_dataset(frame: pd.DataFrame) -> object:
    from pysdmx.io.pd import PandasDataset
    from pysdmx.model import Component, Components, Concept, DataType, Role, Schema

    def component(cid: str, role: Role, level: str | None = None) -> Component:
        dtype = DataType.DOUBLE if cid == "OBS_VALUE" else DataType.STRING
        return Component(id=cid, required=role != Role.ATTRIBUTE, role=role,
                         concept=Concept(cid, dtype=dtype), attachment_level=level)

    attrs = [c for c in frame.columns if c not in (*KEY, "OBS_VALUE")]
    comps = [component(d, Role.DIMENSION) for d in KEY] + [component("OBS_VALUE", Role.MEASURE)]
    comps += [component(a, Role.ATTRIBUTE, "O") for a in attrs]
    schema = Schema(context="dataflow", agency="MX_DEMO", id="DF_SDG_MX", version="1.0",
                    components=Components(comps))
    return PandasDataset(structure=schema, data=frame)


def test_we_read_what_pysdmx_writes(paths: OutputPaths, tmp_path: Path) -> None:
    from pysdmx.io import write_sdmx
    from pysdmx.io.format import Format

    ours = _sorted(read_data(paths.data_ss))
    data = _pysdmx_dataset(ours)
    for fmt, name in ((Format.DATA_SDMX_ML_2_1_STR, "p.xml"),
                      (Format.DATA_SDMX_CSV_2_0_0, "p.csv")):
        out = tmp_path / name
        write_sdmx([data], sdmx_format=fmt, output_path=str(out))
        theirs = _sorted(read_data(out))
        np.testing.assert_array_equal(theirs["OBS_VALUE"].to_numpy(),
                                      ours["OBS_VALUE"].to_numpy())
        assert theirs["REF_AREA"].tolist() == ours["REF_AREA"].tolist()
        assert theirs["OBS_STATUS"].tolist() == ours["OBS_STATUS"].tolist()


def test_we_read_what_sdmx1_writes(paths: OutputPaths, tmp_path: Path) -> None:
    import sdmx

    dsd = next(iter(sdmx.read_sdmx(paths.structure).structure.values()))
    message = sdmx.read_sdmx(paths.data_ss, structure=dsd)
    out = tmp_path / "sdmx1.xml"
    out.write_bytes(sdmx.to_xml(message))
    theirs = _sorted(read_data(out))
    ours = _sorted(read_data(paths.data_ss))
    assert theirs[KEY].equals(ours[KEY])
    np.testing.assert_array_equal(theirs["OBS_VALUE"].to_numpy(), ours["OBS_VALUE"].to_numpy())


@pytest.mark.parametrize(("content", "needle"), [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>', "DOCTYPE"),
    (b"<mes:Structure xmlns:mes='m'/>", "not an SDMX-ML 2.1 data message"),
    (b"<StructureSpecificData><DataSet><Obs OBS_VALUE='1'", "malformed XML"),
    (b"<mes:StructureSpecificData", "malformed XML: Namespace prefix mes"),  # undeclared
    (b"STRUCTURE,SEX,TIME_PERIOD,OBS_VALUE\ndataflow,F,2020,1\n", "no STRUCTURE_ID"),
    (b"DATAFLOW,REF_AREA,OBS_VALUE\nA:B(1.0),01,uno\n", "OBS_VALUE is not a number"),
    (b"a,b\n1,2\n", "not SDMX-CSV"),
    (b"\xff\xfe\x00garbage", "not readable as SDMX-CSV"),
])
def test_broken_files_are_located_errors(content: bytes, needle: str, tmp_path: Path) -> None:
    path = tmp_path / "in.dat"
    path.write_bytes(content)
    with pytest.raises(StructureError, match=needle) as info:
        read_data(path)
    assert "in.dat" in str(info.value)
