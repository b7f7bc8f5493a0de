"""Small charts for the eval reports (matplotlib, Agg canvas, no pyplot state)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def bar_chart(path: Path, title: str, labels: Sequence[str], values: Sequence[float], *,
              xlabel: str, reference: float | None = None, reference_label: str = "",
              xmax: float | None = None) -> Path:
    """Horizontal bars, one per label, with an optional vertical reference line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 0.45 * len(labels) + 1.6))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ys = list(range(len(labels)))
    ax.barh(ys, values, color="#4c78a8")
    ax.set_yticks(ys, labels=list(labels))
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=11)
    if xmax is not None:
        ax.set_xlim(0, xmax)
    if reference is not None:
        ax.axvline(reference, color="#e45756", linestyle="--", linewidth=1.2,
                   label=reference_label or None)
        if reference_label:
            ax.legend(loc="lower right", frameon=False)
    for y, v in zip(ys, values, strict=True):
        ax.text(v, y, f" {v:,.0f}" if abs(v) >= 100 else f" {v:.3g}", va="center", fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def line_chart(path: Path, title: str, xs: Sequence[float], series: dict[str, Sequence[float]],
               *, xlabel: str, ylabel: str, logx: bool = False) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for name, ys in series.items():
        ax.plot(list(xs), list(ys), marker="o", label=name)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.set_title(title, loc="left", fontsize=11)
    ax.legend(frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path
