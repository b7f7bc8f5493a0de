from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import PrincipalDep, ServiceDep
from rag.core.types import CONVERSATION_ID, Answer

router = APIRouter()


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # a user id in the body is ignored, never trusted
    question: str = Field(min_length=1, max_length=4000)
    locale: str | None = Field(None, max_length=16)
    temporary: bool = Field(False, description="Keep nothing: no history, no cache.")
    conversation_id: str | None = Field(None, pattern=CONVERSATION_ID.pattern,
                                        description="History conversation to continue.")


@router.post("/v1/answer", response_model=Answer, response_model_exclude_none=False)
async def answer(body: AnswerRequest, principal: PrincipalDep, service: ServiceDep) -> Answer:
    return await run_in_threadpool(
        service.ask, principal.user_id, body.question, locale=body.locale,
        temporary=body.temporary, conversation_id=body.conversation_id)
