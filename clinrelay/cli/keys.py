"""``clinrelay keys``: API keys for tenants."""

from __future__ import annotations

import click

from clinrelay.cli.errors import fail, run_or_fail
from shared.auth import Role, create_key
from shared.db.api_keys import revoke_key
from shared.db.pool import connect
from shared.settings import Settings


@click.group()
def keys() -> None:
    """Create and revoke API keys."""


async def _create(dsn: str, tenant: str, role: Role) -> str:
    conn = await connect(dsn)
    try:
        return await create_key(conn, tenant, role=role)
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
@click.option("--admin", is_flag=True, help="May use /v1/admin for this tenant's dead letters.")
@click.option(
    "--operator",
    is_flag=True,
    help="May use /v1/admin across every tenant (for the people who run clinrelay).",
)
def create(tenant: str, admin: bool, operator: bool) -> None:
    """Create a key and print it (only the key, on stdout: it is shown this once).

    Operator keys exist only through this command: no API route creates keys.
    """
    if not tenant.strip():
        fail("--tenant must not be empty")
    if admin and operator:
        fail("choose --admin (one tenant) or --operator (every tenant), not both")
    role = Role.OPERATOR if operator else Role.ADMIN if admin else Role.CLIENT
    click.echo(run_or_fail(_create(Settings().database_url, tenant, role), "keys create"))


@keys.command("revoke")
@click.argument("key_prefix")
@click.option("--tenant", required=True)
def revoke(key_prefix: str, tenant: str) -> None:
    """Revoke a tenant's key by its first 8 characters."""
    count = run_or_fail(_revoke(Settings().database_url, tenant, key_prefix), "keys revoke")
    if count == 0:
        fail(f"no active key of tenant {tenant!r} starts with {key_prefix[:8]!r}")
    click.echo(f"revoked {count} key(s)")
