"""A user's view: the README's CLI reference is current; a wheel works outside the repo."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_readme_cli_reference_is_current() -> None:
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "cli_reference.py")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_readme_has_the_two_setup_commands() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text


@pytest.mark.slow
def test_wheel_installs_and_runs_demo_outside_repo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
                    str(REPO)], check=True, capture_output=True)
    wheel = next(dist.glob("sdmx_tools-*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "sdmx_tools/_data/codelists/CL_AREA_MX.csv" in names
    assert "sdmx_tools/_data/templates/base.html" in names
    assert "sdmx_tools/_data/demo/sdmx-tools.toml" in names
    assert "sdmx_tools/cli.py" in names
    assert not any(n.split("/")[0] in {"templates", "codelists", "indicators", "cli.py"}
                   for n in names)

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    pip = env_dir / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    out = subprocess.run([str(env_dir / "bin" / "sdmx-tools"), "demo", "--out", "demo"],
                         cwd=work, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert (work / "demo" / "out" / "site" / "index.html").is_file()
    assert (work / "demo" / "out" / "sdmx" / "structure.xml").is_file()
