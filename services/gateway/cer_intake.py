"""Validating a CER request body: an NDC in an accepted form, an optional date window, a preset.

Shared by ``POST /v1/reports`` (kind "cer") and ``POST /v1/schedules``: a bad NDC is a 422 that
names the accepted forms, before anything is stored or queued.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.gateway.errors import ApiError
from services.ingestor.openfda.ndc import ACCEPTED_FORMS, InvalidNdc, cer_request
from shared.db.submissions import Submission, parameters_submission
from shared.events import ReportKind
from shared.events.cer import CerRequest, SignalPreset

CER_FIELDS = frozenset({"kind", "ndc", "since", "until", "signal_preset"})


def _date(document: dict[str, Any], name: str) -> date | None:
    value = document.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ApiError(422, "invalid_request", f"'{name}' must be a date as YYYY-MM-DD.")


def parse_cer_request(
    document: dict[str, Any], *, allowed: frozenset[str] = CER_FIELDS
) -> CerRequest:
    """The :class:`CerRequest` a body asks for, or an :class:`ApiError` 422 naming the problem."""
    if set(document) - allowed:
        accepted = ", ".join(f"'{name}'" for name in sorted(allowed))
        raise ApiError(
            422, "invalid_request", f"A CER takes only the fields {accepted}; remove the others."
        )
    ndc = document.get("ndc")
    if not isinstance(ndc, str) or not ndc.strip():
        raise ApiError(422, "invalid_ndc", "'ndc' is required: the product's NDC as a string.")
    preset_text = document.get("signal_preset", SignalPreset.EVANS.value)
    try:
        preset = SignalPreset(preset_text)
    except ValueError:
        accepted = ", ".join(p.value for p in SignalPreset)
        raise ApiError(
            422, "invalid_request", f"'signal_preset' must be one of: {accepted}."
        ) from None
    since, until = _date(document, "since"), _date(document, "until")
    if since and until and since > until:
        raise ApiError(422, "invalid_request", "'since' is after 'until'.")
    try:
        return cer_request(ndc, since=since, until=until, signal_preset=preset)
    except InvalidNdc as exc:
        raise ApiError(
            422, "invalid_ndc", f"'ndc' is not a valid NDC: {exc.problem}. Use {ACCEPTED_FORMS}."
        ) from None


def cer_submission(document: dict[str, Any], _body: bytes) -> Submission:
    """``POST /v1/reports`` with ``{"kind": "cer", ...}``."""
    request = parse_cer_request(document)
    return parameters_submission(ReportKind.CER, request.model_dump(mode="json"))
