"""Readers beyond CSV (XLSX, JSON, JSON Lines, zip and zip bombs), skip_rows, spec checks."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sdmx_tools.errors import SourceReadError, SpecError
from sdmx_tools.ingest.harmonise import Harmonised, harmonise
from sdmx_tools.ingest.readers import read_table
from sdmx_tools.ingest.spec import load_spec
from sdmx_tools.territory import AreaCodelist

ROWS = [("1001", "Aguascalientes", "948,990"), ("2004", "Tijuana", "1,922,523"),
        ("9015", "Cuauhtémoc", "545,884")]
EXPECTED = {"01001": 948990.0, "02004": 1922523.0, "09015": 545884.0}


def spec_for(root: Path, name: str, read: str = "", extra: str = "",
             column: str | None = "pob") -> Path:
    (root / "sources").mkdir(parents=True, exist_ok=True)
    spec = root / "sources" / "src.toml"
    spec.write_text(f"""
id = "src"
[location]
path = "data/{name}"
[read]
{read}
[area]
code_column = "cve"
[period]
value = "2020"
[[measures]]
id = "population"
unit = "person"
{f'column = "{column}"' if column else ""}
{extra}
""", encoding="utf-8")
    return spec


def run(root: Path, areas: AreaCodelist) -> Harmonised:
    spec = load_spec(root / "sources" / "src.toml", root)
    return harmonise(read_table(spec.path, spec.read), spec, areas)


def values(h: Harmonised) -> dict[str, float]:
    return dict(zip(h.observations["REF_AREA"], h.observations["value"], strict=True))


def write(root: Path, name: str, data: bytes) -> None:
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data" / name).write_bytes(data)


def test_xlsx_with_title_rows_and_sheet(tmp_path: Path, areas: AreaCodelist) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Notas"
    wb.active.append(["Este libro tiene los datos en la hoja 'Datos'"])
    ws = wb.create_sheet("Datos")
    ws.append(["Población 2020"])
    ws.append(["cve", "nombre", "pob"])
    for cve, name, pob in ROWS:
        ws.append([int(cve), name, int(pob.replace(",", ""))])  # Excel stores numbers
    buf = io.BytesIO()
    wb.save(buf)
    write(tmp_path, "pob.xlsx", buf.getvalue())
    spec_for(tmp_path, "pob.xlsx", 'sheet = "Datos"\nheader_row = 2')
    h = run(tmp_path, areas)
    assert values(h) == EXPECTED
    assert h.observations["row"].tolist() == [3, 4, 5]  # sheet rows, as Excel shows them
    assert h.account.read == 3 and h.account.used == 3


def test_xlsx_unknown_sheet_is_located(tmp_path: Path, areas: AreaCodelist) -> None:
    wb = openpyxl.Workbook()
    buf = io.BytesIO()
    wb.save(buf)
    write(tmp_path, "pob.xlsx", buf.getvalue())
    spec_for(tmp_path, "pob.xlsx", 'sheet = "Datos"')
    with pytest.raises(SourceReadError, match="cannot read workbook") as info:
        run(tmp_path, areas)
    assert "read.sheet" in str(info.value.hint)


def test_json_records_at_a_path(tmp_path: Path, areas: AreaCodelist) -> None:
    doc = {"success": True, "result": {"records": [
        {"cve": int(c), "nombre": n, "pob": p, "extra": {"nested": [1]}} for c, n, p in ROWS]}}
    write(tmp_path, "pob.json", json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    spec_for(tmp_path, "pob.json", 'records = "result.records"')
    h = run(tmp_path, areas)
    assert values(h) == EXPECTED
    assert h.observations["row"].tolist() == [1, 2, 3]  # record numbers


def test_json_without_records_path_says_where_to_look(tmp_path: Path,
                                                      areas: AreaCodelist) -> None:
    write(tmp_path, "pob.json", b'{"result": {"records": []}}')
    spec_for(tmp_path, "pob.json")
    with pytest.raises(SourceReadError, match="not a list of records") as info:
        run(tmp_path, areas)
    assert "read.records" in str(info.value.hint) and info.value.value == "result"


def test_jsonl_rows_are_line_numbers(tmp_path: Path, areas: AreaCodelist) -> None:
    lines = [json.dumps({"cve": c, "nombre": n, "pob": p}) for c, n, p in ROWS]
    write(tmp_path, "pob.jsonl", "\n\n".join(lines).encode("utf-8"))  # blank lines between
    spec_for(tmp_path, "pob.jsonl")
    h = run(tmp_path, areas)
    assert values(h) == EXPECTED
    assert h.observations["row"].tolist() == [1, 3, 5]


def test_invalid_json_is_located(tmp_path: Path, areas: AreaCodelist) -> None:
    write(tmp_path, "pob.jsonl", b'{"cve": "1001", "pob": "1"}\n{"cve": "1002", "pob": \n')
    spec_for(tmp_path, "pob.jsonl")
    with pytest.raises(SourceReadError, match="invalid JSON") as info:
        run(tmp_path, areas)
    assert info.value.row == 2


def csv_bytes(encoding: str = "latin-1") -> bytes:
    text = "cve,nombre,pob\r\n" + "".join(f'{c},{n},"{p}"\r\n' for c, n, p in ROWS)
    return text.encode(encoding)


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zipped_latin1_csv(tmp_path: Path, areas: AreaCodelist) -> None:
    data = zipped({"defunciones/datos.csv": csv_bytes()})
    write(tmp_path, "datos.zip", data)
    spec_for(tmp_path, "datos.zip")
    h = run(tmp_path, areas)
    assert values(h) == EXPECTED
    import hashlib

    assert h.sha256 == hashlib.sha256(data).hexdigest()  # the archive as published


def test_zip_with_several_files_needs_member(tmp_path: Path, areas: AreaCodelist) -> None:
    write(tmp_path, "datos.zip", zipped({"a.csv": csv_bytes(), "diccionario.csv": b"x\n1\n"}))
    spec_for(tmp_path, "datos.zip")
    with pytest.raises(SourceReadError, match="holds 2 files") as info:
        run(tmp_path, areas)
    assert "read.member" in str(info.value.hint) and "diccionario.csv" in str(info.value.hint)
    spec_for(tmp_path, "datos.zip", 'member = "a.csv"')
    assert values(run(tmp_path, areas)) == EXPECTED


def test_zip_bomb_is_refused_before_inflating(tmp_path: Path, areas: AreaCodelist) -> None:
    # 200 MB of zeros deflate to ~200 KB: the limit is checked on the declared size first.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("bomba.csv", "w", force_zip64=True) as fh:
        chunk = b"0" * (1 << 20)
        for _ in range(200):
            fh.write(chunk)
    assert len(buf.getvalue()) < 1_000_000
    write(tmp_path, "bomba.zip", buf.getvalue())
    spec_for(tmp_path, "bomba.zip", "max_bytes = 50_000_000")
    with pytest.raises(SourceReadError, match=r"inflates to more than read\.max_bytes") as info:
        run(tmp_path, areas)
    assert "209,715,200 bytes declared" in str(info.value.value)


def test_zip_member_lying_about_its_size_is_refused(tmp_path: Path,
                                                    areas: AreaCodelist) -> None:
    data = bytearray(zipped({"datos.csv": b"0" * 5_000_000}))
    # Rewrite the declared uncompressed size (local header and central directory) to 1 KB:
    # inflating must stop at the real limit, not trust the header.
    size = (5_000_000).to_bytes(4, "little")
    assert data.count(size) == 2
    data = bytearray(bytes(data).replace(size, (1000).to_bytes(4, "little")))
    write(tmp_path, "datos.zip", bytes(data))
    spec_for(tmp_path, "datos.zip", "max_bytes = 100_000")
    with pytest.raises(SourceReadError) as info:
        run(tmp_path, areas)
    assert "zip" in info.value.message or "max_bytes" in info.value.message


def test_nested_zip_is_not_opened(tmp_path: Path, areas: AreaCodelist) -> None:
    write(tmp_path, "datos.zip", zipped({"inner.zip": zipped({"a.csv": csv_bytes()})}))
    spec_for(tmp_path, "datos.zip")
    with pytest.raises(SourceReadError, match="nested archives"):
        run(tmp_path, areas)


def test_legacy_xls_gets_a_hint(tmp_path: Path, areas: AreaCodelist) -> None:
    write(tmp_path, "pob.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    spec_for(tmp_path, "pob.xls")
    with pytest.raises(SourceReadError, match="unsupported file format") as info:
        run(tmp_path, areas)
    assert ".xlsx" in str(info.value.hint)


def test_file_over_max_bytes_is_refused_unread(tmp_path: Path, areas: AreaCodelist) -> None:
    write(tmp_path, "pob.csv", csv_bytes())
    spec_for(tmp_path, "pob.csv", "max_bytes = 10")
    with pytest.raises(SourceReadError, match=r"larger than read\.max_bytes"):
        run(tmp_path, areas)


def test_skip_rows_are_excluded_on_purpose(tmp_path: Path, areas: AreaCodelist) -> None:
    text = "cve,nombre,pob\n(clave),(texto),(personas)\n" + "".join(
        f'{c},{n},"{p}"\n' for c, n, p in ROWS)
    write(tmp_path, "pob.csv", text.encode("utf-8"))
    spec_for(tmp_path, "pob.csv", "skip_rows = 1")
    h = run(tmp_path, areas)
    assert values(h) == EXPECTED
    assert h.account.excluded_by_rule == {"skip_rows": 1}
    assert (h.account.read, h.account.used, h.account.excluded) == (4, 3, 1)


def test_quoted_newline_keeps_physical_line_numbers(tmp_path: Path,
                                                    areas: AreaCodelist) -> None:
    text = ('cve,nombre,pob\n1001,"Aguas-\ncalientes","948,990"\n2004,Tijuana,"1,922,523"\n'
            '9015,Cuauhtémoc,"545,884"\n')
    write(tmp_path, "pob.csv", text.encode("utf-8"))
    spec_for(tmp_path, "pob.csv")
    h = run(tmp_path, areas)
    assert values(h) == EXPECTED
    assert h.observations["row"].tolist() == [2, 4, 5]


@pytest.mark.parametrize("odd", ["\u2028", "\u0085"])
def test_line_separator_characters_in_a_quarantined_row(tmp_path: Path, areas: AreaCodelist,
                                                        odd: str) -> None:
    write(tmp_path, "d.csv", f"cve,nombre,pob\n1001,a{odd}b,x\n1002,b,5\n".encode())
    spec_for(tmp_path, "d.csv")
    h = run(tmp_path, areas)
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
    write(tmp_path, "d.zip", bytes(data))
    spec_for(tmp_path, "d.zip")
    with pytest.raises(SourceReadError, match="encrypted"):
        run(tmp_path, areas)


@pytest.mark.parametrize("doc", ['[{"cve": 1001, "pob": ' + "9" * 5000 + "}]",
                                 "[" * 100_000 + "]" * 100_000])
def test_hostile_json_is_a_located_error(tmp_path: Path, areas: AreaCodelist,
                                         doc: str) -> None:
    write(tmp_path, "d.json", doc.encode())
    spec_for(tmp_path, "d.json")
    with pytest.raises(SourceReadError, match="JSON the reader refuses"):
        run(tmp_path, areas)


def test_wide_month_layout_refuses_a_total_column(tmp_path: Path) -> None:
    write(tmp_path, "d.csv", b"cve,Enero,Total\n")
    spec = spec_for(tmp_path, "d.csv", column=None,
                    extra='[layout]\nkind = "wide"\ncolumns = ["Enero", "Total"]')
    with pytest.raises(SpecError, match="must be a month name") as info:
        load_spec(spec, tmp_path)
    assert info.value.value == "Total"


def test_melted_dimension_uses_its_map(tmp_path: Path, areas: AreaCodelist) -> None:
    write(tmp_path, "d.csv", b"cve,hombres,mujeres\n1001,3,4\n")
    spec = spec_for(tmp_path, "d.csv", column=None, extra=(
        '[layout]\nkind = "wide"\ncolumns = ["hombres", "mujeres"]\nnames_to = "SEX"\n'
        '[dimensions.SEX]\nmap = { hombres = "M", mujeres = "F" }'))
    h = run(tmp_path, areas)
    assert sorted(zip(h.observations["SEX"], h.observations["value"], strict=True)) == [
        ("F", 4.0), ("M", 3.0)]
    spec.write_text(
        spec.read_text().replace(', mujeres = "F"', ""), encoding="utf-8")
    with pytest.raises(SpecError, match="covering every melted column"):
        load_spec(spec, tmp_path)


def test_exclude_equals_must_be_text(tmp_path: Path) -> None:
    write(tmp_path, "d.csv", b"cve,pob\n")
    spec = spec_for(tmp_path, "d.csv",
                    extra='[[exclude]]\ncolumn = "cve"\nequals = [0]\nreason = "total"')
    with pytest.raises(SpecError, match="quote numbers"):
        load_spec(spec, tmp_path)


def test_skip_rows_past_the_first_block_is_a_located_error(tmp_path: Path,
                                                           areas: AreaCodelist) -> None:
    from sdmx_tools.ingest.blocks import harmonise_source

    text = "cve,nombre,pob\n" + "".join(f"1001,Aguascalientes,{n}\n" for n in range(900))
    write(tmp_path, "pob.csv", text.encode("utf-8"))
    spec_for(tmp_path, "pob.csv", "skip_rows = 800")
    spec = load_spec(tmp_path / "sources" / "src.toml", tmp_path)
    with pytest.raises(SourceReadError, match="reaches past the first") as info:
        harmonise_source(spec, areas, block_bytes=4096)  # ~170 rows a block
    assert info.value.file == str(spec.path)
    # Read whole, the same spec skips 800 rows on purpose, as it always did.
    h = harmonise_source(spec, areas)
    assert h.account.excluded_by_rule["skip_rows"] == 800


def test_blocks_cut_by_records_when_a_stray_quote_would_mislead_the_count(
        tmp_path: Path, areas: AreaCodelist) -> None:
    """A stray quote (tubo 1/2") before cells quoted over two lines: the source's values,
    lines and quarantine are those of the file read whole."""
    from sdmx_tools.ingest.blocks import harmonise_source

    codes = sorted(c for c in areas.codelist.codes if areas.level(c) == "municipality")
    lines, line, bad_line = ["cve,nombre,pob"], 2, 0
    for i, code in enumerate(codes[:700]):
        name = ('tubo 1/2"' if i % 101 == 4 else f'"Villa {i}\nsegunda línea"' if i % 5 == 0
                else f"Municipio {i}")
        lines.append(f"{code},{name},{'x' if i == 333 else i}")
        bad_line = line if i == 333 else bad_line
        line += 1 + name.count("\n")
    write(tmp_path, "pob.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    spec_for(tmp_path, "pob.csv")
    spec = load_spec(tmp_path / "sources" / "src.toml", tmp_path)
    whole, blocks = harmonise_source(spec, areas), harmonise_source(spec, areas,
                                                                    block_bytes=4096)
    assert values(blocks) == values(whole) and len(values(whole)) == 699
    assert blocks.account == whole.account
    assert blocks.quarantine.to_dict("records") == whole.quarantine.to_dict("records")
    assert list(whole.quarantine["row"]) == [bad_line]  # its line in the file
