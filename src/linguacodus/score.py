"""A metric value that knows its direction, so that comparing scores never needs a sign flip.

``Score(0.31, higher_is_better=False)`` is better than ``Score(0.35, False)``; ``utility``
is the one place the direction is applied (higher utility is always better), and scores of
opposite directions refuse to be compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    value: float
    higher_is_better: bool

    @property
    def utility(self) -> float:
        """The value oriented so that higher is better (for sorting and for gains)."""
        return self.value if self.higher_is_better else -self.value

    def _check(self, other: Score) -> None:
        if other.higher_is_better != self.higher_is_better:
            raise ValueError("scores of metrics with opposite directions can't be compared")

    def better_than(self, other: Score | None, margin: float = 0.0) -> bool:
        """Strictly better than other by more than margin (always better than nothing)."""
        if other is None:
            return True
        self._check(other)
        return self.utility > other.utility + margin

    def gain_over(self, other: Score) -> float:
        """How much better than other (negative: worse), in the metric's units."""
        self._check(other)
        return self.utility - other.utility


def best_of(scores: Iterable[Score]) -> Score | None:
    """The best score, or None where there is none."""
    best = None
    for score in scores:
        if score.better_than(best):
            best = score
    return best
