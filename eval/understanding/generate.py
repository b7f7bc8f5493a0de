"""Fill questions.yaml's phrasings per patient, split them into dev and test, and sample.

One question per (patient, phrasing): the slot values are picked deterministically (a hash of
the patient and the phrasing id) among those that fit the patient's bundle, and, for yes/no
types, the polarity too, so about half of them expect Yes. Each (patient, phrasing) goes to
``dev`` or ``test`` by the same kind of hash, about 50/50: tune on dev, report test.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.understanding.expected import Json, Record, expected_answer, load_vocab

SLOT = re.compile(r"\{(\w+)\}")
SECTION = {"lab": "measures", "condition": "conditions", "med": "medications",
           "vaccine": "vaccines", "allergen": "allergens", "concept": "absent_concepts"}
SPLITS = ("dev", "test")
RECENT_YEARS = 8  # {year} slots are drawn from the last years of the patient's records
MAX_SERIES = 10  # a year's history is asked only when it has 2..10 results


def h(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:15], 16)


def split_of(patient_id: str, template_id: str) -> str:
    """dev or test for a (patient, phrasing) pair; stable across runs and machines."""
    return SPLITS[h("split", patient_id, template_id) % 2]


def user_of(patient_id: str) -> str:
    return "p" + re.sub(r"[^0-9a-z]", "", patient_id.lower())[:12]


@dataclass(frozen=True)
class Question:
    qid: str
    patient: str
    user: str
    bundle: str
    qtype: str
    template: str
    lang: str
    text: str
    slots: dict[str, str] = field(hash=False)
    expected: Json = field(hash=False)
    split: str = "dev"

    def as_json(self) -> Json:
        return {"qid": self.qid, "patient": self.patient, "user": self.user,
                "bundle": self.bundle, "type": self.qtype, "template": self.template,
                "lang": self.lang, "question": self.text, "slots": self.slots,
                "expected": self.expected, "split": self.split}


def _pick(options: Sequence[str], *key: str) -> str | None:
    return options[h(*key) % len(options)] if options else None


def _years(years: Iterable[int]) -> list[str]:
    ordered = sorted(set(years))
    return [str(y) for y in ordered[-RECENT_YEARS:]]


def _polar(states: dict[str, str], yes: str, key: tuple[str, ...]) -> str | None:
    """A concept for a yes/no question: half of the time one in state ``yes`` (when the
    patient has any), else one that was recorded but is not current, else one never seen."""
    current = sorted(k for k, s in states.items() if s == yes)
    past = sorted(k for k, s in states.items() if s not in {yes, "never", "ambiguous"})
    never = sorted(k for k, s in states.items() if s == "never")
    roll = h("polarity", *key) % 4
    if current and roll < 2:
        return _pick(current, "yes", *key)
    if past and roll == 2:
        return _pick(past, "past", *key)
    return _pick(never, "never", *key) or _pick(past, "past", *key)


def _choose(rec: Record, qtype: str, tpl: Json, vocab: Json) -> dict[str, str] | None:
    """Slot values for one phrasing and one patient, or None when it does not apply."""
    v = vocab["vocab"]
    slots: dict[str, str] = {str(k): str(x) for k, x in (tpl.get("fixed") or {}).items()}
    wanted = [s for s in SLOT.findall(tpl["text"]) if s not in slots]
    groups: dict[str, str] = tpl.get("groups") or {}
    key = (rec.patient_id, str(tpl["id"]))
    for slot in wanted:
        choice: str | None = None
        if slot == "lab":
            present = rec.measures_present(groups.get("lab"))
            if qtype == "history":
                if "year" in wanted:
                    pairs = [f"{m}@{y}" for m in present
                             for y, n in _count_years(rec, m).items() if 2 <= n <= MAX_SERIES]
                    pair = _pick(sorted(pairs), "labyear", *key)
                    if pair is None:
                        return None
                    choice, slots["year"] = pair.split("@")
                else:
                    choice = _pick([m for m in present if len(rec.points(m)) >= 2], "lab", *key)
            else:
                choice = _pick(present, "lab", *key)
        elif slot == "year":
            if "year" in slots:
                continue
            if qtype == "encounter_count":
                choice = _pick(_years(rec.encounter_years()), "year", *key)
            elif qtype == "costs_year":
                choice = _pick(_years(rec.eob_by_year), "year", *key)
        elif slot == "condition":
            states = {c: rec.condition_state(c) for c in v["conditions"]}
            choice = _polar(states, "active", key)
        elif slot == "med":
            states = {m: rec.medication_state(m) for m in v["medications"]}
            choice = _polar(states, "active", key)
        elif slot == "vaccine":
            had = [k for k in v["vaccines"] if rec.doses(k)]
            pool = had if qtype == "immunization_date" else [
                k for k in v["vaccines"] if k not in had]
            choice = _pick(pool, "vaccine", *key)
        elif slot == "allergen":
            choice = _pick([a for a in v["allergens"] if rec.allergen_state(a) == "never"],
                           "allergen", *key)
        elif slot == "concept":
            choice = _pick([c for c, spec in v["absent_concepts"].items()
                            if groups.get("concept") in (None, spec.get("group"))
                            and not rec.has_concept(c)], "concept", *key)
        if choice is None:
            return None
        slots[slot] = choice
    return slots


def _count_years(rec: Record, measure: str) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for p in rec.points(measure):
        out[p.when.year] += 1
    return out


ELIDE = re.compile(r"\b(de|que|je|le|la) $", re.IGNORECASE)
VOWEL = re.compile(r"[aeiouyhéèêàâîôûœ]", re.IGNORECASE)


def _render(text: str, slots: dict[str, str], lang: str, vocab: Json, key: tuple[str, ...],
            ) -> str:
    out, pos = "", 0
    for m in SLOT.finditer(text):
        slot = m.group(1)
        value = slots[slot]
        if slot in SECTION:
            names: list[str] = vocab["vocab"][SECTION[slot]][value][lang]
            value = names[h("name", slot, *key) % len(names)]
        before = out + text[pos:m.start()]
        elide = ELIDE.search(before) if lang == "fr" and VOWEL.match(value) else None
        if elide:
            word = elide.group(1)
            before = before[:elide.start()] + ("l'" if word.lower() in {"le", "la"}
                                               else word[:-1] + "'")
        out, pos = before + value, m.end()
    return out + text[pos:]


def questions_for(rec: Record, vocab: Json) -> list[Question]:
    """Every applicable (phrasing → question) for one patient, each with its expectation."""
    out: list[Question] = []
    user = user_of(rec.patient_id)
    for qtype, spec in vocab["types"].items():
        for tpl in spec["templates"]:
            slots = _choose(rec, qtype, tpl, vocab)
            if slots is None:
                continue
            expected = expected_answer(rec, qtype, slots)
            if expected is None:
                continue
            if qtype == "yesno_absent" and expected.get("yes"):
                continue  # a fixed phrasing ("shingles vaccine") the patient did have
            key = (rec.patient_id, str(tpl["id"]))
            out.append(Question(
                qid=f"{user}:{tpl['id']}", patient=rec.patient_id, user=user,
                bundle=str(rec.path), qtype=qtype, template=str(tpl["id"]),
                lang=str(tpl["lang"]), text=_render(str(tpl["text"]), slots, tpl["lang"],
                                                    vocab, key),
                slots=slots, expected=expected, split=split_of(rec.patient_id, tpl["id"])))
    return out


def bundles_in(data: Path) -> list[Path]:
    """The bundle files under a synthea_fhir_r4 folder (or its bundles/ folder)."""
    folder = data / "bundles" if (data / "bundles").is_dir() else data
    return sorted(folder.glob("*.json"))


def build(data: Path, max_patients: int | None = None, vocab: Json | None = None,
          ) -> list[Question]:
    vocab = vocab or load_vocab()
    out: list[Question] = []
    for path in bundles_in(data)[:max_patients]:
        out += questions_for(Record.load(path, vocab), vocab)
    return out


def sample(questions: Sequence[Question], split: str, limit: int, fr_share: float = 1 / 3,
           ) -> list[Question]:
    """A bounded, deterministic sample of one split: round robin over question types, and
    within a type, French for about ``fr_share`` of the draws (when there is French left)."""
    by_type: dict[str, dict[str, list[Question]]] = defaultdict(lambda: defaultdict(list))
    for q in sorted((q for q in questions if q.split == split),
                    key=lambda q: h("order", q.qid)):
        by_type[q.qtype][q.lang].append(q)
    picked: list[Question] = []
    drawn: dict[str, int] = defaultdict(int)
    while len(picked) < limit and any(any(v.values()) for v in by_type.values()):
        for qtype in sorted(by_type):
            pools = by_type[qtype]
            if len(picked) >= limit or not any(pools.values()):
                continue
            n = drawn[qtype]
            want = "fr" if int((n + 2) * fr_share) > int((n + 1) * fr_share) else "en"
            lang = want if pools.get(want) else next(k for k, v in pools.items() if v)
            picked.append(pools[lang].pop(0))
            drawn[qtype] += 1
    return picked


def summary(questions: Sequence[Question]) -> dict[str, Any]:
    per: dict[str, int] = defaultdict(int)
    for q in questions:
        per[q.qtype] += 1
    return {"n": len(questions), "per_type": dict(sorted(per.items())),
            "fr": sum(q.lang == "fr" for q in questions),
            "patients": len({q.patient for q in questions})}


__all__ = ["Question", "build", "bundles_in", "questions_for", "sample", "split_of",
           "summary", "user_of"]


def _main() -> None:  # pragma: no cover - a look at the generated set
    import argparse
    import json

    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--split", choices=SPLITS, default="dev")
    ap.add_argument("--limit", type=int, default=150)
    args = ap.parse_args()
    qs = sample(build(args.data), args.split, args.limit)
    for q in qs:
        print(json.dumps({"q": q.text, "type": q.qtype, "expected": q.expected},
                         ensure_ascii=False)[:300])
    print(summary(qs))


if __name__ == "__main__":  # pragma: no cover
    _main()
