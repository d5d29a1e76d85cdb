"""CSV reading edge cases found in review: lines, stray quotes, huge cells."""

from __future__ import annotations

from pathlib import Path

from sdmx_tools.ingest.readers import RawTable, read_table
from sdmx_tools.ingest.spec import ReadOptions


def read(tmp_path: Path, data: bytes, **options: object) -> RawTable:
    path = tmp_path / "l.csv"
    path.write_bytes(data)
    return read_table(path, ReadOptions(**options))  # type: ignore[arg-type]


def lines_of(tmp_path: Path, data: bytes, **options: object) -> list[tuple[int, str]]:
    t = read(tmp_path, data, **options)
    return list(zip(t.frame["__row__"], t.frame.iloc[:, 0], strict=True))


def test_line_numbers_with_quoted_newlines_and_short_rows(tmp_path: Path) -> None:
    data = b'k,x,y\r\na,1,2\r\nb,"two\r\nlines",3\r\nc,1\r\nd,1,2\r\n'
    assert lines_of(tmp_path, data) == [(2, "a"), (3, "b"), (5, "c"), (6, "d")]
    assert read(tmp_path, data).short_rows == {5}  # 'c,1': cut short, by its own line
    assert lines_of(tmp_path, b'k,x,y\ne,"p\nq"\nf,1,2\n') == [(2, "e"), (4, "f")]
    assert lines_of(tmp_path, b'"Title\nline two"\nk,x,y\na,1,2\n', header_row=3) == [(4, "a")]
    assert lines_of(tmp_path, b"k,x,y\ra,1,2\rb,1,2\r") == [(2, "a"), (3, "b")]


def test_inch_mark_in_an_unquoted_cell_is_data(tmp_path: Path) -> None:
    data = b'k,desc,y\n1001,tubo 1/2",5\n'
    assert lines_of(tmp_path, data) == [(2, "1001")]


def test_huge_header_cell_is_read(tmp_path: Path) -> None:
    data = b"k," + b"x" * 200_000 + b"\n1001,1\n"
    assert lines_of(tmp_path, data) == [(2, "1001")]
