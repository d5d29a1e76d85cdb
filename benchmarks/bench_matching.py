"""Benchmark and report: name matching precision/recall, and 1,000,000 rows with 5,000 names.

Run: ``.venv/bin/python benchmarks/bench_matching.py``.
"""

from __future__ import annotations

import random
import time

from sdmx_tools.territory import AreaCodelist, load_areas
from sdmx_tools.territory.evaluation import KINDS, corrupted_names, evaluate


def main() -> None:
    areas = load_areas()
    cases = corrupted_names(areas, 5000)
    result = evaluate(areas, cases)
    print(f"corrupted names: {len(result.cases)}; auto-matched right {result.right}, wrong "
          f"{len(result.wrong)}, review {result.review}, unmatched {result.unmatched}")
    print(f"precision {result.precision:.4f}  recall {result.recall:.4f}")
    for kind in KINDS:
        part = result.of_kind(kind)
        print(f"  {kind:<13} {len(part.cases):>5} cases  recall {part.recall:.3f}  "
              f"review {part.review}  unmatched {part.unmatched}")

    rng = random.Random(1)
    distinct = list(dict.fromkeys((c.name, c.state) for c in corrupted_names(areas, 6000, 9)))
    distinct = distinct[:5000]
    rows = [distinct[rng.randrange(len(distinct))] for _ in range(1_000_000)]
    names, states = [r[0] for r in rows], [r[1] for r in rows]
    fresh = AreaCodelist(areas.codelist)  # no warm cache from the evaluation above
    start = time.perf_counter()
    fresh.match_names(names, states)
    took = time.perf_counter() - start
    print(f"1,000,000 rows, {len(set(rows))} distinct (name, state): {took:.2f} s, "
          f"{1_000_000 / took:,.0f} rows/s")


if __name__ == "__main__":
    main()
