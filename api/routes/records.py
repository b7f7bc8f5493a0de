"""Uploads into the caller's own vault: multipart files or a raw body.

Each file is spooled into the caller's vault (never into a shared temp dir), then
ingested at once, or as a background job when the upload is large (202 and
``GET /v1/jobs/{id}``). The kind of each file is detected from its content.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import IO, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from api.deps import PrincipalDep, ServiceDep
from rag.core.errors import EmptyInput, TooLarge
from rag.ingestion.pipeline import IngestSummary

router = APIRouter()

def _clean_name(name: str | None) -> str:
    base = (name or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable())[:200] or "upload"


def _spool(src: IO[bytes], target: Path, cap: int) -> int:
    done = 0
    with target.open("wb") as out:
        for block in iter(lambda: src.read(1 << 20), b""):
            done += len(block)
            if done > cap:
                raise TooLarge(f"upload over the {cap}-byte cap")
            out.write(block)
    return done


@router.post("/v1/records")
async def upload_records(
    request: Request,
    principal: PrincipalDep,
    service: ServiceDep,
    background: bool | None = Query(None, description="Force (true) or refuse (false) a "
                                    "background job; by default large uploads become jobs."),
    name: str | None = Query(None, max_length=200, description="File name of a raw upload."),
) -> JSONResponse:
    """Upload files (multipart, any field name) or one raw body into the caller's vault."""
    settings = service.settings.ingest
    cap = settings.max_upload_bytes
    work = await run_in_threadpool(service.upload_dir, principal.user_id)
    files: list[tuple[Path, str]] = []

    def target() -> Path:
        return work / f"upload-{secrets.token_hex(8)}.part"

    try:
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await request.form(max_files=1000)
            try:
                for _, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        path = target()
                        files.append((path, _clean_name(value.filename)))
                        await run_in_threadpool(_spool, value.file, path, cap)
            finally:
                await form.close()
        else:
            path = target()
            files.append((path, _clean_name(name or request.headers.get("x-filename"))))
            done = 0
            with path.open("wb") as out:
                async for block in request.stream():
                    done += len(block)
                    if done > cap:
                        raise TooLarge(f"upload over the {cap}-byte cap")
                    out.write(block)
            if done == 0:
                raise EmptyInput("the request body is empty")
    except BaseException:
        for path, _ in files:
            path.unlink(missing_ok=True)
        raise
    if not files:
        raise EmptyInput("no file in the upload")
    size = sum(p.stat().st_size for p, _ in files)
    run_later = background if background is not None else size > settings.background_bytes
    result = await run_in_threadpool(
        service.ingest_uploads, principal.user_id, files, background=run_later
    )
    if not isinstance(result, IngestSummary):
        return JSONResponse(
            {"job": result.as_json(), "status_url": f"/v1/jobs/{result.id}"}, status_code=202
        )
    return _summary_response(result)


def _summary_response(summary: IngestSummary) -> JSONResponse:
    out: dict[str, Any] = summary.as_json()
    out["files"] = [{"file": f.source_file, "status": f.status, "kind": f.kind,
                     "document_id": f.file_hash} for f in summary.files]
    rejected = [f for f in summary.files if f.status == "rejected"]
    if len(summary.files) == 1 and rejected:
        f = rejected[0]
        code = f.error_code or "invalid_content"
        return JSONResponse({"error": {"code": code, "message": f.error}},
                            status_code=f.error_status)
    return JSONResponse(out, status_code=200 if not out["errors"] else 207)


@router.get("/v1/jobs/{job_id}")
async def job_status(job_id: str, principal: PrincipalDep, service: ServiceDep
                     ) -> dict[str, Any]:
    """Progress of one of the caller's background ingest jobs (404 for anyone else's)."""
    return service.job(principal.user_id, job_id[:64]).as_json()
