"""Gateway configuration (``CLINRELAY_*`` environment variables)."""

from pydantic import Field

from shared.settings import Settings


class GatewaySettings(Settings):
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    """Largest request body accepted (413 above it)."""
    max_batch_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    """Largest POST /v1/batches body accepted (413 above it)."""
    max_batch_items: int = Field(default=500, ge=1, le=10_000)
    """Most items (reports) in one batch."""
    auth_cache_s: float = Field(default=10.0, ge=0)
    """How long a validated API key is remembered; a revoked key stops working within this."""
