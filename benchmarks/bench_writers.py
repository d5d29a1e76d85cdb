"""Benchmark: SDMX data writers on N observations, ours against pysdmx and sdmx1.

Run: ``python benchmarks/bench_writers.py [--rows 1000000] [--sdmx1-rows N] [--only W ...]``
(``--only ours-json`` measures that writer alone). The data are SERIES x REF_AREA x SEX x
TIME_PERIOD (every municipality) with two attributes (OBS_STATUS, UNIT_MULT) and
UNIT_MEASURE, the DSD's other dimensions at ``_T``. Each writer runs in its own fresh
process (its own peak RSS): ours structure-specific and generic SDMX-ML, SDMX-CSV 2.0 and
SDMX-JSON 2.0; pysdmx structure-specific SDMX-ML 2.1 and SDMX-CSV 2.0 from the same pandas
frame; sdmx1 structure-specific SDMX-ML from its observation objects (on ``--sdmx1-rows``
observations, default all: it needs about 2.5 min and 10 GB per million). Prints
one JSON line per writer: seconds, bytes, peak MiB.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import peak_mib, run_child

from sdmx_tools.vocabulary.dsd import DIMENSIONS

SERIES = ("VC_IHR_PSRC", "SH_STA_TRAF", "SE_ACS_ELEC", "EN_REF_WASCOL")
SEXES = ("F", "M", "_T")
WRITERS = ("ours-ss", "ours-generic", "ours-csv2", "ours-json", "pysdmx-ss", "pysdmx-csv2",
           "sdmx1-ss")


def frame(rows: int) -> pd.DataFrame:
    """``rows`` observations (deterministic): the key grid cut to size."""
    from sdmx_tools.territory import load_areas

    munis = load_areas().municipalities()
    years = [str(y) for y in range(2000, 2000 + max(1, -(-rows // (len(SERIES) * len(munis)
                                                                  * len(SEXES)))))]
    grid = pd.MultiIndex.from_product([SERIES, munis, SEXES, years],
                                      names=["SERIES", "REF_AREA", "SEX", "TIME_PERIOD"])
    out = grid.to_frame(index=False).iloc[:rows]
    for dim in DIMENSIONS:
        if dim not in out.columns:
            out[dim] = {"FREQ": "A", "REPORTING_TYPE": "N"}.get(dim, "_T")
    rng = np.random.default_rng(7)
    out["OBS_VALUE"] = np.round(rng.lognormal(2, 1, len(out)), 2)
    out["OBS_STATUS"] = np.where(rng.random(len(out)) < 0.05, "O", "A")
    out["UNIT_MULT"] = "0"
    out["UNIT_MEASURE"] = "PER_100000_POP"
    return out[[*DIMENSIONS, "TIME_PERIOD", "OBS_VALUE", "UNIT_MEASURE", "OBS_STATUS",
                "UNIT_MULT"]]


def _pysdmx_dataset(data: pd.DataFrame) -> object:
    from pysdmx.io.pd import PandasDataset
    from pysdmx.model import Component, Components, Concept, DataType, Role, Schema

    def component(cid: str, role: Role, level: str | None = None) -> Component:
        dtype = DataType.DOUBLE if cid == "OBS_VALUE" else DataType.STRING
        return Component(id=cid, required=True, role=role, concept=Concept(cid, dtype=dtype),
                         attachment_level=level)

    comps = [component(d, Role.DIMENSION) for d in [*DIMENSIONS, "TIME_PERIOD"]]
    comps += [component("OBS_VALUE", Role.MEASURE), component("UNIT_MEASURE", Role.ATTRIBUTE,
                                                              ",".join(DIMENSIONS)),
              component("OBS_STATUS", Role.ATTRIBUTE, "O"),
              component("UNIT_MULT", Role.ATTRIBUTE, "O")]
    schema = Schema(context="dataflow", agency="MX", id="DF_SDG", version="1.0",
                    components=Components(comps))
    return PandasDataset(structure=schema, data=data)


def _sdmx1_write(data: pd.DataFrame, path: Path) -> None:
    import sdmx
    import sdmx.message
    from sdmx.model import common, v21

    dsd = v21.DataStructureDefinition(id="SDG", maintainer=common.Agency(id="MX"),
                                      version="1.0")
    dims = [dsd.dimensions.getdefault(d) for d in DIMENSIONS]
    dsd.dimensions.getdefault("TIME_PERIOD", cls=v21.TimeDimension)
    for a in ("OBS_STATUS", "UNIT_MULT"):
        dsd.attributes.getdefault(a, related_to=v21.PrimaryMeasureRelationship())
    measure = dsd.measures.getdefault("OBS_VALUE")
    obs = []
    for rec in data.itertuples(index=False):
        key = v21.Key(**{d.id: getattr(rec, d.id) for d in dims},
                      TIME_PERIOD=rec.TIME_PERIOD, described_by=dsd.dimensions)
        attached = {a: v21.AttributeValue(value=getattr(rec, a),
                                          value_for=dsd.attributes.get(a))
                    for a in ("OBS_STATUS", "UNIT_MULT")}
        obs.append(v21.Observation(dimension=key, value=rec.OBS_VALUE, value_for=measure,
                                   attached_attribute=attached))
    data_set = v21.StructureSpecificDataSet(structured_by=dsd, obs=obs)
    message = sdmx.message.DataMessage(data=[data_set])
    path.write_bytes(sdmx.to_xml(message))


def measure(writer: str, rows: int, folder: Path) -> dict[str, object]:
    """Run one writer (in this process) and report time, bytes and peak memory."""
    data = frame(rows)
    path = folder / f"{writer}.out"
    start = time.perf_counter()
    if writer == "ours-ss":
        from sdmx_tools.exchange.structurespecific import write_structure_specific

        write_structure_specific(data, path, agency="MX", dataflow_id="DF_SDG")
    elif writer == "ours-generic":
        from sdmx_tools.exchange.sdmxml import write_data_xml

        write_data_xml(data, path, agency="MX", dataflow_id="DF_SDG")
    elif writer == "ours-csv2":
        from sdmx_tools.exchange.sdmxcsv import write_data_csv

        write_data_csv(data, path, dataflow_ref="MX:DF_SDG(1.0)", version="2.0")
    elif writer == "ours-json":
        from sdmx_tools.exchange.jsondata import write_data_json

        write_data_json(data, path, agency="MX", dataflow_id="DF_SDG")
    elif writer.startswith("pysdmx"):
        from pysdmx.io import write_sdmx
        from pysdmx.io.format import Format

        fmt = Format.DATA_SDMX_ML_2_1_STR if writer == "pysdmx-ss" else \
            Format.DATA_SDMX_CSV_2_0_0
        write_sdmx([_pysdmx_dataset(data)], sdmx_format=fmt, output_path=str(path))
    else:
        _sdmx1_write(data, path)
    seconds = time.perf_counter() - start
    return {"writer": writer, "rows": rows, "seconds": round(seconds, 2),
            "bytes": path.stat().st_size, "peak_mib": round(peak_mib())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sdmx1-rows", type=int, default=None)
    parser.add_argument("--only", nargs="+", choices=WRITERS, default=WRITERS,
                        help="measure only these writers (default: all)")
    parser.add_argument("--writer", choices=WRITERS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.writer:  # the child: one measurement, one JSON line
        print(json.dumps(measure(args.writer, args.rows, Path(args.folder))))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        for writer in args.only:
            rows = args.sdmx1_rows or args.rows if writer == "sdmx1-ss" else args.rows
            print(json.dumps(run_child(__file__, "--writer", writer, "--rows", str(rows),
                                       "--folder", folder)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
