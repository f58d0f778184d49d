"""``report.pdf``: an A4 document for a technical file (reportlab platypus).

Layout: a title page (study, input hash, summary of the main results, provenance in brief), then one
section per topic with numbered tables whose column widths follow the content, figures at text width, and
on every page a footer with the input's SHA-256 and "page n of N".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from turingview.export.report_model import Section, Table, build_report

_FONT, _BOLD, _MONO = "Helvetica", "Helvetica-Bold", "Courier"
_KEEP_ROWS = 25  # tables up to this many rows are not split across pages


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    base = getSampleStyleSheet()
    dark = colors.HexColor("#1a1a1a")
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontName=_BOLD, fontSize=20, leading=25, alignment=0,
                                textColor=dark, spaceAfter=6),
        "subtitle": ParagraphStyle("st", parent=base["Normal"], fontName=_FONT, fontSize=12, leading=16,
                                   textColor=colors.HexColor("#444444"), spaceAfter=14),
        "h1": ParagraphStyle("h1", parent=base["Heading1"], fontName=_BOLD, fontSize=14, leading=18,
                             spaceBefore=6, spaceAfter=8, textColor=dark, keepWithNext=1),
        "caption": ParagraphStyle("cap", parent=base["Normal"], fontName=_BOLD, fontSize=8.5, leading=11,
                                  spaceBefore=6, spaceAfter=3, textColor=dark),
        "body": ParagraphStyle("b", parent=base["Normal"], fontName=_FONT, fontSize=9, leading=12.5,
                               spaceAfter=5, textColor=dark),
        "cell": ParagraphStyle("c", parent=base["Normal"], fontName=_FONT, fontSize=7.5, leading=9.2),
        "cell_r": ParagraphStyle("cr", parent=base["Normal"], fontName=_FONT, fontSize=7.5, leading=9.2,
                                 alignment=2),
        "head": ParagraphStyle("h", parent=base["Normal"], fontName=_BOLD, fontSize=7.5, leading=9.2),
        "head_r": ParagraphStyle("hr", parent=base["Normal"], fontName=_BOLD, fontSize=7.5, leading=9.2,
                                 alignment=2),
        "mono": ParagraphStyle("m", parent=base["Normal"], fontName=_MONO, fontSize=8.5, leading=11),
        "figcap": ParagraphStyle("fc", parent=base["Normal"], fontName=_FONT, fontSize=8, leading=10.5,
                                 textColor=colors.HexColor("#444444"), spaceAfter=8),
    }


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wrap_long(text: str) -> str:
    """Escape a table cell; long unbroken tokens (hashes, paths) are split by the cell style's splitLongWords."""
    return _esc(text)


def _table_flowables(t: Table, width: float, st: dict[str, Any], number: int) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as RLTable

    total = sum(t.widths)
    widths = [width * w / total for w in t.widths]
    head = [Paragraph(_esc(c), st["head_r" if a == "RIGHT" else "head"]) for c, a in zip(t.columns, t.align,
                                                                                         strict=True)]
    body = [[Paragraph(_wrap_long(cell), st["cell_r" if a == "RIGHT" else "cell"]) for cell, a in
             zip(row, t.align, strict=True)] for row in t.rows]
    table = RLTable([head, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [("LINEABOVE", (0, 0), (-1, 0), 0.8, colors.black), ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
             ("LINEBELOW", (0, -1), (-1, -1), 0.8, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
             ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    style += [("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f2f4f7")) for i in range(2, len(body) + 1, 2)]
    table.setStyle(TableStyle(style))
    out = [Paragraph(f"Table {number}. {_esc(t.title)}", st["caption"]), table]
    if t.note:
        out.append(Paragraph(_esc(t.note), st["figcap"]))
    return out


def _figure(path: Path, caption: str, width: float, st: dict[str, Any], number: int) -> list[Any]:
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, KeepTogether, Paragraph

    iw, ih = ImageReader(str(path)).getSize()
    w = min(width, iw * 72 / 150)
    h = w * ih / iw
    max_h = 16 * 28.35
    if h > max_h:
        w, h = w * max_h / h, max_h
    img = Image(str(path), width=w, height=h, hAlign="LEFT")
    return [KeepTogether([img, Paragraph(f"Figure {number}. {_esc(caption)}", st["figcap"])])]


def write_pdf(results: dict[str, Any], figures: dict[str, Path], path: Path) -> Path:
    """Render the report as a PDF (A4 portrait, numbered pages, hash footer)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import SimpleDocTemplate

    st = _styles()
    title, sections = build_report(results, figures)
    digest = title["hash"]
    version = results["provenance"]["software"]["turingview"]

    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm,
                      bottomMargin=2.2 * cm, title=title["title"], author="TuringView",
                      subject=f"input SHA-256 {digest}", creator=f"TuringView {version}")
    width = A4[0] - 4 * cm

    def decorate(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor("#999999"))
        canvas.setLineWidth(0.4)
        canvas.line(2 * cm, 1.55 * cm, A4[0] - 2 * cm, 1.55 * cm)
        canvas.setFont(_FONT, 7)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawString(2 * cm, 1.15 * cm, f"TuringView {version}  \u00b7  input SHA-256 {digest}")
        if document.page > 1:
            canvas.drawString(2 * cm, A4[1] - 1.3 * cm, title["title"])
            canvas.drawRightString(A4[0] - 2 * cm, A4[1] - 1.3 * cm, title["subtitle"][:80])
            canvas.line(2 * cm, A4[1] - 1.45 * cm, A4[0] - 2 * cm, A4[1] - 1.45 * cm)
        canvas.restoreState()

    story = _story(results, title, sections, figures, st, width, digest, version)
    from reportlab import rl_config

    previous = rl_config.useA85
    rl_config.useA85 = 0  # binary image streams: pure-Python ASCII85 costs seconds and a quarter more bytes
    try:
        doc.build(story, onFirstPage=decorate, onLaterPages=decorate, canvasmaker=_numbered_canvas())
    finally:
        rl_config.useA85 = previous
    return path


def _story(results: dict[str, Any], title: dict[str, Any], sections: list[Section], figures: dict[str, Path],
           st: dict[str, Any], width: float, digest: str, version: str) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Paragraph, Spacer, TableStyle
    from reportlab.platypus import Table as RLTable

    story: list[Any] = [Spacer(1, 2.5 * cm), Paragraph(_esc(title["title"]), st["title"]),
                        Paragraph(_esc(title["subtitle"]), st["subtitle"])]
    meta = [["Input SHA-256", digest], ["Generated", title.get("generated") or "\u2013"],
            ["Software", f"TuringView {version}"]]
    prov = results["provenance"]
    for key, label in (("study", "Study"), ("seed", "Randomisation seed"), ("audit_chain_head", "Audit chain head")):
        if prov.get(key) is not None:
            meta.append([label, str(prov[key])])
    meta_table = RLTable([[Paragraph(_esc(a), st["head"]), Paragraph(_wrap_long(b), st["cell"])] for a, b in meta],
                         colWidths=[4 * cm, width - 4 * cm], hAlign="LEFT")
    meta_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                    ("LINEBELOW", (0, -1), (-1, -1), 0.5, colors.black),
                                    ("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.black)]))
    story += [meta_table, Spacer(1, 0.8 * cm), Paragraph("Summary of results", st["h1"])]
    summary = Table("Main results", ["quantity", "result"], [list(r) for r in title["summary"]], [2.2, 5.0],
                    ["LEFT", "LEFT"])
    story += _table_flowables(summary, width, st, 1)[1:]
    story += [Spacer(1, 0.6 * cm), Paragraph(
        "Conventions: scores 1..K with 1 = definitely synthetic and K = definitely real; detection AUC = P(real "
        "score > synthetic score) + 0.5 P(tie), so 0.5 means readers cannot tell real from synthetic. Full "
        "conventions in section 1; every number is also in results.json.", st["body"]), PageBreak()]
    table_no, fig_no = 2, 1
    for section in sections:
        story.append(CondPageBreak(5 * cm))
        lead: list[Any] = [Paragraph(_esc(section.title), st["h1"])]
        lead += [Paragraph(_esc(p), st["body"]) for p in section.paragraphs]
        for t in section.tables:
            flowables = lead + _table_flowables(t, width, st, table_no)
            # A short table stays on one page with its caption (and the section's heading and text when it is
            # the first); a long one splits with its header repeated.
            story += [KeepTogether(flowables)] if len(t.rows) <= _KEEP_ROWS else flowables
            lead = []
            table_no += 1
        story += lead
        for fig_path, caption in section.figures:
            story += _figure(fig_path, caption, width, st, fig_no)
            fig_no += 1
    return story


def _numbered_canvas() -> type:
    """A canvas that holds every page until the end, then writes "Page n of N" on each (one build)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab API
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.saveState()
                self.setFont(_FONT, 7)
                self.setFillColor(colors.HexColor("#444444"))
                self.drawRightString(A4[0] - 2 * cm, 1.15 * cm, f"Page {self._pageNumber} of {total}")
                self.restoreState()
                super().showPage()
            super().save()

    return NumberedCanvas


__all__ = ["Section", "write_pdf"]
