"""Channel names as clients write them (``report:ID``, ``batch:ID``, ``tenant``) and as this
process keys them (with the tenant's id, so two tenants' feeds never meet)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class ChannelKind(StrEnum):
    REPORT = "report"
    BATCH = "batch"
    TENANT = "tenant"


class InvalidChannel(ValueError):
    """The text is not a channel name; the message says which forms are."""


@dataclass(frozen=True, slots=True)
class ChannelKey:
    """One channel: its kind and the id of its report, batch or tenant."""

    kind: ChannelKind
    id: UUID

    @property
    def public_name(self) -> str:
        """How clients name it: ``report:ID``, ``batch:ID`` or ``tenant``."""
        return "tenant" if self.kind is ChannelKind.TENANT else f"{self.kind}:{self.id}"

    @property
    def log_name(self) -> str:
        """Its name in ``channel_heads``/``channel_events`` (tenant and batch channels)."""
        return f"{self.kind}:{self.id}"


MAX_NAME = 64


def parse_channel(name: object, tenant_id: UUID) -> ChannelKey:
    """The channel a client named, for a caller of tenant ``tenant_id``.

    Raises :class:`InvalidChannel` (never echoing the input) for anything but ``tenant``,
    ``report:<uuid>`` or ``batch:<uuid>``.
    """
    if not isinstance(name, str) or len(name) > MAX_NAME:
        raise InvalidChannel("A channel is 'tenant', 'report:<id>' or 'batch:<id>'.")
    if name == "tenant":
        return ChannelKey(ChannelKind.TENANT, tenant_id)
    kind, _, ident = name.partition(":")
    if kind not in (ChannelKind.REPORT, ChannelKind.BATCH):
        raise InvalidChannel("A channel is 'tenant', 'report:<id>' or 'batch:<id>'.")
    try:
        return ChannelKey(ChannelKind(kind), UUID(ident))
    except ValueError:
        raise InvalidChannel(f"The id of a {kind} channel is a UUID.") from None
