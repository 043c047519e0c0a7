"""``clinrelay submit DIR/``: a folder of requests submitted as one batch, followed as one.

Every ``*.json`` file in the folder is one request (a FHIR Bundle, or ``{"kind": ...}``) and
every line of an ``*.ndjson`` file is one, in file-name order. They travel as one NDJSON batch;
with ``--wait`` one progress bar follows the whole batch, then the finished PDFs are saved.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from clinrelay.cli.errors import fail
from clinrelay.client import Client


@dataclass(frozen=True)
class FolderItem:
    source: str
    """``name.json``, or ``name.ndjson:LINE``."""
    line: bytes | None
    """The request as one NDJSON line; None when it cannot be one (``problem`` says why)."""
    problem: str | None = None


def folder_items(folder: Path) -> list[FolderItem]:
    """The requests in ``folder``, in file-name order (sub-folders are not read)."""
    items: list[FolderItem] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if path.suffix == ".json":
            items.append(_json_file(path))
        elif path.suffix == ".ndjson":
            for number, line in enumerate(path.read_bytes().splitlines(), start=1):
                if line.strip():
                    items.append(_line(f"{path.name}:{number}", line))
    return items


def _json_file(path: Path) -> FolderItem:
    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        return FolderItem(path.name, None, f"not JSON (at character {exc.pos})")
    if not isinstance(document, dict):
        return FolderItem(path.name, None, "not a JSON object")
    return FolderItem(path.name, orjson.dumps(document))


def _line(source: str, line: bytes) -> FolderItem:
    try:
        document = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return FolderItem(source, None, f"not JSON (at character {exc.pos})")
    return FolderItem(source, orjson.dumps(document))


async def submit_folder(
    client: Client,
    folder: Path,
    *,
    wait: bool,
    out: Path | None,
    timeout: float,
    idempotency_key: str | None,
) -> int:
    """Submit the folder as one batch; returns the exit status (1 when anything failed)."""
    console = Console(stderr=True)
    items = folder_items(folder)
    sendable = [item for item in items if item.line is not None]
    for item in items:
        if item.problem:
            console.print(f"[red]refused[/red] {item.source}: {item.problem}")
    if not sendable:
        fail(f"{folder} holds no request to submit (*.json files or *.ndjson lines)")
    accepted = await client.submit_batch(
        b"\n".join(item.line for item in sendable if item.line) + b"\n", idempotency_key
    )
    source_of = {number: item.source for number, item in enumerate(sendable, start=1)}
    for refused in accepted["rejected"]:
        console.print(
            f"[red]refused[/red] {source_of[refused['line']]}: {refused['error']['message']}"
        )
    console.print(
        f"batch {accepted['id']}: {accepted['total']} report(s) accepted, "
        f"{len(accepted['rejected']) + len(items) - len(sendable)} refused"
    )
    if not wait:
        click.echo(accepted["id"])
        return 0 if len(sendable) == len(items) and not accepted["rejected"] else 1
    final = await _follow(client, accepted["id"], accepted["total"], console, timeout)
    destination = out or Path(f"clinrelay-batch-{accepted['id']}")
    failed = await _save(client, final, destination, source_of, console)
    click.echo(str(destination))
    refused_any = len(sendable) != len(items) or bool(accepted["rejected"])
    return 1 if failed or refused_any else 0


async def _follow(
    client: Client, batch_id: str, total: int, console: Console, timeout: float
) -> dict[str, Any]:
    with Progress(
        TextColumn("[bold]{task.fields[status]:<10}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%  {task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("batch", total=100, status="PENDING", counts=f"0/{total} done")

        def on_update(batch: dict[str, Any]) -> None:
            counts = batch["counts"]
            done = counts["complete"] + counts["failed"]
            failed = f", {counts['failed']} failed" if counts["failed"] else ""
            progress.update(
                task,
                completed=batch["progress_percent"],
                status=batch["status"],
                counts=f"{done}/{batch['total']} done{failed}",
            )

        return await client.follow_batch(batch_id, on_update, timeout=timeout)


def _pdf_name(source: str) -> str:
    """``a.json`` → ``a``; ``more.ndjson:3`` → ``more-3``."""
    file, _, line = source.partition(":")
    stem = Path(file).stem
    return f"{stem}-{line}" if line else stem


async def _save(
    client: Client,
    batch: dict[str, Any],
    destination: Path,
    source_of: dict[int, str],
    console: Console,
) -> int:
    """Save every COMPLETE report's PDF under ``destination``; returns how many FAILED."""
    await asyncio.to_thread(destination.mkdir, parents=True, exist_ok=True)
    failed = 0
    for report in batch["reports"]:
        source = source_of.get(report["line"], f"line {report['line']}")
        if report["status"] != "COMPLETE":
            failed += 1
            console.print(f"[red]FAILED[/red] {source}: {report.get('error') or 'no reason'}")
            continue
        saved = await client.download_pdf(report["id"], destination / f"{_pdf_name(source)}.pdf")
        console.print(f"[green]COMPLETE[/green] {source} → {saved}")
    return failed
