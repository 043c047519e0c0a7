"""Tracing: one trace from the gateway's POST through every stage to the notifier.

W3C ``traceparent``/``tracestate`` ride in AMQP headers (and in outbox rows, so the relay
publishes with the context of the transaction that wrote the row).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import SpanKind

_configured = False


def configure(service_name: str, exporter: str = "none") -> None:
    """Install the tracer provider once per process. ``exporter``: none, console or otlp."""
    global _configured  # noqa: PLW0603 - process-wide provider, set once
    if _configured:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    span_exporter: SpanExporter | None = None
    if exporter == "console":
        span_exporter = ConsoleSpanExporter()
    elif exporter == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found]  # noqa: PLC0415
                OTLPSpanExporter,
            )
        except ImportError as exc:  # optional dependency
            raise RuntimeError(
                "CLINRELAY_OTEL_EXPORTER=otlp needs opentelemetry-exporter-otlp-proto-http"
            ) from exc
        span_exporter = OTLPSpanExporter()
    if span_exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(provider)
    _configured = True


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def inject_context(headers: MutableMapping[str, Any]) -> None:
    """Write the current trace context into message headers."""
    propagate.inject(headers)


@contextmanager
def continued_from(headers: Mapping[str, Any]) -> Iterator[None]:
    """Make the trace context carried by ``headers`` current for the block."""
    carrier = {k: v for k, v in headers.items() if isinstance(v, str)}
    token = context.attach(propagate.extract(carrier))
    try:
        yield
    finally:
        context.detach(token)


@contextmanager
def publishing(
    tracer_: trace.Tracer, headers: Mapping[str, Any], name: str
) -> Iterator[dict[str, Any]]:
    """A producer span for one message, child of the context its ``headers`` carry (the
    transaction that wrote it); yields the headers to send, carrying the new span instead."""
    carrier = {k: v for k, v in headers.items() if isinstance(v, str)}
    span = tracer_.start_span(name, context=propagate.extract(carrier), kind=SpanKind.PRODUCER)
    if span.get_span_context().is_valid:
        sent = {k: v for k, v in headers.items() if k not in ("traceparent", "tracestate")}
        propagate.inject(sent, context=trace.set_span_in_context(span))
    else:  # tracing is off in this process: pass the caller's context on untouched
        sent = dict(headers)
    try:
        yield sent
    finally:
        span.end()


def current_trace_id() -> str | None:
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None
