"""JSON nesting measured on the bytes, before any parser sees them."""

from __future__ import annotations

import orjson
import pytest

from services.gateway.json_depth import json_depth, nests_deeper_than


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"1", 0),
        (b'"[[[["', 0),
        (b"[]", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'{"a": "]]]]", "b": [[["x"]]]}', 4),
        (b'["\\"[[[", [[]]]', 3),
        (b"[" * 300 + b"]" * 300, 300),
        (b'{"a":' * 70 + b"1" + b"}" * 70, 70),
    ],
)
def test_depth_counts_arrays_and_objects_not_brackets_in_strings(text: bytes, depth: int) -> None:
    assert json_depth(text) == depth


def test_depth_matches_the_parsed_document() -> None:
    document = {"entry": [{"resource": {"extension": [{"valueString": "[{"}]}}]}
    assert json_depth(orjson.dumps(document)) == 6


def test_an_unterminated_string_can_only_raise_the_figure() -> None:
    assert json_depth(b'["abc') >= 1


def test_few_brackets_are_not_even_scanned() -> None:
    assert not nests_deeper_than(b"[[1]]" + b" " * 10_000, 2)
    assert nests_deeper_than(b"[[[1]]]", 2)
    assert not nests_deeper_than(b'["[[[[[[[["]', 2)
