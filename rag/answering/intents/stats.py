"""Validate the intent bank (``rag/answering/intents/*.yaml``) and the lay lexicon
(``rag/answering/lexicon/lay_terms.yaml``), and print their counts.

Usage::

    python rag/answering/intents/stats.py              # validate + counts (text tables)
    python rag/answering/intents/stats.py --markdown   # the same tables in Markdown
    python rag/answering/intents/stats.py --strict     # also enforce the size targets
    python rag/answering/intents/stats.py --synthea shared/data/synthea_fhir_r4/bundles
                                                       # + Synthea codes the lexicon lacks

Bank checks: each file names one allowed operation equal to its file name; every example
has the allowed keys and labels; every concept is a verbatim substring of its text;
``time`` is null or a short lower-case tag; no text occurs twice in the whole bank
(compared case-, accent- and punctuation-insensitively).
Lexicon checks: allowed keys, categories and code lists; lower-case phrases; a phrase
belongs to one entry only within a language (accent-insensitive).
Exits 1 on any error. Needs only the standard library and PyYAML.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
LEXICON = HERE.parent / "lexicon" / "lay_terms.yaml"

OPERATIONS = (
    "latest",
    "history",
    "trend",
    "list",
    "exists",
    "count",
    "sum",
    "who",
    "when",
    "explain",
    "compare",
    "knowledge",
    "prepare",
    "insurance",
    "clarify",
    "other",
)
CATEGORIES = (
    "observation",
    "condition",
    "medication",
    "allergy",
    "immunization",
    "procedure",
    "encounter",
    "practitioner",
    "organization",
    "claim",
    "report",
    "careplan",
    "none",
)
LANGS = ("en", "fr")
REQUIRED = {"text", "lang", "category", "concepts", "time", "unit"}
OPTIONAL = {"followup"}
TIME_TAG = re.compile(r"^[a-z0-9][a-z0-9_]{0,39}$")

LEXICON_ENTRY_KEYS = {"phrases_en", "phrases_fr", "concepts", "sensitive"}
CONCEPT_KEYS = {
    "category",
    "names",
    "loinc",
    "snomed",
    "rxnorm",
    "cvx",
    "encounter_class",
    "adjudication",
}
CODE_KEYS = ("loinc", "snomed", "rxnorm", "cvx")
ENCOUNTER_CLASSES = {"AMB", "EMER", "IMP", "VR", "HH", "OBSENC", "SS"}
MIN_LEXICON_ENTRIES = 250

MIN_PER_OPERATION = 60  # per operation and language
MIN_PER_CATEGORY = 40  # per category (except none) and language


def normalise(text: str) -> str:
    """Key for duplicate detection: case-, accent-, punctuation- and space-insensitive."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    key = " ".join(re.sub(r"[^\w]+", " ", folded).split())
    return key or " ".join(folded.split())  # punctuation-only texts ("?", "...") compare as typed


def load(directory: Path = HERE) -> tuple[list[dict[str, Any]], list[str]]:
    """All examples (each with its ``operation``) and the list of schema errors."""
    examples: list[dict[str, Any]] = []
    errors: list[str] = []
    files = sorted(directory.glob("*.yaml"))
    if not files:
        errors.append(f"no *.yaml in {directory}")
    seen_ops: set[str] = set()
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            errors.append(f"{path.name}: not valid YAML: {exc}")
            continue
        if not isinstance(data, dict) or set(data) != {"operation", "examples"}:
            errors.append(f"{path.name}: top level must be exactly {{operation, examples}}")
            continue
        op = data["operation"]
        if op not in OPERATIONS:
            errors.append(f"{path.name}: unknown operation {op!r}")
        if op != path.stem:
            errors.append(f"{path.name}: operation {op!r} differs from the file name")
        seen_ops.add(op)
        for i, ex in enumerate(data["examples"] or []):
            where = f"{path.name}[{i}]"
            if not isinstance(ex, dict):
                errors.append(f"{where}: not a mapping")
                continue
            keys = set(ex)
            if not keys >= REQUIRED or keys - REQUIRED - OPTIONAL:
                errors.append(f"{where}: keys {sorted(keys)}; need {sorted(REQUIRED)} (+ followup)")
                continue
            text = ex["text"]
            where = f"{path.name}[{i}] {text!r}"
            if not isinstance(text, str) or not text.strip() or text != text.strip():
                errors.append(f"{where}: text must be a non-empty trimmed string")
                continue
            if ex["lang"] not in LANGS:
                errors.append(f"{where}: lang {ex['lang']!r} not in {LANGS}")
            if ex["category"] not in CATEGORIES:
                errors.append(f"{where}: category {ex['category']!r} not allowed")
            concepts = ex["concepts"]
            if not isinstance(concepts, list) or not all(
                isinstance(c, str) and c for c in concepts
            ):
                errors.append(f"{where}: concepts must be a list of non-empty strings")
            else:
                for c in concepts:
                    if c not in text:
                        errors.append(f"{where}: concept {c!r} is not a substring of the text")
                if len(set(concepts)) != len(concepts):
                    errors.append(f"{where}: repeated concept")
            t = ex["time"]
            if t is not None and not (isinstance(t, str) and TIME_TAG.match(t)):
                errors.append(f"{where}: time {t!r} must be null or a tag like 'last_year'")
            u = ex["unit"]
            if u is not None and not (isinstance(u, str) and u.strip()):
                errors.append(f"{where}: unit must be null or a non-empty string")
            if "followup" in ex and ex["followup"] is not True:
                errors.append(f"{where}: followup, when present, must be true")
            examples.append({**ex, "operation": op})
    for op in OPERATIONS:
        if op not in seen_ops:
            errors.append(f"missing file for operation {op!r}")
    first: dict[str, str] = {}
    for ex in examples:
        key = normalise(ex["text"])
        if key in first:
            errors.append(
                f"duplicate text {ex['text']!r} ({ex['operation']}; first in {first[key]})"
            )
        else:
            first[key] = ex["operation"]
    return examples, errors


def fold(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in norm if not unicodedata.combining(c)).split())


def load_lexicon(path: Path = LEXICON) -> tuple[list[dict[str, Any]], list[str]]:
    """The lexicon entries and the list of schema errors."""
    if not path.exists():
        return [], [f"lexicon not found: {path}"]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return [], [f"{path.name}: not valid YAML: {exc}"]
    if not isinstance(data, list):
        return [], [f"{path.name}: top level must be a list of entries"]
    errors: list[str] = []
    owner: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(data):
        where = f"{path.name}[{i}]"
        if (
            not isinstance(entry, dict)
            or set(entry) - LEXICON_ENTRY_KEYS
            or "concepts" not in entry
        ):
            errors.append(
                f"{where}: keys must be among {sorted(LEXICON_ENTRY_KEYS)}, with concepts"
            )
            continue
        if "sensitive" in entry and entry["sensitive"] is not True:
            errors.append(f"{where}: sensitive, when present, must be true")
        phrases = 0
        for lang in LANGS:
            values = entry.get(f"phrases_{lang}") or []
            if not isinstance(values, list):
                errors.append(f"{where}: phrases_{lang} must be a list")
                continue
            for p in values:
                if not isinstance(p, str) or not p.strip() or p != p.strip() or p != p.lower():
                    errors.append(f"{where}: phrase {p!r} must be a trimmed lower-case string")
                    continue
                phrases += 1
                key = (lang, fold(p))
                if key in owner and owner[key] != i:
                    errors.append(f"{where}: {lang} phrase {p!r} also in entry {owner[key]}")
                owner.setdefault(key, i)
        if not phrases:
            errors.append(f"{where}: no phrase")
        concepts = entry["concepts"]
        if not isinstance(concepts, list) or not concepts:
            errors.append(f"{where}: concepts must be a non-empty list")
            continue
        for c in concepts:
            if not isinstance(c, dict) or set(c) - CONCEPT_KEYS:
                errors.append(f"{where}: concept keys must be among {sorted(CONCEPT_KEYS)}")
                continue
            if c.get("category") not in CATEGORIES or c.get("category") == "none":
                errors.append(f"{where}: concept category {c.get('category')!r} not allowed")
            names = c.get("names")
            if (
                not isinstance(names, list)
                or not names
                or not all(isinstance(n, str) and n for n in names)
            ):
                errors.append(f"{where}: concept names must be a non-empty list of strings")
            enc = c.get("encounter_class")
            if enc is not None and enc not in ENCOUNTER_CLASSES:
                errors.append(
                    f"{where}: encounter_class {enc!r} not in {sorted(ENCOUNTER_CLASSES)}"
                )
            for k in (*CODE_KEYS, "adjudication"):
                v = c.get(k)
                if v is not None and not (
                    isinstance(v, list) and all(isinstance(x, str) and x for x in v)
                ):
                    errors.append(f'{where}: {k} must be a list of strings (quote codes like "08")')
    return data, errors


def lexicon_tables(entries: list[dict[str, Any]]) -> list[list[str]]:
    by_cat: Counter[str] = Counter()
    sens: Counter[str] = Counter()
    phrases: Counter[tuple[str, str]] = Counter()
    for e in entries:
        cat = e["concepts"][0]["category"] if e.get("concepts") else "?"
        by_cat[cat] += 1
        sens[cat] += bool(e.get("sensitive"))
        for lang in LANGS:
            phrases[(cat, lang)] += len(e.get(f"phrases_{lang}") or [])
    rows = [["first concept category", "entries", "sensitive", "phrases en", "phrases fr"]]
    for cat in CATEGORIES:
        if by_cat[cat]:
            rows.append(
                [
                    cat,
                    str(by_cat[cat]),
                    str(sens[cat]),
                    str(phrases[(cat, "en")]),
                    str(phrases[(cat, "fr")]),
                ]
            )
    rows.append(
        [
            "total",
            str(sum(by_cat.values())),
            str(sum(sens.values())),
            str(sum(v for (_, lang), v in phrases.items() if lang == "en")),
            str(sum(v for (_, lang), v in phrases.items() if lang == "fr")),
        ]
    )
    return rows


def synthea_gaps(entries: list[dict[str, Any]], bundles: Path) -> Counter[tuple[str, str, str]]:
    """(resource type, code, display) of coded Synthea resources no lexicon concept names."""
    import json

    known = {
        code
        for e in entries
        for c in e.get("concepts") or []
        for k in CODE_KEYS
        for code in c.get(k) or []
    }
    field = {
        "Condition": "code",
        "Observation": "code",
        "Procedure": "code",
        "AllergyIntolerance": "code",
        "DiagnosticReport": "code",
        "MedicationRequest": "medicationCodeableConcept",
        "Immunization": "vaccineCode",
    }
    gaps: Counter[tuple[str, str, str]] = Counter()
    for f in sorted(bundles.glob("*.json")):
        for item in json.loads(f.read_text(encoding="utf-8")).get("entry", []):
            r = item.get("resource", {})
            kind = r.get("resourceType")
            if kind in field:
                cc = r.get(field[kind]) or {}
            elif kind == "Encounter":
                cc = (r.get("type") or [{}])[0]
            else:
                continue
            codings = cc.get("coding") or []
            if codings and not any(cd.get("code") in known for cd in codings):
                gaps[(kind, codings[0].get("code"), codings[0].get("display"))] += 1
    return gaps


def tables(examples: list[dict[str, Any]]) -> dict[str, list[list[str]]]:
    by_op = Counter((e["operation"], e["lang"]) for e in examples)
    fu = Counter((e["operation"], e["lang"]) for e in examples if e.get("followup"))
    by_cat = Counter((e["category"], e["lang"]) for e in examples)
    ops = [["operation", "en", "fr", "total", "followup en", "followup fr"]]
    for op in OPERATIONS:
        en, fr = by_op[(op, "en")], by_op[(op, "fr")]
        ops.append([op, str(en), str(fr), str(en + fr), str(fu[(op, "en")]), str(fu[(op, "fr")])])
    en = sum(by_op[(o, "en")] for o in OPERATIONS)
    fr = sum(by_op[(o, "fr")] for o in OPERATIONS)
    ops.append(
        [
            "total",
            str(en),
            str(fr),
            str(en + fr),
            str(sum(fu[(o, "en")] for o in OPERATIONS)),
            str(sum(fu[(o, "fr")] for o in OPERATIONS)),
        ]
    )
    cats = [["category", "en", "fr", "total"]]
    for cat in CATEGORIES:
        a, b = by_cat[(cat, "en")], by_cat[(cat, "fr")]
        cats.append([cat, str(a), str(b), str(a + b)])
    return {"operation x language": ops, "category x language": cats}


def shortfalls(examples: list[dict[str, Any]]) -> list[str]:
    by_op = Counter((e["operation"], e["lang"]) for e in examples)
    by_cat = Counter((e["category"], e["lang"]) for e in examples)
    out = []
    for lang in LANGS:
        for op in OPERATIONS:
            if by_op[(op, lang)] < MIN_PER_OPERATION:
                out.append(f"{op}/{lang}: {by_op[(op, lang)]} < {MIN_PER_OPERATION}")
        for cat in CATEGORIES:
            if cat != "none" and by_cat[(cat, lang)] < MIN_PER_CATEGORY:
                out.append(f"{cat}/{lang}: {by_cat[(cat, lang)]} < {MIN_PER_CATEGORY}")
    return out


def render(rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ap.add_argument("--strict", action="store_true", help="fail when a size target is missed")
    ap.add_argument("--dir", type=Path, default=HERE, help="bank folder (default: this one)")
    ap.add_argument("--lexicon", type=Path, default=LEXICON, help="lay lexicon file")
    ap.add_argument(
        "--synthea", type=Path, help="folder of Synthea bundles: list codes the lexicon lacks"
    )
    args = ap.parse_args(argv)
    examples, errors = load(args.dir)
    entries, lex_errors = load_lexicon(args.lexicon)
    errors += lex_errors
    all_tables = {**tables(examples), "lexicon entries": lexicon_tables(entries)}
    for title, rows in all_tables.items():
        print(f"\n{title}\n" if not args.markdown else f"\n### {title}\n")
        print(render(rows, args.markdown))
    if args.synthea:
        gaps = synthea_gaps(entries, args.synthea)
        print(f"\nSynthea codes without a lexicon concept: {len(gaps)}")
        for (kind, code, display), n in gaps.most_common():
            print(f"  {n:4d}  {kind:18s} {code:18s} {display}")
    short = shortfalls(examples)
    if len(entries) < MIN_LEXICON_ENTRIES:
        short.append(f"lexicon: {len(entries)} entries < {MIN_LEXICON_ENTRIES}")
    if short:
        print("\nbelow target: " + "; ".join(short))
    for e in errors:
        print("ERROR", e, file=sys.stderr)
    if errors or (args.strict and short):
        return 1
    print(
        f"\nOK: {len(examples)} examples and {len(entries)} lexicon entries,"
        " schemas valid, no duplicates"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
