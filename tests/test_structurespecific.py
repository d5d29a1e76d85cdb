"""Structure-specific SDMX-ML and SDMX-CSV 2.0: what we write, sdmx1 and pysdmx read back.

The frame is the demo's published SDMX-CSV 1.0 (every indicator, all levels), so the round
trips cover real keys, missing values and crowdsourced note text.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sdmx
from lxml import etree

from sdmx_tools.exchange.sdmxcsv import write_data_csv
from sdmx_tools.exchange.structurespecific import dataflow_namespace, write_structure_specific
from sdmx_tools.pipeline import OutputPaths
from sdmx_tools.vocabulary.dsd import DIMENSIONS

KEY = [*DIMENSIONS, "TIME_PERIOD"]
HOSTILE = 'a "quoted" <b>&amp; note\nnext\ttab \x01 end'


@pytest.fixture(scope="module")
def published(demo_run) -> tuple[pd.DataFrame, Path]:  # type: ignore[no-untyped-def]
    paths = OutputPaths(demo_run.workspace / "out")
    frame = pd.read_csv(paths.data_csv, dtype=str, keep_default_na=False)
    frame["OBS_VALUE"] = pd.to_numeric(frame["OBS_VALUE"].replace("", None))
    frame.loc[3, "COMMENT_OBS"] = HOSTILE
    return frame.drop(columns="DATAFLOW"), paths.structure


@pytest.fixture(scope="module")
def written(published: tuple[pd.DataFrame, Path], tmp_path_factory: pytest.TempPathFactory
            ) -> Path:
    path = tmp_path_factory.mktemp("ss") / "data.xml"
    assert write_structure_specific(published[0], path, agency="MX_DEMO",
                                    dataflow_id="DF_SDG_MX") == len(published[0])
    return path


def _expected(frame: pd.DataFrame) -> pd.DataFrame:
    want = frame.copy()
    want["COMMENT_OBS"] = want["COMMENT_OBS"].str.replace("\x01", "\ufffd")
    return want.set_index(KEY).sort_index()


def test_sdmx1_reads_every_observation_and_attribute(published: tuple[pd.DataFrame, Path],
                                                     written: Path) -> None:
    frame, structure = published
    dsd = next(iter(sdmx.read_sdmx(structure).structure.values()))
    data_set = sdmx.read_sdmx(written, structure=dsd).data[0]
    rows = []
    for obs in data_set.obs:
        key = {k: v.value for k, v in obs.key.values.items()}
        attrs = {k: v.value for k, v in obs.attached_attribute.items()}
        rows.append({**key, "OBS_VALUE": obs.value, **attrs})
    got = pd.DataFrame(rows).set_index(KEY).sort_index()
    want = _expected(frame)
    assert got.index.equals(want.index)
    # Bit for bit: the text written parses back to the very same double.
    np.testing.assert_array_equal(got["OBS_VALUE"].astype(float).to_numpy(),
                                  want["OBS_VALUE"].to_numpy())
    for column in ("OBS_STATUS", "COMMENT_OBS", "SOURCE_DETAIL", "NATURE"):
        assert got[column].fillna("").tolist() == want[column].tolist(), column


def test_pysdmx_reads_it_and_keeps_leading_zeros(published: tuple[pd.DataFrame, Path],
                                                 written: Path) -> None:
    from pysdmx.io import read_sdmx

    data = read_sdmx(written).data[0].data
    got = data.astype({k: str for k in KEY}).set_index(KEY).sort_index()
    want = _expected(published[0])
    assert got.index.tolist() == want.index.tolist()  # REF_AREA "01001" stays "01001"
    assert {"00", "01", "01001"} <= set(got.index.get_level_values("REF_AREA"))
    np.testing.assert_array_equal(got["OBS_VALUE"].astype(float).to_numpy(),
                                  want["OBS_VALUE"].to_numpy())
    assert got["UNIT_MEASURE"].tolist() == want["UNIT_MEASURE"].tolist()


def test_the_message_names_its_dataflow_and_escapes_text(written: Path) -> None:
    root = etree.parse(str(written), etree.XMLParser(resolve_entities=False)).getroot()
    ns = dataflow_namespace("MX_DEMO", "DF_SDG_MX", "1.0")
    assert root.nsmap["ns1"] == ns
    structure = root.find(".//{*}Header/{*}Structure")
    assert structure is not None and structure.get("namespace") == ns
    data_set = root.find("{*}DataSet")
    assert data_set is not None
    assert data_set.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "ns1:DataSetType"
    comments = [o.get("COMMENT_OBS") for o in data_set.iter("Obs") if o.get("COMMENT_OBS")]
    assert HOSTILE.replace("\x01", "\ufffd") in comments


def test_an_empty_frame_is_a_valid_empty_message(published: tuple[pd.DataFrame, Path],
                                                  tmp_path: Path) -> None:
    path = tmp_path / "empty.xml"
    assert write_structure_specific(published[0].iloc[:0], path, agency="A",
                                    dataflow_id="F") == 0
    root = etree.parse(str(path)).getroot()
    assert root.find("{*}DataSet") is not None and not list(root.iter("Series"))


def test_sdmx_csv_2_reads_back_in_sdmx1(published: tuple[pd.DataFrame, Path],
                                        tmp_path: Path) -> None:
    frame, structure = published
    path = tmp_path / "data.csv"
    write_data_csv(frame, path, dataflow_ref="MX_DEMO:DF_SDG_MX(1.0)", version="2.0")
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:3] == ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    dsd = next(iter(sdmx.read_sdmx(structure).structure.values()))
    logging.getLogger("sdmx").setLevel(logging.ERROR)  # one line per absent attribute
    data_set = sdmx.read_sdmx(path, structure=dsd).data[0]
    got = {tuple(v.value for v in o.key.values.values()): o.value for o in data_set.obs}
    want = _expected(frame)["OBS_VALUE"]
    assert len(got) == len(want)
    for key, value in want.items():
        read = float(got[key]) if got[key] not in (None, "") else np.nan
        assert read == value or (np.isnan(read) and np.isnan(value)), key


def test_pysdmx_strips_leading_zeros_from_sdmx_csv(published: tuple[pd.DataFrame, Path],
                                                   tmp_path: Path) -> None:
    """Why structure-specific SDMX-ML is the format to hand to pysdmx (see the README)."""
    from pysdmx.io import read_sdmx

    path = tmp_path / "data.csv"
    write_data_csv(published[0], path, dataflow_ref="MX_DEMO:DF_SDG_MX(1.0)", version="2.0")
    assert "01001" in path.read_text(encoding="utf-8")
    areas = set(read_sdmx(path).data[0].data["REF_AREA"].astype(str))
    assert "1001" in areas and "01001" not in areas


# ------------------------------------------------------------ the DSD-specific schema


@pytest.fixture(scope="module")
def codelists() -> dict[str, object]:
    from sdmx_tools.vocabulary.codelists import load_codelists

    return load_codelists()  # type: ignore[return-value]


def _validate(path: Path, codelists: dict[str, object]) -> list[str]:
    """``line N: message`` of each finding of the public validator (safe parse included)."""
    from sdmx_tools.exchange.validate import validate_xml_file

    return [f"line {f.row}: {f.message}"
            for f in validate_xml_file(path, codelists)]  # type: ignore[arg-type]


def test_what_we_write_is_valid_against_its_dsd_schema(written: Path,
                                                       codelists: dict[str, object]) -> None:
    assert _validate(written, codelists) == []


@pytest.mark.parametrize(("edit", "needle"), [
    (('REF_AREA="01002"', 'REF_AREA="99999"'), "REF_AREA"),          # not in CL_AREA_MX
    ((' OBS_STATUS="A"', ""), "OBS_STATUS"),                           # mandatory attribute
    (('TIME_PERIOD="2022"', 'TIME_PERIOD="2022-13"'), "TIME_PERIOD"),  # no such period
    (('OBS_VALUE="68.8"', 'OBS_VALUE="68,8"'), "OBS_VALUE"),           # not a double
    ((' SEX="_T"', ""), "SEX"),                                        # a dimension missing
    (('UNIT_MULT="0"', 'UNIT_MULT="0" COLOUR="red"'), "COLOUR"),      # not a component
])
def test_the_schema_catches_what_the_structure_forbids(edit: tuple[str, str], needle: str,
                                                       written: Path, tmp_path: Path,
                                                       codelists: dict[str, object]) -> None:
    text = written.read_text(encoding="utf-8")
    assert edit[0] in text
    broken = tmp_path / "broken.xml"
    broken.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    errors = _validate(broken, codelists)
    assert errors and needle in errors[0] and errors[0].startswith("line ")
    assert all(len(e) < 400 for e in errors)


def test_a_doctype_is_refused_before_validation(tmp_path: Path,
                                                codelists: dict[str, object]) -> None:
    path = tmp_path / "x.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    "<x>&e;</x>", encoding="utf-8")
    assert _validate(path, codelists) == [
        "line 1: a DOCTYPE is not allowed in SDMX-ML (entities are never expanded)"]
