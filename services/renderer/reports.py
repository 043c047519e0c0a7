"""The renderer's public entry points: an analysis and its report metadata in, a PDF out.

These are synchronous and CPU-bound (WeasyPrint); services call them through
:class:`~services.renderer.pool.RenderPool`, which runs them in worker processes.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.renderer.cer.view import build_cer_view
from services.renderer.coding.view import build_coding_view
from services.renderer.device.view import build_device_view
from services.renderer.meta import RenderedPdf, ReportMeta
from services.renderer.pdf import PdfDocument, html_to_pdf
from services.renderer.templating import environment
from shared.events.cer import CerAnalysis
from shared.events.coding import CodingAnalysis
from shared.events.device import DeviceAnalysis, DeviceListingRow
from shared.events.faers_case import CaseListingRow


def coding_report_html(analysis: CodingAnalysis, meta: ReportMeta) -> PdfDocument:
    """The coding report as HTML (all content escaped), ready for :func:`html_to_pdf`."""
    view = build_coding_view(analysis)
    html = environment().get_template("coding.html").render(view=view, doc=view.document, meta=meta)
    return PdfDocument(html=html, title=view.document.title, created_at=meta.generated_at)


def render_coding_pdf(analysis: CodingAnalysis, meta: ReportMeta) -> RenderedPdf:
    """Render the coding report of ``analysis`` as a PDF (bytes, page count, SHA-256)."""
    return html_to_pdf(coding_report_html(analysis, meta))


def cer_report_html(
    analysis: CerAnalysis, meta: ReportMeta, listing: Sequence[CaseListingRow] = ()
) -> PdfDocument:
    """The drug-safety report as HTML (charts inline as SVG), ready for :func:`html_to_pdf`."""
    view = build_cer_view(analysis, listing)
    html = environment().get_template("cer.html").render(view=view, doc=view.document, meta=meta)
    return PdfDocument(html=html, title=view.document.title, created_at=meta.generated_at)


def render_cer_pdf(
    analysis: CerAnalysis, meta: ReportMeta, listing: Sequence[CaseListingRow] = ()
) -> RenderedPdf:
    """Render the drug-safety (CER) report of ``analysis`` as a PDF with its three charts and
    the case line ``listing`` as an appendix."""
    return html_to_pdf(cer_report_html(analysis, meta, listing))


def device_report_html(
    analysis: DeviceAnalysis, meta: ReportMeta, listing: Sequence[DeviceListingRow] = ()
) -> PdfDocument:
    """The device safety report as HTML (charts inline as SVG), ready for :func:`html_to_pdf`."""
    view = build_device_view(analysis, listing)
    html = environment().get_template("device.html").render(view=view, doc=view.document, meta=meta)
    return PdfDocument(html=html, title=view.document.title, created_at=meta.generated_at)


def render_device_pdf(
    analysis: DeviceAnalysis, meta: ReportMeta, listing: Sequence[DeviceListingRow] = ()
) -> RenderedPdf:
    """Render the device (MAUDE) report of ``analysis`` as a PDF with its listing appendix."""
    return html_to_pdf(device_report_html(analysis, meta, listing))
