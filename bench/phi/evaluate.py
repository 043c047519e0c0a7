"""Evaluate PHI de-identification on the shared corpora, side by side with deid.pl and Presidio.

    .venv/bin/python -m bench.phi.evaluate [--no-presidio] [--fresh] [--out results.md]

Every run prints the held-out figures (physionet-deid's held-out patients, the multi-style
set's held-out third) in aggregate: each run is a look at them, to be counted in
docs/benchmarks.md. ``--fresh`` adds the fresh multi-style set, held out whole
(``bench.phi.multistyle --set fresh``), in aggregate only; it is off by default so that routine
runs do not look at it.

Our detector is run through the real CLI (``clinrelay deid --jsonl``), as a user would.
physionet-deid is scored per part: "dev" (the part the rules were written against) and
"held-out" (a fixed quarter of its patients, see corpus.held_out; its notes are never read, and
how often its aggregate figures were looked at is recorded in docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.phi.corpus import (
    NoteKey,
    Scores,
    Span,
    deidpl_output,
    held_out,
    overlap_score,
    physionet_gold,
    physionet_notes,
    presidio_synth,
    synthea_notes,
)

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "clinrelay", "deid", "--jsonl"]


def run_cli(texts: dict[str, str], *args: str) -> dict[str, dict[str, Any]]:
    """Spans per id, from ``clinrelay deid --jsonl`` in a subprocess."""
    stdin = "".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items())
    done = subprocess.run(
        [*CLI, *args], input=stdin, capture_output=True, text=True, check=True, cwd=ROOT
    )
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    return {row["id"]: row for row in rows}


def _fmt(scores: Scores) -> str:
    found = f"{scores.found}/{scores.gold}"
    return f"{scores.recall:.4f} | {scores.ppv:.4f} | {found} | {len(scores.false_positives)}"


def physionet(use_presidio: bool, analyzer: Any) -> list[str]:
    notes = physionet_notes()
    gold = physionet_gold()
    keys = {f"{p}/{n}": (p, n) for p, n in notes}
    ours_rows = run_cli({k: notes[v] for k, v in keys.items()}, "--mask-years")
    ours: dict[NoteKey, list[Span]] = {
        keys[k]: [(s["start"], s["end"]) for s in row["spans"]] for k, row in ours_rows.items()
    }
    ours_keep = {
        key: [(s["start"], s["end"]) for s in ours_rows[k]["spans"] if s["type"] != "YEAR"]
        for k, key in keys.items()
    }
    systems: dict[str, dict[NoteKey, list[Span]]] = {
        "clinrelay (years masked)": ours,
        "clinrelay (years kept, policy default)": ours_keep,
        "deid.pl (baseline-deidpl.phi)": deidpl_output(),
    }
    if use_presidio:
        from bench.phi.presidio_baseline import presidio_spans

        systems["Presidio (sm model, tuned mapping, 0.35)"] = {
            key: [(s, e) for s, e, _ in presidio_spans(analyzer, text)]
            for key, text in notes.items()
        }
    parts = {
        "dev": [k for k in notes if not held_out(k[0])],
        "held-out": [k for k in notes if held_out(k[0])],
        "all": list(notes),
    }
    lines = [
        "| system | part | recall | PPV | found | false positives |",
        "|---|---|---|---|---|---|",
    ]
    categories: dict[str, dict[str, float]] = {}
    for name, predicted in systems.items():
        for part, part_keys in parts.items():
            scores = overlap_score(predicted, gold, part_keys)
            lines.append(f"| {name} | {part} ({len(part_keys)} notes) | {_fmt(scores)} |")
            if part in ("dev", "held-out"):
                categories[f"{name} — {part}"] = scores.category_recall()
    cats = sorted({c for v in categories.values() for c in v})
    lines += ["", "Per-category recall:", "", "| system — part | " + " | ".join(cats) + " |"]
    lines.append("|---" * (len(cats) + 1) + "|")
    for name, per in categories.items():
        lines.append(
            f"| {name} | " + " | ".join(f"{per.get(c, float('nan')):.3f}" for c in cats) + " |"
        )
    return lines


def speed(use_presidio: bool, analyzer: Any) -> list[str]:
    """Notes per second on 1-4 KB notes, one process, same notes for every system."""
    from services.ingestor.phi.deidentify import deidentify_note

    texts = [t for t in physionet_notes().values() if 1024 <= len(t) <= 4096]
    for text in texts[:20]:  # warm-up: word lists loaded, regexes compiled
        deidentify_note(text)
    started = time.perf_counter()
    for text in texts:
        deidentify_note(text)
    ours = len(texts) / (time.perf_counter() - started)
    lines = [
        f"{len(texts)} physionet-deid notes of 1–4 KB "
        f"(mean {sum(map(len, texts)) / len(texts):.0f} chars), single process.",
        "",
        "| system | notes/s |",
        "|---|---|",
        f"| clinrelay deidentify_note (detect + replace, tag policy) | {ours:.1f} |",
    ]
    if use_presidio:
        for text in texts[:5]:
            analyzer.analyze(text=text, language="en")
        started = time.perf_counter()
        from bench.phi.presidio_baseline import presidio_spans

        for text in texts:
            presidio_spans(analyzer, text)
        theirs = len(texts) / (time.perf_counter() - started)
        lines.append(f"| Presidio analyze only (no anonymizer) | {theirs:.1f} |")
        lines += ["", f"Ratio clinrelay / Presidio: **{ours / theirs:.1f}×**"]
    return lines


def _patient_known(patient: dict[str, Any]) -> Any:
    from shared.intake.known_phi import KnownPhi, PersonName, PostalAddress

    names = tuple(
        PersonName(
            given=tuple(n.get("given", [])),
            family=n.get("family"),
            prefix=tuple(n.get("prefix", [])),
        )
        for n in patient.get("name", [])
    )
    addresses = tuple(
        PostalAddress(
            lines=tuple(a.get("line", [])),
            city=a.get("city"),
            state=a.get("state"),
            postal_code=a.get("postalCode"),
        )
        for a in patient.get("address", [])
    )
    return KnownPhi(
        subject_key=patient["id"],
        names=names,
        birth_date=patient.get("birthDate"),
        identifiers=tuple(i["value"] for i in patient.get("identifier", []) if "value" in i),
        addresses=addresses,
        phones=tuple(t["value"] for t in patient.get("telecom", []) if t.get("system") == "phone"),
    )


def synthea() -> list[str]:
    from services.ingestor.phi.deidentify import deidentify_note

    patients, notes = synthea_notes()
    lines = [
        "| setting | notes | notes with a given name left | given-name mentions left |",
        "|---|---|---|---|",
    ]
    for label, with_known in (
        ("with the Patient's known PHI (pipeline)", True),
        ("text only (no known PHI)", False),
    ):
        notes_left = mentions = 0
        for subject, text in notes:
            patient = patients[subject]
            given = {g for n in patient.get("name", []) for g in n.get("given", [])}
            alpha = {re.sub(r"\d+$", "", g) for g in given}
            known = _patient_known(patient) if with_known else None
            out = deidentify_note(text, known).text
            left = sum(
                len(re.findall(rf"\b{re.escape(g)}", out)) for g in given | alpha if len(g) > 1
            )
            mentions += left
            notes_left += bool(left)
        lines.append(f"| {label} | {len(notes)} | {notes_left} | {mentions} |")
    return lines


# presidio-research entity types that are HIPAA Safe Harbor identifiers (ages: only over 89)
HIPAA_TYPES = {
    "PERSON": "names",
    "STREET_ADDRESS": "street address",
    "GPE": "geographic (cities; states/countries are not PHI)",
    "DATE_TIME": "dates",
    "PHONE_NUMBER": "phone",
    "EMAIL_ADDRESS": "e-mail",
    "ZIP_CODE": "ZIP",
    "DOMAIN_NAME": "URL",
    "US_SSN": "SSN",
    "IP_ADDRESS": "IP",
    "US_DRIVER_LICENSE": "licence number",
    "CREDIT_CARD": "account number",
    "IBAN_CODE": "account number",
    "AGE": "age (all ages; only > 89 is PHI)",
}


def presidio_research(use_presidio: bool, analyzer: Any) -> list[str]:
    records = presidio_synth()
    texts = {str(i): str(r["full_text"]) for i, r in enumerate(records)}
    ours_rows = run_cli(texts, "--mask-years")
    systems = {
        "clinrelay": {
            k: [(s["start"], s["end"]) for s in row["spans"]] for k, row in ours_rows.items()
        }
    }
    if use_presidio:
        from bench.phi.presidio_baseline import presidio_spans

        systems["Presidio"] = {
            k: [(s, e) for s, e, _ in presidio_spans(analyzer, t)] for k, t in texts.items()
        }
    totals: Counter[str] = Counter()
    found: dict[str, Counter[str]] = {name: Counter() for name in systems}
    for i, record in enumerate(records):
        for span in record["spans"]:  # type: ignore[attr-defined]
            kind = span["entity_type"]
            if kind not in HIPAA_TYPES:
                continue
            if kind == "AGE" and not re.fullmatch(r"(9\d|1[01]\d)", span["entity_value"].strip()):
                kind = "AGE ≤ 89 (not PHI)"
            totals[kind] += 1
            for name, predicted in systems.items():
                if any(
                    s < span["end_position"] and span["start_position"] < e
                    for s, e in predicted[str(i)]
                ):
                    found[name][kind] += 1
    header = "| type | what | n | " + " | ".join(f"{n} recall" for n in systems) + " |"
    lines = [header, "|---|---|---|" + "---|" * len(systems)]
    for kind in sorted(totals):
        what = HIPAA_TYPES.get(kind, "")
        cells = " | ".join(f"{found[n][kind] / totals[kind]:.3f}" for n in systems)
        lines.append(f"| {kind} | {what} | {totals[kind]} | {cells} |")
    return lines


def multistyle_sets() -> list[str]:
    """Our own multi-style set: dev and traps in full, the held-out third in aggregate only."""
    from bench.phi.multistyle import aggregate, load_set, score

    lines: list[str] = []
    for part in ("dev", "held-out", "traps"):
        notes = load_set(part)
        kinds = len({n.kind for n in notes})
        lines += [*aggregate(f"{part}: {len(notes)} notes of {kinds} kinds", score(notes)), ""]
    return lines


def rewritten_dev(variants: int = 3, seed: int = 1) -> list[str]:
    """Recall on physionet-deid dev notes rewritten in other surface forms."""
    from bench.phi.variant_eval import evaluate, physionet_dev, report

    notes = physionet_dev()
    counted = {s.category for n in notes for s in n.phi()}
    _, rewritten = evaluate(notes, variants, seed, counted)
    return report(f"{variants} rewrites of each dev note (seed {seed})", rewritten, min_forms=8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-presidio", action="store_true", help="skip the Presidio comparison")
    parser.add_argument("--out", type=Path, help="also write the markdown here")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="also score the fresh multi-style set held out whole (a look: count it)",
    )
    args = parser.parse_args()
    use_presidio = not args.no_presidio
    analyzer = None
    if use_presidio:
        from bench.phi.presidio_baseline import build_analyzer

        analyzer = build_analyzer()
    report = ["### physionet-deid (overlap scoring)", "", *physionet(use_presidio, analyzer), ""]
    report += ["### Speed", "", *speed(use_presidio, analyzer), ""]
    report += [
        "### synthea-bulk-10: patient given names left after de-identification",
        "",
        *synthea(),
        "",
    ]
    report += ["### Multi-style set (clinrelay's own)", "", *multistyle_sets()]
    if args.fresh:
        from bench.phi.multistyle import fresh_report

        report += ["### Multi-style fresh set (held out whole)", "", *fresh_report(), ""]
    report += ["### physionet-deid dev notes rewritten in other forms", "", *rewritten_dev(), ""]
    report += [
        "### presidio-synth: recall per HIPAA type",
        "",
        *presidio_research(use_presidio, analyzer),
        "",
    ]
    text = "\n".join(report)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
