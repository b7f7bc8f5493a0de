"""Wellness trends for an appointment packet: weight, blood pressure, sleep and steps
over the last months, where the data exists, from the same trend computation that trend
answers use (:mod:`rag.answering.trends`)."""

from __future__ import annotations

import datetime as dt

from indexes.vaults import Vault
from rag.answering.planner import TimeWindow
from rag.answering.trends import TrendResult, resolve_metric, trend
from rag.core.terms import vocabulary
from rag.tasks.packet import Context, PacketItem, unique
from rag.tasks.packet_results import value_of
from rag.tasks.packet_words import capital, day, number, percent, w

WELLNESS_TERMS = {"weight": "weight", "blood_pressure": "blood_pressure",
                  "sleep": "sleep_total", "steps": "step_count",
                  "resting_heart_rate": "resting_heart_rate"}
DEFAULT_WELLNESS = ("weight", "blood_pressure", "sleep", "steps")


def _wellness_trend(vault: Vault, key: str, as_of: dt.date) -> TrendResult:
    """The last 12 months (sparse readings) or 90 days (daily data) up to the newest value
    on or before the appointment day."""
    term = resolve_metric(WELLNESS_TERMS[key], vocabulary())
    every = trend(vault, term, TimeWindow(end=(as_of + dt.timedelta(days=1)).isoformat()),
                  today=as_of)
    if not every.points or every.points[-1].day is None:
        return every
    last = dt.date.fromisoformat(every.points[-1].day)
    days = 90 if every.daily else 365
    return trend(vault, term, TimeWindow(start=(last - dt.timedelta(days=days - 1)).isoformat(),
                                         end=(last + dt.timedelta(days=1)).isoformat()),
                 today=last)


def wellness_items(vault: Vault, ctx: Context) -> list[PacketItem]:
    """Weight, blood pressure, sleep and steps over the last months, where data exists."""
    lang = ctx.language
    keys = [*ctx.focus.wellness(), *(k for k in DEFAULT_WELLNESS if k not in ctx.focus.wellness())]
    items: list[PacketItem] = []
    for key in keys:
        result = _wellness_trend(vault, key, ctx.as_of)
        st = result.stats
        if st is None or not result.points:
            continue
        name = capital(result.term.display(lang))
        unit = result.metric.unit_text if result.metric else result.unit
        if result.daily:
            text = w(lang, "wellness_daily", name=name, mean=number(st.mean), unit=unit or "",
                     n=st.n, start=day(st.first.date, lang), end=day(st.last.date, lang))
            pct = result.comparison_pct
            if pct is not None and result.previous is not None:
                text += ", " + w(lang, "wellness_prev", direction=w(
                    lang, "stable" if abs(pct) < 2 else "up" if pct > 0 else "down"),
                    pct=percent(pct), n=(st.end - st.start).days + 1)
        elif len(result.points) == 1:
            p = result.points[0]
            text = w(lang, "wellness_one", name=name, last=value_of(p),
                     last_date=day(p.day, lang))
        else:
            first, last = result.points[0], result.points[-1]
            text = w(lang, "wellness_sparse", name=name, last=value_of(last),
                     last_date=day(last.day, lang), first=value_of(first),
                     first_date=day(first.day, lang), n=len(result.points),
                     direction=w(lang, st.direction or "stable"))
        records = unique([r for p in result.points for r in p.records])
        items.append(PacketItem(text + ".", records, "wellness", st.last.date,
                                key in ctx.focus.wellness(),
                                {"metric": key, "name": result.term.display(lang),
                                 "direction": st.direction,
                                 "first": value_of(result.points[0]),
                                 "first_date": result.points[0].day,
                                 "value": value_of(result.points[-1]),
                                 "daily": result.daily}))
    return items
