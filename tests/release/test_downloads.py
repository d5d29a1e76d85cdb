"""Per-indicator SDMX-CSV cut from the release's file: byte ranges, quoted line breaks."""

from __future__ import annotations

from pathlib import Path

from sdmx_tools.release.downloads import _copy_slice, series_slices

HEADER = "DATAFLOW,FREQ,REPORTING_TYPE,SERIES,REF_AREA,TIME_PERIOD,OBS_VALUE,COMMENT_OBS\n"


def test_each_series_is_its_run_of_records(tmp_path: Path) -> None:
    rows = [
        "X:D(1.0),A,N,AAA,00,2020,1.5,\n",
        'X:D(1.0),A,N,AAA,01,2020,2.5,"a note\nover two lines, with ""quotes"""\n',
        "X:D(1.0),A,N,BBB,00,2020,3,\n",
        'X:D(1.0),A,N,BBB,01,2020,4,"SERIES,CCC,in a note"\n',
        "X:D(1.0),A,N,CCC,00,2020,5,\n",
        "X:D(1.0),M,N,AAA,00,2020-01,6,\n",  # AAA again, after another run: no slice
    ]
    path = tmp_path / "data.csv"
    path.write_bytes((HEADER + "".join(rows)).encode("utf-8"))
    slices = series_slices(path)
    assert sorted(slices) == ["BBB", "CCC"]
    out = tmp_path / "bbb.csv"
    _copy_slice(slices["BBB"], out)
    assert out.read_text(encoding="utf-8") == HEADER + rows[2] + rows[3]
    _copy_slice(slices["CCC"], out)
    assert out.read_text(encoding="utf-8") == HEADER + rows[4]


def test_a_file_of_another_shape_gives_no_slices(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("STRUCTURE,STRUCTURE_ID,ACTION,FREQ\n", encoding="utf-8")
    assert series_slices(path) == {}
