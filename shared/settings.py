"""Configuration shared by every clinrelay service, read from ``CLINRELAY_*`` environment variables.

Each service subclasses :class:`Settings` for the knobs only it has; the defaults work on a
developer machine with PostgreSQL and RabbitMQ on localhost.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """What every service needs: where the broker and database are, and how the bus behaves."""

    model_config = SettingsConfigDict(env_prefix="CLINRELAY_", env_file=".env", extra="ignore")

    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/clinrelay"
    gateway_port: int = 8000
    notifier_port: int = 8001
    max_header_bytes: int = Field(default=32 * 1024, ge=4096, le=1024 * 1024)
    """Largest request line plus headers an HTTP service reads (431 above it)."""
    public_base_url: str = ""
    """How clients reach the gateway (for links in responses); derived from the port when empty."""
    public_ws_url: str = ""
    """How clients reach the notifier's WebSockets; derived from the port when empty."""

    bus_namespace: str = Field(default="clinrelay", pattern=r"^[a-z][a-z0-9_-]{0,40}$")
    """Prefix of every exchange and queue name: deployments (or test runs) can share a broker."""

    max_attempts: int = Field(default=3, ge=1, le=20)
    """How many times a stage tries a message before it is parked and the report FAILED."""
    retry_delays_ms: Annotated[tuple[int, ...], NoDecode] = (1000, 5000, 25000)
    """Back-off before attempt 2, 3, ...; the last tier is reused when attempts outnumber tiers."""
    delivery_limit: int = Field(default=5, ge=1)
    """Broker-side cap on redeliveries of one message (a worker that crashes on it every time)."""
    stage_timeout_s: float = Field(default=300.0, gt=0)
    stage_started_after_s: float = Field(default=0.2, ge=0)
    """How long a stage works on a message before its "started" step (status PROCESSING at the
    stage's working step) is recorded on its own. Work done sooner records "started", with the
    time it began, in the same database call as its result: one locked write per hop instead of
    two. 0: record it before the work begins, always."""
    stage_result_group_max: int = Field(default=32, ge=1, le=1000)
    """Most results of one tenant a stage records in one statement: those that finish while the
    tenant's previous result statement runs are committed together in the next (group commit,
    :mod:`shared.delivery.result_group`). 1: each alone, one statement of a tenant at a time."""
    max_note_chars: int = Field(default=100_000, ge=1_000)
    """Longest clinical note accepted, in characters: the gateway refuses a longer one (413) so
    the ingestor never receives a note it cannot de-identify within its time budget."""
    fhir_validation: Literal["read", "full"] = "read"
    """How deeply a FHIR Bundle is validated, at the gateway and again in the ingestor (both must
    agree, or the ingestor could fail a report the gateway accepted). "read": every resource's
    structure, and the values of the elements clinrelay reads; "full": every value of every
    resource with the FHIR R4B models too (~4× the CPU). See shared/intake/fhir/validation.py."""
    publish_timeout_s: float = Field(default=10.0, gt=0)
    amqp_heartbeat_s: int = Field(default=15, ge=0, le=600)
    """AMQP heartbeat: a link that went silent (frozen network, paused broker) is dropped and
    re-established after about two missed beats (0 turns heartbeats off; not advised)."""

    db_pool_min: int = 1
    db_pool_max: int = 10
    outbox_relay: bool = True
    """Run an outbox relay here; every service does by default, so any survivor drains it."""
    outbox_batch: int = Field(default=200, ge=1, le=5000)
    outbox_max_refusals: int = Field(default=8, ge=1, le=100)
    """Times the broker may refuse one outbox row (unroutable, nacked) — each holding it back
    1, 2, 4 … 60 s — before it is parked in the dead letters (stage ``relay``)."""
    tenant_max_in_flight: int = Field(default=40, ge=0, le=100_000)
    """Reports of one tenant admitted into the pipeline at once; the rest wait in the outbox so
    another tenant's report is not queued behind a burst (0: no limit). Size it to what the stages
    work on at once at their largest scale, so one tenant alone still fills the pipeline."""

    health_port: int = 0
    """Port of the stage services' /healthz and /readyz (0: no health endpoint)."""
    shutdown_grace_s: float = Field(default=30.0, ge=0)
    """On SIGTERM, how long in-flight messages may take to finish before the process exits."""

    rabbitmq_management_url: str = ""
    """Base URL of RabbitMQ's management API (queue depth for metrics and the system status);
    empty: the AMQP host on port 15672, with the AMQP URL's credentials and vhost."""
    metrics_refresh_s: float = Field(default=5.0, gt=0, le=300)
    """How often the gateway re-reads queue depth and backlogs for /metrics and the status."""

    log_level: str = "INFO"
    log_format: str = Field(default="json", pattern="^(json|console)$")
    otel_exporter: str = Field(default="none", pattern="^(none|console|otlp)$")
    service_name: str = "clinrelay"

    @field_validator("retry_delays_ms", mode="before")
    @classmethod
    def _split_delays(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("retry_delays_ms")
    @classmethod
    def _delays_positive(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(v <= 0 for v in value):
            raise ValueError("retry_delays_ms needs at least one positive delay")
        return value

    @cached_property
    def gateway_url(self) -> str:
        return self.public_base_url.rstrip("/") or f"http://127.0.0.1:{self.gateway_port}"

    @cached_property
    def notifier_url(self) -> str:
        return self.public_ws_url.rstrip("/") or f"ws://127.0.0.1:{self.notifier_port}"

    def retry_delay_ms(self, attempt: int) -> int:
        """Delay before the attempt after ``attempt`` (1-based)."""
        tiers = self.retry_delays_ms
        return tiers[min(attempt, len(tiers)) - 1]
