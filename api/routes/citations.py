from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool

from api.deps import PrincipalDep, ServiceDep
from rag.citations_view import citation_view

router = APIRouter()


@router.get("/v1/citations/{citation_id}")
async def get_citation(
    principal: PrincipalDep,
    service: ServiceDep,
    citation_id: str = Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$"),
) -> dict[str, Any]:
    """The quote's full source: the chunk, and for FHIR the resource JSON with provenance.
    Looked up only in the caller's own vault or the shared knowledge base."""
    return await run_in_threadpool(citation_view, service, principal.user_id, citation_id)
