"""Operating clinrelay: ``migrate``, ``serve SERVICE`` and ``up``."""

from __future__ import annotations

import asyncio
import importlib
import sys

import click

from clinrelay.cli.errors import run_or_fail
from shared.db.migrate import apply_migrations, ensure_database
from shared.settings import Settings

SERVICES = ("gateway", "ingestor", "analyzer", "renderer", "notifier")


async def migrate_database(dsn: str) -> tuple[bool, list[str]]:
    created = await ensure_database(dsn)
    return created, await apply_migrations(dsn)


@click.command()
def migrate() -> None:
    """Create the database if needed and apply pending migrations."""
    settings = Settings()
    created, applied = run_or_fail(migrate_database(settings.database_url), "migrate")
    if created:
        click.echo("created database")
    click.echo(f"applied: {', '.join(applied)}" if applied else "database is up to date")


@click.command()
@click.argument("service", type=click.Choice(SERVICES))
def serve(service: str) -> None:
    """Run one service in the foreground (as a container runs it)."""
    module = importlib.import_module(f"services.{service}.main")
    module.serve()


@click.command()
@click.option("--no-migrate", is_flag=True, help="Do not apply migrations first.")
def up(no_migrate: bool) -> None:
    """Run all five services as separate processes; Ctrl-C stops them all."""
    from clinrelay.supervisor import Supervisor  # noqa: PLC0415 - only this command needs it

    if not no_migrate:
        run_or_fail(migrate_database(Settings().database_url), "migrate")
    supervisor = Supervisor([[sys.executable, "-m", "clinrelay", "serve", s] for s in SERVICES])
    asyncio.run(supervisor.run_until_interrupted())
