"""``clinrelay cer`` (a drug safety report), ``clinrelay device`` (a device safety report) and
``clinrelay openfda-fixture``."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from typing import Any

import click

from clinrelay.cli.errors import fail
from clinrelay.cli.reports import resolve, submission_options, submit_and_follow
from clinrelay.client import Client
from shared.events.cer import SIGNAL_PRESET_CRITERIA, SignalPreset
from shared.intake.ndc import InvalidNdc, parse_ndc

_PRESETS = "; ".join(f"{p.value}: {c}" for p, c in SIGNAL_PRESET_CRITERIA.items())


def _window(body: dict[str, Any], **dates: datetime | None) -> None:
    for name, value in dates.items():
        if value is not None:
            body[name] = value.date().isoformat()


def _send(body: dict[str, Any], options: dict[str, Any]) -> None:
    base, api_key = resolve(options["url"], options["key"])

    async def send(client: Client) -> dict[str, Any]:
        return await client.submit(body, options["idempotency_key"])

    submit_and_follow(
        base,
        api_key,
        send,
        wait=options["wait"],
        out=options["out"],
        timeout=options["timeout"],
    )


_DATE = click.DateTime(["%Y-%m-%d"])


@click.command()
@click.argument("ndc", required=False)
@click.option("--ingredient", help="Search by active ingredient (every product and labeler).")
@click.option("--brand", help="Search by brand name, across labelers.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(["suspect", "interacting", "concomitant"]),
    help="Product roles that count (repeatable; default: suspect).",
)
@click.option("--since", type=_DATE, help="First FDA receive date.")
@click.option("--until", type=_DATE, help="Last FDA receive date.")
@click.option("--data-lock-point", type=_DATE, help="Data-lock point (cumulative figures end).")
@click.option("--interval-start", type=_DATE, help="Start of the reporting interval.")
@click.option(
    "--preset",
    type=click.Choice([p.value for p in SignalPreset]),
    default=SignalPreset.EVANS.value,
    show_default=True,
    help=f"Signal criteria ({_PRESETS}).",
)
@submission_options(timeout_s=600.0)
def cer(
    ndc: str | None,
    ingredient: str | None,
    brand: str | None,
    roles: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    data_lock_point: datetime | None,
    interval_start: datetime | None,
    preset: str,
    **options: Any,
) -> None:
    """Request a drug safety report (FAERS) for an NDC, an ingredient or a brand; prints its id
    (or, with --wait, the PDF).

    NDC forms: 4-4-2, 5-3-2, 5-4-1, 11-digit 5-4-2, or a labeler-product code such as 0777-3105.
    """
    scopes = {"ndc": ndc, "ingredient": ingredient, "brand": brand}
    given = {name: value for name, value in scopes.items() if value}
    if len(given) != 1:
        fail("give exactly one of NDC, --ingredient or --brand")
    if ndc:
        try:
            parse_ndc(ndc)  # refuse a bad NDC before bothering the gateway
        except InvalidNdc as exc:
            fail(str(exc))
    body: dict[str, Any] = {"kind": "cer", **given, "signal_preset": preset}
    if roles:
        body["roles"] = list(dict.fromkeys(roles))
    _window(
        body,
        since=since,
        until=until,
        data_lock_point=data_lock_point,
        interval_start=interval_start,
    )
    _send(body, options)


@click.command()
@click.option("--product-code", help="FDA's three-letter product code, e.g. FRN.")
@click.option("--brand-name", help="A brand name, matched as a phrase.")
@click.option("--manufacturer", help="A manufacturer name, matched as a phrase.")
@click.option("--since", type=_DATE, help="First date received.")
@click.option("--until", type=_DATE, help="Last date received.")
@click.option("--data-lock-point", type=_DATE, help="Data-lock point (cumulative figures end).")
@click.option("--interval-start", type=_DATE, help="Start of the reporting interval.")
@submission_options(timeout_s=600.0)
def device(
    product_code: str | None,
    brand_name: str | None,
    manufacturer: str | None,
    since: datetime | None,
    until: datetime | None,
    data_lock_point: datetime | None,
    interval_start: datetime | None,
    **options: Any,
) -> None:
    """Request a device safety report (MAUDE) by product code, brand name or manufacturer;
    prints its id (or, with --wait, the PDF)."""
    scopes = {"product_code": product_code, "brand_name": brand_name, "manufacturer": manufacturer}
    given = {name: value for name, value in scopes.items() if value}
    if len(given) != 1:
        fail("give exactly one of --product-code, --brand-name or --manufacturer")
    body: dict[str, Any] = {"kind": "device", **given}
    _window(
        body,
        since=since,
        until=until,
        data_lock_point=data_lock_point,
        interval_start=interval_start,
    )
    _send(body, options)


@click.command("openfda-fixture")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option(
    "--last-updated",
    type=click.DateTime(["%Y-%m-%d"]),
    help="meta.last_updated to report (a new date simulates a new FAERS release).",
)
def openfda_fixture(host: str, port: int, last_updated: datetime | None) -> None:
    """Serve openFDA's drug/event and device/event APIs from bundled responses (for machines
    without internet).

    Point clinrelay at it with CLINRELAY_OPENFDA_URL=http://HOST:PORT.
    """
    import uvicorn  # noqa: PLC0415 - only this command serves HTTP

    from clinrelay.openfda_fixture.server import (  # noqa: PLC0415
        FixtureState,
        create_fixture_app,
    )

    state = FixtureState()
    if last_updated:
        state.last_updated = last_updated.date()
    click.echo(
        f"openFDA fixture with {len(state.reports)} real FAERS reports and "
        f"{len(state.device_reports)} MAUDE records on http://{host}:{port} "
        f"(last_updated {state.last_updated}, device {state.device_last_updated})",
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
