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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import telemetry


class TracingMiddleware:
    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.tracer = telemetry.tracer(f"clinrelay.{service}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or trace.get_current_span().is_recording():
            await self.app(scope, receive, send)
            return
        carrier = {
            key.decode("latin-1"): value.decode("latin-1")
            for key, value in scope["headers"]
            if key in (b"traceparent", b"tracestate")
        }
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with (
            telemetry.continued_from(carrier) if carrier else contextlib.nullcontext(),
            self.tracer.start_as_current_span(str(scope["method"]), kind=SpanKind.SERVER) as span,
        ):
            try:
                await self.app(scope, receive, record_status)
            finally:
                route = getattr(scope.get("route"), "path", None) or "unmatched"
                span.update_name(f"{scope['method']} {route}")
                span.set_attribute("http.request.method", scope["method"])
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
