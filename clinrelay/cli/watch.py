"""``clinrelay watch [ID | --tenant | --batch ID]``: live events with progress bars.

One socket to the notifier (``/v1/ws``), one subscription; a dropped connection is resumed with
the channel's last sequence number, so nothing is missed or shown twice. A report's watch ends
with the report; ``--tenant`` and ``--batch`` run until Ctrl-C (a batch's: until it completes).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import quote

import click
import orjson
import websockets
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from clinrelay.cli.errors import fail
from clinrelay.cli.reports import key_option, resolve, url_option
from shared.settings import Settings

FINAL = ("COMPLETE", "FAILED")


class Board:
    """One progress bar per report (and per batch) seen on the channel."""

    def __init__(self, progress: Progress, console: Console) -> None:
        self.progress = progress
        self.console = console
        self.tasks: dict[str, TaskID] = {}

    def _task(self, key: str, label: str) -> TaskID:
        if key not in self.tasks:
            self.tasks[key] = self.progress.add_task(label, total=100, status="", step="")
        return self.tasks[key]

    def show(self, message: dict[str, Any]) -> None:
        if message.get("type") == "batch" or "counts" in message:
            counts = message["counts"]
            task = self._task(f"batch:{message['batch_id']}", f"batch {message['batch_id'][:8]}")
            self.progress.update(
                task,
                completed=message["progress_percent"],
                status=message["status"],
                step=f"{counts['complete']} done, {counts['failed']} failed of {message['total']}",
            )
            return
        if "report_id" not in message:
            return
        label = f"{message.get('kind', '')} {message['report_id'][:8]}"
        task = self._task(message["report_id"], label)
        self.progress.update(
            task,
            completed=message.get("progress_percent", 0),
            status=message.get("status", ""),
            step=message.get("current_step", ""),
        )
        if message.get("status") == "FAILED" and message.get("error"):
            self.console.print(f"[red]{label} FAILED[/red]: {message['error'].get('message')}")


def _ws_base(ws_url: str | None) -> str:
    return (ws_url or Settings().notifier_url).rstrip("/")


async def watch_channel(
    ws_base: str, key: str, channel: str, board: Board, *, ends_with_report: bool
) -> None:
    """Follow ``channel`` until a report's final event (or for good); resume after drops."""
    since: int | None = None
    failures = 0
    while True:
        try:
            async with websockets.connect(
                f"{ws_base}/v1/ws?token={quote(key)}", open_timeout=10
            ) as socket:
                command: dict[str, Any] = {"subscribe": channel}
                if since is not None:
                    command["since"] = since
                await socket.send(orjson.dumps(command).decode())
                async for raw in socket:
                    message = orjson.loads(raw)
                    failures = 0
                    kind = message.get("type")
                    if kind == "error":
                        fail(message.get("message", "refused"))
                    if kind == "subscribed" and since is None:
                        board.console.print(f"Watching {channel}")
                    if message.get("channel") == channel and "seq" in message:
                        since = message["seq"]
                    if kind in ("event", "snapshot", "batch"):
                        board.show(message)
                        for report in message.get("reports", []):
                            board.show(report)
                        if ends_with_report and message.get("status") in FINAL:
                            return
        except (OSError, websockets.WebSocketException):
            failures += 1
            if failures > 5:
                fail("lost the notifier and could not reconnect; is it running?")
            await asyncio.sleep(min(2**failures / 4, 5))


@click.command()
@click.argument("report_id", required=False)
@click.option("--tenant", is_flag=True, help="Every report and batch of the key's tenant.")
@click.option("--batch", "batch_id", help="One batch's progress.")
@click.option("--ws-url", envvar="CLINRELAY_WS_URL", help="Notifier URL [env CLINRELAY_WS_URL].")
@url_option
@key_option
def watch(
    report_id: str | None,
    tenant: bool,
    batch_id: str | None,
    ws_url: str | None,
    url: str | None,
    key: str | None,
) -> None:
    """Stream a report's (or the tenant's, or a batch's) events live with progress bars."""
    chosen = [
        c
        for c in (
            report_id and f"report:{report_id}",
            tenant and "tenant",
            batch_id and f"batch:{batch_id}",
        )
        if c
    ]
    if len(chosen) != 1:
        fail("say what to watch: a report id, --tenant or --batch ID", code=2)
    channel = str(chosen[0])
    _, api_key = resolve(url, key)
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description:<16}"),
        TextColumn("[bold]{task.fields[status]:<10}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%  {task.fields[step]}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        board = Board(progress, console)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(
                watch_channel(
                    _ws_base(ws_url),
                    api_key,
                    channel,
                    board,
                    ends_with_report=report_id is not None,
                )
            )
