"""Do the two FHIR validation depths refuse the same Bundles? A mutation study on real Bundles.

    .venv/bin/python -m bench.fhir_depth_parity [--seed 1] [--trials 150]

For the 104 KB sample and every Bundle of tests/fixtures/fhir that both depths accept, ``--trials``
times: pick a resource clinrelay reads (Patient, Encounter, Condition, notes, claims, coverage,
people and places), pick one of its elements at random (any depth), and spoil it in one of five
ways — an unknown element added to an object, a value of the wrong JSON type, a null, a
malformed string value ("not  a valid<TAB>value 2024-13-45"), the element deleted (which is
only a problem when it is required). Then ``parse_bundle`` at depth ``read`` and at depth
``full``: accepted or refused? Prints, per kind of mutation, how often the verdicts agree, and
every disagreement by resource type and element path (never a value).

By design, depth ``read`` does not check the *value* of an element clinrelay never reads, so
"malformed" mutations of such elements are accepted there and refused at ``full``.
"""

from __future__ import annotations

import argparse
import collections
import copy
import random
from collections.abc import Iterator
from typing import Any

import orjson

from bench.fhir_parse import FIXTURES, SAMPLE
from shared.intake.fhir import BundleError, parse_bundle
from shared.intake.fhir.validation import READ_RESOURCE_TYPES

KINDS = ("unknown element", "wrong type", "null", "malformed", "deleted")
MALFORMED = "not  a valid\tvalue 2024-13-45"

Path_ = tuple[int | str, ...]


def elements(node: object, path: Path_ = ()) -> Iterator[tuple[Path_, object]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key), value
            yield from elements(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*path, index), value
            yield from elements(value, (*path, index))


def verdict(document: dict[str, Any], depth: str) -> str:
    try:
        parse_bundle(document, depth=depth)
    except BundleError:
        return "refused"
    return "accepted"


def spoil(parent: Any, key: int | str, value: object, kind: str) -> bool:
    """Apply one mutation in place; False when it does not apply to this element."""
    if kind == "unknown element":
        if not isinstance(value, dict):
            return False
        value["zzUnknownElement"] = "x"
    elif kind == "wrong type":
        if isinstance(value, str):
            parent[key] = 12345
        elif isinstance(value, dict):
            parent[key] = "text"
        elif isinstance(value, list) and isinstance(key, str):
            parent[key] = {"a": 1} if value and isinstance(value[0], dict) else "x"
        else:
            return False
    elif kind == "malformed":
        if not isinstance(value, str):
            return False
        parent[key] = MALFORMED
    elif isinstance(key, int):  # null or deleted: array items are left alone
        return False
    elif kind == "null":
        parent[key] = None
    else:
        del parent[key]
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trials", type=int, default=150, help="mutations per Bundle")
    arguments = parser.parse_args()
    chance = random.Random(arguments.seed)
    outcomes: collections.Counter[tuple[str, str, str]] = collections.Counter()
    disagreements: collections.Counter[tuple[str, str, str, str, str]] = collections.Counter()
    for path in [SAMPLE, *sorted(FIXTURES.glob("*/*.json"))]:
        original = orjson.loads(path.read_bytes())
        if verdict(original, "read") != "accepted" or verdict(original, "full") != "accepted":
            continue
        readable = [
            index
            for index, entry in enumerate(original["entry"])
            if entry.get("resource", {}).get("resourceType") in READ_RESOURCE_TYPES
        ]
        for _ in range(arguments.trials):
            document = copy.deepcopy(original)
            resource = document["entry"][chance.choice(readable)]["resource"]
            candidates = [
                (where, value)
                for where, value in elements(resource)
                if where[-1] != "resourceType" and where != ("id",)
            ]
            where, value = chance.choice(candidates)
            parent: Any = resource
            for key in where[:-1]:
                parent = parent[key]
            kind = chance.choice(KINDS)
            if not spoil(parent, where[-1], value, kind):
                continue
            read, full = verdict(document, "read"), verdict(document, "full")
            outcomes[(kind, read, full)] += 1
            if read != full:
                element = ".".join(str(p) for p in where if not isinstance(p, int))
                disagreements[(kind, resource["resourceType"], element, read, full)] += 1
    print("| mutation | trials | same verdict | read / full |")
    print("|---|---|---|---|")
    for kind in KINDS:
        rows = {(r, f): n for (k, r, f), n in outcomes.items() if k == kind}
        total = sum(rows.values())
        same = sum(n for (r, f), n in rows.items() if r == f)
        detail = ", ".join(f"{r} / {f}: {n}" for (r, f), n in sorted(rows.items()))
        print(f"| {kind} | {total} | {same} ({same / max(total, 1):.1%}) | {detail} |")
    print("\nDisagreements (mutation, resource, element, read, full):")
    for disagreement, count in disagreements.most_common():
        print(f"  {count} × {disagreement}")


if __name__ == "__main__":
    main()
