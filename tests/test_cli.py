"""The CLI contract (../shared/contract.md), run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], data_dir: Path, *, fake: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEALTHRAG_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    if fake:
        env["HEALTHRAG_EMBEDDING__BACKEND"] = "fake"
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_ingest_ask_forget_round_trip(tmp_path: Path, demo_bundle: Path) -> None:
    data = tmp_path / "data"
    r = run(["ingest", "--user", "u1", "--json", str(demo_bundle)], data)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["records"] > 100 and out["errors"] == [] and out["documents"] == 1
    r = run(["ask", "--user", "u1", "--json", "What am I allergic to?"], data)
    assert r.returncode == 0, r.stderr
    ans = json.loads(r.stdout)
    assert ans["citations"] and ans["citations"][0]["source"]["resource_type"] == (
        "AllergyIntolerance")
    r = run(["forget", "--user", "u1", "--json"], data)
    assert r.returncode == 0
    receipt = json.loads(r.stdout)
    assert receipt["records"] == out["records"] and receipt["remaining_files"] == 0
    ans = json.loads(run(["ask", "--user", "u1", "--json", "What am I allergic to?"],
                         data).stdout)
    assert not ans["citations"]


def test_ingest_exit_code_is_1_when_any_file_is_rejected(tmp_path: Path, demo_bundle: Path
                                                         ) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    r = run(["ingest", "--user", "u1", "--json", str(demo_bundle), str(bad)], tmp_path / "d")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["documents"] == 1 and len(out["errors"]) == 1
    assert out["errors"][0]["file"] == "bad.json"
    r = run(["ingest", "--user", "u1", str(bad)], tmp_path / "d")
    assert r.returncode == 1 and "error:" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_token_create_prints_token_last(tmp_path: Path) -> None:
    r = run(["token", "create", "--user", "u1", "--role", "clinician"], tmp_path / "d")
    assert r.returncode == 0
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("hr_") and len(token) > 30
    listed = json.loads(run(["token", "list"], tmp_path / "d").stdout)
    assert listed[0]["role"] == "clinician" and token not in json.dumps(listed)


def test_knowledge_add_reports_bad_documents(tmp_path: Path) -> None:
    doc = tmp_path / "ok.md"
    doc.write_text("---\ntitle: Test\nsource: Example\n---\n## Part\nSome text here.\n")
    bad = tmp_path / "bad.md"
    bad.write_text("no front matter")
    r = run(["knowledge", "add", "--json", str(doc), str(bad)], tmp_path / "d")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["documents"] == 1 and out["errors"][0]["file"] == "bad.md"


@pytest.mark.slow
def test_real_embedder_ask(tmp_path: Path, demo_bundle: Path) -> None:
    data = tmp_path / "real"
    assert run(["ingest", "--user", "u1", str(demo_bundle)], data, fake=False).returncode == 0
    r = run(["ask", "--user", "u1", "--json", "When was my colonoscopy?"], data, fake=False)
    ans = json.loads(r.stdout)
    assert any(c["source"]["resource_type"] == "Procedure" for c in ans["citations"])


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_serves_a_cited_answer_over_http(tmp_path: Path) -> None:
    """What `make run` does: demo data, a printed token, a live server on loopback."""
    import time

    import httpx

    port = _free_port()
    env = {**os.environ, "HEALTHRAG_DATA_DIR": str(tmp_path / "d"),
           "HEALTHRAG_EMBEDDING__BACKEND": "fake", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "demo", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    try:
        assert proc.stdout is not None
        token = ""
        for line in proc.stdout:
            if line.startswith("token: "):
                token = line.split(" ", 1)[1].strip()
                break
        assert token.startswith("hr_")
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        r = httpx.post(f"{base}/v1/answer", json={"question": "What was my last A1c?"},
                       headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert r.status_code == 200
        body = r.json()
        assert body["citations"][0]["source"]["resource_type"] == "Observation"
        assert "[1]" in body["answer"]
        assert r.headers["x-content-type-options"] == "nosniff"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def test_eval_records_passes_its_own_options(tmp_path: Path) -> None:
    pytest.importorskip("eval.record_qa")
    from tests.conftest import shared_path

    bundles = shared_path("synthea_fhir_r4", "bundles")
    out = tmp_path / "rq.md"
    r = run(["eval", "records", "--data", str(bundles), "--max-patients", "1", "--fake",
             "--out", str(out)], tmp_path / "d")
    assert r.returncode == 0, r.stderr
    assert "Accuracy" in out.read_text()


def test_ingest_shows_a_progress_bar_on_stderr_and_keeps_stdout_json(tmp_path: Path) -> None:
    from eval.gen_apple_health import generate

    export = tmp_path / "export.xml"
    generate(export, size_mb=None, seed=1, days=40)
    r = run(["ingest", "--user", "u1", "--json", "--progress", str(export)], tmp_path / "d")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["kinds"] == ["apple_health"]  # stdout stays pure JSON
    assert "reading" in r.stderr and "100%" in r.stderr
    assert "embedding" in r.stderr
    quiet = run(["ingest", "--user", "u2", "--json", str(export)], tmp_path / "d")
    assert "reading" not in quiet.stderr  # no bar when stderr is not a terminal


def test_a_second_process_gets_a_clear_error_while_the_server_runs(tmp_path: Path) -> None:
    """Issue #22, F6: `healthrag ask` on the data dir of a running `healthrag serve` died
    with a traceback and truncated the server's knowledge shard, so every later curator
    write was a 500. Now: exit 1 with one clear line, the shard's files untouched, the
    server still writes; `token create` (SQLite only) keeps working meanwhile."""
    import hashlib
    import time

    import httpx

    from api.live import free_port

    data = tmp_path / "data"
    port = free_port()
    env = {**os.environ, "HEALTHRAG_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1",
           "HEALTHRAG_EMBEDDING__BACKEND": "fake"}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.time() < deadline, "the server did not start"
            time.sleep(0.2)
        r = run(["token", "create", "--user", "cc", "--role", "curator"], data)
        assert r.returncode == 0, r.stderr
        curator = {"Authorization": f"Bearer {r.stdout.strip().splitlines()[-1]}"}

        def add(n: int) -> httpx.Response:
            doc = f"---\ntitle: Note {n}\nsource: Test\n---\n## Part\nText number {n}.\n"
            return httpx.post(f"{base}/v1/knowledge?name=note{n}.md", content=doc.encode(),
                              headers=curator, timeout=60)

        assert add(1).status_code == 200
        shard = data / "knowledge" / "shard"

        def files() -> dict[str, str]:
            return {str(p.relative_to(shard)): hashlib.sha256(p.read_bytes()).hexdigest()
                    for p in sorted(shard.rglob("*")) if p.is_file()}

        before = files()
        assert any(name.endswith("tracker_journal.dat") for name in before)
        for args in (["ask", "--user", "cc", "--temporary", "x"],
                     ["ingest", "--user", "cc", str(tmp_path / "server.log")],
                     ["forget", "--user", "cc"]):
            r = run(args, data)
            assert r.returncode == 1, (args, r.stdout, r.stderr)
            assert "Traceback" not in r.stderr
            assert r.stderr.strip().splitlines() == [
                f"error: the vector shard {shard} is in use by another healthrag process "
                f"(pid {server.pid}); use the HTTP API of the running server or stop it"]
        assert files() == before, "the refused process touched the live shard"
        assert add(2).status_code == 200  # was a 500 before the fix
        assert add(3).status_code == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
