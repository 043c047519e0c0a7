"""Gateway configuration (``CLINRELAY_*`` environment variables)."""

from typing import Self

from pydantic import Field, model_validator

from shared.settings import Settings


class GatewaySettings(Settings):
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    """Largest request body accepted (413 above it)."""
    max_batch_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    """Largest POST /v1/batches body accepted (413 above it)."""
    max_batch_items: int = Field(default=500, ge=1, le=10_000)
    """Most items (reports) in one batch."""
    max_buffered_body_bytes: int = Field(default=96 * 1024 * 1024, ge=1024)
    """Request bodies held in memory at once, across all requests (503 while it is full)."""
    max_json_depth: int = Field(default=64, ge=8, le=200)
    """Deepest nesting of arrays and objects in a JSON body (400 beyond it)."""
    rate_limit_per_minute: int = Field(default=600, ge=0)
    """Requests a minute per API key, on average (429 beyond it); 0 turns rate limiting off."""
    rate_limit_burst: int = Field(default=120, ge=1)
    """Requests a key may make at once before the per-minute rate applies."""
    auth_cache_s: float = Field(default=10.0, ge=0)
    """How long a validated API key is remembered while revocations are being listened for
    (a revocation takes effect at once either way)."""
    accept_group_max: int = Field(default=32, ge=1, le=1000)
    """Most reports of one tenant stored by one statement: the POSTs that arrive while the
    tenant's previous statement runs go together into the next (group commit); 1 stores each
    alone."""
    webhooks_allow_private: bool = False
    """Accept webhook URLs on loopback and private addresses (a test or an internal receiver)."""

    @model_validator(mode="after")
    def _budget_holds_the_largest_body(self) -> Self:
        if self.max_buffered_body_bytes < max(self.max_body_bytes, self.max_batch_bytes):
            raise ValueError(
                "max_buffered_body_bytes must be at least max_body_bytes and max_batch_bytes"
            )
        return self
