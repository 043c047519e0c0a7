"""The log filter that keeps PHI and secrets out of logs even when a caller slips."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import structlog

from shared import logging as clinrelay_logging
from shared.logging import REDACTED, redact_phi, scrub


def filtered(**event: Any) -> dict[str, Any]:
    return dict(redact_phi(None, "info", event))


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("patient SSN 123-45-6789 on file", "123-45-6789"),
        ("call back at (617) 555-0142 today", "555-0142"),
        ("call back at 617.555.0142 today", "555-0142"),
        ("mail jane.doe+records@example-clinic.org", "jane.doe"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def", "eyJhbGci"),
        ("GET /v1/events?token=s3cr3t-value&x=1", "s3cr3t"),
        ("key cr_AbCdEfGhIjKlMnOpQrStUvWx used", "cr_AbCdEf"),
    ],
)
def test_identifying_patterns_are_scrubbed_from_any_text(text: str, leak: str) -> None:
    cleaned = scrub(text)
    assert leak not in cleaned
    assert REDACTED in cleaned


def test_ordinary_operational_text_is_left_alone() -> None:
    text = "stage.done step=rendered elapsed_ms=1234 report 6f1c1e4e-2f55-4a53-9b4e-5d7f0c1d2a3b"
    assert scrub(text) == text


def test_values_under_keys_that_name_clinical_content_are_dropped_whole() -> None:
    event = filtered(
        event="stage.crashed",
        note="Pt John Smith seen for chest pain",
        bundle={"resourceType": "Bundle"},
        patient="Smith",
        stage="ingestor",
        attempts=2,
    )
    assert event["note"] == event["bundle"] == event["patient"] == REDACTED
    assert (event["stage"], event["attempts"]) == ("ingestor", 2)


def test_nested_values_are_filtered_too() -> None:
    event = filtered(
        event="request",
        details={"where": "call 617-555-0142", "name": "Jane Doe", "items": ["ssn 123-45-6789"]},
    )
    details = event["details"]
    assert details["name"] == REDACTED
    assert "555-0142" not in details["where"]
    assert "123-45-6789" not in details["items"][0]


def test_the_event_text_itself_is_scrubbed() -> None:
    assert "123-45-6789" not in filtered(event="lookup 123-45-6789 failed")["event"]


def test_configured_logging_applies_the_filter_to_library_loggers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    clinrelay_logging.configure("unit-test", "INFO", "json")
    try:
        logging.getLogger("uvicorn.access").info(
            '127.0.0.1:5000 - "GET /v1/events?token=abcdef123 HTTP/1.1" 200 (617-555-0142)'
        )
        structlog.get_logger("x").info("stage.crashed", note="Jane Doe", report="r-1")
    finally:
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()
        root.handlers[:], root.level = handlers, level
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    text = json.dumps(lines)
    assert "abcdef123" not in text
    assert "555-0142" not in text
    assert "Jane Doe" not in text
    assert any(line.get("report") == "r-1" for line in lines)
