"""The hostile-input battery: one small workspace per case, run through library and CLI.

``make_workspace`` writes a workspace whose only source is a CSV (or any bytes) with a
spec built from keyword tables, so a case states only what it breaks. ``cli`` runs the
real command line and returns exit code, stdout and stderr.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sdmx_tools.cli import main
from sdmx_tools.ingest.harmonise import Harmonised, harmonise
from sdmx_tools.ingest.readers import read_table
from sdmx_tools.ingest.spec import load_spec

# A workspace of settings only: the embedded registry in out/registry.sqlite by default.
WORKSPACE = """\
[workspace]
agency = "MX_TEST"
dataflow = "DF_SDG_MX"
languages = ["es", "en"]
title = { es = "Prueba", en = "Test" }
output = "out"
"""


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {toml_value(v)}' for k, v in value.items()) + " }"
    return str(value)


def toml_table(name: str, table: dict[str, Any]) -> str:
    return f"[{name}]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in table.items())


@dataclass(frozen=True)
class Case:
    """A workspace folder with its source specs; ``spec``/``data`` are the first source's."""

    root: Path
    spec: Path
    data: Path

    def add_source(self, name: str, data: str | bytes, **kwargs: Any) -> Case:
        """Another source in the same workspace (same keywords as :func:`make_workspace`)."""
        return _write_source(self.root, name, data, **kwargs)

    def harmonise(self, areas: Any, spec: Path | None = None) -> Harmonised:
        s = load_spec(spec or self.spec, self.root)
        return harmonise(read_table(s.path, s.read), s, areas)

    def convert(self, *args: str) -> Result:
        return cli("convert", "-w", str(self.root), *args)


def make_workspace(tmp_path: Path, data: str | bytes, *, name: str = "src",
                   workspace: str = "", **kwargs: Any) -> Case:
    """A workspace with one source ``name`` (default columns: cve, anio, valor)."""
    root = tmp_path / "ws"
    (root / "sources").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "sdmx-tools.toml").write_text(WORKSPACE + workspace, encoding="utf-8")
    return _write_source(root, name, data, **kwargs)


def _write_source(root: Path, name: str, data: str | bytes, *, file: str | None = None,
                  tolerance: int = 1000, read: dict[str, Any] | None = None,
                  area: dict[str, Any] | None = None, period: dict[str, Any] | None = None,
                  measures: list[dict[str, Any]] | None = None, extra: str = "",
                  top: str = "") -> Case:
    file = file or f"{name}.csv"
    path = root / "data" / file
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    parts = [f'id = "{name}"\ntolerance = {tolerance}\n{top}',
             toml_table("location", {"path": f"data/{file}"}),
             toml_table("read", read or {}),
             toml_table("area", area or {"code_column": "cve"}),
             toml_table("period", period or {"column": "anio"})]
    for m in measures or [{"id": "population", "column": "valor", "unit": "person"}]:
        parts.append(toml_table("[measures]", m))
    spec = root / "sources" / f"{name}.toml"
    spec.write_text("".join(parts) + extra, encoding="utf-8")
    return Case(root, spec, path)


def homicide_workspace(tmp_path: Path, *, population_unit: str = "person",
                       victims: str = "cve,anio,valor\n01001,2020,10\n01002,2020,3\n",
                       **kwargs: Any) -> Case:
    """Population and homicide victims for two municipalities: 16.1.1 computes."""
    case = make_workspace(tmp_path, "cve,anio,valor\n01001,2020,948990\n01002,2020,51536\n",
                          name="poblacion", measures=[
                              {"id": "population", "column": "valor", "unit": population_unit}])
    case.add_source("homicidios", victims, measures=[
        {"id": "homicide_victims", "column": "valor", "unit": "victim"}], **kwargs)
    return case


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_no_leftovers(root: Path) -> None:
    """No temporary file or folder of an atomic write is left anywhere under ``root``."""
    left = [p for p in root.rglob("*") if p.name.endswith(".tmp") or p.name.endswith(".old")]
    assert left == [], left


def assert_one_line_error(result: Result, code: int = 1, *needles: str) -> str:
    """Exit ``code``, one ``Error:`` line naming each needle, no traceback anywhere."""
    assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
    assert "Traceback" not in result.output + result.stderr
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr[:2000]
    for needle in needles:
        assert needle in errors[0], errors[0][:2000]
    assert len(errors[0]) < 1000
    return errors[0]


@pytest.fixture(autouse=True)
def _bounded(no_hang: None) -> None:
    """Every battery case runs under the suite's hang guard (``no_hang``, 60 s)."""
