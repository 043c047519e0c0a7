"""Whatever is submitted, parsing ends in a result or a BundleError that repeats no value."""

from __future__ import annotations

import copy
import random
from typing import Any

import orjson

from shared.intake.fhir import BundleError, check_coding_bundle, parse_bundle
from tests.unit.intake.fhir.builders import (
    attachment,
    bundle,
    claim,
    condition,
    diagnostic_report,
    document_reference,
    encounter,
    patient,
    ref,
)

MARKER = "Zyxwq Vandermeer 617-555-0142"
REPLACEMENTS: list[Any] = [MARKER, 42, -1.5, True, None, [], {}, [MARKER], {"value": MARKER}]


def rich_bundle() -> dict[str, Any]:
    return bundle(
        patient(telecom=[{"system": "phone", "value": "617-555-0100"}]),
        encounter("e1", diagnosis=[{"condition": ref("c1"), "rank": 1}]),
        condition("c1", "E11.9", "Type 2 diabetes mellitus", encounter_ref=ref("e1")),
        document_reference("d1", attachment("<p>note</p>", "text/html"), encounter_ref=ref("e1")),
        diagnostic_report("r1", attachment("report"), encounter_ref=ref("e1")),
        claim(
            "cl1",
            diagnoses=[{"sequence": 1, "diagnosisReference": ref("c1")}],
            items=[
                {"sequence": 1, "productOrService": {"text": "visit"}, "encounter": [ref("e1")]}
            ],
        ),
    )


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def mutate(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    copied = copy.deepcopy(document)
    node: Any = copied
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = copy.deepcopy(value)
    return copied


def test_random_corruptions_never_crash_and_never_echo_the_value() -> None:
    generator = random.Random(20240314)
    original = rich_bundle()
    every_path = paths(original)
    outcomes = {"parsed": 0, "refused": 0}
    for _ in range(300):
        path = generator.choice(every_path)
        corrupted = mutate(original, path, generator.choice(REPLACEMENTS))
        try:
            parsed = parse_bundle(orjson.dumps(corrupted))
            check_coding_bundle(parsed)
            outcomes["parsed"] += 1
            # What is reported about the input (not the input itself) stays free of it too.
            text = repr(
                (parsed.warnings, parsed.unresolved_references, parsed.skipped_attachments)
            ) + repr([n.source.label for n in parsed.notes])
        except BundleError as error:
            outcomes["refused"] += 1
            text = orjson.dumps(error.to_dict()).decode() + str(error)
        for fragment in ("Zyxwq", "Vandermeer", "617-555-0142"):
            assert fragment not in text, (path, text)
    assert outcomes["parsed"] > 0
    assert outcomes["refused"] > 0
