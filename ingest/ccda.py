"""HL7 C-CDA R2.x XML: ClinicalDocuments (CCD, discharge summary, notes ...) and lone sections.

C-CDA carries the same facts as FHIR in another shape, so this parser produces the
same kinds of records as :mod:`ingest.fhir`: problems become ``condition`` items,
medications ``medication`` items, allergies ``allergy`` items, immunizations
``immunization`` items, results ``laboratory`` measurements and vital signs
``vital-signs`` measurements (blood pressure paired under LOINC 85354-9, as FHIR
does). Sections without structured entries we read (plan of treatment, hospital
course, assessment ...) become text records chunked like documents.

The XML is untrusted: it is parsed with :mod:`defusedxml`, which refuses any DOCTYPE,
entity declaration or external reference (XXE, billion laughs) before expanding anything.
Negated entries ("no known allergies") are indexed as text only: they must never
show up in a list of the things a person has.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ingest.base import Source
from ingest.fhir import flag_word, split_text
from rag.core.errors import EmptyInput, InvalidContent, UnsupportedFormat
from rag.core.settings import IngestSettings
from rag.core.types import (
    Item,
    Measurement,
    ParseIssue,
    ParseResult,
    Provenance,
    Record,
    human_number,
    stable_id,
)

HL7 = "urn:hl7-org:v3"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
NS = {"h": HL7}
LOINC_OID = "2.16.840.1.113883.6.1"
_HL7_OID = "2.16.840.1.113883."  # every C-CDA template and code system lives under it
BP_PANEL, SYSTOLIC, DIASTOLIC = "85354-9", "8480-6", "8462-4"
MAX_TEXT_CHARS = 200_000  # narrative kept per section / embedded text document
MAX_DEPTH = 64  # nested sections / narrative elements followed before giving up (recursion)

# Code systems by OID -> the URIs the FHIR path stores, so facts compare across formats.
SYSTEMS = {
    LOINC_OID: "http://loinc.org",
    "2.16.840.1.113883.6.96": "http://snomed.info/sct",
    "2.16.840.1.113883.6.88": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "2.16.840.1.113883.12.292": "http://hl7.org/fhir/sid/cvx",
    "2.16.840.1.113883.6.90": "http://hl7.org/fhir/sid/icd-10-cm",
    "2.16.840.1.113883.6.103": "http://hl7.org/fhir/sid/icd-9-cm",
    "2.16.840.1.113883.6.12": "http://www.ama-assn.org/go/cpt",
    "2.16.840.1.113883.6.69": "http://hl7.org/fhir/sid/ndc",
    "2.16.840.1.113883.4.9": "http://fdasis.nlm.nih.gov",
    "2.16.840.1.113883.6.8": "http://unitsofmeasure.org",
}

# Section kinds we read entries from, by templateId root (any version) or LOINC code.
# The first eight get a fixed key segment; the others are keyed by their title.
_KINDS: dict[str, tuple[set[str], set[str]]] = {
    "problems": ({"2.5", "2.5.1"}, {"11450-4"}),
    "medications": ({"2.1", "2.1.1"}, {"10160-0"}),
    "allergies": ({"2.6", "2.6.1"}, {"48765-2"}),
    "results": ({"2.3", "2.3.1"}, {"30954-2"}),
    "vital-signs": ({"2.4", "2.4.1"}, {"8716-3"}),
    "immunizations": ({"2.2", "2.2.1"}, {"11369-6"}),
    "procedures": ({"2.7", "2.7.1"}, {"47519-4"}),
    "encounters": ({"2.22", "2.22.1"}, {"46240-8"}),
    # diagnoses and other medication lists: same entries, title-keyed
    "diagnoses": (
        {"2.20", "2.43", "2.24", "2.34", "2.35", "2.36"},
        {"11348-0", "46241-6", "42347-5", "11535-2", "10219-4", "10218-6", "59769-0"},
    ),
    "medication-lists": ({"2.44", "2.11", "2.11.1", "2.38"}, {"42346-7", "10183-2", "75311-1"}),
}
_FIXED_SLUGS = frozenset(list(_KINDS)[:8])
_SECTION_TEMPLATE = "2.16.840.1.113883.10.20.22."
_PROBLEM_OBS = "2.16.840.1.113883.10.20.22.4.4"
_ALLERGY_OBS = "2.16.840.1.113883.10.20.22.4.7"
_REACTION_OBS = "2.16.840.1.113883.10.20.22.4.9"
_SEVERITY_OBS = "2.16.840.1.113883.10.20.22.4.8"
_CRITICALITY_OBS = "2.16.840.1.113883.10.20.22.4.145"
_STATUS_OBS = "2.16.840.1.113883.10.20.22.4.28"

_GENDERS = {"M": "male", "F": "female", "UN": "other", "U": "unknown"}
_ROOT = re.compile(r"<(?:[\w.-]+:)?(ClinicalDocument|section)[\s>/]")
_PROLOG_ENDS = {"<?": "?>", "<!--": "-->"}


# ------------------------------------------------------------------ entry points


def is_ccda(head: bytes) -> bool:
    """True when the file starts like a C-CDA ClinicalDocument, or a lone section that says
    it is HL7 v3 (namespace or HL7 template OIDs): a bare ``<section>`` could be anything."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="ignore")
    match = _ROOT.match(text, _skip_prolog(text))
    if match is None:
        return False
    return match.group(1) == "ClinicalDocument" or HL7 in text or _HL7_OID in text


def _skip_prolog(text: str) -> int:
    """Where the root element starts: past the XML declaration, comments, processing
    instructions and a DOCTYPE (which the parser then refuses). A linear scan: a regex
    here backtracks catastrophically on crafted heads."""
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        for opener, closer in _PROLOG_ENDS.items():
            if text.startswith(opener, pos):
                end = text.find(closer, pos + len(opener))
                if end < 0:
                    return len(text)
                pos = end + len(closer)
                break
        else:
            if not text.startswith("<!DOCTYPE", pos):
                return pos
            bracket, close = text.find("[", pos), text.find(">", pos)
            if 0 <= bracket < close:
                subset_end = text.find("]", bracket)
                close = text.find(">", subset_end) if subset_end >= 0 else -1
            if close < 0:
                return len(text)
            pos = close + 1


def parse_ccda(source: Source, settings: IngestSettings) -> ParseResult:
    """Parse one C-CDA file into records; raises an IngestError when it can't be used."""
    data = source.read_bytes(cap=settings.max_file_bytes)
    root = _parse_xml(data, source.name)
    doc = _Doc(source.name, source.file_hash, settings.chunk_chars, _narrative_ids(root))
    local = _split(root.tag)[1]
    if local == "ClinicalDocument":
        _header(root, doc)
        body = root.find("h:component/h:structuredBody", NS)
        if body is not None:
            for section in body.iterfind("h:component/h:section", NS):
                _section(section, doc)
        else:
            _non_xml_body(root, doc)
    else:
        _section(root, doc)
    source.advance(source.size)
    if not doc.result.records:
        raise EmptyInput(f"{source.name}: the C-CDA {local} holds no text or entries")
    return doc.result


def _parse_xml(data: bytes, name: str) -> Element:
    if not data.strip():
        raise EmptyInput(f"{name}: the file is empty")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvalidContent(
            f"{name}: DOCTYPE, ENTITY and external references are not allowed in C-CDA "
            "(they enable external-entity and entity-expansion attacks)"
        ) from exc
    except ParseError as exc:
        where = f" (line {exc.position[0]})" if exc.position else ""
        raise InvalidContent(f"{name}: not well-formed XML{where}") from exc
    namespace, local = _split(root.tag)
    if namespace not in {HL7, ""} or local not in {"ClinicalDocument", "section"}:
        raise UnsupportedFormat(
            f"{name}: a C-CDA file must be a ClinicalDocument (or one section) in the "
            f"urn:hl7-org:v3 namespace; found <{local}>"
        )
    if not namespace:
        # Examples often leave out xmlns="urn:hl7-org:v3": read them as if it were there.
        for el in root.iter():
            if isinstance(el.tag, str) and not el.tag.startswith("{"):
                el.tag = f"{{{HL7}}}{el.tag}"
    return root


def _split(tag: str) -> tuple[str, str]:
    """``{namespace}local`` -> (namespace, local)."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


# ------------------------------------------------------------------ document state


@dataclass
class _Doc:
    source_file: str
    file_hash: str
    chunk_chars: int
    refs: dict[str, str]
    result: ParseResult = field(default_factory=ParseResult)
    slugs: Counter[str] = field(default_factory=Counter)
    counters: Counter[str] = field(default_factory=Counter)

    @property
    def prefix(self) -> str:
        return f"ccda/{self.file_hash[:12]}"

    def slug(self, base: str) -> str:
        """A key segment unique in this document: ``problems``, then ``problems-2`` ..."""
        self.slugs[base] += 1
        n = self.slugs[base]
        return base if n == 1 else f"{base}-{n}"

    def add(
        self,
        slug: str,
        text: str,
        title: str,
        resource_type: str,
        resource_id: str | None,
        *,
        measurements: tuple[Measurement, ...] = (),
        items: tuple[Item, ...] = (),
        span: tuple[int, int] | None = None,
    ) -> None:
        n = self.counters[slug]
        self.counters[slug] += 1
        key = f"{self.prefix}/{slug}/{n}"
        rid = resource_id or stable_id(self.file_hash, key, prefix="ccda-")
        self.result.records.append(
            Record(
                key=key,
                text=text,
                provenance=Provenance(
                    source_file=self.source_file,
                    file_hash=self.file_hash,
                    source_type="document",
                    resource_type=resource_type,
                    resource_id=rid,
                    span=span,
                ),
                title=title,
                measurements=measurements,
                items=items,
            )
        )

    def issue(self, reason: str, resource_type: str | None = None) -> None:
        self.result.issues.append(ParseIssue(self.source_file, reason, resource_type))


# ------------------------------------------------------------------ small readers


def _tag(el: Element) -> str:
    return _split(el.tag)[1] if isinstance(el.tag, str) else ""


def _norm(text: str) -> str:
    return " ".join(text.split())


def _narrative_ids(root: Element) -> dict[str, str]:
    """Narrative elements with an ``ID``, for ``<reference value="#...">`` look-ups."""
    return {
        str(el.get("ID")): _norm("".join(el.itertext()))
        for el in root.iter()
        if isinstance(el.tag, str) and el.get("ID")
    }


def _ref_or_text(el: Element | None, doc: _Doc) -> str | None:
    """The text of an element, or the narrative its ``<reference>`` points to."""
    if el is None:
        return None
    ref = el.find("h:reference", NS)
    if ref is not None and (ref.get("value") or "").startswith("#"):
        found = doc.refs.get(str(ref.get("value"))[1:])
        if found:
            return found
    text = _norm("".join(t for t in el.itertext()))
    return text or None


def _templates(el: Element) -> set[str]:
    return {str(t.get("root")) for t in el.findall("h:templateId", NS) if t.get("root")}


def _negated(el: Element) -> bool:
    return (el.get("negationInd") or "").lower() == "true"


def _ii(el: Element) -> str | None:
    """The entry's id: ``root:extension`` (or ``root``), stable across exports."""
    for ident in el.findall("h:id", NS):
        root, ext = ident.get("root"), ident.get("extension")
        if root and not ident.get("nullFlavor"):
            return f"{root}:{ext}" if ext else str(root)
    return None


def _ts(value: str | None) -> str | None:
    """An HL7 TS (``20130703``, ``201307061145-0800``) -> ISO date, to its precision."""
    if not value:
        return None
    digits = re.match(r"\d+", value)
    if digits is None:
        return None
    d = digits.group(0)
    if len(d) >= 8:
        return f"{d[:4]}-{d[4:6]}-{d[6:8]}"
    if len(d) >= 6:
        return f"{d[:4]}-{d[4:6]}"
    return d[:4] if len(d) >= 4 else None


def _time(el: Element | None, part: str = "low") -> str | None:
    """A date from an ``effectiveTime``-like element: ``@value``, else ``low``/``high``."""
    if el is None:
        return None
    if part == "low" and el.get("value"):
        return _ts(el.get("value"))
    child = el.find(f"h:{part}", NS)
    if child is None and part == "low":
        child = el.find("h:center", NS)
    return _ts(child.get("value")) if child is not None else None


def _effective(el: Element, part: str = "low") -> str | None:
    for et in el.findall("h:effectiveTime", NS):
        when = _time(et, part)
        if when:
            return when
    return None


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


@dataclass(frozen=True)
class _Concept:
    name: str | None
    code: str | None
    system: str | None  # a FHIR-style URI when known, else urn:oid:...

    def loinc(self) -> bool:
        return self.system == SYSTEMS[LOINC_OID]


def _system(oid: str | None) -> str | None:
    if not oid:
        return None
    return SYSTEMS.get(oid, f"urn:oid:{oid}")


def _concept(el: Element | None, doc: _Doc) -> _Concept:
    """Name and code of a CD/CE: displayName, else originalText (or its narrative), else a
    translation's displayName, else the bare code."""
    if el is None or (el.get("nullFlavor") and not el.get("code")):
        name = _ref_or_text(el.find("h:originalText", NS), doc) if el is not None else None
        return _Concept(name, None, None)
    code, system = el.get("code"), _system(el.get("codeSystem"))
    name = el.get("displayName") or _ref_or_text(el.find("h:originalText", NS), doc)
    for tr in el.findall("h:translation", NS):
        if not name and tr.get("displayName"):
            name = tr.get("displayName")
        if system != SYSTEMS[LOINC_OID] and tr.get("codeSystem") == LOINC_OID and tr.get("code"):
            code, system = tr.get("code"), SYSTEMS[LOINC_OID]  # prefer LOINC for measurements
    return _Concept(_norm(name) if name else code, code, system)


def _xsi_type(el: Element) -> str:
    return str(el.get(XSI_TYPE) or "").split(":")[-1].upper()


def _value(obs: Element, doc: _Doc) -> tuple[float | None, str | None, str | None]:
    """(number, unit, text) of an observation's value, whatever its xsi:type."""
    val = obs.find("h:value", NS)
    if val is None:
        return None, None, None
    kind = _xsi_type(val)
    if val.get("nullFlavor") and not val.get("value") and not val.get("code"):
        text = _ref_or_text(val.find("h:originalText", NS), doc)
        return None, None, text
    if kind in {"PQ", "INT", "REAL", "MO"}:
        number = _float(val.get("value"))
        unit = val.get("unit") or val.get("currency")
        unit = None if unit in {None, "", "1"} else unit
        if number is not None:
            return number, unit, None
        raw = " ".join(x for x in [val.get("value"), unit] if x)
        return None, None, raw or None
    if kind in {"IVL_PQ", "IVL_INT"}:
        return None, None, _interval(val) or None
    if kind in {"CD", "CE", "CV", "CO"} or val.get("code") or val.get("displayName"):
        return None, None, _concept(val, doc).name
    if kind == "BL":
        flag = val.get("value")
        return None, None, {"true": "yes", "false": "no"}.get(str(flag), flag)
    if kind in {"TS", "IVL_TS"}:
        return None, None, _time(val)
    if val.get("value"):
        return None, None, str(val.get("value"))
    return None, None, _ref_or_text(val, doc)


def _interval(el: Element) -> str:
    low, high = el.find("h:low", NS), el.find("h:high", NS)
    lo = _float(low.get("value")) if low is not None else None
    hi = _float(high.get("value")) if high is not None else None
    unit = next((x.get("unit") for x in (low, high) if x is not None and x.get("unit")), None)
    u = f" {unit}" if unit and unit != "1" else ""
    if lo is not None and hi is not None:
        return f"{human_number(lo)}–{human_number(hi)}{u}"
    if lo is not None:
        return f"at least {human_number(lo)}{u}"
    if hi is not None:
        return f"below {human_number(hi)}{u}"
    return ""


def _value_phrase(value: float | None, unit: str | None, text: str | None) -> str:
    if value is not None:
        return f"{human_number(value)} {unit}".strip() if unit else human_number(value)
    return text or "no value"


def _ref_range(obs: Element, doc: _Doc) -> tuple[float | None, float | None, str | None]:
    rng = obs.find("h:referenceRange/h:observationRange", NS)
    if rng is None:
        return None, None, None
    low = high = None
    val = rng.find("h:value", NS)
    if val is not None:
        lo, hi = val.find("h:low", NS), val.find("h:high", NS)
        low = _float(lo.get("value")) if lo is not None else None
        high = _float(hi.get("value")) if hi is not None else None
    return low, high, _ref_or_text(rng.find("h:text", NS), doc)


def _interpretation(obs: Element) -> tuple[str | None, str | None]:
    """(code, words) of the first interpretationCode."""
    for ic in obs.findall("h:interpretationCode", NS):
        code = ic.get("code")
        if code:
            known = flag_word(code)
            words = known if known != code.lower() else (ic.get("displayName") or known)
            return code, words
    return None, None


def _status(el: Element) -> str | None:
    sc = el.find("h:statusCode", NS)
    return sc.get("code") if sc is not None else None


def _observations_with(el: Element, template: str) -> Iterator[Element]:
    for obs in el.iter(f"{{{HL7}}}observation"):
        if template in _templates(obs):
            yield obs


def _entry_children(entry: Element, tag: str) -> list[Element]:
    """``entry/<tag>`` plus ``entry/act/entryRelationship/<tag>`` (wrapping acts)."""
    found = entry.findall(f"h:{tag}", NS)
    for act in entry.findall("h:act", NS):
        found += act.findall(f"h:entryRelationship/h:{tag}", NS)
    return found


# ------------------------------------------------------------------ header


def _header(root: Element, doc: _Doc) -> None:
    title = _norm(root.findtext("h:title", default="", namespaces=NS)) or None
    kind = _concept(root.find("h:code", NS), doc).name or "Clinical document"
    when = _time(root.find("h:effectiveTime", NS))
    name = title or kind
    text = f"Document: {name} ({kind})" + (f", {when}" if when else "") + "."
    item = Item("document", name, None, when, detail={"type": kind, "format": "C-CDA"})
    doc.add(doc.slug("document"), text, f"Document: {name}", "ClinicalDocument", _ii(root),
            items=(item,))
    for role in root.findall("h:recordTarget/h:patientRole", NS):
        _patient(role, doc)


def _patient(role: Element, doc: _Doc) -> None:
    patient = role.find("h:patient", NS)
    if patient is None:
        return
    full = ""
    name = patient.find("h:name", NS)
    if name is not None:
        given = [_norm(g.text or "") for g in name.findall("h:given", NS)]
        family = [_norm(f.text or "") for f in name.findall("h:family", NS)]
        full = " ".join(x for x in [*given, *family] if x) or _norm("".join(name.itertext()))
    gender_el = patient.find("h:administrativeGenderCode", NS)
    gender = _GENDERS.get(str(gender_el.get("code"))) if gender_el is not None else None
    birth_el = patient.find("h:birthTime", NS)
    birth = _ts(birth_el.get("value")) if birth_el is not None else None
    parts = [f"Patient: {full or 'unnamed'}"]
    if gender:
        parts.append(gender)
    if birth:
        parts.append(f"born {birth}")
    text = ", ".join(parts) + "."
    addr = role.find("h:addr", NS)
    if addr is not None:
        place = ", ".join(
            _norm(addr.findtext(f"h:{k}", default="", namespaces=NS))
            for k in ("city", "state", "country")
            if _norm(addr.findtext(f"h:{k}", default="", namespaces=NS))
        )
        if place:
            text += f" Lives in {place}."
    item = Item("patient", full or "unnamed", "alive", birth, detail={"gender": gender})
    doc.add(doc.slug("patient"), text, "Patient", "Patient", _ii(role), items=(item,))


def _non_xml_body(root: Element, doc: _Doc) -> None:
    """Unstructured documents: embedded plain text is indexed; PDFs, images and references
    to outside files are reported (another parser handles PDFs uploaded on their own)."""
    body = root.find("h:component/h:nonXMLBody/h:text", NS)
    if body is None:
        doc.issue("the document has neither a structured nor an unstructured body")
        return
    media = body.get("mediaType") or "text/plain"
    if body.find("h:reference", NS) is not None and not (body.text or "").strip():
        doc.issue(f"the {media} body is a reference to an outside file; it is not indexed")
        return
    if not media.startswith("text/plain") or body.get("compression"):
        doc.issue(f"embedded {media} content is not indexed from a C-CDA file", "nonXMLBody")
        return
    raw = "".join(body.itertext())
    if (body.get("representation") or "").upper() == "B64":
        try:
            raw = base64.b64decode(raw, validate=False).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            doc.issue("the embedded text is not valid base64", "nonXMLBody")
            return
    title = _norm(root.findtext("h:title", default="", namespaces=NS)) or "Document"
    _text_records(doc, doc.slug("body"), title, raw[:MAX_TEXT_CHARS], "nonXMLBody", None)


# ------------------------------------------------------------------ sections


def _section_kind(section: Element, doc: _Doc) -> tuple[str | None, _Concept]:
    code = _concept(section.find("h:code", NS), doc)
    short = {t.removeprefix(_SECTION_TEMPLATE) for t in _templates(section)}
    for kind, (templates, codes) in _KINDS.items():
        if short & templates or (code.code in codes):
            return kind, code
    return None, code


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "section"


def _section(section: Element, doc: _Doc, depth: int = 0) -> None:
    kind, code = _section_kind(section, doc)
    raw_title = _norm(section.findtext("h:title", default="", namespaces=NS))
    title = raw_title or code.name or "Section"
    if title.isupper():
        title = title.capitalize()
    slug = doc.slug(kind if kind in _FIXED_SLUGS else _slugify(title))
    before = len(doc.result.records)
    if kind is not None and section.get("nullFlavor") is None:
        entries = section.findall("h:entry", NS)
        _READERS[kind](entries, slug, title, doc)
    if len(doc.result.records) == before:
        # No entry read: the narrative is the content (and never duplicates entries).
        text_el = section.find("h:text", NS)
        if text_el is not None:
            body = narrative_text(text_el)[:MAX_TEXT_CHARS]
            _text_records(doc, slug, title, body, title, _ii(section))
    if depth >= MAX_DEPTH:
        doc.issue(f"sections nested deeper than {MAX_DEPTH} levels are not read")
        return
    for sub in section.iterfind("h:component/h:section", NS):
        _section(sub, doc, depth + 1)


def _text_records(
    doc: _Doc, slug: str, title: str, body: str, resource_type: str, rid: str | None
) -> None:
    body = body.strip()
    if not body:
        return
    for n, (a, b) in enumerate(split_text(body, doc.chunk_chars)):
        part = body[a:b].strip()
        text = f"{title}\n{part}" if n == 0 else f"{title} (part {n + 1}): {part}"
        doc.add(slug, text, title, resource_type, rid, span=(a, b))


_BLOCKS = frozenset(
    {"paragraph", "item", "caption", "tr", "list", "table", "thead", "tbody", "tfoot",
     "renderMultiMedia", "footnote"}
)


def narrative_text(el: Element) -> str:
    """Plain text of a CDA narrative block: one line per paragraph, list item or table row
    (cells joined by " | "), so chunks stay readable and quotable."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = _norm("".join(current))
        if line:
            lines.append(line)
        current.clear()

    def walk(node: Element, depth: int) -> None:
        tag = _tag(node)
        if tag in {"td", "th"}:
            if current and _norm("".join(current)):
                current.append(" | ")
        elif tag == "br":
            flush()
        elif tag in _BLOCKS:
            flush()
            if tag == "item":
                current.append("- ")
        if node.text and tag:
            current.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                if depth < MAX_DEPTH:
                    walk(child, depth + 1)
                else:  # pathological nesting: keep the text, stop recursing
                    current.append(" ".join(child.itertext()))
            if child.tail:
                current.append(child.tail)
        if tag in _BLOCKS:
            flush()

    walk(el, 0)
    flush()
    return "\n".join(line for line in lines if line.strip("-| "))


# ------------------------------------------------------------------ entry readers


def _concerns(entries: list[Element], template: str,
              read: Callable[[Element, str | None, str, _Doc], None], slug: str,
              doc: _Doc) -> None:
    """Problem and allergy entries share a shape: a concern act (whose status applies to
    all) around observations of the section's template, or bare observations."""
    for entry in entries:
        observations = list(_observations_with(entry, template))
        if not observations:
            observations = _entry_children(entry, "observation")
        concern = entry.find("h:act", NS)
        concern_status = _status(concern) if concern is not None else None
        for obs in observations:
            read(obs, concern_status, slug, doc)


def _problems(entries: list[Element], slug: str, title: str, doc: _Doc) -> None:
    _concerns(entries, _PROBLEM_OBS, _problem, slug, doc)


def _problem(obs: Element, concern_status: str | None, slug: str, doc: _Doc) -> None:
    concept = _concept(obs.find("h:value", NS), doc)
    name = concept.name or _ref_or_text(obs.find("h:text", NS), doc) or "Condition"
    onset, abated = _effective(obs, "low"), _effective(obs, "high")
    recorded = _time(obs.find("h:author/h:time", NS))
    if _negated(obs):
        doc.add(slug, f"Condition: no {name} (stated as absent).", f"Condition: no {name}",
                "Problem", _ii(obs))
        return
    if abated:
        status = "resolved"
    elif concern_status == "active":
        status = "active"
    elif concern_status in {"completed", "suspended", "aborted"}:
        status = "inactive"
    else:
        status = None
    text = f"Condition: {name}" + (f" ({status})" if status else "")
    if onset:
        text += f", onset {onset}"
    if abated:
        text += f", resolved {abated}"
    if recorded and recorded != onset:
        text += f", recorded {recorded}"
    item = Item(
        "condition", name, status, onset or recorded, concept.code, concept.system,
        {"abated": abated, "verification": None, "recorded": recorded},
    )
    doc.add(slug, text + ".", f"Condition: {name}", "Problem", _ii(obs), items=(item,))


def _product(sa: Element, doc: _Doc) -> _Concept:
    material = sa.find("h:consumable/h:manufacturedProduct/h:manufacturedMaterial", NS)
    if material is None:
        return _Concept(None, None, None)
    concept = _concept(material.find("h:code", NS), doc)
    if concept.name:
        return concept
    return _Concept(_norm(material.findtext("h:name", default="", namespaces=NS)) or None,
                    concept.code, concept.system)


def _dosage(sa: Element, doc: _Doc) -> str | None:
    sig = _ref_or_text(sa.find("h:text", NS), doc)
    if sig:
        return sig
    bits = []
    dose = sa.find("h:doseQuantity", NS)
    if dose is not None and _float(dose.get("value")) is not None:
        unit = dose.get("unit")
        bits.append(f"dose {human_number(_float(dose.get('value')) or 0)}"
                    + (f" {unit}" if unit and unit != "1" else ""))
    route = _concept(sa.find("h:routeCode", NS), doc).name
    if route:
        bits.append(route)
    for et in sa.findall("h:effectiveTime", NS):
        period = et.find("h:period", NS)
        if _xsi_type(et) == "PIVL_TS" and period is not None and period.get("value"):
            bits.append(f"every {period.get('value')} {period.get('unit') or ''}".strip())
    return ", ".join(bits) or None


def _reasons(el: Element, doc: _Doc) -> list[str]:
    out = []
    for er in el.findall("h:entryRelationship[@typeCode='RSON']", NS):
        for obs in er.findall("h:observation", NS):
            name = _concept(obs.find("h:value", NS), doc).name
            if name:
                out.append(name)
    return out


def _medications(entries: list[Element], slug: str, title: str, doc: _Doc) -> None:
    for entry in entries:
        for sa in _entry_children(entry, "substanceAdministration"):
            _medication(sa, slug, doc)


def _medication(sa: Element, slug: str, doc: _Doc) -> None:
    product = _product(sa, doc)
    name = product.name or "medication"
    is_request = sa.get("moodCode") in {"INT", "RQO", "PRMS", "PRP"}
    status = _status(sa)
    when = _effective(sa, "low")
    if _negated(sa):
        doc.add(slug, f"Medication not taken: {name}.", f"Medication: {name}",
                "SubstanceAdministration", _ii(sa))
        return
    label = "Medication" if is_request else "Medication (reported)"
    text = f"{label}: {name}" + (f" ({status})" if status else "")
    if when:
        text += f", {'prescribed' if is_request else 'since'} {when}"
    dosage = _dosage(sa, doc)
    if dosage:
        text += f". Dosage: {dosage}"
    reasons = _reasons(sa, doc)
    if reasons:
        text += f". Reason: {', '.join(reasons)}"
    item = Item(
        "medication", name, status, when, product.code, product.system,
        {"dosage": dosage, "reasons": reasons, "kind": "request" if is_request else "statement"},
    )
    doc.add(slug, text + ".", f"Medication: {name}", "SubstanceAdministration", _ii(sa),
            items=(item,))


def _allergies(entries: list[Element], slug: str, title: str, doc: _Doc) -> None:
    _concerns(entries, _ALLERGY_OBS, _allergy, slug, doc)


def _nested_value(obs: Element, template: str, doc: _Doc) -> str | None:
    for inner in _observations_with(obs, template):
        if inner is not obs:
            name = _concept(inner.find("h:value", NS), doc).name
            if name:
                return name
    return None


def _allergy(obs: Element, concern_status: str | None, slug: str, doc: _Doc) -> None:
    kind = _concept(obs.find("h:value", NS), doc)
    agent = _concept(
        obs.find("h:participant/h:participantRole/h:playingEntity/h:code", NS), doc
    )
    name = agent.name or _norm(
        obs.findtext("h:participant/h:participantRole/h:playingEntity/h:name", default="",
                     namespaces=NS)
    ) or kind.name or "allergy"
    if _negated(obs):
        what = f"no known allergy to {name}" if agent.code else f"no known allergies ({kind.name})"
        doc.add(slug, f"Allergy: {what}.", "Allergy: none known", "AllergyIntolerance",
                _ii(obs))
        return
    status = _nested_value(obs, _STATUS_OBS, doc)
    if status is None and concern_status:
        status = "active" if concern_status == "active" else "inactive"
    status = status.lower() if status else None
    crit = _nested_value(obs, _CRITICALITY_OBS, doc)
    recorded = _effective(obs, "low") or _time(obs.find("h:author/h:time", NS))
    reactions, severity = [], None
    for reaction in _observations_with(obs, _REACTION_OBS):
        rname = _concept(reaction.find("h:value", NS), doc).name
        if rname:
            reactions.append(rname)
        severity = severity or _nested_value(reaction, _SEVERITY_OBS, doc)
    severity = severity or _nested_value(obs, _SEVERITY_OBS, doc)
    qual = ", ".join(x for x in [status, f"criticality {crit}" if crit else None] if x)
    text = f"Allergy: {name}" + (f" ({qual})" if qual else "")
    if recorded:
        text += f", recorded {recorded}"
    if reactions:
        text += f". Reaction: {', '.join(reactions)}"
        if severity:
            text += f" ({severity})"
    item = Item(
        "allergy", name, status, recorded, agent.code, agent.system,
        {"criticality": crit, "reactions": reactions, "severity": severity,
         "category": kind.name},
    )
    doc.add(slug, text + ".", f"Allergy: {name}", "AllergyIntolerance", _ii(obs),
            items=(item,))


def _immunizations(entries: list[Element], slug: str, title: str, doc: _Doc) -> None:
    for entry in entries:
        for sa in _entry_children(entry, "substanceAdministration"):
            product = _product(sa, doc)
            name = product.name or "vaccine"
            when = _effective(sa, "low")
            if _negated(sa):
                doc.add(slug, f"Immunization not given: {name}" + (f" ({when})" if when else "")
                        + ".", f"Immunization: {name}", "SubstanceAdministration", _ii(sa))
                continue
            status = _status(sa)
            text = (f"Immunization: {name}" + (f" on {when}" if when else "")
                    + (f" ({status})" if status else ""))
            item = Item("immunization", name, status, when, product.code, product.system)
            doc.add(slug, text + ".", f"Immunization: {name}", "SubstanceAdministration",
                    _ii(sa), items=(item,))


def _result_observations(entry: Element) -> Iterator[tuple[Element, Element | None]]:
    """(observation, its organizer) for ``entry/observation`` and organizer components."""
    for obs in entry.findall("h:observation", NS):
        yield obs, None
    for org in entry.findall("h:organizer", NS):
        for obs in org.findall("h:component/h:observation", NS):
            yield obs, org


def _results(entries: list[Element], slug: str, title: str, doc: _Doc) -> None:
    _measurements(entries, slug, doc, "laboratory")


def _vitals(entries: list[Element], slug: str, title: str, doc: _Doc) -> None:
    _measurements(entries, slug, doc, "vital-signs")


@dataclass
class _Obs:
    el: Element
    concept: _Concept
    measurement: Measurement
    words: str | None


def _measurement(
    obs: Element, org: Element | None, category: str, doc: _Doc
) -> _Obs:
    concept = _concept(obs.find("h:code", NS), doc)
    name = concept.name or _ref_or_text(obs.find("h:text", NS), doc) or "Observation"
    value, unit, text = _value(obs, doc)
    low, high, rtext = _ref_range(obs, doc)
    interp, words = _interpretation(obs)
    when = _effective(obs) or (_effective(org) if org is not None else None)
    m = Measurement(
        code_system=concept.system or "",
        code=concept.code or name,
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
    return _Obs(obs, concept, m, words)


def _measurements(entries: list[Element], slug: str, doc: _Doc, category: str) -> None:
    for entry in entries:
        by_org: dict[int, list[_Obs]] = {}
        panels: dict[int, str | None] = {}
        for obs, org in _result_observations(entry):
            if _negated(obs):
                name = _concept(obs.find("h:code", NS), doc).name or "observation"
                doc.add(slug, f"{name}: not done.", name, "Observation", _ii(obs))
                continue
            key = id(org) if org is not None else id(obs)
            by_org.setdefault(key, []).append(_measurement(obs, org, category, doc))
            if org is not None:
                panels[key] = _concept(org.find("h:code", NS), doc).name
        for key, group in by_org.items():
            _observation_records(group, panels.get(key), slug, doc)


def _observation_records(
    group: list[_Obs], panel: str | None, slug: str, doc: _Doc
) -> None:
    loinc = {o.concept.code: o for o in group if o.concept.loinc()}
    sys_o, dia_o = loinc.get(SYSTOLIC), loinc.get(DIASTOLIC)
    paired = (
        sys_o is not None and dia_o is not None
        and sys_o.measurement.value is not None and dia_o.measurement.value is not None
        and sys_o.measurement.effective == dia_o.measurement.effective
    )
    for o in group:
        if paired and o is dia_o:
            continue
        if paired and o is sys_o and sys_o is not None and dia_o is not None:
            _blood_pressure(sys_o, dia_o, sys_o.measurement.value or 0.0,
                            dia_o.measurement.value or 0.0, slug, doc)
            continue
        m = o.measurement
        when_phrase = f" on {m.effective}" if m.effective else ""
        body = f"{m.display} {_value_phrase(m.value, m.unit, m.value_text)}{when_phrase}"
        extras = []
        rng = _range_phrase(m)
        if rng:
            extras.append(f"reference {rng}")
        if o.words:
            extras.append(o.words)
        if extras:
            body += f" ({', '.join(extras)})"
        status = _status(o.el)
        if status and status != "completed":
            body += f" [status: {status}]"
        if panel and panel != m.display:
            body += f". Panel: {panel}"
        doc.add(slug, body + ".", f"{m.display}{when_phrase}", "Observation", _ii(o.el),
                measurements=(m,))


def _range_phrase(m: Measurement) -> str:
    u = f" {m.unit}" if m.unit else ""
    if m.ref_low is not None and m.ref_high is not None:
        return f"{human_number(m.ref_low)}–{human_number(m.ref_high)}{u}"
    if m.ref_low is not None:
        return f"at least {human_number(m.ref_low)}{u}"
    if m.ref_high is not None:
        return f"below {human_number(m.ref_high)}{u}"
    return m.ref_text or ""


def _blood_pressure(
    sys_o: _Obs, dia_o: _Obs, systolic: float, diastolic: float, slug: str, doc: _Doc
) -> None:
    """Systolic and diastolic as one record, like the FHIR blood-pressure panel."""
    s = replace(sys_o.measurement, component_of=BP_PANEL)
    d = replace(dia_o.measurement, component_of=BP_PANEL)
    when_phrase = f" on {s.effective}" if s.effective else ""
    text = (
        f"Blood pressure {human_number(systolic)}/{human_number(diastolic)} "
        f"{s.unit or 'mm[Hg]'}{when_phrase} ("
        + ", ".join(
            f"{m.display.lower()} {_value_phrase(m.value, m.unit, m.value_text)}" for m in (s, d)
        )
        + ")."
    )
    doc.add(slug, text, f"Blood pressure{when_phrase}", "Observation", _ii(sys_o.el),
            measurements=(s, d))


def _procedures(entries: list[Element], slug: str, title: str, doc: _Doc) -> None:
    for entry in entries:
        for el in entry:
            tag = _tag(el)
            if tag not in {"procedure", "observation", "act"}:
                continue
            concept = _concept(el.find("h:code", NS), doc)
            name = concept.name or _ref_or_text(el.find("h:text", NS), doc) or "procedure"
            when = _effective(el)
            status = _status(el)
            if _negated(el):
                doc.add(slug, f"Procedure not done: {name}.", f"Procedure: {name}",
                        "Procedure", _ii(el))
                continue
            text = (f"Procedure: {name}" + (f" on {when}" if when else "")
                    + (f" ({status})" if status else ""))
            reasons = _reasons(el, doc)
            if reasons:
                text += f". Reason: {', '.join(reasons)}"
            item = Item("procedure", name, status, when, concept.code, concept.system)
            doc.add(slug, text + ".", f"Procedure: {name}", "Procedure", _ii(el),
                    items=(item,))


def _encounters(entries: list[Element], slug: str, title: str, doc: _Doc) -> None:
    for entry in entries:
        for enc in entry.findall("h:encounter", NS):
            concept = _concept(enc.find("h:code", NS), doc)
            name = concept.name or "Encounter"
            start = _effective(enc)
            reasons = [
                n
                for obs in _observations_with(enc, _PROBLEM_OBS)
                if (n := _concept(obs.find("h:value", NS), doc).name)
            ] + _reasons(enc, doc)
            text = f"Encounter: {name}" + (f" on {start}" if start else "")
            place = _norm(enc.findtext(
                "h:participant/h:participantRole/h:playingEntity/h:name", default="",
                namespaces=NS))
            if place:
                text += f" at {place}"
            if reasons:
                text += f". Reason: {', '.join(dict.fromkeys(reasons))}"
            item = Item("encounter", name, _status(enc), start,
                        detail={"class": None, "reasons": list(dict.fromkeys(reasons))})
            doc.add(slug, text + ".", f"Encounter {start or ''}".strip(), "Encounter",
                    _ii(enc), items=(item,))


_READERS = {
    "problems": _problems,
    "diagnoses": _problems,
    "medications": _medications,
    "medication-lists": _medications,
    "allergies": _allergies,
    "results": _results,
    "vital-signs": _vitals,
    "immunizations": _immunizations,
    "procedures": _procedures,
    "encounters": _encounters,
}
