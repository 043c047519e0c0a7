"""An HTTP/1.1 protocol for uvicorn that refuses an oversized request head before holding it.

uvicorn's httptools parser keeps reading a header line until it ends: a 64 MB header is read,
held and handed to the application (measured: a bare app answered 200 and peaked at 164 MB).
This protocol counts the bytes of each request's line and headers — as the parser reports them,
and as raw bytes while a head is still incomplete — and past ``max_head_bytes`` answers 431 in
clinrelay's error shape. The parser then holds at most the limit plus one read.

After the refusal the connection lingers for a moment, reading and discarding what the client is
still sending, so that the client reads the 431 instead of a connection reset.
"""

from __future__ import annotations

from typing import Any

import httptools
import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

LINGER_S = 2.0
"""How long a refused connection keeps draining the client's bytes before it closes."""


class _HeadTooLarge(Exception):
    pass


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    max_head_bytes = 32 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._raw_head_bytes = 0
        self._refused = False
        self._heads_seen = 0

    # Parser callbacks: the exact size of what the parser hands over.
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = 0
        self._heads_seen += 1

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._raw_head_bytes = 0
        super().on_headers_complete()

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_head_bytes:
            raise _HeadTooLarge

    # Transport: what the parser may be holding while a head is incomplete.
    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering after a 431: discard
        self._unset_keepalive_if_required()
        heads_before = self._heads_seen
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if isinstance(exc.__context__, _HeadTooLarge):
                self._refuse_head()
                return
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        # Counted only when the head in progress began before this read: then all of the read
        # belongs to it (a read that starts a message is counted from the next read on).
        if self._in_head and self._heads_seen == heads_before and not self.transport.is_closing():
            self._raw_head_bytes += len(data)
            if self._raw_head_bytes > self.max_head_bytes:
                self._refuse_head()

    def _refuse_head(self) -> None:
        body = orjson.dumps(
            {
                "error": {
                    "code": "headers_too_large",
                    "message": "The request line and headers are larger than the limit of "
                    f"{self.max_head_bytes} bytes.",
                    "limit_bytes": self.max_head_bytes,
                }
            }
        )
        self.transport.write(
            b"".join(
                [
                    STATUS_LINE[431],
                    b"content-type: application/json\r\n",
                    b"content-length: " + str(len(body)).encode() + b"\r\n",
                    b"connection: close\r\n\r\n",
                    body,
                ]
            )
        )
        self._refused = True
        self._in_head = False
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_S, self.transport.close)


def bounded_http_protocol(max_head_bytes: int) -> type[BoundedHttpToolsProtocol]:
    """The protocol class to give uvicorn (``http=``) for a head limit of ``max_head_bytes``."""
    return type(
        "BoundedHttpToolsProtocol",
        (BoundedHttpToolsProtocol,),
        {"max_head_bytes": max_head_bytes},
    )
