"""``clinrelay sample-report``: render a sample report offline, to see what the product makes."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import click

from clinrelay.cli.errors import fail
from services.renderer.meta import ReportMeta
from services.renderer.reports import render_cer_pdf, render_coding_pdf
from services.renderer.samples import (
    sample_case_listing,
    sample_cer_analysis,
    sample_coding_analysis,
)


@click.command("sample-report")
@click.argument("kind", type=click.Choice(["coding", "cer"]))
@click.argument("output", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--png",
    "png",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write page 1 as a PNG (needs pdftoppm from poppler-utils).",
)
@click.option("--dpi", default=90, show_default=True, help="Resolution of the PNG.")
def sample_report(kind: str, output: Path, png: Path | None, dpi: int) -> None:
    """Render the built-in sample KIND report (synthetic data, real codes) to OUTPUT as a PDF."""
    meta = ReportMeta(
        report_id=UUID("6f1c2a9e-4b7d-4e8a-9c3f-2d5e8a1b7c40"),
        tenant_id=UUID("0b6f3d2a-91c4-4f5e-8a7b-3c2d1e0f9a86"),
        tenant_name="Riverside Medical Group",
        generated_at=datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC),
    )
    pdf = (
        render_coding_pdf(sample_coding_analysis(), meta)
        if kind == "coding"
        else render_cer_pdf(sample_cer_analysis(), meta, sample_case_listing())
    )
    output.write_bytes(pdf.content)
    click.echo(f"{output}: {pdf.pages} pages, {len(pdf.content):,} bytes, sha256 {pdf.sha256}")
    if png is None:
        return
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        fail("pdftoppm not found: install poppler-utils to write the PNG")
    stem = png.with_suffix("")
    subprocess.run(  # noqa: S603 - fixed tool, arguments are paths we were given
        [
            pdftoppm,
            "-png",
            "-r",
            str(dpi),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(output),
            str(stem),
        ],
        check=True,
    )
    click.echo(f"{stem}.png: page 1 at {dpi} dpi")
