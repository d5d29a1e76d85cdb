"""Large zipped and UTF-16 sources are copied, then read in blocks: the same answer as
read whole, never held whole in memory, the copy gone afterwards."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from sdmx_tools.errors import SourceReadError
from sdmx_tools.ingest.blocks import harmonise_source
from sdmx_tools.ingest.harmonise import Harmonised
from sdmx_tools.ingest.spec import load_spec
from sdmx_tools.territory import AreaCodelist
from tests.ingest.test_formats import spec_for, values, write


def _csv(areas: AreaCodelist, newline: str = "\n") -> tuple[str, int]:
    """~700 municipalities, one bad count (and its line), names with accents."""
    codes = sorted(c for c in areas.codelist.codes if areas.level(c) == "municipality")
    lines = ["cve,nombre,pob"] + [f"{c},Población {i} ñandú,{'x' if i == 401 else i}"
                                  for i, c in enumerate(codes[:700])]
    return newline.join(lines) + newline, 2 + 401


def _both(tmp_path: Path, areas: AreaCodelist, name: str, read: str = ""
          ) -> tuple[Harmonised, Harmonised, list[tuple[int, int]]]:
    spec_for(tmp_path, name, read)
    spec = load_spec(tmp_path / "sources" / "src.toml", tmp_path)
    done: list[tuple[int, int]] = []
    staging = tmp_path / "out"
    blocks = harmonise_source(spec, areas, block_bytes=4096, staging=staging,
                              on_block=lambda d, n: done.append((d, n)))
    assert not list(staging.iterdir())  # the copy is gone
    return harmonise_source(spec, areas), blocks, done


def _same(whole: Harmonised, blocks: Harmonised) -> None:
    assert values(blocks) == values(whole) and len(values(whole)) == 699
    assert blocks.account == whole.account
    assert blocks.quarantine.to_dict("records") == whole.quarantine.to_dict("records")
    assert (blocks.sha256, blocks.encoding) == (whole.sha256, whole.encoding)


def test_a_large_zipped_csv_is_read_in_blocks(tmp_path: Path, areas: AreaCodelist) -> None:
    text, bad_line = _csv(areas, "\r\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("datos/defunciones.csv", text.encode("latin-1"))
    write(tmp_path, "datos.zip", buf.getvalue())
    whole, blocks, done = _both(tmp_path, areas, "datos.zip")
    _same(whole, blocks)
    assert len(done) > 5 and done[-1][0] == done[-1][1]
    assert blocks.sha256 == hashlib.sha256(buf.getvalue()).hexdigest()  # as published
    assert blocks.encoding == "latin-1"
    assert list(blocks.quarantine["row"]) == [bad_line]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_large_utf16_csv_is_read_in_blocks(encoding: str, tmp_path: Path,
                                             areas: AreaCodelist) -> None:
    text, bad_line = _csv(areas)
    write(tmp_path, "pob.csv", text.encode(encoding))
    read = "" if encoding != "utf-32" else 'encoding = "utf-32"'
    whole, blocks, done = _both(tmp_path, areas, "pob.csv", read)
    _same(whole, blocks)
    assert len(done) > 5
    assert blocks.encoding == encoding
    assert list(blocks.quarantine["row"]) == [bad_line]


def test_an_undecodable_utf16_byte_is_located(tmp_path: Path, areas: AreaCodelist) -> None:
    text, _ = _csv(areas)
    data = bytearray(text.encode("utf-16-le"))
    at = data.index("Población 600".encode("utf-16-le"))
    data[at:at + 2] = b"\x00\xd8"  # a lone high surrogate
    data[at + 2:at + 4] = b"A\x00"
    write(tmp_path, "pob.csv", b"\xff\xfe" + bytes(data))
    spec_for(tmp_path, "pob.csv")
    spec = load_spec(tmp_path / "sources" / "src.toml", tmp_path)
    with pytest.raises(SourceReadError, match="cannot decode as utf-16") as info:
        harmonise_source(spec, areas, block_bytes=4096, staging=tmp_path / "out")
    assert info.value.row == 2 + 600 and info.value.file == str(spec.path)
    assert not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("lies", [False, True])
def test_a_zipped_member_past_max_bytes_is_refused(lies: bool, tmp_path: Path,
                                                  areas: AreaCodelist) -> None:
    """Declared past read.max_bytes: refused before inflating. Declared under it but
    larger: zipfile inflates only the declared size, and the CRC check refuses it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("datos.csv", b"cve,nombre,pob\n" + b"01001,x,1\n" * 50_000)
    data = buf.getvalue()
    if lies:
        real = (15 + 10 * 50_000).to_bytes(4, "little")
        assert data.count(real) == 2  # the local header and the central directory
        data = data.replace(real, (10_000).to_bytes(4, "little"))
    write(tmp_path, "datos.zip", data)
    spec_for(tmp_path, "datos.zip", "max_bytes = 100_000")
    spec = load_spec(tmp_path / "sources" / "src.toml", tmp_path)
    match = r"cannot read zip archive: Bad CRC-32" if lies else \
        r"'datos.csv' inflates to more than read\.max_bytes \(100,000 bytes\)"
    with pytest.raises(SourceReadError, match=match) as info:
        harmonise_source(spec, areas, block_bytes=4096, staging=tmp_path / "out")
    assert info.value.file == str(spec.path)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
