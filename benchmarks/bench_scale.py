"""Benchmark: convert at scale, stage by stage, against a bare read + groupby.

For each size (default 10^4, 10^5, 10^6, 10^7 rows) a deterministic incident file
(:mod:`generate`) becomes the homicides source of the demo workspace (with its population
source, indicator 16.1.1). Each run is its own process, so its peak RSS is its own, and
each is repeated (``--repeat``, the runs of a size taken in turn so that a slow spell of a
shared machine falls on all of them): the table gives the medians, the JSON every run.

- ``bare pyarrow``: ``pyarrow.csv.read_csv`` of the file + ``Table.group_by`` count by
  state, municipality, year and month (what convert must at least do), the stricter
  baseline;
- ``bare pandas``: ``pandas.read_csv(engine="pyarrow")`` + ``DataFrame.groupby`` of the
  same, the baseline issue 12 measured against;
- ``convert`` with each engine: seconds per stage (harmonise with the read, compute,
  provenance, write), then push (embedded registry) and release, and the peak RSS;
- ``blocks read only``: the read inside convert's harmonise stage alone (the blocks
  planned and parsed on the same threads), so harmonise's own share is the difference.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_scale.py [--rows 10000 ...]``.
Writes ``benchmarks/RESULTS.md`` (the table, with the machine's cores and memory) and
``benchmarks/results/scale.json``. Generated inputs are kept in ``--data`` between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import peak_mib, run_child

HERE = Path(__file__).resolve().parent


def _bare(path: Path) -> dict[str, object]:
    import pyarrow.csv as pacsv

    start = time.perf_counter()
    table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(encoding="latin-1"))
    counts = table.group_by(["cve_ent", "cve_mun", "anio", "mes"]).aggregate([("folio",
                                                                                "count")])
    return {"seconds": time.perf_counter() - start, "groups": counts.num_rows,
            "peak_mib": peak_mib()}


def _bare_pandas(path: Path) -> dict[str, object]:
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_csv(path, engine="pyarrow", encoding="latin-1")
    counts = frame.groupby(["cve_ent", "cve_mun", "anio", "mes"]).size()
    return {"seconds": time.perf_counter() - start, "groups": len(counts),
            "peak_mib": peak_mib()}


def _read(path: Path, block_mib: int) -> dict[str, object]:
    """Only the read of convert's harmonise stage: the blocks planned and parsed, on the
    threads convert uses, nothing harmonised."""
    from concurrent.futures import ThreadPoolExecutor

    from sdmx_tools.ingest.readers import read_table
    from sdmx_tools.ingest.readers.chunks import plan_blocks, read_block
    from sdmx_tools.ingest.spec import ReadOptions

    start = time.perf_counter()
    options = ReadOptions(max_bytes=1 << 36)
    plan = plan_blocks(path, options, block_mib << 20)
    if plan is None:  # smaller than a block: read whole, as convert does
        rows = len(read_table(path, options).frame)
        return {"seconds": time.perf_counter() - start, "rows": rows, "peak_mib": peak_mib()}
    with ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as pool:
        rows = sum(len(t.frame) for t in pool.map(lambda i: read_block(plan, i),
                                                  range(len(plan.blocks))))
    return {"seconds": time.perf_counter() - start, "rows": rows, "peak_mib": peak_mib()}


def _workspace(data: Path, rows: int, engine: str, block_mib: int) -> Path:
    from generate import incident_workspace

    source = data / f"incidents_{rows}.csv"
    planted_at = source.with_suffix(".json")
    if not source.is_file() or not planted_at.is_file():
        # In a child: this process's peak RSS would be carried into the measured ones.
        planted_at.write_text(json.dumps(run_child(HERE / "generate.py", str(rows),
                                                   str(source))))

    def place(path: Path) -> dict[str, int]:
        try:  # a hard link: the workspace's own file, no copy
            os.link(source, path)
        except OSError:
            shutil.copyfile(source, path)
        return dict(json.loads(planted_at.read_text()))

    ws = data / f"ws_{rows}_{engine}"
    shutil.rmtree(ws, ignore_errors=True)
    return incident_workspace(ws, place, f'engine = "{engine}"\nblock_bytes = '
                                         f"{block_mib << 20}")


def _convert(ws: Path) -> dict[str, object]:
    from sdmx_tools.pipeline import convert
    from sdmx_tools.publish import push_outputs, release_site
    from sdmx_tools.workspace import load_workspace

    workspace = load_workspace(ws)
    start = time.perf_counter()
    result = convert(workspace)
    total = time.perf_counter() - start
    stages = dict(result.timings)
    for stage, run in (("push", push_outputs), ("release", release_site)):
        t = time.perf_counter()
        run(workspace)
        stages[stage] = time.perf_counter() - t
    incidents = next(h for h in result.harmonised if h.spec.id == "incidentes")
    return {"convert_seconds": total, "stages": stages, "peak_mib": peak_mib(),
            "rows_read": incidents.account.read,
            "quarantined": incidents.account.quarantined_by_reason}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[10**4, 10**5, 10**6, 10**7])
    parser.add_argument("--engines", nargs="+", default=["pandas", "dask"])
    parser.add_argument("--block-mib", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measurement up to 10^6 rows (one above)")
    parser.add_argument("--data", type=Path, default=Path("/tmp/sdmx-tools-bench"))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--render", action="store_true",
                        help="only rewrite RESULTS.md from results/*.json")
    args = parser.parse_args()
    if args.render:
        saved = json.loads((HERE / "results" / "scale.json").read_text())
        args.block_mib = saved["machine"]["block_mib"]
        _write(saved["results"], args)
        return
    if args.child:
        kind, target = args.child
        answer = _bare(Path(target)) if kind == "bare pyarrow" else _bare_pandas(
            Path(target)) if kind == "bare pandas" else _read(
            Path(target), args.block_mib) if kind == "read" else _convert(Path(target))
        print(json.dumps(answer))
        return
    args.data.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    for rows in args.rows:
        source = args.data / f"incidents_{rows}.csv"
        for run in range(args.repeat if rows <= 10**6 else 1):
            for engine in args.engines:
                ws = _workspace(args.data, rows, engine, args.block_mib)
                answer = run_child(__file__, "--child", "convert", str(ws))
                results.append({"rows": rows, "engine": engine, "run": run, **answer})
                print(json.dumps(results[-1]), flush=True)
                shutil.rmtree(ws)
            for kind in ("blocks read only", "bare pyarrow", "bare pandas"):
                answer = run_child(__file__, "--child", "read" if kind == "blocks read only"
                                   else kind, str(source), "--block-mib", str(args.block_mib))
                results.append({"rows": rows, "engine": kind, "run": run,
                                "bytes": source.stat().st_size, **answer})
                print(json.dumps(results[-1]), flush=True)
    _write(results, args)


def _write(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    machine = {"cores": os.cpu_count(), "memory_gib": round(mem, 1),
               "python": sys.version.split()[0], "block_mib": args.block_mib}
    (out / "scale.json").write_text(json.dumps({"machine": machine, "results": results},
                                               indent=2) + "\n")
    runs: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for r in results:
        runs.setdefault((r["rows"], r["engine"]), []).append(r)

    def median(rows: int, engine: str, get: Callable[[dict[str, Any]], float]) -> float:
        return float(statistics.median(get(r) for r in runs[rows, engine]))

    def seconds(r: dict[str, Any]) -> float:
        return float(r.get("convert_seconds", r.get("seconds", 0.0)))

    lines = ["# Convert at scale", "",
             f"Machine: {machine['cores']} cores, {machine['memory_gib']} GiB, Python "
             f"{machine['python']}; blocks of {args.block_mib} MiB. Made by "
             "`benchmarks/bench_scale.py` (`make bench`). Each figure is the median of the "
             "runs counted in *n* (every run is in `results/scale.json`); *x pyarrow* and *x "
             "pandas* divide a median total by the median of the bare `pyarrow.csv` read + "
             "`group_by`, and of the bare `pandas.read_csv(engine=\"pyarrow\")` + `groupby`, "
             "of the same file.", "",
             "| rows | run | n | total s | x pyarrow | x pandas | harmonise | compute | "
             "provenance | write | push | release | peak MiB |", "|" + "---|" * 13]
    for rows, engine in runs:
        n = len(runs[rows, engine])
        total = median(rows, engine, seconds)
        peak = median(rows, engine, lambda r: float(r["peak_mib"]))
        ratios = [f"{total / median(rows, base, seconds):.1f}" if (rows, base) in runs
                  else "" for base in ("bare pyarrow", "bare pandas")]
        name = {"blocks read only": "blocks read only (convert's read)",
                "bare pyarrow": "bare pyarrow read + group_by",
                "bare pandas": "bare pandas read_csv(engine=pyarrow) + groupby"}.get(
            engine, f"convert, {engine}")
        stages = ["harmonise", "compute", "provenance", "write", "push", "release"]
        cells = [f"{median(rows, engine, lambda r, s=s: float(r['stages'][s])):.2f}"
                 for s in stages] if "stages" in runs[rows, engine][0] else [""] * 6
        lines.append(f"| {rows:,} | {name} | {n} | {total:.2f} | {' | '.join(ratios)} | "
                     f"{' | '.join(cells)} | {peak:.0f} |")
    limited = out / "memory_limit.json"  # from bench_memory_limit.py, run as root
    if limited.is_file():
        m = json.loads(limited.read_text())
        lines += ["", "## Under a memory limit", "",
                  f"`bench_memory_limit.py`: {m['rows']:,} rows ({m['file_mib']:,} MiB of "
                  f"latin-1 CSV) converted in a cgroup capped at {m['limit_mib']:,} MiB, "
                  f"engine {m['engine']}: exit {m['exit']} in {m['seconds']} s, the cgroup's "
                  f"peak {m['peak_mib']:,} MiB (page cache included)."]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
