"""Reference data for FHIR encounters and claims: who, where, who paid, and how much.

Practitioner, Organization and Location resources are not indexed as health content
(:data:`ingest.fhir.REFERENCE_TYPES`), but the records that point at them must still be
able to name them: "who did I see last", "who is my doctor", "who is my insurer". So an
Encounter's facts carry the practitioners' and organisation's names, and a Claim's or
ExplanationOfBenefit's facts carry the payer and the amounts its adjudication states.

References resolve the way bundles write them (``urn:uuid:…``, ``Practitioner/id``, a
conditional ``Practitioner?identifier=system|value`` as in recent Synthea exports, or a
``#id`` into ``contained``), else fall back to the reference's own ``display``.

Money follows the "Insurance" rules of ``shared/contract.md``: a claim line is an EOB
item with an allowed amount (CARIN ``eligible`` or Blue Button ``line_alowd_chrg_amt``);
the member's share is its coinsurance, deductible and copay adjudications; the plan's
payment is ``paidtoprovider``/``benefit`` (Blue Button ``line_prvdr_pmt_amt``); billed is
the submitted amount. A line's date is its service date, else the billable period's start.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import unquote

Json = dict[str, Any]

SUBMITTED = frozenset({"submitted", "line_sbmtd_chrg_amt"})
ALLOWED = frozenset({"eligible", "line_alowd_chrg_amt"})
MEMBER = frozenset({"coinsurance", "deductible", "copay", "line_coinsrnc_amt",
                    "line_bene_ptb_ddctbl_amt"})
PLAN = frozenset({"paidtoprovider", "benefit", "line_prvdr_pmt_amt"})


class Refs(Protocol):
    """What the FHIR parser's context offers: resolve a reference, or name its target."""

    def resolve(self, ref: Json | None) -> Json | None: ...

    def ref_display(self, ref: Json | None) -> str | None: ...


def identifier_keys(resource: Json) -> list[str]:
    """The conditional-reference forms that name ``resource`` by one of its identifiers:
    ``Type?identifier=system|value`` and ``Type?identifier=value``."""
    rtype = resource.get("resourceType")
    keys: list[str] = []
    for ident in resource.get("identifier") or []:
        if not isinstance(ident, dict) or not ident.get("value"):
            continue
        value = str(ident["value"])
        if ident.get("system"):
            keys.append(f"{rtype}?identifier={ident['system']}|{value}")
        keys.append(f"{rtype}?identifier={value}")
    return keys


def normalise_reference(target: str) -> str:
    """``Practitioner?identifier=http%3A…%7C123`` and its plain form are the same key."""
    return unquote(target) if "?" in target else target


def _date(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and value else None


def _text(concept: Any) -> str | None:
    if not isinstance(concept, dict):
        return None
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or []:
        if coding.get("display"):
            return str(coding["display"])
    return None


def _unique(names: list[str | None]) -> list[str]:
    out: list[str] = []
    for name in names:
        if name and name not in out:
            out.append(name)
    return out


# ---------------------------------------------------------------- encounters


def encounter_detail(e: Json, refs: Refs) -> dict[str, Any]:
    """The names an Encounter points at: practitioners (participant.individual, in the
    order written), the organisation (serviceProvider), the first location, the type."""
    practitioners = _unique([
        refs.ref_display(p.get("individual"))
        for p in e.get("participant") or [] if isinstance(p, dict)
    ])
    locations = _unique([
        refs.ref_display(loc.get("location"))
        for loc in e.get("location") or [] if isinstance(loc, dict)
    ])
    types = _unique([_text(t) for t in e.get("type") or []])
    return {
        "practitioners": practitioners,
        "organization": refs.ref_display(e.get("serviceProvider")),
        "location": locations[0] if locations else None,
        "type": types[0] if types else None,
    }


# ---------------------------------------------------------------- claims


def _amount(entry: Json) -> tuple[float | None, str | None]:
    money = entry.get("amount")
    if not isinstance(money, dict) or money.get("value") is None:
        return None, None
    return float(money["value"]), money.get("currency")


def _category(adjudication: Json) -> set[str]:
    """The category codes of one adjudication; Blue Button writes them as URLs."""
    codes: set[str] = set()
    for coding in (adjudication.get("category") or {}).get("coding") or []:
        code = str(coding.get("code") or "")
        codes.add(code.rsplit("/", 1)[-1].lower())
    return codes


def _line(item: Json, fallback_date: str | None) -> tuple[dict[str, Any], str | None]:
    sums: dict[str, float | None] = {"submitted": None, "allowed": None, "member": None,
                                     "plan": None}
    currency: str | None = None
    for adj in item.get("adjudication") or []:
        if not isinstance(adj, dict):
            continue
        value, cur = _amount(adj)
        if value is None:
            continue
        currency = currency or cur
        codes = _category(adj)
        for key, names in (("submitted", SUBMITTED), ("allowed", ALLOWED),
                           ("member", MEMBER), ("plan", PLAN)):
            if codes & names:
                sums[key] = (sums[key] or 0.0) + value
    when = (_date((item.get("servicedPeriod") or {}).get("start"))
            or _date(item.get("servicedDate")) or fallback_date)
    rounded = {k: None if v is None else round(v, 2) for k, v in sums.items()}
    return {"date": when, "service": _text(item.get("productOrService")), **rounded}, currency


def _payer(c: Json, refs: Refs) -> str | None:
    """The insurer's name, else the focal coverage's payor (contained or referenced)."""
    insurer = refs.ref_display(c.get("insurer"))
    if insurer:
        return insurer
    contained = {f"#{r.get('id')}": r for r in c.get("contained") or [] if isinstance(r, dict)}
    for ins in sorted(c.get("insurance") or [], key=lambda i: not i.get("focal")):
        ref = ins.get("coverage") if isinstance(ins, dict) else None
        if not isinstance(ref, dict):
            continue
        coverage = contained.get(str(ref.get("reference"))) or refs.resolve(ref)
        for payor in (coverage or {}).get("payor") or []:
            name = refs.ref_display(payor)
            if name:
                return name
        if ref.get("display"):
            return str(ref["display"])
    return None


def _total(c: Json) -> tuple[float | None, str | None]:
    """A Claim's ``total`` (Money), or an EOB's submitted total."""
    total = c.get("total")
    if isinstance(total, dict):
        return _amount({"amount": total})
    for entry in total or []:
        if isinstance(entry, dict) and _category(entry) & SUBMITTED:
            return _amount(entry)
    return None, None


def claim_detail(c: Json, refs: Refs, when: str | None) -> dict[str, Any]:
    """Payer and money of a Claim or EOB: the counted lines (those with an allowed
    amount), their sums, and the Claim an EOB adjudicates (so claims are not counted
    twice). Amounts are None where the resource does not state them."""
    lines: list[dict[str, Any]] = []
    currency: str | None = None
    for item in c.get("item") or []:
        if not isinstance(item, dict):
            continue
        line, cur = _line(item, when)
        if line["allowed"] is not None:
            lines.append(line)
            currency = currency or cur
    total, total_currency = _total(c)

    def add(key: str) -> float | None:
        values = [ln[key] for ln in lines if ln[key] is not None]
        return round(sum(values), 2) if values else None

    claim_ref = str((c.get("claim") or {}).get("reference") or "")
    return {
        "payer": _payer(c, refs),
        "billed": add("submitted") if lines else total,
        "allowed": add("allowed"),
        "plan_paid": add("plan"),
        "member_share": add("member"),
        "currency": currency or total_currency,
        "lines": lines,
        "claim": claim_ref.removeprefix("urn:uuid:").rsplit("/", 1)[-1] or None,
    }
