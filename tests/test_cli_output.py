"""The CLI's conventions: -q quiet, -v timings, --format json parsed, exit codes, progress
only on a terminal, complete lists (or saying where the rest is), status, completion."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sdmx_tools.cli import main
from sdmx_tools.report import Finding, Report, RowAccount, Severity


def _invoke(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def ws(demo_run, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A converted and pushed copy of the demo workspace."""
    folder = tmp_path_factory.mktemp("cli") / "ws"
    shutil.copytree(demo_run.workspace, folder)
    return folder


def test_quiet_convert_prints_nothing_but_keeps_json(ws: Path) -> None:
    quiet = _invoke("-q", "convert", "-w", str(ws))
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""
    data = _invoke("-q", "convert", "-w", str(ws), "--format", "json")
    report = json.loads(data.stdout)
    assert data.stderr == "" and report["ok"] is True
    assert {a["source"] for a in report["accounts"]} >= {"sesnsp_homicidios"}


def test_verbose_convert_reports_stage_timings(ws: Path) -> None:
    result = _invoke("-v", "convert", "-w", str(ws))
    assert result.exit_code == 0
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("timings: ")]
    stages = [part.split()[0] for part in line.removeprefix("timings: ").split(", ")]
    assert stages == ["harmonise", "compute", "provenance", "write"]
    plain = _invoke("convert", "-w", str(ws))
    assert "timings" not in plain.stderr and "observations; files in" in plain.stderr


def test_progress_is_drawn_on_a_terminal_only(ws: Path) -> None:
    piped = _invoke("convert", "-w", str(ws))
    assert "\r" not in piped.stderr and "harmonise" not in piped.stderr
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "sdmx_tools.cli", "convert", "-w", str(ws)],
                            stdout=subprocess.DEVNULL, stderr=secondary, stdin=subprocess.DEVNULL)
    os.close(secondary)
    seen = b""
    while True:
        ready, _, _ = select.select([primary], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(primary)
    assert proc.wait(timeout=60) == 0
    text = seen.decode("utf-8", "replace")
    assert "harmonise sesnsp_homicidios" in text and "compute 16.1.1" in text and "\r" in text


def test_validate_push_status_match_speak_json(ws: Path, tmp_path: Path) -> None:
    valid = json.loads(_invoke("validate", "-w", str(ws), "--format", "json").stdout)
    assert valid["valid"] is True
    pushed = json.loads(_invoke("push", "-w", str(ws), "--format", "json").stdout)
    # The demo was pushed already, and convert rewrote the same outputs since.
    assert pushed["dry_run"] is False and set(pushed["diff"]["counts"]) == {"unchanged"}
    status = _invoke("status", "-w", str(ws), "--format", "json")
    assert status.exit_code == 0
    state = json.loads(status.stdout)
    assert state["up_to_date"] is True and set(state["registry"]) == {"unchanged"}
    names = tmp_path / "names.csv"
    names.write_text("municipio,estado\nTijuana,Baja California\nJuarez,Chihuahua\n"
                     "Nowhere,Jalisco\n", encoding="utf-8")
    out = tmp_path / "matched.csv"
    match = _invoke("codelists", "match", str(names), "--name-column", "municipio",
                    "--state-column", "estado", "-o", str(out), "--format", "json")
    assert match.exit_code == 1 and "need review" in match.stderr  # Nowhere: exit 1
    summary = json.loads(match.stdout)
    assert summary["rows"] == 3 and summary["counts"]["matched"] == 2
    assert sum(summary["counts"].values()) == 3
    table = pd.read_csv(out, dtype=str)
    assert list(table["ref_area"][:2]) == ["02004", "08037"]


def test_status_tells_what_changed(ws: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ws"
    shutil.copytree(ws, copy)
    data = copy / "data" / "poblacion_conapo.csv"
    data.write_bytes(data.read_bytes() + b"\n")
    spec = copy / "sources" / "cdmx_transito.toml"
    spec.write_text(spec.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    os.utime(spec)
    (copy / "out" / "tables" / "indicators.csv").write_text("edited", encoding="utf-8")
    state = json.loads(_invoke("status", "-w", str(copy), "--format", "json").stdout)
    assert state["up_to_date"] is False
    assert {s["id"]: s["state"] for s in state["sources"]}["poblacion_conapo"] == "changed"
    assert {s["id"]: s["state"] for s in state["sources"]}["sesnsp_homicidios"] == "unchanged"
    assert "sources/cdmx_transito.toml" in state["edited"]
    assert {"file": "tables/indicators.csv", "state": "modified"} in state["outputs"]
    text = _invoke("status", "-w", str(copy)).stdout
    assert "to do: 'sdmx-tools convert', then 'sdmx-tools push'" in text
    fresh = tmp_path / "new"
    assert _invoke("init", str(fresh)).exit_code == 0
    never = _invoke("status", "-w", str(fresh))
    assert never.exit_code == 0 and "not converted yet" in never.stdout


def test_a_text_summary_says_how_many_it_leaves_out_and_where() -> None:
    report = Report(accounts=[RowAccount("s", read=10, used=2, quarantined=8,
                                         quarantined_by_reason={"bad-value": 8})])
    report.findings += [Finding(code="bad-value", severity=Severity.WARNING, message="m",
                                source="s", row=i) for i in range(3)]
    report.findings += [Finding(code="outlier", severity=Severity.WARNING, message="o",
                                key=f"K.{i}") for i in range(12)]
    text = report.to_text(rest={"findings": "R.json", "quarantine": "Q.csv"})
    assert "outlier: 12" in text and "  ... 7 more outlier: see R.json" in text
    assert "bad-value: 8" in text and "  ... 5 more bad-value: see Q.csv" in text
    assert sum(line.startswith("  warning: [outlier]") for line in text.splitlines()) == 5
    data = report.to_dict(5, rest="R.json")
    assert data["findings_complete"] is False and data["more_in"] == "R.json"
    assert report.to_dict(None)["findings_complete"] is True


def test_report_json_keeps_every_finding(ws: Path) -> None:
    written = json.loads((ws / "out" / "reports" / "report.json").read_text(encoding="utf-8"))
    assert written["findings_complete"] is True
    kept = {}
    for f in written["findings"]:
        kept[f["code"]] = kept.get(f["code"], 0) + 1
    assert kept["incomplete-coverage"] == written["counts"]["incomplete-coverage"] > 20


@pytest.mark.parametrize(("args", "code"), [
    (["convert", "--format", "yaml"], 2),
    (["-q", "-v", "status"], 2),
    (["codelists", "show", "CL_NOPE"], 1),
    (["codelists", "search", "zzqxw"], 1),
    (["no-such-command"], 2),
])
def test_exit_codes(args: list[str], code: int) -> None:
    result = _invoke(*args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output


def test_shell_completion_works_as_documented() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert '_SDMX_TOOLS_COMPLETE=bash_source sdmx-tools' in readme
    exe = Path(sys.executable).with_name("sdmx-tools")
    script = subprocess.run([str(exe)], env={**os.environ, "_SDMX_TOOLS_COMPLETE": "bash_source"},
                            capture_output=True, text=True, check=True).stdout
    assert "complete -o nosort -F" in script and "_SDMX_TOOLS_COMPLETE" in script
    words = subprocess.run([str(exe)], env={**os.environ, "_SDMX_TOOLS_COMPLETE": "bash_complete",
                                            "COMP_WORDS": "sdmx-tools co", "COMP_CWORD": "1"},
                           capture_output=True, text=True, check=True).stdout
    assert "convert" in words and "codelists" in words


def test_status_never_reads_outside_the_outputs(ws: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ws"
    shutil.copytree(ws, copy)
    manifest = copy / "out" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["outputs"]["../../../../etc/passwd"] = "0" * 64
    manifest.write_text(json.dumps(data), encoding="utf-8")
    state = json.loads(_invoke("status", "-w", str(copy), "--format", "json").stdout)
    assert {"file": "../../../../etc/passwd", "state": "outside the output folder"} \
        in state["outputs"]


def test_quiet_push_prints_nothing_unless_refused(ws: Path) -> None:
    quiet = _invoke("-q", "push", "-w", str(ws))
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""
    dry = _invoke("-q", "push", "-w", str(ws), "--dry-run")
    assert dry.exit_code == 0 and dry.stdout.startswith("diff against")
