"""Results for an appointment packet: the latest of each lab with its range, flag, the
previous value and the trend; the reason's vitals and exams; result changes since the last
visit. (Wellness trends are in :mod:`rag.tasks.packet_wellness`.)

Series come from the facts store through :mod:`rag.answering.trends` (the same points,
de-duplication and statistics that trend answers use). A result is grouped by its term in
the vocabulary, so two LOINC codes of one test make one series.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from indexes.facts import StoredMeasurement
from rag.answering.planner import TimeWindow
from rag.answering.results import Fact
from rag.answering.sensitive import is_sensitive
from rag.answering.trends import (
    BP_DIASTOLIC,
    BP_SYSTOLIC,
    Point,
    compute_stats,
    dedupe,
    relative_change,
    series_points,
)
from rag.core.terms import vocabulary
from rag.core.text import fold
from rag.tasks.packet import Context, PacketItem, unique
from rag.tasks.packet_words import capital, day, number, percent, w
from rag.tasks.reasons import has_stem

RESULT_YEARS = 2  # results older than this (before the appointment) are not "recent"
TREND_YEARS = 3  # the trend of a result covers this many years
MAX_RESULTS = 14  # results shown, beyond those the reason names
MARKED_PCT = 15.0  # a change of at least this much between visits is "marked"
SKIPPED_CATEGORIES = {"wellness", "survey", "social-history", "exam", "imaging"}


@dataclass
class Series:
    """One result's de-duplicated points up to the appointment day, oldest first."""

    key: str  # the term key, or the LOINC code when the vocabulary lacks it
    name: str
    points: list[Point]
    vital: bool = False

    @property
    def latest(self) -> Point:
        return self.points[-1]

    def before(self, point: Point) -> Point | None:
        older = [p for p in self.points if (p.day or "") < (point.day or "")]
        return older[-1] if older else None

    def code(self) -> str:
        return self.latest.code or self.key


def flag(p: Point) -> str | None:
    """high / low / abnormal / normal from the range, else the interpretation; None when
    neither says."""
    if p.value is not None and p.value2 is None:
        if p.ref_high is not None and p.value > p.ref_high:
            return "high"
        if p.ref_low is not None and p.value < p.ref_low:
            return "low"
    interp = (p.interpretation or "").upper()
    if interp in {"H", "HH", "HU"}:
        return "high"
    if interp in {"L", "LL", "LU"}:
        return "low"
    if interp in {"A", "AA", "POS", "DET"}:
        return "abnormal"
    if p.ref_low is not None or p.ref_high is not None or interp == "N":
        return "normal"
    return None


def value_of(p: Point) -> str:
    if p.value2 is not None and p.value is not None:
        return f"{number(p.value)}/{number(p.value2)} mmHg"
    if p.value is not None:
        return number(p.value, p.unit)
    return p.text or ""


def range_of(p: Point) -> str | None:
    if p.ref_low is not None and p.ref_high is not None:
        return f"{number(p.ref_low)}–{number(p.ref_high, p.unit)}"
    if p.ref_high is not None:
        return f"< {number(p.ref_high, p.unit)}"
    if p.ref_low is not None:
        return f"> {number(p.ref_low, p.unit)}"
    return None


def _name(key: str, display: str, lang: str) -> str:
    term = vocabulary().terms.get(key)
    return term.display(lang) if term else display


def load_series(ctx: Context) -> list[Series]:
    """Every lab and vital-sign series of the vault up to the appointment day."""
    facts = ctx.facts
    codes = [code for code, _, _ in facts.measurement_codes()]
    found = [sm for sm in facts.measurements(codes=codes)
             if (sm.m.category or "laboratory") not in SKIPPED_CATEGORIES]
    records = facts.records_by_chunks(sorted({sm.chunk_id for sm in found}))
    window = TimeWindow(end=(ctx.as_of + dt.timedelta(days=1)).isoformat())
    vocab = vocabulary()
    groups: dict[str, list[StoredMeasurement]] = {}
    display: dict[str, str] = {}
    for sm in found:
        if sm.m.code in (BP_SYSTOLIC, BP_DIASTOLIC):
            key = "blood_pressure"
        elif sm.m.component_of:
            continue
        else:
            term = vocab.by_loinc.get(sm.m.code)
            key = term.key if term else sm.m.code
        if is_sensitive(sm.m.display, sm.m.code) and not ctx.include_sensitive:
            ctx.hidden.add(sm.chunk_id)
            continue
        groups.setdefault(key, []).append(sm)
        display.setdefault(key, sm.m.display)
    out: list[Series] = []
    for key, members in groups.items():
        bp = key == "blood_pressure"
        points = [p for p in dedupe(series_points(members, records, window, bp))
                  if p.day and (p.value is not None or p.text)]
        if not points:
            continue
        term = vocab.terms.get(key)
        vital = bp or bool(term and term.kind == "vital") or (
            (members[0].m.category or "") == "vital-signs")
        out.append(Series(key, _name(key, display[key], ctx.language), points, vital))
    return out


def _years_before(as_of: dt.date, years: int) -> str:
    return (as_of - dt.timedelta(days=round(365.25 * years))).isoformat()


def result_item(series: Series, ctx: Context, relevant: bool) -> PacketItem:
    lang = ctx.language
    p = series.latest
    bits = [f"{capital(series.name)}: {value_of(p)} ({day(p.day, lang)})"]
    rng, fl = range_of(p), flag(p)
    if rng:
        bits.append(w(lang, "range", range=rng))
    if fl and fl != "normal":
        bits.append(w(lang, fl))
    records = [p.record]
    prev = series.before(p)
    direction = None
    if prev is not None:
        bits.append(w(lang, "previous", value=value_of(prev), date=day(prev.day, lang)))
        records.append(prev.record)
    since = _years_before(dt.date.fromisoformat(p.day or ctx.as_of.isoformat()), TREND_YEARS)
    recent = [x for x in series.points if x.value is not None and (x.day or "") >= since]
    stats = compute_stats(recent, ctx.as_of, ctx.as_of, False) if len(recent) >= 2 else None
    if stats is not None and stats.direction is not None:
        direction = stats.direction
        if len(recent) >= 3:
            bits.append(w(lang, "trend", n=len(recent), date=day(recent[0].day, lang),
                          direction=w(lang, direction)))
            records.append(recent[0].record)
        else:
            bits[-1] += f", {w(lang, direction)}"
    return PacketItem(
        "; ".join(bits) + ".", unique(records), "vital" if series.vital else "result",
        p.day, relevant,
        {"code": series.code(), "key": series.key, "name": series.name, "flag": fl,
         "value": value_of(p),
         "range": rng, "direction": direction, "n": len(recent),
         "first": value_of(recent[0]) if recent else None,
         "first_date": recent[0].day if recent else None},
    )


def results_items(ctx: Context, series: list[Series]) -> tuple[list[PacketItem], int]:
    """The results section's items (the reason's results first, then out-of-range ones,
    then the others by name) and how many recent ones were left out."""
    focus = ctx.focus
    vitals = focus.vitals()
    # "Recent" is counted back from the newest result (or the appointment day, if sooner),
    # so records that stopped years ago still show their last values, with their dates.
    newest = max((s.latest.day or "" for s in series), default="") or ctx.as_of.isoformat()
    anchor = min(ctx.as_of, dt.date.fromisoformat(newest[:10]))
    recent_from = _years_before(anchor, RESULT_YEARS)
    old_ok = _years_before(anchor, TREND_YEARS)

    def rank(s: Series) -> int | None:
        if s.vital:
            return 1000 + vitals.index(s.key) if s.key in vitals else None
        codes = [p.code for p in s.points if p.code]
        ranks = [r for r in (focus.lab(c) for c in codes) if r is not None]
        return min(ranks) if ranks else None

    relevant = sorted([s for s in series if rank(s) is not None
                       and (s.latest.day or "") >= old_ok], key=lambda s: rank(s) or 0)
    others = [s for s in series if s not in relevant and not s.vital
              and (s.latest.day or "") >= recent_from]
    others.sort(key=lambda s: (flag(s.latest) in (None, "normal"), fold(s.name)))
    room = max(0, MAX_RESULTS - len(relevant)) if focus.matched else MAX_RESULTS
    items = [result_item(s, ctx, True) for s in relevant]
    items += [result_item(s, ctx, False) for s in others[:room]]
    return items, max(0, len(others) - room)


def exam_items(ctx: Context) -> tuple[list[PacketItem], list[str]]:
    """The reason's exams found in the records (latest of each), and the keys missing."""
    found: list[PacketItem] = []
    missing: list[str] = []
    candidates: list[Fact] = [*ctx.facts_of("procedure"), *ctx.facts_of("report"),
                              *ctx.facts_of("encounter")]
    for exam in ctx.focus.exams():
        hits = [f for f in candidates if has_stem(f.item.name, exam.stems)]
        if not hits:
            missing.append(exam.key)
            continue
        last = max(hits, key=lambda f: (f.date or "", f.chunk_id))
        found.append(PacketItem(
            capital(w(ctx.language, "exam_last", exam=exam.name(ctx.language),
                      date=day(last.date, ctx.language))) + ".",
            (last.record,), "exam", last.date, True, {"exam": exam.key, "name": last.item.name}))
    return found, missing


def result_changes(ctx: Context, series: list[Series]) -> list[PacketItem]:
    """Results that moved out of range, came back within it, or changed markedly between
    the last value before the visit changes are measured from and the latest one since."""
    if ctx.changes_since is None:
        return []
    lang, cut = ctx.language, ctx.changes_since.isoformat()
    items: list[PacketItem] = []
    for s in series:
        now = s.latest
        if not ctx.in_changes(now.day):
            continue
        older = [p for p in s.points if (p.day or "") <= cut]
        if not older:
            continue
        then = older[-1]
        f_now, f_then = flag(now), flag(then)
        kw = {"name": capital(s.name), "value": value_of(now), "date": day(now.day, lang),
              "before": value_of(then), "before_date": day(then.day, lang)}
        if f_now in {"high", "low", "abnormal"} and f_then == "normal":
            text, kind = w(lang, "out_of_range", flag=w(lang, f_now), **kw), "out_of_range"
        elif f_now == "normal" and f_then in {"high", "low", "abnormal"}:
            text, kind = w(lang, "back_in_range", flag=w(lang, f_then), **kw), "back_in_range"
        else:
            pct = (relative_change(now.value, then.value)
                   if now.value is not None and then.value is not None else None)
            if pct is None or abs(pct) < MARKED_PCT:
                continue
            text, kind = w(lang, "marked", pct=percent(pct), **kw), "marked"
        items.append(PacketItem(text + ".", (now.record, then.record), "change", now.day,
                                ctx.focus.lab(s.code()) is not None,
                                {"change": kind, "key": s.key}))
    return items
