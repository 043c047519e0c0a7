"""``/v1/schedules``: drug (FAERS) and device (MAUDE) safety reports refreshed on a cadence,
regenerated only when openFDA publishes new data; scheduled refreshes raise trend alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from services.gateway.cer_intake import CER_FIELDS, parse_cer_request
from services.gateway.deps import PrincipalDep, StateDep
from services.gateway.device_intake import DEVICE_FIELDS, parse_device_request
from services.gateway.errors import ApiError, not_found
from services.gateway.intake import parse_json
from shared.db import schedules as stored_schedules
from shared.db.schedules import Schedule
from shared.intake.cadence import InvalidCadence, parse_cadence

router = APIRouter(prefix="/v1/schedules", tags=["schedules"])

_CER_SCHEDULE_FIELDS = CER_FIELDS | {"every"}
_DEVICE_SCHEDULE_FIELDS = DEVICE_FIELDS | {"every"}
_KINDS = ("cer", "device")


class ScheduleView(BaseModel):
    id: UUID
    kind: str = Field(description="cer (a drug safety report) or device.")
    subject: str = Field(description="What each run searches, e.g. ingredient:AMBRISENTAN|suspect.")
    ndc: str | None = Field(description="The normalised NDC of an NDC-scoped drug schedule.")
    request: dict[str, Any] = Field(description="The report request each run submits.")
    every: str = Field(description="ISO 8601 duration (P1D) or cron expression, in UTC.")
    next_run_at: datetime
    runs: int
    last_run_at: datetime | None
    last_outcome: str | None = Field(description="regenerated, unchanged or failed: <reason>.")
    last_data_updated: date | None = Field(description="openFDA release of the last report.")
    last_report_id: UUID | None
    created_at: datetime


class SchedulePage(BaseModel):
    items: list[ScheduleView]


def _view(schedule: Schedule) -> ScheduleView:
    return ScheduleView(
        id=schedule.id,
        kind=schedule.kind,
        subject=schedule.subject,
        ndc=schedule.ndc,
        request=schedule.request.model_dump(mode="json"),
        every=schedule.every,
        next_run_at=schedule.next_run_at,
        runs=schedule.runs,
        last_run_at=schedule.last_run_at,
        last_outcome=schedule.last_outcome,
        last_data_updated=schedule.last_data_updated,
        last_report_id=schedule.last_report_id,
        created_at=schedule.created_at,
    )


MAX_EVERY_CHARS = 100
_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "The fields of the drug (kind cer, the default) or device "
                    "report to refresh (see POST /v1/reports), plus every.",
                    "required": ["every"],
                    "additionalProperties": False,
                    "properties": {
                        "kind": {"enum": ["cer", "device"]},
                        "ndc": {"type": "string", "maxLength": 40},
                        "ingredient": {"type": "string", "minLength": 2, "maxLength": 100},
                        "brand": {"type": "string", "minLength": 2, "maxLength": 100},
                        "roles": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 3,
                            "uniqueItems": True,
                            "items": {"enum": ["suspect", "interacting", "concomitant"]},
                        },
                        "product_code": {"type": "string", "pattern": "^[A-Za-z]{3}$"},
                        "brand_name": {"type": "string", "minLength": 2, "maxLength": 100},
                        "manufacturer": {"type": "string", "minLength": 2, "maxLength": 100},
                        "every": {
                            "type": "string",
                            "maxLength": MAX_EVERY_CHARS,
                            "description": "ISO 8601 duration (P1D, PT6H) or a cron expression.",
                        },
                        "since": {"type": "string", "format": "date"},
                        "until": {"type": "string", "format": "date"},
                        "data_lock_point": {"type": "string", "format": "date"},
                        "interval_start": {"type": "string", "format": "date"},
                        "signal_preset": {"enum": ["evans", "ema", "ic025"]},
                    },
                }
            }
        },
    }
}


@router.post(
    "",
    status_code=201,
    response_model=ScheduleView,
    openapi_extra=_REQUEST_BODY,
    responses={422: {"description": "Invalid scope, NDC, cadence or field"}},
)
async def create_schedule(
    request: Request, response: Response, state: StateDep, principal: PrincipalDep
) -> ScheduleView:
    """Refresh a drug report (``ndc``, ``ingredient`` or ``brand``) or, with ``"kind":
    "device"``, a device report ``every`` P1D (or a cron expression); the first run is now."""
    document = parse_json(await request.body())  # size and depth bounded by the request guard
    if not isinstance(document, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    every = document.get("every")
    if not isinstance(every, str) or len(every) > MAX_EVERY_CHARS:
        raise ApiError(422, "invalid_every", "'every' is required: P1D, PT6H or a cron expression.")
    try:
        cadence = parse_cadence(every)
    except InvalidCadence as exc:
        raise ApiError(422, "invalid_every", exc.hint) from None
    kind = document.get("kind", "cer")
    if kind not in _KINDS:
        raise ApiError(422, "invalid_kind", "'kind' must be cer or device for a schedule.")
    report = (
        parse_device_request(document, allowed=_DEVICE_SCHEDULE_FIELDS)
        if kind == "device"
        else parse_cer_request(document, allowed=_CER_SCHEDULE_FIELDS)
    )
    async with state.pool.acquire() as conn:
        schedule = await stored_schedules.create_schedule(
            conn, principal.tenant_id, report, cadence.text, datetime.now(UTC)
        )
    response.headers["Location"] = f"/v1/schedules/{schedule.id}"
    return _view(schedule)


@router.get("", response_model=SchedulePage)
async def list_schedules(state: StateDep, principal: PrincipalDep) -> SchedulePage:
    """The caller's schedules, newest first."""
    async with state.pool.acquire() as conn:
        schedules = await stored_schedules.list_schedules(conn, principal.tenant_id)
    return SchedulePage(items=[_view(s) for s in schedules])


@router.get("/{schedule_id}", response_model=ScheduleView)
async def get_schedule(schedule_id: UUID, state: StateDep, principal: PrincipalDep) -> ScheduleView:
    async with state.pool.acquire() as conn:
        schedule = await stored_schedules.get_schedule(conn, principal.tenant_id, schedule_id)
    if schedule is None:
        raise not_found("schedule")
    return _view(schedule)


@router.delete("/{schedule_id}", status_code=204)
async def delete_schedule(schedule_id: UUID, state: StateDep, principal: PrincipalDep) -> Response:
    async with state.pool.acquire() as conn:
        deleted = await stored_schedules.delete_schedule(conn, principal.tenant_id, schedule_id)
    if not deleted:
        raise not_found("schedule")
    return Response(status_code=204)
