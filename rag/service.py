"""The object graph, built once from :class:`Settings` (CLI start or FastAPI lifespan).

No module-level singletons: everything is created here and passed down.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexes.edge import EdgeIndex
from indexes.keys import KeyRing
from indexes.knowledge import KnowledgeStore
from indexes.vaults import Vault, VaultManager
from ingest.base import Source
from ingest.knowledge import parse_markdown
from rag.access.audit import AuditLog
from rag.access.auth import JWTVerifier, TokenStore
from rag.access.history import History
from rag.access.links import LinkSigner, load_secret
from rag.access.ratelimit import RateLimiter
from rag.access.shares import Share, ShareStore
from rag.answering.answer import Answerer
from rag.answering.chat import MODELS, ChatResult
from rag.answering.compose import Composer, ExtractiveComposer
from rag.answering.compose_llm import LLMComposer
from rag.answering.conversation import Turn, resolve_question, turns_of
from rag.answering.planner import TimeWindow
from rag.answering.trends import TrendResult, resolve_metric, trend
from rag.core.errors import ConfigError, InvalidContent, NotFound
from rag.core.settings import Settings
from rag.core.terms import vocabulary
from rag.core.types import Answer, sha256_bytes
from rag.embedder import Embedder, build_embedder
from rag.ingestion.jobs import Job, JobRunner
from rag.ingestion.knowledge import STARTER_DIR, KnowledgeReport, KnowledgeWriter
from rag.ingestion.pipeline import Ingestor, IngestSummary, Progress
from rag.tasks.appointments import Appointments
from rag.tasks.insurance import Insurance

log = logging.getLogger("healthrag.service")

DELETION_WAIT_S = 60.0  # how long a deletion waits for the person's requests in flight
TREND_FIRST_DAY = dt.date(1900, 1, 1)  # trend periods outside these days are refused (422)
TREND_LAST_DAY = dt.date(2100, 12, 31)


def check_period(start: dt.date | None, end: dt.date | None) -> None:
    """A trend period's days must be in order and within 1900..2100: date arithmetic on
    year 1 or 9999 overflows, and no health record is dated there."""
    for day in (start, end):
        if day is not None and not TREND_FIRST_DAY <= day <= TREND_LAST_DAY:
            raise InvalidContent(f"dates must be between {TREND_FIRST_DAY} and "
                                 f"{TREND_LAST_DAY}", code="invalid_period")
    if start is not None and end is not None and start > end:
        raise InvalidContent("'from' is after 'to'", code="invalid_period")


@dataclass
class DeletionReceipt:
    user_vault: str
    records: int
    chunks: int
    sources: int
    deleted_at: str
    digest: str
    remaining_files: int
    conversations: int = 0
    key_destroyed: bool = False  # the vault key was shredded: every copy is unreadable

    def as_json(self) -> dict[str, object]:
        return dict(self.__dict__)


class Service:
    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.embedder = embedder or build_embedder(settings.embedding)
        if self.embedder.dim != settings.index.dense_dim:
            raise ConfigError(
                f"embedder dimension {self.embedder.dim} != index.dense_dim "
                f"{settings.index.dense_dim}"
            )
        # The knowledge shard first: its lock (indexes/locks.py) makes a second process on
        # this data dir fail here with IndexBusy, before it touches anything of the first.
        kroot = settings.data_dir / "knowledge"
        kindex = EdgeIndex(kroot / "shard", settings.index.dense_dim)
        try:
            self.knowledge = KnowledgeStore(kroot, kindex)
        except BaseException:
            kindex.close()
            raise
        try:
            self._open_stores(settings)
        except BaseException:
            self.knowledge.close()
            raise

    def _open_stores(self, settings: Settings) -> None:
        """Everything after the knowledge shard (closed again if this fails)."""
        self.keyring = KeyRing.from_settings(settings)
        self.vaults = VaultManager(settings, self.keyring)
        for vault_id in self.vaults.finish_deletions():
            log.warning("completed an interrupted deletion vault=%s", vault_id[:8])
        # Spooled uploads of jobs that a restart or a kill -9 interrupted: never indexed.
        self.vaults.sweep_spools()
        self.jobs = JobRunner()
        self.tokens = TokenStore(settings.data_dir / "auth.sqlite")
        if settings.auth.jwt_issuer:
            self.tokens.jwt = JWTVerifier(settings.auth)
        self.shares = ShareStore(settings.data_dir / "shares.sqlite")
        self.audit = AuditLog(settings.data_dir / "audit.jsonl")
        self.history = History(self.vaults, self.audit, settings.privacy)
        self.appointments = Appointments(self.vaults, self.audit, locale=settings.locale,
                                         public_url=settings.server.public_url)
        self.insurance = Insurance(self.vaults, self.audit, public_url=settings.server.public_url)
        self.limiter = RateLimiter(settings.server.rate_limit_per_minute)
        self.links = LinkSigner(load_secret(settings.server.link_secret, settings.data_dir),
                                settings.server.link_ttl_s, settings.server.public_url,
                                vault_salt=self.vaults.link_salt)
        self.extractive = ExtractiveComposer(settings.generation.list_limit,
                                             disclaimer=settings.guardrails.disclaimer)
        self.composers: dict[str, Composer] = {"extractive": self.extractive}
        gen = settings.generation
        if gen.llm_base_url:
            self.composers["llm"] = LLMComposer(gen, self.extractive)
        elif gen.composer == "llm":
            raise ConfigError("generation.composer is 'llm' but generation.llm_base_url is empty")
        self.composer: Composer = self.composers[gen.composer]
        self.answerer = Answerer(
            settings, self.embedder, self.vaults, self.knowledge, self.composer, vocabulary()
        )
        self._check_model_identity()

    def _check_model_identity(self) -> None:
        """Vectors of two models never mix: the data dir remembers its embedding model."""
        marker = self.settings.data_dir / "index_identity.json"
        identity = {
            "model_id": self.embedder.model_id,
            "dim": self.embedder.dim,
            "chunk_chars": self.settings.ingest.chunk_chars,
        }
        if marker.exists():
            stored = json.loads(marker.read_text())
            if stored != identity:
                raise ConfigError(
                    f"this data dir was indexed with {stored}; the current settings use "
                    f"{identity}. Use another HEALTHRAG_DATA_DIR or re-ingest."
                )
        else:
            marker.write_text(json.dumps(identity))

    def close(self) -> None:
        """Release everything; closing twice is harmless."""
        if getattr(self, "_closed", False):
            return
        self._closed = True
        self.jobs.close()
        llm = self.composers.get("llm")
        if isinstance(llm, LLMComposer):
            llm.close()
        self.vaults.close()
        self.knowledge.close()
        self.tokens.close()
        self.shares.close()

    # ------------------------------------------------------------ vault sessions

    @contextmanager
    def vault_session(self, user_id: str, recheck: Callable[[], object] | None = None
                      ) -> Iterator[None]:
        """Hold the person's vault for one request (see :meth:`hold_vault`)."""
        with self.hold_vault(self.vaults.vault_id(user_id), recheck):
            yield

    @contextmanager
    def hold_vault(self, vault_id: str, recheck: Callable[[], object] | None = None
                   ) -> Iterator[None]:
        """Hold a vault for one request: a deletion in progress refuses it (410), one that
        begins meanwhile waits until it ends. ``recheck`` runs once the vault is held and
        re-proves the caller's access (their token, share or link): a request whose
        credentials a finished deletion revoked gets 401 instead of a new, empty vault."""
        with self.vaults.using(vault_id):
            if recheck is not None:
                recheck()
            yield

    # ------------------------------------------------------------ operations

    def ingest(self, user_id: str, paths: list[Path], *, actor: str = "owner",
               progress: Progress | None = None) -> IngestSummary:
        vault = self.vaults.open(user_id)
        summary = Ingestor(vault, self.embedder, self.settings, progress).ingest_paths(paths)
        self._audit_write(vault.vault_id, summary, actor)
        return summary

    def upload_dir(self, user_id: str) -> Path:
        """Where the API spools this person's uploads (inside their vault)."""
        return self.vaults.open(user_id).workspace()

    def ingest_uploads(self, user_id: str, files: list[tuple[Path, str]], *,
                       background: bool, actor: str = "owner") -> IngestSummary | Job:
        """Ingest spooled upload files (path, name given by the person), now or as a job.
        The spooled files are removed in both cases."""
        vault = self.vaults.open(user_id)

        def cleanup() -> None:
            for path, _ in files:
                path.unlink(missing_ok=True)

        def run(progress: Progress | None) -> IngestSummary:
            summary = IngestSummary()
            ingestor = Ingestor(vault, self.embedder, self.settings, progress)
            with self.vaults.using(vault.vault_id):  # a deletion waits for this job
                for path, name in files:
                    source = Source.from_path(path, name, progress=ingestor.parse_progress)
                    summary.files.append(ingestor.ingest_source(source))
            self._audit_write(vault.vault_id, summary, actor)
            return summary

        if not background:
            try:
                return run(None)
            finally:
                cleanup()
        size = sum(p.stat().st_size for p, _ in files)
        name = files[0][1] if len(files) == 1 else f"{len(files)} files"
        return self.jobs.submit(vault.vault_id, name, size,
                                lambda job: run(job.progress).as_json(), cleanup)

    def job(self, user_id: str, job_id: str) -> Job:
        return self.jobs.get(job_id, self.vaults.vault_id(user_id))

    def ingest_bytes(self, user_id: str, data: bytes, name: str, *, actor: str = "owner"
                     ) -> IngestSummary:
        vault = self.vaults.open(user_id)
        report = Ingestor(vault, self.embedder, self.settings).ingest_bytes(data, name)
        summary = IngestSummary(files=[report])
        self._audit_write(vault.vault_id, summary, actor)
        return summary

    def _audit_write(self, vault_id: str, summary: IngestSummary, actor: str) -> None:
        ingested = [f for f in summary.files if f.status == "ingested"]
        if ingested:
            self.audit.record("write", actor=actor, vault=vault_id,
                              resources=[f.file_hash for f in ingested if f.file_hash],
                              records=sum(f.records for f in ingested))

    def audit_read(self, user_id: str, answer: Answer, actor: str = "owner") -> None:
        """Record which of the person's records an answer read (ids only)."""
        ids = [c.id for c in answer.citations if c.kind == "record"]
        if ids:
            self.audit.record("read", actor=actor, vault=self.vaults.vault_id(user_id),
                              resources=ids)

    def ask(
        self,
        user_id: str,
        question: str,
        *,
        locale: str | None = None,
        today: dt.date | None = None,
        temporary: bool = True,
        conversation_id: str | None = None,
    ) -> Answer:
        """One question. ``temporary=False`` keeps it in the person's conversation history
        (``conversation_id`` continues one) and returns the answer with that id."""
        turns: list[Turn] = []
        if conversation_id is not None and self.history.enabled:
            self.history.check(user_id, conversation_id)
            turns = [Turn(t["role"], t["content"])
                     for t in self.history.get(user_id, conversation_id)["turns"]]
        answer = self.answerer.answer(user_id, question, locale=locale, today=today,
                                      turns=turns)
        self.audit_read(user_id, answer)
        if not temporary:
            cid = self.history.remember(user_id, [question], answer, conversation_id)
            answer = answer.model_copy(update={"conversation_id": cid})
        return answer

    def chat(self, user_id: str, messages: list[dict[str, Any]], *, model: str = "healthrag",
             temporary: bool = False, locale: str | None = None,
             conversation_id: str | None = None) -> ChatResult:
        """Answer the last user message of an OpenAI-style conversation. Unless temporary,
        the turn is kept in the person's history: in ``conversation_id``, or else in the
        conversation whose earlier user messages match, or else in a new one."""
        if model not in MODELS:
            raise NotFound(f"unknown model {model!r}; see GET /v1/models", code="model_not_found")
        composer = self.composers.get(
            {"healthrag": self.settings.generation.composer, "healthrag-extractive": "extractive",
             "healthrag-llm": "llm"}[model])
        if composer is None:
            raise InvalidContent(f"model {model!r} needs an LLM endpoint "
                                 "(HEALTHRAG_GENERATION__LLM_BASE_URL)", code="model_unavailable")
        turns = turns_of(messages)
        if not temporary:
            self.history.check(user_id, conversation_id)
        question = resolve_question(turns, self.answerer.vocabulary)
        last = max(i for i, t in enumerate(turns) if t.role == "user" and t.content.strip())
        answer = self.answerer.answer(user_id, turns[last].content.strip(), locale=locale,
                                      composer=composer, turns=turns[:last])
        self.audit_read(user_id, answer)
        cid = None
        if not temporary:
            users = [t.content for t in turns if t.role == "user" and t.content.strip()]
            cid = self.history.remember(user_id, users, answer, conversation_id)
        return ChatResult(answer=answer, model=model, question=question,
                          vault_id=self.vaults.vault_id(user_id), temporary=temporary,
                          conversation_id=cid)

    def add_knowledge(
        self, paths: list[Path], *, medquad_limit: int | None = None
    ) -> KnowledgeReport:
        writer = KnowledgeWriter(self.knowledge, self.embedder, self.settings)
        return writer.add_paths(paths, medquad_limit=medquad_limit)

    def ensure_starter_knowledge(self) -> KnowledgeReport:
        return self.add_knowledge([STARTER_DIR])

    def forget(self, user_id: str) -> DeletionReceipt:
        """Erase everything held for the person, and revoke every way back in.

        The order is what makes it atomic for concurrent requests: the vault is marked
        first (new requests get 410), then the person's tokens, shares and signed links
        are revoked (a request on its way gets 401 when it re-checks, never a new vault),
        jobs are cancelled and the requests in flight are waited for; only then do the key
        and the files go."""
        with self.vaults.deletion(user_id) as vault:
            self.tokens.forget_user(user_id)
            self.shares.delete_user(user_id)
            self.jobs.cancel_vault(vault.vault_id)
            if not self.vaults.wait_idle(vault.vault_id, DELETION_WAIT_S):
                log.warning("deleting vault=%s with requests still in flight",
                            vault.vault_id[:8])
            return self._erase(user_id, vault)

    def _erase(self, user_id: str, vault: Vault) -> DeletionReceipt:
        records = chunks = sources = conversations = 0
        if vault.exists:
            records = vault.facts.count("records")
            sources = vault.facts.count("sources")
            conversations = vault.facts.count("conversations")
            chunks = vault.index.count()
        had_key = bool(self.keyring and self.keyring.has_key(vault.vault_id))
        path = self.vaults.destroy(user_id)  # the link salt goes with it: old links are void
        key_destroyed = had_key and not (self.keyring and self.keyring.has_key(vault.vault_id))
        remaining = sum(1 for _ in path.rglob("*")) if path.exists() else 0
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        digest = sha256_bytes(f"{vault.vault_id}|{records}|{chunks}|{sources}|{now}".encode())
        receipt = DeletionReceipt(
            user_vault=vault.vault_id,
            records=records,
            chunks=chunks,
            sources=sources,
            deleted_at=now,
            digest=digest,
            remaining_files=remaining,
            conversations=conversations,
            key_destroyed=key_destroyed,
        )
        log.info("vault deleted vault=%s records=%d chunks=%d", vault.vault_id[:8], records, chunks)
        self._audit("forget", receipt.as_json())
        return receipt

    def documents(self, user_id: str) -> list[dict[str, Any]]:
        vault = self.vaults.open(user_id)
        return vault.facts.sources() if vault.exists else []

    def delete_document(self, user_id: str, document_id: str) -> dict[str, Any]:
        """Remove one ingested file: its records, facts, vectors, cached embeddings and upload.
        ``document_id`` is the file's sha256 (or a prefix of at least 16 characters)."""
        vault = self.vaults.open(user_id)
        matches = [d["document_id"] for d in self.documents(user_id)
                   if len(document_id) >= 16 and d["document_id"].startswith(document_id)]
        if len(matches) != 1:
            raise NotFound("no such document")
        file_hash = matches[0]
        with vault.lock:
            chunk_ids, _ = vault.facts.delete_source(file_hash)
            vault.index.delete(chunk_ids)
            vault.index.flush()
            for upload in vault.uploads.glob(f"{file_hash}*"):
                upload.unlink()
        receipt = {"document_id": file_hash, "records": len(chunk_ids),
                   "deleted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        self._audit("delete_document", {"vault": vault.vault_id, **receipt})
        log.info("document deleted vault=%s records=%d", vault.vault_id[:8], len(chunk_ids))
        return receipt

    def original(self, user_id: str, document_id: str) -> tuple[str, Iterator[bytes]]:
        """An ingested file's original bytes, decrypted, and the name it was uploaded as."""
        vault = self.vaults.open(user_id)
        doc = next((d for d in self.documents(user_id) if d["document_id"] == document_id),
                   None)
        if doc is None:
            raise NotFound("no such document")
        chunks = vault.read_upload(document_id)
        # Authenticate the first chunk now, so a wrong key or a damaged header is a typed
        # error before the response starts, not a download cut short.
        first = next(chunks, b"")
        chunks = itertools.chain([first], chunks)
        self.audit.record("read", actor="owner", vault=vault.vault_id,
                          resources=[document_id], what="original")
        return Path(str(doc["file"])).name, chunks

    def _audit(self, action: str, detail: dict[str, Any]) -> None:
        """Deletion receipts go to the hash-chained audit log (ids, counts, digests)."""
        vault = str(detail.pop("vault", detail.get("user_vault", "")))
        self.audit.record(action, actor="owner", vault=vault, **detail)

    # ------------------------------------------------------------ knowledge (curators)

    def add_knowledge_bytes(self, data: bytes, name: str) -> KnowledgeReport:
        """One Markdown document with front matter; a new version replaces the old one."""
        writer = KnowledgeWriter(self.knowledge, self.embedder, self.settings)
        report = KnowledgeReport()
        sections = parse_markdown(data, name, chunk_chars=self.settings.ingest.chunk_chars)
        writer.add_sections(sections, name, report)
        return report

    # ------------------------------------------------------------ trends

    def trend(self, user_id: str, metric: str, start: dt.date | None, end: dt.date | None,
              *, actor: str = "owner") -> TrendResult:
        """A metric's series from the user's vault; the records read are audited (ids)."""
        result = self._trend(user_id, metric, start, end)
        read = _trend_ids(result)
        if read:
            self.audit.record("read", actor=actor, vault=self.vaults.vault_id(user_id),
                              resources=read)
        return result

    def _trend(self, user_id: str, metric: str, start: dt.date | None,
               end: dt.date | None) -> TrendResult:
        check_period(start, end)
        term = resolve_metric(metric, self.answerer.vocabulary)
        window = TimeWindow(start=start.isoformat() if start else None,
                            end=(end + dt.timedelta(days=1)).isoformat() if end else None)
        return trend(self.vaults.open(user_id), term, window)

    # ------------------------------------------------------------ clinician shares

    @staticmethod
    def clinician_actor(clinician: str) -> str:
        """How a clinician appears in the patient's audit trail."""
        return f"clinician:{clinician}"

    def shared(self, clinician: str, patient: str) -> Share:
        """The active share that lets ``clinician`` read ``patient``'s vault. No share, an
        expired or a revoked one are all :class:`NotFound`, so a clinician learns nothing
        about whether the patient exists."""
        share = self.shares.active(patient, clinician)
        if share is None:
            raise NotFound("no such patient")
        return share

    def audit_shared_read(self, share: Share, resources: list[str], via: str) -> None:
        """Every clinician read is in the patient's audit trail, even one that found nothing."""
        self.audit.record("read", actor=self.clinician_actor(share.clinician),
                          vault=self.vaults.vault_id(share.patient), resources=resources,
                          via=via, share=share.share_id)

    def ask_shared(self, clinician: str, patient: str, question: str, *,
                   locale: str | None = None) -> Answer:
        with self.vault_session(patient):  # the share is checked with the vault held
            share = self.shared(clinician, patient)
            answer = self.answerer.answer(patient, question, locale=locale)
        self.audit_shared_read(
            share, [c.id for c in answer.citations if c.kind == "record"], "answer")
        return answer

    def trend_shared(self, clinician: str, patient: str, metric: str, start: dt.date | None,
                     end: dt.date | None) -> TrendResult:
        with self.vault_session(patient):
            share = self.shared(clinician, patient)
            result = self._trend(patient, metric, start, end)
        self.audit_shared_read(share, _trend_ids(result), "trends")
        return result


def _trend_ids(result: TrendResult) -> list[str]:
    return sorted({r.chunk_id for p in result.points for r in p.records})
