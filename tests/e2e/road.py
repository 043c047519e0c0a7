"""The whole road with the real stages, as their services build them, for end-to-end tests."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets

from services.analyzer.main import analyzer_stage
from services.analyzer.settings import AnalyzerSettings
from services.ingestor.main import ingestor_stage
from services.ingestor.settings import IngestorSettings
from services.renderer.main import renderer_stage
from services.renderer.settings import RendererSettings
from tests.integration.harness import Pipeline

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


async def start_road(pipe: Pipeline, *, openfda: bool = False) -> None:
    """Gateway, notifier and the three real stages (with their own process pools)."""
    extra: dict[str, Any] = {"scheduler_enabled": False}
    if openfda:
        extra["openfda_url"] = await pipe.start_openfda_fixture()
    await pipe.start_notifier()
    await pipe.start_gateway()
    await pipe.start_service_stage(ingestor_stage, IngestorSettings, **extra)
    await pipe.start_service_stage(analyzer_stage, AnalyzerSettings, analyzer_workers=1)
    await pipe.start_service_stage(
        renderer_stage, RendererSettings, render_workers=1, render_timeout_s=120
    )


async def follow(ws_url: str, key: str, timeout: float = 180) -> list[dict[str, Any]]:
    """Every WebSocket message about a report until the server closes after the final one."""
    messages: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout), websockets.connect(f"{ws_url}?token={key}") as socket:
        try:
            async for raw in socket:
                messages.append(orjson.loads(raw))
        except websockets.ConnectionClosed:
            pass
    return messages


def pdf_text(pdf: bytes, tmp: Path) -> str:
    path = tmp / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


async def fetch(client: httpx.AsyncClient, path: str) -> httpx.Response:
    response = await client.get(path)
    response.raise_for_status()
    return response
