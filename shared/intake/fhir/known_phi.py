"""The PHI a Bundle states in structured form: the de-identifier's dictionary of what to find.

Collected from every resource (contained ones too), not only the Patient:

- names: Patient (all its names), Patient.contact and RelatedPerson (relatives), Practitioner
  (clinicians), Person, Organization.contact, the ``patient-mothersMaidenName`` extension, and the
  ``display`` of every Reference to a person or organisation (``author.display: "Dr. …"``);
- every Identifier value anywhere (MRN, SSN, licence, member, claim, encounter numbers...), plus
  Coverage.subscriberId and plan/group values, Device serial numbers and UDIs, and the identifier
  of conditional references (``Practitioner?identifier=…|9999``);
- every Address and ContactPoint anywhere (patient, relatives, clinicians, organisations,
  locations, extensions such as ``patient-birthPlace``), split into phone/fax/email/url;
- the Patient's birth and death dates, other people's birth dates;
- Organization, Location (and their aliases) names, and reference displays pointing at them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl

from fhir.resources.R4B.address import Address
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.reference import Reference
from pydantic import BaseModel

from shared.intake.fhir.elements import iso
from shared.intake.fhir.shapes import (
    COMPLEX,
    RESOURCE,
    Element,
    present_elements,
    resource_model,
    shape_of,
)
from shared.intake.fhir.validation import IgnoredEntry
from shared.intake.fhir.view import BundleView
from shared.intake.known_phi import KnownPhi, PersonName, PostalAddress

MOTHERS_MAIDEN_NAME = "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName"

_ROLE_BY_TYPE = {
    "Patient": "patient",
    "RelatedPerson": "relative",
    "Practitioner": "clinician",
    "PractitionerRole": "clinician",
    "Person": "other",
}
_PLACE_TYPES = frozenset({"Organization", "Location", "HealthcareService", "InsurancePlan"})
_NAMED_PLACES = frozenset({"Organization", "Location"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class _Harvest:
    def __init__(self) -> None:
        self.names: dict[PersonName, None] = {}
        self.identifiers: dict[str, None] = {}
        self.addresses: dict[PostalAddress, None] = {}
        self.phones: dict[str, None] = {}
        self.faxes: dict[str, None] = {}
        self.emails: dict[str, None] = {}
        self.urls: dict[str, None] = {}
        self.organizations: dict[str, None] = {}
        self.dates: dict[str, None] = {}
        self.birth_date: str | None = None
        self.deceased_date: str | None = None
        self.subject_key: str | None = None

    def add(self, bucket: dict[str, None], value: object) -> None:
        if isinstance(value, str) and value.strip():
            bucket.setdefault(value.strip(), None)

    def add_name(self, text: str | None, role: str) -> None:
        if text and text.strip():
            self.names.setdefault(PersonName(text=text.strip(), role=role), None)

    def add_contact_point(self, system: str | None, value: str | None) -> None:
        if not value or not value.strip():
            return
        value = value.strip()
        if system in {"phone", "pager", "sms"}:
            self.add(self.phones, value)
        elif system == "fax":
            self.add(self.faxes, value)
        elif system == "email" or _EMAIL.fullmatch(value.removeprefix("mailto:")):
            self.add(self.emails, value.removeprefix("mailto:"))
        elif system == "url" or "://" in value or value.startswith("www."):
            self.add(self.urls, value)
        elif sum(c.isdigit() for c in value) >= 7:
            self.add(self.phones, value)
        else:
            self.add(self.identifiers, value)

    def to_known_phi(self) -> KnownPhi:
        return KnownPhi(
            subject_key=self.subject_key,
            names=tuple(self.names),
            birth_date=self.birth_date,
            deceased_date=self.deceased_date,
            other_dates=tuple(d for d in self.dates if d != self.birth_date),
            identifiers=tuple(self.identifiers),
            addresses=tuple(self.addresses),
            phones=tuple(self.phones),
            faxes=tuple(self.faxes),
            emails=tuple(self.emails),
            urls=tuple(self.urls),
            organizations=tuple(self.organizations),
        )


def collect_known_phi(view: BundleView, ignored: Iterable[IgnoredEntry] = ()) -> KnownPhi:
    """Everything identifying that the Bundle states in structured fields (see module doc).

    Walks the JSON of every entry the view holds, guided by the R4 element tables (so it does
    not depend on how deeply the entries were validated). ``ignored`` are resources whose
    structure was rejected and parsing left out: their identifiers, telecom, addresses, names
    and reference displays are still harvested, best effort.
    """
    harvest = _Harvest()
    patients = view.of_type("Patient")
    if patients:
        harvest.birth_date = iso(patients[0].model.birthDate)
        harvest.deceased_date = iso(patients[0].model.deceasedDateTime)
    if len(patients) == 1:
        harvest.subject_key = subject_key(patients[0].model)
    walker = _ResourceWalker(harvest, view)
    for entry in view.entries.values():
        walker.walk_resource(entry.raw)
    for rejected in ignored:
        _harvest_raw(harvest, rejected.raw, rejected.ref.resource_type)
    return harvest.to_known_phi()


MEDICAL_RECORD_NUMBER = "MR"  # v2-0203 identifier type


def subject_key(patient: Any) -> str | None:
    """What keys the patient's date-shift offset (stable across reports of one patient): the
    medical record number with its system, else the Patient's id; never emitted."""
    for identifier in patient.identifier or ():
        codes = {c.code for c in (identifier.type.coding or ())} if identifier.type else set()
        if MEDICAL_RECORD_NUMBER in codes and identifier.value:
            return f"MR|{identifier.system or ''}|{identifier.value}"
    return f"Patient/{patient.id}" if patient.id else None


class _ResourceWalker:
    """Visits every element of a resource's JSON, harvesting the data types that carry PHI."""

    def __init__(self, harvest: _Harvest, view: BundleView) -> None:
        self.harvest = harvest
        self.view = view

    def walk_resource(self, resource: dict[str, Any]) -> None:
        resource_type = resource.get("resourceType")
        model = resource_model(resource_type)
        if model is None or not isinstance(resource_type, str):
            return
        self._resource_specific(resource_type, resource)
        for name, element in present_elements(resource, shape_of(model)):
            if name == "text":  # the generated narrative repeats the fields; not read
                continue
            self._walk_field(resource[name], element, _top_role(resource_type, name))

    def _walk_field(self, value: object, element: Element, role: str) -> None:
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                continue
            if element.kind == RESOURCE:  # contained resources
                self.walk_resource(item)
            elif element.kind == COMPLEX and element.model is not None:
                self._walk_element(item, element.model, element, role)

    def _walk_element(
        self, item: dict[str, Any], model: type[BaseModel], field: Element, role: str
    ) -> None:
        harvest = self.harvest
        if model is HumanName:
            harvest.names.setdefault(_person_name(item, role), None)
            return
        if model is Address:
            harvest.addresses.setdefault(_postal_address(item), None)
            return
        if model is ContactPoint:
            harvest.add_contact_point(_str(item.get("system")), _str(item.get("value")))
            return
        if model is Identifier:
            harvest.add(harvest.identifiers, item.get("value"))
        elif model is Reference:
            self._reference(item, field)
        elif model is Extension and item.get("url") == MOTHERS_MAIDEN_NAME:
            harvest.add_name(_str(item.get("valueString")), "relative")
        for name, element in present_elements(item, shape_of(model)):
            self._walk_field(item[name], element, role)

    def _reference(self, reference: dict[str, Any], field: Element) -> None:
        text = _str(reference.get("reference"))
        if text and "?" in text:
            _harvest_search_parameters(self.harvest, text)
        display = _str(reference.get("display"))
        if not display:
            return
        target = self.view.references.resolve(text).target_type or _str(reference.get("type"))
        candidates = [target] if target else list(field.targets)
        self._display(display, candidates)

    def _display(self, display: str, candidates: list[str]) -> None:
        roles = {_ROLE_BY_TYPE[t] for t in candidates if t in _ROLE_BY_TYPE}
        places = [t for t in candidates if t in _PLACE_TYPES]
        if not candidates:  # nothing says what it points at: keep it, to be safe
            self.harvest.add_name(display, "other")
        elif roles and not places:
            self.harvest.add_name(display, roles.pop() if len(roles) == 1 else "other")
        elif places and not roles:
            self.harvest.add(self.harvest.organizations, display)
        elif roles and places:
            self.harvest.add_name(display, "other")
        # else: a reference to an Observation, a Medication...: its display is not PHI

    def _resource_specific(self, resource_type: str, resource: dict[str, Any]) -> None:
        harvest = self.harvest
        if resource_type in _NAMED_PLACES:
            harvest.add(harvest.organizations, resource.get("name"))
            for alias in _list(resource.get("alias")):
                harvest.add(harvest.organizations, alias)
        birth_date = _str(resource.get("birthDate"))
        someone_else = resource_type in {"RelatedPerson", "Practitioner", "Person"} or (
            resource_type == "Patient" and birth_date != harvest.birth_date
        )
        if someone_else and birth_date:
            harvest.dates.setdefault(birth_date, None)
        if resource_type == "Endpoint":
            harvest.add_contact_point(None, _str(resource.get("address")))
        elif resource_type == "Coverage":
            harvest.add(harvest.identifiers, resource.get("subscriberId"))
            for coverage_class in _list(resource.get("class")):
                if isinstance(coverage_class, dict):
                    harvest.add(harvest.identifiers, coverage_class.get("value"))
        elif resource_type == "Device":
            harvest.add(harvest.identifiers, resource.get("serialNumber"))
            for carrier in _list(resource.get("udiCarrier")):
                if isinstance(carrier, dict):
                    harvest.add(harvest.identifiers, carrier.get("deviceIdentifier"))
                    harvest.add(harvest.identifiers, carrier.get("carrierHRF"))


def _top_role(resource_type: str, field_name: str) -> str:
    """Whose names a top-level field holds: a Patient's contacts are its relatives."""
    if resource_type == "Patient" and field_name == "contact":
        return "relative"
    if resource_type == "Organization" and field_name == "contact":
        return "other"
    return _ROLE_BY_TYPE.get(resource_type, "other")


def _person_name(name: dict[str, Any], role: str) -> PersonName:
    return PersonName(
        given=_parts(name.get("given")),
        family=_str(name.get("family")),
        prefix=_parts(name.get("prefix")),
        suffix=_parts(name.get("suffix")),
        text=_str(name.get("text")),
        role=role,
    )


def _postal_address(address: dict[str, Any]) -> PostalAddress:
    return PostalAddress(
        lines=_parts(address.get("line")),
        city=_str(address.get("city")),
        district=_str(address.get("district")),
        state=_str(address.get("state")),
        postal_code=_str(address.get("postalCode")),
        country=_str(address.get("country")),
        text=_str(address.get("text")),
    )


def _parts(value: object) -> tuple[str, ...]:
    """The non-empty strings of a repeating string element (its nulls are extension slots)."""
    return tuple(part for part in _list(value) if isinstance(part, str) and part)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _harvest_search_parameters(harvest: _Harvest, reference: str) -> None:
    """Conditional references carry search values: ``Practitioner?identifier=sys|123``."""
    resource_type, _, query = reference.partition("?")
    role = _ROLE_BY_TYPE.get(resource_type, "other")
    for key, value in parse_qsl(query):
        parameter = key.split(":", 1)[0]
        if parameter == "identifier":
            harvest.add(harvest.identifiers, value.rpartition("|")[2])
        elif parameter in {"name", "family", "given"}:
            harvest.add_name(value, role)
        elif parameter in {"phone", "telecom", "email"}:
            harvest.add_contact_point(parameter if parameter != "telecom" else None, value)
        elif parameter == "birthdate":
            harvest.add(harvest.dates, value)
        elif parameter.startswith("address"):
            harvest.addresses.setdefault(PostalAddress(text=value), None)


def _harvest_raw(harvest: _Harvest, resource: Mapping[str, Any], resource_type: str) -> None:
    """Best effort on JSON the models rejected: the keys that carry PHI wherever they are."""
    role = _ROLE_BY_TYPE.get(resource_type, "other")
    for key, value in _walk_raw(resource):
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, Mapping):
                continue
            if key == "identifier":
                harvest.add(harvest.identifiers, item.get("value"))
            elif key == "telecom":
                system = item.get("system")
                harvest.add_contact_point(
                    system if isinstance(system, str) else None, _str(item.get("value"))
                )
            elif key == "address":
                harvest.addresses.setdefault(PostalAddress(text=_address_text(item)), None)
            elif key == "name" and ("family" in item or "given" in item or "text" in item):
                harvest.add_name(_name_text(item), role)
            if "reference" in item and isinstance(item.get("display"), str):
                harvest.add_name(item["display"], "other")


def _walk_raw(node: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping):
        for child_key, child in node.items():
            yield child_key, child
            yield from _walk_raw(child, child_key)
    elif isinstance(node, list):
        for child in node:
            yield from _walk_raw(child, key)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _name_text(name: Mapping[str, Any]) -> str:
    parts = [
        *_strings(name.get("prefix")),
        *_strings(name.get("given")),
        *_strings(name.get("family")),
    ]
    return " ".join(parts) or (_str(name.get("text")) or "")


def _address_text(address: Mapping[str, Any]) -> str:
    parts = [*_strings(address.get("line"))]
    parts += _strings([address.get(k) for k in ("city", "district", "state", "postalCode")])
    return ", ".join(parts) or (_str(address.get("text")) or "")


def _strings(value: object) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str) and v.strip()]
