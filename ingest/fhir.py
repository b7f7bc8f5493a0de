"""FHIR R4 JSON: Bundles (transaction, collection, searchset, document), single
resources, and folders of them.

Each resource is validated with the ``fhir.resources`` R4B models (the default R5
models reject R4 MedicationRequests). A resource that fails validation is reported
with its reason and does not block the others. Each valid resource becomes one
readable chunk (long attachments: several) plus typed facts, with provenance.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import ValidationError

from ingest.base import load_json
from ingest.fhir_refs import (
    claim_detail,
    encounter_detail,
    identifier_keys,
    normalise_reference,
)
from rag.core.errors import EmptyInput, InvalidContent, UnsupportedFormat
from rag.core.types import (
    Item,
    Measurement,
    ParseIssue,
    ParseResult,
    Provenance,
    Record,
    human_number,
    sha256_bytes,
)

LOINC = "http://loinc.org"
# Reference data: counted and reported, not indexed as health content.
REFERENCE_TYPES = frozenset(
    {
        "Organization",
        "Practitioner",
        "PractitionerRole",
        "Location",
        "Provenance",
        "Device",
        "Endpoint",
        "HealthcareService",
        "Medication",
        "Library",
        "Questionnaire",
        "Specimen",
        "Binary",
    }
)
MAX_ATTACHMENT_CHARS = 200_000

Json = dict[str, Any]


# ------------------------------------------------------------------ entry points


def parse_fhir(data: bytes, source_file: str, *, chunk_chars: int = 1200) -> ParseResult:
    """Parse one FHIR JSON file (a Bundle or a single resource)."""
    if not data.strip():
        raise EmptyInput(f"{source_file}: the file is empty")
    try:
        doc = load_json(data, source_file)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidContent(f"{source_file}: not valid JSON ({exc.__class__.__name__})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceType"), str):
        raise UnsupportedFormat(f"{source_file}: JSON without a FHIR resourceType")
    file_hash = sha256_bytes(data)
    ctx = _Context(source_file=source_file, file_hash=file_hash, chunk_chars=chunk_chars)
    result = ParseResult()
    entries = list(_entries(doc, source_file, result))
    ctx.index_bundle(entries)
    for resource, fallback_id in entries:
        _parse_resource(resource, fallback_id, ctx, result)
    if not result.records and not result.skipped and result.issues:
        # Nothing usable at all: reject the file as a whole.
        reasons = "; ".join(i.reason for i in result.issues[:3])
        raise InvalidContent(f"{source_file}: no valid FHIR resource ({reasons})")
    return result


class ResourceStream:
    """Parses resources one at a time with the same builders as :func:`parse_fhir`.

    For sources read line by line (bulk ``$export`` NDJSON), which are never held
    whole in memory. References therefore resolve only to reference-type resources
    already seen in the stream (Organization, Medication ...: small and usually
    exported first); anything else falls back to the reference's own ``display``.
    """

    MAX_REMEMBERED = 50_000  # reference resources kept for look-ups; bounds memory

    def __init__(self, source_file: str, file_hash: str, *, chunk_chars: int = 1200) -> None:
        self._ctx = _Context(source_file=source_file, file_hash=file_hash, chunk_chars=chunk_chars)

    def parse(self, resource: Json, result: ParseResult, fallback_id: str | None = None) -> None:
        """Append the records (or the issue) of one resource dict to ``result``."""
        if not isinstance(resource.get("resourceType"), str):
            raise TypeError("a FHIR resource needs a string resourceType")
        rtype = resource["resourceType"]
        rid = resource.get("id") or fallback_id
        if (
            rtype in REFERENCE_TYPES
            and isinstance(rid, str)
            and len(self._ctx.by_ref) < self.MAX_REMEMBERED
        ):
            self._ctx.by_ref[f"{rtype}/{rid}"] = resource
            for key in identifier_keys(resource):
                self._ctx.by_ref.setdefault(key, resource)
        _parse_resource(resource, fallback_id, self._ctx, result)


def _entries(doc: Json, source_file: str, result: ParseResult) -> Iterator[tuple[Json, str | None]]:
    if doc["resourceType"] != "Bundle":
        yield doc, None
        return
    for n, entry in enumerate(doc.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            result.issues.append(ParseIssue(source_file, f"Bundle entry {n} has no resource"))
            continue
        full_url = entry.get("fullUrl") or ""
        fallback = full_url.removeprefix("urn:uuid:") if full_url.startswith("urn:uuid:") else None
        if resource["resourceType"] == "Bundle":
            yield from _entries(resource, source_file, result)
        else:
            yield resource, fallback


class _Context:
    def __init__(self, source_file: str, file_hash: str, chunk_chars: int) -> None:
        self.source_file = source_file
        self.file_hash = file_hash
        self.chunk_chars = chunk_chars
        self.by_ref: dict[str, Json] = {}

    def index_bundle(self, entries: list[tuple[Json, str | None]]) -> None:
        for resource, fallback in entries:
            rid = resource.get("id") or fallback
            if rid:
                self.by_ref[f"{resource['resourceType']}/{rid}"] = resource
            if fallback:
                self.by_ref[f"urn:uuid:{fallback}"] = resource
            for key in identifier_keys(resource):  # Practitioner?identifier=system|value
                self.by_ref.setdefault(key, resource)

    def resolve(self, ref: Json | None) -> Json | None:
        if not isinstance(ref, dict):
            return None
        target = ref.get("reference")
        return self.by_ref.get(normalise_reference(target)) if isinstance(target, str) else None

    def ref_display(self, ref: Json | None) -> str | None:
        if not isinstance(ref, dict):
            return None
        target = self.resolve(ref)
        if target is not None and target.get("resourceType") == "Observation":
            return _observation_sentence(target)
        if ref.get("display"):
            return str(ref["display"])
        if target is None:
            return None
        name = target.get("name")
        if isinstance(name, list) and name and isinstance(name[0], dict):
            n = name[0]
            return (
                n.get("text")
                or " ".join(
                    [*(n.get("prefix") or []), *(n.get("given") or []), n.get("family") or ""]
                ).strip()
                or None
            )
        return _concept_text(target.get("code")) or (name if isinstance(name, str) else None)

    def provenance(
        self, resource: Json, rid: str, page: int | None = None, span: tuple[int, int] | None = None
    ) -> Provenance:
        return Provenance(
            source_file=self.source_file,
            file_hash=self.file_hash,
            source_type="fhir",
            resource_type=resource["resourceType"],
            resource_id=rid,
            version=(resource.get("meta") or {}).get("versionId"),
            page=page,
            span=span,
        )


# ------------------------------------------------------------------ validation


def _validate(resource: Json) -> str | None:
    """None if the resource is valid R4 (checked with the R4B models), else the reason."""
    from fhir.resources.R4B import get_fhir_model_class

    rtype = resource["resourceType"]
    try:
        model = get_fhir_model_class(rtype)
    except (KeyError, ValueError):  # fhir.resources raises ValueError for unknown names
        return f"unknown resource type {rtype[:64]!r}"
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        return f"invalid {rtype}: {where}: {err.get('msg', 'invalid')}"[:300]
    except (ValueError, TypeError) as exc:
        return f"invalid {rtype}: {exc}"[:300]
    except RecursionError:  # nesting under the JSON cap can still be too deep for the models
        return f"invalid {rtype}: nested too deeply"
    return None


def _parse_resource(
    resource: Json, fallback_id: str | None, ctx: _Context, result: ParseResult
) -> None:
    rtype = resource["resourceType"]
    rid = str(resource.get("id") or fallback_id or "")
    reason = _validate(resource)
    if reason is not None:
        result.issues.append(ParseIssue(ctx.source_file, reason, rtype, rid or None))
        return
    if not rid:
        result.issues.append(ParseIssue(ctx.source_file, f"{rtype} without an id", rtype))
        return
    if rtype in REFERENCE_TYPES:
        result.skipped += 1
        return
    builder = _BUILDERS.get(rtype, _generic)
    result.records.extend(builder(resource, rid, ctx))


# ------------------------------------------------------------------ helpers


def _concept_text(concept: Any) -> str | None:
    if not isinstance(concept, dict):
        return None
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or []:
        if coding.get("display"):
            return str(coding["display"])
    for coding in concept.get("coding") or []:
        if coding.get("code"):
            return str(coding["code"])
    return None


def _first_coding(concept: Any, system: str | None = None) -> tuple[str | None, str | None]:
    if not isinstance(concept, dict):
        return None, None
    codings = concept.get("coding") or []
    for coding in codings:
        if system is None or coding.get("system") == system:
            return coding.get("system"), coding.get("code")
    if codings:
        return codings[0].get("system"), codings[0].get("code")
    return None, None


def _date(value: Any) -> str | None:
    """The date part of a FHIR date/dateTime/instant."""
    if not isinstance(value, str) or not value:
        return None
    return value[:10]


def _status(concept: Any) -> str | None:
    if isinstance(concept, str):
        return concept
    return _concept_text(concept)


def _period_start(period: Any) -> str | None:
    return _date(period.get("start")) if isinstance(period, dict) else None


def _record(
    resource: Json,
    rid: str,
    ctx: _Context,
    text: str,
    title: str,
    *,
    measurements: tuple[Measurement, ...] = (),
    items: tuple[Item, ...] = (),
    key_suffix: str = "",
    span: tuple[int, int] | None = None,
) -> Record:
    rtype = resource["resourceType"]
    return Record(
        key=f"{rtype}/{rid}{key_suffix}",
        text=text,
        provenance=ctx.provenance(resource, rid, span=span),
        title=title,
        measurements=measurements,
        items=items,
        raw=resource,
    )


def _quantity(q: Any) -> tuple[float | None, str | None]:
    if not isinstance(q, dict) or q.get("value") is None:
        return None, None
    unit = q.get("unit") or q.get("code")
    return float(q["value"]), str(unit) if unit else None


def _value_phrase(value: float | None, unit: str | None, text: str | None) -> str:
    if value is not None:
        return f"{human_number(value)} {unit}".strip() if unit else human_number(value)
    return text or "no value"


def _ref_range(obs: Json) -> tuple[float | None, float | None, str | None]:
    ranges = obs.get("referenceRange") or []
    if not ranges:
        return None, None, None
    rr = ranges[0]
    low, _ = _quantity(rr.get("low"))
    high, _ = _quantity(rr.get("high"))
    return low, high, rr.get("text")


def _interpretation(obs: Json) -> str | None:
    for concept in obs.get("interpretation") or []:
        _, code = _first_coding(concept)
        if code:
            return str(code)
        if concept.get("text"):
            return str(concept["text"])
    return None


_FLAG_WORDS = {
    "H": "high",
    "HH": "critically high",
    "L": "low",
    "LL": "critically low",
    "N": "normal",
    "A": "abnormal",
    "AA": "critically abnormal",
    "POS": "positive",
    "NEG": "negative",
}


def flag_word(code: str | None) -> str | None:
    if code is None:
        return None
    return _FLAG_WORDS.get(code.upper(), code.lower())


def _range_phrase(low: float | None, high: float | None, text: str | None, unit: str | None) -> str:
    u = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{human_number(low)}–{human_number(high)}{u}"
    if low is not None:
        return f"at least {human_number(low)}{u}"
    if high is not None:
        return f"below {human_number(high)}{u}"
    return text or ""


def _observation_value(obs: Json) -> tuple[float | None, str | None, str | None]:
    value, unit = _quantity(obs.get("valueQuantity"))
    text = None
    if value is None:
        if "valueCodeableConcept" in obs:
            text = _concept_text(obs["valueCodeableConcept"])
        elif "valueString" in obs:
            text = str(obs["valueString"])
        elif "valueBoolean" in obs:
            text = "yes" if obs["valueBoolean"] else "no"
        elif "valueInteger" in obs:
            value = float(obs["valueInteger"])
    return value, unit, text


def _observation_sentence(obs: Json) -> str:
    name = _concept_text(obs.get("code")) or "Observation"
    value, unit, text = _observation_value(obs)
    if value is None and text is None and obs.get("component"):
        parts = []
        for comp in obs["component"]:
            cv, cu, ct = _observation_value(comp)
            parts.append(f"{_concept_text(comp.get('code'))} {_value_phrase(cv, cu, ct)}")
        return f"{name}: {'; '.join(parts)}"
    return f"{name}: {_value_phrase(value, unit, text)}"


# ------------------------------------------------------------------ builders


def _observation(obs: Json, rid: str, ctx: _Context) -> list[Record]:
    name = _concept_text(obs.get("code")) or "Observation"
    system, code = _first_coding(obs.get("code"), LOINC)
    when = _date(
        obs.get("effectiveDateTime")
        or obs.get("issued")
        or _period_start(obs.get("effectivePeriod"))
    )
    categories = [c for cat in obs.get("category") or [] for c in [_first_coding(cat)[1]] if c]
    category = categories[0] if categories else None
    low, high, rtext = _ref_range(obs)
    interp = _interpretation(obs)
    value, unit, text = _observation_value(obs)
    measurements: list[Measurement] = []
    when_phrase = f" on {when}" if when else ""
    status = obs.get("status")
    if obs.get("component") and value is None and text is None:
        comps = []
        for comp in obs["component"]:
            cname = _concept_text(comp.get("code")) or "component"
            csys, ccode = _first_coding(comp.get("code"), LOINC)
            cv, cu, ct = _observation_value(comp)
            clow, chigh, ctext = _ref_range(comp)
            cinterp = _interpretation(comp)
            comps.append((cname, cv, cu, ct, ccode))
            measurements.append(
                Measurement(
                    code_system=csys or "",
                    code=ccode or cname,
                    display=cname,
                    value=cv,
                    unit=cu,
                    value_text=ct,
                    effective=when,
                    ref_low=clow,
                    ref_high=chigh,
                    ref_text=ctext,
                    interpretation=cinterp,
                    category=category,
                    component_of=code,
                )
            )
        sys_dia = _blood_pressure(comps)
        if sys_dia:
            body = (
                f"{name} {sys_dia}{when_phrase} ("
                + ", ".join(f"{c[0].lower()} {_value_phrase(c[1], c[2], c[3])}" for c in comps)
                + ")"
            )
        else:
            body = f"{name}{when_phrase}: " + "; ".join(
                f"{c[0]} {_value_phrase(c[1], c[2], c[3])}" for c in comps
            )
    else:
        measurements.append(
            Measurement(
                code_system=system or "",
                code=code or name,
                display=name,
                value=value,
                unit=unit,
                value_text=text,
                effective=when,
                ref_low=low,
                ref_high=high,
                ref_text=rtext,
                interpretation=interp,
                category=category,
            )
        )
        body = f"{name} {_value_phrase(value, unit, text)}{when_phrase}"
        extras = []
        rng = _range_phrase(low, high, rtext, unit)
        if rng:
            extras.append(f"reference {rng}")
        word = flag_word(interp)
        if word:
            extras.append(word)
        if extras:
            body += f" ({', '.join(extras)})"
    if status and status not in {"final", "amended", "corrected"}:
        body += f" [status: {status}]"
    title = f"{name}{when_phrase}"
    return [_record(obs, rid, ctx, body + ".", title, measurements=tuple(measurements))]


def _blood_pressure(
    comps: list[tuple[str, float | None, str | None, str | None, str | None]],
) -> str | None:
    by_code = {c[4]: c for c in comps}
    s, d = by_code.get("8480-6"), by_code.get("8462-4")
    if s and d and s[1] is not None and d[1] is not None:
        return f"{human_number(s[1])}/{human_number(d[1])} {s[2] or 'mm[Hg]'}"
    return None


def _patient(p: Json, rid: str, ctx: _Context) -> list[Record]:
    names = p.get("name") or [{}]
    n = names[0]
    full = n.get("text") or " ".join([*(n.get("given") or []), n.get("family") or ""]).strip()
    parts = [f"Patient: {full or 'unnamed'}"]
    if p.get("gender"):
        parts.append(p["gender"])
    if p.get("birthDate"):
        parts.append(f"born {p['birthDate']}")
    text = ", ".join(parts) + "."
    if p.get("deceasedDateTime"):
        text += f" Deceased {_date(p['deceasedDateTime'])}."
    addr = (p.get("address") or [{}])[0]
    place = ", ".join(x for x in [addr.get("city"), addr.get("state"), addr.get("country")] if x)
    if place:
        text += f" Lives in {place}."
    item = Item(
        "patient",
        full or "unnamed",
        "deceased" if p.get("deceasedDateTime") else "alive",
        p.get("birthDate"),
        detail={"gender": p.get("gender")},
    )
    return [_record(p, rid, ctx, text, "Patient", items=(item,))]


def _condition(c: Json, rid: str, ctx: _Context) -> list[Record]:
    name = _concept_text(c.get("code")) or "Condition"
    status = _status(c.get("clinicalStatus"))
    verification = _status(c.get("verificationStatus"))
    onset = _date(c.get("onsetDateTime") or _period_start(c.get("onsetPeriod")))
    abated = _date(c.get("abatementDateTime"))
    recorded = _date(c.get("recordedDate"))
    system, code = _first_coding(c.get("code"))
    qual = ", ".join(x for x in [status, verification] if x)
    text = f"Condition: {name}" + (f" ({qual})" if qual else "")
    if onset:
        text += f", onset {onset}"
    if abated:
        text += f", resolved {abated}"
    if recorded and recorded != onset:
        text += f", recorded {recorded}"
    item = Item(
        "condition",
        name,
        status,
        onset or recorded,
        code,
        system,
        {"abated": abated, "verification": verification, "recorded": recorded},
    )
    return [_record(c, rid, ctx, text + ".", f"Condition: {name}", items=(item,))]


def _dosage(resource: Json) -> str | None:
    for d in resource.get("dosageInstruction") or resource.get("dosage") or []:
        if d.get("text"):
            return str(d["text"])
    return None


def _medication_name(resource: Json, ctx: _Context) -> str:
    if resource.get("medicationCodeableConcept"):
        return _concept_text(resource["medicationCodeableConcept"]) or "medication"
    ref = resource.get("medicationReference")
    target = ctx.resolve(ref)
    if target is not None:
        return _concept_text(target.get("code")) or "medication"
    return (ref or {}).get("display") or "medication"


def _medication(m: Json, rid: str, ctx: _Context) -> list[Record]:
    name = _medication_name(m, ctx)
    is_request = m["resourceType"] == "MedicationRequest"
    status = m.get("status")
    when = (
        _date(m.get("authoredOn"))
        if is_request
        else _date(
            m.get("effectiveDateTime")
            or _period_start(m.get("effectivePeriod"))
            or m.get("dateAsserted")
        )
    )
    system, code = _first_coding(m.get("medicationCodeableConcept"))
    label = "Medication" if is_request else "Medication (reported)"
    text = f"{label}: {name}" + (f" ({status})" if status else "")
    if when:
        text += f", {'prescribed' if is_request else 'since'} {when}"
    dosage = _dosage(m)
    if dosage:
        text += f". Dosage: {dosage}"
    reasons = [r for r in (_concept_text(x) for x in m.get("reasonCode") or []) if r]
    reasons += [r for r in (ctx.ref_display(x) for x in m.get("reasonReference") or []) if r]
    if reasons:
        text += f". Reason: {', '.join(reasons)}"
    item = Item(
        "medication",
        name,
        status,
        when,
        code,
        system,
        {"dosage": dosage, "reasons": reasons, "kind": "request" if is_request else "statement"},
    )
    return [_record(m, rid, ctx, text + ".", f"Medication: {name}", items=(item,))]


def _allergy(a: Json, rid: str, ctx: _Context) -> list[Record]:
    name = _concept_text(a.get("code")) or "allergy"
    status = _status(a.get("clinicalStatus"))
    crit = a.get("criticality")
    recorded = _date(a.get("recordedDate") or a.get("onsetDateTime"))
    reactions = [
        r
        for rx in a.get("reaction") or []
        for r in (_concept_text(mf) for mf in rx.get("manifestation") or [])
        if r
    ]
    severity = next(
        (rx.get("severity") for rx in a.get("reaction") or [] if rx.get("severity")), None
    )
    qual = ", ".join(x for x in [status, f"criticality {crit}" if crit else None] if x)
    text = f"Allergy: {name}" + (f" ({qual})" if qual else "")
    if recorded:
        text += f", recorded {recorded}"
    if reactions:
        text += f". Reaction: {', '.join(reactions)}"
        if severity:
            text += f" ({severity})"
    system, code = _first_coding(a.get("code"))
    item = Item(
        "allergy",
        name,
        status,
        recorded,
        code,
        system,
        {
            "criticality": crit,
            "reactions": reactions,
            "severity": severity,
            "category": a.get("category"),
        },
    )
    return [_record(a, rid, ctx, text + ".", f"Allergy: {name}", items=(item,))]


def _immunization(i: Json, rid: str, ctx: _Context) -> list[Record]:
    name = _concept_text(i.get("vaccineCode")) or "vaccine"
    when = _date(i.get("occurrenceDateTime"))
    status = i.get("status")
    text = (
        f"Immunization: {name}"
        + (f" on {when}" if when else "")
        + (f" ({status})" if status else "")
    )
    system, code = _first_coding(i.get("vaccineCode"))
    item = Item("immunization", name, status, when, code, system)
    return [_record(i, rid, ctx, text + ".", f"Immunization: {name}", items=(item,))]


def _procedure(p: Json, rid: str, ctx: _Context) -> list[Record]:
    name = _concept_text(p.get("code")) or "procedure"
    when = _date(p.get("performedDateTime") or _period_start(p.get("performedPeriod")))
    status = p.get("status")
    text = (
        f"Procedure: {name}" + (f" on {when}" if when else "") + (f" ({status})" if status else "")
    )
    reasons = [r for r in (ctx.ref_display(x) for x in p.get("reasonReference") or []) if r]
    reasons += [r for r in (_concept_text(x) for x in p.get("reasonCode") or []) if r]
    if reasons:
        text += f". Reason: {', '.join(reasons)}"
    system, code = _first_coding(p.get("code"))
    item = Item("procedure", name, status, when, code, system)
    return [_record(p, rid, ctx, text + ".", f"Procedure: {name}", items=(item,))]


def _encounter(e: Json, rid: str, ctx: _Context) -> list[Record]:
    types = [t for t in (_concept_text(x) for x in e.get("type") or []) if t]
    name = types[0] if types else "Encounter"
    cls = (e.get("class") or {}).get("code")
    start = _period_start(e.get("period"))
    reasons = [r for r in (_concept_text(x) for x in e.get("reasonCode") or []) if r]
    text = f"Encounter: {name}" + (f" ({cls})" if cls else "") + (f" on {start}" if start else "")
    refs = encounter_detail(e, ctx)
    if refs["organization"]:
        text += f" at {refs['organization']}"
    if refs["practitioners"]:
        text += f", with {', '.join(refs['practitioners'])}"
    if refs["location"] and refs["location"] != refs["organization"]:
        text += f", location {refs['location']}"
    if reasons:
        text += f". Reason: {', '.join(reasons)}"
    item = Item(
        "encounter", name, e.get("status"), start,
        detail={"class": cls, "reasons": reasons, **refs},
    )
    return [_record(e, rid, ctx, text + ".", f"Encounter {start or ''}".strip(), items=(item,))]


def _careplan(c: Json, rid: str, ctx: _Context) -> list[Record]:
    cats = [t for t in (_concept_text(x) for x in c.get("category") or []) if t]
    name = c.get("title") or (cats[-1] if cats else "Care plan")
    start = _period_start(c.get("period"))
    status = c.get("status")
    text = (
        f"Care plan: {name}"
        + (f" ({status})" if status else "")
        + (f", since {start}" if start else "")
    )
    acts = []
    for a in c.get("activity") or []:
        d = a.get("detail") or {}
        label = _concept_text(d.get("code")) or d.get("description")
        if label:
            acts.append(str(label).strip().rstrip("."))
    if acts:
        text += f". Activities: {'; '.join(acts)}"
    item = Item("careplan", str(name), status, start, detail={"activities": acts})
    return [_record(c, rid, ctx, text + ".", f"Care plan: {name}", items=(item,))]


def _decode_attachment(att: Json) -> str | None:
    data = att.get("data")
    ctype = str(att.get("contentType") or "text/plain")
    if not data or not (ctype.startswith("text/") or ctype in {"application/xhtml+xml"}):
        return None
    try:
        raw = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return None
    text = raw.decode("utf-8", errors="replace")[:MAX_ATTACHMENT_CHARS]
    return text.strip() or None


def split_text(text: str, limit: int) -> list[tuple[int, int]]:
    """Spans of roughly ``limit`` characters, cut at paragraph or sentence ends."""
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    while start < n:
        end = min(n, start + limit)
        if end < n:
            for sep in ("\n\n", "\n", ". ", "; ", " "):
                cut = text.rfind(sep, start + limit // 2, end)
                if cut != -1:
                    end = cut + len(sep)
                    break
        spans.append((start, end))
        start = end
        while start < n and text[start].isspace():
            start += 1
    return spans


def _text_records(
    resource: Json,
    rid: str,
    ctx: _Context,
    header: str,
    title: str,
    body: str | None,
    items: tuple[Item, ...],
) -> list[Record]:
    if not body:
        return [_record(resource, rid, ctx, header, title, items=items)]
    spans = split_text(body, ctx.chunk_chars)
    out = []
    for n, (a, b) in enumerate(spans):
        part = body[a:b].strip()
        text = f"{header}\n{part}" if n == 0 else f"{title} (part {n + 1}): {part}"
        out.append(
            _record(
                resource,
                rid,
                ctx,
                text,
                title,
                items=items if n == 0 else (),
                key_suffix=f"#{n}" if n else "",
                span=(a, b),
            )
        )
    return out


def _diagnostic_report(r: Json, rid: str, ctx: _Context) -> list[Record]:
    name = _concept_text(r.get("code")) or "Report"
    when = _date(
        r.get("effectiveDateTime") or r.get("issued") or _period_start(r.get("effectivePeriod"))
    )
    status = r.get("status")
    header = (
        f"Report: {name}" + (f" on {when}" if when else "") + (f" ({status})" if status else "")
    )
    results = [d for d in (ctx.ref_display(x) for x in r.get("result") or []) if d]
    if results:
        header += ". Results: " + "; ".join(results)
    if r.get("conclusion"):
        header += f". Conclusion: {r['conclusion']}"
    header += "."
    texts = [t for t in (_decode_attachment(a) for a in r.get("presentedForm") or []) if t]
    item = Item("report", name, status, when, detail={"results": len(results)})
    return _text_records(
        r, rid, ctx, header, f"Report: {name}", "\n\n".join(texts) or None, (item,)
    )


def _document_reference(d: Json, rid: str, ctx: _Context) -> list[Record]:
    kind = _concept_text(d.get("type")) or "Document"
    when = _date(d.get("date") or (d.get("context") or {}).get("period", {}).get("start"))
    texts, titles = [], []
    for content in d.get("content") or []:
        att = content.get("attachment") or {}
        if att.get("title"):
            titles.append(str(att["title"]))
        t = _decode_attachment(att)
        if t:
            texts.append(t)
    title = titles[0] if titles else (d.get("description") or kind)
    header = f"Document: {title} ({kind})" + (f", {when}" if when else "") + "."
    item = Item("document", str(title), d.get("status"), when, detail={"type": kind})
    return _text_records(
        d, rid, ctx, header, f"Document: {title}", "\n\n".join(texts) or None, (item,)
    )


def _money(m: Any) -> str | None:
    if isinstance(m, dict) and m.get("value") is not None:
        return f"{float(m['value']):.2f} {m.get('currency') or ''}".strip()
    return None


def _claim(c: Json, rid: str, ctx: _Context) -> list[Record]:
    is_eob = c["resourceType"] == "ExplanationOfBenefit"
    ctype = _concept_text(c.get("type")) or "claim"
    when = _period_start(c.get("billablePeriod")) or _date(c.get("created"))
    provider = ctx.ref_display(c.get("provider"))
    insurer = ctx.ref_display(c.get("insurer"))
    services = [
        s for s in (_concept_text(i.get("productOrService")) for i in c.get("item") or []) if s
    ]
    if is_eob:
        total = next(
            (_money(t.get("amount")) for t in c.get("total") or [] if t.get("amount")), None
        )
        paid = _money((c.get("payment") or {}).get("amount"))
    else:
        total, paid = _money(c.get("total")), None
    label = "Explanation of benefit" if is_eob else "Claim"
    text = f"{label}: {ctype}" + (f" on {when}" if when else "")
    money = claim_detail(c, ctx, when)
    share = money["member_share"]
    for key, val in (
        ("provider", provider),
        ("insurer", insurer),
        ("payer", money["payer"] if money["payer"] != insurer else None),
        ("total", total),
        ("paid", paid),
        ("member share", _money({"value": share, "currency": money["currency"]})),
    ):
        if val:
            text += f", {key} {val}"
    if services:
        text += f". Services: {'; '.join(services[:10])}"
    item = Item(
        "eob" if is_eob else "claim",
        ctype,
        c.get("status"),
        when,
        detail={
            "total": total,
            "paid": paid,
            "provider": provider,
            "insurer": insurer,
            "services": services[:20],
            **money,
        },
    )
    return [_record(c, rid, ctx, text + ".", f"{label} {when or ''}".strip(), items=(item,))]


def _generic(r: Json, rid: str, ctx: _Context) -> list[Record]:
    rtype = r["resourceType"]
    name = (
        _concept_text(r.get("code"))
        or _concept_text(r.get("type"))
        or (r.get("description") if isinstance(r.get("description"), str) else None)
        or (_concept_text(r.get("description")) if isinstance(r.get("description"), dict) else None)
        or rtype
    )
    when = _date(
        r.get("started")
        or r.get("date")
        or r.get("authoredOn")
        or _period_start(r.get("period"))
        or r.get("recordedDate")
    )
    status = r.get("status") or r.get("lifecycleStatus")
    text = f"{rtype}: {name}" + (f" ({status})" if isinstance(status, str) else "")
    if when:
        text += f", {when}"
    item = Item(rtype.lower(), str(name), status if isinstance(status, str) else None, when)
    return [_record(r, rid, ctx, text + ".", f"{rtype}: {name}", items=(item,))]


_BUILDERS: dict[str, Callable[[Json, str, _Context], list[Record]]] = {
    "Observation": _observation,
    "Patient": _patient,
    "Condition": _condition,
    "MedicationRequest": _medication,
    "MedicationStatement": _medication,
    "AllergyIntolerance": _allergy,
    "Immunization": _immunization,
    "Procedure": _procedure,
    "Encounter": _encounter,
    "CarePlan": _careplan,
    "DiagnosticReport": _diagnostic_report,
    "DocumentReference": _document_reference,
    "Claim": _claim,
    "ExplanationOfBenefit": _claim,
}
