"""Benchmark: convert an input larger than the memory the run may use.

A cgroup (v1 ``memory`` or v2, so root is needed) caps the convert's memory below the
size of the incident file (:mod:`generate`, default 2 * 10^7 rows, about 1.6 GB); the run
must finish with exit 0 and its outputs. Prints the file size, the limit, the cgroup's
peak usage and the time.

Run: ``sudo .venv/bin/python benchmarks/bench_memory_limit.py [--rows N] [--limit-mib M]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench_scale import _workspace

_V1 = Path("/sys/fs/cgroup/memory")
_V2 = Path("/sys/fs/cgroup")


def _cgroup(limit: int) -> tuple[Path, Path, Path]:
    """A new cgroup capped at ``limit`` bytes: its procs file, peak file, and folder."""
    name = f"sdmx-tools-bench-{os.getpid()}"
    if (_V1 / "memory.limit_in_bytes").is_file():
        folder = _V1 / name
        folder.mkdir()
        (folder / "memory.limit_in_bytes").write_text(str(limit))
        return folder / "cgroup.procs", folder / "memory.max_usage_in_bytes", folder
    folder = _V2 / name
    folder.mkdir()
    (folder / "memory.max").write_text(str(limit))
    (folder / "memory.swap.max").write_text("0")
    return folder / "cgroup.procs", folder / "memory.peak", folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2 * 10**7)
    parser.add_argument("--limit-mib", type=int, default=1200)
    parser.add_argument("--engine", default="pandas")
    parser.add_argument("--data", type=Path, default=Path("/tmp/sdmx-tools-bench"))
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    ws = _workspace(args.data, args.rows, args.engine, 32)
    source = args.data / f"incidents_{args.rows}.csv"
    limit = args.limit_mib << 20
    try:
        procs, peak, folder = _cgroup(limit)
    except OSError as exc:
        sys.exit(f"cannot make a memory cgroup here ({exc}): run as root on Linux")
    # The child joins the cgroup before it starts Python: all of its memory is counted.
    command = [sys.executable, "-m", "sdmx_tools.cli", "-q", "convert", "-w", str(ws)]
    start = time.perf_counter()
    child = subprocess.run(["sh", "-c", f'echo $$ > "{procs}" && exec "$@"', "sh", *command],
                           capture_output=True, text=True)
    seconds = time.perf_counter() - start
    used = int(peak.read_text())
    folder.rmdir()
    answer = {
        "rows": args.rows, "engine": args.engine, "file_mib": source.stat().st_size >> 20,
        "limit_mib": args.limit_mib, "peak_mib": used >> 20, "seconds": round(seconds, 1),
        "exit": child.returncode, "stderr": child.stderr[-2000:]}
    print(json.dumps(answer))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "memory_limit.json").write_text(json.dumps(answer, indent=2) + "\n")
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
