"""``clinrelay serve gateway``."""

from __future__ import annotations

from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from shared.web_service import serve_web


def serve() -> None:
    settings = GatewaySettings()
    serve_web("gateway", create_app(settings), settings, settings.gateway_port, proxy_headers=True)
