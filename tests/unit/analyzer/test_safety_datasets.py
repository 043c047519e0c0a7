"""The drug and device stages read their ingested dataset the same way: a payload that does not fit
fails the report for good, a stored case set that is gone or altered is retried."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest
import structlog

from services.analyzer.safety_records import dataset_cases, ingested_dataset
from shared.db.cer_datasets import DatasetMissing
from shared.events import Envelope, ReportKind, routing
from shared.events.device import DeviceCase, DeviceDataset
from shared.events.openfda import DatasetRef
from shared.stage import StageContext, StageError


class _Datasets:
    def __init__(self, stored: dict[str, tuple[Any, ...]]) -> None:
        self.stored = stored

    async def load(self, ref: DatasetRef, case_type: type[Any]) -> tuple[Any, ...]:
        if ref.sha256 not in self.stored:
            raise DatasetMissing(f"no stored cases for report {ref.report_id}")
        return self.stored[ref.sha256]


def _ctx(stored: dict[str, tuple[Any, ...]]) -> StageContext:
    repos: Any = SimpleNamespace(datasets=_Datasets(stored))
    settings: Any = SimpleNamespace()
    return StageContext(settings=settings, repos=repos, log=structlog.get_logger())


def _event(payload: dict[str, Any]) -> Envelope:
    return Envelope(
        type=routing.REPORT_INGESTED,
        report_id=uuid4(),
        tenant_id=uuid4(),
        kind=ReportKind.DEVICE,
        payload=payload,
    )


def test_a_payload_that_does_not_fit_fails_for_good_and_names_the_kind() -> None:
    with pytest.raises(StageError) as caught:
        ingested_dataset(_event({"request": "not a request"}), DeviceDataset, "device")
    assert caught.value.permanent
    assert "ingested device payload is invalid" in caught.value.message


async def test_cases_stored_aside_are_loaded_and_a_missing_set_is_retried() -> None:
    ref = DatasetRef(report_id=uuid4(), cases=0, sha256="a" * 64)
    dataset = SimpleNamespace(cases=(), cases_ref=ref)
    assert await dataset_cases(_ctx({"a" * 64: ()}), dataset, DeviceCase) == ()
    with pytest.raises(StageError) as caught:
        await dataset_cases(_ctx({}), dataset, DeviceCase)
    assert not caught.value.permanent
    assert str(ref.report_id) in caught.value.message


async def test_inline_cases_are_used_as_they_are() -> None:
    inline: tuple[Any, ...] = ("one", "two")
    dataset = SimpleNamespace(cases=inline, cases_ref=None)
    cases: tuple[Any, ...] = await dataset_cases(_ctx({}), dataset, DeviceCase)
    assert cases == inline
