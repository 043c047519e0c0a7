"""HTML to PDF with WeasyPrint, offline: the one place the renderer calls WeasyPrint.

The font configuration and the report stylesheet are built once per process and reused (a fresh
font configuration makes Pango load and shape every face again: ~10 % of a coding report's render
time, bench.render); every render gets a fresh
:class:`~services.renderer.fetcher.OfflineURLFetcher`, so nothing can be loaded but ``data:``
URLs and the renderer's own assets. This is CPU-bound, synchronous work: call it from the render
pool's worker processes (:mod:`services.renderer.pool`), never on an event loop.
"""

from __future__ import annotations

import gc
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def garbage_collected_once() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the body, then collect its garbage in one pass.

    WeasyPrint's boxes, styles and layout copies hold reference cycles, so a render's garbage is
    only freed by the cyclic collector; left running, it walks the render's young objects dozens of
    times and the whole long-lived heap (fonts, stylesheet, templates, imported modules) several
    times per report. One young-generation pass at the end frees the same garbage: ~15 % of the
    coding report's CPU time, peak memory unchanged (bench.render, docs/benchmarks.md). The final
    pass runs inside the render, so its cost is counted where the garbage was made. Nesting is
    harmless: an inner call leaves the collector as it found it.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(1)


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
        with garbage_collected_once():
            rendered = HTML(
                string=document.html, base_url=ASSETS_DIR.as_uri() + "/", url_fetcher=fetcher
            ).render(stylesheets=sheets, pdf_tags=True, font_config=font_configuration())
            # Tagged PDF (structure and reading order for screen readers) costs ~45 ms of CPU on
            # the standard coding report (~7 %, bench.render); kept: assistive tech needs it.
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
