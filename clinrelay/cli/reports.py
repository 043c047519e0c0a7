"""``clinrelay submit`` and ``clinrelay status``: the API from a terminal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click
import httpx
import orjson
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from clinrelay.cli.errors import fail
from clinrelay.cli.system_status import system_status_notes, system_status_table
from clinrelay.client import ApiError, Client, Update
from shared.settings import Settings

DEV_KEY_FILE = Path(".clinrelay/dev-key")
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


url_option = click.option(
    "--url", envvar="CLINRELAY_URL", default=None, help="Gateway URL [env CLINRELAY_URL]."
)
key_option = click.option(
    "--key",
    envvar="CLINRELAY_API_KEY",
    default=None,
    help="API key [env CLINRELAY_API_KEY; else the key `make run` saved in .clinrelay/dev-key].",
)


def resolve(url: str | None, key: str | None) -> tuple[str, str]:
    base = url or Settings().gateway_url
    if key is None and DEV_KEY_FILE.exists():
        key = DEV_KEY_FILE.read_text().strip()
    if not key:
        fail("no API key: pass --key, set CLINRELAY_API_KEY, or run `make run` once")
    return base, key


def run_api(action: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run an API call, turning every expected failure into one line on stderr."""
    try:
        return asyncio.run(action())
    except ApiError as exc:
        fail(exc.message)
    except httpx.ConnectError:
        fail("cannot reach the gateway; is it running? (`clinrelay up` or `make run`)")
    except httpx.HTTPError as exc:
        fail(f"request failed: {type(exc).__name__}")
    except TimeoutError:
        fail("gave up waiting for the report (see `clinrelay status ID`)")


async def wait_and_save(
    client: Client, accepted: dict[str, Any], out: Path | None, timeout: float
) -> Path | None:
    """Follow the report with a progress bar; save the PDF when COMPLETE. None when FAILED."""
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.fields[status]:<10}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%  {task.fields[step]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("report", total=100, status="PENDING", step="accepted")

        def on_update(update: Update) -> None:
            progress.update(
                task,
                completed=update.progress_percent,
                status=update.status,
                step=update.current_step,
            )

        report = await client.follow(accepted, on_update, timeout=timeout)
    if report["status"] == "FAILED":
        error = (report.get("error") or {}).get("message", "no reason recorded")
        console.print(f"[red]FAILED[/red]: {error}")
        return None
    destination = out or Path(f"clinrelay-{report['kind']}-{report['id']}.pdf")
    if destination.is_dir():
        destination = destination / f"clinrelay-{report['kind']}-{report['id']}.pdf"
    return await client.download_pdf(str(report["id"]), destination)


def submission_options(timeout_s: float) -> Callable[[F], F]:
    """The options every submitting command shares: --wait, --out, --idempotency-key, --timeout,
    --url and --key."""

    def decorate(command: F) -> F:
        for option in reversed(
            (
                click.option("--wait", is_flag=True, help="Follow progress live and save the PDF."),
                click.option(
                    "--out", type=click.Path(path_type=Path), help="Where to save the PDF."
                ),
                click.option(
                    "--idempotency-key",
                    help="Submitting again with the same key returns the same report.",
                ),
                click.option(
                    "--timeout",
                    default=timeout_s,
                    show_default=True,
                    help="Seconds to wait with --wait.",
                ),
                url_option,
                key_option,
            )
        ):
            command = option(command)
        return command

    return decorate


@click.command()
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@submission_options(timeout_s=300.0)
def submit(
    file: Path,
    wait: bool,
    out: Path | None,
    idempotency_key: str | None,
    timeout: float,
    url: str | None,
    key: str | None,
) -> None:
    """Submit a FHIR Bundle for a coding report; prints the report id (or, with --wait, the PDF).

    FILE may be a folder: its *.json files (and the lines of its *.ndjson files) go as one batch,
    followed with one progress bar; with --wait the PDFs are saved in --out (a folder) and its
    path is printed.
    """
    base, api_key = resolve(url, key)
    if file.is_dir():
        submit_batch_folder(base, api_key, file, wait, out, idempotency_key, timeout)
        return
    body = file.read_bytes()
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        fail(f"{file} is not JSON (at character {exc.pos})")
    if not isinstance(document, dict):
        fail(f"{file} is not a JSON object")

    async def send(client: Client) -> dict[str, Any]:
        if document.get("resourceType") == "Bundle":
            return await client.submit_bundle(body, idempotency_key)
        return await client.submit(document, idempotency_key)

    submit_and_follow(base, api_key, send, wait=wait, out=out, timeout=timeout)


def submit_batch_folder(
    base: str,
    api_key: str,
    folder: Path,
    wait: bool,
    out: Path | None,
    idempotency_key: str | None,
    timeout: float,
) -> None:
    from clinrelay.cli.batch import submit_folder  # noqa: PLC0415 - folders only

    async def action() -> int:
        async with Client(base, api_key) as client:
            return await submit_folder(
                client,
                folder,
                wait=wait,
                out=out,
                timeout=timeout,
                idempotency_key=idempotency_key,
            )

    raise SystemExit(run_api(action))


def submit_and_follow(
    base: str,
    api_key: str,
    send: Callable[[Client], Coroutine[Any, Any, dict[str, Any]]],
    *,
    wait: bool,
    out: Path | None,
    timeout: float,
) -> None:
    """Submit with ``send``; print the report id, or with ``wait`` follow it and print the PDF's
    path (exit 1 when the report FAILED)."""

    async def action() -> None:
        async with Client(base, api_key) as client:
            accepted = await send(client)
            if not wait:
                click.echo(accepted["id"])
                return
            click.echo(f"report {accepted['id']} accepted", err=True)
            saved = await wait_and_save(client, accepted, out, timeout)
            if saved is None:
                raise SystemExit(1)
            click.echo(str(saved))

    run_api(action)


@click.command()
@click.argument("report_id", required=False)
@click.option(
    "--system", is_flag=True, help="The whole pipeline instead (an operator key): per stage."
)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@url_option
@key_option
def status(
    report_id: str | None, system: bool, as_json: bool, url: str | None, key: str | None
) -> None:
    """Show a report's status, progress and outcome; or, with --system, the pipeline's."""
    if system == (report_id is not None):
        raise click.UsageError("give a REPORT_ID or --system (one of the two)")
    base, api_key = resolve(url, key)
    if system:
        show_system_status(base, api_key, as_json=as_json)
        return
    assert report_id is not None

    async def action() -> dict[str, Any]:
        async with Client(base, api_key) as client:
            return await client.report(report_id)

    report = run_api(action)
    if as_json:
        click.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
        return
    click.echo(f"{report['id']}  {report['kind']}  {report['status']}")
    click.echo(f"  step:     {report['current_step']} ({report['progress_percent']}%)")
    click.echo(f"  created:  {report['created_at']}")
    if report.get("completed_at"):
        click.echo(f"  ended:    {report['completed_at']} ({report['processing_time_ms']} ms)")
    if report.get("error"):
        click.echo(f"  error:    {report['error']['message']}")
    if report.get("result"):
        summary = ", ".join(
            f"{k}={v}" for k, v in report["result"].items() if not isinstance(v, dict | list)
        )
        click.echo(f"  result:   {summary}")
    if report["status"] == "FAILED":
        raise SystemExit(1)


def show_system_status(base: str, api_key: str, *, as_json: bool) -> None:
    async def action() -> dict[str, Any]:
        async with Client(base, api_key) as client:
            return await client.system_status()

    figures = run_api(action)
    if as_json:
        click.echo(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode())
        return
    Console().print(system_status_table(figures))
    for line in system_status_notes(figures):
        click.echo(line)
