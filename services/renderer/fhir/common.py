"""Pieces every FHIR output uses: stable ids, references, the PDF attachment, device, provenance.

Resources are built as plain JSON dictionaries (what the gateway serves) and validated against
the ``fhir.resources.R4B`` models before they leave (:mod:`services.renderer.fhir.bundle`).
Every id is a UUID derived from the report id and the resource's role, so rebuilding the Bundle
for the same report gives the same ids; every reference is a ``urn:uuid:`` full URL of an entry.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid5

from services.renderer.meta import ReportMeta

JSON = dict[str, Any]

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
URN_IETF = "urn:ietf:rfc:3986"
REPORT_KIND_SYSTEM = "urn:clinrelay:fhir:report-kind"
FINDING_SYSTEM = "urn:clinrelay:fhir:coding-finding"
PDF_MEDIA_TYPE = "application/pdf"


@dataclass
class BundleBuilder:
    """Collects the entries of one report's Bundle; ids derive from the report id."""

    meta: ReportMeta
    entries: list[JSON] = field(default_factory=list)
    _ids: set[str] = field(default_factory=set)

    def uuid_for(self, role: str) -> UUID:
        return uuid5(self.meta.report_id, role)

    def reference(self, role: str, display: str | None = None) -> JSON:
        ref: JSON = {"reference": f"urn:uuid:{self.uuid_for(role)}"}
        if display:
            ref["display"] = display
        return ref

    def add(self, role: str, resource: JSON) -> JSON:
        """Add ``resource`` under the id derived from ``role``; returns a reference to it.

        A role already added keeps its first resource (a code suggested twice for the same
        encounter is one Condition).
        """
        identifier = str(self.uuid_for(role))
        if identifier in self._ids:
            return self.reference(role)
        self._ids.add(identifier)
        self.entries.append(
            {"fullUrl": f"urn:uuid:{identifier}", "resource": {**resource, "id": identifier}}
        )
        return self.reference(role)

    def bundle(self) -> JSON:
        return {
            "resourceType": "Bundle",
            "id": str(self.meta.report_id),
            "identifier": {"system": URN_IETF, "value": f"urn:uuid:{self.meta.report_id}"},
            "type": "collection",
            "timestamp": self.meta.generated_at.isoformat(),
            "entry": self.entries,
        }


def report_identifier(meta: ReportMeta) -> JSON:
    return {"system": URN_IETF, "value": f"urn:uuid:{meta.report_id}"}


def pdf_attachment(pdf: bytes, title: str, meta: ReportMeta) -> JSON:
    """The PDF as a FHIR Attachment: base64 data, size, and the SHA-1 hash FHIR R4 specifies."""
    return {
        "contentType": PDF_MEDIA_TYPE,
        "language": "en",
        "data": base64.b64encode(pdf).decode("ascii"),
        "size": len(pdf),
        # R4 defines Attachment.hash as the base64 SHA-1 of the data; it is an integrity check,
        # not a security control (the artifact's SHA-256 is in the report's API record).
        "hash": base64.b64encode(hashlib.sha1(pdf, usedforsecurity=False).digest()).decode(),
        "title": title,
        "creation": meta.generated_at.isoformat(),
    }


def software_device(meta: ReportMeta) -> JSON:
    """The clinrelay pipeline as a Device: the author of findings and the agent of provenance."""
    return {
        "resourceType": "Device",
        "status": "active",
        "deviceName": [{"name": "clinrelay", "type": "manufacturer-name"}],
        "type": {"text": "Clinical report pipeline software"},
        "version": [{"value": meta.software_version}],
    }


def provenance(builder: BundleBuilder, targets: Iterable[JSON], device: JSON, source: JSON) -> JSON:
    """Who made the targets (the pipeline run), when, and from which input (``source``)."""
    meta = builder.meta
    resource: JSON = {
        "resourceType": "Provenance",
        "target": [{"reference": t["reference"]} for t in targets],
        "recorded": meta.generated_at.isoformat(),
        "activity": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                    "code": "CREATE",
                    "display": "create",
                }
            ]
        },
        "agent": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/"
                            "provenance-participant-type",
                            "code": "assembler",
                            "display": "Assembler",
                        }
                    ]
                },
                "who": {**device, "display": f"clinrelay {meta.software_version}"},
            }
        ],
        "entity": [{"role": "source", "what": source}],
    }
    if meta.requested_at is not None:
        resource["occurredPeriod"] = {
            "start": meta.requested_at.isoformat(),
            "end": meta.generated_at.isoformat(),
        }
    else:
        resource["occurredDateTime"] = meta.generated_at.isoformat()
    return resource
