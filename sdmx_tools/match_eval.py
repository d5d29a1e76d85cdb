"""Precision and recall of name matching on generated corruptions of official names.

Corruptions: a typo, a dropped or swapped letter, a dropped word, a wrong state, a name
without its state. A corruption that is itself the official name of another municipality
in the given state (dropping "Tlapacoyan" from "Santa Ana Tlapacoyan" gives the real
"Santa Ana"), or a wrong state that has a municipality with the true name, is no longer a
corruption: no matcher can tell, so it is left out of the evaluation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sdmx_tools.territory import AreaCodelist, normalise_name

__all__ = ["Case", "Evaluation", "corrupted_names", "evaluate"]

KINDS = ("typo", "drop-letter", "swap-letters", "drop-word", "wrong-state", "no-state")


@dataclass(frozen=True, slots=True)
class Case:
    """One corrupted name, the state given with it, and the true code."""

    name: str
    state: str | None
    truth: str
    kind: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Counts over the cases: right and wrong automatic matches, reviews, misses."""

    cases: int
    right: int
    wrong: list[tuple[Case, str]]
    review: int
    unmatched: int

    @property
    def precision(self) -> float:
        """Share of automatic matches that are right (1.0 when there are none)."""
        matched = self.right + len(self.wrong)
        return self.right / matched if matched else 1.0

    @property
    def recall(self) -> float:
        """Share of cases matched automatically and rightly."""
        return self.right / self.cases if self.cases else 0.0


def _corrupt(name: str, kind: str, rng: random.Random) -> str:
    if kind == "typo":
        i = rng.randrange(len(name))
        return name[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + name[i + 1:]
    if kind == "drop-letter":
        i = rng.randrange(len(name))
        return name[:i] + name[i + 1:]
    if kind == "swap-letters":
        i = rng.randrange(len(name) - 1)
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    if kind == "drop-word":
        words = name.split()
        if len(words) > 2:
            del words[rng.randrange(len(words))]
        return " ".join(words)
    return name


def corrupted_names(areas: AreaCodelist, n: int, seed: int = 2024) -> list[Case]:
    """``n`` fair corrupted municipality names (see the module docstring), deterministic."""
    rng = random.Random(seed)
    munis = areas.municipalities()
    states = areas.states()
    official: dict[tuple[str, str], set[str]] = {}
    for code in munis:
        for scope in (code[:2], ""):  # "" = anywhere, for names given without a state
            official.setdefault((scope, normalise_name(areas.name(code))), set()).add(code)
    cases: list[Case] = []
    while len(cases) < n:
        code = rng.choice(munis)
        kind = rng.choice(KINDS)
        true_name = areas.name(code)
        name = _corrupt(true_name, rng.choice(KINDS[:4]) if kind in KINDS[4:] else kind, rng)
        state: str | None = code[:2]
        if kind == "wrong-state":
            state = rng.choice([s for s in states if s != code[:2]])
        elif kind == "no-state":
            state = None
        scope = state or ""
        look = official.get((scope, normalise_name(name)), set())
        if state:
            look |= official.get((scope, normalise_name(true_name)), set())
        if look - {code}:
            continue
        cases.append(Case(name=name, state=state, truth=code, kind=kind))
    return cases


def evaluate(areas: AreaCodelist, cases: list[Case]) -> Evaluation:
    """Match every case and count right, wrong, review and unmatched."""
    results = areas.match_names([c.name for c in cases], [c.state for c in cases])
    wrong = [(c, str(r.code)) for c, r in zip(cases, results, strict=True)
             if r.status == "matched" and r.code != c.truth]
    return Evaluation(
        cases=len(cases),
        right=sum(r.status == "matched" and r.code == c.truth
                  for c, r in zip(cases, results, strict=True)),
        wrong=wrong,
        review=sum(r.status == "review" for r in results),
        unmatched=sum(r.status == "unmatched" for r in results),
    )
