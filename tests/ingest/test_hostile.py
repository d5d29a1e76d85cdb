"""Hostile input: a located error or a quarantine, never a traceback, a hang or half an output.

Each case writes a workspace whose only source is broken in one way. Through the library
the case must raise a :class:`~sdmx_tools.errors.ToolkitError` that says where (file, and
row where there is one) and what to do (a hint), or quarantine the bad rows with their raw
value. Through the CLI it must end with exit status 1 and one ``Error:`` line on stderr,
no traceback, and no SDMX output folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from sdmx_tools.cli import main
from sdmx_tools.errors import SourceReadError, SpecError, ToolkitError
from sdmx_tools.ingest.harmonise import Harmonised, harmonise
from sdmx_tools.ingest.readers import read_table
from sdmx_tools.ingest.spec import load_spec
from sdmx_tools.territory import AreaCodelist
from tests.battery.conftest import WORKSPACE

SPEC = """\
id = "hostil"
tolerance = 0
[location]
path = "{path}"
[read]
encoding = "{encoding}"
[area]
code_column = "cve_mun"
[period]
column = "anio"
[[measures]]
id = "population"
column = "poblacion"
unit = "person"
"""
GOOD = 'cve_mun,municipio,anio,poblacion\r\n1001,Aguascalientes,2020,"948,990"\r\n' \
       '2004,Tijuana,2020,"1,922,523"\r\n'


pytestmark = pytest.mark.usefixtures("no_hang")


@dataclass(frozen=True)
class Workspace:
    root: Path
    spec: Path


def workspace(tmp_path: Path, path: str = "data/hostil.csv", data: bytes | None = None,
              encoding: str = "auto") -> Workspace:
    root = tmp_path / "ws"
    (root / "sources").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "sdmx-tools.toml").write_text(WORKSPACE, encoding="utf-8")
    spec = root / "sources" / "hostil.toml"
    spec.write_text(SPEC.format(path=path, encoding=encoding), encoding="utf-8")
    if data is not None:
        (root / path).write_bytes(data)
    return Workspace(root, spec)


def ingest(ws: Workspace, areas: AreaCodelist) -> Harmonised:
    s = load_spec(ws.spec, ws.root)
    return harmonise(read_table(s.path, s.read), s, areas)


def convert_cli(ws: Workspace) -> object:
    return CliRunner().invoke(main, ["convert", "-w", str(ws.root)])


def assert_clean_cli_failure(ws: Workspace, result: object, *needles: str) -> str:
    """Exit 1, one 'Error:' line naming ``needles``, no traceback, no SDMX output."""
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert isinstance(result.exception, SystemExit)  # type: ignore[attr-defined]
    err: str = result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in err and "Traceback" not in result.output  # type: ignore
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err[:2000]
    for needle in needles:
        assert needle in lines[0], lines[0][:2000]
    out = ws.root / "out"
    assert not (out / "sdmx").exists()
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")] if out.exists() else []
    assert leftovers == []
    return lines[0]


# ------------------------------------------------------------------ located errors

@dataclass(frozen=True)
class ErrorCase:
    make: Callable[[Path], Workspace]
    error: type[ToolkitError]
    file: str           # the name the error must point at
    row: int | None     # the line it must point at, when there is one
    needle: str         # a word the message must contain


def _quoted_cut(tmp_path: Path) -> Workspace:
    # the last row starts a quoted thousands figure and the file ends inside it
    return workspace(tmp_path, data=(GOOD + '1005,Jesús María,2020,"129,9').encode())


def _wrong_encoding(tmp_path: Path) -> Workspace:
    data = (GOOD + '1005,Jesús María,2020,"129,929"\r\n').encode("latin-1")
    return workspace(tmp_path, data=data, encoding="utf-8")


def _empty(tmp_path: Path) -> Workspace:
    return workspace(tmp_path, data=b"")


def _parent_path(tmp_path: Path) -> Workspace:
    return workspace(tmp_path, path="../../etc/passwd")


def _absolute_path(tmp_path: Path) -> Workspace:
    return workspace(tmp_path, path="/etc/passwd")


def _symlink_out(tmp_path: Path) -> Workspace:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text(GOOD, encoding="utf-8")
    ws = workspace(tmp_path, path="data/link.csv")
    (ws.root / "data" / "link.csv").symlink_to(outside / "secret.csv")
    return ws


ERRORS = {
    "truncated-inside-quoted-field": ErrorCase(_quoted_cut, SourceReadError, "hostil.csv",
                                               4, "truncated"),
    "declared-utf8-on-latin1": ErrorCase(_wrong_encoding, SourceReadError, "hostil.csv", 4,
                                         "cannot decode as utf-8"),
    "zero-byte-file": ErrorCase(_empty, SourceReadError, "hostil.csv", None, "empty"),
    "parent-path": ErrorCase(_parent_path, SpecError, "hostil.toml", None, "outside"),
    "absolute-path": ErrorCase(_absolute_path, SpecError, "hostil.toml", None, "outside"),
    "symlink-out": ErrorCase(_symlink_out, SpecError, "hostil.toml", None, "outside"),
}


@pytest.mark.parametrize("case", list(ERRORS.values()), ids=list(ERRORS))
def test_error_is_located(case: ErrorCase, tmp_path: Path, areas: AreaCodelist) -> None:
    ws = case.make(tmp_path)
    with pytest.raises(case.error) as info:
        ingest(ws, areas)
    err = info.value
    assert err.file is not None and Path(err.file).name == case.file, err
    assert case.needle in err.message, err
    if case.row is not None:
        assert err.row == case.row, err
    assert err.hint, err
    # structured fields survive pickling (errors cross process boundaries)
    import pickle

    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err)


def test_outside_paths_never_read_the_target(tmp_path: Path, areas: AreaCodelist) -> None:
    ws = _symlink_out(tmp_path)
    with pytest.raises(SpecError) as info:
        ingest(ws, areas)
    assert info.value.value == "data/link.csv"
    assert "sources must live under" in str(info.value.hint)
    assert "948,990" not in str(info.value)


@pytest.mark.parametrize("make", [_quoted_cut, _wrong_encoding, _empty, _parent_path,
                                  _absolute_path, _symlink_out],
                         ids=["truncated-inside-quoted-field", "declared-utf8-on-latin1",
                              "zero-byte-file", "parent-path", "absolute-path", "symlink-out"])
def test_cli_error_is_one_line(make: Callable[[Path], Workspace], tmp_path: Path) -> None:
    ws = make(tmp_path)
    result = convert_cli(ws)
    line = assert_clean_cli_failure(ws, result)
    assert "hostil" in line  # names the source file or its spec


# ------------------------------------------------------------------------ quarantine

def quarantined(h: Harmonised) -> list[list[object]]:
    return h.quarantine[["row", "reason", "column", "value"]].values.tolist()


def test_truncated_mid_row_is_quarantined(tmp_path: Path, areas: AreaCodelist) -> None:
    # cut inside the year of the last row: "2020" became "20", the value is gone
    ws = workspace(tmp_path, data=(GOOD + "1005,Jesús María,20").encode("utf-8"))
    h = ingest(ws, areas)
    assert quarantined(h) == [[4, "short-row", "", ""]]
    assert json.loads(h.quarantine.iloc[0]["raw"]) == {
        "cve_mun": "1005", "municipio": "Jesús María", "anio": "20", "poblacion": ""}
    assert h.observations["value"].tolist() == [948990.0, 1922523.0]
    a = h.account
    assert (a.read, a.used, a.quarantined, a.excluded) == (3, 2, 1, 0)


def test_truncated_short_row_is_not_silently_dropped(tmp_path: Path, areas: AreaCodelist
                                                     ) -> None:
    ws = workspace(tmp_path, data=(GOOD + "1005,Jesús María,2020").encode("utf-8"))
    try:
        h = ingest(ws, areas)
    except SourceReadError as err:
        assert err.row == 4 and err.hint
        return
    assert [r[0] for r in quarantined(h)] == [4]
    assert h.account.quarantined == 1 and h.account.excluded == 0


MIXED = [  # (municipality code, raw cell, parsed value or None for bad-number)
    ("1001", '"948,990"', 948990.0),
    ("1002", "51536", 51536.0),
    ("1003", "cincuenta mil", None),
    ("1004", "2020-03-15", None),
    ("1005", "15/03/2020", None),
    ("1006", "TRUE", None),
    ("1007", "57369.0", 57369.0),
    ("1008", "9 552", 9552.0),
    ("1009", "22485 hab.", None),
    ("1010", "#¡VALOR!", None),
    ("1011", '"61,997"', 61997.0),
]


def test_mixed_types_are_bad_numbers_with_raw_value(tmp_path: Path, areas: AreaCodelist
                                                    ) -> None:
    lines = ["cve_mun,anio,poblacion"] + [f"{c},2020,{v}" for c, v, _ in MIXED]
    ws = workspace(tmp_path, data=("\n".join(lines) + "\n").encode("utf-8"))
    h = ingest(ws, areas)
    expected_bad = [[i + 2, "bad-number", "poblacion", v.strip('"')]
                    for i, (_, v, p) in enumerate(MIXED) if p is None]
    assert quarantined(h) == expected_bad
    obs = dict(zip(h.observations["REF_AREA"], h.observations["value"], strict=True))
    assert obs == {f"0{c}": p for c, _, p in MIXED if p is not None}
    a = h.account
    assert (a.read, a.used, a.quarantined, a.excluded) == (11, 5, 6, 0)

    result = convert_cli(ws)
    # 6 rows, over tolerance, and a population alone feeds no indicator
    assert_clean_cli_failure(ws, result, "8 data error(s)")
    report = ws.root / "out" / "reports"
    q = (report / "quarantine.csv").read_text(encoding="utf-8")
    for _, v, p in MIXED:
        if p is None:
            assert v in q
    account = json.loads((report / "report.json").read_text(encoding="utf-8"))["accounts"][0]
    assert (account["read"], account["used"], account["quarantined"]) == (11, 5, 6)


BIG = 10 * 1024 * 1024


def big_field_workspace(tmp_path: Path) -> Workspace:
    cell = "9" * BIG
    data = (GOOD + f'1005,Jesús María,2020,"{cell}"\r\n').encode("utf-8")
    return workspace(tmp_path, data=data)


def test_ten_megabyte_field_is_quarantined(tmp_path: Path, areas: AreaCodelist) -> None:
    h = ingest(big_field_workspace(tmp_path), areas)
    q = h.quarantine
    assert q[["row", "reason", "column"]].values.tolist() == [[4, "bad-number", "poblacion"]]
    assert len(q.iloc[0]["value"]) == BIG and set(q.iloc[0]["value"]) == {"9"}
    assert h.observations["value"].tolist() == [948990.0, 1922523.0]
    a = h.account
    assert (a.read, a.used, a.quarantined, a.excluded) == (3, 2, 1, 0)


def test_ten_megabyte_field_cli_message_stays_short(tmp_path: Path) -> None:
    ws = big_field_workspace(tmp_path)
    result = convert_cli(ws)
    # 1 row, over tolerance, no indicator
    line = assert_clean_cli_failure(ws, result, "3 data error(s)")
    assert len(line) < 2000, f"{len(line)} characters"
