"""``GET /v1/trends``: a metric's series and statistics from the caller's own vault, as JSON
or as a PNG chart. The vault is the token's user; no parameter names another one.

An unknown metric is a 422 (``unknown_metric``, listing known keys); a bad date, a day
outside 1900..2100 or ``from`` after ``to`` is a 422 (``invalid_period``); a period without
data is a 200 with empty ``points`` and ``stats: null`` (the PNG then says "No data in this
period").
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from api.deps import PrincipalDep, ServiceDep
from rag.answering.trend_chart import render_png
from rag.answering.trends import TrendResult
from rag.service import check_period  # days in order, within 1900..2100

router = APIRouter()


async def trend_response(result: TrendResult, format: str) -> Response:
    """The series as JSON, or as a chart with ``format=png``."""
    if format == "png":
        return Response(await run_in_threadpool(render_png, result), media_type="image/png")
    return JSONResponse(result.as_json())


MetricQuery = Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$",
                                    description="a term key (ldl, sleep_total) or a wellness "
                                    "metric key (steps)")]
FromQuery = Annotated[dt.date | None, Query(alias="from", description="first day (ISO)")]
ToQuery = Annotated[dt.date | None, Query(alias="to", description="last day (ISO), inclusive")]


@router.get("/v1/trends", response_model=None)
async def get_trend(
    principal: PrincipalDep,
    service: ServiceDep,
    metric: MetricQuery,
    start: FromQuery = None,
    end: ToQuery = None,
    format: Literal["json", "png"] = "json",
) -> Response:
    """The metric's de-duplicated series and statistics over the period (rules in
    :mod:`rag.answering.trends`), as JSON or, with ``format=png``, as a chart."""
    check_period(start, end)
    result = await run_in_threadpool(service.trend, principal.user_id, metric, start, end)
    return await trend_response(result, format)
