"""What the renderer is told about a report besides its content, and what it hands back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.version import __version__


class ReportMeta(BaseModel):
    """Facts about one report run that the pipeline knows and the analysis payload does not.

    ``tenant_name`` is printed on the cover when given (the tenant id always is). Times are
    timezone-aware; ``requested_at`` (when the gateway accepted the request) is used for the
    provenance of the FHIR output when known.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    report_id: UUID
    tenant_id: UUID
    tenant_name: str | None = Field(default=None, max_length=200)
    generated_at: AwareDatetime
    requested_at: AwareDatetime | None = None
    software_version: str = __version__


@dataclass(frozen=True)
class RenderedPdf:
    """A finished PDF: its bytes, page count and SHA-256 (hex), with the title it carries."""

    content: bytes
    pages: int
    sha256: str
    title: str
    created_at: datetime
