"""Precision before recall: no generated corruption is ever auto-matched to a wrong code."""

from __future__ import annotations

from sdmx_tools.match_eval import KINDS, corrupted_names, evaluate
from sdmx_tools.territory import load_areas


def test_no_wrong_automatic_match_on_corrupted_names() -> None:
    areas = load_areas()
    cases = corrupted_names(areas, 3000)
    assert len(cases) == 3000 and {c.kind for c in cases} == set(KINDS)
    result = evaluate(areas, cases)
    assert result.wrong == [], result.wrong[:5]
    assert result.precision == 1.0
    # Recall floor: a matcher that sends everything to review would pass precision.
    assert result.recall > 0.35, result
    assert result.right + result.review + result.unmatched == result.cases
