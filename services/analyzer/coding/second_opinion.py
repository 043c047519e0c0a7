"""The optional second opinion: what is asked of a chat model, and how its answer is read.

Pure functions: the request is built from de-identified material only (the notes as the ingestor
left them and clinrelay's suggestions); the reply is parsed defensively — anything that is not a
valid ICD-10-CM code or a known verdict is dropped, never trusted.
"""

from __future__ import annotations

import json
import re
from typing import Any

from services.analyzer.coding import codeset
from shared.events.coding import (
    CodingAnalysis,
    SecondOpinion,
    SecondOpinionAddition,
    SecondOpinionReview,
)

VERDICTS = frozenset({"agree", "disagree", "uncertain"})
_JSON_BLOCK = re.compile(r"\{.*\}", re.DOTALL)

SYSTEM_PROMPT = (
    "You are a certified medical coder (CPC/CCS) reviewing ICD-10-CM codes suggested by software "
    "for one patient's de-identified notes. Apply the ICD-10-CM Official Guidelines: do not code "
    "negated, hypothetical or family-member conditions; code uncertain diagnoses only for "
    "inpatient encounters; prefer the most specific code the documentation supports. Answer with "
    'JSON only: {"reviews": [{"code": "...", "verdict": "agree|disagree|uncertain", '
    '"comment": "..."}], "additions": [{"code": "...", "comment": "..."}]}.'
)


def review_messages(
    analysis: CodingAnalysis, notes: dict[str, str], max_note_chars: int
) -> list[dict[str, str]]:
    """Chat messages asking for a review of ``analysis``; ``notes`` maps note id → text."""
    parts: list[str] = []
    for encounter in analysis.encounters:
        parts.append(f"Encounter {encounter.encounter_id} ({encounter.setting.value}):")
        for note_id in encounter.note_ids:
            text = notes.get(note_id, "")
            clipped = text[:max_note_chars] + (" [...]" if len(text) > max_note_chars else "")
            parts.append(f"Note {note_id}:\n{clipped}")
        for suggestion in encounter.suggestions:
            evidence = "; ".join(e.text for e in suggestion.evidence[:3])
            parts.append(
                f"Suggested {suggestion.code} {suggestion.description} (evidence: {evidence})"
            )
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "\n".join(parts)},
    ]


def parse_review(reply: str, model: str, suggested: set[str]) -> SecondOpinion:
    """Read the model's JSON reply; invalid or unknown entries are dropped."""
    match = _JSON_BLOCK.search(reply)
    try:
        data: Any = json.loads(match.group(0) if match else reply)
    except ValueError:
        return SecondOpinion(
            status="unavailable", model=model, detail="the reviewer did not answer in JSON"
        )
    if not isinstance(data, dict):
        return SecondOpinion(status="unavailable", model=model, detail="unexpected reply shape")
    reviews = []
    for item in _objects(data.get("reviews")):
        code = codeset.normalize_code(str(item.get("code", "")))
        verdict = str(item.get("verdict", "")).lower()
        if code in suggested and verdict in VERDICTS:
            reviews.append(SecondOpinionReview(code=code, verdict=verdict, comment=_comment(item)))
    additions = []
    for item in _objects(data.get("additions")):
        code = codeset.normalize_code(str(item.get("code", "")))
        if code and code not in suggested and codeset.is_billable(code):
            additions.append(
                SecondOpinionAddition(
                    code=code, description=codeset.description(code), comment=_comment(item)
                )
            )
    return SecondOpinion(
        status="completed", model=model, reviews=tuple(reviews), additions=tuple(additions)
    )


def _objects(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _comment(item: dict[str, Any]) -> str:
    return str(item.get("comment", ""))[:500]
