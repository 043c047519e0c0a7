"""The dashboard at ``/``: plain HTML, CSS and JavaScript from this package (no CDN, no build).

The page talks to the REST API with the key the user signs in with (kept in the tab's
sessionStorage) and listens on the notifier's socket, whose address ``/dashboard/config.json``
gives. The Content-Security-Policy allows scripts, styles and connections from here and from
the notifier only.
"""

from __future__ import annotations

from importlib import resources
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

_FILES = resources.files("services.gateway") / "dashboard"
_TYPES = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}


def _notifier_url(request: Request) -> str:
    url: str = request.app.state.gateway.settings.notifier_url
    return url


def _policy(ws_url: str) -> str:
    parts = urlsplit(ws_url)
    notifier = f"{parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"connect-src 'self' {notifier}; img-src 'self' blob: data:; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    )


async def dashboard(request: Request) -> Response:
    return HTMLResponse(
        (_FILES / "index.html").read_text("utf-8"),
        headers={
            "Content-Security-Policy": _policy(_notifier_url(request)),
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def dashboard_config(request: Request) -> Response:
    """Where the page finds the notifier's socket."""
    return JSONResponse({"ws_url": _notifier_url(request)})


async def dashboard_asset(request: Request) -> Response:
    name = request.path_params["name"]
    media_type = _TYPES.get(name)
    if media_type is None:
        return JSONResponse({"error": {"code": "not_found", "message": "No such file."}}, 404)
    return Response(
        (_FILES / name).read_bytes(),
        media_type=media_type,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def install_dashboard(app: FastAPI) -> None:
    """Plain routes (not API operations: no key, not in the OpenAPI document)."""
    app.add_route("/", dashboard, methods=["GET"], include_in_schema=False)
    app.add_route(
        "/dashboard/config.json", dashboard_config, methods=["GET"], include_in_schema=False
    )
    app.add_route("/dashboard/{name}", dashboard_asset, methods=["GET"], include_in_schema=False)
