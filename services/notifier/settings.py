"""Notifier configuration (``CLINRELAY_*`` environment variables)."""

from pydantic import Field

from shared.settings import Settings


class NotifierSettings(Settings):
    auth_cache_s: float = Field(default=10.0, ge=0)
    subscriber_buffer: int = Field(default=256, ge=8)
    """Notifications buffered per WebSocket; a client further behind is closed and resumes."""
