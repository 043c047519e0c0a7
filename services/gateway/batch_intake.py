"""Turning a ``POST /v1/batches`` body into the reports it asks for, item by item.

Two shapes are accepted: NDJSON (``application/x-ndjson`` or ``application/fhir+ndjson``, FHIR
Bulk Data style), one request per line, and a JSON array of requests (``application/json``). Each
item is what ``POST /v1/reports`` takes: a FHIR Bundle (a coding report) or ``{"kind": ...}``.
Every item is checked on its own: a bad one is reported with its line (or, in an array, its
1-based position) and the others are accepted. Nothing is stored here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import orjson

from services.gateway.errors import ApiError
from services.gateway.intake import DEFAULT_FHIR_VALIDATION, interpret_document, media_type_of
from shared.db.batches import BatchItem

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/fhir+ndjson")
ARRAY_TYPES = ("application/json",)
BATCH_TYPES = NDJSON_TYPES + ARRAY_TYPES


@dataclass(frozen=True)
class RejectedItem:
    line: int
    error: dict[str, Any]


@dataclass
class ParsedBatch:
    items: list[BatchItem] = field(default_factory=list)
    rejected: list[RejectedItem] = field(default_factory=list)


def interpret_batch(
    body: bytes,
    content_type: str,
    max_items: int,
    max_note_chars: int,
    fhir_validation: str = DEFAULT_FHIR_VALIDATION,
) -> ParsedBatch:
    """Check every item of a batch body (CPU-bound: run it off the event loop).

    Raises an :class:`ApiError` only for what spoils the whole batch: an unsupported media type,
    no item at all, more than ``max_items`` items, or an array that is not JSON.
    """
    media_type = media_type_of(content_type)
    if media_type in NDJSON_TYPES:
        documents = _ndjson_items(body)
    elif media_type in ARRAY_TYPES:
        documents = _array_items(body)
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send NDJSON (application/x-ndjson or application/fhir+ndjson), one Bundle or "
            "request per line, or a JSON array of them (application/json).",
        )
    batch = ParsedBatch()
    for count, (line, load) in enumerate(documents, start=1):
        if count > max_items:
            raise ApiError(
                413,
                "too_many_items",
                f"A batch holds at most {max_items} items; split it into several batches.",
                limit_items=max_items,
            )
        try:
            document, raw = load()
            submission = interpret_document(
                document, raw, max_note_chars=max_note_chars, fhir_validation=fhir_validation
            )
            batch.items.append(BatchItem(line, submission))
        except ApiError as exc:
            batch.rejected.append(RejectedItem(line, {**exc.body()["error"], "status": exc.status}))
    if not batch.items and not batch.rejected:
        raise ApiError(400, "empty_batch", "The batch has no items.")
    return batch


# Each item comes as (its line or position, a loader of (document, raw bytes)); a loader raises
# ApiError for an item that is not a JSON object, so that one item alone is refused.
_Loader = Callable[[], tuple[dict[str, Any], bytes]]


def _ndjson_items(body: bytes) -> Iterator[tuple[int, _Loader]]:
    # Walked with find() rather than split(): a body of a million newlines costs nothing.
    number, start = 0, 0
    while start < len(body):
        end = body.find(b"\n", start)
        end = len(body) if end < 0 else end
        number += 1
        line = body[start:end]
        start = end + 1
        if line.strip():  # blank lines (and a trailing newline) are no items
            yield number, partial(_parse_line, line)


def _parse_line(line: bytes) -> tuple[dict[str, Any], bytes]:
    try:
        document = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ApiError(
            400, "invalid_json", f"The line is not valid JSON (at character {exc.pos})."
        ) from None
    return _object(document), line


def _object(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise ApiError(400, "invalid_json", "The item must be a JSON object.")
    return document


def _array_items(body: bytes) -> Iterator[tuple[int, _Loader]]:
    if not body.strip():
        raise ApiError(400, "empty_batch", "The batch has no items.")
    try:
        documents = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(
            400, "invalid_json", f"The body is not valid JSON (at character {exc.pos})."
        ) from None
    if not isinstance(documents, list):
        raise ApiError(
            400,
            "invalid_json",
            "A JSON batch is an array of Bundles or requests (or send NDJSON, "
            "application/x-ndjson, one per line).",
        )
    for position, document in enumerate(documents, start=1):
        yield position, partial(_array_item, document)


def _array_item(document: Any) -> tuple[dict[str, Any], bytes]:
    return _object(document), orjson.dumps(document)  # depth was bounded before parsing
