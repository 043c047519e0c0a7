"""openFDA device/event (MAUDE) searches for a device report.

A product code is FDA's three-letter code and is matched exactly. A brand name or manufacturer is
matched as a phrase on openFDA's analysed (tokenised, case-insensitive) field, as MAUDE spells
the same brand many ways ("HEMOCHRON", "HEMOCHRON JR. SIGNATURE+"); the ingestor then checks that
each returned report's device entry really holds the phrase.
"""

from __future__ import annotations

from services.ingestor.openfda import query as q
from shared.events.device import DeviceRequest, DeviceScope

PRODUCT_CODE_FIELD = "device.device_report_product_code.exact"
BRAND_FIELD = "device.brand_name"
MANUFACTURER_FIELD = "device.manufacturer_d_name"
DATE_FIELD = "date_received"
PRODUCT_PROBLEMS_FIELD = "product_problems.exact"
PATIENT_PROBLEMS_FIELD = "patient.patient_problems.exact"
EVENT_TYPE_FIELD = "event_type.exact"


def scope_clause(request: DeviceRequest) -> str:
    match request.scope:
        case DeviceScope.PRODUCT_CODE:
            return q.any_of(PRODUCT_CODE_FIELD, [request.searched])
        case DeviceScope.BRAND_NAME:
            return q.any_of(BRAND_FIELD, [request.searched.lower()])
        case DeviceScope.MANUFACTURER:
            return q.any_of(MANUFACTURER_FIELD, [request.searched.lower()])


def window(request: DeviceRequest) -> str | None:
    return q.window(request.since, request.effective_until, DATE_FIELD)


def device_search(request: DeviceRequest) -> str:
    search = q.all_of(scope_clause(request), window(request))
    assert search is not None
    return search
