"""Insurance from the caller's own claims (rules in ``shared/contract.md``, "Insurance").

- ``POST /v1/insurance/compare``: body ``{"plans": [...]}`` (the contract's plan file) or
  ``{"csv": "…"}`` (a QHP-shaped CSV), optional ``from``/``to``; ``"generic": true`` prices
  the plans on the synthetic low/medium/high years instead of the caller's claims.
- ``GET /v1/insurance/spending?year=YYYY``: billed, allowed, plan paid and your share.

A bad plan is a 422 ``invalid_plan`` naming the row and the field. A caller without claims
gets a 404 ``no_claims``, with the generic comparison of the plans under ``generic``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import PrincipalDep, ServiceDep
from rag.service import check_period
from rag.tasks.insurance import NoClaimsToReplay, generic_comparison
from rag.tasks.plan_files import parse_plans_csv
from rag.tasks.plans import parse_plans

router = APIRouter()


class CompareRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)  # a user id is ignored
    plans: Any = Field(None, description="the plans, as in the contract's plan file")
    csv: str | None = Field(None, max_length=2_000_000,
                            description="plans as a CSV in the shape of the QHP PUFs")
    start: dt.date | None = Field(None, alias="from", description="first day (ISO)")
    end: dt.date | None = Field(None, alias="to", description="last day (ISO), inclusive")
    generic: bool = Field(False, description="price the plans on generic years of care")


def _no_claims(exc: NoClaimsToReplay) -> JSONResponse:
    return JSONResponse({"error": {"code": exc.code, "message": exc.message},
                         "generic": exc.offer}, status_code=exc.status)


@router.post("/v1/insurance/compare", response_model=None)
async def compare(body: CompareRequest, principal: PrincipalDep, service: ServiceDep
                  ) -> JSONResponse:
    """Each plan's premiums, out of pocket and total over the window, replayed from the
    caller's claims; the cheapest plan, scenarios, caveats and the EOBs cited."""
    check_period(body.start, body.end)
    plans = (parse_plans_csv(body.csv, "csv") if body.csv is not None and body.plans is None
             else parse_plans({"plans": body.plans} if body.plans is not None else {}))
    if body.generic:
        return JSONResponse(generic_comparison(plans))
    try:
        result = await run_in_threadpool(service.insurance.compare, principal.user_id, plans,
                                         body.start, body.end)
    except NoClaimsToReplay as exc:
        return _no_claims(exc)
    return JSONResponse(result)


YearQuery = Annotated[int, Query(ge=1900, le=2100, description="the calendar year")]


@router.get("/v1/insurance/spending", response_model=None)
async def get_spending(year: YearQuery, principal: PrincipalDep, service: ServiceDep
                       ) -> JSONResponse:
    """Billed, allowed, plan paid and your share for one year, per category and provider."""
    try:
        result = await run_in_threadpool(service.insurance.spending, principal.user_id, year)
    except NoClaimsToReplay as exc:
        return _no_claims(exc)
    return JSONResponse(result)
