"""The OpenAPI document against the routes the gateway really serves: every operation, its
parameters, body, security and every error status it can answer with."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from services.gateway.app import create_app
from services.gateway.guard import api_routes, route_rules
from services.gateway.openapi import expected_errors
from services.gateway.settings import GatewaySettings

SETTINGS = GatewaySettings()


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(SETTINGS)


@pytest.fixture(scope="module")
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method.upper()): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_every_served_route_is_documented_and_nothing_else(
    app: FastAPI, document: dict[str, Any]
) -> None:
    served = {
        (route.path_format, method)
        for route in api_routes(app.routes)
        if route.include_in_schema
        for method in route.methods
    }
    assert set(operations(document)) == served


def test_each_operation_matches_its_route(app: FastAPI, document: dict[str, Any]) -> None:
    documented = operations(document)
    for route in api_routes(app.routes):
        rules = route_rules(route, SETTINGS)
        for method in route.methods:
            where = f"{method} {route.path_format}"
            operation = documented[(route.path_format, method)]
            params = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
            declared = {("query", name) for name in rules.query_params} | {
                ("path", p.alias) for p in route.dependant.path_params
            }
            assert {p for p in params if p[0] in ("query", "path")} == declared, where
            body = operation.get("requestBody", {}).get("content", {})
            assert set(body) == set(rules.media_types), where
            assert ("security" in operation) == rules.authenticated, where
            responses = operation["responses"]
            statuses = {int(s) for s in responses if s.isdigit()}
            missing = expected_errors(route, SETTINGS) - statuses
            assert not missing, f"{where} does not document {sorted(missing)}"
            for status, response in responses.items():
                if status == "204":
                    continue
                assert response.get("description"), f"{where} {status}"
                content = response.get("content")
                assert content, f"{where} {status} has no body"
                for media in content.values():
                    assert media.get("schema"), f"{where} {status} has no schema"
                if int(status) in (400, 401, 403, 404, 413, 415, 422, 429, 431):  # the guard's
                    ref = content["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/Error", f"{where} {status}"
                if rules.authenticated and status != "401":
                    assert "RateLimit-Remaining" in response.get("headers", {}), where


def test_bearer_scheme_and_the_errors_clients_meet_most(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    documented = operations(document)
    post_report = set(documented[("/v1/reports", "POST")]["responses"])
    assert {"202", "400", "401", "409", "413", "415", "422", "429", "431", "503"} <= post_report
    get_report = set(documented[("/v1/reports/{report_id}", "GET")]["responses"])
    assert {"200", "401", "404", "422", "429"} <= get_report
    assert "403" in documented[("/v1/admin/dead-letters", "GET")]["responses"]
    assert "403" not in documented[("/v1/reports", "GET")]["responses"]
    assert "security" not in documented[("/healthz", "GET")]
    assert (
        "429" in documented[("/v1/admin/dead-letters/{dead_letter_id}/replay", "POST")]["responses"]
    )


def test_page_limits_say_what_the_routes_enforce(document: dict[str, Any]) -> None:
    for path in ("/v1/reports", "/v1/batches", "/v1/admin/dead-letters"):
        [limit] = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "limit"]
        assert limit["schema"]["maximum"] == 100, path
