"""HTTP requests are counted by route template, never by the path a client sent."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from prometheus_client import generate_latest

from shared.http_middleware import WatchedHttp
from shared.metrics.http import RequestMetrics
from tests.metrics_text import samples, value


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    app.add_middleware(WatchedHttp, watches=[RequestMetrics("unit-test")])
    return app


async def test_a_path_with_an_id_is_counted_under_its_template() -> None:
    before = generate_latest().decode()
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for item_id in ("4f1c0a", "patient-jane-doe", "x" * 40):
            assert (await client.get(f"/items/{item_id}")).status_code == 200
        assert (await client.get("/no/such/path/123")).status_code == 404
    after = generate_latest().decode()

    def grew(**labels: str) -> float:
        return value(after, "clinrelay_http_requests_total", service="unit-test", **labels) - value(
            before, "clinrelay_http_requests_total", service="unit-test", **labels
        )

    assert grew(route="/items/{item_id}", method="GET", status="200") == 3
    assert grew(route="unmatched", method="GET", status="404") == 1
    assert (
        value(after, "clinrelay_http_request_duration_seconds_count", route="/items/{item_id}") >= 3
    )
    labels = {v for (_, ls) in samples(after) for _, v in ls}
    assert not any("jane" in v or "x" * 40 in v or "/no/such" in v for v in labels)
