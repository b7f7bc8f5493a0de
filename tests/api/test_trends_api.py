"""``GET /v1/trends``: JSON and PNG from the caller's own vault, typed errors, isolation."""

from __future__ import annotations

import datetime as dt
import io
import statistics
import struct
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from ingest.wellness import DailyValue, daily_records
from rag.core.types import ParseResult
from rag.ingestion.pipeline import Ingestor

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SLEEP = {dt.date(2024, 3, 1) + dt.timedelta(days=i): round(6.5 + 0.05 * (i % 9), 2)
         for i in range(45)}


@pytest.fixture
def client(service: Any) -> Iterator[TestClient]:
    records = daily_records([DailyValue("sleep_total", d, v) for d, v in SLEEP.items()],
                            source_file="sleep.csv", file_hash="9" * 64, origin="Oura")
    vault = service.vaults.open("alice")
    with vault.lock:
        Ingestor(vault, service.embedder, service.settings).ingest_parsed(
            ParseResult(records=records), name="sleep.csv", file_hash="9" * 64, kind="wellness")
    app = create_app(service.settings, service=service)
    with TestClient(app) as c:
        yield c


def _auth(service: Any, user: str = "alice") -> dict[str, str]:
    token, _ = service.tokens.create(user, "patient")
    return {"Authorization": f"Bearer {token}"}


def test_json_series_and_stats(client: TestClient, service: Any) -> None:
    r = client.get("/v1/trends", params={"metric": "sleep_total", "from": "2024-03-10",
                                         "to": "2024-03-31"}, headers=_auth(service))
    assert r.status_code == 200
    body = r.json()
    want = {d.isoformat(): v for d, v in SLEEP.items()
            if dt.date(2024, 3, 10) <= d <= dt.date(2024, 3, 31)}
    assert (body["metric"], body["unit"], body["from"], body["to"]) == (
        "sleep_total", "h", "2024-03-10", "2024-03-31")
    assert {p["date"]: p["value"] for p in body["points"]} == want
    stats = body["stats"]
    assert stats["n"] == len(want)
    assert stats["mean"] == pytest.approx(statistics.mean(want.values()), abs=1e-4)
    assert stats["min"]["value"] == min(want.values())
    # every point cites the weekly record holding its day
    ids = {p["citation_id"] for p in body["points"]}
    for cid in ids:
        c = client.get(f"/v1/citations/{cid}", headers=_auth(service))
        assert c.status_code == 200
    first = body["points"][0]
    quote = client.get(f"/v1/citations/{first['citation_id']}", headers=_auth(service)).json()
    assert first["date"] in str(quote)
    # the previous period is the same number of days before
    assert body["previous"]["to"] == "2024-03-09" and body["previous"]["from"] == "2024-02-17"


def test_a_wellness_metric_key_works_too(client: TestClient, service: Any) -> None:
    r = client.get("/v1/trends", params={"metric": "steps"}, headers=_auth(service))
    assert r.status_code == 200 and r.json()["metric"] == "step_count"
    assert r.json()["points"] == [] and r.json()["stats"] is None


def test_png_chart(client: TestClient, service: Any) -> None:
    r = client.get("/v1/trends", params={"metric": "sleep_total", "format": "png"},
                   headers=_auth(service))
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.content[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", r.content[16:24])  # the IHDR chunk
    assert width >= 800 and height >= 400
    assert 10_000 < len(r.content) < 1_000_000
    from matplotlib.image import imread

    pixels = imread(io.BytesIO(r.content), format="png")
    assert pixels.std() > 0.01  # not a blank image


def test_another_users_token_sees_no_points(client: TestClient, service: Any) -> None:
    r = client.get("/v1/trends", params={"metric": "sleep_total", "from": "2024-01-01"},
                   headers=_auth(service, "mallory"))
    assert r.status_code == 200
    assert r.json()["points"] == [] and r.json()["stats"] is None
    png = client.get("/v1/trends", params={"metric": "sleep_total", "format": "png"},
                     headers=_auth(service, "mallory"))
    assert png.status_code == 200 and png.content[:8] == PNG_MAGIC


@pytest.mark.parametrize(("params", "code"), [
    ({"metric": "sleepiness"}, "unknown_metric"),
    ({"metric": "sleep_total", "from": "2024-13-01"}, "invalid_request"),
    ({"metric": "sleep_total", "to": "yesterday"}, "invalid_request"),
    ({"metric": "sleep_total", "from": "2024-04-01", "to": "2024-03-01"}, "invalid_period"),
    ({"metric": "sleep_total", "format": "gif"}, "invalid_request"),
    ({}, "invalid_request"),
])
def test_typed_errors(client: TestClient, service: Any, params: dict[str, str],
                      code: str) -> None:
    r = client.get("/v1/trends", params=params, headers=_auth(service))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == code
    if code == "unknown_metric":
        assert "sleep_total" in r.json()["error"]["message"]


def test_needs_a_token(client: TestClient) -> None:
    r = client.get("/v1/trends", params={"metric": "sleep_total"})
    assert r.status_code == 401
