"""The road of a CER from accepted to analyzed, on the real RabbitMQ and PostgreSQL, with openFDA
played by the fixture server. The ingestor and analyzer are the real stages; the renderer is a
stand-in that checks the analysis contract (the CER PDF is the renderer's room)."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

import httpx
import pytest

from clinrelay.openfda_fixture.server import FixtureState, create_fixture_app
from services.analyzer.settings import AnalyzerSettings
from services.analyzer.stage import AnalyzerStage
from services.ingestor import cer_stage
from services.ingestor.cer_stage import CerIngestion, build_client
from services.ingestor.openfda.fetching import FetchLimits
from services.ingestor.openfda.settings import OpenFdaSettings
from services.ingestor.phi.deidentify import PhiDeidentifier
from services.ingestor.scheduler.submit import ReportSubmitter
from services.ingestor.settings import IngestorSettings
from services.ingestor.stage import IngestorStage
from shared.db.repositories import StageRepositories
from shared.events import Envelope
from shared.events.cer import CerAnalysis, SignalPreset
from shared.intake.ndc import cer_request
from shared.stage import StageContext, StageOutcome
from shared.workers import ProcessPool
from tests.integration.harness import Pipeline

FIXTURE_URL = "http://openfda.fixture"


class ContractRenderer:
    """Completes the report after validating the analysis against the CER contract."""

    name: ClassVar[str] = "renderer"
    working_step: ClassVar[str] = "rendering"
    working_progress: ClassVar[int] = 80
    handles_phi: ClassVar[bool] = False
    prefetch = 2

    def __init__(self) -> None:
        self.analyses: dict[UUID, CerAnalysis] = {}

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        analysis = CerAnalysis.model_validate(event.payload)
        self.analyses[event.report_id] = analysis
        return StageOutcome(
            step="rendered", progress_percent=100, message="ok", result={"signals": 0}
        )


async def _start(pipeline: Pipeline, state: FixtureState) -> ContractRenderer:
    pool = await pipeline.pool()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_fixture_app(state)))
    settings = pipeline.settings(OpenFdaSettings, openfda_url=FIXTURE_URL)
    ingestion = CerIngestion(build_client(settings, pool, http), FetchLimits(page_size=20))
    renderer = ContractRenderer()
    await pipeline.start_relay()
    ingestor_settings = pipeline.settings(IngestorSettings, openfda_url=FIXTURE_URL)
    await pipeline.start_stage(
        IngestorStage(
            ingestor_settings, PhiDeidentifier(ingestor_settings.deid_policy()), ingestion
        )
    )
    # The real analyzer stage: cer reports never reach its coding process pool.
    await pipeline.start_stage(AnalyzerStage(AnalyzerSettings(), ProcessPool(1, 60.0)))
    await pipeline.start_stage(renderer)
    return renderer


async def _tenant(pipeline: Pipeline) -> UUID:
    pool = await pipeline.pool()
    tenant_id: UUID = await pool.fetchval(
        "INSERT INTO tenants (id, name) VALUES (gen_random_uuid(), 'pharmaco') RETURNING id"
    )
    return tenant_id


async def test_a_cer_travels_from_request_to_analysis(pipeline: Pipeline) -> None:
    renderer = await _start(pipeline, FixtureState())
    pool = await pipeline.pool()
    tenant_id = await _tenant(pipeline)
    submit = ReportSubmitter(pool)
    request = cer_request("61958-0801", signal_preset=SignalPreset.IC025)
    first = await submit(tenant_id, request, "first")
    row = await pipeline.wait_for_status(first, timeout=60)
    assert row["status"] == "COMPLETE", row["error_message"]
    analysis = renderer.analyses[first]
    assert analysis.totals.analysed == 61
    assert analysis.product.brand_names == ("LETAIRIS",)
    assert analysis.events[0].pt == "Dyspnoea"
    assert analysis.preset.preset is SignalPreset.IC025
    assert analysis.disproportionality
    assert not analysis.signal_changes.has_previous
    assert analysis.source.meta_last_updated is not None
    steps = [
        r["step"]
        for r in await pool.fetch(
            "SELECT step FROM report_events WHERE report_id = $1 ORDER BY seq", first
        )
    ]
    assert "ingested" in steps
    assert "analyzed" in steps
    # openFDA was asked through the shared limiter and cache.
    assert await pool.fetchval("SELECT count(*) FROM faers_cache") > 0
    assert await pool.fetchval("SELECT count(*) FROM openfda_rate_buckets") == 2

    second = await submit(tenant_id, request, "second")
    assert (await pipeline.wait_for_status(second, timeout=60))["status"] == "COMPLETE"
    changes = renderer.analyses[second].signal_changes
    assert changes.previous_report_id == first
    assert changes.persisting == tuple(r.pt for r in analysis.signals)


async def test_large_case_sets_travel_by_reference(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cer_stage, "INLINE_CASES_MAX_BYTES", 1000)
    renderer = await _start(pipeline, FixtureState())
    pool = await pipeline.pool()
    report_id = await ReportSubmitter(pool)(
        await _tenant(pipeline), cer_request("61958-0801"), "large"
    )
    assert (await pipeline.wait_for_status(report_id, timeout=60))["status"] == "COMPLETE"
    assert await pool.fetchval("SELECT count(*) FROM cer_datasets") == 1
    assert renderer.analyses[report_id].totals.analysed == 61


async def test_an_ndc_without_reports_completes_as_a_nil_report(pipeline: Pipeline) -> None:
    renderer = await _start(pipeline, FixtureState())
    pool = await pipeline.pool()
    report_id = await ReportSubmitter(pool)(
        await _tenant(pipeline), cer_request("0000-0001"), "unknown"
    )
    row = await pipeline.wait_for_status(report_id, timeout=60)
    assert row["status"] == "COMPLETE", row["error_message"]
    analysis = renderer.analyses[report_id]
    assert analysis.nil
    assert analysis.totals.analysed == 0
    assert analysis.narrative.executive_summary[0].startswith("Nil report.")
    assert (
        "no adverse event report for product NDC 0000-0001"
        in (analysis.narrative.executive_summary[0])
    )


async def test_analyzer_stage_dispatches_cer_and_remembers_signals(pipeline: Pipeline) -> None:
    """The real AnalyzerStage on a CER event, without the broker: the analysis comes back and the
    signals are stored for the next report's comparison."""
    import structlog

    from services.ingestor.openfda.cache import MemoryResponseCache
    from services.ingestor.openfda.client import OpenFdaClient
    from services.ingestor.openfda.ratelimit import LocalTokenBucket, openfda_buckets
    from shared.events import ReportKind, routing

    pool = await pipeline.pool()
    tenant_id = await _tenant(pipeline)
    report_id = await ReportSubmitter(pool)(tenant_id, cer_request("61958-0801"), "direct")
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_fixture_app(FixtureState())))
    client = OpenFdaClient(
        FIXTURE_URL,
        http=http,
        limiter=LocalTokenBucket(openfda_buckets(1000, 1000, None)),
        cache=MemoryResponseCache(),
    )
    ctx = StageContext(
        settings=pipeline.settings(),
        repos=StageRepositories.on(pool),
        log=structlog.get_logger(),
    )
    requested = Envelope(
        type=routing.REPORT_REQUESTED,
        report_id=report_id,
        tenant_id=tenant_id,
        kind=ReportKind.CER,
        payload=cer_request("61958-0801").model_dump(mode="json"),
    )
    ingested = await CerIngestion(client, FetchLimits()).handle(requested, ctx)
    assert ingested.next_event is not None
    event = Envelope(
        type=routing.REPORT_INGESTED,
        report_id=report_id,
        tenant_id=tenant_id,
        kind=ReportKind.CER,
        payload=ingested.next_event.payload.model_dump(mode="json"),
    )
    stage = AnalyzerStage(AnalyzerSettings(), ProcessPool(1, 60.0))
    outcome = await stage.handle(event, ctx)
    assert outcome.next_event is not None
    analysis = CerAnalysis.model_validate(outcome.next_event.payload.model_dump(mode="json"))
    assert analysis.totals.analysed == 61
    stored = await pool.fetchrow(
        "SELECT ndc, subject, preset, signals FROM cer_signal_history WHERE report_id = $1",
        report_id,
    )
    assert stored is not None
    assert stored["ndc"] == "61958-0801"
    assert stored["subject"] == "ndc:61958-0801|suspect"
    listing = await pool.fetchval(
        "SELECT count(*) FROM cer_case_listings WHERE report_id = $1", report_id
    )
    assert listing == 1
    assert analysis.listing is not None
    assert analysis.listing.rows == 61
    assert list(stored["signals"]) == [row.pt for row in analysis.signals]
    assert outcome.details["preset"] == "evans"
