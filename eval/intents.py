"""Intent accuracy on the held-out part of our labelled bank: n-gram model alone, and
n-gram + MiniLM embeddings.

    .venv/bin/python -m eval.intents --out eval/reports/intents.md [--json] [--ngram-only]

The bank (``rag/answering/intents/*.yaml``) is split by a hash of each folded text
(``rag.answering.intent_bank.split``: 20% test, stable as the bank grows). Both models
train on the train part only and are scored on the test part: operation, category and
both, per language and per operation, with the operation confusion table; the n-gram
model also without its rules (tie cues, contradictions: ``intent_rules.py``). Follow-up
fragments ("and in 2025?") are labelled with the operation they continue; they are scored
too, and also reported apart, since in the product they inherit the operation from the
conversation rather than from the model. The real embedder is all-MiniLM-L6-v2 from its
PyPI package, offline (``HF_HUB_OFFLINE=1``); its bank vectors are cached in
``eval/.cache``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.answering.intent_bank import Example, fingerprint, load_bank, split
from rag.answering.intent_model import IntentModel, Prediction, train
from rag.answering.query import OPERATIONS
from rag.embedder import Embedder

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "eval" / ".cache"


@dataclass
class Scored:
    name: str
    train_s: float
    predictions: list[Prediction]


def _acc(pairs: Sequence[tuple[bool, bool]]) -> dict[str, float]:
    n = len(pairs) or 1
    return {"operation": sum(o for o, _ in pairs) / n, "category": sum(c for _, c in pairs) / n,
            "both": sum(o and c for o, c in pairs) / n, "n": len(pairs)}


def metrics(test: Sequence[Example], preds: Sequence[Prediction]) -> dict[str, Any]:
    """Accuracies overall, per language, per operation, for follow-ups and the rest."""
    hits = [(p.operation == e.operation, p.category == e.category)
            for e, p in zip(test, preds, strict=True)]

    def subset(keep: Sequence[bool]) -> dict[str, float]:
        return _acc([h for h, k in zip(hits, keep, strict=True) if k])

    return {
        "all": _acc(hits),
        "by_language": {lang: subset([e.lang == lang for e in test]) for lang in ("en", "fr")},
        "by_operation": {op: subset([e.operation == op for e in test]) for op in OPERATIONS},
        "followup": subset([e.followup for e in test]),
        "standalone": subset([not e.followup for e in test]),
        "tie_broken": sum(p.tie_broken for p in preds),
    }


def confusion(test: Sequence[Example], preds: Sequence[Prediction]) -> list[str]:
    """The operation confusion table (rows: labelled, columns: predicted), Markdown."""
    counts = Counter((e.operation, p.operation) for e, p in zip(test, preds, strict=True))
    ops = [op for op in OPERATIONS if any(k[0] == op or k[1] == op for k in counts)]
    short = {op: op[:5] for op in ops}
    lines = ["| labelled \\ predicted | " + " | ".join(short[o] for o in ops) + " |",
             "|---|" + "---:|" * len(ops)]
    for row in ops:
        cells = [str(counts[(row, col)]) if counts[(row, col)] else "·" for col in ops]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return lines


def errors(test: Sequence[Example], preds: Sequence[Prediction], limit: int = 25) -> list[str]:
    out = [f"- `{e.text}` ({e.lang}): {e.operation}/{e.category} → "
           f"{p.operation}/{p.category} (p={p.operation_p:.2f})"
           for e, p in zip(test, preds, strict=True) if p.operation != e.operation]
    return out[:limit]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def report(test: Sequence[Example], train_n: int, runs: Sequence[Scored],
           bank_id: str, note: str) -> str:
    ms = {r.name: metrics(test, r.predictions) for r in runs}
    names = [r.name for r in runs]
    lines = [
        "# Intent model: accuracy on the held-out bank split",
        "",
        f"Bank `{bank_id}`: {train_n} train / {len(test)} test examples (split by a hash of "
        "each folded text, 20% test). Trained on train only; scored on test. "
        f"Command: `python -m eval.intents --out eval/reports/intents.md`. {note}",
        "",
        "## Overall",
        "",
        "| model | train s | operation | category | both | op EN | op FR | op standalone "
        "| op follow-up |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        m = ms[r.name]
        lines.append(
            f"| {r.name} | {r.train_s:.1f} | {_pct(m['all']['operation'])} | "
            f"{_pct(m['all']['category'])} | {_pct(m['all']['both'])} | "
            f"{_pct(m['by_language']['en']['operation'])} | "
            f"{_pct(m['by_language']['fr']['operation'])} | "
            f"{_pct(m['standalone']['operation'])} | {_pct(m['followup']['operation'])} "
            f"(n={m['followup']['n']}) |")
    lines += ["", "## Per language", "",
              "| model | language | n | operation | category | both |",
              "|---|---|---:|---:|---:|---:|"]
    for name in names:
        for lang, a in ms[name]["by_language"].items():
            lines.append(f"| {name} | {lang} | {a['n']} | {_pct(a['operation'])} | "
                         f"{_pct(a['category'])} | {_pct(a['both'])} |")
    lines += ["", "## Per operation (operation accuracy)", "",
              "| operation | n | " + " | ".join(names) + " |",
              "|---|---:|" + "---:|" * len(names)]
    for op in OPERATIONS:
        n = ms[names[0]]["by_operation"][op]["n"]
        cells = [_pct(ms[name]["by_operation"][op]["operation"]) for name in names]
        lines.append(f"| {op} | {n} | " + " | ".join(cells) + " |")
    best = runs[-1]
    lines += ["", f"## Operation confusion ({best.name})", "", *confusion(test, best.predictions),
              "", f"## First misclassified test questions ({best.name})", "",
              *errors(test, best.predictions)]
    return "\n".join(lines) + "\n"


def _timed(examples: Sequence[Example], embedder: Embedder | None,
           rules: bool = True) -> tuple[IntentModel, float]:
    start = time.perf_counter()
    model = train(examples, embedder, cache_dir=CACHE, rules=rules)
    return model, time.perf_counter() - start


def _real_embedder() -> Embedder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rag.core.settings import EmbeddingSettings
    from rag.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(EmbeddingSettings())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "intents.md")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument("--ngram-only", action="store_true", help="skip the MiniLM model")
    args = parser.parse_args(argv)
    bank = load_bank()
    train_set, test_set = split(bank)
    texts = [e.text for e in test_set]
    runs: list[Scored] = []
    model, secs = _timed(train_set, None, rules=False)
    runs.append(Scored("n-gram, no rules", secs, model.predict_many(texts)))
    model, secs = _timed(train_set, None)
    runs.append(Scored("n-gram", secs, model.predict_many(texts)))
    note = f"Machine: {platform.machine()}, {os.cpu_count()} CPUs."
    if not args.ngram_only:
        embedder = _real_embedder()
        model, secs = _timed(train_set, embedder)
        if not model.uses_embedder:
            raise SystemExit("the MiniLM embedder failed the semantic probes")
        runs.append(Scored("n-gram + MiniLM", secs, model.predict_many(texts)))
        note += " MiniLM train time includes embedding the bank unless eval/.cache had it."
    text = report(test_set, len(train_set), runs, fingerprint(bank), note)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    summary = {r.name: {"train_s": round(r.train_s, 2), **metrics(test_set, r.predictions)}
               for r in runs}
    if args.json:
        json.dump({"bank": fingerprint(bank), "train": len(train_set), "test": len(test_set),
                   "models": summary}, sys.stdout, indent=1)
        print()
    else:
        for name, m in summary.items():
            print(f"{name}: operation {_pct(m['all']['operation'])}, category "
                  f"{_pct(m['all']['category'])}, both {_pct(m['all']['both'])}")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
