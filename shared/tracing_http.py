"""A server span per HTTP request, continuing a caller's W3C ``traceparent`` if it sent one.

FastAPI from 0.16x opens such a span itself (instrumentation scope ``fastapi``); then this
middleware adds none, so a request is one span whichever FastAPI is installed.

The span is current while the route runs, so the outbox rows a request writes carry its context
and the relay, every stage and the notifier continue the same trace. Named by method and route
template (never the path: it holds ids); no attribute carries a header, a query or a body.
"""

from __future__ import annotations

import contextlib

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Receive, Scope, Send

from shared import telemetry
from shared.http_middleware import HttpMiddleware, Response, route_template


class TracingMiddleware(HttpMiddleware):
    def __init__(self, app: ASGIApp, service: str) -> None:
        super().__init__(app)
        self.tracer = telemetry.tracer(f"clinrelay.{service}")

    async def around(self, scope: Scope, receive: Receive, send: Send) -> None:
        if trace.get_current_span().is_recording():  # the framework opened the span already
            await self.app(scope, receive, send)
            return
        carrier = {
            key.decode("latin-1"): value.decode("latin-1")
            for key, value in scope["headers"]
            if key in (b"traceparent", b"tracestate")
        }
        response = Response(send)
        with (
            telemetry.continued_from(carrier) if carrier else contextlib.nullcontext(),
            self.tracer.start_as_current_span(str(scope["method"]), kind=SpanKind.SERVER) as span,
        ):
            try:
                await self.app(scope, receive, response.send)
            finally:
                route = route_template(scope) or "unmatched"
                span.update_name(f"{scope['method']} {route}")
                span.set_attribute("http.request.method", scope["method"])
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", response.status)
                if response.status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
