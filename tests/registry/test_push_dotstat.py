"""The ``dotstat`` push dialect against a stand-in .Stat Suite (``dotstat_fake``): the
documented request shapes, the CLI end to end, credentials that never leak, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from dotstat_fake import TOKEN, FakeDotStat
from registry_builders import FLOW, csv2_data, structure_xml

from sdmx_tools.cli import main
from sdmx_tools.errors import RegistryError, SpecError
from sdmx_tools.publish import push_outputs
from sdmx_tools.registry import DataFile, diff, push
from sdmx_tools.workspace import load_workspace

WRONG = "wrong-T0ken-9876543210"
pytestmark = pytest.mark.usefixtures("fast_pushes")




@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    structure, data = tmp_path / "structure.xml", tmp_path / "data-v2.csv"
    structure.write_bytes(structure_xml())
    data.write_bytes(csv2_data())
    return structure, data


def _settings(url: str, transfer: str, **extra: str) -> str:
    lines = {"kind": "dotstat", "url": url, "transfer_url": transfer, "dataspace": "design",
             "token_env": "DOTSTAT_TOKEN"} | extra
    return "[registry]\n" + "".join(f'{k} = "{v}"\n' for k, v in lines.items() if v)


@pytest.fixture
def demo_ws(demo_run, fake: FakeDotStat, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A copy of the converted demo whose registry is the fake .Stat."""
    ws = tmp_path / "ws"
    shutil.copytree(demo_run.workspace, ws, ignore=shutil.ignore_patterns("site", "registry.*"))
    config = ws / "sdmx-tools.toml"
    head = config.read_text(encoding="utf-8").split("[registry]")[0]
    config.write_text(head + _settings(fake.url, fake.transfer_url), encoding="utf-8")
    return ws


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_push_sends_the_documented_request_shape(fake: FakeDotStat,
                                                 files: tuple[Path, Path]) -> None:
    structure, data = files
    result = push(fake.target(), structure=structure, data=[DataFile(data, FLOW, "sdmx-csv2")])
    assert result.ok, result
    assert [o.status for o in result.outcomes] == ["created"] * 4 + ["loaded"]
    (sent,) = fake.imports
    assert sent["fields"] == {"dataspace": "design", "dataflow": FLOW}
    assert (sent["filename"], sent["content_type"]) == ("data-v2.csv", "text/csv")
    assert sent["content"] == data.read_bytes()
    assert fake.requests[1]["polls"] == 2  # InProgress, then Completed: the push waited
    assert fake.data[FLOW] == data.read_bytes()


def test_cli_push_end_to_end_then_nothing_changed(demo_ws: Path, fake: FakeDotStat) -> None:
    first = cli("push", "-w", str(demo_ws))
    assert first.exit_code == 0, first.output
    out = demo_ws / "out" / "sdmx"
    flow = "MX_DEMO:DF_SDG_MX(1.0)"
    assert fake.data[flow] == (out / "data-v2.csv").read_bytes()
    assert "data-v2.csv -> MX_DEMO:DF_SDG_MX(1.0) [sdmx-csv2]" in first.stdout
    assert "  new " in first.stdout and "  loaded " in first.stdout
    second = cli("push", "-w", str(demo_ws), "--format", "json")
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)
    assert {c["status"] for c in report["diff"]["structures"]} == {"unchanged"}
    assert [c["status"] for c in report["diff"]["data"]] == ["unchanged"]
    assert sum(p == "/nsi/rest/structure" for _, p in fake.writes) == 1  # unchanged: not sent
    assert TOKEN not in first.output + second.output


def test_dry_run_writes_nothing_and_the_cli_says_what_the_library_says(
        demo_ws: Path, fake: FakeDotStat) -> None:
    result = cli("push", "-w", str(demo_ws), "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    assert fake.writes == [] and fake.log  # it read, it did not write
    report = json.loads(result.stdout)
    assert report == push_outputs(load_workspace(demo_ws), dry_run=True).to_dict()
    assert report["push"] is None and report["dry_run"] is True
    assert {c["status"] for c in report["diff"]["structures"]} == {"new"}
    text = cli("push", "-w", str(demo_ws), "--dry-run")
    assert text.stdout.rstrip().endswith("dry run: nothing was sent")
    assert fake.writes == []


def test_a_wrong_token_is_a_clear_error_that_shows_no_token(
        demo_ws: Path, fake: FakeDotStat, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOTSTAT_TOKEN", WRONG)
    result = cli("push", "-w", str(demo_ws))
    assert result.exit_code == 1
    assert "HTTP 401" in result.stderr and "DOTSTAT_TOKEN" not in result.stdout
    assert "credentials' environment variables" in result.stderr
    assert WRONG not in result.output and TOKEN not in result.output
    assert fake.writes == []
    with pytest.raises(RegistryError, match="HTTP 401") as info:  # nor the library's error
        push(fake.target(), structure=demo_ws / "out" / "sdmx" / "structure.xml")
    assert WRONG not in repr(vars(info.value)) + str(info.value)


def test_the_file_sent_is_checked_against_the_manifest(demo_ws: Path, fake: FakeDotStat) -> None:
    data = demo_ws / "out" / "sdmx" / "data-v2.csv"  # what a .Stat push sends
    data.write_bytes(data.read_bytes()[:-10])
    result = cli("push", "-w", str(demo_ws))
    assert result.exit_code == 1 and "data-v2.csv" in result.stderr and "sha256" in result.stderr
    assert fake.log == []  # refused before the registry was even read


def test_an_unreachable_service_exits_3(demo_ws: Path) -> None:
    config = demo_ws / "sdmx-tools.toml"
    head = config.read_text(encoding="utf-8").split("[registry]")[0]
    config.write_text(head + _settings("http://127.0.0.1:9/nsi", "http://127.0.0.1:9/tr"))
    result = cli("push", "-w", str(demo_ws))
    assert result.exit_code == 3, result.output
    assert "Cannot reach the registry" in result.stderr and TOKEN not in result.output


def test_an_import_the_service_rejects_is_a_failed_outcome(fake: FakeDotStat,
                                                          files: tuple[Path, Path]) -> None:
    _, data = files  # no structures pushed: the dataflow is not in the data space
    (outcome,) = push(fake.target(), data=[DataFile(data, FLOW, "sdmx-csv2")]).outcomes
    assert (outcome.status, outcome.code) == ("failed", "invalid")
    assert "Error" in outcome.message and "not found in dataspace design" in outcome.message
    assert FLOW not in fake.data


def test_an_nsi_answering_text_has_accepted_the_structures(fake: FakeDotStat,
                                                          files: tuple[Path, Path]) -> None:
    fake.text_answers = True
    result = push(fake.target(), structure=files[0])
    assert [o.status for o in result.outcomes] == ["replaced"] * 4
    assert "4 structures imported" in result.outcomes[0].message


def test_a_changed_final_artefact_is_said_before_and_refused_in_the_answer(
        fake: FakeDotStat, files: tuple[Path, Path], tmp_path: Path) -> None:
    assert push(fake.target(), structure=files[0]).ok
    edited = tmp_path / "edited.xml"
    edited.write_bytes(structure_xml(sex_name="Sexo"))
    changes = {c.urn.rsplit("=", 1)[1]: c for c in diff(fake.target(), structure=edited)
               .structures}
    assert changes["MX_TEST:CL_SEX(1.0)"].status == "changed"
    assert "final in the registry" in changes["MX_TEST:CL_SEX(1.0)"].detail
    assert {c.status for k, c in changes.items() if k != "MX_TEST:CL_SEX(1.0)"} == {"unchanged"}
    result = push(fake.target(), structure=edited, skip_unchanged=diff(fake.target(),
                                                                      structure=edited))
    refused = [o for o in result.outcomes if o.status == "failed"]
    assert [o.item.rsplit("=", 1)[1] for o in refused] == ["MX_TEST:CL_SEX(1.0)"]
    assert "final artefact" in refused[0].message


@pytest.mark.parametrize("missing", ["transfer_url", "dataspace", "token_env"])
def test_a_dotstat_target_without_a_setting_names_it(tmp_path: Path, missing: str) -> None:
    (tmp_path / "sdmx-tools.toml").write_text(
        '[workspace]\nagency = "MX_TEST"\n' + _settings("http://nsi", "http://tr", **{missing: ""}))
    with pytest.raises(SpecError, match=rf"registry\.{missing} is required for kind 'dotstat'"):
        load_workspace(tmp_path)
    result = cli("push", "-w", str(tmp_path))
    assert result.exit_code == 1 and f"registry.{missing}" in result.stderr


def test_dotstat_settings_on_another_kind_are_refused(tmp_path: Path) -> None:
    (tmp_path / "sdmx-tools.toml").write_text(
        '[workspace]\nagency = "MX_TEST"\n[registry]\nkind = "sdmx-rest"\nurl = "http://r"\n'
        'dataspace = "design"\n')
    with pytest.raises(SpecError, match=r"registry\.dataspace is read only for kind 'dotstat'"):
        load_workspace(tmp_path)
