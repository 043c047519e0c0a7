"""What a render worker process does before its first job (the pool itself is
:class:`shared.workers.ProcessPool`)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from services.renderer.meta import ReportMeta
from services.renderer.reports import render_coding_pdf
from services.renderer.samples import sample_coding_analysis


def warm_up() -> None:
    """Render the sample report once: WeasyPrint's first render pays for font discovery and
    stylesheet parsing, which the first real report should not wait for."""
    meta = ReportMeta(report_id=UUID(int=0), tenant_id=UUID(int=0), generated_at=datetime.now(UTC))
    render_coding_pdf(sample_coding_analysis(), meta)
