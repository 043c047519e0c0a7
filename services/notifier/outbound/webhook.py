"""One webhook delivery: a signed POST to the address that was checked, no redirects."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from shared.outbound.addresses import AddressRefused, check_url, resolve_allowed
from shared.outbound.signing import SIGNATURE_HEADER, signature


async def post_webhook(
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool,
) -> dict[str, Any]:
    """Send; returns the attempt's record (``status_code`` or ``error``, ``duration_ms``).
    Delivered means a 2xx answer."""
    started = time.perf_counter()
    attempt: dict[str, Any] = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    try:
        scheme, host, port = check_url(url)
        address = await resolve_allowed(host, port, allow_private=allow_private)
        parts = urlsplit(url)
        pinned_host = f"[{address}]" if ":" in address else address
        pinned = urlunsplit((scheme, f"{pinned_host}:{port}", parts.path or "/", parts.query, ""))
        response = await client.post(
            pinned,
            content=body,
            headers={
                **headers,
                "Host": parts.netloc,
                "Content-Type": "application/json",
                SIGNATURE_HEADER: signature(secret, body),
            },
            extensions={"sni_hostname": host} if scheme == "https" else {},
        )
        attempt["status_code"] = response.status_code
        if not response.is_success:
            attempt["error"] = f"HTTP {response.status_code}"
    except AddressRefused as exc:
        attempt["error"] = str(exc)
        attempt["refused"] = True
    except httpx.HTTPError as exc:
        attempt["error"] = type(exc).__name__
    attempt["duration_ms"] = round((time.perf_counter() - started) * 1000)
    return attempt
