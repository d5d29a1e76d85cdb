"""Benchmark: reading + harmonising 1,000,000 SESNSP-like rows against bare pandas.

Run: ``.venv/bin/python benchmarks/bench_ingest.py [--rows N] [--repeat N] [--out DIR]``.

Generates (deterministically) a latin-1 CSV in long layout: unpadded state and
municipality codes (``2004`` = Tijuana), year, Spanish month name, an accented crime
category, and a victim count with comma thousands (``"1,234"``). Then times, best of
``--repeat``:

- ``pandas``: ``pandas.read_csv(path, engine="pyarrow", encoding="latin-1")``;
- ``sdmx-tools``: ``read_table`` + ``harmonise`` through a source spec, the area codelist
  loaded beforehand (not timed).

Each measurement runs in its own Python process so that peak resident memory
(``ru_maxrss``) is that tool's alone. The figures go into issue notes, never into timed
test assertions.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from _common import peak_mib, run_child

CATEGORIES = ["Homicidio doloso", "Lesiones dolosas", "Feminicidio", "Secuestro",
              "Extorsión", "Robo a casa habitación"]
CATEGORY_CODES = ["HOM", "LES", "FEM", "SEC", "EXT", "ROB"]
MONTHS = ["Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto",
          "Septiembre", "Octubre", "Noviembre", "Diciembre"]
FIRST_YEAR = 2015

SPEC = """\
id = "bench"
[location]
path = "{path}"
[read]
encoding = "latin-1"
[area]
code_column = "Cve. Municipio"
[period]
column = "Año"
format = "year"
[[measures]]
id = "crime_victims"
column = "Víctimas"
unit = "victim"
[dimensions.CATEGORY]
column = "Subtipo de delito"
map = {{ {categories} }}
[dimensions.MONTH]
column = "Mes"
"""


def generate(folder: Path, rows: int) -> tuple[Path, Path]:
    """Write the CSV and its spec into ``folder``; every (area, year, month, category) once.

    Municipality codes come from the bundled area codelist (2,478 municipalities), written
    without their leading zero as SESNSP does.
    """
    from sdmx_tools.territory import load_areas

    munis = load_areas().municipalities()
    per_year = len(munis) * len(MONTHS) * len(CATEGORIES)
    lines = ["Clave_Ent,Cve. Municipio,Año,Mes,Subtipo de delito,Víctimas"]
    for i in range(rows):
        code = munis[i % len(munis)]
        rest = i // len(munis)
        month = MONTHS[rest % 12]
        category = CATEGORIES[(rest // 12) % len(CATEGORIES)]
        year = FIRST_YEAR + i // per_year
        value = (i * 7919) % 1500
        shown = f'"{value:,}"' if value >= 1000 else str(value)
        lines.append(f"{int(code[:2])},{int(code)},{year},{month},{category},{shown}")
    csv_path = folder / "sesnsp_1m_latin1.csv"
    csv_path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    spec_path = folder / "bench.toml"
    categories = ", ".join(f'"{c}" = "{k}"' for c, k in zip(CATEGORIES, CATEGORY_CODES,
                                                            strict=True))
    spec_path.write_text(SPEC.format(path=csv_path.name, categories=categories),
                         encoding="utf-8")
    return csv_path, spec_path


def measure(which: str, spec_path: Path, repeat: int) -> dict[str, object]:
    """Time one tool ``repeat`` times in this process; its peak RSS and row counts."""
    import pandas as pd

    times: list[float] = []
    info: dict[str, object] = {}
    if which == "pandas":
        csv_path = spec_path.parent / "sesnsp_1m_latin1.csv"
        baseline = peak_mib()
        for _ in range(repeat):
            start = time.perf_counter()
            frame = pd.read_csv(csv_path, engine="pyarrow", encoding="latin-1")
            times.append(time.perf_counter() - start)
            info = {"rows": len(frame)}
            del frame
    else:
        from sdmx_tools.ingest.harmonise import harmonise
        from sdmx_tools.ingest.readers import read_table
        from sdmx_tools.ingest.spec import load_spec
        from sdmx_tools.territory import load_areas

        areas = load_areas()
        areas.match_codes(["1001"])  # build any lazy lookup before timing
        spec = load_spec(spec_path, spec_path.parent)
        baseline = peak_mib()
        for _ in range(repeat):
            start = time.perf_counter()
            h = harmonise(read_table(spec.path, spec.read), spec, areas)
            times.append(time.perf_counter() - start)
            a = h.account
            info = {"rows": a.read, "used": a.used, "quarantined": a.quarantined,
                    "excluded": a.excluded, "observations": len(h.observations)}
            del h
    return {"which": which, "times": times, "best": min(times), "baseline_mib": baseline,
            "peak_mib": peak_mib(), **info}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N (default 3)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the generated file (default: a temporary folder)")
    parser.add_argument("--measure", choices=["pandas", "sdmx-tools"], help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    if args.measure:  # child process: one tool, result as JSON on the last line
        print(json.dumps(measure(args.measure, args.spec, args.repeat)))
        return
    if args.generate:  # child process: the input file
        start = time.perf_counter()
        csv_path, spec_path = generate(args.out, args.rows)
        print(json.dumps({"csv": str(csv_path), "spec": str(spec_path),
                          "seconds": time.perf_counter() - start}))
        return

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        # Linux keeps a process's peak RSS across fork + exec, so this parent stays small:
        # the file is generated in a child too, and nothing big is imported here.
        made = run_child(__file__, "--generate", "--rows", str(args.rows), "--out", str(folder))
        csv_path, spec = Path(str(made["csv"])), str(made["spec"])
        size = csv_path.stat().st_size / 2**20
        print(f"generated {args.rows:,} rows, {size:.1f} MiB latin-1 in "
              f"{made['seconds']:.1f} s: {csv_path}")
        results = [run_child(__file__, "--measure", which, "--spec", spec, "--repeat",
                             str(args.repeat))
                   for which in ("pandas", "sdmx-tools")]

    print(f"{'tool':<12} {'best s':>8} {'all runs s':<24} {'peak MiB':>9} {'base MiB':>9}")
    for r in results:
        runs = " ".join(f"{t:.2f}" for t in r["times"])  # type: ignore[attr-defined]
        print(f"{r['which']:<12} {r['best']:>8.2f} {runs:<24} {r['peak_mib']:>9.0f} "
              f"{r['baseline_mib']:>9.0f}")
    pandas_r, ours = results
    print(f"ratio sdmx-tools / pandas: time {ours['best'] / pandas_r['best']:.1f}x, "  # type: ignore[operator]
          f"peak memory {ours['peak_mib'] / pandas_r['peak_mib']:.1f}x")  # type: ignore[operator]
    print(f"sdmx-tools rows: read {ours['rows']:,} = used {ours['used']:,} + quarantined "
          f"{ours['quarantined']:,} + excluded {ours['excluded']:,}; "
          f"observations {ours['observations']:,}")


if __name__ == "__main__":
    main()
