"""The multiplexed socket: many channels on one connection, per-channel numbers, resume, refusals,
revocation and heartbeats."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
import websockets
from websockets.asyncio.client import ClientConnection

from shared.db.api_keys import revoke_key
from tests.integration.doubles import RecordingStage, new_report
from tests.integration.harness import Pipeline


async def recv(socket: ClientConnection, timeout: float = 10.0) -> dict[str, Any]:
    message: dict[str, Any] = orjson.loads(await asyncio.wait_for(socket.recv(), timeout))
    return message


async def recv_until(
    socket: ClientConnection, done: Any, timeout: float = 15.0
) -> list[dict[str, Any]]:
    """Messages (heartbeats left out) until ``done(messages)`` holds."""
    messages: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while not done(messages):
            message = await recv(socket, timeout)
            if message["type"] != "heartbeat":
                messages.append(message)
    return messages


async def drain(socket: ClientConnection, quiet: float = 0.5) -> list[dict[str, Any]]:
    """Whatever else arrives until the socket is quiet for ``quiet`` seconds."""
    extra: list[dict[str, Any]] = []
    with contextlib.suppress(TimeoutError):
        while True:
            extra.append(await recv(socket, quiet))
    return [m for m in extra if m["type"] != "heartbeat"]


def completes(n: int) -> Any:
    return lambda ms: sum(m.get("status") == "COMPLETE" and m["type"] == "event" for m in ms) >= n


async def subscribe(socket: ClientConnection, channel: str, since: int | None = None) -> None:
    command: dict[str, Any] = {"subscribe": channel}
    if since is not None:
        command["since"] = since
    await socket.send(orjson.dumps(command).decode())


async def test_one_socket_carries_a_report_and_the_tenant_feed_each_numbered(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_notifier()
    await pipeline.start_relay()
    key = await pipeline.api_key("acme")
    report_id = await new_report(pipeline, "acme")

    async with websockets.connect(f"{pipeline.notifier_url}/v1/ws?token={key}") as socket:
        await subscribe(socket, f"report:{report_id}")
        await subscribe(socket, "tenant")
        first = await recv_until(socket, lambda ms: len(ms) >= 3)
        await pipeline.start_stage(RecordingStage())
        later = await recv_until(socket, completes(2))

    acks = {m["channel"]: m for m in first if m["type"] == "subscribed"}
    assert set(acks) == {f"report:{report_id}", "tenant"}
    assert acks["tenant"]["seq"] == 1  # the accepted event was the tenant's first
    snapshot = next(m for m in first if m["type"] == "snapshot")
    assert (snapshot["channel"], snapshot["seq"], snapshot["status"]) == (
        f"report:{report_id}",
        1,
        "PENDING",
    )
    by_channel: dict[str, list[int]] = {}
    for message in later:
        by_channel.setdefault(message["channel"], []).append(message["seq"])
    assert by_channel == {f"report:{report_id}": [2, 3], "tenant": [2, 3]}


async def test_tenant_feed_resumes_from_postgresql_with_what_was_missed(pipeline: Pipeline) -> None:
    await pipeline.start_notifier()
    await pipeline.start_relay()
    await pipeline.start_stage(RecordingStage())
    key = await pipeline.api_key("acme")
    url = f"{pipeline.notifier_url}/v1/ws?token={key}"

    async with websockets.connect(url) as socket:
        await subscribe(socket, "tenant")
        await recv_until(socket, lambda ms: ms and ms[0]["type"] == "subscribed")
        first = await new_report(pipeline, "acme")
        seen = await recv_until(socket, completes(1))
    last_seen = seen[-1]["seq"]
    # While disconnected: two more reports run to the end.
    missed = [await new_report(pipeline, "acme") for _ in range(2)]
    for report_id in missed:
        await pipeline.wait_for_status(report_id)

    async with websockets.connect(url) as socket:
        await subscribe(socket, "tenant", since=last_seen)
        resumed = await recv_until(socket, completes(2))

    assert resumed[0] == {
        "type": "subscribed",
        "channel": "tenant",
        "seq": last_seen + 6,
        "recovered": True,
    }
    events = resumed[1:]
    assert [e["seq"] for e in events] == list(range(last_seen + 1, last_seen + 7))
    assert {e["report_id"] for e in events} == {str(r) for r in missed}
    assert str(first) not in {e["report_id"] for e in events}


async def test_a_gap_that_cannot_be_filled_gets_a_snapshot_marked_as_such(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_notifier()
    await pipeline.start_relay()
    await pipeline.start_stage(RecordingStage())
    key = await pipeline.api_key("acme")
    report_id = await new_report(pipeline, "acme")
    await pipeline.wait_for_status(report_id)
    pool = await pipeline.pool()
    await pool.execute("DELETE FROM channel_events WHERE seq <= 2")  # pruned by retention

    async with websockets.connect(f"{pipeline.notifier_url}/v1/ws?token={key}") as socket:
        await subscribe(socket, "tenant", since=1)
        messages = await recv_until(socket, lambda ms: len(ms) >= 2)

    assert messages[0] == {"type": "subscribed", "channel": "tenant", "seq": 3, "recovered": False}
    snapshot = messages[1]
    assert (snapshot["type"], snapshot["seq"], snapshot["recovered"]) == ("snapshot", 3, False)
    assert [(r["report_id"], r["status"]) for r in snapshot["reports"]] == [
        (str(report_id), "COMPLETE")
    ]


async def test_another_tenants_channel_is_refused_and_nothing_is_sent_for_it(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_notifier()
    await pipeline.start_relay()
    key = await pipeline.api_key("acme")
    theirs = await new_report(pipeline, "globex")

    async with websockets.connect(f"{pipeline.notifier_url}/v1/ws?token={key}") as socket:
        await subscribe(socket, f"report:{theirs}")
        refusal = await recv(socket)
        await subscribe(socket, "batch:not-a-uuid")
        invalid = await recv(socket)
        await socket.send("not json")
        garbage = await recv(socket)
        await pipeline.start_stage(RecordingStage())
        await pipeline.wait_for_status(theirs)
        leaked = await drain(socket)

    assert refusal == {
        "type": "error",
        "code": "not_found",
        "message": "No such channel.",
        "channel": f"report:{theirs}",
    }
    assert invalid["code"] == "invalid_channel"
    assert "not-a-uuid" not in invalid["message"]
    assert garbage["code"] == "invalid_command"
    assert leaked == []


async def test_unsubscribe_stops_a_channel(pipeline: Pipeline) -> None:
    await pipeline.start_notifier()
    await pipeline.start_relay()
    key = await pipeline.api_key("acme")
    report_id = await new_report(pipeline, "acme")

    async with websockets.connect(f"{pipeline.notifier_url}/v1/ws?token={key}") as socket:
        await subscribe(socket, f"report:{report_id}")
        await recv_until(socket, lambda ms: len(ms) >= 2)
        await socket.send(orjson.dumps({"unsubscribe": f"report:{report_id}"}).decode())
        assert await recv(socket) == {"type": "unsubscribed", "channel": f"report:{report_id}"}
        await pipeline.start_stage(RecordingStage())
        await pipeline.wait_for_status(report_id)
        assert await drain(socket) == []


async def test_a_revoked_keys_socket_closes(pipeline: Pipeline) -> None:
    await pipeline.start_notifier()  # PostgreSQL announces the revocation: no waiting for a TTL
    key = await pipeline.api_key("acme")

    async with websockets.connect(f"{pipeline.notifier_url}/v1/ws?token={key}") as socket:
        await subscribe(socket, "tenant")
        assert (await recv(socket))["type"] == "subscribed"
        async with (await pipeline.pool()).acquire() as conn:
            assert await revoke_key(conn, key[:8], "acme") == 1
        messages = await recv_until(socket, lambda ms: ms and ms[-1]["type"] == "error", 3)
        with contextlib.suppress(websockets.ConnectionClosed):
            await asyncio.wait_for(socket.recv(), 5)
        code = socket.close_code

    assert messages[-1]["message"] == "The API key was revoked."
    assert code == 4401


async def test_idle_sockets_get_heartbeats(pipeline: Pipeline) -> None:
    await pipeline.start_notifier(heartbeat_s=0.2)
    key = await pipeline.api_key("acme")
    async with websockets.connect(f"{pipeline.notifier_url}/v1/ws?token={key}") as socket:
        assert await recv(socket, 5) == {"type": "heartbeat"}
        await asyncio.sleep(1.0)  # the client library answers pings: the socket stays
        assert await recv(socket, 5) == {"type": "heartbeat"}


async def test_health_probes_answer_on_the_socket_port(pipeline: Pipeline) -> None:
    import httpx

    await pipeline.start_notifier()
    assert pipeline.notifier_url is not None
    http = pipeline.notifier_url.replace("ws://", "http://")
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{http}/healthz")).json() == {"status": "ok"}
        ready = await client.get(f"{http}/readyz")
        missing = await client.get(f"{http}/nope")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert missing.status_code == 404


async def test_a_batch_channel_and_the_tenant_feed_carry_batch_events(pipeline: Pipeline) -> None:
    from tests.integration.bundles import note_bundle

    await pipeline.start_notifier()
    await pipeline.start_gateway(outbox_relay=False)
    await pipeline.start_relay()
    key = await pipeline.api_key("acme")
    async with pipeline.client(key) as client:
        body = b"\n".join(orjson.dumps(note_bundle()) for _ in range(2))
        response = await client.post(
            "/v1/batches", content=body, headers={"Content-Type": "application/x-ndjson"}
        )
    batch_id = response.json()["id"]

    async with websockets.connect(f"{pipeline.notifier_url}/v1/ws?token={key}") as socket:
        await subscribe(socket, f"batch:{batch_id}")
        await subscribe(socket, "tenant", since=0)
        await pipeline.start_stage(RecordingStage())
        messages = await recv_until(
            socket,
            lambda ms: (
                any(
                    m["type"] == "batch" and m["channel"] == "tenant" and m["status"] == "COMPLETE"
                    for m in ms
                )
                and any(
                    m["type"] == "batch" and m["status"] == "COMPLETE"
                    for m in ms
                    if m.get("channel") == f"batch:{batch_id}"
                )
            ),
        )

    on_batch = [m for m in messages if m.get("channel") == f"batch:{batch_id}"]
    assert on_batch[0]["type"] == "subscribed"
    assert on_batch[1]["type"] == "snapshot"
    seqs = [m["seq"] for m in on_batch[2:]]
    assert seqs == sorted(set(seqs))
    assert on_batch[-1]["counts"] == {"pending": 0, "processing": 0, "complete": 2, "failed": 0}
    tenant = [m for m in messages if m.get("channel") == "tenant" and m["type"] != "subscribed"]
    assert [m["seq"] for m in tenant] == list(range(1, len(tenant) + 1))
    assert {m["type"] for m in tenant} == {"event", "batch"}
