"""structlog set up so that logs stay free of PHI and secrets.

Clinical text, bundles and identifiers are never passed to a logger on purpose; this configuration
is the second line of defence: values under keys that name such content are dropped, strings are
scrubbed of patterns that identify people (SSN, phone, e-mail) and of credentials (bearer tokens,
``token=`` query parameters), and library loggers (uvicorn, aio-pika) go through the same filter.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog
from opentelemetry import trace

REDACTED = "[redacted]"

_SENSITIVE_KEYS = frozenset(
    {
        "text", "note", "notes", "bundle", "body", "payload", "content", "patient", "name",
        "given", "family", "address", "phone", "telecom", "email", "ssn", "mrn", "birth_date",
        "birthdate", "dob", "authorization", "api_key", "key", "token", "password", "input",
    }
)  # fmt: skip

_SCRUBBERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer " + REDACTED),
    (re.compile(r"(?i)([?&](?:token|api_key|key)=)[^&\s\"']+"), r"\1" + REDACTED),
    (re.compile(r"\bcr_[A-Za-z0-9_-]{20,}"), REDACTED),
    (re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), REDACTED),
    (re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b"), REDACTED),
    (re.compile(r"(?<!\d)\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?!\d)"), REDACTED),
)


def scrub(value: str) -> str:
    for pattern, replacement in _SCRUBBERS:
        value = pattern.sub(replacement, value)
    return value


def _redact(value: Any, key: str | None = None) -> Any:
    if key is not None and key.lower() in _SENSITIVE_KEYS:
        return REDACTED
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    return value


def redact_phi(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: the PHI and secret filter described in the module docstring."""
    for key in list(event_dict):
        if key == "event":
            event_dict[key] = scrub(str(event_dict[key]))
        else:
            event_dict[key] = _redact(event_dict[key], key)
    return event_dict


def add_trace_context(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: ``trace_id`` and ``span_id`` (W3C hex) of the span current when the
    line is written, so a log line leads to its trace and a trace to its lines."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict


def configure(service: str, level: str = "INFO", fmt: str = "json") -> None:
    """Configure structlog and route the standard library's loggers through the same chain."""
    shared_processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_context,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_phi,
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared_processors,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared_processors,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiormq", "aio_pika", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    structlog.contextvars.bind_contextvars(service=service)
