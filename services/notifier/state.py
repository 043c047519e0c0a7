"""What a notifier process holds while it runs."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from services.notifier.hub import Hub
from services.notifier.settings import NotifierSettings
from shared.auth import CachedAuthenticator
from shared.bus.amqp import AmqpBus


@dataclass
class NotifierState:
    settings: NotifierSettings
    pool: asyncpg.Pool
    authenticate: CachedAuthenticator
    hub: Hub
    bus: AmqpBus | None = None
