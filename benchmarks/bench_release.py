"""Release scale: N indicators over every municipality and 10 years, rendered as a site.

Builds a deterministic synthetic :class:`Release` (nation, 32 states and every municipality
of the bundled area codelist, 10 annual periods, a few withheld values, per-indicator SDMX
frames) and times ``render_site``; reports the site's size, its heaviest indicator page with
the data that page loads at once (HTML, its data file, scripts, stylesheet, state outlines)
and with everything a reader can load on it (municipal data, names and outlines), and the
peak RSS. With ``../shared/data/geo/mx_topo.json`` present the maps are geographic.

Usage: ``python benchmarks/bench_release.py [--indicators 250] [--out DIR]``; writes
``benchmarks/results/release.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import peak_mib

from sdmx_tools.exchange.sdmxcsv import write_data_csv
from sdmx_tools.fsutil import bundled
from sdmx_tools.release import IndicatorPage, Release, SourceNote, render_site
from sdmx_tools.release.geo import load_boundaries
from sdmx_tools.release.model import SdmxTarget
from sdmx_tools.vocabulary.dsd import DIMENSIONS

HERE = Path(__file__).resolve().parent
TOPO = HERE.parent.parent / "shared" / "data" / "geo" / "mx_topo.json"
YEARS = [str(y) for y in range(2014, 2024)]


def _areas() -> pd.DataFrame:
    areas = pd.read_csv(bundled("codelists") / "CL_AREA_MX.csv", dtype=str,
                        keep_default_na=False)
    return areas[areas["level"].isin(["nation", "state", "municipality"])]


def _indicator(k: int, areas: pd.DataFrame, rng: np.random.Generator) -> IndicatorPage:
    n = len(areas) * len(YEARS)
    value = np.round(rng.gamma(2.0, 20.0, n), 2)
    withheld = rng.random(n) < 0.01
    value[withheld] = np.nan
    obs = pd.DataFrame({
        "REF_AREA": np.repeat(areas["id"].to_numpy(), len(YEARS)),
        "area_name": np.repeat(areas["name"].to_numpy(), len(YEARS)),
        "level": np.repeat(areas["level"].to_numpy(), len(YEARS)),
        "TIME_PERIOD": np.tile(YEARS, len(areas)),
        "OBS_VALUE": value,
        "OBS_STATUS": np.where(withheld, "O", "A"),
        "COMMENT_OBS": np.where(withheld, "withheld: incomplete coverage (10 of 20 "
                                          "municipalities reported)", ""),
        "reported": np.where(withheld, 10, np.nan),
        "expected": np.where(withheld, 20, np.nan),
    })
    goal = k % 17 + 1
    ident = f"{goal}.{k // 17 + 1}.1"
    series = f"SERIES_{k:03d}"
    sdmx = obs[["REF_AREA", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "COMMENT_OBS"]].copy()
    for dim in DIMENSIONS:
        if dim not in sdmx:
            sdmx[dim] = "_T"
    sdmx["FREQ"], sdmx["REPORTING_TYPE"], sdmx["SERIES"] = "A", "N", series
    sdmx["UNIT_MEASURE"], sdmx["UNIT_MULT"], sdmx["NATURE"] = "PT", "0", "C"
    return IndicatorPage(
        id=ident, series=series, goal=goal, target=f"{goal}.{k // 17 + 1}",
        names={"es": f"Indicador sintético {ident}", "en": f"Synthetic indicator {ident}"},
        unit_labels={"es": "por ciento", "en": "percent"},
        metadata={"es": {"Definición": "Sintético."}, "en": {"Definition": "Synthetic."}},
        observations=obs, decimals=2, sources=["bench"], sdmx=sdmx)


def _release(count: int, tmp: Path) -> Release:
    rng = np.random.default_rng(20261202)
    areas = _areas()
    table = tmp / "indicators.csv"
    table.write_text("indicator,REF_AREA,TIME_PERIOD,OBS_VALUE\n", encoding="utf-8")
    source = SourceNote("bench", "Benchmark", "sdmx-tools", "CC BY 4.0", None, "0" * 64,
                        1, 1, 0, 0)
    indicators = [_indicator(k, areas, rng) for k in range(count)]
    # The release's SDMX-CSV, as convert writes it: the per-indicator files are cut from it.
    data_csv = tmp / "data.csv"
    write_data_csv(pd.concat([i.sdmx for i in indicators], ignore_index=True), data_csv,
                   dataflow_ref="BENCH:DF_BENCH(1.0)")
    return Release(
        title={"es": "Escala", "en": "Scale"}, agency="BENCH", languages=["es", "en"],
        synthetic=True, generated_at="2026-12-02T00:00:00+00:00", downloads=[table, data_csv],
        indicators=indicators, sources=[source], sdmx_csv=data_csv,
        status_names={"es": {"A": "Normal", "O": "Faltante"}, "en": {"A": "Normal",
                                                                    "O": "Missing"}},
        sdmx_target=SdmxTarget("BENCH", "DF_BENCH", "1.0"),
        boundaries=load_boundaries(TOPO) if TOPO.is_file() else None)


def _size(paths: list[Path]) -> int:
    return sum(p.stat().st_size for p in paths if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--indicators", type=int, default=250)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-release-"))
    try:
        start = time.perf_counter()
        release = _release(args.indicators, tmp)
        built = time.perf_counter() - start
        site = args.out or tmp / "site"
        start = time.perf_counter()
        render_site(release, site)
        seconds = time.perf_counter() - start
        static = site / "static"
        shared_now = [static / "site.css", static / "site.js", static / "explorer.js",
                      static / "geo" / "states.js"]
        later = [site / "data" / "municipalities.js", static / "geo" / "municipalities.js"]
        heaviest = max((p for p in (site / "es").glob("*.*.html")), key=lambda p: p.stat().st_size)
        ident = heaviest.name.removesuffix(".html")
        first = _size([heaviest, site / "data" / f"{ident}.js", *shared_now])
        everything = first + _size([site / "data" / f"{ident}.mun.js", *later])
        files = [p for p in site.rglob("*") if p.is_file()]
        result = {
            "indicators": args.indicators,
            "observations": sum(len(i.observations) for i in release.indicators),
            "geographic_maps": release.boundaries is not None,
            "build_model_s": round(built, 1),
            "render_s": round(seconds, 1),
            "site_mib": round(_size(files) / 2**20, 1),
            "files": len(files),
            "heaviest_page": f"es/{heaviest.name}",
            "heaviest_page_html_kib": round(heaviest.stat().st_size / 1024, 1),
            "page_with_data_at_load_kib": round(first / 1024, 1),
            "page_with_everything_kib": round(everything / 1024, 1),
            "downloads_mib": round(_size([p for p in files if "downloads" in p.parts])
                                   / 2**20, 1),
            "peak_rss_mib": round(peak_mib()),
        }
    finally:
        if args.out is None:
            shutil.rmtree(tmp, ignore_errors=True)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "release.json").write_text(json.dumps(result, indent=2) + "\n",
                                                   encoding="utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
