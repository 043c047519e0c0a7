"""Signed webhooks and email when a report ends: a local receiver that fails twice, signature
verification, the deliveries log, private addresses refused, and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import orjson
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared.outbound.signing import SIGNATURE_HEADER, verify
from tests.integration.doubles import RecordingStage
from tests.integration.harness import Pipeline, _Server

PHI = ("Vandermeer", "884213", "617-555-0142")  # in the test Bundle; never in a webhook or email


class Receiver:
    """Answers 500 to its first ``failures`` requests, then 200; keeps what it got."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        self.requests.append((dict(request.headers), await request.body()))
        return Response(status_code=500 if len(self.requests) <= self.failures else 200)


async def submit(pipeline: Pipeline, key: str) -> str:
    from tests.integration.bundles import note_bundle

    async with pipeline.client(key) as client:
        response = await client.post(
            "/v1/reports",
            content=orjson.dumps(note_bundle()),
            headers={"Content-Type": "application/fhir+json"},
        )
    assert response.status_code == 202, response.text
    report_id: str = response.json()["id"]
    return report_id


async def test_a_webhook_is_signed_retried_through_the_delay_tiers_and_logged(
    pipeline: Pipeline,
) -> None:
    receiver = Receiver(failures=2)
    server = _Server(receiver.app)
    port = await server.start()
    try:
        await pipeline.start_notifier(webhooks_allow_private=True)
        await pipeline.start_gateway(webhooks_allow_private=True)
        await pipeline.start_stage(RecordingStage())
        key = await pipeline.api_key("acme")
        async with pipeline.client(key) as client:
            created = await client.post(
                "/v1/webhooks",
                json={"url": f"http://127.0.0.1:{port}/hook", "events": ["report.completed"]},
            )
            assert created.status_code == 201, created.text
            hook = created.json()
            report_id = await submit(pipeline, key)
            async with asyncio.timeout(30):
                while len(receiver.requests) < 3:
                    await asyncio.sleep(0.1)
            await asyncio.sleep(0.3)
            deliveries = (await client.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()
            listed = (await client.get("/v1/webhooks")).json()
    finally:
        await server.stop()

    assert hook["secret"].startswith("whsec_")
    assert "secret" not in listed["items"][0]
    assert len(receiver.requests) == 3
    for headers, body in receiver.requests:
        assert verify(hook["secret"], body, headers[SIGNATURE_HEADER.lower()])
        assert not verify("whsec_wrong", body, headers[SIGNATURE_HEADER.lower()])
        assert not any(p.encode() in body for p in PHI)
    payload = orjson.loads(receiver.requests[-1][1])
    assert payload["type"] == "report.completed"
    assert payload["data"]["report_id"] == report_id
    assert len({h["clinrelay-delivery"] for h, _ in receiver.requests}) == 1
    [delivery] = deliveries["items"]
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 3)
    assert [a.get("status_code") for a in delivery["history"]] == [500, 500, 200]


async def test_private_and_loopback_addresses_are_refused_unless_allowed(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_gateway()
    async with pipeline.client(await pipeline.api_key("acme")) as client:
        answers = [
            await client.post("/v1/webhooks", json={"url": url})
            for url in (
                "http://127.0.0.1:9/hook",
                "http://10.1.2.3/hook",
                "http://[::1]/hook",
                "http://169.254.169.254/latest",
                "ftp://example.org/x",
            )
        ]
        bad_email = await client.post("/v1/notifications/email", json={"address": "nope"})
    assert [a.status_code for a in answers] == [422] * 5
    assert {a.json()["error"]["code"] for a in answers} == {"url_not_allowed"}
    assert "10.1.2.3" not in answers[1].text
    assert bad_email.status_code == 422


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


async def test_email_goes_to_the_tenants_recipients_without_phi(pipeline: Pipeline) -> None:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        await pipeline.start_notifier(smtp_host="127.0.0.1", smtp_port=smtp_port)
        await pipeline.start_gateway()
        await pipeline.start_stage(RecordingStage(["permanent"]))
        key = await pipeline.api_key("acme")
        async with pipeline.client(key) as client:
            added = await client.post(
                "/v1/notifications/email", json={"address": "safety@example.org"}
            )
            assert added.status_code == 201
            listed = (await client.get("/v1/notifications/email")).json()
            report_id = await submit(pipeline, key)
        async with asyncio.timeout(30):
            while not inbox.messages:
                await asyncio.sleep(0.1)
    finally:
        controller.stop()

    assert [r["address"] for r in listed["items"]] == ["safety@example.org"]
    [envelope] = inbox.messages
    text = envelope.content.decode()
    assert envelope.rcpt_tos == ["safety@example.org"]
    assert f"coding report {report_id} failed" in text
    assert "The Bundle has no clinical note to code." in text
    assert not any(p in text for p in PHI)


class AlertingStage(RecordingStage):
    """Completes the report with a trend alert beside its step, as a scheduled refresh does."""

    async def handle(self, event: Any, ctx: Any) -> Any:
        from dataclasses import replace

        from shared.events.alerts import TrendAlertNotice
        from shared.events.openfda import TrendAlert
        from shared.stage import StageAlert

        notice = TrendAlertNotice(
            kind="device",
            subject="product_code:FRN",
            subject_label="product code FRN",
            alerts=(
                TrendAlert(
                    term="Occlusion", month="2024-09", reports=15, expected=3.6, upper_tail=1e-9
                ),
            ),
            total_new=1,
        )
        outcome = await super().handle(event, ctx)
        alert = StageAlert("Trend alert for product code FRN", notice.model_dump(mode="json"))
        return replace(outcome, alerts=(alert,))


async def test_a_trend_alert_reaches_a_webhook_that_asked_for_alerts_only(
    pipeline: Pipeline,
) -> None:
    receiver = Receiver(failures=0)
    server = _Server(receiver.app)
    port = await server.start()
    try:
        await pipeline.start_notifier(webhooks_allow_private=True)
        await pipeline.start_gateway(webhooks_allow_private=True)
        await pipeline.start_stage(AlertingStage())
        key = await pipeline.api_key("acme")
        async with pipeline.client(key) as client:
            created = await client.post(
                "/v1/webhooks",
                json={"url": f"http://127.0.0.1:{port}/hook", "events": ["report.alert"]},
            )
            assert created.status_code == 201, created.text
            report_id = await submit(pipeline, key)
            await pipeline.wait_for_status(report_id)
            async with asyncio.timeout(30):
                while not receiver.requests:
                    await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)  # the completion must not follow
    finally:
        await server.stop()

    [(headers, body)] = receiver.requests
    assert verify(created.json()["secret"], body, headers[SIGNATURE_HEADER.lower()])
    payload = orjson.loads(body)
    assert payload["type"] == "report.alert"
    data = payload["data"]
    assert (data["report_id"], data["subject_label"], data["total_new"]) == (
        report_id,
        "product code FRN",
        1,
    )
    assert data["alerts"] == [
        {"term": "Occlusion", "month": "2024-09", "reports": 15, "expected": 3.6}
    ]
