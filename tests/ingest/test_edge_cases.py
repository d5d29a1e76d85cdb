"""Edge cases found in review: each failed (traceback, wrong line, false error) before."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from sdmx_tools.errors import SourceReadError, SpecError
from sdmx_tools.indicators import load_indicators
from sdmx_tools.ingest.harmonise import Harmonised, harmonise
from sdmx_tools.ingest.readers import read_table
from sdmx_tools.ingest.spec import ReadOptions, load_spec
from sdmx_tools.provenance import source_detail
from sdmx_tools.resources import bundled
from sdmx_tools.territory import AreaCodelist, load_areas


@pytest.fixture(scope="module")
def areas() -> AreaCodelist:
    return load_areas()


def lines_of(tmp_path: Path, data: bytes, **options: object) -> list[tuple[int, str]]:
    path = tmp_path / "l.csv"
    path.write_bytes(data)
    t = read_table(path, ReadOptions(**options))  # type: ignore[arg-type]
    return list(zip(t.frame["__row__"], t.frame.iloc[:, 0], strict=True))


def test_line_numbers_with_quoted_newlines_and_short_rows(tmp_path: Path) -> None:
    data = b'k,x,y\r\na,1,2\r\nb,"two\r\nlines",3\r\nc,1\r\nd,1,2\r\n'
    assert lines_of(tmp_path, data) == [(2, "a"), (3, "b"), (5, "c"), (6, "d")]
    assert lines_of(tmp_path, b'k,x,y\ne,"p\nq"\nf,1,2\n') == [(2, "e"), (4, "f")]
    assert lines_of(tmp_path, b'"Title\nline two"\nk,x,y\na,1,2\n', header_row=3) == [(4, "a")]
    assert lines_of(tmp_path, b"k,x,y\ra,1,2\rb,1,2\r") == [(2, "a"), (3, "b")]


def test_inch_mark_in_an_unquoted_cell_is_data(tmp_path: Path) -> None:
    data = b'k,desc,y\n1001,tubo 1/2",5\n'
    assert lines_of(tmp_path, data) == [(2, "1001")]


def test_huge_header_cell_is_read(tmp_path: Path) -> None:
    data = b"k," + b"x" * 200_000 + b"\n1001,1\n"
    assert lines_of(tmp_path, data) == [(2, "1001")]


def write_spec(root: Path, body: str, data_name: str, data: bytes) -> Path:
    (root / "sources").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / data_name).write_bytes(data)
    spec = root / "sources" / "s.toml"
    spec.write_text(f'id = "s"\n[location]\npath = "data/{data_name}"\n{body}',
                    encoding="utf-8")
    return spec


LONG = """[area]
code_column = "cve"
[period]
value = "2020"
[[measures]]
id = "population"
unit = "person"
column = "pob"
"""


def run(root: Path, spec: Path, areas: AreaCodelist) -> Harmonised:
    s = load_spec(spec, root)
    return harmonise(read_table(s.path, s.read), s, areas)


@pytest.mark.parametrize("odd", ["\u2028", "\u0085"])
def test_line_separator_characters_in_a_quarantined_row(tmp_path: Path, areas: AreaCodelist,
                                                        odd: str) -> None:
    data = f"cve,nombre,pob\n1001,a{odd}b,x\n1002,b,5\n".encode()
    h = run(tmp_path, write_spec(tmp_path, LONG, "d.csv", data), areas)
    assert h.quarantine["row"].tolist() == [2]
    assert json.loads(h.quarantine["raw"].iloc[0])["nombre"] == f"a{odd}b"


def test_encrypted_zip_member_is_a_located_error(tmp_path: Path, areas: AreaCodelist) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("d.csv", b"cve,pob\n1001,5\n")
    data = bytearray(buf.getvalue())
    # Set the "encrypted" flag bit in the local and central headers.
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(sig) + offset
        data[at] |= 0x1
    spec = write_spec(tmp_path, LONG, "d.zip", bytes(data))
    with pytest.raises(SourceReadError, match="encrypted"):
        run(tmp_path, spec, areas)


@pytest.mark.parametrize("doc", ['[{"cve": 1001, "pob": ' + "9" * 5000 + "}]",
                                 "[" * 100_000 + "]" * 100_000])
def test_hostile_json_is_a_located_error(tmp_path: Path, areas: AreaCodelist,
                                         doc: str) -> None:
    spec = write_spec(tmp_path, LONG, "d.json", doc.encode())
    with pytest.raises(SourceReadError, match="JSON the reader refuses"):
        run(tmp_path, spec, areas)


def test_wide_month_layout_refuses_a_total_column(tmp_path: Path) -> None:
    body = LONG.replace('column = "pob"', "") + \
        '[layout]\nkind = "wide"\ncolumns = ["Enero", "Total"]\n'
    spec = write_spec(tmp_path, body, "d.csv", b"cve,Enero,Total\n")
    with pytest.raises(SpecError, match="must be a month name") as info:
        load_spec(spec, tmp_path)
    assert info.value.value == "Total"


def test_melted_dimension_uses_its_map(tmp_path: Path, areas: AreaCodelist) -> None:
    body = LONG.replace('column = "pob"', "") + (
        '[layout]\nkind = "wide"\ncolumns = ["hombres", "mujeres"]\nnames_to = "SEX"\n'
        '[dimensions.SEX]\nmap = { hombres = "M", mujeres = "F" }\n')
    spec = write_spec(tmp_path, body, "d.csv", b"cve,hombres,mujeres\n1001,3,4\n")
    h = run(tmp_path, spec, areas)
    assert sorted(zip(h.observations["SEX"], h.observations["value"], strict=True)) == [
        ("F", 4.0), ("M", 3.0)]
    (tmp_path / "sources" / "s.toml").write_text(
        spec.read_text().replace(', mujeres = "F"', ""), encoding="utf-8")
    with pytest.raises(SpecError, match="covering every melted column"):
        load_spec(spec, tmp_path)


def test_exclude_equals_must_be_text(tmp_path: Path) -> None:
    body = LONG + '[[exclude]]\ncolumn = "cve"\nequals = [0]\nreason = "total"\n'
    spec = write_spec(tmp_path, body, "d.csv", b"cve,pob\n")
    with pytest.raises(SpecError, match="quote numbers"):
        load_spec(spec, tmp_path)


def test_state_rows_are_not_counted_in_aggregate_provenance(areas: AreaCodelist) -> None:
    defn = load_indicators([bundled("indicators")])["16.1.1"]
    obs = pd.DataFrame({
        "source": "s", "row": [2, 3], "measure": defn.numerator.measure,
        "REF_AREA": ["05001", "05"], "TIME_PERIOD": "2022", "value": 1.0, "unit": "victim"})
    detail = source_detail(defn, obs, areas, {"s": "ab" * 32}).set_index("REF_AREA")
    assert detail.loc["05001", "SOURCE_DETAIL"] == "s sha256:abababababab row 2"
    assert detail.loc["05", "SOURCE_DETAIL"] == "s sha256:abababababab (1 row)"
    assert detail.loc["00", "SOURCE_DETAIL"] == "s sha256:abababababab (1 row)"
