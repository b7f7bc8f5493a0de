"""The packet as an International Patient Summary: a FHIR R4 ``Bundle`` of type
``document`` (the shape of ``Patient/$summary``).

The first entry is a ``Composition`` (LOINC 60591-5, Patient summary document) whose
sections are coded in LOINC: 11450-4 problems, 10160-0 medications, 48765-2 allergies
(the three IPS requires, with an ``emptyReason`` when the packet has none), and 11369-6
immunizations and 30954-2 results when the packet has them. Each section's entries
reference copies of the person's own resources, included in the bundle with the Patient
as subject. References inside the copies point at the bundle's entries; a reference to a
resource the bundle does not hold keeps only its display text, so every reference
resolves.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Mapping
from typing import Any

from indexes.facts import StoredRecord

LOINC = "http://loinc.org"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://healthrag.invalid/ips")
SECTIONS = (  # packet section code, LOINC, display, required by IPS
    ("problems", "11450-4", "Problem list - Reported", True),
    ("medications", "10160-0", "History of Medication use Narrative", True),
    ("allergies", "48765-2", "Allergies and adverse reactions Document", True),
    ("immunizations", "11369-6", "History of Immunization Narrative", False),
    ("results", "30954-2", "Relevant diagnostic tests/laboratory data Narrative", False),
)
IPS_TYPES = {
    "problems": {"Condition"},
    "medications": {"MedicationRequest", "MedicationStatement"},
    "allergies": {"AllergyIntolerance"},
    "immunizations": {"Immunization"},
    "results": {"Observation", "DiagnosticReport"},
}
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}$")


def _full_url(rtype: str, rid: str) -> str:
    if _UUID.match(rid):
        return f"urn:uuid:{rid.lower()}"
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{rtype}/{rid}')}"


def _div(lines: list[str]) -> dict[str, str]:
    from xml.sax.saxutils import escape

    body = "".join(f"<li>{escape(x)}</li>" for x in lines)
    return {"status": "generated",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><ul>{body}</ul></div>'
            if body else '<div xmlns="http://www.w3.org/1999/xhtml"><p>No information</p></div>'}


def _rewrite(node: Any, urls: Mapping[str, str]) -> Any:
    """References to included resources -> their fullUrl; others -> display only."""
    if isinstance(node, list):
        return [_rewrite(x, urls) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _rewrite(v, urls) for k, v in node.items()}
    ref = out.get("reference")
    plain = set(out) <= {"reference", "display", "type", "identifier"}
    if isinstance(ref, str) and not ref.startswith("#") and plain:
        key = ref.removeprefix("urn:uuid:")
        target = urls.get(ref) or urls.get(key) or urls.get("/".join(ref.split("/")[-2:]))
        if target:
            out["reference"] = target
        else:
            out.pop("reference")
            out.setdefault("display", ref.split("/")[-2] if "/" in ref else "unresolved")
    return out


def _resource(rec: StoredRecord) -> dict[str, Any] | None:
    raw = rec.raw
    if not isinstance(raw, dict) or not rec.resource_type or not rec.resource_id:
        return None
    res = copy.deepcopy(raw)
    res["id"] = rec.resource_id if re.match(r"^[A-Za-z0-9\-.]{1,64}$", rec.resource_id) \
        else str(uuid.uuid5(NAMESPACE, rec.resource_id))
    return res


def ips_bundle(packet: dict[str, Any], records: Mapping[str, StoredRecord],
               patient: StoredRecord | None) -> dict[str, Any]:
    """The IPS document Bundle of a packet; ``records`` by chunk id (its citations)."""
    citations = {int(c["marker"]): c for c in packet.get("citations") or []}
    doc_id = str(uuid.uuid5(NAMESPACE, f"{packet.get('id') or ''}|{packet['generated_at']}"))
    stamp = str(packet["generated_at"])
    if patient is not None and patient.raw:
        patient_res = _resource(patient) or {"resourceType": "Patient", "id": "patient"}
    else:
        patient_res = {"resourceType": "Patient", "id": "patient",
                       "name": [{"text": (packet.get("patient") or {}).get("name") or
                                 "unknown"}]}
    patient_url = _full_url("Patient", str(patient_res["id"]))
    device = {"resourceType": "Device", "id": "healthrag",
              "deviceName": [{"name": "healthrag", "type": "user-friendly-name"}]}
    device_url = _full_url("Device", "healthrag")
    # fullUrl -> (resource, its record)
    chosen: dict[str, tuple[dict[str, Any], StoredRecord]] = {}
    per_section: dict[str, list[str]] = {code: [] for code, *_ in SECTIONS}
    lines: dict[str, list[str]] = {code: [] for code, *_ in SECTIONS}
    by_code = {s["code"]: s for s in packet.get("sections") or []}
    for code, *_ in SECTIONS:
        for item in (by_code.get(code) or {}).get("items") or []:
            lines[code].append(item["text"])
            markers = item.get("markers") or []
            for marker in markers[:1] if code == "results" else markers:  # the latest value
                rec = records.get(str((citations.get(marker) or {}).get("id")))
                res = _resource(rec) if rec and rec.resource_type in IPS_TYPES[code] else None
                if rec is None or res is None:
                    continue
                url = _full_url(str(res["resourceType"]), str(res["id"]))
                chosen.setdefault(url, (res, rec))
                if url not in per_section[code]:
                    per_section[code].append(url)
    urls: dict[str, str] = {}
    included = [(patient_url, patient_res, patient), *((u, r, rec) for u, (r, rec)
                                                      in chosen.items())]
    for url, res, rec in included:
        rtype = str(res["resourceType"])
        for rid in {str(res["id"]), *([rec.resource_id] if rec and rec.resource_id else [])}:
            urls.setdefault(f"{rtype}/{rid}", url)
            urls.setdefault(rid, url)
        urls[url] = url
    sections = []
    for code, loinc, display, required in SECTIONS:
        refs = per_section[code]
        if not refs and not required:
            continue
        section: dict[str, Any] = {
            "title": next((s["title"] for s in packet.get("sections") or []
                           if s["code"] == code), display),
            "code": {"coding": [{"system": LOINC, "code": loinc, "display": display}]},
            "text": _div(lines[code]),
        }
        if refs:
            section["entry"] = [{"reference": r} for r in refs]
        else:
            section["emptyReason"] = {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/list-empty-reason",
                "code": "unavailable", "display": "Unavailable"}]}
        sections.append(section)
    composition = {
        "resourceType": "Composition", "id": doc_id, "status": "final",
        "type": {"coding": [{"system": LOINC, "code": "60591-5",
                             "display": "Patient summary Document"}]},
        "subject": {"reference": patient_url}, "date": stamp,
        "author": [{"reference": device_url, "display": "healthrag"}],
        "title": "International Patient Summary" + (
            f" — {packet['reason']}" if packet.get("reason") else ""),
        "confidentiality": "N",
        "section": sections,
    }
    entries = [{"fullUrl": f"urn:uuid:{doc_id}", "resource": composition},
               {"fullUrl": patient_url, "resource": _rewrite(patient_res, urls)},
               {"fullUrl": device_url, "resource": device}]
    entries += [{"fullUrl": url, "resource": _rewrite(res, urls)}
                for url, (res, _) in chosen.items()]
    return {"resourceType": "Bundle", "id": doc_id,
            "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{doc_id}"},
            "type": "document", "timestamp": stamp, "entry": entries}
