"""openFDA and scheduler knobs, from ``CLINRELAY_*`` environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr

from shared.settings import Settings

OPENFDA_PUBLIC_URL = "https://api.fda.gov"


class OpenFdaSettings(Settings):
    """What the CER ingestion and the scheduler need, on top of the shared settings."""

    openfda_url: str = OPENFDA_PUBLIC_URL
    """Any server speaking the openFDA API: the real one, a proxy, ``clinrelay openfda-fixture``."""
    openfda_api_key: SecretStr | None = None
    openfda_requests_per_minute: int = Field(default=240, ge=1)
    openfda_requests_per_day: int | None = Field(default=None, ge=1)
    """Defaults to openFDA's 1,000 a day without a key and 120,000 with one."""
    openfda_timeout_s: float = Field(default=30.0, gt=0)
    openfda_max_retries: int = Field(default=5, ge=0, le=20)
    openfda_backoff_base_s: float = Field(default=1.0, ge=0)
    openfda_backoff_max_s: float = Field(default=60.0, gt=0)
    openfda_cache_ttl_s: float = Field(default=86_400.0, ge=0)
    openfda_page_size: int = Field(default=1000, ge=1, le=1000)
    openfda_max_reports: int = Field(default=5000, ge=1, le=1_000_000)
    """Cap on reports downloaded per CER (descriptive tables); 2×2 tables use counts of all."""
    openfda_max_term_queries: int = Field(default=100, ge=0)
    """Cap on per-reaction total queries for reactions beyond openFDA's top-1000 count."""
    openfda_ebgm_background_products: int = Field(default=20, ge=0, le=100)
    """Most reported products whose reaction counts the EBGM prior is fitted on (one count
    query each, cached per data release); 0 fits it on the product's own reactions."""

    scheduler_enabled: bool = True
    scheduler_poll_s: float = Field(default=30.0, gt=0)
    scheduler_lease_s: float = Field(default=300.0, gt=0)
    scheduler_batch: int = Field(default=10, ge=1, le=1000)

    @property
    def openfda_daily_limit(self) -> int:
        if self.openfda_requests_per_day is not None:
            return self.openfda_requests_per_day
        return 120_000 if self.openfda_api_key else 1_000

    @property
    def openfda_key(self) -> str | None:
        return self.openfda_api_key.get_secret_value() if self.openfda_api_key else None
