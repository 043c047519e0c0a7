"""Quality of ``clinrelay code --jsonl`` on CodiEsp (English translations), against a baseline.

Micro precision/recall/F1 over (document, code) pairs, on full codes and on 3-character
categories, for clinrelay and — in the same run — the simplest honest baseline: a billable code is
present when its full ICD-10-CM description occurs in the text.

The 50 documents are split by a hash of their id: about 30% are held out and were never looked
at while the coder was built; report both parts.

    .venv/bin/python bench/coding/evaluate_codiesp.py --split dev
    .venv/bin/python bench/coding/evaluate_codiesp.py --split heldout
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

DEFAULT_DATA = Path("/work/shared/data/codiesp-test")


def is_held_out(doc_id: str) -> bool:
    return int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 10 < 3


def load(data: Path, split: str) -> tuple[dict[str, str], dict[str, set[str]]]:
    texts = {
        p.stem: p.read_text(encoding="utf-8")
        for p in sorted((data / "text_files_en").glob("*.txt"))
    }
    if split != "all":
        texts = {d: t for d, t in texts.items() if is_held_out(d) == (split == "heldout")}
    gold: dict[str, set[str]] = defaultdict(set)
    for line in (data / "testD.tsv").read_text(encoding="utf-8").splitlines():
        doc, code = line.split("\t")[:2]
        if doc in texts:
            gold[doc].add(code.strip().upper())
    return texts, gold


def run_clinrelay(texts: dict[str, str], encounter_class: str) -> tuple[dict[str, set[str]], float]:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.jsonl"
        source.write_text(
            "".join(
                json.dumps({"id": d, "text": t, "encounter_class": encounter_class}) + "\n"
                for d, t in texts.items()
            ),
            encoding="utf-8",
        )
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "clinrelay", "code", "--jsonl", str(source)],
            check=True,
            capture_output=True,
        )
        elapsed = time.perf_counter() - started
    predicted: dict[str, set[str]] = defaultdict(set)
    for line in out.stdout.decode().splitlines():
        row = json.loads(line)
        predicted[row["id"]].update(c["code"].upper() for c in row["codes"])
    return predicted, elapsed


def run_baseline(texts: dict[str, str]) -> dict[str, set[str]]:
    import simple_icd_10_cm as icd

    descriptions = [
        (code, re.compile(r"\b" + re.escape(icd.get_description(code).lower()) + r"\b"))
        for code in icd.get_all_codes(True)
        if icd.is_leaf(code)
        and (icd.is_category_or_subcategory(code) or icd.is_extended_subcategory(code))
    ]
    predicted: dict[str, set[str]] = defaultdict(set)
    for doc, text in texts.items():
        lowered = text.lower()
        for code, pattern in descriptions:
            if pattern.pattern[2:-2].replace("\\", "") in lowered and pattern.search(lowered):
                predicted[doc].add(code)
    return predicted


def micro(
    predicted: dict[str, set[str]], gold: dict[str, set[str]], docs: list[str], level: str
) -> dict[str, float]:
    def view(codes: set[str]) -> set[str]:
        return {c[:3] for c in codes} if level == "category" else {c for c in codes}

    tp = fp = fn = 0
    for doc in docs:
        p, g = view(predicted.get(doc, set())), view(gold.get(doc, set()))
        tp += len(p & g)
        fp += len(p - g)
        fn += len(g - p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=["dev", "heldout", "all"], default="dev")
    parser.add_argument(
        "--encounter-class",
        action="append",
        dest="classes",
        help="encounter class(es) to run clinrelay with (default: IMP and AMB)",
    )
    parser.add_argument("--details", type=Path, help="write per-document predictions here (JSON)")
    args = parser.parse_args()
    texts, gold = load(args.data, args.split)
    docs = sorted(texts)
    print(
        f"CodiEsp {args.split}: {len(docs)} documents, {sum(len(gold[d]) for d in docs)} gold pairs"
    )
    rows: list[tuple[str, dict[str, set[str]], float | None]] = [
        ("baseline: description occurs in text", run_baseline(texts), None)
    ]
    for encounter_class in args.classes or ["IMP", "AMB"]:
        predicted, elapsed = run_clinrelay(texts, encounter_class)
        rows.append((f"clinrelay code (encounter_class={encounter_class})", predicted, elapsed))
    print()
    print("| system | full P | full R | full F1 | category P | category R | category F1 |")
    print("|---|---|---|---|---|---|---|")
    details = {}
    for name, predicted, _elapsed in rows:
        full = micro(predicted, gold, docs, "full")
        cat = micro(predicted, gold, docs, "category")
        print(
            f"| {name} | {full['precision']:.3f} | {full['recall']:.3f} | {full['f1']:.3f} | "
            f"{cat['precision']:.3f} | {cat['recall']:.3f} | {cat['f1']:.4f} |"
        )
        details[name] = {d: sorted(predicted.get(d, set())) for d in docs}
    for name, _predicted, seconds in rows:
        if seconds is not None:
            print(
                f"\n{name}: {len(docs)} documents in {seconds:.1f} s "
                "(process start and model load included)"
            )
    if args.details:
        details["gold"] = {d: sorted(gold[d]) for d in docs}
        args.details.write_text(json.dumps(details, indent=1))


if __name__ == "__main__":
    main()
