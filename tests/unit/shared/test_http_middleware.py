"""The part every clinrelay ASGI middleware shares: HTTP only, the response watched on its way out,
the route named by its template."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from shared.http_middleware import HttpMiddleware, Response, route_template


class Recorder(HttpMiddleware):
    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.seen: list[tuple[int, bool]] = []

    async def around(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = Response(send)
        await self.app(scope, receive, response.send)
        self.seen.append((response.status, response.started))


async def answer_204(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def receive() -> Message:
    return {"type": "http.request", "body": b""}


async def test_the_status_is_seen_on_its_way_out_and_every_message_still_goes() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    middleware = Recorder(answer_204)
    await middleware({"type": "http", "method": "GET", "path": "/x"}, receive, send)

    assert middleware.seen == [(204, True)]
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


async def test_other_scopes_go_straight_to_the_app() -> None:
    reached: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope["type"])

    async def send(message: Message) -> None:
        raise AssertionError("nothing is sent here")

    middleware = Recorder(app)
    await middleware({"type": "websocket"}, receive, send)
    await middleware({"type": "lifespan"}, receive, send)

    assert reached == ["websocket", "lifespan"]
    assert middleware.seen == []


def test_the_route_is_its_template_never_the_path() -> None:
    routed = {"path": "/v1/reports/3f2a", "route": SimpleNamespace(path="/v1/reports/{report_id}")}
    assert route_template(routed) == "/v1/reports/{report_id}"
    assert route_template({"path": "/nowhere"}) is None
