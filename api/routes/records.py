from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import PrincipalDep, ServiceDep
from rag.errors import EmptyInput, TooLarge

router = APIRouter()


@router.post("/v1/records")
async def upload_records(
    request: Request, files: list[UploadFile], principal: PrincipalDep, service: ServiceDep
) -> JSONResponse:
    """Multipart upload of FHIR files into the caller's own vault."""
    if not files:
        raise EmptyInput("no file in the upload")
    cap = service.settings.ingest.max_file_bytes
    reports: list[dict[str, Any]] = []
    totals: dict[str, Any] = {"documents": 0, "records": 0, "chunks": 0, "errors": []}
    for f in files:
        data = await f.read(cap + 1)
        name = (f.filename or "upload").rsplit("/", 1)[-1][:200]
        if len(data) > cap:
            if len(files) == 1:
                raise TooLarge(f"{name}: over the {cap}-byte cap")
            totals["errors"].append(
                {"file": name, "code": "too_large", "message": f"{name}: over the {cap}-byte cap"}
            )
            continue
        summary = await run_in_threadpool(service.ingest_bytes, principal.user_id, data, name)
        out = summary.as_json()
        reports.append({"file": name, "status": summary.files[0].status})
        for key in ("documents", "records", "chunks"):
            totals[key] += out[key]
        totals["errors"].extend(out["errors"])
    totals["files"] = reports
    rejected = [r for r in reports if r["status"] == "rejected"]
    if reports and len(rejected) == len(reports) and len(files) == 1:
        err = totals["errors"][0]
        status = 415 if err["code"] == "unsupported_format" else 422
        return JSONResponse(
            {"error": {"code": err["code"], "message": err["message"]}}, status_code=status
        )
    return JSONResponse(totals, status_code=200 if not totals["errors"] else 207)
