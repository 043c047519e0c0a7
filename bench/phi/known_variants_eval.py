"""Synthea notes with the record: does any variant of the patient's name survive?

    .venv/bin/python -m bench.phi.known_variants_eval

Every mention of the patient's given or family name in a synthea-bulk-10 note (``Sumiko254``,
``Kub800``) is rewritten in one form a note might use instead — lower case, UPPER case, a
nickname from the shipped list, a prefix of 3-4 letters of the given name, one edit (two for
names of 8+ letters) as a typist makes them, digits kept or dropped, and "FAMILY, GIVEN"
reordered — and each rewritten note is de-identified with the Patient's record (as the ingestor
does). Each form is also written once more where nothing in the note says "name" (a sentence
added at its end: "Plan reviewed and sumi agrees with it."), since Synthea notes name the
patient only where the rules find any word ("X is a 31 year-old"). Reported: mentions of each
form and how many survive. The forms are drawn by a seeded
generator; the same rewrite with the record left out shows what the record adds.
"""

from __future__ import annotations

import argparse
import random
import re
from collections import Counter
from typing import Any

from bench.phi.corpus import synthea_notes
from bench.phi.evaluate import _patient_known

FORMS = ("lower", "upper", "nickname", "prefix", "edit", "no-digits", "reordered")


def _edit(rng: random.Random, word: str) -> str:
    """One typing error: a letter dropped, doubled, swapped with its neighbour or replaced."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "double", "swap", "replace"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    letter = rng.choice([c for c in "aeioulnrst" if c != word[i].lower()])
    return word[:i] + letter + word[i + 1 :]


def variant(  # noqa: PLR0911 (one return per form)
    rng: random.Random, form: str, given: str, family: str, is_given: bool
) -> str | None:
    """The mention of ``given`` (or ``family``) in ``form``; None when the form does not apply."""
    from services.ingestor.phi.nicknames import related_names

    word = given if is_given else family
    alpha = re.sub(r"\d+$", "", word)
    if form == "lower":
        return word.lower()
    if form == "upper":
        return word.upper()
    if form == "no-digits":
        return alpha
    if form == "nickname":
        names = sorted(related_names(alpha)) if is_given else []
        return rng.choice(names).title() if names else None
    if form == "prefix":
        return alpha[: rng.choice((3, 4))] if is_given and len(alpha) > 4 else None
    if form == "edit":
        if len(alpha) < 5:
            return None
        edited = _edit(rng, alpha)
        return _edit(rng, edited) if len(alpha) >= 8 and rng.random() < 0.5 else edited
    if form == "reordered":
        surname = re.sub(r"\d+$", "", family)
        return f"{surname.upper()}, {alpha.upper()}" if is_given else None
    raise ValueError(form)


def rewrite(
    rng: random.Random, text: str, patient: dict[str, Any]
) -> list[tuple[str, str, list[str]]]:
    """(form, rewritten note, the variant strings written) for each form that applies."""
    official = patient["name"][0]
    given, family = official["given"][0], official["family"]
    out = []
    for form in FORMS:
        written: list[str] = []

        def swap(m: re.Match[str], form: str = form, written: list[str] = written) -> str:
            is_given = m.group(0) == given
            value = variant(rng, form, given, family, is_given)
            if value is None:
                return m.group(0)
            written.append(value)
            return value

        new = re.sub(rf"\b(?:{re.escape(given)}|{re.escape(family)})\b", swap, text)
        if written:
            out.append((form, new, written))
        # the same form where no cue says "name": a sentence added at the end of the note
        for is_given in (True, False):
            value = variant(rng, form, given, family, is_given)
            if value is not None:
                added = f"{text.rstrip()}\nPlan reviewed and {value} agrees with it.\n"
                out.append((f"{form}, no cue", added, [value]))
    return out


def main() -> None:
    from services.ingestor.phi.deidentify import deidentify_note

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    patients, notes = synthea_notes()
    written: Counter[str] = Counter()
    left: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    for subject, text in notes:
        patient = patients[subject]
        known = _patient_known(patient)
        for form, new, values in rewrite(rng, text, patient):
            written[form] += len(values)
            for with_record in (True, False):
                out = deidentify_note(new, known if with_record else None).text
                left[with_record][form] += sum(
                    len(re.findall(rf"(?<![A-Za-z]){re.escape(v)}(?![A-Za-z])", out, re.I))
                    for v in set(values)
                )
    print(f"{len(notes)} synthea-bulk-10 notes, seed {args.seed}\n")
    print("| form | mentions written | left with the record | left without it (text only) |")
    print("|---|---|---|---|")
    for form in sorted(written, key=lambda f: (f.endswith("no cue"), FORMS.index(f.split(",")[0]))):
        print(f"| {form} | {written[form]} | {left[True][form]} | {left[False][form]} |")
    total = sum(written.values())
    print(f"| all | {total} | {sum(left[True].values())} | {sum(left[False].values())} |")


if __name__ == "__main__":
    main()
