"""The claim-line model: one line per billed service, with its date, category and money.

Lines come from the ExplanationOfBenefit resources kept in the person's facts store (the
``raw`` JSON of each ``eob`` record), and from Claim resources that no EOB adjudicates.
The rules are those of ``shared/contract.md`` ("Insurance"):

- a **counted line** is an EOB ``item`` with an allowed amount (CARIN ``eligible`` or Blue
  Button ``line_alowd_chrg_amt``); other lines, and Claim lines, are kept as
  *unadjudicated* (billed only) and never enter a sum or a replay;
- its **date** is ``item.servicedPeriod.start`` (or ``servicedDate``), else the EOB's
  ``billablePeriod.start``;
- **billed** is the submitted amount, **plan paid** the payment to the provider, the
  **member share** its deductible, coinsurance and copay.

The adjudication codes are the ones ingest reads (:mod:`ingest.fhir_refs`: ``SUBMITTED``,
``ALLOWED``, ``MEMBER``, ``PLAN``); a test holds the two readings equal. Where a resource
carries one amount under both a CARIN and a Blue Button code (two adjudications), it is
counted once: the first code of each ``*_ORDER`` list that is present wins.

The **category** comes from the mapping table ``data/claim_categories.yaml`` (codes, then
words of the service, claim type, encounter type and class, place of service).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from indexes.facts import FactsStore, StoredRecord
from ingest.fhir_refs import ALLOWED, MEMBER, PLAN, SUBMITTED
from rag.tasks.claim_categories import CategoryTable, category_table

Json = dict[str, Any]

# One bucket, several codes for the same amount: the first present counts (CARIN first).
SUBMITTED_ORDER = ("submitted", "line_sbmtd_chrg_amt")
ALLOWED_ORDER = ("eligible", "line_alowd_chrg_amt")
PLAN_ORDER = ("paidtoprovider", "line_prvdr_pmt_amt", "benefit")
MEMBER_ORDER: dict[str, tuple[str, ...]] = {
    "deductible": ("deductible", "line_bene_ptb_ddctbl_amt"),
    "coinsurance": ("coinsurance", "line_coinsrnc_amt"),
    "copay": ("copay",),
}
#: The adjudication codes of each bucket, as ingest reads them (a test holds them equal).
INGEST_CODES = {"submitted": SUBMITTED, "allowed": ALLOWED, "plan": PLAN, "member": MEMBER}


@dataclass(frozen=True)
class ClaimLine:
    """One service on a claim. Money is None where the resource does not state it."""

    date: str  # ISO day
    resource_type: str  # ExplanationOfBenefit or Claim
    resource_id: str
    chunk_id: str  # the record that holds the resource (what a citation opens)
    sequence: int
    service: str
    code_system: str | None
    code: str | None
    category: str
    vaccine: bool  # productOrService is a CVX code
    submitted: float | None = None
    allowed: float | None = None
    plan_paid: float | None = None
    deductible: float | None = None
    coinsurance: float | None = None
    copay: float | None = None
    currency: str | None = None
    provider: str | None = None
    payer: str | None = None
    coverage: str | None = None

    @property
    def counted(self) -> bool:
        return self.allowed is not None

    @property
    def member_share(self) -> float | None:
        parts = [v for v in (self.deductible, self.coinsurance, self.copay) if v is not None]
        return sum(parts) if parts else None


@dataclass
class ClaimBook:
    """Every claim line of one person: ``lines`` are counted (allowed amount, date), in
    date order; ``unadjudicated`` are the billed lines of Claims that no EOB adjudicates
    (never summed with the others). ``records`` are the claim records by chunk id."""

    lines: list[ClaimLine] = field(default_factory=list)
    unadjudicated: list[ClaimLine] = field(default_factory=list)
    records: dict[str, StoredRecord] = field(default_factory=dict)

    @property
    def currency(self) -> str:
        return next((ln.currency for ln in self.lines if ln.currency), "USD")

    def years(self) -> list[int]:
        return sorted({int(ln.date[:4]) for ln in self.lines})


# ---------------------------------------------------------------- reading resources


def _day(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def _codings(concept: Any) -> list[Json]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def _text(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    return next((str(c["display"]) for c in _codings(concept) if c.get("display")), "")


def _ref_id(ref: Any) -> str | None:
    if not isinstance(ref, dict) or not ref.get("reference"):
        return None
    return str(ref["reference"]).removeprefix("urn:uuid:").rsplit("/", 1)[-1] or None


def adjudication_amounts(item: Json) -> tuple[dict[str, float], str | None]:
    """Amounts of one item by adjudication code (Blue Button URLs cut to their last part),
    summed per code, and the first currency written."""
    amounts: dict[str, float] = {}
    currency: str | None = None
    for adj in item.get("adjudication") or []:
        if not isinstance(adj, dict):
            continue
        money = adj.get("amount")
        if not isinstance(money, dict) or not isinstance(money.get("value"), int | float):
            continue
        currency = currency or money.get("currency")
        for code in {str(c.get("code") or "").rsplit("/", 1)[-1].lower()
                     for c in _codings(adj.get("category"))}:
            amounts[code] = amounts.get(code, 0.0) + float(money["value"])
    return amounts, currency


def _first(amounts: dict[str, float], order: Iterable[str]) -> float | None:
    return next((amounts[c] for c in order if c in amounts), None)


def _coverage(resource: Json) -> str | None:
    """The focal coverage's name: its display, or a contained Coverage's type/class."""
    contained = {f"#{r.get('id')}": r for r in resource.get("contained") or []
                 if isinstance(r, dict)}
    for ins in sorted(resource.get("insurance") or [], key=lambda i: not i.get("focal")):
        ref = ins.get("coverage") if isinstance(ins, dict) else None
        if not isinstance(ref, dict):
            continue
        if ref.get("display"):
            return str(ref["display"])
        cov = contained.get(str(ref.get("reference")))
        if cov:
            return _text(cov.get("type")) or None
    return None


@dataclass(frozen=True)
class _Context:
    table: CategoryTable
    encounters: dict[str, tuple[str | None, list[str]]]


def lines_of(resource: Json, rec: StoredRecord, detail: Json, ctx: _Context) -> list[ClaimLine]:
    """The claim lines of one EOB or Claim resource (``detail``: the payer and provider
    names ingest resolved from the bundle)."""
    rtype = str(resource.get("resourceType"))
    billable = _day((resource.get("billablePeriod") or {}).get("start"))
    claim_type = next((str(c.get("code")) for c in _codings(resource.get("type"))), None)
    items = [i for i in resource.get("item") or [] if isinstance(i, dict)]
    enc_id = next((_ref_id(e) for i in items for e in i.get("encounter") or []
                   if _ref_id(e)), None)
    encounter = ctx.encounters.get(enc_id or "", (None, []))
    rid = rec.resource_id or str(resource.get("id"))
    payer = detail.get("payer") or detail.get("insurer")
    coverage = _coverage(resource)
    out: list[ClaimLine] = []
    for n, item in enumerate(items, start=1):
        when = (_day((item.get("servicedPeriod") or {}).get("start"))
                or _day(item.get("servicedDate")) or billable)
        product = item.get("productOrService")
        codings = [(str(c.get("system") or ""), str(c.get("code") or ""))
                   for c in _codings(product)]
        place = next((str(c.get("code")) for c in _codings(item.get("locationCodeableConcept"))),
                     None)
        display = _text(product) or (rtype if rtype == "Claim" else "service")
        amounts, currency = adjudication_amounts(item) if rtype != "Claim" else ({}, None)
        net: Json = item["net"] if isinstance(item.get("net"), dict) else {}
        submitted = _first(amounts, SUBMITTED_ORDER)
        if submitted is None and isinstance(net.get("value"), int | float):
            submitted = float(net["value"])
        line = ClaimLine(
            date=when or "", resource_type=rtype, resource_id=rid, chunk_id=rec.chunk_id,
            sequence=int(item.get("sequence") or n), service=display,
            code_system=codings[0][0] if codings else None,
            code=codings[0][1] if codings else None,
            category=ctx.table.categorize(codings, display, claim_type, encounter, place),
            vaccine=any(s in ctx.table.vaccine_systems for s, _ in codings),
            submitted=submitted, allowed=_first(amounts, ALLOWED_ORDER),
            plan_paid=_first(amounts, PLAN_ORDER),
            deductible=_first(amounts, MEMBER_ORDER["deductible"]),
            coinsurance=_first(amounts, MEMBER_ORDER["coinsurance"]),
            copay=_first(amounts, MEMBER_ORDER["copay"]),
            currency=currency or net.get("currency"), provider=detail.get("provider"),
            payer=payer, coverage=coverage)
        out.append(line)
    return out


def _claim_total(resource: Json, rec: StoredRecord, detail: Json, ctx: _Context
                 ) -> list[ClaimLine]:
    """A Claim whose items state no amount: one line with its total."""
    total = resource.get("total")
    if not isinstance(total, dict) or not isinstance(total.get("value"), int | float):
        return []
    claim_type = next((str(c.get("code")) for c in _codings(resource.get("type"))), None)
    return [ClaimLine(
        date=_day((resource.get("billablePeriod") or {}).get("start")) or "",
        resource_type="Claim", resource_id=rec.resource_id or str(resource.get("id")),
        chunk_id=rec.chunk_id, sequence=0, service=_text(resource.get("type")) or "Claim",
        code_system=None, code=None,
        category=ctx.table.claim_types.get(claim_type or "", "other"), vaccine=False,
        submitted=float(total["value"]), currency=total.get("currency"),
        provider=detail.get("provider"), payer=detail.get("payer") or detail.get("insurer"),
        coverage=_coverage(resource))]


def _encounters(facts: FactsStore) -> dict[str, tuple[str | None, list[str]]]:
    found = facts.items("encounter")
    records = facts.records_by_chunks(sorted({si.chunk_id for si in found}))
    out: dict[str, tuple[str | None, list[str]]] = {}
    for rec in records.values():
        raw = rec.raw or {}
        if raw.get("resourceType") != "Encounter" or not rec.resource_id:
            continue
        cls = raw.get("class")
        code = str(cls["code"]) if isinstance(cls, dict) and cls.get("code") else None
        types = [str(c.get("code")) for t in raw.get("type") or [] for c in _codings(t)]
        out[rec.resource_id] = (code, types)
        if raw.get("id"):
            out.setdefault(str(raw["id"]), (code, types))
    return out


def claim_book(facts: FactsStore) -> ClaimBook:
    """Every claim line in the facts store, counted lines in date order."""
    eobs, claims = facts.items("eob"), facts.items("claim")
    records = facts.records_by_chunks(sorted({si.chunk_id for si in [*eobs, *claims]}))
    ctx = _Context(category_table(), _encounters(facts))
    book = ClaimBook()
    adjudicated = {str(si.item.detail["claim"]) for si in eobs if si.item.detail.get("claim")}
    for si in [*eobs, *claims]:
        rec = records.get(si.chunk_id)
        raw = rec.raw if rec is not None else None
        if rec is None or not isinstance(raw, dict):
            continue
        if si.item.category == "claim" and (rec.resource_id in adjudicated
                                           or raw.get("id") in adjudicated):
            continue  # the EOB that adjudicates it is the same bill
        lines = lines_of(raw, rec, si.item.detail, ctx)
        if si.item.category == "claim" and not any(ln.submitted is not None for ln in lines):
            lines = _claim_total(raw, rec, si.item.detail, ctx)
        book.records[rec.chunk_id] = rec
        for ln in lines:
            (book.lines if ln.counted and ln.date else book.unadjudicated).append(ln)
    book.lines.sort(key=lambda ln: (ln.date, ln.resource_id, ln.sequence))
    book.unadjudicated = [ln for ln in book.unadjudicated
                          if ln.resource_type == "Claim" and ln.submitted is not None]
    return book
