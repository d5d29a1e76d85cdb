"""Shared fixtures: loopback-only network, the real reference data, one demo run."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def _loopback(address: object) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths and the like never leave the machine
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    """Fail loudly on any connection that is not to 127.0.0.0/8 or ::1."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(address: object) -> None:
        if not _loopback(address):
            raise AssertionError(f"test tried a non-loopback connection to {address!r}")

    def connect(self: socket.socket, address: object) -> None:
        guard(address)
        return real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        guard(address)
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or a skip with the reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def areas():  # type: ignore[no-untyped-def]
    """The bundled INEGI area codelist."""
    from sdmx_tools.territory import load_areas

    return load_areas()


@pytest.fixture(scope="session")
def census_population(shared_data: Path) -> dict[str, float]:
    """Population per municipality (Censo 2020) from the reference file, by INEGI code.

    The nine municipalities created after the census carry 0 there: they are left out.
    """
    import pandas as pd

    ref = pd.read_csv(shared_data / "inegi" / "inegi_municipios_2478.csv", dtype=str)
    ref = ref[ref["pob_total_2020"].astype(float) > 0]
    return dict(zip(ref["cvegeo"], ref["pob_total_2020"].astype(float), strict=True))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The whole demo (generate, convert, push, release), run once per test session."""
    from sdmx_tools.scaffold import run_demo

    boundaries = SHARED_DATA / "geo" / "mx_topo.json"
    return run_demo(tmp_path_factory.mktemp("demo"),
                    boundaries if boundaries.is_file() else None)


def chromium_path() -> str:
    """Debian's Chromium; skipped when absent unless CI requires browser tests."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        if os.environ.get("SDMX_TOOLS_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (SDMX_TOOLS_REQUIRE_BROWSER) but not installed")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    return path


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def serve_dir() -> Iterator[object]:
    """A function serving a folder over HTTP on 127.0.0.1 (free port); returns its URL."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    servers: list[ThreadingHTTPServer] = []

    def serve(folder: Path) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0),
                                     functools.partial(Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


AXE = REPO / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe_script() -> Path:
    """axe-core from npm (installed by ``make``); skipped when absent unless CI needs it."""
    if not AXE.is_file():
        if os.environ.get("SDMX_TOOLS_REQUIRE_BROWSER"):
            pytest.fail(f"axe-core is required but {AXE} is missing (run make)")
        pytest.skip("axe-core is not installed (make installs it with npm)")
    return AXE


def axe_violations(page: object, axe: Path) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):  # type: ignore[attr-defined]
        page.add_script_tag(path=str(axe))  # type: ignore[attr-defined]
    return list(page.evaluate(  # type: ignore[attr-defined]
        """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': '
                 + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))"""))


@pytest.fixture
def chromium_launch() -> dict[str, object]:
    """Keyword arguments for Playwright's ``chromium.launch`` with Debian's Chromium."""
    return {"executable_path": chromium_path(), "args": CHROMIUM_ARGS}


@pytest.fixture
def no_hang() -> Iterator[None]:
    """A hostile case that loops or blocks fails after 60 s instead of stalling the suite."""
    import signal

    def alarm(signum: int, frame: object) -> None:
        raise TimeoutError("hostile input made sdmx-tools hang (60 s)")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
