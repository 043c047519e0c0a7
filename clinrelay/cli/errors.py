"""CLI errors: one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, NoReturn, TypeVar

import click

T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(code)


def describe_connection_error(exc: BaseException) -> str | None:
    """A sentence for the errors people hit first: nothing listening, database missing."""
    name = type(exc).__name__
    if isinstance(exc, ConnectionRefusedError | OSError) and "Connect call failed" in str(exc):
        return f"cannot connect ({exc}); is the service running?"
    if name == "InvalidCatalogNameError":
        return f"{exc}; run `clinrelay migrate` first"
    if name in ("ConnectError", "ConnectTimeout"):
        return f"cannot reach the server ({exc})"
    return None


def run_or_fail(coro: Coroutine[Any, Any, T], what: str) -> T:
    try:
        return asyncio.run(coro)
    except (OSError, RuntimeError, ValueError) as exc:
        fail(f"{what}: {describe_connection_error(exc) or exc}")
    except Exception as exc:
        fail(f"{what}: {describe_connection_error(exc) or f'{type(exc).__name__}: {exc}'}")
