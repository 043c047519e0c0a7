"""A small client of the clinrelay API, used by the CLI: submit, follow live, download.

Following a report uses the notifier's WebSocket (resuming from the last event id after a dropped
connection) and falls back to polling the gateway when the notifier cannot be reached.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets

FINAL = ("COMPLETE", "FAILED")


class ApiError(Exception):
    """The API refused a request; ``message`` is the API's own sentence."""

    def __init__(self, status: int, message: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body or {}


@dataclass(frozen=True)
class Update:
    status: str
    progress_percent: int
    current_step: str
    message: str | None = None


class Client:
    def __init__(self, base_url: str, api_key: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = api_key
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
        )

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._http.aclose()

    async def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.is_error:
            error = body.get("error", {}) if isinstance(body, dict) else {}
            message = error.get("message") or f"HTTP {response.status_code}"
            problems = error.get("problems") or []
            if problems:
                message += "".join(
                    f"\n  - {p.get('location', '?')}: {p.get('message', '')}" for p in problems[:10]
                )
            raise ApiError(response.status_code, message, body if isinstance(body, dict) else None)
        return body if isinstance(body, dict) else {}

    async def submit_bundle(
        self, bundle: bytes, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        headers = {"Content-Type": "application/fhir+json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return await self._json(
            await self._http.post("/v1/reports", content=bundle, headers=headers)
        )

    async def submit(
        self, request: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return await self._json(
            await self._http.post("/v1/reports", content=orjson.dumps(request), headers=headers)
        )

    async def submit_batch(
        self, ndjson: bytes, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """POST /v1/batches with one request (a Bundle or ``{"kind": ...}``) per line."""
        headers = {"Content-Type": "application/x-ndjson"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return await self._json(
            await self._http.post("/v1/batches", content=ndjson, headers=headers)
        )

    async def batch(self, batch_id: str) -> dict[str, Any]:
        return await self._json(await self._http.get(f"/v1/batches/{batch_id}"))

    async def follow_batch(
        self,
        batch_id: str,
        on_update: Callable[[dict[str, Any]], None],
        *,
        timeout: float,
        every_s: float = 1.0,
    ) -> dict[str, Any]:
        """Report the batch's state until every report ended; returns the final state."""
        async with asyncio.timeout(timeout):
            while True:
                batch = await self.batch(batch_id)
                on_update(batch)
                if batch["status"] == "COMPLETE":
                    return batch
                await asyncio.sleep(every_s)

    async def report(self, report_id: str) -> dict[str, Any]:
        return await self._json(await self._http.get(f"/v1/reports/{report_id}"))

    async def system_status(self) -> dict[str, Any]:
        """``GET /v1/admin/status`` (an operator key)."""
        return await self._json(await self._http.get("/v1/admin/status"))

    async def download_pdf(self, report_id: str, destination: Path) -> Path:
        response = await self._http.get(f"/v1/reports/{report_id}/pdf")
        if response.is_error:
            await self._json(response)
        await asyncio.to_thread(_write, destination, response.content)
        return destination

    async def follow(
        self, accepted: dict[str, Any], on_update: Callable[[Update], None], *, timeout: float
    ) -> dict[str, Any]:
        """Report progress until the report is final; returns the final report."""
        report_id = str(accepted["id"])
        ws_url = accepted.get("links", {}).get("ws")
        async with asyncio.timeout(timeout):
            if ws_url:
                with contextlib.suppress(OSError, websockets.WebSocketException):
                    await self._follow_socket(ws_url, on_update)
            return await self._poll(report_id, on_update)

    async def _follow_socket(self, ws_url: str, on_update: Callable[[Update], None]) -> None:
        last_event_id: int | None = None
        for _attempt in range(5):
            url = f"{ws_url}?token={self._key}"
            if last_event_id is not None:
                url += f"&last_event_id={last_event_id}"
            try:
                async with websockets.connect(url, open_timeout=5) as socket:
                    async for raw in socket:
                        message = orjson.loads(raw)
                        if message.get("type") == "error":
                            raise ApiError(401, message.get("message", "refused"))
                        last_event_id = message.get("event_id", last_event_id)
                        on_update(_update(message))
                        if message.get("status") in FINAL:
                            return
            except websockets.ConnectionClosedError:
                await asyncio.sleep(0.5)  # dropped: resume from last_event_id
            else:
                return

    async def _poll(self, report_id: str, on_update: Callable[[Update], None]) -> dict[str, Any]:
        while True:
            report = await self.report(report_id)
            on_update(_update(report))
            if report["status"] in FINAL:
                return report
            await asyncio.sleep(0.5)


def _write(destination: Path, content: bytes) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(content)


def _update(message: dict[str, Any]) -> Update:
    return Update(
        status=str(message.get("status", "?")),
        progress_percent=int(message.get("progress_percent", 0)),
        current_step=str(message.get("current_step", "")),
        message=message.get("message"),
    )
