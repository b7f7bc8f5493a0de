"""Writes the README's appointment-packet example from the demo patient:
``eval/reports/appointment-packet.json`` (the packet, as ``healthrag prepare --json`` prints
it), ``appointment-packet.pdf`` and ``appointment-packet.png`` (the PDF's first page,
rendered with pypdfium2), and ``appointment-ips.json`` (the IPS Bundle).

    python -m eval.appointment_demo [--reason "follow-up for diabetes"] [--out DIR]

Deterministic but for ``generated_at``: a fake embedder, the demo's own "today".
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from eval.gen_demo_patient import DEFAULT_TODAY, write_demo_bundle
from rag.core.settings import EmbeddingSettings, Settings
from rag.embedder import FakeEmbedder
from rag.service import Service

REPORTS = Path(__file__).resolve().parent / "reports"


def render_first_page(pdf: bytes, scale: float = 1.4) -> bytes:
    """The first page of a PDF as PNG bytes."""
    import io

    import pypdfium2 as pdfium  # type: ignore[import-untyped]  # no py.typed

    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=scale).to_pil().convert("RGB").quantize(colors=64)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        doc.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reason", default="follow-up for diabetes")
    parser.add_argument("--out", type=Path, default=REPORTS)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data",
                            embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"))
        service = Service(settings, embedder=FakeEmbedder())
        try:
            bundle = write_demo_bundle(Path(tmp) / "demo-patient.json")
            service.ingest("demo", [bundle])
            packet = service.appointments.prepare(
                "demo", reason=args.reason, date=DEFAULT_TODAY, today=DEFAULT_TODAY,
                temporary=True)
            pdf = service.appointments.pdf(packet)
            ips = service.appointments.ips("demo", packet)
        finally:
            service.close()
    (args.out / "appointment-packet.json").write_text(
        json.dumps(packet, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (args.out / "appointment-ips.json").write_text(
        json.dumps(ips, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (args.out / "appointment-packet.pdf").write_bytes(pdf)
    (args.out / "appointment-packet.png").write_bytes(render_first_page(pdf))
    print(f"wrote {args.out}/appointment-packet.{{json,pdf,png}} and appointment-ips.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
