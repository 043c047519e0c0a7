"""Raw openFDA device/event (MAUDE) reports → the compact :class:`DeviceCase`, with the check
that a report's device entry really is what was searched.

Field names follow FDA's device/event schema (``deviceevent_schema.json`` in FDA/openfda). The
event narrative (``mdr_text``) and the manufacturer's contact person are never kept: they can
name people.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.events.device import (
    DeviceCase,
    DeviceEventType,
    DeviceIdentification,
    DeviceRequest,
    DeviceScope,
)

_EVENT_TYPES = {
    "death": DeviceEventType.DEATH,
    "injury": DeviceEventType.INJURY,
    "malfunction": DeviceEventType.MALFUNCTION,
    "other": DeviceEventType.OTHER,
}
# MAUDE's patient outcome codes (sequence_number_outcome), as openFDA spells them or as codes.
_OUTCOME_WORDS = re.compile(r"\d+\s*[,.]\s*([A-Za-z][A-Za-z /-]+)")
OUTCOME_CODES = {
    "D": "Death",
    "L": "Life Threatening",
    "H": "Hospitalization",
    "S": "Disability",
    "C": "Congenital Anomaly",
    "R": "Required Intervention",
    "O": "Other",
}
_TOKEN = re.compile(r"[a-z0-9]+")
_MAX_TERMS = 30
_MAX_NAMES = 10


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    text = " ".join(str(value).split())
    return text if text and text not in {"*", "UNK", "NI"} else None


def _date(value: Any) -> date | None:
    text = _text(value)
    if text and len(text) == 8 and text.isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
    if text and re.fullmatch(r"\d{2}/\d{2}/\d{4}", text):  # raw MAUDE's MM/DD/YYYY
        month, day, year = (int(p) for p in text.split("/"))
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return None


def _devices(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    devices = report.get("device")
    return [d for d in devices if isinstance(d, Mapping)] if isinstance(devices, list) else []


def _patients(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    patients = report.get("patient")
    return [p for p in patients if isinstance(p, Mapping)] if isinstance(patients, list) else []


def _strings(values: Any) -> list[str]:
    items = values if isinstance(values, list) else [values]
    return [text for item in items if (text := _text(item))]


def _unique(values: Iterable[str], limit: int) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value[:200], None)
    return tuple(seen)[:limit]


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _contains_phrase(text: str, phrase: list[str]) -> bool:
    words = _tokens(text)
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class DeviceMatcher:
    scope: DeviceScope
    value: str

    @classmethod
    def for_request(cls, request: DeviceRequest) -> DeviceMatcher:
        return cls(request.scope, request.searched)

    def matches(self, device: Mapping[str, Any]) -> bool:
        match self.scope:
            case DeviceScope.PRODUCT_CODE:
                code = _text(device.get("device_report_product_code")) or ""
                return code.upper() == self.value
            case DeviceScope.BRAND_NAME:
                names = [device.get("brand_name"), device.get("baseline_brand_name")]
            case DeviceScope.MANUFACTURER:
                names = [device.get("manufacturer_d_name")]
        phrase = _tokens(self.value)
        return bool(phrase) and any(
            _contains_phrase(text, phrase) for name in names if (text := _text(name))
        )


def _outcomes(patients: list[Mapping[str, Any]]) -> tuple[str, ...]:
    found: list[str] = []
    for patient in patients:
        for value in _strings(patient.get("sequence_number_outcome")):
            words = _OUTCOME_WORDS.findall(value)
            if words:
                found.extend(w.strip().title() for w in words)
            else:  # raw codes such as "1. L; 2. R"
                found.extend(OUTCOME_CODES[c] for c in re.findall(r"\b([DLHSCRO])\b", value))
    return _unique(found, 10)


def project_device_case(report: Mapping[str, Any], devices: list[Mapping[str, Any]]) -> DeviceCase:
    """The compact projection of one MAUDE report; ``devices`` are its matching entries."""
    patients = _patients(report)
    event = (_text(report.get("event_type")) or "").lower()
    first = patients[0] if patients else {}
    openfda: list[Mapping[str, Any]] = [
        block for d in devices if isinstance(block := d.get("openfda"), Mapping)
    ]
    operators = [t for d in devices for t in _strings(d.get("device_operator"))]
    return DeviceCase(
        mdr_report_key=_text(report.get("mdr_report_key")) or "unknown",
        report_number=_text(report.get("report_number")),
        date_received=_date(report.get("date_received")),
        date_of_event=_date(report.get("date_of_event")),
        event_type=_EVENT_TYPES.get(event, DeviceEventType.NOT_REPORTED),
        product_problems=_unique(_strings(report.get("product_problems")), _MAX_TERMS),
        patient_problems=_unique(
            (t for p in patients for t in _strings(p.get("patient_problems"))), _MAX_TERMS
        ),
        patient_outcomes=_outcomes(patients),
        brand_names=_unique(
            (t for d in devices for t in _strings(d.get("brand_name"))), _MAX_NAMES
        ),
        generic_names=_unique(
            (t for d in devices for t in _strings(d.get("generic_name"))), _MAX_NAMES
        ),
        manufacturer_names=_unique(
            (t for d in devices for t in _strings(d.get("manufacturer_d_name"))), _MAX_NAMES
        ),
        product_codes=_unique(
            (t.upper() for d in devices for t in _strings(d.get("device_report_product_code"))),
            _MAX_NAMES,
        ),
        device_classes=_unique((t for o in openfda for t in _strings(o.get("device_class"))), 5),
        report_source=_text(report.get("report_source_code")),
        reporter_occupation=_text(report.get("reporter_occupation_code")),
        device_operator=operators[0] if operators else None,
        patient_age=(_text(first.get("patient_age")) or "")[:40] or None,
        patient_sex=(_text(first.get("patient_sex")) or "")[:20] or None,
    )


@dataclass
class DeviceTally:
    """Running result of projecting the pages of one device search."""

    matcher: DeviceMatcher
    cases: list[DeviceCase] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    dropped_mismatch: int = 0
    duplicates: int = 0
    _devices: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return len(self.cases) + self.dropped_mismatch + self.duplicates

    def add(self, report: Mapping[str, Any]) -> None:
        devices = [d for d in _devices(report) if self.matcher.matches(d)]
        if not devices:
            self.dropped_mismatch += 1
            return
        case = project_device_case(report, devices)
        if case.mdr_report_key in self.seen:
            self.duplicates += 1
            return
        self.seen.add(case.mdr_report_key)
        self.cases.append(case)
        self._devices.extend(devices)

    def identification(self, request: DeviceRequest) -> DeviceIdentification:
        def values(key: str, *, openfda: bool = False) -> tuple[str, ...]:
            found: dict[str, None] = {}
            for device in self._devices:
                source = device.get("openfda") if openfda else device
                if isinstance(source, Mapping):
                    for text in _strings(source.get(key)):
                        found.setdefault(text, None)
            return tuple(found)

        return DeviceIdentification(
            scope=request.scope,
            searched=request.searched,
            product_codes=tuple(sorted({c.upper() for c in values("device_report_product_code")})),
            brand_names=values("brand_name"),
            generic_names=values("generic_name"),
            manufacturer_names=values("manufacturer_d_name"),
            device_names=values("device_name", openfda=True),
            device_classes=values("device_class", openfda=True),
            specialties=values("medical_specialty_description", openfda=True),
        )
