"""The verification page in a real browser: Debian's Chromium driven by Playwright,
against uvicorn on loopback. Skipped when /usr/bin/chromium is absent (CI installs it)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote as urlquote

import pytest
import uvicorn

from tests.api.test_verify_page import CSP, XSS_TEXT, docref, verify_app
from tests.conftest import missing_tool

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.slow


@pytest.fixture
def verify_server(demo_service: Any) -> Iterator[str]:
    """The app (with the verify router) served by uvicorn in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(verify_app(demo_service), log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
    assert not thread.is_alive()


@contextmanager
def chromium_page() -> Iterator[Any]:
    """A fresh page in headless Debian Chromium; browser and context always closed."""
    if not CHROMIUM.exists():
        missing_tool("/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            try:
                yield context.new_page()
            finally:
                context.close()
        finally:
            browser.close()


def _signed(base: str, service: Any, user: str, cid: str, quote: str) -> str:
    link = service.links.url(service.vaults.vault_id(user), cid)
    return f"{base}{link}&q={urlquote(quote, safe='')}"


def test_quote_is_highlighted_and_visible_in_chromium(
    verify_server: str, demo_service: Any, tmp_path: Path
) -> None:
    c1 = demo_service.ask("alice", "What was my last A1c?").citations[0]
    url = _signed(verify_server, demo_service, "alice", c1.id, c1.quote)
    shot = tmp_path / "verify.png"
    requests: list[str] = []
    with chromium_page() as page:
        page.on("request", lambda req: requests.append(req.url))
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == 200
        assert response.headers["content-security-policy"] == CSP
        mark = page.locator("mark#quote")
        assert mark.count() == 1
        assert mark.inner_text() == c1.quote
        assert mark.is_visible()
        assert page.locator("#resource").is_visible()  # the FHIR JSON
        assert c1.source.file_hash in page.locator("body").inner_text()
        page.screenshot(path=str(shot), full_page=True)
    assert shot.exists() and shot.stat().st_size > 1000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Self-contained: the browser fetched nothing but the page itself.
    assert requests == [url]


def test_document_markup_stays_inert_in_chromium(
    verify_server: str, demo_service: Any, tmp_path: Path
) -> None:
    path = tmp_path / "eve.json"
    path.write_text(json.dumps(docref("evil1", XSS_TEXT, "<script>alert('d')</script>")))
    assert demo_service.ingest("eve", [path]).files[0].status == "ingested"
    c1 = demo_service.ask("eve", "What documents do I have?").citations[0]
    url = _signed(verify_server, demo_service, "eve", c1.id, c1.quote)
    dialogs: list[str] = []
    requests: list[str] = []
    with chromium_page() as page:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda req: requests.append(req.url))
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == 200
        assert page.evaluate("document.querySelectorAll('script, img, iframe, a').length") == 0
        chunk = page.locator(".chunk").inner_text()
        assert "<script>alert(1)</script>" in chunk
        assert "<img src=http://evil.example/x.png onerror=alert(2)>" in chunk
        assert page.locator("#quarantine").is_visible()
        assert page.locator("mark#quote").inner_text() == c1.quote
        page.screenshot(path=str(tmp_path / "verify-escaped.png"), full_page=True)
    assert dialogs == []
    assert requests == [url]


def test_chat_annotation_url_opens_the_highlighted_quote(live_server: Any,
                                                         demo_service: Any) -> None:
    """End to end as a chat client user: ask through the OpenAI client, open the answer's
    url_citation annotation in Chromium, see the quote highlighted."""
    import openai

    token, _ = demo_service.tokens.create("alice")
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=token, max_retries=0)
    resp = client.chat.completions.create(
        model="healthrag", messages=[{"role": "user", "content": "What was my last A1c?"}])
    annotation = (resp.choices[0].message.annotations or [])[0]
    quote = resp.model_extra["healthrag"]["citations"][0]["quote"]
    url = annotation.url_citation.url
    assert url.startswith(f"{live_server.url}/verify/")
    with chromium_page() as page:
        response = page.goto(url)
        assert response is not None and response.status == 200
        mark = page.locator("mark#quote")
        assert mark.is_visible()
        assert mark.inner_text() == quote
