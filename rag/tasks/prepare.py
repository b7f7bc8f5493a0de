"""Prepare for an appointment: a cited packet of what the person's records hold.

The packet (``../shared/contract.md``, "Appointment preparation") is computed from the
facts store as of the appointment day, never from retrieved prose:

- **problems**: active conditions with their onset (never resolved ones);
- **medications**: active ones with their dose text;
- **allergies**: active ones with reaction, severity and criticality;
- **results**: the latest of each recent lab (and the reason's vitals and exams) with its
  range, flag, previous value and trend (:mod:`rag.tasks.packet_results`);
- **changes**: what changed since the visit before the last one (so the last visit's own
  results count): new or resolved problems, medications started or stopped, allergies
  and vaccines recorded, results that left or re-entered their range or moved by 15 % or
  more. Without two visits, since the only one; without any, over the last year;
- **immunizations**: doses in the last year and those that may be due (:mod:`vaccines`);
- **visits**: the visits since that same visit, newest first;
- **wellness**: weight, blood pressure, sleep and steps where the data exists.

The reason (``data/reasons.yaml``) puts its sections, results, problems and medications
first. Sensitive categories (:mod:`rag.answering.sensitive`) are left out, and counted,
unless the person includes them. Every item cites its records; the packet carries the
same :class:`~rag.core.types.Citation` objects answers use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from indexes.facts import StoredRecord
from indexes.vaults import Vault
from rag.answering.citations import CitationBuilder
from rag.answering.ops_facts import day
from rag.answering.results import Fact
from rag.core.errors import InvalidContent, NotFound
from rag.tasks import packet_results as res
from rag.tasks import packet_wellness
from rag.tasks.packet import Context, PacketItem, Section, order_sections, plain_name
from rag.tasks.packet_changes import change_items
from rag.tasks.packet_words import capital, code_word, title, w
from rag.tasks.packet_words import day as say_day
from rag.tasks.questions import generate
from rag.tasks.reasons import Focus, match_reason
from rag.tasks.vaccines import due_groups, immunization_items

FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
MAX_VISITS = 8


def _key(f: Fact) -> tuple[str, str]:
    return (f.date or "", f.chunk_id)


def _records(group: list[Fact]) -> tuple[StoredRecord, ...]:
    return tuple(f.record for f in group)


def problem_items(ctx: Context) -> list[PacketItem]:
    lang, focus = ctx.language, ctx.focus
    items = []
    for group in ctx.active("condition"):
        f = group[0]
        name = plain_name(f.item.name)
        when = w(lang, "since", date=say_day(f.date, lang)) if f.date else w(lang, "onset_unknown")
        items.append(PacketItem(f"{capital(name)}, {when}.", _records(group), "condition", f.date,
                                focus.condition(f.item.name, f.item.code),
                                {"name": name, "code": f.item.code,
                                 "finding": "(finding)" in f.item.name.lower()}))
    items.sort(key=lambda i: (i.date or ""), reverse=True)
    items.sort(key=lambda i: (not i.relevant, bool(i.extra["finding"])))
    return items


def medication_items(ctx: Context) -> list[PacketItem]:
    lang, focus = ctx.language, ctx.focus
    items = []
    for group in ctx.active("medication"):
        f = group[0]
        dose = f.item.detail.get("dosage") or w(lang, "dose_missing")
        bits = [capital(f.item.name), str(dose).rstrip(".")]
        if f.date:
            bits.append(w(lang, "started", date=say_day(f.date, lang)))
        cls = focus.medication_class(f.item.name)
        items.append(PacketItem(" — ".join(bits[:2]) + (f" ({bits[2]})" if len(bits) > 2 else "")
                                + ".", _records(group), "medication", f.date, cls is not None,
                                {"name": f.item.name, "class": cls, "dose": f.item.detail.get(
                                    "dosage")}))
    items.sort(key=lambda i: (i.date or ""), reverse=True)
    items.sort(key=lambda i: not i.relevant)
    return items


def allergy_items(ctx: Context) -> list[PacketItem]:
    lang = ctx.language
    items = []
    for group in sorted(ctx.active("allergy"), key=lambda g: _key(g[0]), reverse=True):
        f = group[0]
        d = f.item.detail
        bits = [capital(f.item.name)]
        reactions = ", ".join(plain_name(str(r)) for r in d.get("reactions") or [])
        if reactions:
            sev = f" ({code_word(lang, str(d['severity']))})" if d.get("severity") else ""
            bits.append(w(lang, "reaction", what=reactions + sev))
        if d.get("criticality"):
            bits.append(w(lang, "criticality", what=code_word(lang, str(d["criticality"]))))
        if f.date:
            bits.append(w(lang, "recorded", date=say_day(f.date, lang)))
        items.append(PacketItem("; ".join(bits) + ".", _records(group), "allergy", f.date,
                                ctx.focus.matched and "allergy" in [s.key for s in ctx.focus.specs],
                                {"name": f.item.name, "severity": d.get("severity"),
                                 "criticality": d.get("criticality")}))
    return items


def visit_items(ctx: Context) -> list[PacketItem]:
    lang = ctx.language
    since = ctx.changes_since
    chosen = [f for f in ctx.facts_of("encounter")
              if (when := day(f.date)) is not None and (since is None or when >= since)]
    items = []
    for f in sorted(chosen, key=_key, reverse=True)[:MAX_VISITS]:
        d = f.item.detail
        kind = plain_name(str(d.get("type") or f.item.name or w(lang, "unknown_visit")))
        text = w(lang, "visit", date=say_day(f.date, lang), kind=kind)
        reasons = ", ".join(plain_name(str(r)) for r in d.get("reasons") or [])
        if reasons:
            text += f"; {w(lang, 'visit_reason', what=reasons)}"
        who = ", ".join(str(p) for p in d.get("practitioners") or [])
        place = d.get("organization") or d.get("location")
        if who or place:
            text += "; " + w(lang, "visit_with", who=" — ".join(str(x) for x in (who, place) if x))
        items.append(PacketItem(text + ".", (f.record,), "visit", f.date,
                                ctx.focus.condition(reasons, None) if reasons else False,
                                {"kind": kind, "reasons": d.get("reasons") or []}))
    return items


def _patient(ctx: Context) -> Fact | None:
    found = ctx.facts.items("patient")
    if not found:
        return None
    si = found[-1]
    rec = ctx.facts.records_by_chunks([si.chunk_id]).get(si.chunk_id)
    return Fact(si.item, rec) if rec else None


def _visit_days(ctx: Context) -> list[dt.date]:
    return sorted({when for f in ctx.facts_of("encounter") if (when := day(f.date)) is not None})


def check_date(date: dt.date | None) -> None:
    if date is not None and not FIRST_DAY <= date <= LAST_DAY:
        raise InvalidContent(f"the date must be between {FIRST_DAY} and {LAST_DAY}",
                             code="invalid_date")


def _notes(ctx: Context, today: dt.date, more_results: int) -> list[str]:
    lang, focus = ctx.language, ctx.focus
    notes: list[str] = []
    if ctx.as_of < today:
        notes.append(w(lang, "note_past", date=say_day(ctx.as_of.isoformat(), lang)))
    if focus.reason and not focus.matched:
        notes.append(w(lang, "note_no_reason", reason=focus.reason[:200]))
    elif focus.matched:
        notes.append(w(lang, "note_focus", titles=", ".join(focus.titles())))
    if ctx.hidden:
        notes.append(w(lang, "note_hidden", n=len(ctx.hidden)))
    if more_results:
        notes.append(w(lang, "note_more_results", n=more_results))
    return notes


def build_sections(vault: Vault, ctx: Context, today: dt.date
                   ) -> tuple[list[Section], list[Any], Fact | None, list[str]]:
    lang = ctx.language
    days = _visit_days(ctx)
    ctx.last_visit = days[-1] if days else None
    ctx.changes_since = (days[-2] if len(days) >= 2 else days[-1] if days
                         else ctx.as_of - dt.timedelta(days=365))
    since = say_day(ctx.changes_since.isoformat(), lang)
    series = res.load_series(ctx)
    results, more = res.results_items(ctx, series)
    exams, missing = res.exam_items(ctx)
    n_rel = sum(1 for i in results if i.relevant)
    patient = _patient(ctx)
    due = due_groups(ctx, patient)
    sections = {
        "problems": Section("problems", title(lang, "problems"), problem_items(ctx)),
        "medications": Section("medications", title(lang, "medications"),
                               medication_items(ctx)),
        "allergies": Section("allergies", title(lang, "allergies"), allergy_items(ctx)),
        "results": Section("results", title(lang, "results"),
                           [*results[:n_rel], *exams, *results[n_rel:]]),
        "changes": Section("changes", title(lang, "changes", since=since),
                           sorted([*change_items(ctx), *res.result_changes(ctx, series)],
                                  key=lambda i: not i.relevant)),
        "immunizations": Section("immunizations", title(lang, "immunizations"),
                                 immunization_items(ctx, due)),
        "visits": Section("visits", title(lang, "visits", since=since) if days
                          else title(lang, "visits_none"), visit_items(ctx)),
        "wellness": Section("wellness", title(lang, "wellness"),
                            packet_wellness.wellness_items(vault, ctx)),
    }
    questions = generate(ctx, sections, due, missing)
    notes = _notes(ctx, today, more)
    return order_sections(sections, ctx.focus), questions, patient, notes


def prepare_packet(vault: Vault, *, reason: str | None = None, date: dt.date | None = None,
                   today: dt.date | None = None, default_language: str = "en",
                   include_sensitive: bool = False, extra_questions: Sequence[str] = (),
                   public_url: str = "") -> dict[str, Any]:
    """The packet as JSON (without an id: the caller keeps it or not)."""
    check_date(date)
    if not vault.exists or vault.facts.count("records") == 0:
        raise NotFound("there are no records in this vault: ingest some first",
                       code="no_records")
    today = today or dt.date.today()
    as_of = date or today
    focus: Focus = match_reason(reason, default_language)
    ctx = Context(vault.facts, as_of, focus, focus.language, include_sensitive)
    sections, questions, patient, notes = build_sections(vault, ctx, today)
    cites = CitationBuilder(public_url)

    def marks(records: Sequence[Any]) -> list[int]:
        return list(dict.fromkeys(cites.record(r) for r in records))

    patient_json = None
    if patient is not None:
        patient_json = {"name": patient.item.name, "birth_date": patient.item.date,
                        "gender": patient.item.detail.get("gender"),
                        "citations": [patient.record.resource_id or patient.chunk_id],
                        "markers": marks([patient.record])}
    out_sections = []
    dates: list[str] = []
    for section in sections:
        items = []
        for item in section.items:
            items.append({"text": item.text, "citations": item.resource_ids(),
                          "markers": marks(item.records), "kind": item.kind,
                          "date": item.date[:10] if item.date else None,
                          "relevant": item.relevant,
                          **{k: v for k, v in item.extra.items() if k in _EXTRA}})
            dates.extend(r for r in (item.date,) if r)
        out_sections.append({"code": section.code, "title": section.title, "items": items})
    extra = [s.strip() for s in extra_questions if s.strip()]
    question_items = [{"text": qn.text, "citations": _ids(qn.records),
                       "markers": marks(qn.records), "kind": qn.kind} for qn in questions]
    question_items += [person_question(s) for s in extra]
    return {
        "reason": reason, "date": as_of.isoformat(),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "language": ctx.language, "focus": [s.key for s in focus.specs],
        "patient": patient_json,
        "period": {"from": min(dates)[:10] if dates else None, "to": as_of.isoformat()},
        "last_visit": ctx.last_visit.isoformat() if ctx.last_visit else None,
        "changes_since": ctx.changes_since.isoformat() if ctx.changes_since else None,
        "include_sensitive": include_sensitive, "hidden_sensitive": len(ctx.hidden),
        "sections": out_sections,
        "questions": [qi["text"] for qi in question_items],
        "question_items": question_items,
        "notes": notes,
        "citations": [c.model_dump(mode="json") for c in cites.citations],
    }


_EXTRA = {"code", "flag", "value", "range", "direction", "status", "group", "change", "class",
          "dose", "severity", "criticality", "metric", "exam"}


def _ids(records: Sequence[Any]) -> list[str]:
    return list(dict.fromkeys(r.resource_id or r.chunk_id for r in records))


def person_question(text: str) -> dict[str, Any]:
    """A question the person wrote, as written (with a final "?" when it lacks one)."""
    text = text.strip()
    if not text.endswith("?"):
        text = text.rstrip(".!") + "?"
    return {"text": text, "citations": [], "markers": [], "kind": "person"}
