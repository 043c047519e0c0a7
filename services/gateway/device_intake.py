"""Validating a device safety (MAUDE) request body: one device scope, a window, a lock point.

``{"kind": "device", "product_code" | "brand_name" | "manufacturer": ..., "since"?, "until"?,
"data_lock_point"?, "interval_start"?}``. A product code is FDA's three-letter code; a brand or
manufacturer is a name matched as a phrase. Errors are 422s that name the field, never its value.
"""

from __future__ import annotations

import re
from typing import Any, Final

from pydantic import ValidationError

from services.gateway.cer_intake import normalised_name, parse_period, refuse_unknown
from services.gateway.errors import ApiError
from shared.db.submissions import Submission, parameters_submission
from shared.events import ReportKind
from shared.events.device import DeviceRequest, DeviceScope

DEVICE_SCOPE_FIELDS: Final = ("product_code", "brand_name", "manufacturer")
DEVICE_FIELDS = frozenset(
    {"kind", *DEVICE_SCOPE_FIELDS, "since", "until", "data_lock_point", "interval_start"}
)
_PRODUCT_CODE = re.compile(r"^[A-Za-z]{3}$")


def parse_device_request(
    document: dict[str, Any], *, allowed: frozenset[str] = DEVICE_FIELDS
) -> DeviceRequest:
    """The :class:`DeviceRequest` a body asks for, or an :class:`ApiError` 422."""
    refuse_unknown(document, allowed, "device safety report")
    scopes = [field for field in DEVICE_SCOPE_FIELDS if document.get(field) is not None]
    if len(scopes) != 1:
        raise ApiError(
            422,
            "invalid_request",
            "Give exactly one of 'product_code', 'brand_name' or 'manufacturer'.",
        )
    scope = scopes[0]
    if scope == "product_code":
        code = document["product_code"]
        if not isinstance(code, str) or not _PRODUCT_CODE.match(code.strip()):
            raise ApiError(
                422, "invalid_request", "'product_code' must be FDA's three-letter product code."
            )
        value = code.strip().upper()
    else:
        value = normalised_name(document, scope)
    period = parse_period(document)
    try:
        return DeviceRequest(
            scope=DeviceScope(scope),
            product_code=value if scope == "product_code" else None,
            brand_name=value if scope == "brand_name" else None,
            manufacturer=value if scope == "manufacturer" else None,
            since=period.since,
            until=period.until,
            data_lock_point=period.data_lock_point,
            interval_start=period.interval_start,
        )
    except ValidationError as exc:
        raise ApiError(
            422, "invalid_request", f"The request is not valid: {exc.errors()[0]['msg']}."
        ) from None


def device_submission(document: dict[str, Any], _body: bytes) -> Submission:
    """``POST /v1/reports`` with ``{"kind": "device", ...}``."""
    request = parse_device_request(document)
    return parameters_submission(ReportKind.DEVICE, request.model_dump(mode="json"))
