"""Ask the held-out record questions to the product and report how many it gets right.

    python -m eval.understanding.run --data ../shared/data/synthea_fhir_r4 --split test \\
        --out eval/reports/understanding_records.md [--json] [--limit 150]

For each patient with sampled questions the bundle goes into a fresh temporary data dir
through the product's CLI (``healthrag ingest --user pN FILE --json``), and each question is
asked with ``healthrag ask --user pN --json --temporary "Q"``: only the CLI contract is used,
so the run does not depend on the product's module layout. ``ask`` takes one question per
process (each loads the models), so this default path costs ~9 s a question on 2 cores.
Two faster backends give the same answers through other contract surfaces:

- ``--backend http``: one ``healthrag serve`` over one data dir, tokens from
  ``healthrag token create``, records through ``POST /v1/records``, questions through
  ``POST /v1/answer`` with ``"temporary": true`` (the models load once);
- ``--backend inprocess``: the Python service object (optional; its import path may move).

Expected answers come from :mod:`eval.understanding.expected` (plain JSON) and are judged by
:mod:`eval.understanding.score`. Tune on ``--split dev``; report ``--split test``. When
../shared/data is absent the run says so and exits 0 (skipped).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from eval.understanding.expected import Json, fold
from eval.understanding.generate import SPLITS, Question, build, sample
from eval.understanding.score import describe, judge

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "synthea_fhir_r4"
DEFAULT_OUT = ROOT / "eval" / "reports" / "understanding_records.md"
DEFAULT_CLI = ROOT / ".venv" / "bin" / "healthrag"
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


class ProductError(RuntimeError):
    """The product did not answer (a failed command, a bad HTTP status, unreadable JSON)."""


class Backend(Protocol):
    def ingest(self, user: str, bundle: Path) -> Json: ...

    def ask(self, user: str, question: str) -> Json: ...

    def close(self) -> None: ...


def _env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, **OFFLINE, "HEALTHRAG_DATA_DIR": str(data_dir)}


def _run(cmd: Sequence[str], env: dict[str, str], timeout: float, ok: Sequence[int] = (0,),
         ) -> str:
    try:
        proc = subprocess.run(list(cmd), capture_output=True, text=True, env=env,
                              timeout=timeout, check=False, cwd=ROOT)
    except subprocess.TimeoutExpired as exc:
        raise ProductError(f"timed out after {timeout:.0f} s: {shlex.join(cmd)[:160]}") from exc
    if proc.returncode not in ok:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise ProductError(f"exit {proc.returncode}: {' | '.join(tail)[:300]}")
    return proc.stdout


def _json_out(stdout: str) -> Json:
    start = stdout.find("{")
    try:
        data = json.loads(stdout[start:]) if start >= 0 else None
    except json.JSONDecodeError as exc:
        raise ProductError(f"not JSON: {stdout[:200]!r}") from exc
    if not isinstance(data, dict):
        raise ProductError(f"not a JSON object: {stdout[:200]!r}")
    return data


class CliBackend:
    """``healthrag ingest`` / ``healthrag ask --temporary``, one data dir per patient."""

    def __init__(self, cli: Sequence[str], root: Path, timeout: float) -> None:
        self.cli, self.root, self.timeout = list(cli), root, timeout

    def _dir(self, user: str) -> Path:
        path = self.root / user
        path.mkdir(parents=True, exist_ok=True)
        return path

    def ingest(self, user: str, bundle: Path) -> Json:
        d = self._dir(user)
        out = _run([*self.cli, "ingest", "--data-dir", str(d), "--user", user, "--json",
                    str(bundle.resolve())], _env(d), self.timeout * 3, ok=(0, 1))
        return _json_out(out)

    def ask(self, user: str, question: str) -> Json:
        d = self._dir(user)
        out = _run([*self.cli, "ask", "--data-dir", str(d), "--user", user, "--json",
                    "--temporary", question], _env(d), self.timeout)
        return _json_out(out)

    def close(self) -> None:
        return None


class HttpBackend:
    """One ``healthrag serve``; the HTTP contract for records and answers."""

    def __init__(self, cli: Sequence[str], root: Path, timeout: float) -> None:
        self.cli, self.root, self.timeout = list(cli), root / "http", timeout
        self.root.mkdir(parents=True, exist_ok=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (self.root / "serve.log").open("w")
        self.proc = subprocess.Popen(
            [*self.cli, "serve", "--data-dir", str(self.root), "--host", "127.0.0.1",
             "--port", str(self.port)], env=_env(self.root), cwd=ROOT,
            stdout=self.log, stderr=subprocess.STDOUT)
        self.tokens: dict[str, str] = {}
        self.lock = threading.Lock()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ProductError(f"healthrag serve exited {self.proc.returncode}; "
                                   f"see {self.root / 'serve.log'}")
            with contextlib.suppress(OSError), urllib.request.urlopen(
                    f"{self.base}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
            time.sleep(0.5)
        self.close()
        raise ProductError("healthrag serve did not answer /healthz within 180 s")

    def _token(self, user: str) -> str:
        with self.lock:
            if user not in self.tokens:
                out = _run([*self.cli, "token", "create", "--data-dir", str(self.root),
                            "--user", user], _env(self.root), 60)
                self.tokens[user] = out.strip().splitlines()[-1].strip()
            return self.tokens[user]

    def _post(self, user: str, path: str, body: bytes, ctype: str, timeout: float) -> Json:
        req = urllib.request.Request(
            self.base + path, data=body, method="POST",
            headers={"Authorization": f"Bearer {self._token(user)}", "Content-Type": ctype})
        for attempt in range(6):
            try:
                with urllib.request.urlopen(req, timeout=timeout) as r:
                    return _json_out(r.read().decode("utf-8"))
            except urllib.error.HTTPError as exc:
                if exc.code == 429 and attempt < 5:
                    time.sleep(2 + 3 * attempt)
                    continue
                detail = exc.read().decode("utf-8", "replace")[:200]
                raise ProductError(f"HTTP {exc.code} on {path}: {detail}") from exc
            except (OSError, TimeoutError) as exc:
                raise ProductError(f"{path}: {exc}") from exc
        raise ProductError(f"{path}: rate limited")

    def ingest(self, user: str, bundle: Path) -> Json:
        name = urllib.parse.quote(bundle.name)
        return self._post(user, f"/v1/records?name={name}", bundle.read_bytes(),
                          "application/json", self.timeout * 3)

    def ask(self, user: str, question: str) -> Json:
        body = json.dumps({"question": question, "temporary": True}).encode("utf-8")
        return self._post(user, "/v1/answer", body, "application/json", self.timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class InprocessBackend:
    """The service object in this process (optional: its import path is not a contract)."""

    MODULES = ("rag.service", "rag.core.service", "rag.answering.service")

    def __init__(self, root: Path) -> None:
        os.environ.update(OFFLINE)
        service_cls: Any = None
        for name in self.MODULES:
            with contextlib.suppress(ImportError):
                service_cls = importlib.import_module(name).Service
                break
        if service_cls is None:
            raise ProductError(f"no Service in {', '.join(self.MODULES)}; use --backend cli")
        settings_mod: Any = None
        for name in ("rag.settings", "rag.core.settings"):
            with contextlib.suppress(ImportError):
                settings_mod = importlib.import_module(name)
                break
        if settings_mod is None:
            raise ProductError("no Settings module found; use --backend cli")
        self.service = service_cls(settings_mod.Settings(data_dir=root / "inprocess"))
        self.lock = threading.Lock()

    def ingest(self, user: str, bundle: Path) -> Json:
        with self.lock:
            summary = self.service.ingest(user, [bundle])
        return {"summary": str(summary)[:200]}

    def ask(self, user: str, question: str) -> Json:
        with self.lock:
            answer = self.service.ask(user, question, temporary=True)
        dumped = answer.model_dump(mode="json") if hasattr(answer, "model_dump") else answer
        if not isinstance(dumped, dict):
            raise ProductError(f"unexpected answer type {type(answer).__name__}")
        return dumped

    def close(self) -> None:
        with contextlib.suppress(Exception):  # best effort: the process ends right after
            self.service.close()


# ------------------------------------------------------------------ running


@dataclass
class Result:
    question: Question
    answer: Json
    correct: bool
    reason: str
    seconds: float
    lenient: bool = False  # right if yes/no did not have to open the answer (diagnostic)

    @property
    def text(self) -> str:
        if self.answer.get("error"):
            return f"ERROR {self.answer['error']}"
        return str(self.answer.get("answer", ""))

    leak: bool = False  # the phrasing is (nearly) in the product's own example bank

    @property
    def cited_source(self) -> bool:
        want = set(self.question.expected.get("sources") or [])
        got = {str((c.get("source") or {}).get("resource_id"))
               for c in self.answer.get("citations") or [] if isinstance(c, dict)}
        return bool(want & got)

    def as_json(self) -> Json:
        return {**self.question.as_json(), "answer": self.answer, "correct": self.correct,
                "reason": self.reason, "seconds": round(self.seconds, 2),
                "correct_lenient": self.lenient, "leaked": self.leak,
                "cited_source": self.cited_source}


def _patient_run(backend: Backend, questions: list[Question], progress: _Progress,
                 ) -> list[Result]:
    first = questions[0]
    out: list[Result] = []
    try:
        summary = backend.ingest(first.user, Path(first.bundle))
        if summary.get("errors"):
            progress.note(f"{first.user}: ingest reported {len(summary['errors'])} errors")
    except ProductError as exc:
        for q in questions:
            out.append(Result(q, {"error": f"ingest failed: {exc}"}, False,
                              f"ingest failed: {exc}"[:200], 0.0, False))
            progress.tick(False, out[-1])
        return out
    for q in questions:
        t0 = time.monotonic()
        try:
            answer = backend.ask(q.user, q.text)
        except ProductError as exc:
            answer = {"error": str(exc)}
        ok, reason = judge(q.expected, answer)
        lenient, _ = judge(q.expected, answer, lenient=True)
        out.append(Result(q, answer, ok, reason, time.monotonic() - t0, lenient))
        progress.tick(ok, out[-1])
    return out


class _Progress:
    def __init__(self, total: int, trace: Path | None = None) -> None:
        self.total, self.done, self.right = total, 0, 0
        self.t0 = time.monotonic()
        self.lock = threading.Lock()
        self.trace = trace

    def tick(self, ok: bool, result: Result | None = None) -> None:
        with self.lock:
            if self.trace is not None and result is not None:
                with self.trace.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
            self.done += 1
            self.right += ok
            if self.done % 10 == 0 or self.done == self.total:
                print(f"  {self.done}/{self.total} asked, {self.right} right, "
                      f"{time.monotonic() - self.t0:.0f} s", file=sys.stderr, flush=True)

    def note(self, line: str) -> None:
        with self.lock:
            print(f"  {line}", file=sys.stderr, flush=True)


def run(questions: Sequence[Question], backend: str = "cli", cli: Sequence[str] | None = None,
        jobs: int = 2, timeout: float = 180.0, keep: Path | None = None,
        trace: Path | None = None) -> list[Result]:
    """Ingest each patient once, ask their questions, judge every answer (each result is
    appended to ``trace`` as a JSON line as soon as it is judged)."""
    cli = list(cli or [str(DEFAULT_CLI)])
    per_patient: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        per_patient[q.patient].append(q)
    progress = _Progress(len(questions), trace)
    with _workdir(keep) as root:
        be: Backend
        if backend == "cli":
            be = CliBackend(cli, root, timeout)
        elif backend == "http":
            be = HttpBackend(cli, root, timeout)
        elif backend == "inprocess":
            be = InprocessBackend(root)
            jobs = 1
        else:
            raise ValueError(f"unknown backend {backend!r}")
        try:
            with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                chunks = list(pool.map(lambda qs: _patient_run(be, qs, progress),
                                       per_patient.values()))
        finally:
            be.close()
    order = {q.qid: i for i, q in enumerate(questions)}
    return sorted((r for chunk in chunks for r in chunk), key=lambda r: order[r.question.qid])


@contextlib.contextmanager
def _workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    path = Path(tempfile.mkdtemp(prefix="healthrag-understanding-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------------------------ reporting


def _rate(results: Sequence[Result]) -> str:
    if not results:
        return "–"
    right = sum(r.correct for r in results)
    return f"{100 * right / len(results):.1f}% ({right}/{len(results)})"


def _cell(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.replace("|", "\\|")


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=ROOT, check=False, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True,
                               text=True, cwd=ROOT, check=False, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' (working tree modified)' if dirty else ''}" if head else "unknown"


def summarize(results: Sequence[Result]) -> Json:
    by_type: dict[str, list[Result]] = defaultdict(list)
    by_lang: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_type[r.question.qtype].append(r)
        by_lang[r.question.lang].append(r)

    def acc(rs: Sequence[Result]) -> float:
        return round(sum(r.correct for r in rs) / len(rs), 4) if rs else 0.0

    positive = [r for r in results if r.question.expected.get("sources")]
    return {
        "n": len(results),
        "accuracy": acc(results),
        "accuracy_lenient_yesno": round(
            sum(r.lenient for r in results) / len(results), 4) if results else 0.0,
        "per_type": {t: {"n": len(rs), "accuracy": acc(rs)} for t, rs in sorted(by_type.items())},
        "per_lang": {k: {"n": len(rs), "accuracy": acc(rs)} for k, rs in sorted(by_lang.items())},
        "cited_expected_record": round(
            sum(r.cited_source for r in positive) / len(positive), 4) if positive else None,
        "errors": sum(bool(r.answer.get("error")) for r in results),
        "leaked": sum(r.leak for r in results),
        "accuracy_not_leaked": acc([r for r in results if not r.leak]),
    }


def report(results: Sequence[Result], split: str, backend: str, cli: Sequence[str],
           wall_s: float, product: str | None = None) -> str:
    s = summarize(results)
    by_type: dict[str, list[Result]] = defaultdict(list)
    by_lang: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_type[r.question.qtype].append(r)
        by_lang[r.question.lang].append(r)
    cited = ("–" if s["cited_expected_record"] is None
             else f"{100 * s['cited_expected_record']:.0f}%")
    lines = [
        "# Record question answering: held-out patient phrasings",
        "",
        f"Split **{split}** · {len(results)} questions · "
        f"{len({r.question.patient for r in results})} Synthea patients · backend `{backend}` "
        f"(`{shlex.join(cli)}`) · commit {_commit()} · {time.strftime('%Y-%m-%d %H:%M')} · "
        f"{wall_s / 60:.1f} min",
        "",
        *([f"Product: {product}", ""] if product else []),
        "Questions are patient phrasings (EN/FR, typos, lay words) from "
        "`eval/understanding/questions.yaml`; expected answers are computed from the raw FHIR "
        "bundles by `eval/understanding/expected.py` (plain JSON, none of the product's code); "
        "`eval/understanding/score.py` judges the answer text and its citations. Tune on `dev`, "
        "report `test`.",
        "",
        f"**Accuracy: {_rate(results)}** · EN {_rate(by_lang.get('en', []))} · "
        f"FR {_rate(by_lang.get('fr', []))}",
        "",
        f"Diagnostics, not scored: {100 * s['accuracy_lenient_yesno']:.1f}% if yes/no answers"
        f" did not have to open with Yes/No · answers citing the very record that holds the "
        f"expected fact: {cited} · product errors: {s['errors']}"
        + (f" · {s['leaked']} phrasings are (nearly) in the product's example bank; "
           f"accuracy without them {100 * s['accuracy_not_leaked']:.1f}%" if s["leaked"] else ""),
        "",
        "## Per question type",
        "",
        "| type | accuracy | EN | FR |",
        "|---|---|---|---|",
    ]
    for qtype, rs in sorted(by_type.items()):
        en = [r for r in rs if r.question.lang == "en"]
        fr = [r for r in rs if r.question.lang == "fr"]
        lines.append(f"| {qtype} | {_rate(rs)} | {_rate(en)} | {_rate(fr)} |")
    lines += ["", "## Per language", "", "| language | accuracy |", "|---|---|"]
    for lang, rs in sorted(by_lang.items()):
        lines.append(f"| {lang} | {_rate(rs)} |")
    reasons: dict[str, int] = defaultdict(int)
    for r in results:
        if not r.correct:
            reasons[r.reason.split(" ")[0] if r.reason.startswith("missing") else r.reason] += 1
    lines += ["", "## Why answers failed", "", "| reason | n |", "|---|---|"]
    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:15]:
        lines.append(f"| {_cell(reason, 80)} | {n} |")
    failures = [r for r in results if not r.correct]
    lines += ["", f"## Failures ({len(failures)})", "",
              "| type | lang | question | expected | got (first 200 chars) | why |",
              "|---|---|---|---|---|---|"]
    for r in failures:
        q = r.question
        mark = " (in bank)" if r.leak else ""
        lines.append(f"| {q.qtype} | {q.lang} | {_cell(q.text, 90)}{mark} | "
                     f"{_cell(describe(q.expected), 90)} | {_cell(r.text)} | "
                     f"{_cell(r.reason, 80)} |")
    return "\n".join(lines) + "\n"


def bank_texts(paths: Sequence[Path]) -> list[set[str]]:
    """The example texts of the product's own phrasing banks (any ``text:`` in YAML files),
    as folded word sets, to flag held-out questions that leaked into them."""
    import yaml

    out: list[set[str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "text" and isinstance(v, str):
                    out.append(set(fold(v).split()))
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for path in paths:
        for f in sorted(path.rglob("*.y*ml")) if path.is_dir() else [path]:
            walk(yaml.safe_load(f.read_text(encoding="utf-8")))
    return [t for t in out if t]


def leaked(question: str, bank: Sequence[set[str]], threshold: float = 0.8) -> bool:
    words = set(fold(question).split())
    return any(len(words & b) / len(words | b) >= threshold for b in bank)


def rescore(path: Path) -> tuple[list[Result], Json]:
    """Judge again the answers stored by ``--json`` (after a change to the judge): no product
    is run."""
    data = json.loads(path.read_text(encoding="utf-8"))
    results = []
    for row in data["results"]:
        q = Question(qid=row["qid"], patient=row["patient"], user=row["user"],
                     bundle=row["bundle"], qtype=row["type"], template=row["template"],
                     lang=row["lang"], text=row["question"], slots=row["slots"],
                     expected=row["expected"], split=row["split"])
        ok, why = judge(q.expected, row["answer"])
        lenient, _ = judge(q.expected, row["answer"], lenient=True)
        results.append(Result(q, row["answer"], ok, why, float(row["seconds"]), lenient))
    return results, data["summary"]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.understanding.run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="the synthea_fhir_r4 folder (or its bundles/)")
    ap.add_argument("--split", choices=SPLITS, default="dev")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--json", action="store_true",
                    help="also write every result to OUT with .json and print the summary")
    ap.add_argument("--limit", type=int, default=150, help="questions in the sample")
    ap.add_argument("--max-patients", type=int, default=None)
    ap.add_argument("--backend", choices=("cli", "http", "inprocess"), default="cli")
    ap.add_argument("--healthrag", default=str(DEFAULT_CLI),
                    help="the product command (split like a shell line)")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="patients worked on at once")
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds per question")
    ap.add_argument("--keep", type=Path, default=None, help="keep the data dirs here")
    ap.add_argument("--trace", type=Path, default=None,
                    help="append each judged result to this JSON-lines file as it comes")
    ap.add_argument("--dry-run", action="store_true", help="print the questions, ask nothing")
    ap.add_argument("--rescore", type=Path, default=None,
                    help="re-judge the answers of an earlier --json file; ask nothing")
    ap.add_argument("--leak-check", type=Path, nargs="*", default=[],
                    help="the product's phrasing banks (YAML files or folders): flag questions "
                         "whose words are >= 80%% those of an example there")
    ap.add_argument("--product", default=None,
                    help="what product build was asked, for the report header")
    args = ap.parse_args(argv)

    bank = bank_texts(args.leak_check)
    if args.rescore is not None:
        results, old = rescore(args.rescore)
        for r in results:
            r.leak = leaked(r.question.text, bank)
        args.out.write_text(report(results, old["split"], old["backend"],
                                   shlex.split(args.healthrag), float(old["wall_s"]),
                                   args.product), encoding="utf-8")
        print(f"re-judged {len(results)} answers: accuracy "
              f"{100 * summarize(results)['accuracy']:.1f}% → {args.out}", file=sys.stderr)
        return 0
    if not args.data.exists():
        print(f"skipped: {args.data} is not available (../shared/data is absent)",
              file=sys.stderr)
        return 0
    questions = sample(build(args.data, args.max_patients), args.split, args.limit)
    if args.dry_run:
        for q in questions:
            print(json.dumps({"q": q.text, "type": q.qtype, "lang": q.lang,
                              "expected": describe(q.expected)}, ensure_ascii=False))
        return 0
    cli = shlex.split(args.healthrag)
    print(f"{len(questions)} {args.split} questions, backend {args.backend}", file=sys.stderr)
    t0 = time.monotonic()
    results = run(questions, backend=args.backend, cli=cli, jobs=args.jobs,
                  timeout=args.timeout, keep=args.keep, trace=args.trace)
    for r in results:
        r.leak = leaked(r.question.text, bank)
    wall = time.monotonic() - t0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report(results, args.split, args.backend, cli, wall, args.product),
                        encoding="utf-8")
    summary = {**summarize(results), "split": args.split, "backend": args.backend,
               "wall_s": round(wall, 1)}
    if args.json:
        args.out.with_suffix(".json").write_text(json.dumps(
            {"summary": summary, "results": [r.as_json() for r in results]},
            ensure_ascii=False, indent=1), encoding="utf-8")
        print(json.dumps(summary, indent=1))
    print(f"accuracy {100 * summary['accuracy']:.1f}% on {summary['n']} questions → {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
