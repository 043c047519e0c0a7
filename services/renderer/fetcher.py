"""The only way WeasyPrint may load a resource while rendering: ``data:`` URLs and packaged files.

A report is built from de-identified clinical text and openFDA data; neither may make the renderer
reach out. A note that says ``<img src="http://...">`` is escaped by the templates and prints as
text, and this fetcher is the second wall: even markup that slipped through cannot fetch anything
(no network, no SSRF, no reading files outside the renderer's own ``assets`` directory).
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit
from urllib.request import url2pathname

import structlog
from weasyprint import URLFetcher
from weasyprint.urls import URLFetcherResponse

ASSETS_DIR = Path(__file__).resolve().parent / "assets"

log = structlog.get_logger(__name__)


class ResourceRefused(ValueError):
    """A template or document asked for a resource the renderer does not load."""


class OfflineURLFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """Serves ``data:`` URLs and files under :data:`ASSETS_DIR`; refuses everything else.

    ``refused`` lists the schemes (never the full URLs, which could quote content) of what was
    turned away, so a caller can tell a template bug from a clean render.
    """

    def __init__(self, assets_dir: Path = ASSETS_DIR) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.assets_dir = assets_dir.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return _data_response(url)
        if scheme == "file":
            path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
            if path.is_relative_to(self.assets_dir) and path.is_file():
                media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, path.read_bytes(), headers={"Content-Type": media_type}
                )
        self.refused.append(scheme or "relative")
        log.warning("render.resource_refused", scheme=scheme or "relative")
        raise ResourceRefused(f"the renderer does not load {scheme or 'relative'} resources")


def _data_response(url: str) -> URLFetcherResponse:
    """Decode an RFC 2397 ``data:`` URL without handing it to urllib's opener machinery."""
    header, _, payload = url.partition(",")
    params = header[len("data:") :].split(";")
    media_type = params[0] or "text/plain"
    try:
        body = (
            base64.b64decode(unquote_to_bytes(payload), validate=False)
            if "base64" in params[1:]
            else unquote_to_bytes(payload)
        )
    except binascii.Error as exc:
        raise ResourceRefused("a data: URL has invalid base64") from exc
    return URLFetcherResponse(url, body, headers={"Content-Type": media_type})
