"""Validating a drug-safety (CER) request body: a scope, roles, a window, a lock point, a preset.

Shared by ``POST /v1/reports`` (kind "cer") and ``POST /v1/schedules``. The scope is exactly one
of ``ndc`` (an NDC in an accepted form), ``ingredient`` or ``brand`` (a name as openFDA's
harmonised fields hold it). Anything wrong is a 422 that names the field and what is accepted —
never the value sent — before anything is stored or queued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from pydantic import ValidationError

from services.gateway.errors import ApiError
from shared.db.submissions import Submission, parameters_submission
from shared.events import ReportKind
from shared.events.cer import DEFAULT_ROLES, CerRequest, DrugScope, SignalPreset
from shared.events.faers_case import DrugRole
from shared.events.openfda import SAFE_TEXT_PATTERN
from shared.intake.ndc import ACCEPTED_FORMS, InvalidNdc, cer_request

SCOPE_FIELDS: Final = ("ndc", "ingredient", "brand")
CER_FIELDS = frozenset(
    {
        "kind",
        *SCOPE_FIELDS,
        "roles",
        "since",
        "until",
        "data_lock_point",
        "interval_start",
        "signal_preset",
    }
)
MAX_NAME_LENGTH = 100
_SAFE_TEXT = re.compile(SAFE_TEXT_PATTERN)
_SELECTABLE_ROLES = (DrugRole.SUSPECT, DrugRole.INTERACTING, DrugRole.CONCOMITANT)


def dated(document: dict[str, Any], name: str) -> date | None:
    value = document.get(name)
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ApiError(422, "invalid_request", f"'{name}' must be a date as YYYY-MM-DD.")


def normalised_name(document: dict[str, Any], field: str) -> str:
    """A product, ingredient, brand or manufacturer name as openFDA's harmonised fields hold it:
    spaces collapsed, upper case. 422 when it is empty, too long or holds query syntax."""
    value = document.get(field)
    if not isinstance(value, str):
        raise ApiError(422, "invalid_request", f"'{field}' must be a string.")
    text = " ".join(value.split()).upper()
    if not 2 <= len(text) <= MAX_NAME_LENGTH or not _SAFE_TEXT.match(text):
        raise ApiError(
            422,
            "invalid_request",
            f"'{field}' must be 2 to {MAX_NAME_LENGTH} characters: letters, digits, spaces and "
            ". , ' & / ( ) + -",
        )
    return text


@dataclass(frozen=True)
class Period:
    since: date | None
    until: date | None
    data_lock_point: date | None
    interval_start: date | None


def parse_period(document: dict[str, Any]) -> Period:
    """The window, lock point and interval start a safety request asks for, checked in order."""
    period = Period(
        dated(document, "since"),
        dated(document, "until"),
        dated(document, "data_lock_point"),
        dated(document, "interval_start"),
    )
    since, until, lock, start = (
        period.since,
        period.until,
        period.data_lock_point,
        period.interval_start,
    )
    if since and until and since > until:
        raise ApiError(422, "invalid_request", "'since' is after 'until'.")
    if lock and since and lock < since:
        raise ApiError(422, "invalid_request", "'data_lock_point' is before 'since'.")
    if lock and start and start > lock:
        raise ApiError(422, "invalid_request", "'interval_start' is after 'data_lock_point'.")
    return period


def refuse_unknown(document: dict[str, Any], allowed: frozenset[str], what: str) -> None:
    """422 naming how many fields are unknown and which are accepted (never the unknown names:
    they are request values)."""
    unknown = set(document) - allowed
    if unknown:
        raise ApiError(
            422,
            "invalid_request",
            f"{len(unknown)} unknown field(s) for a {what}; accepted: "
            + ", ".join(sorted(allowed - {"kind"}))
            + ".",
        )


def _roles(document: dict[str, Any]) -> tuple[DrugRole, ...]:
    value = document.get("roles")
    if value is None:
        return DEFAULT_ROLES
    accepted = ", ".join(r.value for r in _SELECTABLE_ROLES)
    problem = ApiError(
        422, "invalid_request", f"'roles' must be a non-empty list of distinct roles: {accepted}."
    )
    if not isinstance(value, list) or not 1 <= len(value) <= len(_SELECTABLE_ROLES):
        raise problem
    try:
        roles = tuple(DrugRole(item) for item in value if isinstance(item, str))
    except ValueError:
        raise problem from None
    if len(roles) != len(value) or len(set(roles)) != len(roles):
        raise problem
    if any(role not in _SELECTABLE_ROLES for role in roles):
        raise problem
    return tuple(r for r in _SELECTABLE_ROLES if r in roles)


def _preset(document: dict[str, Any]) -> SignalPreset:
    try:
        return SignalPreset(document.get("signal_preset", SignalPreset.EVANS.value))
    except ValueError:
        accepted = ", ".join(p.value for p in SignalPreset)
        raise ApiError(
            422, "invalid_request", f"'signal_preset' must be one of: {accepted}."
        ) from None


def parse_cer_request(
    document: dict[str, Any], *, allowed: frozenset[str] = CER_FIELDS
) -> CerRequest:
    """The :class:`CerRequest` a body asks for, or an :class:`ApiError` 422 naming the problem."""
    refuse_unknown(document, allowed, "drug safety report")
    scopes = [field for field in SCOPE_FIELDS if document.get(field) is not None]
    if len(scopes) != 1:
        raise ApiError(
            422,
            "invalid_request" if scopes else "invalid_ndc",
            "Give exactly one of 'ndc', 'ingredient' or 'brand': what the report searches.",
        )
    preset, roles = _preset(document), _roles(document)
    period = parse_period(document)
    scope = scopes[0]
    try:
        if scope == "ndc":
            ndc = document["ndc"]
            if not isinstance(ndc, str) or not ndc.strip():
                raise ApiError(422, "invalid_ndc", "'ndc' must be the product's NDC as a string.")
            return cer_request(
                ndc,
                since=period.since,
                until=period.until,
                signal_preset=preset,
                roles=roles,
                data_lock_point=period.data_lock_point,
                interval_start=period.interval_start,
            )
        value = normalised_name(document, scope)
        return CerRequest(
            scope=DrugScope(scope),
            ingredient=value if scope == "ingredient" else None,
            brand=value if scope == "brand" else None,
            since=period.since,
            until=period.until,
            signal_preset=preset,
            roles=roles,
            data_lock_point=period.data_lock_point,
            interval_start=period.interval_start,
        )
    except InvalidNdc as exc:
        raise ApiError(
            422, "invalid_ndc", f"'ndc' is not a valid NDC: {exc.problem}. Use {ACCEPTED_FORMS}."
        ) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ApiError(
            422, "invalid_request", f"The request is not valid: {first['msg']}."
        ) from None


def cer_submission(document: dict[str, Any], _body: bytes) -> Submission:
    """``POST /v1/reports`` with ``{"kind": "cer", ...}``."""
    request = parse_cer_request(document)
    return parameters_submission(ReportKind.CER, request.model_dump(mode="json"))
