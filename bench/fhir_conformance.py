"""Parse real exports and check what a user would: every note found and linked, every reference
followed or accounted for, the patient's names in the PHI dictionary.

    .venv/bin/python -m bench.fhir_conformance [DATA_DIR]

DATA_DIR defaults to the first ``shared/data`` found above the checkout (../shared/data).
Uses the Inferno US Core transaction Bundles, the Synthea COVID batch Bundles, and the SMART
bulk-export NDJSON (synthea-bulk-10), assembled into one collection Bundle per patient.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson

from shared.intake.fhir import BundleError, ParsedBundle, check_coding_bundle, parse_bundle


def default_data_dir() -> Path:
    """The evaluation data beside the checkout (``../shared/data``), from a worktree too."""
    for parent in Path(__file__).resolve().parents[1:]:
        candidate = parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    raise SystemExit("no shared/data directory beside the checkout: pass DATA_DIR")


def bulk_bundles(folder: Path) -> dict[str, dict[str, Any]]:
    """One collection Bundle per patient out of NDJSON files (references are Type/id)."""
    by_patient: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(folder.glob("*.ndjson")):
        for line in path.read_bytes().splitlines():
            if not line.strip():
                continue
            resource = orjson.loads(line)
            if resource["resourceType"] == "Patient":
                owner = resource["id"]
            else:
                subject = resource.get("subject") or resource.get("patient") or {}
                owner = str(subject.get("reference", "")).removeprefix("Patient/")
            by_patient[owner].append(resource)
    return {
        owner: {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": r} for r in resources],
        }
        for owner, resources in by_patient.items()
    }


def describe(name: str, parsed: ParsedBundle, seconds: float) -> str:
    notes = parsed.notes
    linked = sum(1 for n in notes if n.encounter_entry is not None)
    given = {g for n in parsed.known_phi.names if n.role == "patient" for g in n.given}
    reasons: dict[str, int] = defaultdict(int)
    for unresolved in parsed.unresolved_references:
        reasons[unresolved.reason] += 1
    try:
        check_coding_bundle(parsed)
        admitted = "yes"
    except BundleError:
        admitted = "no"
    return (
        f"| {name} | {parsed.bundle_type} | {len(parsed.encounters)} | {len(notes)} "
        f"| {linked} | {parsed.duplicate_notes} | {len(parsed.skipped_attachments)} "
        f"| {sum(len(e.diagnoses) for e in parsed.encounters)} "
        f"| {sum(len(e.billed_diagnoses) for e in parsed.encounters)} "
        f"| {dict(reasons) or '-'} | {len(parsed.warnings)} | {'yes' if given else 'no'} "
        f"| {admitted} | {seconds * 1000:.0f} ms |"
    )


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else default_data_dir()
    print(
        "| input | type | encounters | notes | linked | duplicates | skipped | recorded dx "
        "| billed dx | unresolved references | warnings | patient names known | admitted "
        "| parse |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    documents: list[tuple[str, bytes | dict[str, Any]]] = [
        (p.name, p.read_bytes()) for p in sorted((data / "inferno-uscore-bundles").glob("*.json"))
    ]
    documents += [
        (p.name[:30], p.read_bytes())
        for p in sorted((data / "synthea-covid-bundles").glob("*_*.json"))
    ]
    documents += [
        (f"synthea-bulk-10 patient {owner[:8]}", bundle)
        for owner, bundle in bulk_bundles(data / "synthea-bulk-10").items()
    ]
    for name, document in documents:
        start = time.perf_counter()
        try:
            parsed = parse_bundle(document)
        except BundleError as error:
            print(f"| {name} | refused: {error} |")
            continue
        print(describe(name, parsed, time.perf_counter() - start))


if __name__ == "__main__":
    main()
