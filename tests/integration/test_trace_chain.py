"""One trace covers a report's whole road: the POST, the relay's publish of each event, each
stage's consume, and the notifier's push to a client; log lines inside carry its ids."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import orjson
import pytest
import websockets
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.logging import add_trace_context
from tests.integration.bundles import note_bundle
from tests.integration.doubles import CountingAnalyzer, RecordingStage
from tests.integration.harness import Pipeline


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Every span this process ends, from here on (the SDK provider is installed if need be)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        trace.set_tracer_provider(TracerProvider())
        provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider), "another non-SDK tracer provider is installed"
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


def _chain(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = [span.name]
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return list(reversed(names))


async def test_one_trace_from_the_post_to_the_push(
    pipeline: Pipeline, spans: InMemorySpanExporter
) -> None:
    await pipeline.start_notifier()
    await pipeline.start_gateway()
    await pipeline.start_stage(RecordingStage(final=False))
    await pipeline.start_stage(CountingAnalyzer())
    key = await pipeline.api_key()
    async with pipeline.client(key) as client:
        accepted = await client.post(
            "/v1/reports",
            content=orjson.dumps(note_bundle()),
            headers={"Content-Type": "application/fhir+json"},
        )
        assert accepted.status_code == 202, accepted.text
        report_id = accepted.json()["id"]
        async with (
            asyncio.timeout(60),
            websockets.connect(accepted.json()["links"]["ws"] + f"?token={key}") as socket,
        ):
            async for raw in socket:
                if orjson.loads(raw).get("status") == "COMPLETE":
                    break
    await asyncio.sleep(0.5)  # the notifier's other replicas' spans end just after the push

    finished = spans.get_finished_spans()
    [post] = [s for s in finished if s.name == "POST /v1/reports"]
    trace_id = post.context.trace_id
    ours = [s for s in finished if s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in ours}
    chains = [_chain(s, by_id) for s in ours]
    # The push of the final status: its chain leads back to the POST.
    road = next(c for c in chains if c[-2:] == ["publish report.completed", "notify"])
    expected = [
        "POST /v1/reports",
        "publish report.requested",
        "ingestor report.requested",
        "publish report.ingested",
        "analyzer report.ingested",
        "publish report.completed",
        "notify",
    ]
    # In this order, each the ancestor of the next (FastAPI may add spans of its own between).
    assert [name for name in road if name in expected] == expected, road
    assert post.attributes is not None
    assert post.attributes["http.route"] == "/v1/reports"
    assert report_id not in post.name


def test_a_log_line_inside_a_span_carries_its_ids() -> None:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        trace.set_tracer_provider(TracerProvider())
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        line = add_trace_context(None, "info", {"event": "stage.done"})
        context = span.get_span_context()
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")
    outside = add_trace_context(None, "info", {"event": "idle"})
    assert "trace_id" not in outside
