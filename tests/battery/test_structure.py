"""File structure: ragged, mis-headed, oversized or pathological files fail fast, located."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.battery.conftest import (
    Case,
    assert_no_leftovers,
    assert_one_line_error,
    cli,
    make_workspace,
)


def _convert_fails(case: Case, *needles: str) -> str:
    result = case.convert()
    line = assert_one_line_error(result, 1, *needles)
    assert "Exception ignored" not in result.stderr
    assert_no_leftovers(case.root)
    assert not (case.root / "out" / "sdmx").exists()
    return line


def test_a_row_with_too_many_fields_is_located(tmp_path: Path) -> None:
    case = make_workspace(tmp_path, "cve,anio,valor\n01001,2020,10\n01002,2020,10,9\n")
    _convert_fails(case, "data/src.csv:3", "4 fields", "header has 3")


def test_many_wide_rows_are_counted_in_one_line(tmp_path: Path) -> None:
    rows = "".join(f"0100{i},2020,1,2\n" for i in range(1, 6))
    case = make_workspace(tmp_path, "cve,anio,valor\n" + rows)
    _convert_fails(case, ":2", "(5 such lines)")


def test_excel_sep_line_names_the_delimiter(tmp_path: Path, areas: object) -> None:
    case = make_workspace(tmp_path, "sep=;\ncve;anio;valor\n01001;2020;10\n")
    h = case.harmonise(areas)
    assert h.observations["value"].tolist() == [10.0]
    assert h.observations["row"].tolist() == [3]


def test_a_wrong_header_row_is_located(tmp_path: Path) -> None:
    case = make_workspace(tmp_path, "Título del cuadro\ncve,anio,valor\n01001,2020,10\n",
                          read={"header_row": 1})
    _convert_fails(case, "src.csv")


@pytest.mark.parametrize("size", [50 * 1024 * 1024])
def test_one_enormous_line_is_refused_quickly(size: int, tmp_path: Path) -> None:
    case = make_workspace(tmp_path, b"cve,anio,valor\n01001,2020," + b"9" * size + b"\n")
    start = time.monotonic()
    _convert_fails(case)
    assert time.monotonic() - start < 20


def test_a_hundred_thousand_columns_are_refused_quickly(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(100_000))
    case = make_workspace(tmp_path, "cve,anio,valor," + header + "\n01001,2020,1\n")
    start = time.monotonic()
    _convert_fails(case, "columns")
    assert time.monotonic() - start < 20


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|aa)+$", "(a*)*b", "^(\\w+\\s?)*$"])
def test_catastrophic_exclude_patterns_cannot_hang(pattern: str, tmp_path: Path,
                                                   areas: object) -> None:
    case = make_workspace(tmp_path, "cve,anio,valor\n" + "a" * 40 + "!,2020,1\n01001,2020,2\n",
                          extra=f"[[exclude]]\ncolumn = \"cve\"\nmatches = '{pattern}'\n"
                                "reason = \"x\"\n")
    start = time.monotonic()
    h = case.harmonise(areas)
    assert time.monotonic() - start < 5
    # The pattern does not match the hostile cell: it is an unknown area, not excluded.
    assert h.quarantine["reason"].tolist() == ["unknown-area"]
    kept = re.match(pattern, "01001") is None  # Python's re is safe on this short cell
    assert h.observations["value"].tolist() == ([2.0] if kept else [])


def test_a_pattern_re2_cannot_run_is_a_spec_error(tmp_path: Path) -> None:
    case = make_workspace(tmp_path, "cve,anio,valor\n01001,2020,2\n",
                          extra="[[exclude]]\ncolumn = \"cve\"\nmatches = '0(?=1)'\n"
                                "reason = \"x\"\n")
    assert_one_line_error(case.convert(), 1, "RE2", "backreferences")


def test_codelists_match_on_a_huge_name_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("municipio\n" + "Aguascalientes " * 70_000 + "\n", encoding="utf-8")
    start = time.monotonic()
    out = tmp_path / "out.csv"
    result = cli("codelists", "match", str(path), "--name-column", "municipio", "-o", str(out))
    assert time.monotonic() - start < 10
    assert_one_line_error(result, 1, "need review")
    assert out.read_text(encoding="utf-8").splitlines()[1].endswith(",0.0,unmatched,")


def test_a_zip_inflating_past_the_default_bound_is_refused_unread(tmp_path: Path) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("datos.csv", "w", force_zip64=True) as fh:
        fh.write(b"cve,anio,valor\n")
        block = b"0" * (1 << 20)
        for _ in range(300):  # 300 MiB: over the 256 MiB default of read.max_bytes
            fh.write(block)
    case = make_workspace(tmp_path, buffer.getvalue(), file="datos.zip")
    start = time.monotonic()
    line = _convert_fails(case, "datos.zip", "inflates to more than read.max_bytes")
    assert time.monotonic() - start < 10 and len(line) < 600


@pytest.mark.parametrize("body", [
    b"cve,anio,valor\n01001,2020," + b"9" * 50_000_000 + b"\n",        # one 50 MB line
    ("cve,anio,valor," + ",".join(f"c{i}" for i in range(100_000)) + "\n").encode(),
])
def test_describe_is_bounded_on_pathological_files(body: bytes, tmp_path: Path) -> None:
    path = tmp_path / "raro.csv"
    path.write_bytes(body)
    start = time.monotonic()
    result = cli("describe", str(path))
    assert time.monotonic() - start < 10
    assert result.exit_code in (0, 1) and "Traceback" not in result.output + result.stderr
    if result.exit_code == 1:
        assert_one_line_error(result, 1, "raro.csv")
