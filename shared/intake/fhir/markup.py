"""Plain text out of HTML/XHTML and RTF notes, keeping the line structure a reader relies on."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "div", "dl",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "main", "nav", "ol", "p", "pre", "section", "table", "tbody",
        "thead", "tfoot", "ul",
        # FHIR narrative and CDA-style block names that show up in XHTML notes
        "paragraph", "list", "title",
    }
)  # fmt: skip
_LINE_TAGS = frozenset({"br", "li", "item", "tr", "dt", "dd"})  # start a line, no blank line
_CELL_TAGS = frozenset({"td", "th"})
_SKIPPED_TAGS = frozenset({"script", "style", "head", "template", "noscript"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower().rsplit(":", 1)[-1]  # xhtml/CDA namespace prefixes
        if tag in _SKIPPED_TAGS:
            self._skip_depth += 1
        elif tag in _LINE_TAGS:
            self.parts.append("\n- " if tag in {"li", "item"} else "\n")
        elif tag in _CELL_TAGS:
            self.parts.append("\t")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
            if tag == "pre":
                self._pre_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower().rsplit(":", 1)[-1] in {"br", "hr"}:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower().rsplit(":", 1)[-1]
        if tag in _SKIPPED_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
            if tag == "pre":
                self._pre_depth = max(0, self._pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        # Outside <pre>, HTML collapses whitespace (no-break spaces become plain spaces, which
        # is what text matching downstream wants); line breaks come from the tags.
        self.parts.append(data if self._pre_depth else re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """Text of an HTML or XHTML document: block elements and ``<br>`` become line breaks,
    list items start with "- ", table cells are tab-separated, scripts and styles are dropped."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return tidy_lines("".join(extractor.parts))


def tidy_lines(text: str) -> str:
    """Strip trailing blanks on each line and keep at most one empty line in a row."""
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


# --- RTF -------------------------------------------------------------------------------------

_RTF_TOKEN = re.compile(
    r"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # control word with optional numeric parameter
    r"|\\'([0-9a-fA-F]{2})"  # hex-escaped byte in the document's code page
    r"|\\(.)"  # control symbol
    r"|([{}])"  # group start/end
    r"|[\r\n]+"  # source line breaks carry no meaning in RTF
    r"|([^\\{}\r\n]+)",  # text
    re.DOTALL,
)
# Destinations whose content is not document text.
_RTF_SKIPPED_DESTINATIONS = frozenset(
    {
        "fonttbl", "colortbl", "stylesheet", "info", "pict", "header", "headerl", "headerr",
        "headerf", "footer", "footerl", "footerr", "footerf", "object", "themedata",
        "colorschememapping", "datastore", "latentstyles", "listtable", "listoverridetable",
        "rsidtbl", "generator", "xmlnstbl", "mmathPr", "fldinst", "filetbl", "revtbl",
        "pgdsctbl", "operator", "author", "title", "subject", "company",
    }
)  # fmt: skip
_RTF_CHARACTERS = {
    "par": "\n", "line": "\n", "sect": "\n\n", "page": "\n\n", "row": "\n", "cell": "\t",
    "tab": "\t", "emdash": "\u2014", "endash": "\u2013", "bullet": "\u2022",
    "lquote": "\u2018", "rquote": "\u2019", "ldblquote": "\u201c", "rdblquote": "\u201d",
    "emspace": " ", "enspace": " ", "qmspace": " ",
}  # fmt: skip
_RTF_SYMBOLS = {"~": "\u00a0", "-": "", "_": "-", "{": "{", "}": "}", "\\": "\\"}


class _RtfState:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.pending: bytearray = bytearray()  # \'hh bytes waiting to be decoded together
        self.codepage = "cp1252"
        self.skip_fallback = 0  # characters to drop after a \uN escape
        self.unicode_skip = 1  # \ucN
        self.stack: list[tuple[bool, int]] = []
        self.skipping = False
        self.group_start = False  # just after "{": "\*" or a destination word may follow

    def flush(self) -> None:
        if self.pending:
            self.out.append(self.pending.decode(self.codepage, errors="replace"))
            self.pending.clear()

    def emit(self, text: str) -> None:
        if self.skipping or not text:
            return
        if self.skip_fallback:
            dropped = min(self.skip_fallback, len(text))
            self.skip_fallback -= dropped
            text = text[dropped:]
        self.flush()
        self.out.append(text)


def rtf_to_text(document: str) -> str:
    """Text of an RTF document: paragraphs and line breaks kept, formatting and tables of fonts,
    colours, pictures and document information dropped; ``\\'hh`` and ``\\uN`` decoded."""
    state = _RtfState()
    for match in _RTF_TOKEN.finditer(document):
        word, parameter, hex_byte, symbol, brace, text = match.groups()
        if brace:
            _rtf_brace(state, brace)
        elif word is not None:
            _rtf_word(state, word, parameter)
        elif hex_byte is not None:
            if state.skip_fallback:
                state.skip_fallback -= 1
            elif not state.skipping:
                state.pending.append(int(hex_byte, 16))
        elif symbol is not None:
            if symbol == "*" and state.group_start:
                state.skipping = True  # "{\*\dest ...}": an optional destination we do not know
            else:
                state.emit(_RTF_SYMBOLS.get(symbol, ""))
            state.group_start = False
        elif text is not None:
            state.emit(text)
            state.group_start = False
    state.flush()
    return tidy_lines("".join(state.out))


def _rtf_brace(state: _RtfState, brace: str) -> None:
    state.flush()
    if brace == "{":
        state.stack.append((state.skipping, state.unicode_skip))
        state.group_start = True
    else:
        if state.stack:
            state.skipping, state.unicode_skip = state.stack.pop()
        state.group_start = False


def _rtf_word(state: _RtfState, word: str, parameter: str | None) -> None:
    at_group_start, state.group_start = state.group_start, False
    if at_group_start and word in _RTF_SKIPPED_DESTINATIONS:
        state.skipping = True
    elif word == "ansicpg" and parameter:
        state.codepage = _codepage(parameter)
    elif word == "uc" and parameter:
        state.unicode_skip = int(parameter)
    elif word == "u" and parameter:
        code = int(parameter)
        state.emit(chr(code + 65536 if code < 0 else code))
        state.skip_fallback = state.unicode_skip
    elif word in _RTF_CHARACTERS:
        state.emit(_RTF_CHARACTERS[word])


def _codepage(number: str) -> str:
    name = f"cp{number}"
    try:
        "".encode(name)
    except LookupError:
        return "cp1252"
    return name
