"""Opaque cursors for keyset pagination: ``(timestamp, id)`` of the last item of a page."""

from __future__ import annotations

import base64
from datetime import datetime
from uuid import UUID

from services.gateway.errors import ApiError


def encode_cursor(at: datetime, item_id: UUID) -> str:
    raw = f"{at.isoformat()}|{item_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """Raises ValueError for a cursor this gateway did not make."""
    padded = cursor + "=" * (-len(cursor) % 4)
    at, _, item_id = base64.urlsafe_b64decode(padded.encode("ascii")).decode().partition("|")
    moment = datetime.fromisoformat(at)
    if moment.tzinfo is None:
        raise ValueError("a cursor's time carries its offset")
    return moment, UUID(item_id)


def after_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    """Where the page asked for starts: None for the first page; a 422 for a foreign cursor."""
    if not cursor:
        return None
    try:
        return decode_cursor(cursor)
    except (ValueError, UnicodeError):
        raise ApiError(422, "invalid_cursor", "The cursor is not one this API gave.") from None
