"""What every clinrelay ASGI middleware does the same way: act on HTTP requests only, watch the
response go out, name the route by its template.

WebSocket and lifespan scopes pass through untouched. :class:`Response` sees the status on its way
out (500 until a response starts: a request that ends in an exception before any response is
answered 500 by the server). The route is the template the router matched
(``/v1/reports/{report_id}``), never the path a client sent, which holds ids. :class:`WatchedHttp`
runs several :class:`Watch` objects (tracing, metrics, the access log) and an error shield in one
pass.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Response:
    """The response an app sends to one request, watched on its way out through :meth:`send`."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500
        self.started = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.started = True
        await self._send(message)


def route_template(scope: Scope) -> str | None:
    """The route template the router matched, or None (no route matched, or not routed yet)."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else None


class HttpMiddleware(ABC):
    """ASGI middleware around HTTP requests; every other scope goes straight to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.around(scope, receive, send)

    @abstractmethod
    async def around(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one HTTP request (calling ``self.app``)."""


class Watch(ABC):
    """One concern that watches every HTTP request without changing it (a span, metrics, a log
    line): opened before the app runs, closed after it with the status the response carried.

    Watches run together in one :class:`WatchedHttp` pass instead of one ASGI middleware each:
    every layer costs an ``await`` chain and a wrapped ``send`` per request, and five of them cost
    a small POST more CPU than validating its body (issue 15).
    """

    @abstractmethod
    def opened(self, scope: Scope) -> object:
        """Called before the app runs; what it returns is handed back to :meth:`closed`."""

    @abstractmethod
    def closed(self, scope: Scope, token: object, status: int, elapsed_s: float) -> None:
        """Called once the app is done (or failed), in the reverse order of opening."""


Shield = Callable[[Exception], ASGIApp]
"""Turns an exception that escaped the app before any response started into the app that
answers it (an error response); see :class:`WatchedHttp`."""


class WatchedHttp(HttpMiddleware):
    """Every watch around each HTTP request, in one middleware.

    With a ``shield``, an exception that escapes the app before a response has started is
    answered by the app the shield returns (and the watches see that answer's status); once a
    response has started, nothing can be changed and the exception goes on to the server.
    """

    def __init__(
        self, app: ASGIApp, watches: Sequence[Watch], shield: Shield | None = None
    ) -> None:
        super().__init__(app)
        self.watches = tuple(watches)
        self.shield = shield

    async def around(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        response = Response(send)
        tokens = [watch.opened(scope) for watch in self.watches]
        try:
            await self.app(scope, receive, response.send)
        except Exception as exc:
            if self.shield is None or response.started:
                raise
            await self.shield(exc)(scope, receive, response.send)
        finally:
            elapsed = time.perf_counter() - started
            for watch, token in zip(reversed(self.watches), reversed(tokens), strict=True):
                watch.closed(scope, token, response.status, elapsed)
