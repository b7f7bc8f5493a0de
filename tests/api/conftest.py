"""A live uvicorn server on loopback around the demo service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.live import LiveServer


@pytest.fixture
def live_server(demo_service: Any) -> Iterator[LiveServer]:
    with LiveServer(demo_service) as server:
        yield server
