"""``clinrelay keys``: API keys for tenants."""

from __future__ import annotations

import click

from clinrelay.cli.errors import fail, run_or_fail
from shared.auth import create_key, revoke_key
from shared.db.pool import connect
from shared.settings import Settings


@click.group()
def keys() -> None:
    """Create and revoke API keys."""


async def _create(dsn: str, tenant: str, admin: bool) -> str:
    conn = await connect(dsn)
    try:
        return await create_key(conn, tenant, admin=admin)
    finally:
        await conn.close()


async def _revoke(dsn: str, tenant: str, prefix: str) -> int:
    conn = await connect(dsn)
    try:
        return await revoke_key(conn, prefix, tenant)
    finally:
        await conn.close()


@keys.command("create")
@click.option("--tenant", required=True, help="Tenant name (created if new).")
@click.option("--admin", is_flag=True, help="May use the /v1/admin API.")
def create(tenant: str, admin: bool) -> None:
    """Create a key and print it (only the key, on stdout: it is shown this once)."""
    if not tenant.strip():
        fail("--tenant must not be empty")
    click.echo(run_or_fail(_create(Settings().database_url, tenant, admin), "keys create"))


@keys.command("revoke")
@click.argument("key_prefix")
@click.option("--tenant", required=True)
def revoke(key_prefix: str, tenant: str) -> None:
    """Revoke a tenant's key by its first 8 characters."""
    count = run_or_fail(_revoke(Settings().database_url, tenant, key_prefix), "keys revoke")
    if count == 0:
        fail(f"no active key of tenant {tenant!r} starts with {key_prefix[:8]!r}")
    click.echo(f"revoked {count} key(s)")
