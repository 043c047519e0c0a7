"""Looking at a PDF the way a reader would: its text, its first page as pixels, its metadata.

Uses poppler-utils (pdftotext, pdftoppm, pdfinfo, pdffonts), installed by scripts/system-packages.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from PIL import Image


def _run(tool: str, *args: str, pdf: bytes, to_stdout: tuple[str, ...] = ()) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(pdf)
        done = subprocess.run([tool, *args, str(path), *to_stdout], capture_output=True, check=True)
    return done.stdout


def pdf_text(pdf: bytes, page: int | None = None, *, layout: bool = False) -> str:
    """The text of the whole PDF, or of one 1-based ``page``.

    By default in drawing order (each table cell's lines together, good for finding phrases);
    ``layout=True`` keeps the page's columns side by side (good for looking at rows).
    """
    pages = ("-f", str(page), "-l", str(page)) if page else ()
    mode = "-layout" if layout else "-raw"
    return _run("pdftotext", mode, *pages, pdf=pdf, to_stdout=("-",)).decode()


def page_image(pdf: bytes, page: int = 1, dpi: int = 40) -> Image.Image:
    """One page rendered by poppler as a greyscale image."""
    png = _run("pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), pdf=pdf)
    return Image.open(io.BytesIO(png)).convert("L")


def ink_fraction(image: Image.Image, threshold: int = 235) -> float:
    """Share of pixels darker than ``threshold``: about 0 for a blank page."""
    histogram = image.histogram()
    dark = sum(histogram[:threshold])
    return dark / (image.width * image.height)


def pdf_info(pdf: bytes) -> dict[str, str]:
    """pdfinfo's fields (Title, Subject, CreationDate, Pages...)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(
            ["pdfinfo", "-isodates", str(path)], capture_output=True, check=True, text=True
        ).stdout
    fields = {}
    for line in out.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def pdf_fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded?) for every font the PDF uses."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, check=True, text=True
        ).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object ID: "emb" is the 5th field from the end.
        fonts.append((parts[0], parts[-5] == "yes"))
    return fonts
