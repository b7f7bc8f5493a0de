"""What changed since the visit a packet measures from: new or resolved problems,
medications started or stopped, allergies and vaccines recorded. (Result changes are in
:mod:`rag.tasks.packet_results`.)"""

from __future__ import annotations

from typing import Any

from rag.answering.ops_facts import is_active
from rag.tasks.packet import Context, PacketItem, plain_name
from rag.tasks.packet_words import day as say_day
from rag.tasks.packet_words import w


def _end_date(raw: dict[str, Any] | None) -> str | None:
    """When a medication ended, where the resource says so."""
    if not raw:
        return None
    for path in (("effectivePeriod", "end"), ("dispenseRequest", "validityPeriod", "end")):
        node: Any = raw
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, str):
            return node
    return None


def change_items(ctx: Context) -> list[PacketItem]:
    """Problems, medications, allergies and vaccines that changed since the visit before."""
    lang = ctx.language
    out: list[PacketItem] = []
    for f in ctx.facts_of("condition"):
        name = plain_name(f.item.name)
        if is_active(f) and ctx.in_changes(f.date):
            out.append(PacketItem(w(lang, "new_problem", name=name, date=say_day(f.date, lang))
                                  + ".", (f.record,), "change", f.date,
                                  ctx.focus.condition(f.item.name, f.item.code),
                                  {"change": "new_problem", "name": name}))
        abated = f.item.detail.get("abated")
        if not is_active(f) and ctx.in_changes(abated):
            out.append(PacketItem(w(lang, "resolved_problem", name=name,
                                    date=say_day(abated, lang)) + ".", (f.record,), "change",
                                  abated, ctx.focus.condition(f.item.name, f.item.code),
                                  {"change": "resolved_problem", "name": name}))
    for f in ctx.facts_of("medication"):
        relevant = ctx.focus.medication_class(f.item.name) is not None
        if is_active(f) and ctx.in_changes(f.date):
            out.append(PacketItem(w(lang, "med_started", name=f.item.name,
                                    date=say_day(f.date, lang)) + ".", (f.record,), "change",
                                  f.date, relevant, {"change": "medication_started",
                                                     "name": f.item.name}))
        elif not is_active(f) and (ctx.in_changes(_end_date(f.record.raw))
                                   or (_end_date(f.record.raw) is None and ctx.in_changes(f.date))):
            out.append(PacketItem(w(lang, "med_stopped", name=f.item.name,
                                    date=say_day(f.date, lang)) + ".", (f.record,), "change",
                                  f.date, relevant, {"change": "medication_stopped",
                                                     "name": f.item.name}))
    for f in ctx.facts_of("allergy"):
        if is_active(f) and ctx.in_changes(f.date):
            out.append(PacketItem(w(lang, "new_allergy", name=f.item.name,
                                    date=say_day(f.date, lang)) + ".", (f.record,), "change",
                                  f.date, False, {"change": "allergy_recorded"}))
    for f in ctx.facts_of("immunization"):
        if ctx.in_changes(f.date):
            out.append(PacketItem(w(lang, "vaccine_given", name=f.item.name,
                                    date=say_day(f.date, lang)) + ".", (f.record,), "change",
                                  f.date, False, {"change": "vaccine_given"}))
    return out
