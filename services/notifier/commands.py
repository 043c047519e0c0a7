"""What a client may say on the multiplexed socket, parsed without echoing what it sent.

``{"subscribe": "report:ID" | "batch:ID" | "tenant", "since"?: SEQ}`` and
``{"unsubscribe": CHANNEL}``; anything else is answered with an error message naming the forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import orjson

from shared.live.channels import ChannelKey, InvalidChannel, parse_channel

MAX_SEQ = 2**62


class BadCommand(ValueError):
    """Not a command; the message says what one looks like (never quoting the input)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Subscribe:
    channel: ChannelKey
    since: int | None


@dataclass(frozen=True)
class Unsubscribe:
    channel: ChannelKey


Command = Subscribe | Unsubscribe

_FORMS = (
    'Send {"subscribe": "report:<id>" | "batch:<id>" | "tenant", "since"?: <seq>} '
    'or {"unsubscribe": <channel>}.'
)


def parse_since(value: object) -> int | None:
    """A resume point: a whole number from 0 to 2^62, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEQ:
        raise BadCommand("invalid_since", "'since' is a whole number from 0 to 2^62.")
    return value


def parse_command(text: bytes | str, tenant_id: UUID) -> Command:
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise BadCommand("invalid_command", "A command is a JSON object. " + _FORMS) from None
    if not isinstance(document, dict):
        raise BadCommand("invalid_command", "A command is a JSON object. " + _FORMS)
    try:
        if "subscribe" in document and set(document) <= {"subscribe", "since"}:
            channel = parse_channel(document["subscribe"], tenant_id)
            return Subscribe(channel, parse_since(document.get("since")))
        if set(document) == {"unsubscribe"}:
            return Unsubscribe(parse_channel(document["unsubscribe"], tenant_id))
    except InvalidChannel as exc:
        raise BadCommand("invalid_channel", str(exc)) from None
    raise BadCommand("invalid_command", _FORMS)
