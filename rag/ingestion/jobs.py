"""Background ingest jobs: large uploads run off the request, with progress to poll.

One worker thread runs jobs in order (ingest is CPU-bound and the machines are small).
A job belongs to the vault that submitted it: :meth:`JobRunner.get` answers only for
that vault, so one person can never read another's job, even with its id. Jobs live in
memory; a restart forgets them, and since every file is written atomically an
interrupted job leaves nothing half-indexed (its spooled upload is removed at start).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from rag.core.errors import HealthragError, NotFound

log = logging.getLogger("healthrag.jobs")

State = Literal["queued", "running", "done", "failed", "cancelled"]
Work = Callable[["Job"], dict[str, Any]]


class JobCancelled(BaseException):
    """Raised inside a job's progress callback to stop it (its vault is being erased).
    A BaseException so parsers that turn Exceptions into typed errors let it through."""


@dataclass
class Job:
    id: str
    vault_id: str
    name: str
    size: int
    state: State = "queued"
    phase: str = "queued"
    done: int = 0
    total: int = 0
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    result: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def progress(self, phase: str, done: int, total: int) -> None:
        if self.cancel.is_set():
            raise JobCancelled
        self.phase, self.done, self.total = phase, done, total
        self.updated_at = time.time()

    def as_json(self) -> dict[str, Any]:
        percent = round(100 * self.done / self.total, 1) if self.total else None
        return {
            "id": self.id,
            "status": self.state,
            "phase": self.phase,
            "done": self.done,
            "total": self.total,
            "percent": 100.0 if self.state == "done" else percent,
            "file": self.name,
            "bytes": self.size,
            "created_at": round(self.created_at, 3),
            "updated_at": round(self.updated_at, 3),
            "result": self.result,
            "error": self.error,
        }


class JobRunner:
    def __init__(self, workers: int = 1, keep: int = 1000) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._keep = keep

    def submit(self, vault_id: str, name: str, size: int, work: Work,
               cleanup: Callable[[], None] | None = None) -> Job:
        job = Job(id="job_" + secrets.token_hex(12), vault_id=vault_id, name=name, size=size)
        with self._lock:
            self._jobs[job.id] = job
            self._trim()
        self._pool.submit(self._run, job, work, cleanup)
        log.info("job queued job=%s vault=%s bytes=%d", job.id, vault_id[:8], size)
        return job

    def _run(self, job: Job, work: Work, cleanup: Callable[[], None] | None) -> None:
        try:
            if job.cancel.is_set():
                job.state = "cancelled"
                return
            job.state = "running"
            job.result = work(job)
            job.state, job.phase = "done", "done"
        except JobCancelled:
            job.state = "cancelled"
        except HealthragError as exc:
            job.state, job.error = "failed", {"code": exc.code, "message": exc.message}
        except Exception as exc:  # a job must always end in a state the owner can read
            log.error("job failed job=%s type=%s", job.id, type(exc).__name__)
            job.state = "failed"
            job.error = {"code": "internal_error", "message": "the ingest failed"}
        finally:
            job.updated_at = time.time()
            if cleanup is not None:
                cleanup()
            log.info("job ended job=%s state=%s", job.id, job.state)

    def get(self, job_id: str, vault_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.vault_id != vault_id:
            raise NotFound("no such job")
        return job

    def cancel_vault(self, vault_id: str, timeout: float = 60.0) -> None:
        """Stop and forget every job of a vault (before the vault is erased)."""
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.vault_id == vault_id]
        for job in jobs:
            job.cancel.set()
        deadline = time.monotonic() + timeout
        while any(j.state == "running" for j in jobs) and time.monotonic() < deadline:
            time.sleep(0.05)
        with self._lock:
            for job in jobs:
                self._jobs.pop(job.id, None)

    def wait(self, job_id: str, timeout: float = 60.0) -> Job:
        """Block until a job ends (tests, the CLI)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                job = self._jobs[job_id]
            if job.state in ("done", "failed", "cancelled"):
                return job
            time.sleep(0.02)
        raise TimeoutError(job_id)

    def _trim(self) -> None:
        ended = [j for j in self._jobs.values() if j.state in ("done", "failed", "cancelled")]
        for job in sorted(ended, key=lambda j: j.updated_at)[: max(0, len(self._jobs) -
                                                                    self._keep)]:
            self._jobs.pop(job.id, None)

    def close(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.cancel.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
