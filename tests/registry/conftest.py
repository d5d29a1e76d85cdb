"""Fixtures for the registry tests: specimens and running servers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from dotstat_fake import TOKEN, FakeDotStat, running
from registry_builders import served

from sdmx_tools.exchange.readers import read_data
from sdmx_tools.registry.dialects import _http, dotstat

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SDG_DSD = SHARED_DATA / "sdmx" / "SDG_DSD_1.4.xml"


@pytest.fixture
def sdg_dsd() -> Path:
    """The global SDG DSD specimen (skips when ../shared/data is absent)."""
    if not SDG_DSD.is_file():
        pytest.skip(f"shared specimen missing: {SDG_DSD}")
    return SDG_DSD


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    """A registry on a thread (fast) that takes anonymous writes (loopback only)."""
    with served(tmp_path / "thread.sqlite", anonymous_writes=True) as url:
        yield url


def wait_ready(url: str, timeout: float = 10.0) -> None:
    """Poll ``url`` until it answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The registry as a real separate process on a free port, with write credentials."""
    env = dict(os.environ, PYTHONPATH=str(REPO), REG_USER="pusher",
               REG_PASSWORD="s3cret-Pa55")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdmx_tools.registry.server", "--database",
         str(tmp_path / "proc.sqlite"), "--port", "0", "--username-env", "REG_USER",
         "--password-env", "REG_PASSWORD"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, (line, proc.stderr.read() if proc.stderr else "")
        url = line.strip().rsplit(" ", 1)[-1].rstrip("/")
        wait_ready(url + "/")
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture(scope="module")
def demo_url(demo_run, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The demo's registry database, served on a thread (a copy: tests may write)."""
    database = tmp_path_factory.mktemp("reg") / "registry.sqlite"
    shutil.copy(demo_run.workspace / "out" / "registry.sqlite", database)
    with served(database) as url:
        yield url


@pytest.fixture(scope="module")
def published(demo_run) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """What convert published (SDMX-CSV 1.0), read back."""
    return read_data(demo_run.workspace / "out" / "sdmx" / "data.csv")


@pytest.fixture
def fast_pushes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries and .Stat status polls without their real waits; the fake's token set."""
    monkeypatch.setattr(_http, "RETRY", _http.RetryPolicy(attempts=3, base_delay=0.01))
    monkeypatch.setattr(dotstat, "POLL_INTERVAL", 0.01)
    monkeypatch.setenv("DOTSTAT_TOKEN", TOKEN)


@pytest.fixture
def fake() -> Iterator[FakeDotStat]:
    """A stand-in .Stat Suite (NSI and transfer services) served on 127.0.0.1."""
    with running(FakeDotStat(token=TOKEN)) as served_fake:
        yield served_fake
