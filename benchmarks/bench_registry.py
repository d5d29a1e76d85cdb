"""Registry throughput on loopback: requests per second with 20 connections (wrk).

Serves the demo's registry (``sdmx-tools demo`` is run into a temporary folder unless
``--database`` names one) with ``python -m sdmx_tools.registry.server`` in its own
process, checks each query answers 200, then runs ``wrk -t2 -c20 -dSECONDS`` on it, once
as is (answers kept by the registry's cache) and once with a new query string on every
request (each answer made anew):
a small codelist, the area codelist (2,511 codes), the DSD with its references, and a
key-filtered data query with a period, as SDMX-ML and, for the codelists, SDMX-JSON.

Needs ``wrk`` (Debian: ``apt-get install -y wrk``). The target (issue 11) is at least 10x
the read-only ``dsss`` server on the same queries: about 200 req/s for a small codelist
and 12 req/s for the DSD here, so 2,000 and 120.

Usage: ``python benchmarks/bench_registry.py [--seconds 10] [--database FILE]``
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

XML = "application/vnd.sdmx.structure+xml;version=2.1"
JSON = "application/vnd.sdmx.structure+json;version=2.0.0"
SS = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
QUERIES = [
    ("small codelist (CL_SEX), SDMX-ML", "/structure/codelist/MX_DEMO/CL_SEX/latest", XML),
    ("small codelist (CL_SEX), SDMX-JSON", "/structure/codelist/MX_DEMO/CL_SEX/latest", JSON),
    ("area codelist (2,511 codes), SDMX-ML", "/structure/codelist/MX_DEMO/CL_AREA_MX/latest",
     XML),
    ("area codelist, SDMX-JSON", "/structure/codelist/MX_DEMO/CL_AREA_MX/latest", JSON),
    ("DSD with references=all", "/structure/datastructure/MX_DEMO/SDG/1.0?references=all", XML),
    ("data, key + startPeriod", "/data/DF_SDG_MX/A..VC_IHR_PSRC.01001+01002" + "." * 11
     + "?startPeriod=2021", SS),
]


def _serve(database: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdmx_tools.registry.server", "--database", str(database),
         "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line.strip().rsplit(" ", 1)[-1].rstrip("/")


# Each request a new query string: no answer is served from the registry's cache.
_UNCACHED = """counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. (string.find(wrk.path, "?") and "&" or "?")
                    .. "nocache=" .. counter)
end
"""


def _wrk(url: str, accept: str, seconds: int, script: Path | None) -> dict[str, float]:
    extra = ["-s", str(script)] if script else []
    out = subprocess.run(["wrk", "-t2", "-c20", f"-d{seconds}s", "--latency", *extra, "-H",
                          f"Accept: {accept}", url], capture_output=True, text=True,
                         check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {"req_per_s": float(rate.group(1)) if rate else 0.0,
            "p50_ms": float(p50.group(1)) * scale[p50.group(2)] if p50 else float("nan"),
            "non_2xx": float(errors.group(1)) if errors else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database", type=Path, default=None)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as folder:
        database = args.database
        if database is None:
            subprocess.run([sys.executable, "-m", "sdmx_tools", "-q", "demo", "--out",
                            f"{folder}/demo"], check=True, capture_output=True)
            database = Path(folder) / "demo" / "out" / "registry.sqlite"
        script = Path(folder) / "uncached.lua"
        script.write_text(_UNCACHED, encoding="utf-8")
        proc, base = _serve(database)
        try:
            results = []
            for name, path, accept in QUERIES:
                check = httpx.get(base + path, headers={"Accept": accept}, timeout=60)
                assert check.status_code == 200, (name, check.status_code, check.text[:200])
                for cache, lua in (("cached", None), ("uncached", script)):
                    measured = _wrk(base + path, accept, args.seconds, lua)
                    results.append({"query": name, "cache": cache,
                                    "bytes": len(check.content), **measured})
                    print(f"{name:38s} {cache:8s} {measured['req_per_s']:9.1f} req/s  "
                          f"p50 {measured['p50_ms']:7.2f} ms  {len(check.content):>9,d} B",
                          flush=True)
        finally:
            proc.terminate()
            proc.wait(10)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
