"""A small client for OpenAI-compatible chat endpoints (``POST {base}/chat/completions``).

Used for the optional second opinion on coding suggestions. It knows HTTP, timeouts and one
retry; it knows nothing about coding. Errors are reported without the request body (which holds
note text) and without the API key.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

import httpx


class ChatUnavailable(Exception):
    """The endpoint did not answer usefully; the message is safe to show (no text, no key)."""


class ChatModel(Protocol):
    @property
    def model(self) -> str: ...

    async def complete(self, messages: list[dict[str, str]]) -> str:
        """The assistant's reply to ``messages``."""
        ...


class OpenAICompatibleChat:
    """Chat completions over HTTP with a per-attempt timeout and a bounded number of retries."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        retries: int = 1,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout_s
        self._attempts = 1 + retries
        self._transport = transport

    @property
    def model(self) -> str:
        return self._model

    async def complete(self, messages: list[dict[str, str]]) -> str:
        body: dict[str, Any] = {"model": self._model, "messages": messages, "temperature": 0}
        problem = "no attempt made"
        async with httpx.AsyncClient(
            timeout=self._timeout, transport=self._transport, headers=self._headers
        ) as client:
            for attempt in range(1, self._attempts + 1):
                try:
                    response = await client.post(self._url, json=body)
                except httpx.TimeoutException:
                    problem = f"timed out after {self._timeout:g} s"
                except httpx.HTTPError as error:
                    problem = f"connection failed ({type(error).__name__})"
                else:
                    if response.status_code == 200:
                        return _content(response)
                    problem = f"HTTP {response.status_code}"
                    if response.status_code in (400, 401, 403, 404, 422):
                        break  # the same request would fail the same way
                if attempt < self._attempts:
                    await asyncio.sleep(min(2.0, 0.5 * attempt))
        raise ChatUnavailable(f"{problem} ({attempt} attempt{'s' if attempt > 1 else ''})")


def _content(response: httpx.Response) -> str:
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise ChatUnavailable("the reply is not a chat completion") from None
    if not isinstance(content, str):
        raise ChatUnavailable("the reply has no text content")
    return content
