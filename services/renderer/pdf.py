"""HTML to PDF with WeasyPrint, offline: the one place the renderer calls WeasyPrint.

The font configuration and the report stylesheet are built once per process and reused (a fresh
font configuration makes Pango load and shape every face again: ~10 % of a coding report's render
time, bench.render); every render gets a fresh
:class:`~services.renderer.fetcher.OfflineURLFetcher`, so nothing can be loaded but ``data:``
URLs and the renderer's own assets. This is CPU-bound, synchronous work: call it from the render
pool's worker processes (:mod:`services.renderer.pool`), never on an event loop.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from services.renderer.fetcher import ASSETS_DIR, OfflineURLFetcher
from services.renderer.meta import RenderedPdf

STYLESHEET = ASSETS_DIR / "report.css"

# WeasyPrint reports CSS it ignores and resources it could not load through the ``weasyprint``
# logger; those are template bugs worth seeing, but per-glyph font chatter is not.
logging.getLogger("fontTools").setLevel(logging.WARNING)


class RenderError(Exception):
    """The document could not be turned into a PDF; the message names the cause (no content)."""


@dataclass(frozen=True)
class PdfDocument:
    """HTML ready for WeasyPrint, with what the PDF metadata should say."""

    html: str
    title: str
    created_at: datetime


@cache
def font_configuration() -> FontConfiguration:
    """This process's font configuration (system fonts only; the reports declare no web font)."""
    return FontConfiguration()


@cache
def report_stylesheet() -> CSS:
    """The parsed report stylesheet (parsed once per process: it is the same for every report)."""
    return CSS(
        filename=str(STYLESHEET), url_fetcher=OfflineURLFetcher(), font_config=font_configuration()
    )


def html_to_pdf(
    document: PdfDocument, *, stylesheets: tuple[CSS, ...] | None = None
) -> RenderedPdf:
    """Lay out ``document`` with the report stylesheet (or ``stylesheets``) and write the PDF.

    Title, subject and creation date come from the HTML's ``<title>`` and ``<meta>`` elements.
    Raises :class:`RenderError` when WeasyPrint fails.
    """
    fetcher = OfflineURLFetcher()
    sheets = list(stylesheets) if stylesheets is not None else [report_stylesheet()]
    try:
        rendered = HTML(
            string=document.html, base_url=ASSETS_DIR.as_uri() + "/", url_fetcher=fetcher
        ).render(stylesheets=sheets, pdf_tags=True, font_config=font_configuration())
        # Tagged PDF (structure and reading order for screen readers) costs ~45 ms of CPU on the
        # standard coding report (~7 %, bench.render); kept: readers with assistive tech need it.
        content = rendered.write_pdf(pdf_tags=True)
    except Exception as exc:
        raise RenderError(f"WeasyPrint could not render the report ({type(exc).__name__})") from exc
    if not isinstance(content, bytes):  # pragma: no cover - write_pdf() without a target
        raise RenderError("WeasyPrint returned no PDF bytes")
    return RenderedPdf(
        content=content,
        pages=len(rendered.pages),
        sha256=hashlib.sha256(content).hexdigest(),
        title=document.title,
        created_at=document.created_at,
    )
