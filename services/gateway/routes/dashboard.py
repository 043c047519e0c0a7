"""The dashboard at ``/``: plain HTML, CSS and JavaScript from this package (no CDN, no build).

The page talks to the REST API with the key the user signs in with (kept in the tab's
sessionStorage) and listens on the notifier's socket, whose address ``/dashboard/config.json``
gives. The Content-Security-Policy allows scripts, styles and connections from here and from
the notifier only.
"""

from __future__ import annotations

from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from services.gateway.deps import StateDep

router = APIRouter(include_in_schema=False)

_FILES = resources.files("services.gateway") / "dashboard"
_TYPES = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}


def _policy(ws_url: str) -> str:
    parts = urlsplit(ws_url)
    notifier = f"{parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"connect-src 'self' {notifier}; img-src 'self' blob: data:; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    )


@router.get("/", response_class=HTMLResponse)
async def dashboard(state: StateDep) -> HTMLResponse:
    return HTMLResponse(
        (_FILES / "index.html").read_text("utf-8"),
        headers={
            "Content-Security-Policy": _policy(state.settings.notifier_url),
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/dashboard/config.json")
async def dashboard_config(state: StateDep) -> dict[str, Any]:
    """Where the page finds the notifier's socket."""
    return {"ws_url": state.settings.notifier_url}


@router.get("/dashboard/{name}")
async def dashboard_asset(name: str) -> Response:
    media_type = _TYPES.get(name)
    if media_type is None:
        return Response(status_code=404)
    return Response(
        (_FILES / name).read_bytes(),
        media_type=media_type,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
