"""The OpenAPI document, completed from what each route really does.

FastAPI documents the success response and its own validation error. Everything else a client
can meet comes from the request guard and the dependencies, so it is added here from the same
facts the guard enforces (:func:`services.gateway.guard.route_rules`): the bearer scheme on every
route that needs a key, 401/429 and the ``RateLimit-*`` headers there, 403 where an admin or
operator key is needed, 404 under path parameters, 400/413/415 where a body is read, 422 where
anything is validated, 431 everywhere, 503 wherever the database is used — each in the one
error shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from services.gateway.deps import get_admin, get_operator, get_state
from services.gateway.guard import api_routes, route_rules, walk_dependencies
from services.gateway.settings import GatewaySettings

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable, for programs."},
                "message": {"type": "string", "description": "A sentence for a person."},
                "problems": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "location": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
            "additionalProperties": True,
        }
    },
}

DESCRIPTIONS = {
    400: "The body is not JSON, is empty, or nests too deeply; or a malformed header",
    401: "No API key, or an unknown or revoked one",
    403: "The key's role does not allow this",
    404: "No such resource for this tenant",
    409: "Conflicts with the resource's state",
    413: "The body is over this route's limit",
    415: "The Content-Type is not one this route takes",
    422: "The request is well-formed but not acceptable; `problems` says where",
    429: "Over the key's rate limit; retry after `Retry-After` seconds",
    431: "The request line and headers are over the limit",
    503: "The database is unavailable or the gateway is saturated; retry shortly",
}

_RATE_HEADERS: dict[str, Any] = {
    name: {"description": text, "schema": {"type": "integer" if kind == "int" else "string"}}
    for name, text, kind in (
        ("RateLimit-Limit", "Requests the key may make in a burst.", "int"),
        ("RateLimit-Remaining", "Requests the key may make right now.", "int"),
        ("RateLimit-Reset", "Seconds until the burst is fully available again.", "int"),
        ("RateLimit-Policy", "The policy: `<per minute>;w=60;burst=<burst>`.", "str"),
    )
}


def expected_errors(route: Any, settings: GatewaySettings) -> set[int]:
    """Every error status ``route`` can answer with."""
    rules = route_rules(route, settings)
    calls = {d.call for d in walk_dependencies(route.dependant)}
    statuses = {431}
    if rules.authenticated:
        statuses |= {401, 429}
    if calls & {get_admin, get_operator}:
        statuses.add(403)
    if route.dependant.path_params:
        statuses.add(404)
    if rules.media_types:
        statuses |= {400, 413, 415}
    if rules.media_types or rules.query_params or route.dependant.path_params:
        statuses.add(422)
    if get_state in calls:
        statuses.add(503)
    return statuses


def _error_response(status: int, existing: dict[str, Any] | None) -> dict[str, Any]:
    """The error response for ``status``: the route's own when it declares a body (readiness
    answers 503 with its checks), else the error shape."""
    existing = existing or {}
    description = existing.get("description") or DESCRIPTIONS[status]
    if description in ("Validation Error", "Successful Response"):
        description = DESCRIPTIONS[status]
    content = existing.get("content") or {}
    declared = content.get("application/json", {}).get("schema", {})
    if not declared or declared.get("$ref", "").endswith("/HTTPValidationError"):
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    response: dict[str, Any] = {"description": description, "content": content}
    if status == 429:
        response["headers"] = {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
        }
    return response


def _complete_operation(operation: dict[str, Any], route: Any, settings: GatewaySettings) -> None:
    rules = route_rules(route, settings)
    responses: dict[str, Any] = operation.setdefault("responses", {})
    documented = {int(s) for s in responses if s.isdigit() and int(s) >= 400}
    for code in sorted(expected_errors(route, settings) | documented):
        responses[str(code)] = _error_response(code, responses.get(str(code)))
    for status, response in responses.items():
        if status.startswith("2") and status != "204":
            for media in response.get("content", {}).values():
                media.setdefault("schema", {"type": "string", "format": "binary"})
    if rules.authenticated:
        operation["security"] = [{"bearerAuth": []}]
        for status, response in responses.items():
            if status != "401":
                response.setdefault("headers", {}).update(_RATE_HEADERS)
    if not rules.media_types:
        operation.pop("requestBody", None)


def build_openapi(app: FastAPI, settings: GatewaySettings) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for unused in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(unused, None)
    components["securitySchemes"] = {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (`cr_…`) from `clinrelay keys create --tenant NAME`.",
        }
    }
    for route in api_routes(app.routes):
        if route.include_in_schema:
            for method in route.methods or ():
                operation = schema["paths"][route.path_format].get(method.lower())
                if operation is not None:
                    _complete_operation(operation, route, settings)
    return schema


def install_openapi(app: FastAPI, settings: GatewaySettings) -> None:
    """Serve the completed document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
