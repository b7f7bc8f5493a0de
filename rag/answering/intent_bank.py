"""The labelled intent bank (``rag/answering/intents/*.yaml``) as typed examples, and the
one deterministic train/test split every measurement of the intent model uses.

The bank is data written by us (never copied from an evaluation set); its schema is checked
by ``rag/answering/intents/stats.py``. Here we only read it, refusing a malformed file
loudly (a broken bank is a packaging bug, not something to train around).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from rag.answering.query import CATEGORIES, OPERATIONS, Category, Operation
from rag.core.text import fold

__all__ = ["BANK_DIR", "TEST_SHARE", "Example", "fingerprint", "load_bank", "split", "text_key"]

BANK_DIR = Path(__file__).resolve().parent / "intents"
# libyaml's safe loader reads the bank in 0.3 s where the pure-Python one takes 2.5 s.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TEST_SHARE = 0.2


@dataclass(frozen=True)
class Example:
    """One labelled question of the bank."""

    text: str
    lang: str
    operation: Operation
    category: Category
    concepts: tuple[str, ...] = ()
    time: str | None = None
    unit: str | None = None
    followup: bool = False


def text_key(text: str) -> str:
    """The text as the split and the duplicate check see it: folded, punctuation-free, so
    "What's my A1c?" and "whats my a1c" fall on the same side of the split."""
    folded = fold(text)
    key = " ".join(re.sub(r"[^\w]+", " ", folded).split())
    return key or " ".join(folded.split())


def _operation(value: object, where: str) -> Operation:
    for op in OPERATIONS:
        if value == op:
            return op
    raise ValueError(f"{where}: unknown operation {value!r}")


def _category(value: object, where: str) -> Category:
    for cat in CATEGORIES:
        if value == cat:
            return cat
    raise ValueError(f"{where}: unknown category {value!r}")


def _example(raw: object, operation: Operation, where: str) -> Example:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise ValueError(f"{where}: an example needs a text")
    concepts = raw.get("concepts") or []
    if not isinstance(concepts, list):
        raise ValueError(f"{where}: concepts must be a list")
    time, unit = raw.get("time"), raw.get("unit")
    return Example(
        text=raw["text"],
        lang=str(raw.get("lang") or "en"),
        operation=operation,
        category=_category(raw.get("category"), where),
        concepts=tuple(str(c) for c in concepts),
        time=str(time) if time is not None else None,
        unit=str(unit) if unit is not None else None,
        followup=bool(raw.get("followup", False)),
    )


def _read_file(path: Path) -> list[Example]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # a safe loader
    if not isinstance(data, dict) or "examples" not in data:
        raise ValueError(f"{path.name}: expected a mapping with 'operation' and 'examples'")
    operation = _operation(data.get("operation"), path.name)
    return [
        _example(raw, operation, f"{path.name}[{i}]")
        for i, raw in enumerate(data["examples"] or [])
    ]


@lru_cache(maxsize=4)
def _load(directory: Path, stamp: tuple[tuple[str, int, int], ...]) -> tuple[Example, ...]:
    del stamp  # part of the cache key only: a changed file is read again
    out: list[Example] = []
    for path in sorted(directory.glob("*.yaml")):
        out.extend(_read_file(path))
    if not out:
        raise ValueError(f"no intent examples under {directory}")
    return tuple(out)


def load_bank(directory: Path = BANK_DIR) -> tuple[Example, ...]:
    """Every example of the bank, file by file in name order (cached until a file changes,
    since the bank is still growing while the service runs in development)."""
    stamp = tuple(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(directory.glob("*.yaml"))
    )
    return _load(directory.resolve(), stamp)


def _in_test(text: str, share: float) -> bool:
    digest = hashlib.sha256(text_key(text).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def split(
    examples: Sequence[Example], test_share: float = TEST_SHARE
) -> tuple[list[Example], list[Example]]:
    """(train, test): an example is in test when the hash of its folded text falls in the
    first ``test_share`` of the hash space. The split does not depend on the order or on the
    other examples, so it stays put while the bank grows: a test example never moves to
    train and back."""
    train: list[Example] = []
    test: list[Example] = []
    for ex in examples:
        (test if _in_test(ex.text, test_share) else train).append(ex)
    return train, test


def fingerprint(examples: Iterable[Example]) -> str:
    """A short hash of the labelled texts: the key of the in-process model cache."""
    h = hashlib.sha256()
    for ex in examples:
        h.update(f"{ex.text}\x1f{ex.operation}\x1f{ex.category}\x1e".encode())
    return h.hexdigest()[:16]
