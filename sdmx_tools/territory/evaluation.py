"""Precision and recall of name matching on generated corruptions of official names.

Corruptions: a typo, a dropped or swapped letter, a dropped word; or a wrong state or no
state, given with a name corrupted in one of those ways. Every corrupted name differs
from the official one once normalised (a typo that puts back the same letter, a swap of
two equal letters or a word dropped from a one-word name is drawn again), so no case is
the official name in disguise. A corruption that is itself the official name of another municipality
in the given state (dropping "Tlapacoyan" from "Santa Ana Tlapacoyan" gives the real
"Santa Ana"), or a wrong state that has a municipality with the true name, is no longer a
corruption: no matcher can tell, so it is left out of the evaluation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sdmx_tools.territory import AreaCodelist, AreaMatch, normalise_name

__all__ = ["KINDS", "LETTER_KINDS", "Case", "Evaluation", "corrupted_names", "evaluate"]

KINDS = ("typo", "drop-letter", "swap-letters", "drop-word", "wrong-state", "no-state")
LETTER_KINDS = KINDS[:4]  # the name corruptions; the other kinds add one to a wrong/no state


@dataclass(frozen=True, slots=True)
class Case:
    """One corrupted name, the state given with it, and the true code."""

    name: str
    state: str | None
    truth: str
    kind: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Each case with its match; counts of right and wrong automatic matches, reviews, misses."""

    cases: list[Case]
    matches: list[AreaMatch]

    @property
    def right(self) -> int:
        """Cases matched automatically to their true code."""
        return sum(m.status == "matched" and m.code == c.truth
                   for c, m in zip(self.cases, self.matches, strict=True))

    @property
    def wrong(self) -> list[tuple[Case, str]]:
        """Cases matched automatically to another code, with that code."""
        return [(c, str(m.code)) for c, m in zip(self.cases, self.matches, strict=True)
                if m.status == "matched" and m.code != c.truth]

    @property
    def review(self) -> int:
        """Cases sent to review."""
        return sum(m.status == "review" for m in self.matches)

    @property
    def unmatched(self) -> int:
        """Cases left unmatched."""
        return sum(m.status == "unmatched" for m in self.matches)

    @property
    def precision(self) -> float:
        """Share of automatic matches that are right (1.0 when there are none)."""
        matched = self.right + len(self.wrong)
        return self.right / matched if matched else 1.0

    @property
    def recall(self) -> float:
        """Share of cases matched automatically and rightly."""
        return self.right / len(self.cases) if self.cases else 0.0

    def of_kind(self, kind: str) -> Evaluation:
        """The evaluation of the cases of one corruption kind."""
        pairs = [(c, m) for c, m in zip(self.cases, self.matches, strict=True) if c.kind == kind]
        return Evaluation([c for c, _ in pairs], [m for _, m in pairs])


_ATTEMPTS = 20


def _corrupt(name: str, kind: str, rng: random.Random) -> str | None:
    """``name`` corrupted the ``kind`` way, or None when no draw changes its normal form."""
    official = normalise_name(name)
    for _ in range(_ATTEMPTS):
        corrupted = _corrupt_once(name, kind, rng)
        if corrupted is not None and normalise_name(corrupted) != official:
            return corrupted
    return None


def _corrupt_once(name: str, kind: str, rng: random.Random) -> str | None:
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
        if len(words) < 2:
            return None
        del words[rng.randrange(len(words))]
        return " ".join(words)
    raise ValueError(f"not a name corruption: {kind!r}")


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
        name = _corrupt(true_name, kind if kind in LETTER_KINDS else rng.choice(LETTER_KINDS),
                        rng)
        if name is None:
            continue
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
    """Match every case (see :class:`Evaluation` for the counts)."""
    return Evaluation(list(cases),
                      areas.match_names([c.name for c in cases], [c.state for c in cases]))
