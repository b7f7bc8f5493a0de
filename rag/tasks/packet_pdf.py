"""The appointment packet as a PDF a person hands to a clinician (ReportLab, BSD).

One or two pages: who it is about, the date range covered, each section with its items
and a small source line per item (the FHIR resource type and id it comes from), the
questions, and the notes. The font is DejaVu Sans where Debian installs it, else the Vera
fonts ReportLab ships (both cover English and French accents).
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from rag.tasks.packet_words import day

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
LABELS = {
    "en": {"title": "Appointment preparation", "for": "For", "born": "born",
           "reason": "Reason", "date": "Appointment", "covers": "Records covered",
           "to": "to", "questions": "Questions to ask", "notes": "Notes",
           "source": "Source", "none": "Nothing recorded.",
           "made": "Prepared by healthrag from the person's own records on"},
    "fr": {"title": "Préparation de consultation", "for": "Pour", "born": "né(e) le",
           "reason": "Motif", "date": "Consultation", "covers": "Période couverte",
           "to": "au", "questions": "Questions à poser", "notes": "Remarques",
           "source": "Source", "none": "Rien d'enregistré.",
           "made": "Préparé par healthrag à partir du dossier de la personne le"},
}


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str]:
    """Register a Unicode TrueType font (regular, bold) once; returns their names."""
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pairs = [(DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf", "DejaVuSans"),
             (Path(reportlab.__file__).parent / "fonts" / "Vera.ttf",
              Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf", "Vera")]
    for regular, bold, name in pairs:
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont(f"{name}-pk", str(regular)))
            pdfmetrics.registerFont(TTFont(f"{name}-pk-Bold", str(bold)))
            pdfmetrics.registerFontFamily(f"{name}-pk", normal=f"{name}-pk",
                                          bold=f"{name}-pk-Bold", italic=f"{name}-pk",
                                          boldItalic=f"{name}-pk-Bold")
            return f"{name}-pk", f"{name}-pk-Bold"
    return "Helvetica", "Helvetica-Bold"  # pragma: no cover - ReportLab always ships Vera


def _source_line(item: dict[str, Any], citations: dict[int, dict[str, Any]]) -> str:
    parts = []
    for marker in item.get("markers") or []:
        c = citations.get(marker)
        if c is None:
            continue
        src = c.get("source") or {}
        rtype, rid = src.get("resource_type"), src.get("resource_id")
        parts.append(f"[{marker}] {rtype}/{rid}" if rtype and rid else f"[{marker}] {c['id']}")
    return ", ".join(parts)


def render_pdf(packet: dict[str, Any]) -> bytes:
    """The packet as PDF bytes."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import ListFlowable, Paragraph, SimpleDocTemplate, Spacer

    regular, bold = _fonts()
    lang = packet.get("language") if packet.get("language") in LABELS else "en"
    t = LABELS[str(lang)]
    body = ParagraphStyle("body", fontName=regular, fontSize=8.6, leading=10.6)
    small = ParagraphStyle("small", parent=body, fontSize=6.6, leading=8,
                           textColor=colors.HexColor("#555555"))
    h1 = ParagraphStyle("h1", parent=body, fontName=bold, fontSize=14, leading=17,
                        spaceAfter=2 * mm)
    h2 = ParagraphStyle("h2", parent=body, fontName=bold, fontSize=10.5, leading=13,
                        spaceBefore=2.6 * mm, spaceAfter=1 * mm,
                        textColor=colors.HexColor("#1f3a5f"))
    citations = {int(c["marker"]): c for c in packet.get("citations") or []}

    story: list[Any] = [Paragraph(escape(t["title"]), h1)]
    patient = packet.get("patient") or {}
    head = []
    if patient.get("name"):
        born = (f", {t['born']} {escape(day(patient['birth_date'], str(lang)))}"
                if patient.get("birth_date") else "")
        head.append(f"<b>{t['for']}:</b> {escape(str(patient['name']))}{born}")
    if packet.get("reason"):
        head.append(f"<b>{t['reason']}:</b> {escape(str(packet['reason']))}")
    head.append(f"<b>{t['date']}:</b> {escape(day(packet.get('date'), str(lang)))}")
    period = packet.get("period") or {}
    if period.get("from"):
        head.append(f"<b>{t['covers']}:</b> {escape(day(period['from'], str(lang)))} "
                    f"{t['to']} {escape(day(period.get('to'), str(lang)))}")
    story.append(Paragraph(" · ".join(head), body))

    def bullets(entries: list[Any]) -> Any:
        return ListFlowable(entries, bulletType="bullet", start="•", leftIndent=9,
                            bulletFontSize=7)

    for section in packet.get("sections") or []:
        story.append(Paragraph(escape(section["title"]), h2))
        entries: list[Any] = []
        for item in section["items"]:
            source = _source_line(item, citations)
            text = escape(item["text"])
            if source:
                text += f"<br/><font size=6.4 color='#666666'>{t['source']}: " \
                        f"{escape(source)}</font>"
            entries.append(Paragraph(text, body))
        story.append(bullets(entries) if entries else Paragraph(escape(t["none"]), body))
    questions = packet.get("questions") or []
    if questions:
        story.append(Paragraph(escape(t["questions"]), h2))
        story.append(ListFlowable([Paragraph(escape(qn), body) for qn in questions],
                                  bulletType="1", leftIndent=12, bulletFontName=regular,
                                  bulletFontSize=8))
    if packet.get("notes"):
        story.append(Paragraph(escape(t["notes"]), h2))
        story.append(bullets([Paragraph(escape(n), small) for n in packet["notes"]]))
    story.append(Spacer(1, 3 * mm))
    story.append(Paragraph(f"{escape(t['made'])} {escape(str(packet.get('generated_at')))}"
                           f"{' · ' + escape(str(packet['id'])) if packet.get('id') else ''}",
                           small))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm,
                            title=t["title"], author="healthrag", subject=str(
                                packet.get("reason") or ""), invariant=1)
    doc.build(story)
    return out.getvalue()
