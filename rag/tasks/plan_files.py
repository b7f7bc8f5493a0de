"""Plan files: a CSV in the shape of the CMS QHP Public Use Files / healthcare.gov landscape
files (one row per plan; columns in ``data/qhp_columns.yaml``, cost-sharing strings read by
:func:`rag.tasks.plans.parse_cost_share`), and the loader that tells JSON from CSV.
Errors name the file, the row (the header is row 1) and the column."""

from __future__ import annotations

import csv
import io
import json
import re
from functools import lru_cache
from pathlib import Path

import yaml

from rag.core.errors import InvalidPlan
from rag.tasks.claim_categories import DATA
from rag.tasks.plans import (
    MAX_PLANS,
    CostShare,
    Plan,
    check_rate,
    check_unique_ids,
    normalise,
    parse_cost_share,
    parse_money,
    parse_plans,
    plan_error,
)

# ---------------------------------------------------------------- the QHP-shaped CSV


@lru_cache(maxsize=1)
def _columns() -> tuple[dict[str, list[str]], dict[str, str]]:
    data = yaml.safe_load((DATA / "qhp_columns.yaml").read_text(encoding="utf-8"))
    fields = {f: [_key(a) for a in aliases] for f, aliases in data["fields"].items()}
    return fields, {_key(b): c for b, c in data["benefits"].items()}


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidPlan("plans CSV: cannot decode the text")  # pragma: no cover - cp1252


def parse_plans_csv(data: bytes | str, source: str = "plans.csv") -> list[Plan]:
    """Plans from a CSV with one row per plan (columns in ``data/qhp_columns.yaml``).
    Rows are numbered as in the file: the header is row 1."""
    text = _decode(data) if isinstance(data, bytes) else data
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise plan_error(source, "the CSV is empty")
    fields, benefits = _columns()
    keys = [_key(h) for h in header]
    where_field = {f: [i for a in aliases for i, k in enumerate(keys) if k == a]
                   for f, aliases in fields.items()}
    for name in ("id", "name", "premium_monthly", "deductible", "oop_max", "coinsurance"):
        if not where_field[name]:
            raise plan_error(f"{source} row 1", f"missing column '{name}' (one of: "
                        f"{', '.join(repr(a) for a in _aliases(name))})")
    benefit_cols = sorted(((i, benefits[k]) for i, k in enumerate(keys) if k in benefits),
                          key=lambda ic: list(benefits).index(keys[ic[0]]))
    plans: list[Plan] = []
    for row_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(plans) >= MAX_PLANS:
            raise plan_error(source, f"at most {MAX_PLANS} plans")
        plans.append(_csv_plan(row, header, row_no, source, where_field, benefit_cols))
    if not plans:
        raise plan_error(source, "no plan rows under the header")
    check_unique_ids(plans)
    return plans


def _aliases(name: str) -> list[str]:
    data = yaml.safe_load((DATA / "qhp_columns.yaml").read_text(encoding="utf-8"))
    return [str(a) for a in data["fields"][name]]


def _csv_plan(row: list[str], header: list[str], row_no: int, source: str,
              where_field: dict[str, list[int]], benefit_cols: list[tuple[int, str]]) -> Plan:
    def cell(i: int) -> str:
        return row[i].strip() if i < len(row) else ""

    def value(name: str) -> tuple[str, str]:
        """(cell, where) of the first column of ``name`` that applies."""
        for i in where_field[name]:
            if normalise(cell(i)) not in {"", "not applicable", "n/a"}:
                return cell(i), f"{source} row {row_no}, column {header[i].strip()!r}"
        cols = where_field[name]
        col = header[cols[0]].strip() if cols else name
        raise plan_error(f"{source} row {row_no}, column {col!r}", f"missing value for '{name}'")

    ident, _ = value("id")
    name, _ = value("name")
    numbers = {}
    for f in ("premium_monthly", "deductible", "oop_max"):
        text, where = value(f)
        numbers[f] = parse_money(text, where, f)
    text, where = value("coinsurance")
    numbers["coinsurance"] = _coinsurance(text, where)
    preventive_free = True  # the ACA's rule for in-network preventive care, unless stated
    if where_field["preventive_free"]:
        flag, where = value("preventive_free")
        if normalise(flag) not in {"true", "false", "yes", "no", "1", "0"}:
            raise plan_error(where, f"'preventive_free' must be true or false, got {flag[:20]!r}")
        preventive_free = normalise(flag) in {"true", "yes", "1"}
    shares: dict[str, CostShare] = {}
    copays: dict[str, float] = {}
    for i, category in benefit_cols:
        where = f"{source} row {row_no}, column {header[i].strip()!r}"
        share = parse_cost_share(cell(i), where)
        if share is None or category in shares:
            continue
        shares[category] = share
        if share.kind == "copay" and share.deductible == "none":
            copays[category] = share.amount
        if category == "preventive" and not where_field["preventive_free"]:
            preventive_free = share.kind == "free" and share.deductible == "none"
    if len(ident) > 64 or len(name) > 200:
        raise plan_error(f"{source} row {row_no}", "id or name too long")
    return Plan(ident, name, numbers["premium_monthly"], numbers["deductible"],
                numbers["coinsurance"], numbers["oop_max"], preventive_free, copays, shares,
                f"{source} row {row_no}")


def _coinsurance(text: str, where: str) -> float:
    """``20%``, ``20% Coinsurance after deductible``, ``0.2`` or ``No Charge``."""
    t = normalise(text)
    if re.fullmatch(r"-?\d+(?:\.\d+)?", t):
        return check_rate(float(t), where, "coinsurance")
    share = parse_cost_share(text, where)
    if share is None or share.kind not in {"coinsurance", "free"}:
        raise plan_error(where, f"'coinsurance' must be a percentage, got {text.strip()[:40]!r}")
    return share.amount


def load_plans(path: Path) -> list[Plan]:
    """Plans from a JSON plan file or a QHP-shaped CSV (told apart by their content)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidPlan(f"{path.name}: cannot read the plans file ({exc.strerror})") from exc
    return plans_from_bytes(data, path.name)


def plans_from_bytes(data: bytes, name: str) -> list[Plan]:
    if data.lstrip()[:1] in {b"{", b"["}:
        try:
            obj = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidPlan(f"{name}: not valid JSON ({exc})") from exc
        return parse_plans(obj, name)
    return parse_plans_csv(data, name)
