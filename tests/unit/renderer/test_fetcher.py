"""The renderer loads nothing from the network, whatever the content or the markup asks for."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from weasyprint import HTML

from services.renderer.fetcher import ASSETS_DIR, OfflineURLFetcher, ResourceRefused
from services.renderer.meta import ReportMeta
from services.renderer.pdf import PdfDocument, html_to_pdf
from services.renderer.reports import render_coding_pdf
from services.renderer.samples import sample_coding_analysis
from tests.unit.renderer.pdf_inspection import pdf_text

# 1x1 transparent PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


class _RecordingServer(ThreadingHTTPServer):
    hits: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: _RecordingServer

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def recording_server() -> Iterator[_RecordingServer]:
    """A local HTTP server that records every request it gets."""
    server = _RecordingServer(("127.0.0.1", 0), _Handler)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url_of(server: _RecordingServer, path: str) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}{path}"


def test_the_recording_server_does_record(recording_server: _RecordingServer) -> None:
    # Without this, "no hits" below could mean a broken server rather than a safe renderer.
    import urllib.request

    with urllib.request.urlopen(url_of(recording_server, "/probe")) as response:
        assert response.read() == PNG
    assert recording_server.hits == ["/probe"]


def test_note_with_an_img_tag_prints_as_text_and_fetches_nothing(
    recording_server: _RecordingServer, meta: ReportMeta
) -> None:
    tag = f'<img src="{url_of(recording_server, "/tracker.png")}">'
    pdf = render_coding_pdf(sample_coding_analysis(evidence_override=f"A1c 9.4% {tag}"), meta)
    assert recording_server.hits == []
    # the tag is printed as text (a long URL may wrap, so compare without whitespace)
    text = "".join(pdf_text(pdf.content).split())
    assert f"A1c9.4%{''.join(tag.split())}" in text


def test_markup_that_bypasses_the_templates_still_fetches_nothing(
    recording_server: _RecordingServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    html = f"""<html><head>
      <link rel="stylesheet" href="{url_of(recording_server, "/style.css")}">
      <style>
        @import url("{url_of(recording_server, "/import.css")}");
        body {{ background: url("{url_of(recording_server, "/background.png")}"); }}
        @font-face {{ font-family: X; src: url("{url_of(recording_server, "/font.ttf")}"); }}
      </style></head><body>
      <img src="{url_of(recording_server, "/img.png")}">
      <img src="https://127.0.0.1:1/tls.png">
      <img src="{secret.as_uri()}">
      <img src="../pdf.py">
      <object data="{url_of(recording_server, "/object")}"></object>
      <p>text</p></body></html>"""
    # Control: WeasyPrint's own fetcher does load these (so "no hits" below means something).
    HTML(string=html).write_pdf()
    assert {"/style.css", "/img.png", "/background.png"} <= set(recording_server.hits)
    recording_server.hits.clear()

    document = PdfDocument(html=html, title="t", created_at=datetime.now(UTC))
    pdf = html_to_pdf(document)
    assert recording_server.hits == []
    assert pdf.pages == 1


def test_fetcher_serves_data_urls() -> None:
    fetcher = OfflineURLFetcher()
    response = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"
    assert response.content_type == "text/plain"
    plain = fetcher.fetch("data:,a%20b")
    assert plain.read() == b"a b"


def test_fetcher_serves_packaged_assets_only() -> None:
    fetcher = OfflineURLFetcher()
    css = fetcher.fetch((ASSETS_DIR / "report.css").as_uri())
    assert b"@page" in css.read()
    assert css.content_type == "text/css"
    with pytest.raises(ResourceRefused):
        fetcher.fetch((ASSETS_DIR.parent / "pdf.py").as_uri())
    with pytest.raises(ResourceRefused):  # no climbing out with ..
        fetcher.fetch(ASSETS_DIR.as_uri() + "/../pdf.py")
    with pytest.raises(ResourceRefused):
        fetcher.fetch("file:///etc/passwd")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "https://example.org/x.css",
        "ftp://example.org/x",
        "gopher://x",
        "//example.org/x.png",
    ],
)
def test_fetcher_refuses_everything_else_and_counts_it(url: str) -> None:
    fetcher = OfflineURLFetcher()
    with pytest.raises(ResourceRefused):
        fetcher.fetch(url)
    assert len(fetcher.refused) == 1
