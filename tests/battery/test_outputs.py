"""Published outputs: push and release use only what convert wrote, and destroy nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.battery.conftest import (
    Case,
    assert_no_leftovers,
    assert_one_line_error,
    cli,
    homicide_workspace,
)


@pytest.fixture
def converted(tmp_path: Path) -> Case:
    case = homicide_workspace(tmp_path)
    result = case.convert()
    assert result.exit_code == 0, result.stderr
    return case


def _out(case: Case) -> Path:
    return case.root / "out"


def _ws(case: Case) -> list[str]:
    return ["-w", str(case.root)]


@pytest.mark.parametrize("damage", [
    lambda t: t[:300],                                   # truncated
    lambda t: "",                                        # emptied
    lambda t: "[1, 2]",                                  # not an object
    lambda t: json.dumps({**json.loads(t), "indicators": 5}),
    lambda t: json.dumps({k: v for k, v in json.loads(t).items() if k != "outputs"}),
    lambda t: json.dumps({**json.loads(t), "indicators": [{"id": 1}]}),
    lambda t: "[" * 100_000,                             # nested beyond the parser
])
@pytest.mark.parametrize("command", ["release", "push"])
def test_a_damaged_manifest_is_refused(damage: object, command: str, converted: Case) -> None:
    manifest = _out(converted) / "manifest.json"
    manifest.write_text(damage(manifest.read_text(encoding="utf-8")),  # type: ignore[operator]
                        encoding="utf-8")
    assert_one_line_error(cli(command, *_ws(converted)), 1, "manifest.json")
    assert not (_out(converted) / "site").exists()
    assert_no_leftovers(converted.root)


# What each command does not send or publish (push to the embedded registry sends the
# structures and structure-specific SDMX-ML; release writes its per-indicator SDMX from
# SDMX-CSV 2.0 and publishes no whole-release SDMX-ML).
_NOT_SENT = {("push", "tables/indicators.csv"), ("push", "sdmx/data.xml"),
             ("push", "sdmx/data.csv"), ("push", "sdmx/data-v2.csv"),
             ("release", "sdmx/data-ss.xml"), ("release", "sdmx/data.xml")}


@pytest.mark.parametrize("name", ["sdmx/data.csv", "sdmx/structure.xml", "tables/indicators.csv",
                                  "sdmx/data.xml", "sdmx/data-ss.xml", "sdmx/data-v2.csv"])
@pytest.mark.parametrize("command", ["release", "push"])
def test_a_truncated_output_is_never_published(name: str, command: str,
                                               converted: Case) -> None:
    target = _out(converted) / name
    target.write_bytes(target.read_bytes()[:-10])
    result = cli(command, *_ws(converted))
    if (command, name) in _NOT_SENT:
        assert result.exit_code == 0, result.output
        return
    assert_one_line_error(result, 1, name.split("/")[-1], "sha256")
    assert not (_out(converted) / "registry.sqlite").exists() or command == "release"


def test_release_never_deletes_files_it_did_not_write(converted: Case, tmp_path: Path) -> None:
    mine = tmp_path / "my-folder"
    mine.mkdir()
    (mine / "thesis.docx").write_text("years of work")
    assert_one_line_error(cli("release", *_ws(converted), "--out", str(mine)), 1,
                          "did not write")
    assert (mine / "thesis.docx").read_text() == "years of work"
    # Its own site it replaces, again and again.
    site = tmp_path / "site"
    for _ in range(2):
        assert cli("release", *_ws(converted), "--out", str(site)).exit_code == 0
    assert (site / "index.html").is_file()


def test_release_out_pointing_at_a_file_is_refused(converted: Case, tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep")
    assert_one_line_error(cli("release", *_ws(converted), "--out", str(target)), 2, "is a file")
    assert target.read_text() == "keep"


@pytest.mark.parametrize("content", [b"garbage", b"SQLite format 3\x00" + b"\x00" * 200])
def test_a_corrupt_registry_database_is_a_located_error(content: bytes, converted: Case
                                                        ) -> None:
    assert cli("push", *_ws(converted)).exit_code == 0
    db = _out(converted) / "registry.sqlite"
    for extra in db.parent.glob("registry.sqlite-*"):
        extra.unlink()
    db.write_bytes(content[:5000] if len(content) > 5000 else content)
    assert_one_line_error(cli("push", *_ws(converted)), 1, "registry.sqlite")


def test_validate_refuses_external_entities(tmp_path: Path) -> None:
    path = tmp_path / "xxe.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE m [<!ENTITY x SYSTEM '
                    '"file:///etc/passwd">]>\n<mes:Structure xmlns:mes="http://www.sdmx.org/'
                    'resources/sdmxml/schemas/v2_1/message">&x;</mes:Structure>\n')
    result = cli("validate", str(path))
    assert result.exit_code == 1
    assert "xml-doctype" in result.output and "root:" not in result.output
    assert "Traceback" not in result.output + result.stderr


def test_a_latin1_spec_is_a_located_error(tmp_path: Path) -> None:
    case = homicide_workspace(tmp_path)
    spec = case.root / "sources" / "homicidios.toml"
    text = spec.read_text().replace('id = "homicidios"', 'id = "homicidios"\ntitle = "Año"')
    spec.write_bytes(text.encode("latin-1"))
    assert_one_line_error(case.convert(), 1, "homicidios.toml:2", "not UTF-8")


@pytest.mark.parametrize("value", ["99999999999999999999", "0", "-1", "9223372036854775808"])
def test_max_bytes_out_of_range_is_refused(value: str, tmp_path: Path) -> None:
    case = homicide_workspace(tmp_path)
    text = case.spec.read_text()
    case.spec.write_text(text.replace("[read]\n", f"[read]\nmax_bytes = {value}\n"))
    assert_one_line_error(case.convert(), 1, "max_bytes")


def test_an_unreachable_registry_exits_3(converted: Case) -> None:
    config = converted.root / "sdmx-tools.toml"
    config.write_text(config.read_text() + '[registry]\nkind = "sdmx-rest"\n'
                      'url = "http://127.0.0.1:9"\n', encoding="utf-8")
    assert_one_line_error(cli("push", *_ws(converted)), 3, "Cannot reach the registry")


@pytest.mark.parametrize("command", ["release", "push"])
def test_a_manifest_that_is_not_utf8_is_refused(command: str, converted: Case) -> None:
    (_out(converted) / "manifest.json").write_bytes(b'{"generated_at": "\xff"}')
    assert_one_line_error(cli(command, *_ws(converted)), 1, "manifest.json", "damaged")
