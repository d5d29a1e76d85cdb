"""Benchmark: one indicator cube from 2,000,000 observation rows, in memory vs on Dask.

Run: ``python benchmarks/bench_cube.py [--rows N] [--files K]``. Writes a generated
observation table (monthly homicide victims by municipality, sex and age group, plus the
Censo 2020 population from ../shared/data when present) as K parquet files, then computes
16.1.1 by sex in two separate child processes, so that each peak resident memory is its
own: ``pandas`` reads the whole table into memory, ``dask`` reads the files as partitions.
Checks the two cubes are identical and prints time and peak RSS of each; the figures go
into issue notes, never into timed test assertions.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pickle
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from _common import peak_mib, run_child

from sdmx_tools.compute.cube import compute_indicator
from sdmx_tools.compute.definitions import load_indicators
from sdmx_tools.fsutil import bundled
from sdmx_tools.territory import load_areas

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "inegi"
AGES = ("Y0T14", "Y15T29", "Y30T44", "Y45T59", "Y60T74", "Y_GE75", "_U")


def generate(folder: Path, rows: int, files: int) -> int:
    """Write the observation table as ``files`` parquet files; return its row count."""
    areas = load_areas()
    munis = np.array(areas.municipalities())
    rng = np.random.default_rng(2024)
    shared = SHARED / "inegi_municipios_2478.csv"
    if shared.is_file():
        real = pd.read_csv(shared, dtype={"cvegeo": str})
        real = real[real["pob_total_2020"] > 0]
        pop = pd.Series(real["pob_total_2020"].to_numpy(float), index=real["cvegeo"])
    else:  # synthetic sizes when the reference data folder is absent
        pop = pd.Series(rng.lognormal(9.6, 1.3, len(munis)) + 300, index=munis)
    per_month = len(munis) * 2 * len(AGES)
    months = max(1, -(-rows // per_month))  # at least ``rows``
    periods = pd.period_range("2024-01", periods=months, freq="M").strftime("%Y-%m")
    lam = pop.reindex(munis).fillna(5_000).to_numpy() * 30 / 100_000 / 12 / 14
    chunks = np.array_split(np.arange(months), files)
    row0 = 2
    total = 0
    for i, chunk in enumerate(chunks):
        n = len(chunk) * per_month
        frame = pd.DataFrame({
            "source": "sesnsp", "row": np.arange(row0, row0 + n), "measure": "homicide_victims",
            "REF_AREA": np.tile(np.repeat(munis, 2 * len(AGES)), len(chunk)),
            "TIME_PERIOD": np.repeat(np.asarray(periods)[chunk], len(munis) * 2 * len(AGES)),
            "SEX": np.tile(np.repeat(["F", "M"], len(AGES)), len(munis) * len(chunk)),
            "AGE": np.tile(AGES, len(munis) * 2 * len(chunk)),
            "value": rng.poisson(np.tile(np.repeat(lam, 2 * len(AGES)), len(chunk))
                                 ).astype(float),
            "unit": "victim"})
        if i == 0:
            census = pd.DataFrame({"source": "censo", "row": np.arange(len(pop)) + 2,
                                   "measure": "population", "REF_AREA": pop.index,
                                   "TIME_PERIOD": "2020", "SEX": None, "AGE": None,
                                   "value": pop.to_numpy(), "unit": "person"})
            frame = pd.concat([census, frame], ignore_index=True)
        frame.to_parquet(folder / f"part-{i:03d}.parquet", index=False)
        row0 += n
        total += len(frame)
    return total


def run(engine: str, folder: Path, out: Path) -> None:
    """Child process: read, compute, pickle the cube, print time and peak RSS as JSON."""
    defn = dataclasses.replace(load_indicators([bundled("indicators")])["16.1.1"],
                               disaggregations=("SEX",))
    areas = load_areas()
    start = time.perf_counter()
    if engine == "dask":
        import dask.dataframe as dd

        obs = dd.read_parquet(str(folder / "*.parquet"))
    else:
        obs = pd.read_parquet(folder)
    computed = compute_indicator(defn, obs, areas, engine=engine)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    with out.open("wb") as fh:
        pickle.dump((computed.cube, computed.findings), fh)
    print(json.dumps({"engine": engine, "seconds": round(seconds, 2),
                      "peak_rss_mib": round(peak_mib())}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--run", choices=["pandas", "dask"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run(args.run, args.data, args.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "obs"
        folder.mkdir()
        rows = generate(folder, args.rows, args.files)
        print(f"observation rows: {rows:,} in {args.files} parquet files")
        results = {}
        for engine in ("pandas", "dask"):
            out = Path(tmp) / f"{engine}.pickle"
            figures = run_child(__file__, "--run", engine, "--data", str(folder),
                                "--out", str(out))
            print(f"{engine:<7} {figures['seconds']:7.2f} s   peak RSS "
                  f"{figures['peak_rss_mib']:6d} MiB")
            with out.open("rb") as fh:
                results[engine] = pickle.load(fh)  # our own file, written just now
        xr.testing.assert_identical(results["pandas"][0], results["dask"][0])
        assert results["pandas"][1] == results["dask"][1]
        print("cubes and findings identical: yes")


if __name__ == "__main__":
    main()
