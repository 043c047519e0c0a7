"""What every clinrelay ASGI middleware does the same way: act on HTTP requests only, watch the
response go out, name the route by its template.

WebSocket and lifespan scopes pass through untouched. :class:`Response` sees the status on its way
out (500 until a response starts: a request that ends in an exception before any response is
answered 500 by the server). The route is the template the router matched
(``/v1/reports/{report_id}``), never the path a client sent, which holds ids.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

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
