"""Benchmark: the demo's convert stage (read, harmonise, compute, write SDMX).

Run: ``.venv/bin/python benchmarks/bench_convert.py [--repeat N]``. Prints wall time per
stage and the process's peak resident memory; the figures go into issue notes, never into
timed test assertions.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import peak_mib

from sdmx_tools.demo import copy_demo_workspace, generate_demo_data
from sdmx_tools.pipeline import convert
from sdmx_tools.publish import push_outputs, release_site
from sdmx_tools.workspace import load_workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        ws_dir = copy_demo_workspace(Path(tmp) / "demo")
        generate_demo_data(ws_dir)
        ws = load_workspace(ws_dir)
        timings: dict[str, list[float]] = {"convert": [], "push": [], "release": []}
        for _ in range(args.repeat):
            for stage, run in (("convert", lambda: convert(ws)), ("push", lambda: push_outputs(ws)),
                               ("release", lambda: release_site(ws))):
                start = time.perf_counter()
                result = run()
                timings[stage].append(time.perf_counter() - start)
                if stage == "convert":
                    rows = sum(h.account.read for h in result.harmonised)  # type: ignore[union-attr]
                    observations = result.observations  # type: ignore[union-attr]
    print(f"input rows: {rows}, observations out: {observations}")
    for stage, values in timings.items():
        median = sorted(values)[len(values) // 2]
        print(f"{stage:<8} best {min(values):6.2f} s  median {median:6.2f} s")
    print(f"peak RSS {peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
