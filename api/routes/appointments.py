"""Appointment preparation: a cited packet of the caller's own records (JSON, PDF, IPS),
kept in their vault until they delete it, unless temporary. See
:mod:`rag.tasks.prepare` for what a packet holds and ``../shared/contract.md``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import PrincipalDep, ServiceDep

router = APIRouter()

AppointmentId = Annotated[str, Path(min_length=1, max_length=64)]
QuestionText = Annotated[str, Field(max_length=500)]


class PrepareRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # a user id in the body is ignored, never trusted
    reason: str | None = Field(None, max_length=500,
                               description='e.g. "follow-up for diabetes", "cardiology"')
    date: dt.date | None = Field(None, description="the appointment day (default: today)")
    questions: list[QuestionText] = Field(default_factory=list, max_length=50,
                                          description="the person's own questions, added")
    include_sensitive: bool = Field(False, description="show sensitive categories too")
    temporary: bool = Field(False, description="keep nothing: the packet is not stored")
    locale: str | None = Field(None, max_length=16)


class QuestionsRequest(BaseModel):
    questions: list[QuestionText] = Field(max_length=50)


@router.post("/v1/appointments/prepare")
async def prepare(body: PrepareRequest, principal: PrincipalDep,
                  service: ServiceDep) -> dict[str, Any]:
    return await run_in_threadpool(
        service.appointments.prepare, principal.user_id, reason=body.reason, date=body.date,
        questions=body.questions, include_sensitive=body.include_sensitive,
        temporary=body.temporary, locale=body.locale)


@router.get("/v1/appointments")
async def list_appointments(principal: PrincipalDep, service: ServiceDep) -> dict[str, Any]:
    found = await run_in_threadpool(service.appointments.list, principal.user_id)
    return {"appointments": found}


@router.get("/v1/appointments/{appointment_id}.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}},
                             "description": "the packet as a PDF"}})
async def appointment_pdf(appointment_id: AppointmentId, principal: PrincipalDep,
                          service: ServiceDep) -> Response:
    data = await run_in_threadpool(service.appointments.pdf_of, principal.user_id,
                                   appointment_id)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="appointment-{appointment_id}.pdf"'})


@router.get("/v1/appointments/{appointment_id}/ips", response_class=JSONResponse,
            responses={200: {"content": {"application/fhir+json": {}},
                             "description": "an International Patient Summary Bundle"}})
async def appointment_ips(appointment_id: AppointmentId, principal: PrincipalDep,
                          service: ServiceDep) -> JSONResponse:
    bundle = await run_in_threadpool(service.appointments.ips_of, principal.user_id,
                                     appointment_id)
    return JSONResponse(bundle, media_type="application/fhir+json")


@router.get("/v1/appointments/{appointment_id}")
async def get_appointment(appointment_id: AppointmentId, principal: PrincipalDep,
                          service: ServiceDep) -> dict[str, Any]:
    return await run_in_threadpool(service.appointments.get, principal.user_id,
                                   appointment_id)


@router.put("/v1/appointments/{appointment_id}/questions")
async def set_questions(appointment_id: AppointmentId, body: QuestionsRequest,
                        principal: PrincipalDep, service: ServiceDep) -> dict[str, Any]:
    """Replace the packet's questions: edit, add and remove them."""
    return await run_in_threadpool(service.appointments.set_questions, principal.user_id,
                                   appointment_id, body.questions)


@router.delete("/v1/appointments/{appointment_id}")
async def delete_appointment(appointment_id: AppointmentId, principal: PrincipalDep,
                             service: ServiceDep) -> dict[str, Any]:
    return await run_in_threadpool(service.appointments.delete, principal.user_id,
                                   appointment_id)
