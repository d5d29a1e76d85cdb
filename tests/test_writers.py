"""The SDMX-CSV and SDMX-ML data writers: same numbers, missing values left out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sdmx
from lxml import etree

from sdmx_tools.exchange.numbers import format_number
from sdmx_tools.exchange.sdmxcsv import write_data_csv
from sdmx_tools.exchange.sdmxml import GEN, write_data_xml
from sdmx_tools.exchange.validate import validate_xml_file
from sdmx_tools.vocabulary.dsd import DIMENSIONS


def _frame(values: list[float], **attrs: list[object]) -> pd.DataFrame:
    rows = [{**{d: "_T" for d in DIMENSIONS}, "REF_AREA": f"0{i % 2 + 1}",
             "TIME_PERIOD": str(2020 + i), "OBS_VALUE": v} for i, v in enumerate(values)]
    frame = pd.DataFrame(rows)
    for name, column in attrs.items():
        frame[name] = column
    return frame


def _xml_values(path: Path, tag: str) -> list[str]:
    return [e.get("value") for e in etree.parse(path).iter(f"{{{GEN}}}{tag}")]


@pytest.mark.parametrize(("value", "text"), [(0.1 + 0.2, "0.3"), (12.0, "12"), (-0.5, "-0.5"),
                                             (1 / 3, "0.333333333333333"),
                                             (float("nan"), "NaN"), (float("inf"), "INF")])
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text


def test_csv_and_xml_write_the_same_numbers(tmp_path: Path) -> None:
    values = [0.1 + 0.2, 2.675 * 3, 1e-7 / 3, 123456789.123, 5.0]
    bounds = [v * 1.1 for v in values]
    frame = _frame(values, UPPER_BOUND=bounds)
    write_data_csv(frame, tmp_path / "data.csv", dataflow_ref="MX:DF(1.0)")
    write_data_xml(frame, tmp_path / "data.xml", agency="MX", dataflow_id="DF")
    csv = pd.read_csv(tmp_path / "data.csv", dtype=str)
    ordered = frame.sort_values([*DIMENSIONS, "TIME_PERIOD"], kind="stable")
    assert csv["OBS_VALUE"].tolist() == [format_number(v) for v in ordered["OBS_VALUE"]]
    assert _xml_values(tmp_path / "data.xml", "ObsValue") == csv["OBS_VALUE"].tolist()
    xml_bounds = [v.get("value") for v in etree.parse(tmp_path / "data.xml").iter(
        f"{{{GEN}}}Value") if v.get("id") == "UPPER_BOUND"]
    assert xml_bounds == csv["UPPER_BOUND"].tolist()
    assert "0.3" in xml_bounds[0] and "0000000" not in "".join(xml_bounds)


def test_missing_attributes_are_left_out_not_written_as_na(tmp_path: Path) -> None:
    frame = _frame([1.0, 2.0, 3.0], COMMENT_OBS=["checked", None, None])
    frame["COMMENT_OBS"] = frame["COMMENT_OBS"].astype("string")  # missing cells are pd.NA
    frame["OBS_STATUS"] = pd.Series(["A", None, float("nan")], dtype=object)
    write_data_xml(frame, tmp_path / "data.xml", agency="MX", dataflow_id="DF")
    text = (tmp_path / "data.xml").read_text(encoding="utf-8")
    assert "NA&gt;" not in text and 'value="nan"' not in text
    comments = [v.get("value") for v in etree.parse(tmp_path / "data.xml").iter(
        f"{{{GEN}}}Value") if v.get("id") == "COMMENT_OBS"]
    assert comments == ["checked"]


def test_xml_declares_namespaces_once_and_stays_valid(tmp_path: Path) -> None:
    frame = _frame([1.5, 2.5, float("nan"), 4.0], OBS_STATUS=["A", "E", "M", "A"])
    path = tmp_path / "data.xml"
    assert write_data_xml(frame, path, agency="MX", dataflow_id="DF") == 4
    text = path.read_text(encoding="utf-8")
    assert text.count("xmlns:generic=") == 1 and text.count("xmlns:message=") == 1
    assert text.count("<generic:Series>") == 2
    assert validate_xml_file(path) == []
    datasets = sdmx.read_sdmx(path).data
    assert sum(len(obs) for ds in datasets for obs in ds.series.values()) == 4


def test_pysdmx_reads_the_xml(tmp_path: Path) -> None:
    from pysdmx.io import read_sdmx

    path = tmp_path / "data.xml"
    write_data_xml(_frame([1.5, 2.5, 3.0]), path, agency="MX", dataflow_id="DF")
    (dataset,) = read_sdmx(path).get_datasets()
    assert sorted(dataset.data["OBS_VALUE"].astype(float)) == [1.5, 2.5, 3.0]


def test_a_column_of_numbers_is_written_as_each_number_alone() -> None:
    from sdmx_tools.exchange.numbers import format_number, format_numbers

    values = [0.1 + 0.2, 1 / 3, -0.0, 0.0, 5e-324, 1e16, 1.7976931348623157e308, -2.5e-7,
              123456789012345678.0, float("nan"), float("inf"), float("-inf"), 42.0, 7]
    assert format_numbers(pd.Series(values)).tolist() == [format_number(v) for v in values]
