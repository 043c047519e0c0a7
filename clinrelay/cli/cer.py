"""``clinrelay cer NDC`` (a drug-safety report) and ``clinrelay openfda-fixture``."""

from __future__ import annotations

import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from clinrelay.cli.errors import fail
from clinrelay.cli.reports import resolve, submission_options, submit_and_follow
from clinrelay.client import Client
from services.ingestor.openfda.ndc import InvalidNdc, parse_ndc
from shared.events.cer import SIGNAL_PRESET_CRITERIA, SignalPreset

_PRESETS = "; ".join(f"{p.value}: {c}" for p, c in SIGNAL_PRESET_CRITERIA.items())


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@click.command()
@click.argument("ndc")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First FDA receive date.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last FDA receive date.")
@click.option(
    "--preset",
    type=click.Choice([p.value for p in SignalPreset]),
    default=SignalPreset.EVANS.value,
    show_default=True,
    help=f"Signal criteria ({_PRESETS}).",
)
@submission_options(timeout_s=600.0)
def cer(
    ndc: str,
    since: datetime | None,
    until: datetime | None,
    preset: str,
    wait: bool,
    out: Path | None,
    idempotency_key: str | None,
    timeout: float,
    url: str | None,
    key: str | None,
) -> None:
    """Request a drug-safety report (FAERS) for an NDC; prints its id (or, with --wait, the PDF).

    NDC forms: 4-4-2, 5-3-2, 5-4-1, 11-digit 5-4-2, or a labeler-product code such as 0777-3105.
    """
    try:
        parse_ndc(ndc)  # refuse a bad NDC before bothering the gateway
    except InvalidNdc as exc:
        fail(str(exc))
    body: dict[str, str] = {"kind": "cer", "ndc": ndc, "signal_preset": preset}
    for name, value in (("since", _day(since)), ("until", _day(until))):
        if value is not None:
            body[name] = value.isoformat()
    base, api_key = resolve(url, key)

    async def send(client: Client) -> dict[str, Any]:
        return await client.submit(body, idempotency_key)

    submit_and_follow(base, api_key, send, wait=wait, out=out, timeout=timeout)


@click.command("openfda-fixture")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option(
    "--last-updated",
    type=click.DateTime(["%Y-%m-%d"]),
    help="meta.last_updated to report (a new date simulates a new FAERS release).",
)
def openfda_fixture(host: str, port: int, last_updated: datetime | None) -> None:
    """Serve openFDA's drug/event API from bundled real responses (for machines without internet).

    Point clinrelay at it with CLINRELAY_OPENFDA_URL=http://HOST:PORT.
    """
    import uvicorn  # noqa: PLC0415 - only this command serves HTTP

    from services.ingestor.openfda.fixture_server import (  # noqa: PLC0415
        FixtureState,
        create_fixture_app,
    )

    state = FixtureState()
    if last_updated:
        state.last_updated = last_updated.date()
    click.echo(
        f"openFDA fixture with {len(state.reports)} real FAERS reports on http://{host}:{port} "
        f"(last_updated {state.last_updated})",
        err=True,
    )
    uvicorn.run(create_fixture_app(state), host=host, port=port, log_level="warning")


FIXTURE_PORT = 8765


def openfda_for_development(timeout_s: float = 3.0) -> list[str] | None:
    """For ``clinrelay dev`` (``make run``): when ``CLINRELAY_OPENFDA_URL`` is unset and the public
    openFDA cannot be reached, point the services about to start at the fixture server and return
    the command that runs it; otherwise None (the configured or public openFDA is used)."""
    import httpx  # noqa: PLC0415

    from services.ingestor.openfda.settings import OPENFDA_PUBLIC_URL  # noqa: PLC0415

    if os.environ.get("CLINRELAY_OPENFDA_URL"):
        return None
    try:
        httpx.get(f"{OPENFDA_PUBLIC_URL}/drug/event.json?limit=1", timeout=timeout_s)
    except httpx.HTTPError:
        os.environ["CLINRELAY_OPENFDA_URL"] = f"http://127.0.0.1:{FIXTURE_PORT}"
        return [sys.executable, "-m", "clinrelay", "openfda-fixture", "--port", str(FIXTURE_PORT)]
    return None
