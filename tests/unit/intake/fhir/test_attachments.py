"""Reading note text out of one Attachment."""

from __future__ import annotations

import pytest

from shared.intake.fhir.attachments import (
    AttachmentSkip,
    AttachmentText,
    InvalidAttachmentData,
    read_attachment,
)
from tests.unit.intake.fhir.builders import b64


def read_text(content_type: str | None, data: str) -> AttachmentText:
    result = read_attachment(content_type, data, None)
    assert isinstance(result, AttachmentText), result
    return result


def test_plain_text_is_kept_as_written_with_unix_newlines() -> None:
    result = read_text("text/plain", b64("  BP 120/80\r\n  HR 72\r\n"))
    assert result.text == "  BP 120/80\n  HR 72\n"
    assert (result.rendition, result.decoding_note) == ("plain", None)


def test_declared_charset_is_used() -> None:
    result = read_text("text/plain; charset=ISO-8859-1", b64("Café crème", "latin-1"))
    assert result.text == "Café crème"
    assert result.decoding_note is None


def test_undeclared_charset_is_utf8_with_bom_tolerated() -> None:
    assert read_text("text/plain", b64("\ufeffNausée".encode())).text == "Nausée"


def test_text_that_is_not_utf8_falls_back_to_windows_1252_and_says_so() -> None:
    result = read_text("text/plain", b64("Temp 38\xb0C \u2013 febrile", "cp1252"))
    assert result.text == "Temp 38°C – febrile"
    assert result.decoding_note == "not valid UTF-8; decoded as windows-1252"


def test_unknown_charset_is_read_as_utf8_with_a_note() -> None:
    result = read_text('text/plain; charset="x-made-up"', b64("ok"))
    assert result.text == "ok"
    assert result.decoding_note == "unknown charset; read as UTF-8"


@pytest.mark.parametrize(
    ("content_type", "source", "text", "rendition"),
    [
        ("text/html", "<p>Dx:</p><p>asthma</p>", "Dx:\n\nasthma", "html"),
        ("application/xhtml+xml", "<div>a<br/>b</div>", "a\nb", "html"),
        ("text/markdown", "# Plan\n- rest", "# Plan\n- rest", "plain"),
        ("text/rtf", r"{\rtf1 Cough\par Fever}", "Cough\nFever", "rtf"),
        ("application/rtf", r"{\rtf1 Cough}", "Cough", "rtf"),
        ("TEXT/PLAIN", "upper-case type", "upper-case type", "plain"),
        ("text/csv", "a,b", "a,b", "plain"),
    ],
)
def test_text_formats(content_type: str, source: str, text: str, rendition: str) -> None:
    result = read_text(content_type, b64(source))
    assert (result.text, result.rendition) == (text, rendition)


@pytest.mark.parametrize(
    ("content_type", "data", "url", "reason"),
    [
        (
            "application/pdf",
            b64(b"%PDF-1.4 ..."),
            None,
            "binary content (application/pdf) is not read",
        ),
        ("image/png", b64(b"\x89PNG"), None, "binary content (image/png) is not read"),
        (
            "application/pdf",
            None,
            "https://example.org/Binary/1",
            "content is only a URL (not fetched)",
        ),
        ("text/plain", None, None, "attachment has no data"),
        ("text/plain", "", None, "attachment data is empty"),
        ("text/plain", b64("   \n "), None, "no text after decoding"),
        ("text/html", b64("<script>x()</script>"), None, "no text after decoding"),
        ("application/hl7-v3+xml", b64("<ClinicalDocument/>"), None, "structured XML document"),
        ("application/json", b64("{}"), None, "not a note format clinrelay reads"),
        ("not a mime type; Johanna", b64("x"), None, "contentType is not a MIME type"),
        (None, b64(b"\x00\x01\xff"), None, "no contentType and the data is not text"),
    ],
)
def test_attachments_without_readable_text_say_why(
    content_type: str | None, data: str | None, url: str | None, reason: str
) -> None:
    result = read_attachment(content_type, data, url)
    assert isinstance(result, AttachmentSkip)
    assert reason in result.reason
    assert "Johanna" not in repr(result)


def test_untyped_text_is_read_with_a_note() -> None:
    result = read_text(None, b64("Follow-up in 2 weeks."))
    assert (result.text, result.decoding_note) == (
        "Follow-up in 2 weeks.",
        "no contentType; read as text",
    )


def test_base64_wrapped_over_lines_is_accepted() -> None:
    data = b64("a fairly long line of note text to wrap")
    wrapped = "\n".join(data[i : i + 16] for i in range(0, len(data), 16))
    assert read_text("text/plain", wrapped).text == "a fairly long line of note text to wrap"


@pytest.mark.parametrize("data", ["!!!not base64 Johanna", "SGVsbG8", "SGVsbG8=Zm9v"])
def test_invalid_base64_is_an_error_not_garbage(data: str) -> None:
    # The R4B models decode base64 leniently ("!!!not base64" becomes 12 random bytes).
    with pytest.raises(InvalidAttachmentData, match="not valid base64") as caught:
        read_attachment("text/plain", data, None)
    assert "Johanna" not in str(caught.value)
