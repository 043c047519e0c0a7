"""Notifier configuration (``CLINRELAY_*`` environment variables)."""

from pydantic import Field

from shared.settings import Settings


class NotifierSettings(Settings):
    auth_cache_s: float = Field(default=10.0, ge=0)
    """How long a checked key is trusted; open sockets of a revoked key close within this."""
    subscriber_buffer_bytes: int = Field(default=256 * 1024, ge=16 * 1024)
    """Bytes a socket may have waiting to be sent; a client further behind is closed (4408)
    and resumes with ``since``."""
    heartbeat_s: float = Field(default=20.0, gt=0)
    """Every socket gets a heartbeat message and a ping this often; one silent for three
    periods is dropped."""
    max_channels_per_socket: int = Field(default=100, ge=1, le=10_000)
    max_backlog: int = Field(default=1000, ge=1, le=100_000)
    """Most events replayed to a resuming subscriber; further behind, it gets a snapshot."""
    channel_log_days: float = Field(default=7.0, gt=0)
    """How long tenant-feed events are kept for resuming subscribers."""

    webhooks_allow_private: bool = False
    """Deliver webhooks to loopback and private addresses too (a test or an internal receiver)."""
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=60)
    outbound_max_attempts: int = Field(default=6, ge=1, le=30)
    """Attempts of one webhook or email delivery, spaced by the bus's delay tiers."""
    smtp_host: str = ""
    """The SMTP server for email notifications; empty: email is not sent (deliveries fail)."""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_tls: str = Field(default="none", pattern="^(none|starttls|tls)$")
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "clinrelay@localhost"
    smtp_timeout_s: float = Field(default=15.0, gt=0)
