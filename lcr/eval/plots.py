"""Per-query win/loss plots: where a system beats a baseline, query by query.

A mean hides whether a gain comes from many queries or a few; the sorted per-query difference shows
it. Figures are drawn with matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

TIE = 1e-9  # differences within this count as ties


@dataclass(frozen=True)
class WinLoss:
    """Queries where the system scores above / equal to / below the baseline."""

    wins: int
    ties: int
    losses: int

    def __str__(self) -> str:
        return f"{self.wins} wins / {self.ties} ties / {self.losses} losses"


def per_query_differences(system: Mapping[str, float], baseline: Mapping[str, float]) -> dict[str, float]:
    """``system - baseline`` for every query scored by both, largest first."""
    shared = [q for q in system if q in baseline]
    diffs = {q: system[q] - baseline[q] for q in shared}
    return dict(sorted(diffs.items(), key=lambda kv: -kv[1]))


def count_win_loss(differences: Mapping[str, float]) -> WinLoss:
    values = list(differences.values())
    wins = sum(d > TIE for d in values)
    losses = sum(d < -TIE for d in values)
    return WinLoss(wins, len(values) - wins - losses, losses)


def plot_win_loss(
    system: Mapping[str, float], baseline: Mapping[str, float], out: Path, title: str, metric: str = "AP"
) -> WinLoss:
    """Bar chart of the sorted per-query ``metric`` difference (green: win, red: loss), with the
    counts in the title; written to ``out`` as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    diffs = per_query_differences(system, baseline)
    counts = count_win_loss(diffs)
    values = list(diffs.values())
    colours = ["tab:green" if d > TIE else "tab:red" if d < -TIE else "tab:gray" for d in values]
    fig, ax = plt.subplots(figsize=(10, 3.6))
    try:
        ax.bar(range(len(values)), values, color=colours, width=0.9)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xlim(-1, max(len(values), 1))
        ax.set_xticks([])
        ax.set_xlabel(f"{len(values)} queries, sorted by difference")
        ax.set_ylabel(f"Δ {metric}")
        ax.set_title(f"{title}\n{counts}", fontsize=10)
        fig.tight_layout()
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=100, format="png")
    finally:
        plt.close(fig)
    logger.info("wrote %s (%s)", out, counts)
    return counts
