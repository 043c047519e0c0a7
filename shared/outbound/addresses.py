"""Which webhook addresses a deployment may call: never loopback, private, link-local or other
non-public ranges (SSRF), unless ``CLINRELAY_WEBHOOKS_ALLOW_PRIVATE=1``.

Checked when a webhook is registered and again at every delivery, against the addresses the
name resolves to then; the delivery connects to the very address that was checked, so a name
that resolves differently a moment later (DNS rebinding) cannot slip through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL = 2048


class AddressRefused(ValueError):
    """The URL may not be called; the message says why without repeating it."""


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL; AddressRefused for anything else."""
    if not isinstance(url, str) or len(url) > MAX_URL:
        raise AddressRefused(
            f"The webhook URL must be an http(s) URL of at most {MAX_URL} characters."
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("The webhook URL must be an absolute http:// or https:// URL.")
    if parts.username or parts.password:
        raise AddressRefused("The webhook URL must not carry credentials.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise AddressRefused("The webhook URL has an invalid port.") from None
    return parts.scheme, parts.hostname, port


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def resolve_allowed(host: str, port: int, *, allow_private: bool) -> str:
    """An address of ``host`` that may be called (the first one); AddressRefused when none may:
    with private ranges refused, every address the name has must be public."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise AddressRefused("The webhook host name does not resolve.") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise AddressRefused("The webhook host name does not resolve.")
    if not allow_private and not all(is_public(a) for a in addresses):
        raise AddressRefused(
            "The webhook address is loopback, private or otherwise not public; this deployment "
            "does not call such addresses (CLINRELAY_WEBHOOKS_ALLOW_PRIVATE=1 allows them)."
        )
    return addresses[0]
