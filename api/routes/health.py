from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServiceDep

router = APIRouter()


@router.get("/healthz")
async def healthz(service: ServiceDep) -> dict[str, object]:
    return {
        "status": "ok",
        "knowledge_documents": service.knowledge.doc_count(),
        "kb_version": service.knowledge.version(),
    }
