from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from services.renderer.meta import ReportMeta

REPORT_ID = UUID("6f1c2a9e-4b7d-4e8a-9c3f-2d5e8a1b7c40")
TENANT_ID = UUID("0b6f3d2a-91c4-4f5e-8a7b-3c2d1e0f9a86")


@pytest.fixture(scope="session")
def meta() -> ReportMeta:
    return ReportMeta(
        report_id=REPORT_ID,
        tenant_id=TENANT_ID,
        tenant_name="Riverside Medical Group",
        generated_at=datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC),
        requested_at=datetime(2025, 3, 14, 9, 26, 31, tzinfo=UTC),
    )
