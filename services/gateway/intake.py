"""Turning a POST body into a submission the pipeline can accept, or a 4xx naming the problem.

Two body shapes are accepted: ``application/json`` ``{"kind": ..., ...}`` for every kind, and a
bare FHIR Bundle as ``application/fhir+json`` (a coding report). Everything is checked here, before
anything is stored, so a request that cannot succeed is refused at once and nothing is queued.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request
from starlette.requests import ClientDisconnect

from services.gateway.cer_intake import cer_submission
from services.gateway.device_intake import device_submission
from services.gateway.errors import ApiError
from shared.db.submissions import Submission, request_fingerprint
from shared.events import ReportKind
from shared.intake.fhir import BundleError, check_coding_bundle, parse_bundle
from shared.intake.note_limits import NoteTooLong, check_note_lengths
from shared.settings import Settings

JSON_TYPES = ("application/json",)
FHIR_TYPES = ("application/fhir+json", "application/json+fhir")


Interpreter = Callable[[dict[str, Any], bytes], Submission]

DEFAULT_MAX_NOTE_CHARS = Settings.model_fields["max_note_chars"].default
DEFAULT_FHIR_VALIDATION = Settings.model_fields["fhir_validation"].default


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The request body, refusing (413) anything over ``max_bytes`` before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            chunks.append(chunk)
    except ClientDisconnect:
        # Nobody is left to answer; nothing was stored. Not a server error.
        raise ApiError(400, "client_disconnected", "The client went away mid-request.") from None
    return b"".join(chunks)


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(
        413,
        "body_too_large",
        f"The request body is larger than the limit of {max_bytes / 1_048_576:g} MB.",
        limit_bytes=max_bytes,
    )


def media_type_of(content_type: str) -> str:
    """The media type of a Content-Type header, lower-cased, without parameters."""
    return content_type.split(";", 1)[0].strip().lower()


def interpret(
    body: bytes,
    content_type: str,
    *,
    max_note_chars: int = DEFAULT_MAX_NOTE_CHARS,
    fhir_validation: str = DEFAULT_FHIR_VALIDATION,
) -> Submission:
    """Validate a POST /v1/reports body (CPU-bound for large Bundles: run it off the loop).

    A coding Bundle with a note over ``max_note_chars`` characters is refused (413);
    ``fhir_validation`` is ``Settings.fhir_validation`` ("read" or "full").
    """
    media_type = media_type_of(content_type)
    if media_type not in JSON_TYPES + FHIR_TYPES:
        raise ApiError(
            415,
            "unsupported_media_type",
            'Send application/json ({"kind": ...}) or a bare Bundle as application/fhir+json.',
        )
    if not body.strip():
        raise ApiError(400, "invalid_json", "The request body is empty.")
    document = parse_json(body)
    if not isinstance(document, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    return interpret_document(
        document,
        body,
        bare_bundle=media_type in FHIR_TYPES,
        max_note_chars=max_note_chars,
        fhir_validation=fhir_validation,
    )


def parse_json(body: bytes) -> Any:
    """The JSON document in ``body``, or a 400 saying where it stops being JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(
            400, "invalid_json", f"The body is not valid JSON (at character {exc.pos})."
        ) from None


def interpret_document(
    document: dict[str, Any],
    raw: bytes,
    *,
    bare_bundle: bool = False,
    max_note_chars: int = DEFAULT_MAX_NOTE_CHARS,
    fhir_validation: str = DEFAULT_FHIR_VALIDATION,
) -> Submission:
    """One report request: a FHIR Bundle (a coding report) or ``{"kind": ...}``; ``raw`` is the
    document as the client sent it."""
    if bare_bundle or document.get("resourceType") == "Bundle":
        return _coding_from_bundle(document, raw, max_note_chars, fhir_validation)
    kind = document.get("kind")
    if kind == ReportKind.CODING.value:
        return _coding_request(document, raw, max_note_chars, fhir_validation)
    interpreter = INTERPRETERS.get(kind) if isinstance(kind, str) else None
    if interpreter is None:
        accepted = ", ".join(sorted(INTERPRETERS))
        raise ApiError(
            422,
            "invalid_kind",
            f"'kind' must be one of: {accepted}."
            if kind is not None
            else f"'kind' is required (one of: {accepted}), or send a FHIR Bundle.",
        )
    return interpreter(document, raw)


def _coding_request(
    document: dict[str, Any],
    _body: bytes,
    max_note_chars: int = DEFAULT_MAX_NOTE_CHARS,
    fhir_validation: str = DEFAULT_FHIR_VALIDATION,
) -> Submission:
    if set(document) - {"kind", "bundle"}:
        raise ApiError(
            422,
            "invalid_request",
            "A coding report takes only the fields 'kind' and 'bundle'; remove the others.",
        )
    bundle = document.get("bundle")
    if not isinstance(bundle, dict):
        raise ApiError(422, "invalid_request", "'bundle' must be a FHIR Bundle (a JSON object).")
    return _coding_from_bundle(bundle, orjson.dumps(bundle), max_note_chars, fhir_validation)


def _coding_from_bundle(
    bundle: dict[str, Any], raw: bytes, max_note_chars: int, fhir_validation: str
) -> Submission:
    try:
        # Admission only: the known-PHI dictionary is harvested by the ingestor.
        parsed = parse_bundle(bundle, depth=fhir_validation, harvest_phi=False)
        check_coding_bundle(parsed)
        check_note_lengths(parsed, max_note_chars)
    except BundleError as exc:
        raise ApiError(422, "invalid_bundle", **exc.to_dict()) from None
    except NoteTooLong as exc:
        raise ApiError(
            413,
            "note_too_large",
            str(exc),
            location=exc.location,
            note_chars=exc.length,
            limit_chars=exc.limit,
        ) from None
    return Submission(
        kind=ReportKind.CODING,
        fingerprint=request_fingerprint({"kind": "coding", "bundle": bundle}),
        parameters={},
        raw_input=raw,
        input_media_type="application/fhir+json",
    )


INTERPRETERS: dict[str, Interpreter] = {
    ReportKind.CODING.value: _coding_request,
    ReportKind.CER.value: cer_submission,
    ReportKind.DEVICE.value: device_submission,
}
