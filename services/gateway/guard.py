"""The gateway's front door: every request meets the same checks before any route code runs.

In order, each a 4xx in the documented error shape (never a 500, never a dropped socket):

1. header block no larger than ``max_header_bytes`` (431);
2. on routes that need a key: the key (401) and its rate limit (429 with ``Retry-After``); every
   answer to an authenticated request carries ``RateLimit-*`` headers;
3. no query parameter the route does not declare (422);
4. on routes that take one, an ``Idempotency-Key``, when sent, of 1–255 visible ASCII characters
   (400: an empty key is no key);
5. on routes that take a body: a Content-Type the route declares (415), a declared length within
   the route's limit (413), then the body read up to that limit (413) within the process-wide
   budget of buffered bytes (503 when it stays full), and JSON nested no deeper than
   ``max_json_depth`` (400) — all before any parser sees it.

What a route accepts is read from the route itself (its dependencies, declared query parameters
and OpenAPI request body), so a new route gets all of this without doing anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.body_budget import BodyBudget, BudgetExhausted
from services.gateway.deps import bearer_token, get_principal, unauthenticated
from services.gateway.errors import ApiError
from services.gateway.json_depth import nests_deeper_than
from services.gateway.ratelimit import RateDecision, RateLimiter
from services.gateway.settings import GatewaySettings

LARGE_BODY_PATHS = frozenset({"/v1/batches"})
"""Routes whose body limit is ``max_batch_bytes`` instead of ``max_body_bytes``."""

_IDEMPOTENCY_KEY = b"idempotency-key"
_MAX_HEADERS = 100


@dataclass(frozen=True)
class RouteRules:
    """What one route accepts, as the guard enforces it."""

    authenticated: bool
    query_params: frozenset[str]
    media_types: frozenset[str]
    """Accepted Content-Types (without parameters); empty when the route takes no body."""
    body_limit: int
    idempotent: bool
    """Declares an Idempotency-Key header (then an empty or malformed one is a 400)."""


def walk_dependencies(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from walk_dependencies(sub)


def served_routes(routes: Sequence[BaseRoute]) -> list[tuple[Any, bool]]:
    """Every route as it is served — prefixes and router dependencies applied — with whether it
    is an API route. (FastAPI from 0.16x keeps included routers as wrappers; older ones flatten
    them into APIRoutes.)"""
    try:
        from fastapi.routing import iter_route_contexts  # noqa: PLC0415 - newer FastAPI only
    except ImportError:
        return [(route, isinstance(route, APIRoute)) for route in routes]
    return [
        (context, isinstance(context.original_route, APIRoute))
        for context in iter_route_contexts(routes)
    ]


def api_routes(routes: Sequence[BaseRoute]) -> list[Any]:
    """The API routes (path_format, methods, dependant, body_field, openapi_extra) as served."""
    return [route for route, is_api in served_routes(routes) if is_api]


def route_rules(route: Any, settings: GatewaySettings) -> RouteRules:
    """Read what ``route`` accepts from its dependencies, parameters and OpenAPI body."""
    tree = list(walk_dependencies(route.dependant))
    content = ((route.openapi_extra or {}).get("requestBody") or {}).get("content") or {}
    media_types = frozenset(content) or (
        frozenset({"application/json"}) if route.body_field is not None else frozenset()
    )
    return RouteRules(
        authenticated=any(d.call is get_principal for d in tree),
        query_params=frozenset(p.alias for d in tree for p in d.query_params),
        media_types=media_types,
        body_limit=(
            settings.max_batch_bytes
            if route.path_format in LARGE_BODY_PATHS
            else settings.max_body_bytes
        ),
        idempotent=any(p.alias.lower() == "idempotency-key" for d in tree for p in d.header_params),
    )


def _is_json(media_type: str) -> bool:
    return media_type.endswith(("/json", "+json", "ndjson"))


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class RequestGuard:
    """ASGI middleware applying the checks above to every HTTP request of the gateway."""

    def __init__(self, app: ASGIApp, settings: GatewaySettings) -> None:
        self.app = app
        self.settings = settings
        self.budget = BodyBudget(settings.max_buffered_body_bytes)
        self.limiter = (
            RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
            if settings.rate_limit_per_minute > 0
            else None
        )
        self._rules: dict[int, RouteRules] = {}
        self._served: list[tuple[Any, bool]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        admitted = _Admission()
        try:
            await self._admit(scope, receive, admitted)
        except ApiError as refusal:
            for name, value in admitted.extra_headers:
                refusal.headers.setdefault(name.decode(), value.decode())
            await refusal.response()(scope, receive, send)
            await self.budget.release(admitted.reserved)
            return
        try:
            await self.app(scope, admitted.receive(receive), admitted.send(send))
        finally:
            await self.budget.release(admitted.reserved)

    async def _admit(self, scope: Scope, receive: Receive, admitted: _Admission) -> None:
        self._check_headers(scope)
        route = self._route(scope)
        if route is None:
            return  # the router answers (404, 405, redirect) without reading the body
        scope["route"] = route  # a refusal here is still counted under its route template
        rules = self._rules.get(id(route))
        if rules is None:
            rules = self._rules[id(route)] = route_rules(route, self.settings)
        if rules.authenticated:
            await self._authenticate(scope, admitted)
        self._check_query(scope, rules)
        if rules.idempotent:
            _check_idempotency_key(scope)
        if rules.media_types:
            admitted.body = await self._read_body(scope, receive, rules, admitted)

    def _check_headers(self, scope: Scope) -> None:
        headers = scope["headers"]
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        size += sum(len(k) + len(v) + 4 for k, v in headers)
        if size > self.settings.max_header_bytes or len(headers) > _MAX_HEADERS:
            raise ApiError(
                431,
                "headers_too_large",
                f"The request line and headers are larger than the limit of "
                f"{self.settings.max_header_bytes} bytes (or more than {_MAX_HEADERS} headers).",
                limit_bytes=self.settings.max_header_bytes,
            )

    def _route(self, scope: Scope) -> Any | None:
        if self._served is None:
            self._served = served_routes(scope["app"].router.routes)
        for route, is_api in self._served:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return route if is_api else None
        return None

    async def _authenticate(self, scope: Scope, admitted: _Admission) -> None:
        token = bearer_token(_header(scope, b"authorization"))
        principal = await scope["app"].state.gateway.authenticate(token)
        if principal is None:
            raise unauthenticated("The API key is unknown or revoked.")
        scope.setdefault("state", {})["principal"] = principal
        if self.limiter is None:
            return
        decision: RateDecision = self.limiter.take(principal.key_id)
        admitted.extra_headers = decision.headers()
        if not decision.allowed:
            raise ApiError(
                429,
                "rate_limited",
                f"Too many requests with this API key: the limit is "
                f"{decision.per_minute} a minute (bursts of {decision.limit}). "
                f"Retry in {decision.retry_after_s} s.",
                retry_after_s=decision.retry_after_s,
            )

    def _check_query(self, scope: Scope, rules: RouteRules) -> None:
        query = scope.get("query_string") or b""
        if not query:
            return
        names = {name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)}
        if names - rules.query_params:
            accepted = ", ".join(sorted(rules.query_params)) or "none"
            raise ApiError(
                422,
                "unknown_parameter",
                f"The request has a query parameter this route does not take (it takes: "
                f"{accepted}).",
            )

    async def _read_body(
        self, scope: Scope, receive: Receive, rules: RouteRules, admitted: _Admission
    ) -> bytes:
        content_type = (_header(scope, b"content-type") or b"").decode("latin-1")
        media_type, _, parameters = content_type.partition(";")
        media_type = media_type.strip().lower()
        charset = parameters.strip().lower().removeprefix("charset=").strip('"')
        if media_type not in rules.media_types or charset not in ("", "utf-8", "utf8"):
            raise ApiError(
                415,
                "unsupported_media_type",
                f"Send the body as one of: {', '.join(sorted(rules.media_types))} (UTF-8).",
            )
        limit = rules.body_limit
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                raise ApiError(400, "invalid_content_length", "Content-Length is not a number.")
            if int(declared) > limit:
                raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ApiError(400, "client_disconnected", "The client went away mid-request.")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            try:
                await self.budget.reserve(len(chunk))
            except BudgetExhausted:
                raise ApiError(
                    503,
                    "busy",
                    "The gateway is receiving too many large requests; retry shortly.",
                    headers={"Retry-After": "2"},
                ) from None
            admitted.reserved += len(chunk)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if _is_json(media_type) and nests_deeper_than(body, self.settings.max_json_depth):
            raise ApiError(
                400,
                "json_too_deep",
                f"The JSON nests deeper than {self.settings.max_json_depth} levels.",
                limit_depth=self.settings.max_json_depth,
            )
        return body


def _check_idempotency_key(scope: Scope) -> None:
    key = _header(scope, _IDEMPOTENCY_KEY)
    if key is not None and not (0 < len(key) <= 255 and all(0x21 <= byte <= 0x7E for byte in key)):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            "An Idempotency-Key is 1 to 255 visible ASCII characters (a UUID is a good one); "
            "leave the header out to send no key.",
        )


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "body_too_large",
        f"The request body is larger than this route's limit of {limit / 1_048_576:g} MB.",
        limit_bytes=limit,
    )


class _Admission:
    """What the guard settled for one request: the body it read, the headers to add."""

    def __init__(self) -> None:
        self.body: bytes | None = None
        self.reserved = 0
        self.extra_headers: list[tuple[bytes, bytes]] = []

    def receive(self, receive: Receive) -> Receive:
        if self.body is None:
            return receive
        pending: list[bytes] = [self.body]

        async def replay() -> Message:
            if pending:
                return {"type": "http.request", "body": pending.pop(), "more_body": False}
            return await receive()  # after the body: wait for the client to go away

        return replay

    def send(self, send: Send) -> Send:
        if not self.extra_headers:
            return send
        extra = self.extra_headers

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                headers: list[Any] = list(message.get("headers", []))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        return with_headers
