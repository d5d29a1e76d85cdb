"""Encodings: every encoding a spreadsheet saves reads to the same numbers, or says why not."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from sdmx_tools.ingest.describe import describe_file
from tests.battery.conftest import assert_one_line_error, make_workspace

TEXT = "cve,anio,municipio,valor\r\n01001,2020,Aguascalientes,948990\r\n" \
       "01002,2020,Asientos,\"51,536\"\r\n01003,2020,Calvillo,58250\r\n"
WANT = {"01001": 948990.0, "01002": 51536.0, "01003": 58250.0}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le",
                                      "utf-16-be", "utf-32", "latin-1", "cp1252"])
def test_each_encoding_gives_the_same_observations(encoding: str, tmp_path: Path,
                                                   areas: object) -> None:
    case = make_workspace(tmp_path, TEXT.replace("Calvillo", "Jesús María").encode(encoding))
    h = case.harmonise(areas)
    assert dict(zip(h.observations["REF_AREA"], h.observations["value"], strict=True)) == WANT
    assert h.observations["row"].tolist() == [2, 3, 4]
    # describe drafts an encoding of the same family as the file's
    family = {"latin-1": "8-bit", "cp1252": "8-bit"}.get(encoding, encoding[:6])
    drafted = codecs.lookup(describe_file(case.data).encoding).name
    assert (drafted in {"cp1252", "iso8859-1"} if family == "8-bit"
            else drafted.startswith(family)), drafted


def test_undecodable_bytes_in_a_declared_encoding_are_located(tmp_path: Path) -> None:
    data = TEXT.encode("utf-8").replace(b"Calvillo", b"Calvi\xffllo")
    case = make_workspace(tmp_path, data, read={"encoding": "utf-8"})
    assert_one_line_error(case.convert(), 1, "src.csv:4", "cannot decode as utf-8")


def test_an_unknown_declared_encoding_is_a_spec_error(tmp_path: Path) -> None:
    case = make_workspace(tmp_path, TEXT, read={"encoding": "klingon"})
    assert_one_line_error(case.convert(), 1, "unknown encoding", "'klingon'")


def test_binary_garbage_is_not_read_as_text(tmp_path: Path) -> None:
    case = make_workspace(tmp_path, bytes(range(256)) * 50)
    result = case.convert()
    assert result.exit_code == 1 and "Traceback" not in result.output + result.stderr
