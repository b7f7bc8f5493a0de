"""``GET /v1/trends``: a metric's series and statistics from the caller's own vault, as JSON
or as a PNG chart. The vault is the token's user; no parameter names another one.

An unknown metric is a 422 (``unknown_metric``, listing known keys); a bad date or
``from`` after ``to`` is a 422; a period without data is a 200 with empty ``points``
and ``stats: null`` (the PNG then says "No data in this period").
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from api.deps import PrincipalDep, ServiceDep
from rag.errors import InvalidContent
from rag.planner import TimeWindow
from rag.service import Service
from rag.trend_chart import render_png
from rag.trends import TrendResult, resolve_metric, trend

router = APIRouter()


def _trend(service: Service, user_id: str, metric: str, start: dt.date | None,
           end: dt.date | None) -> TrendResult:
    term = resolve_metric(metric, service.answerer.vocabulary)
    window = TimeWindow(start=start.isoformat() if start else None,
                        end=(end + dt.timedelta(days=1)).isoformat() if end else None)
    vault = service.vaults.open(user_id)
    result = trend(vault, term, window)
    read = sorted({r.chunk_id for p in result.points for r in p.records})
    if read:
        service.audit.record("read", actor="owner", vault=vault.vault_id, resources=read)
    return result


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
    :mod:`rag.trends`), as JSON or, with ``format=png``, as a chart."""
    if start is not None and end is not None and start > end:
        raise InvalidContent("'from' is after 'to'", code="invalid_period")
    result = await run_in_threadpool(_trend, service, principal.user_id, metric, start, end)
    if format == "png":
        png = await run_in_threadpool(render_png, result)
        return Response(png, media_type="image/png")
    return JSONResponse(result.as_json())
