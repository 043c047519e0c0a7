"""A server span per HTTP request, continuing a caller's W3C ``traceparent`` if it sent one.

FastAPI from 0.16x opens such a span itself (instrumentation scope ``fastapi``); then this
watch adds none, so a request is one span whichever FastAPI is installed.

The span is current while the route runs, so the outbox rows a request writes carry its context
and the relay, every stage and the notifier continue the same trace. Named by method and route
template (never the path: it holds ids); no attribute carries a header, a query or a body.
"""

from __future__ import annotations

from contextvars import Token
from typing import cast

from opentelemetry import context, propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from starlette.types import Scope

from shared import telemetry
from shared.http_middleware import Watch, route_template

_CARRIED = (b"traceparent", b"tracestate")


class RequestSpan(Watch):
    """The request's server span, current from :meth:`opened` to :meth:`closed`."""

    def __init__(self, service: str) -> None:
        self.tracer = telemetry.tracer(f"clinrelay.{service}")

    def opened(self, scope: Scope) -> tuple[Span, Token[Context]] | None:
        if trace.get_current_span().is_recording():  # the framework opened the span already
            return None
        carrier = {
            key.decode("latin-1"): value.decode("latin-1")
            for key, value in scope["headers"]
            if key in _CARRIED
        }
        parent = propagate.extract(carrier) if carrier else None
        span = self.tracer.start_span(str(scope["method"]), context=parent, kind=SpanKind.SERVER)
        return span, context.attach(trace.set_span_in_context(span, parent))

    def closed(self, scope: Scope, token: object, status: int, elapsed_s: float) -> None:
        if token is None:
            return
        span, attached = cast("tuple[Span, Token[Context]]", token)
        route = route_template(scope) or "unmatched"
        span.update_name(f"{scope['method']} {route}")
        span.set_attribute("http.request.method", scope["method"])
        span.set_attribute("http.route", route)
        span.set_attribute("http.response.status_code", status)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))
        span.end()
        context.detach(attached)
