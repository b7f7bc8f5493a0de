"""The ``healthrag`` command line (see ../shared/contract.md)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from api import cli_insurance
from rag.core.errors import HealthragError
from rag.core.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    if getattr(args, "locale", None):
        overrides["locale"] = args.locale
    return Settings(**overrides)


def _service(args: argparse.Namespace) -> Any:
    from rag.service import Service

    return Service(_settings(args))


def _print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


class ProgressBar:
    """One bar per phase on stderr: bytes read while parsing, chunks while embedding."""

    LABELS: ClassVar[dict[str, str]] = {"parse": "reading", "embed": "embedding"}

    def __init__(self) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self._bar: Any = None
        self._phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self._phase or self._bar is None or total != self._bar.total:
            self.close()
            self._phase = phase
            unit = "B" if phase == "parse" else " chunks"
            self._bar = self._tqdm(total=total, unit=unit, unit_scale=phase == "parse",
                                   desc=self.LABELS.get(phase, phase), file=sys.stderr,
                                   leave=True, dynamic_ncols=True, mininterval=0.2)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def cmd_ingest(args: argparse.Namespace) -> int:
    service = _service(args)
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    bar = ProgressBar() if show else None
    try:
        missing = [p for p in args.paths if not Path(p).exists()]
        summary = service.ingest(args.user, [Path(p) for p in args.paths if Path(p).exists()],
                                 progress=bar)
    finally:
        if bar is not None:
            bar.close()
        service.close()
    out = summary.as_json()
    for p in missing:
        out["errors"].append({"file": p, "code": "not_found", "message": f"{p}: no such file"})
    if args.json:
        _print_json(out)
    else:
        print(
            f"ingested {out['documents']} file(s): {out['records']} records, "
            f"{out['chunks']} chunks, {out['unchanged']} unchanged, "
            f"{len(out['errors'])} error(s)"
        )
        for e in out["errors"]:
            print(f"error: {e['message']}", file=sys.stderr)
    return 0 if summary.ok and not missing else 1


def cmd_ask(args: argparse.Namespace) -> int:
    service = _service(args)
    try:
        answer = service.ask(args.user, args.question, locale=getattr(args, "locale", None),
                             temporary=args.temporary, conversation_id=args.conversation)
    finally:
        service.close()
    if args.json:
        _print_json(answer.model_dump(mode="json"))
    else:
        print(answer.answer)
        for c in answer.citations:
            print(f"  [{c.marker}] {c.source.title or c.id}: {c.quote[:160]}")
    return 0


def _day(text: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def cmd_prepare(args: argparse.Namespace) -> int:
    """An appointment packet (JSON), and optionally its PDF and IPS files."""
    service = _service(args)
    try:
        packet = service.appointments.prepare(
            args.user, reason=args.reason, date=args.date, questions=args.question or [],
            include_sensitive=args.include_sensitive, temporary=args.temporary,
            locale=getattr(args, "locale", None))
        if args.pdf:
            Path(args.pdf).write_bytes(service.appointments.pdf(packet))
        if args.ips:
            bundle = service.appointments.ips(args.user, packet)
            Path(args.ips).write_text(json.dumps(bundle, ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")
    finally:
        service.close()
    if args.json:
        _print_json(packet)
    else:
        for section in packet["sections"]:
            print(f"{section['title']}:")
            for item in section["items"]:
                print(f"  - {item['text']}")
        print("Questions:")
        for question in packet["questions"]:
            print(f"  - {question}")
        print(f"kept as {packet['id']}" if packet["id"] else "temporary: nothing kept")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    service = _service(args)
    try:
        receipt = service.forget(args.user)
    finally:
        service.close()
    if args.json:
        _print_json(receipt.as_json())
    else:
        print(
            f"deleted vault {receipt.user_vault}: {receipt.records} records, "
            f"{receipt.chunks} chunks; receipt {receipt.digest}"
        )
    return 0


def cmd_knowledge_add(args: argparse.Namespace) -> int:
    service = _service(args)
    try:
        report = service.add_knowledge(
            [Path(p) for p in args.paths], medquad_limit=args.medquad_limit
        )
    finally:
        service.close()
    if args.json:
        _print_json(report.as_json())
    else:
        print(
            f"knowledge: {report.documents} document(s) added, {report.unchanged} unchanged, "
            f"{report.chunks} chunks, {len(report.errors)} error(s)"
        )
        for e in report.errors:
            print(f"error: {e['message']}", file=sys.stderr)
    return 0 if not report.errors else 1


def cmd_token(args: argparse.Namespace) -> int:
    from rag.access.auth import TokenStore

    settings = _settings(args)
    store = TokenStore(settings.data_dir / "auth.sqlite")
    try:
        if args.token_cmd == "create":
            token, token_id = store.create(args.user, args.role)
            print(f"token id: {token_id} (user {args.user}, role {args.role})", file=sys.stderr)
            print(token)
        elif args.token_cmd == "revoke":
            if not store.revoke(args.token_id):
                print(f"no active token {args.token_id}", file=sys.stderr)
                return 1
            print(f"revoked {args.token_id}")
        else:
            _print_json(store.list(args.user))
    finally:
        store.close()
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    """Wrap every vault key under a new master key (the vault data is not rewritten)."""
    from rag.access.keyring import rotate_master_key

    count = rotate_master_key(_settings(args), Path(args.new_master_key_file))
    if count is None:
        print("error: encryption is off (privacy.encryption)", file=sys.stderr)
        return 1
    print(f"rewrapped {count} vault key(s); now set the new master key and restart")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.main import create_app

    settings = _settings(args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(
        create_app(settings),
        host=args.host or settings.server.host,
        port=args.port or settings.server.port,
        log_level="info",
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Load the demo patient and starter knowledge if the data dir is empty, print a token,
    then serve (used by `make run`)."""
    import uvicorn

    from api.main import create_app
    from rag.demo import prepare_demo

    settings = _settings(args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    port = args.port or settings.server.port
    host = args.host or settings.server.host
    token = prepare_demo(settings)
    print(f"token: {token}", flush=True)
    print(
        "try:\n"
        f"  curl -s -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' "
        f'-d \'{{"question": "What was my last A1c?"}}\' http://{host}:{port}/v1/answer',
        flush=True,
    )
    if args.no_serve:
        return 0
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    return 0


EVALS = {"records": "eval.record_qa", "safety": "eval.safety", "retrieval": "eval.retrieval",
         "trends": "eval.trend_qa", "healthbench": "eval.healthbench", "perf": "eval.perf",
         "encryption": "eval.bench_encryption"}


def cmd_eval(args: argparse.Namespace) -> int:
    """Run one of the eval/ suites with its own options (``--help`` lists them)."""
    import importlib

    module = importlib.import_module(EVALS[args.eval_cmd])
    rest = list(args.eval_args)
    return int(module.main(rest[1:] if rest[:1] == ["--"] else rest))


def normalize_argv(argv: Sequence[str]) -> list[str]:
    """The eval suites own their options: hand them everything after the suite name."""
    out = list(argv)
    if len(out) > 2 and out[0] == "eval" and out[1] in EVALS:
        return [*out[:2], "--", *out[2:]]
    return out


def build_parser() -> argparse.ArgumentParser:
    # SUPPRESS: an option given before the subcommand is not reset by the subcommand's own
    # copy of it (`healthrag --data-dir X ask ...` uses X).
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument(
        "--data-dir", help="where all state lives (default: $HEALTHRAG_DATA_DIR or ./data)"
    )
    common.add_argument("--locale", help="locale for emergency numbers, e.g. en-US, fr-FR")
    parser = argparse.ArgumentParser(
        prog="healthrag", parents=[common], description="Self-hostable health RAG service."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common], help="ingest files or folders into a vault")
    p.add_argument("--user", required=True)
    p.add_argument("--json", action="store_true")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("paths", nargs="+")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", parents=[common], help="answer one question")
    p.add_argument("--user", required=True)
    p.add_argument("--json", action="store_true")
    p.add_argument("--temporary", action="store_true",
                   help="keep nothing: no conversation history")
    p.add_argument("--conversation", metavar="ID",
                   help="continue this conversation: a follow-up reads its earlier turns")
    p.add_argument("question")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("prepare", parents=[common],
                       help="prepare for an appointment: a cited packet (JSON, PDF, IPS)")
    p.add_argument("--user", required=True)
    p.add_argument("--reason", help='e.g. "follow-up for diabetes", "cardiology"')
    p.add_argument("--date", type=_day, help="the appointment day, YYYY-MM-DD (default today)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--pdf", metavar="FILE", help="also write the packet as a PDF")
    p.add_argument("--ips", metavar="FILE",
                   help="also write an International Patient Summary (FHIR R4 Bundle)")
    p.add_argument("--question", action="append", metavar="Q",
                   help="a question of your own, added to the generated ones (repeatable)")
    p.add_argument("--include-sensitive", action="store_true",
                   help="show sensitive categories (reproductive, sexual and mental health, "
                   "substance use, HIV)")
    p.add_argument("--temporary", action="store_true", help="keep nothing: no stored packet")
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("forget", parents=[common], help="erase all of a user's data")
    p.add_argument("--user", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_forget)

    p = sub.add_parser("knowledge", parents=[common], help="curated knowledge")
    ksub = p.add_subparsers(dest="knowledge_cmd", required=True)
    k = ksub.add_parser("add", parents=[common], help="add Markdown or MedQuAD JSONL documents")
    k.add_argument("paths", nargs="+")
    k.add_argument("--json", action="store_true")
    k.add_argument(
        "--medquad-limit",
        type=int,
        default=None,
        help="import at most N MedQuAD pairs per JSONL file",
    )
    k.set_defaults(func=cmd_knowledge_add)

    p = sub.add_parser("token", parents=[common], help="bearer tokens")
    tsub = p.add_subparsers(dest="token_cmd", required=True)
    t = tsub.add_parser("create", parents=[common])
    t.add_argument("--user", required=True)
    t.add_argument(
        "--role", default="patient", choices=["patient", "clinician", "curator", "admin"]
    )
    t.set_defaults(func=cmd_token)
    t = tsub.add_parser("revoke", parents=[common])
    t.add_argument("token_id")
    t.set_defaults(func=cmd_token)
    t = tsub.add_parser("list", parents=[common])
    t.add_argument("--user")
    t.set_defaults(func=cmd_token)

    p = sub.add_parser("keys", parents=[common], help="encryption keys")
    ksub = p.add_subparsers(dest="keys_cmd", required=True)
    k = ksub.add_parser("rotate", parents=[common],
                        help="wrap every vault key under a new master key")
    k.add_argument("--new-master-key-file", required=True,
                   help="file with the new master key (32 bytes, base64)")
    k.set_defaults(func=cmd_keys_rotate)

    cli_insurance.add_parser(sub, common)

    p = sub.add_parser("eval", help="benchmarks and quality suites (see eval/)")
    esub = p.add_subparsers(dest="eval_cmd", required=True)
    for name, helptext in (
        ("records", "record question answering on Synthea patients"),
        ("safety", "triage, over-triage, MedSafetyBench and injection suites"),
        ("retrieval", "BM25, dense, hybrid and llama-index side by side (nfcorpus, medquad)"),
        ("trends", "trend-answer accuracy on Fitbit and generated Apple Health exports"),
        ("healthbench", "HealthBench-format rubric runner (LLM grader, or offline rules)"),
        ("perf", "embedding tokens/s against the machine's limit, latency, vault scaling"),
        ("encryption", "what encryption at rest costs: the same work with it off and on"),
    ):
        e = esub.add_parser(name, help=helptext, add_help=False)
        e.add_argument("eval_args", nargs=argparse.REMAINDER)
        e.set_defaults(func=cmd_eval)

    for name, func, helptext in (
        ("serve", cmd_serve, "serve the HTTP API"),
        ("demo", cmd_demo, "load the demo data and serve"),
    ):
        p = sub.add_parser(name, parents=[common], help=helptext)
        p.add_argument("--host")
        p.add_argument("--port", type=int)
        if name == "demo":
            p.add_argument("--no-serve", action="store_true", help="prepare and print, no server")
        p.set_defaults(func=func)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    args = build_parser().parse_args(normalize_argv(sys.argv[1:] if argv is None else argv))
    try:
        return int(args.func(args))
    except HealthragError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
