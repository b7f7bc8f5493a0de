"""``healthrag insurance spending|compare``: what a person's claims cost them, and which plan
would have cost less, replayed from those claims (``shared/contract.md``, "Insurance").

A bad plan file and a person without claims exit 1 with one line on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {text!r}") from exc


def _print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _money(value: float) -> str:
    return f"{value:,.2f}"


def cmd_spending(args: argparse.Namespace) -> int:
    from api.cli import _service

    service = _service(args)
    try:
        out = service.insurance.spending(args.user, args.year)
    finally:
        service.close()
    if args.json:
        _print_json(out)
        return 0
    cur = out["currency"]
    print(f"{out['year']}: {out['claims']} claims, {out['lines']} lines ({cur})")
    for key, label in (("billed", "billed"), ("allowed", "allowed"),
                       ("plan_paid", "plan paid"), ("you_paid", "you paid")):
        print(f"  {label:<10} {_money(out[key]):>12}")
    for cat, row in out["by_category"].items():
        print(f"  {cat:<14} allowed {_money(row['allowed']):>10}  you paid "
              f"{_money(row['you_paid']):>10}")
    for c in out["citations"]:
        print(f"  [{c['marker']}] {c['source']['resource_type']}/{c['source']['resource_id']}")
    return 0


def _table(out: dict[str, Any]) -> list[str]:
    rows = [f"{'plan':<24} {'premiums':>12} {'out of pocket':>14} {'total':>12}"]
    for p in sorted(out["plans"], key=lambda p: p["total"]):
        mark = "  <- cheapest" if p["id"] == out["cheapest"] else ""
        rows.append(f"{p['name'][:24]:<24} {_money(p['premiums']):>12} "
                    f"{_money(p['out_of_pocket']):>14} {_money(p['total']):>12}{mark}")
    return rows


def cmd_compare(args: argparse.Namespace) -> int:
    from api.cli import _service
    from rag.service import check_period
    from rag.tasks.insurance import NoClaimsToReplay, generic_comparison
    from rag.tasks.plan_files import load_plans

    plans = load_plans(Path(args.plans))  # a bad file fails before anything is opened
    start, end = getattr(args, "start", None), getattr(args, "end", None)
    check_period(start, end)
    if args.generic:
        out = generic_comparison(plans)
        if args.json:
            _print_json(out)
        else:
            for prof in out["profiles"]:
                print(f"{prof['name']} ({prof['label']}): cheapest {prof['cheapest']}")
        return 0
    if not args.user:
        print("error: --user is required (or --generic)", file=sys.stderr)
        return 1
    service = _service(args)
    try:
        out = service.insurance.compare(args.user, plans, start, end)
    except NoClaimsToReplay as exc:
        print(f"error: {exc.message} (healthrag insurance compare --generic --plans "
              f"{args.plans})", file=sys.stderr)
        return 1
    finally:
        service.close()
    if args.json:
        _print_json(out)
        return 0
    window = out["window"]
    print(f"{window['from']} to {window['to']}: {out['claims']} claims ({out['currency']})")
    print("\n".join(_table(out)))
    print(f"cheapest: {out['cheapest_name']}, {_money(out['difference'])} less than the next")
    for sc in out["scenarios"][1:]:
        print(f"{sc['label']}: cheapest {sc['cheapest']}")
    for caveat in out["caveats"]:
        print(f"note: {caveat}")
    return 0


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """The ``insurance`` subcommand group."""
    p = sub.add_parser("insurance", parents=[common],
                       help="what your claims cost you; which plan would have cost less")
    isub = p.add_subparsers(dest="insurance_cmd", required=True)
    s = isub.add_parser("spending", parents=[common],
                        help="billed, allowed, plan paid and your share for one year")
    s.add_argument("--user", required=True)
    s.add_argument("--year", type=int, required=True)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_spending)
    c = isub.add_parser("compare", parents=[common],
                        help="replay your claims through each plan of a plans file (JSON/CSV)")
    c.add_argument("--user")
    c.add_argument("--plans", required=True, help="the plans: contract JSON or QHP-style CSV")
    c.add_argument("--from", dest="start", type=_date, metavar="DATE",
                   help="first day (default: 12 months before the latest claim)")
    c.add_argument("--to", dest="end", type=_date, metavar="DATE", help="last day, inclusive")
    c.add_argument("--generic", action="store_true",
                   help="price the plans on generic low/medium/high years of care")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_compare)
