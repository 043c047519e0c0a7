from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from clinrelay.cli import main
from tests.unit.renderer.pdf_inspection import ink_fraction


@pytest.mark.parametrize("kind", ["coding", "cer"])
def test_sample_report_writes_the_pdf_and_its_first_page(kind: str, tmp_path: Path) -> None:
    pdf, png = tmp_path / f"{kind}.pdf", tmp_path / f"{kind}.png"
    result = CliRunner().invoke(main, ["sample-report", kind, str(pdf), "--png", str(png)])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "pages" in result.output
    assert ink_fraction(Image.open(png).convert("L")) > 0.02
