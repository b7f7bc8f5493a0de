"""A trend as a PNG a person would want to look at (matplotlib, Agg).

Thread-safe by construction: each call builds its own :class:`matplotlib.figure.Figure`
with an Agg canvas and styles every artist explicitly; pyplot and ``rcParams`` (global
state shared by every thread) are never touched.

Daily series show each day as a dot and the 7-day rolling mean as a line; sparse series
(labs, clinic vitals) show each result joined by a line, with the reference range as a
band when the results carry one. The lowest and highest values are annotated.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.answering.trends import TrendResult, rolling_mean
from rag.core.errors import ConfigError
from rag.core.types import human_number

if TYPE_CHECKING:
    from matplotlib.axes import Axes

INK = "#1f2933"
MUTED = "#7b8794"
ACCENT = "#2f6fdf"
SECOND = "#d9480f"
BAND = "#2b8a3e"


def _unit(result: TrendResult) -> str:
    if result.metric is not None:
        return result.metric.unit_text
    unit = (result.unit or "").replace("mm[Hg]", "mmHg").replace("{", "").replace("}", "")
    return unit


def _day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso[:10])


def _x(days: Sequence[dt.date]) -> list[float]:
    """Dates as matplotlib's axis numbers (the Agg canvas plots floats)."""
    import matplotlib.dates as mdates

    return [float(v) for v in mdates.date2num(list(days))]  # type: ignore[no-untyped-call]


def _title(result: TrendResult) -> str:
    name = result.term.display_en
    name = name[:1].upper() + name[1:]
    if result.start is None or result.end is None:
        return name
    return f"{name}, {_human(result.start)} to {_human(result.end)}"


def _human(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _subtitle(result: TrendResult) -> str:
    stats = result.stats
    if stats is None:
        return ""
    unit = _unit(result)
    parts = [f"{stats.n} {'days' if result.daily else 'values'}",
             f"mean {human_number(stats.mean)} {unit}".strip()]
    if result.stats2 is not None:
        mean2 = human_number(result.stats2.mean)
        parts[1] = f"mean {human_number(stats.mean)}/{mean2} {unit}".strip()
    if stats.slope is not None and stats.direction is not None:
        parts.append(f"trend {stats.slope.value:+.2g} {unit}/{stats.slope.per} "
                     f"({stats.direction})")
    return "  ·  ".join(parts)


def _style(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    ax.tick_params(colors=INK, labelsize=9)
    ax.grid(axis="y", color="#e4e7eb", linewidth=0.8)
    ax.set_axisbelow(True)


def _annotate(ax: Axes, day: dt.date, value: float, label: str, below: bool,
              where: float) -> None:
    """``where``: the day's place along the period (0..1), so edge labels stay inside."""
    x = _x([day])[0]
    ha = "left" if where < 0.1 else "right" if where > 0.9 else "center"
    ax.annotate(f"{label} {human_number(value)}\n{_human(day)}", xy=(x, value),
                xytext=(0, -26 if below else 14), textcoords="offset points", ha=ha,
                fontsize=8, color=INK,
                arrowprops={"arrowstyle": "-", "color": MUTED, "linewidth": 0.8})


def _reference_band(ax: Axes, result: TrendResult) -> None:
    ranges = Counter((p.ref_low, p.ref_high) for p in result.points
                     if p.ref_low is not None and p.ref_high is not None)
    if not ranges:
        return
    (low, high), _ = ranges.most_common(1)[0]
    assert low is not None and high is not None
    ax.axhspan(low, high, color=BAND, alpha=0.10, linewidth=0,
               label=f"reference range {low:g}–{high:g}")


def render_png(result: TrendResult, *, width: float = 9.0, height: float = 4.8,
               dpi: int = 110) -> bytes:
    """The chart of ``result`` as PNG bytes; a period without data draws a message."""
    try:
        import matplotlib.dates as mdates
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:  # an optional dependency: say what to install
        raise ConfigError("trend charts need matplotlib: pip install 'matplotlib>=3.8'") from exc
    fig = Figure(figsize=(width, height), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    _style(ax)
    fig.suptitle(_title(result), x=0.06, ha="left", fontsize=13, color=INK, fontweight="bold")
    ax.set_title(_subtitle(result), loc="left", fontsize=9, color=MUTED)
    unit = _unit(result)
    dated = [(_day(p.day), p.value, p.value2) for p in result.points
             if p.day and p.value is not None]
    if not dated:
        ax.text(0.5, 0.5, "No data in this period", transform=ax.transAxes, ha="center",
                va="center", fontsize=12, color=MUTED)
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        days = _x([d for d, _, _ in dated])
        values = [v for _, v, _ in dated]
        label = "systolic" if result.stats2 is not None else result.term.display_en
        if result.daily:
            ax.scatter(days, values, s=10, color=ACCENT, alpha=0.45, linewidths=0,
                       label=f"daily {label}")
            rolling = rolling_mean(result.points)
            if rolling:
                ax.plot(_x([d for d, _ in rolling]), [v for _, v in rolling],
                        color=ACCENT,
                        linewidth=2.2, label="7-day mean")
        else:
            _reference_band(ax, result)
            ax.plot(days, values, color=ACCENT, linewidth=1.6, marker="o", markersize=5,
                    label=label)
        if result.stats2 is not None:
            lows = [(d, v2) for d, _, v2 in dated if v2 is not None]
            ax.plot(_x([d for d, _ in lows]), [v for _, v in lows], color=SECOND,
                    linewidth=1.6,
                    marker="o" if not result.daily else None, markersize=4, label="diastolic")
        stats = result.stats
        if stats is not None and stats.n > 1:
            first, span = days[0], max(days[-1] - days[0], 1.0)
            for sp, label, below in ((stats.max, "max", False), (stats.min, "min", True)):
                day = _day(sp.date)
                _annotate(ax, day, sp.value, label, below, (_x([day])[0] - first) / span)
        # matplotlib.dates ships these two without annotations
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
        formatter = mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(formatter)
        if result.start is not None and result.end is not None:
            pad = dt.timedelta(days=max(1, (result.end - result.start).days // 40))
            lo, hi = _x([result.start - pad, result.end + pad])
            ax.set_xlim(lo, hi)
        ax.margins(y=0.18)
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False,
                  ncols=3, borderaxespad=0.2)
    ax.set_ylabel(unit, color=INK, fontsize=10)
    fig.subplots_adjust(left=0.09, right=0.97, top=0.84, bottom=0.12)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white")
    return buf.getvalue()


__all__ = ["render_png"]
