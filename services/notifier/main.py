"""``clinrelay serve notifier``."""

from __future__ import annotations

from services.notifier.app import create_app
from services.notifier.settings import NotifierSettings
from shared.web_service import serve_web


def serve() -> None:
    settings = NotifierSettings()
    serve_web(
        "notifier",
        create_app(settings),
        settings,
        settings.notifier_port,
        ws_ping_interval=20,
        ws_ping_timeout=20,
    )
