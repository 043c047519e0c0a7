"""``clinrelay dev``: what ``make run`` does after installing.

Applies migrations, starts the five services (as ``clinrelay up`` does), waits until the gateway
is ready, creates a development API key (saved in ``.clinrelay/dev-key`` for the CLI), prints the
URLs, submits the bundled sample encounter, follows it live and saves its PDF; then keeps the
services running until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from importlib import resources
from pathlib import Path

import click
import httpx

from clinrelay.cli.cer import openfda_for_development
from clinrelay.cli.errors import fail
from clinrelay.cli.ops import SERVICES, migrate_database
from clinrelay.cli.reports import DEV_KEY_FILE, wait_and_save
from clinrelay.client import ApiError, Client
from clinrelay.supervisor import Supervisor
from shared.auth import create_key
from shared.db.pool import connect
from shared.settings import Settings


async def _wait_ready(url: str, supervisor_task: asyncio.Task[None], timeout: float) -> None:
    last = "no answer yet"
    async with httpx.AsyncClient(timeout=2) as http:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            if supervisor_task.done():
                fail("the services stopped while starting")
            try:
                response = await http.get(f"{url}/readyz")
                if response.status_code == 200:
                    return
                last = ", ".join(
                    f"{k}: {v}" for k, v in response.json().get("checks", {}).items() if v != "ok"
                )
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    fail(f"the services were not ready within {timeout:g} s ({last})")


async def _dev_key(dsn: str) -> str:
    conn = await connect(dsn)
    try:
        return await create_key(conn, "dev", admin=True)
    finally:
        await conn.close()


def _save_key(key: str) -> None:
    DEV_KEY_FILE.parent.mkdir(exist_ok=True)
    DEV_KEY_FILE.touch(mode=0o600)
    DEV_KEY_FILE.write_text(key + "\n")


SAMPLE_NDC = "61958-0801"  # Letairis; its FAERS reports are in the bundled openFDA fixtures


async def _submit_samples(gateway_url: str, key: str, out: Path) -> None:
    """The bundled sample encounter (a coding report) and a sample CER, each followed to its PDF."""
    sample = resources.files("clinrelay.samples").joinpath("coding-encounter-bundle.json")
    async with Client(gateway_url, key) as client:
        submissions = [
            ("coding", await client.submit_bundle(sample.read_bytes())),
            ("drug-safety (CER)", await client.submit({"kind": "cer", "ndc": SAMPLE_NDC})),
        ]
        for label, accepted in submissions:
            click.echo(f"  sample {label} report {accepted['id']}", err=True)
            saved = await wait_and_save(client, accepted, out, timeout=120)
            if saved is not None:
                click.echo(f"  sample {label} PDF: {saved}")
    click.echo("")


async def _run(out: Path, demo: bool) -> None:

    settings = Settings()
    await migrate_database(settings.database_url)
    commands = [[sys.executable, "-m", "clinrelay", "serve", s] for s in SERVICES]
    fixture = openfda_for_development()
    if fixture is not None:
        commands.append(fixture)
        click.echo("  openFDA unreachable: CER reports use the bundled fixture server", err=True)
    supervisor = Supervisor(commands)
    supervisor_task = asyncio.create_task(supervisor.run())
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await _wait_ready(settings.gateway_url, supervisor_task, timeout=120)
        key = await _dev_key(settings.database_url)
        _save_key(key)
        click.echo(
            f"\n  clinrelay is running\n"
            f"    dashboard  {settings.gateway_url}/   (sign in with the key below)\n"
            f"    gateway    {settings.gateway_url}   (API docs: {settings.gateway_url}/docs)\n"
            f"    websocket  {settings.notifier_url}/v1/ws?token=<key>\n"
            f"    API key    {key}   (admin; saved in {DEV_KEY_FILE})\n"
        )
        if demo:
            await _submit_samples(settings.gateway_url, key, out)

        click.echo("  Ctrl-C stops all services.\n")
        await stop.wait()
    except ApiError as exc:
        fail(f"sample submission refused: {exc.message}")
    finally:
        supervisor.stop()
        with contextlib.suppress(Exception):
            await supervisor_task


@click.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("out"), show_default=True)
@click.option("--no-demo", is_flag=True, help="Start the services without submitting the sample.")
def dev(out: Path, no_demo: bool) -> None:
    """Start everything for development and produce the sample PDF."""
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("CLINRELAY_LOG_FORMAT", "console")
    asyncio.run(_run(out, demo=not no_demo))
