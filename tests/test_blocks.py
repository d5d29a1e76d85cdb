"""Large files in blocks: the blocks read back the whole file, and every engine (in order
here, Dask threads, a ``distributed.LocalCluster``) gives the same outputs, byte for byte,
as the file read whole."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdmx_tools.demo import copy_demo_workspace, generate_demo_data
from sdmx_tools.errors import SourceReadError
from sdmx_tools.ingest.readers import ROW, read_table
from sdmx_tools.ingest.readers.chunks import CutInQuotes, plan_blocks, read_block
from sdmx_tools.ingest.spec import ReadOptions
from sdmx_tools.pipeline import ConvertResult, OutputPaths, convert
from sdmx_tools.workspace import bundled, load_workspace


def _blocks(path: Path, options: ReadOptions, size: int, *, exact: bool = False,
            threads: bool = True) -> tuple[pd.DataFrame, set[int], int]:
    plan = plan_blocks(path, options, size, exact=exact)
    assert plan is not None
    tables = [read_block(plan, i, threads=threads) for i in range(len(plan.blocks))]
    frame = pd.concat([t.frame for t in tables], ignore_index=True)
    short = set().union(*(t.short_rows for t in tables))
    return frame, short, len(plan.blocks)


def test_blocks_read_back_the_whole_file(tmp_path: Path) -> None:
    # latin-1, CRLF, title lines, quoted cells spanning lines, quotes doubled inside them,
    # a short line and a footer: every row in order with its line, whatever the block size.
    lines = ["Reporte municipal", "", "clave;nombre;valor"]
    for i in range(400):
        name = f'"Villa {i}\r\nsegunda línea ""{i}"""' if i % 37 == 0 else f"Municipio {i}"
        lines.append(f"{i:05d};{name};{i * 3}")
        if i == 201:
            lines.append("nota corta")
    lines.append("Fuente: INEGI")
    path = tmp_path / "f.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
    options = ReadOptions(header_row=3, delimiter=";")
    whole = read_table(path, options)
    for size, threads in [(4096, True), (1000 + 3, True), (5000, True), (4096, False)]:
        frame, short, n = _blocks(path, options, size, threads=threads)
        assert n > 1
        pd.testing.assert_frame_equal(frame, whole.frame)
        assert short == set(whole.short_rows)
    assert whole.frame[ROW].iloc[-1] == len("\r\n".join(lines).split("\r\n"))  # the footer


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_every_byte_of_a_single_byte_encoding_reads_as_python_decodes_it(
        encoding: str, tmp_path: Path) -> None:
    # Transcoded by numpy, or by Python's codec (a cp1252 block with a byte in 0x80-0x9F,
    # as in the second half here): the same text.
    defined = [b for b in range(0x80, 0x100) if _decodes(bytes([b]), encoding)]
    cells = [bytes(defined[i:i + 7]) + b"x" for i in range(0, len(defined), 7)]
    latin = [c for c in cells if min(c[:-1]) >= 0xA0]
    rows = [b"%05d,%s" % (i, (latin if i < 1500 else cells)[i % 5]) for i in range(3000)]
    rows[2000] = b"02000,plain ascii"
    path = tmp_path / "f.csv"
    path.write_bytes(b"clave,nombre\n" + b"\n".join(rows) + b"\n")
    expected = [r.split(b",")[1].decode(encoding) for r in rows]
    options = ReadOptions(encoding=encoding)
    assert read_table(path, options).frame["nombre"].tolist() == expected
    for threads in (True, False):
        frame, _, n = _blocks(path, options, 4096, threads=threads)
        assert n > 5 and frame["nombre"].tolist() == expected


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def test_a_byte_not_in_the_declared_encoding_is_located_in_any_block(tmp_path: Path) -> None:
    # A later block, non-ASCII: its UTF-8 is checked (a transcoded or ASCII one need not be).
    # Past the first 2 MB, which planning decodes (and would locate the byte in).
    rows = [f"{i:06d},Peñón {i}" for i in range(200_000)]
    rows[190_000] = "190000,Pe\udcf1a"  # a lone latin-1 byte in a UTF-8 file
    path = tmp_path / "f.csv"
    path.write_bytes(("clave,nombre\n" + "\n".join(rows) + "\n").encode("utf-8",
                                                                         "surrogateescape"))
    plan = plan_blocks(path, ReadOptions(encoding="utf-8"), 1 << 20)
    assert plan is not None and len(plan.blocks) > 3
    with pytest.raises(SourceReadError, match="cannot decode as utf-8") as err:
        for i in range(len(plan.blocks)):
            read_block(plan, i)
    assert err.value.row == 190_002  # the header, then row 190,000 counted from 0


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_stray_quote_never_cuts_a_record(delimiter: str, tmp_path: Path) -> None:
    """A quote inside an unquoted cell (tubo 1/2") is data, not the start of a quoted
    field: counting it would put the cut inside a later cell quoted over two lines. The
    blocks read what the whole file reads, at every block size, in several blocks."""
    d = delimiter
    rows = [f"clave{d}descripcion{d}valor"]
    for i in range(600):
        cell = ('tubo 1/2"' if i % 97 == 3 else '"ab"cd"' if i % 89 == 5 else
                f'"nota {i}\nsegunda {d} línea"' if i % 7 == 0 else f"pieza {i}")
        rows.append(f"{i}{d}{cell}{d}{i}")
    path = tmp_path / "stray.csv"
    whole_text = "\n".join(rows) + "\n"
    path.write_text(whole_text, encoding="utf-8")
    options = ReadOptions(delimiter=delimiter)
    whole = read_table(path, options).frame
    quoted = [i for i in range(600) if i % 7 == 0 and i % 97 != 3 and i % 89 != 5]
    assert whole["descripcion"].str.contains("\n").sum() == len(quoted)
    for size in (700, 1024, 1500, 4096):
        with pytest.raises(CutInQuotes):  # the count cannot tell: read_block says so
            _blocks(path, options, size)
        frame, short, n = _blocks(path, options, size, exact=True)
        assert n > 1 and not short
        pd.testing.assert_frame_equal(frame, whole)
    # Quoted cells over lines without a stray quote, or stray quotes without them: the
    # count holds, and read_block lets it.
    for text in (whole_text.replace('tubo 1/2"', "tubo").replace('"ab"cd"', "abcd"),
                 whole_text.replace("\n" + "segunda", " segunda")):
        path.write_text(text, encoding="utf-8")
        frame, _, n = _blocks(path, options, 700)
        assert n > 1
        pd.testing.assert_frame_equal(frame, read_table(path, options).frame)


def test_a_quote_never_closed_keeps_the_rest_of_the_file_in_its_block(tmp_path: Path
                                                                      ) -> None:
    rows = ["a,b"] + [f"{i},x" for i in range(200)]
    rows[50] = '49,tubo 1/2"'
    rows[150] = '149,"abierta'  # opened, closed by nothing before the last line
    rows[-1] = '199,"y"'
    path = tmp_path / "open.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    frame, _, n = _blocks(path, ReadOptions(), 400, exact=True)
    pd.testing.assert_frame_equal(frame, read_table(path, ReadOptions()).frame)
    assert n >= 2


def test_small_or_other_files_are_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    assert plan_blocks(path, ReadOptions(), 4096) is None
    wide = tmp_path / "u16.csv"
    wide.write_text("a,b\n" + "1,2\n" * 3000, encoding="utf-16")
    assert plan_blocks(wide, ReadOptions(), 4096) is None


_MONTHLY = "16.1.9"  # no such SDG indicator: a test monthly variant of 16.1.1
# When each message was written: the only bytes that differ between two runs.
_STAMPS = re.compile(rb'<(\w+):(ID|Prepared)>[^<]*</\1:\2>|"id": ?"DATA[0-9T]+"|'
                     rb'"prepared": ?"[^"]*"')


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace, with a monthly indicator and a key given again at the end of
    the homicides file (a block far from the first row giving it)."""
    ws = copy_demo_workspace(tmp_path_factory.mktemp("blocks") / "demo")
    generate_demo_data(ws)
    homicides = ws / "data" / "sesnsp_homicidios.csv"
    lines = homicides.read_bytes().splitlines(keepends=True)
    homicides.write_bytes(b"".join([*lines, lines[5]]))
    spec = ws / "sources" / "sesnsp_homicidios.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("tolerance = 1", "tolerance = 2"),
                    encoding="utf-8")
    (ws / "indicators").mkdir()
    monthly = (bundled("indicators") / "16.1.1.toml").read_text(encoding="utf-8")
    monthly = monthly.replace('id = "16.1.1"', f'id = "{_MONTHLY}"').replace(
        'frequency = "A"', 'frequency = "M"')
    (ws / "indicators" / "16.1.9.toml").write_text(monthly, encoding="utf-8")
    return ws


def _run(source: Path, dest: Path, settings: str) -> tuple[OutputPaths, ConvertResult]:
    ws_dir = shutil.copytree(source, dest)
    config = ws_dir / "sdmx-tools.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("synthetic = true", f"synthetic = true\n{settings}"),
                      encoding="utf-8")
    result = convert(load_workspace(ws_dir))
    return OutputPaths(load_workspace(ws_dir).output), result


def _outputs(paths: OutputPaths) -> dict[str, bytes]:
    files = [paths.data_csv, paths.data_csv2, paths.data_ss, paths.data_xml, paths.data_json,
             paths.indicators_csv, paths.quarantine, paths.report_json]
    root = str(paths.root.parent).encode()  # the workspace: each run has its own
    return {f.name: _STAMPS.sub(b"", f.read_bytes()).replace(root, b"WS") for f in files}


@pytest.mark.slow
def test_every_engine_gives_the_outputs_of_the_whole_file(demo_source: Path,
                                                          tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    whole_paths, whole = _run(demo_source, tmp_path / "whole", "")
    expected = _outputs(whole_paths)
    # The planted rows are quarantined when the file is read whole: the test means something.
    homicides = next(h for h in whole.harmonised if h.spec.id == "sesnsp_homicidios")
    assert sorted(homicides.quarantine["reason"]) == ["duplicate-key", "unknown-area"]
    assert _MONTHLY in {c.definition.id for c in whole.computed}
    published = pd.read_csv(io.BytesIO(expected["data.csv"]), dtype=str)
    monthly = published[(published["SERIES"] == "VC_IHR_PSRC") & (published["FREQ"] == "M")]
    assert len(monthly) > 1000 and monthly["TIME_PERIOD"].str.fullmatch(r"\d{4}-\d{2}").all()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        runs = {"blocks": "block_bytes = 8192",
                "dask threads": 'block_bytes = 8192\nengine = "dask"',
                "LocalCluster": f'block_bytes = 8192\nscheduler = "{cluster.scheduler_address}"'}
        for name, settings in runs.items():
            paths, result = _run(demo_source, tmp_path / name.replace(" ", "_"), settings)
            got = _outputs(paths)
            for file, content in expected.items():
                assert got[file] == content, (name, file)
            accounts = [asdict(h.account) for h in result.harmonised]
            assert accounts == [asdict(h.account) for h in whole.harmonised], name
    # The file really was cut: the repeated row is in another block than its first.
    big = demo_source / "data" / "sesnsp_homicidios.csv"
    plan = plan_blocks(big, ReadOptions(), 8192)
    assert plan is not None and len(plan.blocks) > 10
    first_lines = np.array([b[2] for b in plan.blocks])
    assert np.searchsorted(first_lines, 6, side="right") != len(first_lines)


def test_an_incident_file_in_blocks_equals_a_recount_of_its_lines(tmp_path: Path) -> None:
    """The benchmark's incident file in 1 MiB blocks: every municipal count, and the rows
    its provenance names, recounted from the file with plain pandas."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
    from generate import incident_file, incident_workspace

    planted: dict[str, int] = {}
    ws = incident_workspace(tmp_path / "ws", lambda path: planted.update(
        incident_file(path, 60_000)) or planted, "block_bytes = 1048576")
    result = convert(load_workspace(ws))
    incidents = next(h for h in result.harmonised if h.spec.id == "incidentes")
    assert len(incidents.summaries) > 3  # really in blocks
    assert incidents.account.quarantined_by_reason == planted

    # The recount: the file as an analyst reads it, line numbers from the CSV's layout.
    raw = pd.read_csv(ws / "data" / "incidents.csv", encoding="latin-1", dtype=str)
    raw["line"] = np.arange(2, len(raw) + 2)
    months = {m.casefold() for m in ("enero", "febrero", "marzo", "abril", "mayo", "junio",
                                      "julio", "agosto", "septiembre", "octubre",
                                      "noviembre", "diciembre")}
    good = raw[(raw["cve_mun"] != "999") & raw["mes"].str.casefold().isin(months)]
    good = good.assign(REF_AREA=good["cve_ent"].str.zfill(2) + good["cve_mun"].str.zfill(3))
    counts = good.groupby(["REF_AREA", "anio"])["line"].agg(["size", "min", "max"])
    table = pd.read_csv(OutputPaths(load_workspace(ws).output).indicators_csv, dtype=str)
    municipal = table[table["level"] == "municipality"].set_index(["REF_AREA", "TIME_PERIOD"])
    assert len(municipal) == len(counts)
    for (area, year), rec in counts.iterrows():
        row = municipal.loc[(area, year)]
        assert float(row["numerator"]) == rec["size"], (area, year)
        lines = good.loc[(good["REF_AREA"] == area) & (good["anio"] == year), "line"]
        detail = row["SOURCE_DETAIL"]
        spans: list[list[int]] = []
        for n in lines.tolist():
            if spans and n == spans[-1][1] + 1:
                spans[-1][1] = n
            else:
                spans.append([n, n])
        shown = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans[:8])
        cut = f" … ({len(lines):,} rows)" if len(spans) > 8 else ""
        label = "row" if len(lines) == 1 else "rows"
        assert detail.endswith(f" {label} {shown}{cut}"), (area, year, detail)


@pytest.mark.parametrize(("setting", "message"), [
    ('scheduler = "http://example.org"', "workspace.scheduler must be a Dask scheduler"),
    ("block_bytes = 100", "workspace.block_bytes must be between"),
])
def test_bad_block_settings_are_located_errors(demo_source: Path, tmp_path: Path,
                                               setting: str, message: str) -> None:
    from sdmx_tools.errors import SpecError

    ws = shutil.copytree(demo_source, tmp_path / "ws")
    config = ws / "sdmx-tools.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "synthetic = true", f"synthetic = true\n{setting}"), encoding="utf-8")
    with pytest.raises(SpecError, match=message) as caught:
        load_workspace(ws)
    assert caught.value.file == str(config)


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_clean_error(demo_source: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sdmx_tools.cli import main

    ws = shutil.copytree(demo_source, tmp_path / "ws")
    for address, expected in (("tcp://127.0.0.1:9", "cannot reach the Dask scheduler"),
                              ("ftp://x", "--scheduler must be a Dask scheduler address")):
        result = CliRunner().invoke(main, ["convert", "-w", str(ws), "--scheduler", address])
        assert result.exit_code == 1, result.output
        assert expected in result.output and "Traceback" not in result.output
    assert not (ws / "out" / "sdmx").exists()  # nothing half-written


def test_key_codes_stay_exact_when_the_product_of_categories_would_overflow() -> None:
    from sdmx_tools.ingest.harmonise import key_codes

    rng = np.random.default_rng(7)
    # Eight columns of 300 categories: 301^8 > 2^63, the codes are renumbered on the way.
    frame = pd.DataFrame({f"c{i}": pd.Categorical(rng.integers(0, 300, 5000).astype(str),
                                                  categories=[str(n) for n in range(300)])
                          for i in range(8)})
    frame = pd.concat([frame, frame.iloc[:700]], ignore_index=True)  # repeated keys
    codes = key_codes(frame, list(frame.columns))
    assert codes.nunique() == len(frame.drop_duplicates())
    assert (pd.Series(codes).duplicated().to_numpy()
            == frame.duplicated().to_numpy()).all()


def test_the_allocator_is_tuned_once_unless_the_environment_says_otherwise() -> None:
    # In a child: the setting is process-wide, and glibc reads MALLOC_*_ at start only.
    code = ("from sdmx_tools.pipeline.runtime import tune_allocator as t; "
            "print(t(), t(), t.cache_info().misses)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    tuned = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True).stdout.split()
    assert tuned == ["True", "True", "1"]  # glibc on Linux: set, once
    mine = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={**env, "MALLOC_TRIM_THRESHOLD_": "0"}).stdout
    assert mine.split()[0] == "False"  # the user's own setting stands


def test_what_a_run_loaded_is_left_out_of_collections_until_it_ends() -> None:
    import gc

    from sdmx_tools.pipeline.runtime import long_lived

    assert gc.get_freeze_count() == 0
    with long_lived():
        assert gc.get_freeze_count() > 0
        with long_lived():
            kept = [object()]
        assert gc.get_freeze_count() > 0  # the outer block still holds
        del kept
    assert gc.get_freeze_count() == 0


@pytest.mark.slow
def test_xarray_is_told_of_dask_arrays_without_importing_dask_array(demo_source: Path,
                                                                    tmp_path: Path) -> None:
    pytest.importorskip("dask.array")  # here loaded: this run's xarray imports nothing
    expected_paths, _ = _run(demo_source, tmp_path / "here", "")
    child = shutil.copytree(demo_source, tmp_path / "child")
    code = f"""
import sys
from pathlib import Path
from sdmx_tools.pipeline import convert
from sdmx_tools.workspace import load_workspace
convert(load_workspace(Path({str(child)!r})))
print("dask.array" in sys.modules)
import dask, dask.array as da, xarray as xr
from xarray.namedarray.pycompat import is_duck_dask_array, mod_version
lazy = xr.DataArray(da.ones(4, chunks=2)) + 1
print(is_duck_dask_array(lazy.data), lazy.chunks, str(mod_version("dask")) == dask.__version__)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "False"  # the whole run without dask.array
    assert out[1] == "True ((2, 2),) True"  # then xarray still knows a Dask array for one
    got = _outputs(OutputPaths(load_workspace(child).output))
    expected = _outputs(expected_paths)
    assert got.keys() == expected.keys()
    for name, content in expected.items():
        assert got[name] == content, name
