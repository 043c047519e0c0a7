"""Note text out of a FHIR Attachment: decoding, charsets and markup, or why there is none."""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from dataclasses import dataclass

from shared.intake.fhir.markup import html_to_text, rtf_to_text

_PLAIN_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown", "text/x-rst"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_RTF_TYPES = frozenset({"text/rtf", "application/rtf", "text/richtext"})
_XML_TYPES = frozenset(
    {"text/xml", "application/xml", "application/hl7-v3+xml", "application/cda+xml"}
)
_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "model/")

# How well each kind of rendition preserves the note as written (lower is better).
_RENDITION_RANK = {"plain": 0, "html": 1, "rtf": 2}


@dataclass(frozen=True)
class AttachmentText:
    text: str
    content_type: str
    rendition: str  # "plain", "html" or "rtf"
    decoding_note: str | None = None

    @property
    def rank(self) -> int:
        return _RENDITION_RANK[self.rendition]


@dataclass(frozen=True)
class AttachmentSkip:
    content_type: str | None
    reason: str


class InvalidAttachmentData(ValueError):
    """``Attachment.data`` is not base64 (the R4B models decode it leniently, so we check)."""


def read_attachment(
    content_type: str | None, data: str | None, url: str | None
) -> AttachmentText | AttachmentSkip:
    """The note text of an attachment given its raw ``contentType``, ``data`` (base64 text as
    submitted) and ``url``; or why it holds none. Raises :class:`InvalidAttachmentData`."""
    mime, charset = _parse_content_type(content_type)
    if mime == "":
        return AttachmentSkip(None, "contentType is not a MIME type")
    if data is None:
        reason = "content is only a URL (not fetched)" if url else "attachment has no data"
        return AttachmentSkip(mime, reason)
    payload = decode_base64(data)
    if not payload:
        return AttachmentSkip(mime, "attachment data is empty")
    if mime is None:
        return _read_untyped(payload)
    return _read_typed(mime, charset, payload)


def _read_typed(mime: str, charset: str | None, payload: bytes) -> AttachmentText | AttachmentSkip:
    kind = _kind_of(mime)
    if kind not in _RENDITION_RANK:
        return AttachmentSkip(mime, _skip_reason(kind, mime))
    text, note = decode_text(payload, charset)
    if kind == "html":
        text = html_to_text(text)
    elif kind == "rtf":
        text = rtf_to_text(text)
    else:
        text = _normalize_newlines(text)  # plain text is kept as written
    if not text.strip():
        return AttachmentSkip(mime, "no text after decoding")
    return AttachmentText(text, mime, kind, note)


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_base64(data: str) -> bytes:
    compact = "".join(data.split())  # base64Binary may be wrapped over lines
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidAttachmentData("not valid base64") from None


def decode_text(payload: bytes, charset: str | None) -> tuple[str, str | None]:
    """Bytes → text with the declared charset, else UTF-8; when that fails, windows-1252 (which
    maps nearly every byte) with a note saying so, rather than dropping the note."""
    note = None
    codec = "utf-8"
    if charset:
        try:
            codec = codecs.lookup(charset).name
        except LookupError:
            note = "unknown charset; read as UTF-8"
    if codec == "utf-8":
        codec = "utf-8-sig"  # tolerate a byte-order mark
    try:
        return payload.decode(codec), note
    except UnicodeDecodeError:
        expected = codec.removesuffix("-sig").upper()
        return payload.decode("cp1252", errors="replace"), (
            f"not valid {expected}; decoded as windows-1252"
        )


def _read_untyped(payload: bytes) -> AttachmentText | AttachmentSkip:
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError:
        return AttachmentSkip(None, "no contentType and the data is not text")
    if "\x00" in text or not text.strip():
        return AttachmentSkip(None, "no contentType and the data is not text")
    note = "no contentType; read as text"
    return AttachmentText(_normalize_newlines(text), "text/plain", "plain", note)


def _parse_content_type(content_type: str | None) -> tuple[str | None, str | None]:
    if not content_type or not content_type.strip():
        return None, None
    mime, *parameters = content_type.split(";")
    mime = mime.strip().lower()
    if not _MIME.fullmatch(mime):
        return "", None  # not echoed anywhere: it could be any text
    charset = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').strip("'") or None
    return mime, charset


def _kind_of(mime: str) -> str:
    if mime in _PLAIN_TYPES:
        return "plain"
    if mime in _HTML_TYPES:
        return "html"
    if mime in _RTF_TYPES:
        return "rtf"
    if mime in _XML_TYPES or mime.endswith("+xml"):
        return "xml"
    if mime.startswith("text/"):
        return "plain"  # text/csv, text/x-… : readable as is
    return "binary"


def _skip_reason(kind: str, mime: str) -> str:
    if kind == "xml":
        return f"structured XML document ({mime}) is not read as a note"
    if mime.startswith(_BINARY_PREFIXES) or mime in {"application/pdf", "application/octet-stream"}:
        return f"binary content ({mime}) is not read"
    return f"content type {mime} is not a note format clinrelay reads"
