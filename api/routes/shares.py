"""Clinician shares: the patient grants, lists and revokes; the clinician reads.

Patient routes (``/v1/shares``) act on the caller's own grants. Clinician routes
(``/v1/patients/{patient_id}/…``) take the clinician's identity from the token; the path's
``patient_id`` only selects among the vaults whose active share names that clinician, and
anything else (no share, expired, revoked, no such patient) is the same 404. Every
clinician read is audited in the patient's trail with ``actor = clinician:<id>``.
Clinicians are read-only: there is no clinician route that ingests or deletes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ClinicianDep, PrincipalDep, ServiceDep
from api.pages.verify import render_verify_page
from api.routes.trends import FromQuery, MetricQuery, ToQuery, trend_response
from api.routes.verify import SECURITY_HEADERS
from rag.access.shares import MAX_DAYS
from rag.citations_view import citation_view, record_json
from rag.core.errors import NotFound
from rag.core.types import Answer
from rag.service import Service, check_period

router = APIRouter()

PatientId = Annotated[str, Path(min_length=1, max_length=256,
                                 description="The patient's user id, as they shared it.")]
CitationId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class ShareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clinician: str = Field(min_length=1, max_length=256, description="The clinician's user id.")
    expires_in_days: int = Field(30, ge=1, le=MAX_DAYS)
    scope: Literal["read"] = "read"


class ShareOut(BaseModel):
    share_id: str
    patient: str
    clinician: str
    scope: Literal["read"]
    created_at: float
    expires_at: float
    revoked_at: float | None
    status: Literal["active", "expired", "revoked"]


class ShareList(BaseModel):
    shares: list[ShareOut]


class SharedAnswerRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    question: str = Field(min_length=1, max_length=4000)
    locale: str | None = Field(None, max_length=16)


def _out(service: Service, shares: list[Any]) -> ShareList:
    now = service.shares.clock()
    return ShareList(shares=[ShareOut.model_validate(s.as_json(now)) for s in shares])


# ------------------------------------------------------------------ the patient


@router.post("/v1/shares", status_code=201, response_model=ShareOut)
async def create_share(body: ShareRequest, principal: PrincipalDep,
                       service: ServiceDep) -> ShareOut:
    """Let one clinician read the caller's vault (answers, citations, trends) until expiry."""
    share = await run_in_threadpool(service.shares.create, principal.user_id, body.clinician,
                                    expires_in_days=body.expires_in_days, scope=body.scope)
    service.audit.record("share", actor="owner", vault=service.vaults.vault_id(share.patient),
                         resources=[share.share_id], expires_at=share.expires_at)
    return _out(service, [share]).shares[0]


@router.get("/v1/shares", response_model=ShareList)
async def list_shares(principal: PrincipalDep, service: ServiceDep) -> ShareList:
    """The caller's grants, with their status (active, expired, revoked)."""
    return _out(service, await run_in_threadpool(service.shares.for_patient, principal.user_id))


@router.delete("/v1/shares/{share_id}")
async def revoke_share(principal: PrincipalDep, service: ServiceDep,
                       share_id: str = Path(pattern=r"^shr_[0-9a-f]{16}$")) -> dict[str, str]:
    """Revoke one of the caller's shares at once (404 if it is not theirs or already off)."""
    if not await run_in_threadpool(service.shares.revoke, principal.user_id, share_id):
        raise NotFound("no such active share")
    service.audit.record("unshare", actor="owner",
                         vault=service.vaults.vault_id(principal.user_id), resources=[share_id])
    return {"share_id": share_id, "status": "revoked"}


# ------------------------------------------------------------------ the clinician


@router.get("/v1/shared-with-me", response_model=ShareList)
async def shared_with_me(principal: ClinicianDep, service: ServiceDep) -> ShareList:
    """The clinician's active shares: which patient ids they may read, until when."""
    return _out(service, await run_in_threadpool(service.shares.for_clinician,
                                                 principal.user_id))


@router.post("/v1/patients/{patient_id}/answer", response_model=Answer,
             response_model_exclude_none=False)
async def shared_answer(patient_id: PatientId, body: SharedAnswerRequest,
                        principal: ClinicianDep, service: ServiceDep) -> Answer:
    """An answer from a patient's vault that is shared with the caller (404 otherwise)."""
    return await run_in_threadpool(service.ask_shared, principal.user_id, patient_id,
                                   body.question, locale=body.locale)


def _shared_citation(service: Service, clinician: str, patient: str,
                     citation_id: str) -> dict[str, Any]:
    with service.vault_session(patient):  # the share is checked with the vault held
        share = service.shared(clinician, patient)
        if not citation_id.startswith("r_"):  # knowledge: not the patient's data
            return citation_view(service, patient, citation_id)
        vault = service.vaults.open(patient)
        rec = vault.facts.record_by_chunk(citation_id) if vault.exists else None
    if rec is None:
        raise NotFound("no such citation")
    service.audit_shared_read(share, [rec.chunk_id], "citation")
    return record_json(rec)


@router.get("/v1/patients/{patient_id}/citations/{citation_id}")
async def shared_citation(patient_id: PatientId, citation_id: CitationId,
                          principal: ClinicianDep, service: ServiceDep) -> dict[str, Any]:
    """A citation's full source from a shared vault (same shape as ``/v1/citations``)."""
    return await run_in_threadpool(_shared_citation, service, principal.user_id, patient_id,
                                   citation_id)


@router.get("/v1/patients/{patient_id}/trends", response_model=None)
async def shared_trends(
    patient_id: PatientId,
    principal: ClinicianDep,
    service: ServiceDep,
    metric: MetricQuery,
    start: FromQuery = None,
    end: ToQuery = None,
    format: Literal["json", "png"] = "json",
) -> Response:
    """A metric's series from a shared vault, as ``GET /v1/trends`` returns it."""
    check_period(start, end)
    result = await run_in_threadpool(service.trend_shared, principal.user_id, patient_id,
                                     metric, start, end)
    return await trend_response(result, format)


def _shared_page(service: Service, clinician: str, patient: str, citation_id: str,
                 quote: str | None) -> str:
    with service.vault_session(patient):
        share = service.shared(clinician, patient)
        page = render_verify_page(service, citation_id,
                                  vault_id=service.vaults.vault_id(patient),
                                  quote=quote, actor=None)  # audited below, as the clinician
    if citation_id.startswith("r_"):
        service.audit_shared_read(share, [citation_id], "verify")
    return page


@router.get("/v1/patients/{patient_id}/verify/{citation_id}", response_class=HTMLResponse)
async def shared_verify(patient_id: PatientId, citation_id: CitationId,
                        principal: ClinicianDep, service: ServiceDep,
                        q: str | None = Query(None, max_length=8000)) -> HTMLResponse:
    """The verification page of a citation in a shared vault (HTML, strict CSP)."""
    page = await run_in_threadpool(_shared_page, service, principal.user_id, patient_id,
                                   citation_id, q)
    return HTMLResponse(page, headers=SECURITY_HEADERS)
