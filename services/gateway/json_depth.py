"""How deeply a JSON text nests, measured on the bytes before anything parses them.

Parsers recurse: a few kilobytes of ``[[[[...`` can exhaust a recursive parser or the serialisers
run after it (orjson refuses to write more than 254 levels). The gateway refuses such bodies
before parsing. Strings are blanked first, so brackets inside them do not count; the rest runs
in C (regular expression, translate, accumulate), about 50 MB/s on this machine's slowest cores.
"""

from __future__ import annotations

import re
from array import array
from itertools import accumulate

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_OPEN, _CLOSE = b"[{", b"]}"
# Opening brackets become 1 and closing ones 255 (-1 as a signed byte); everything else goes.
_STEPS = bytes.maketrans(_OPEN + _CLOSE, b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _OPEN + _CLOSE)


def json_depth(text: bytes) -> int:
    """The deepest nesting of arrays and objects in ``text`` (0 for a scalar).

    For text that is not valid JSON (an unterminated string) the figure may be too high, never
    too low.
    """
    brackets = _STRING.sub(b"", text).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    steps = array("b", brackets.translate(_STEPS))
    return max(accumulate(steps, initial=0))


def nests_deeper_than(text: bytes, limit: int) -> bool:
    """True when ``text`` nests more than ``limit`` levels."""
    if text.count(b"[") + text.count(b"{") <= limit:
        return False  # too few brackets to reach the limit: no need to look closer
    return json_depth(text) > limit
