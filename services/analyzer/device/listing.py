"""The line listing of a device report: one row per verified MAUDE report, newest first."""

from __future__ import annotations

from collections.abc import Sequence

from services.analyzer.device.aggregate import EVENT_TYPE_LABELS
from shared.events.device import DeviceCase, DeviceListingRow


def _first(values: Sequence[str]) -> str:
    return values[0] if values else ""


def device_listing(
    cases: Sequence[DeviceCase], interval_ids: frozenset[str]
) -> tuple[DeviceListingRow, ...]:
    ordered = sorted(
        cases,
        key=lambda c: (c.date_received is not None, c.date_received, c.mdr_report_key),
        reverse=True,
    )
    return tuple(
        DeviceListingRow(
            mdr_report_key=case.mdr_report_key,
            report_number=case.report_number or "",
            date_received=case.date_received,
            date_of_event=case.date_of_event,
            in_interval=case.mdr_report_key in interval_ids,
            event_type=EVENT_TYPE_LABELS[case.event_type],
            brand=_first(case.brand_names),
            generic_name=_first(case.generic_names),
            manufacturer=_first(case.manufacturer_names),
            product_code=", ".join(case.product_codes),
            device_problems=case.product_problems,
            patient_problems=case.patient_problems,
            patient_outcomes=case.patient_outcomes,
            report_source=case.report_source or "",
            reporter=case.reporter_occupation or "",
            operator=case.device_operator or "",
            age=case.patient_age or "",
            sex=case.patient_sex or "",
        )
        for case in ordered
    )
