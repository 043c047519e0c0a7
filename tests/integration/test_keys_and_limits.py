"""Keys and limits: roles minted only by the CLI, revocation at once, rate limits per key,
the request guard on every route, and memory held by requests bounded."""

from __future__ import annotations

import asyncio
import time

import httpx
import orjson
from fastapi import APIRouter
from pydantic import BaseModel

from services.gateway.app import create_app
from services.gateway.deps import PrincipalDep
from services.gateway.settings import GatewaySettings
from shared.db.api_keys import revoke_key
from shared.web_service import http_options
from tests.e2e.test_cli import clinrelay
from tests.integration.bundles import note_bundle
from tests.integration.harness import Pipeline, _Server


async def test_rate_limit_headers_on_every_authenticated_answer_and_429_past_the_rate(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_gateway(outbox_relay=False, rate_limit_per_minute=60, rate_limit_burst=3)
    key, other = await pipeline.api_key("acme"), await pipeline.api_key("acme")
    async with pipeline.client(key) as client:
        answers = [
            await client.get("/v1/reports"),
            await client.get("/v1/reports/00000000-0000-4000-8000-000000000000"),
            await client.get("/v1/reports", params={"limit": 0}),
            await client.get("/v1/reports"),
        ]
        anonymous = await client.get("/v1/reports", headers={"Authorization": "Bearer cr_x"})
    async with pipeline.client(other) as client:
        unaffected = await client.get("/v1/reports")

    assert [a.status_code for a in answers] == [200, 404, 422, 429]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a.headers["ratelimit-limit"] == "3" for a in answers)
    assert all(a.headers["ratelimit-policy"] == "60;w=60;burst=3" for a in answers)
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    assert "ratelimit-limit" not in anonymous.headers
    assert unaffected.status_code == 200


async def test_a_revoked_key_stops_working_at_once(pipeline: Pipeline) -> None:
    await pipeline.start_gateway(outbox_relay=False, auth_cache_s=300)
    key = await pipeline.api_key("acme")
    async with pipeline.client(key) as client:
        assert (await client.get("/v1/reports")).status_code == 200
        assert (await client.get("/v1/reports")).status_code == 200  # now from the cache
        async with (await pipeline.pool()).acquire() as conn:
            assert await revoke_key(conn, key[:8], "acme") == 1
        revoked_at = time.monotonic()
        async with asyncio.timeout(2):
            while (await client.get("/v1/reports")).status_code != 401:
                await asyncio.sleep(0.005)
        took = time.monotonic() - revoked_at

    assert took < 0.5  # announced by PostgreSQL, not waited out (the cache would keep it 300 s)


async def test_operator_keys_come_from_the_cli_only(pipeline: Pipeline) -> None:
    await pipeline.start_gateway(outbox_relay=False)
    code, operator, _ = await clinrelay(pipeline, "keys", "create", "--tenant", "ops", "--operator")
    both = await clinrelay(pipeline, "keys", "create", "--tenant", "x", "--admin", "--operator")
    roles = await (await pipeline.pool()).fetch("SELECT role FROM api_keys")
    async with pipeline.client(operator.strip()) as client:
        everyone = await client.get("/v1/admin/dead-letters")
        stats = await client.get("/v1/admin/dead-letters/stats")
        paths = list((await client.get("/openapi.json")).json()["paths"])

    assert code == 0
    assert [r["role"] for r in roles] == ["operator"]
    assert both[0] != 0
    assert "not both" in both[2]
    assert everyone.status_code == stats.status_code == 200
    assert not any("key" in path for path in paths)  # no route mints or lists keys


class Note(BaseModel):
    text: str


scratch_router = APIRouter()


@scratch_router.post("/v1/scratch")
async def scratch(note: Note, principal: PrincipalDep, flag: bool = False) -> dict[str, str]:
    """A route as another room might add it, with nothing special done for limits."""
    return {"tenant": principal.tenant_name, "text": note.text}


async def test_a_new_route_gets_the_limits_without_doing_anything(pipeline: Pipeline) -> None:
    """What a route added later (by another room) gets for free: auth, Content-Type, size,
    depth, unknown parameters, RateLimit headers."""
    settings = pipeline.settings(GatewaySettings, outbox_relay=False, max_body_bytes=4096)
    app = create_app(settings)
    app.include_router(scratch_router)
    server = _Server(app, **http_options(settings))
    port = await server.start()
    key = await pipeline.api_key("acme")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            auth = {"Authorization": f"Bearer {key}"}
            ok = await client.post("/v1/scratch", json={"text": "hi"}, headers=auth)
            anonymous = await client.post("/v1/scratch", json={"text": "hi"})
            wrong_type = await client.post(
                "/v1/scratch",
                content=b'{"text": "hi"}',
                headers={**auth, "Content-Type": "text/plain"},
            )
            too_big = await client.post("/v1/scratch", json={"text": "x" * 5000}, headers=auth)
            too_deep = await client.post(
                "/v1/scratch",
                content=b'{"text": "a", "x": ' + b"[" * 100 + b"]" * 100 + b"}",
                headers={**auth, "Content-Type": "application/json"},
            )
            unknown = await client.post("/v1/scratch?colour=red", json={"text": "hi"}, headers=auth)
    finally:
        await server.stop()

    assert ok.status_code == 200, ok.text
    assert "ratelimit-remaining" in ok.headers
    assert [r.status_code for r in (anonymous, wrong_type, too_big, too_deep, unknown)] == [
        401,
        415,
        413,
        400,
        422,
    ]
    for refused in (wrong_type, too_big, too_deep, unknown):
        assert "ratelimit-remaining" in refused.headers
        assert orjson.loads(refused.content)["error"]["code"]
    assert "red" not in unknown.text


async def test_note_bundle_still_accepted_through_the_guard(pipeline: Pipeline) -> None:
    await pipeline.start_gateway(outbox_relay=False)
    async with pipeline.client(await pipeline.api_key()) as client:
        charset = await client.post(
            "/v1/reports",
            content=orjson.dumps({"kind": "coding", "bundle": note_bundle()}),
            headers={"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": "k1"},
        )
    assert charset.status_code == 202, charset.text
