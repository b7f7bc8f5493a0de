from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from rag.access.ratelimit import RateLimiter
from rag.core.errors import RateLimited


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_refills_over_time() -> None:
    clock = Clock()
    limiter = RateLimiter(3, clock=clock)
    for _ in range(3):
        limiter.hit("t")
    with pytest.raises(RateLimited):
        limiter.hit("t")
    limiter.hit("other")  # buckets are per token
    clock.now += 20  # 3 per minute: one token back every 20 s
    limiter.hit("t")
    with pytest.raises(RateLimited):
        limiter.hit("t")


def test_api_answers_429_per_token(service: Any) -> None:
    service.limiter = RateLimiter(2)
    a = {"Authorization": f"Bearer {service.tokens.create('a')[0]}"}
    b = {"Authorization": f"Bearer {service.tokens.create('b')[0]}"}
    with TestClient(create_app(service.settings, service=service)) as client:
        codes = [client.get("/v1/records", headers=a).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert client.get("/v1/records", headers=a).json()["error"]["code"] == "rate_limited"
        assert client.get("/v1/records", headers=b).status_code == 200
