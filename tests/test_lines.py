"""Line spans of blocks merge into exactly those of the whole file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdmx_tools.compute.lines import line_spans, merge_line_spans, span_text


def _spans(groups: np.ndarray, rows: np.ndarray):  # type: ignore[no-untyped-def]
    codes, uniques = pd.factorize(groups)
    return line_spans(codes.astype(np.int64), pd.DataFrame({"k": uniques}), rows)


@pytest.mark.parametrize("seed", range(40))
def test_blocks_merge_into_the_spans_of_the_whole(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    # Runs of consecutive lines and scattered ones, several groups, lines repeated (a
    # wide row gives several values of one group), in file order.
    rows = np.sort(rng.choice(np.arange(1, n * 3), size=n, replace=True))
    groups = rng.choice(np.array(["a", "b", "c"] if seed % 2 else ["a"]), size=n)
    if seed % 3 == 0:
        rows = np.arange(1, n + 1)  # one long run: it crosses every cut
    whole = _spans(groups, rows)
    cuts = np.sort(rng.choice(np.arange(1, rows.max() + 2), size=int(rng.integers(1, 8))))
    block = np.searchsorted(cuts, rows, side="right")
    parts = [_spans(groups[block == b], rows[block == b]) for b in np.unique(block)]
    merged = merge_line_spans(parts, ["k"])
    order = merged.groups["k"].map({k: i for i, k in enumerate(whole.groups["k"])})
    assert sorted(order) == list(range(len(whole.groups)))
    expected = dict(zip(whole.groups["k"], span_text(whole, "none"), strict=True))
    got = dict(zip(merged.groups["k"], span_text(merged, "none"), strict=True))
    assert got == expected
    for col in ("n_lines", "n_spans", "first", "last"):
        assert dict(zip(merged.groups["k"], merged.groups[col], strict=True)) == dict(
            zip(whole.groups["k"], whole.groups[col], strict=True)), col


def test_text_cuts_after_eight_spans_with_the_count() -> None:
    rows = np.array([1, 2, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21])
    text = span_text(_spans(np.zeros(len(rows), dtype=int), rows), "none")[0]
    assert text == "rows 1-3, 5, 7, 9, 11, 13, 15, 17 … (12 rows)"
