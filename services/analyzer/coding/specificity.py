"""From the code a mention names to the most specific billable code the note supports.

A mention often names a category ("type 2 diabetes" → E11, "knee pain" → M25.56). A coder then
reads the surrounding words for the detail the subcodes ask for: a complication ("with
hyperglycemia" → E11.65), a stage ("stage 3a" → N18.31), laterality ("right" → M25.561), acuity.
Here every billable descendant is checked: the words its description adds to the category's must
all occur near the mention. The descendant adding the most supported detail wins; when none is
supported, the category's "unspecified"/"without complications" code is the honest answer.
Injury codes take a 7th character: initial encounter (A) unless the note says subsequent or sequela.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from services.analyzer.coding import codeset
from services.analyzer.coding.terminology import clean_description, icd10_terminology

# Words a combination code's description repeats from the condition itself ("Type 2 diabetes
# mellitus with diabetic chronic kidney disease"): the note need not say them again.
_IMPLIED = frozenset({"diabetic", "diabetes"})

# Phrases that mean a description word without using it (ICD-10-CM index conventions).
_CUES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"uncontrolled"}), "hyperglycemia"),
    (frozenset({"poorly", "controlled"}), "hyperglycemia"),
    (frozenset({"inadequately", "controlled"}), "hyperglycemia"),
    (frozenset({"decompensated"}), "acute"),
    (frozenset({"flare"}), "exacerbation"),
    (frozenset({"ppd"}), "cigarette"),
    (frozenset({"gestational"}), "pregnancy"),
    (frozenset({"gestational", "diet"}), "controlled"),  # "GDM A1 (diet)"
    (frozenset({"gestational", "a1"}), "diet"),
    (frozenset({"gestational", "a1"}), "controlled"),
    (frozenset({"delivery"}), "childbirth"),
    (frozenset({"sigmoid"}), "large"),
    (frozenset({"sigmoid"}), "intestine"),
    (frozenset({"colon"}), "large"),
    (frozenset({"colon"}), "intestine"),
    (frozenset({"colonic"}), "large"),
    (frozenset({"colonic"}), "intestine"),
    (frozenset({"pack"}), "cigarette"),
    # An ulcer's depth written as its layer: "fat layer" is the "fat layer exposed" code (L97.x2).
    (frozenset({"fat", "layer"}), "exposed"),
    # "Diverticulosis with hemorrhage" is the "with bleeding" code (K57.31).
    (frozenset({"hemorrhage"}), "bleeding"),
    # Skin infections of a limb (L03.11-, L02.41-) name the limb, notes the leg, foot or arm.
    *(
        (frozenset({infection, part}), word)
        for infection in ("cellulitis", "abscess")
        for part, words in (("leg", ("lower", "limb")), ("foot", ("lower", "limb")))
        for word in words
    ),
    *(
        (frozenset({infection, "arm"}), word)
        for infection in ("cellulitis", "abscess")
        for word in ("upper", "limb")
    ),
    # Benign prostatic hyperplasia with a lower urinary tract symptom the note names (N40.1).
    *(
        (frozenset({"hyperplasia", symptom}), word)
        for symptom in ("nocturia", "frequency", "urgency", "hesitancy", "retention", "luts")
        for word in ("lower", "urinary", "tract", "symptom")
    ),
    # "Sciatica, right side": a note's "right sciatica" names the side without the word.
    (frozenset({"right"}), "side"),
    (frozenset({"left"}), "side"),
    # A "deep tissue (pressure) injury" is the "pressure-induced deep tissue damage" of L89.xx6.
    (frozenset({"deep", "tissue"}), "damage"),
    (frozenset({"deep", "tissue"}), "induced"),
    (frozenset({"cigs"}), "cigarette"),
)
# Fracture encounters after active treatment (Guidelines I.C.19.a, 7th characters): the healing
# phase the note states → the extension letter, checked in this order.
_HEALING: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"sequela"}), "S"),
    (frozenset({"nonunion"}), "K"),
    (frozenset({"malunion"}), "P"),
    (frozenset({"delayed", "healing"}), "G"),
    (frozenset({"subsequent"}), "D"),
    (frozenset({"routine", "healing"}), "D"),
    # "Aftercare" of an injury is its routine healing phase: the 7th character D, not a Z code
    # (I.C.19.a, I.C.21.c.7); so is a fracture said to be healing.
    (frozenset({"aftercare"}), "D"),
    (frozenset({"healing"}), "D"),
)

_PARENS = re.compile(r"\(([^)]*)\)")
# The default of a category whose "unspecified" child names unspecified *complications*
# (F17.21 → F17.210 "uncomplicated", not F17.219 "with unspecified nicotine-induced disorders").
_UNCOMPLICATED = re.compile(r"\buncomplicated\b|\bwithout complications?\b", re.IGNORECASE)
_OTHER = re.compile(r"\bother\b", re.IGNORECASE)


@dataclass(frozen=True)
class SpecificCode:
    code: str
    billable: bool
    rationale: str | None = None


_LARGE_INTESTINE = frozenset({"sigmoid", "colon", "colonic"})
_NOT_PRIMARY = frozenset({"secondary", "post", "traumatic", "posttraumatic"})


def with_cues(context: Iterable[str]) -> frozenset[str]:
    tokens = set(context)
    if tokens & _LARGE_INTESTINE and not tokens & {"bowel", "intestine", "intestinal"}:
        # Beside the colon, a bare "small" sizes something ("a small contained perforation"); it
        # names the small intestine only with bowel/intestine (K57.20, not K57.00).
        tokens.discard("small")
    for needed, means in _CUES:
        if needed <= tokens:
            tokens.add(means)
    # One side named is a unilateral condition ("right knee" → "unilateral primary
    # osteoarthritis, right knee"); both sides are the bilateral code.
    if tokens & {"right", "left"} and "bilateral" not in tokens:
        tokens.add("unilateral")
    # Index: Osteoarthritis, knee M17.1-, bilateral M17.0 (hip M16, first carpometacarpal M18,
    # other joints M19.0-): osteoarthritis of a joint is primary unless the note says otherwise.
    if "osteoarthritis" in tokens and not tokens & _NOT_PRIMARY:
        tokens.add("primary")
    # Guidelines I.C.19.c.1: a fracture not stated displaced or nondisplaced is displaced, and
    # one not stated open or closed is closed.
    if "fracture" in tokens and not tokens & {"nondisplaced", "displaced"}:
        tokens.add("displaced")
    if "fracture" in tokens and not tokens & {"open", "closed"}:
        tokens.add("closed")
    return frozenset(tokens)


@cache
def _description_tokens(code: str) -> tuple[frozenset[str], frozenset[str]]:
    """(required, all) tokens of a code's description; parenthesised words are optional."""
    terminology = icd10_terminology()
    text = clean_description(codeset.description(code))
    required = terminology.tokens_of(_PARENS.sub(" ", text))
    everything = terminology.tokens_of(_PARENS.sub(lambda m: f" {m.group(1)} ", text))
    return frozenset(required), frozenset(everything) | frozenset(required)


def description_words(code: str) -> frozenset[str]:
    """The normalized words of a code's description (parenthesised ones included)."""
    return _description_tokens(code)[1]


@lru_cache(maxsize=20_000)
def _refinement_candidates(base: str) -> tuple[str, ...]:
    """Billable descendants of ``base`` and codes that only lack their 7th character."""
    found: list[str] = []
    stack = list(codeset.children(base))
    while stack:
        code = stack.pop()
        kids = codeset.children(code)
        if not kids or (codeset.is_code(kids[0]) and _needs_extension(code)):
            found.append(code)
        else:
            stack.extend(kids)
    return tuple(sorted(found))


def _needs_extension(code: str) -> bool:
    """True for codes whose only children add a 7th character (S22.49 → S22.49XA...)."""
    kids = codeset.children(code)
    return bool(kids) and all(len(codeset.undotted(k)) == 7 for k in kids)


def _with_extension(code: str, context: frozenset[str]) -> str | None:
    meanings = _extension_meanings(code)
    if meanings and not any(_STAGE_MEANING.search(m) for m in meanings.values()):
        # The 7th character is not an encounter stage but what the note states: the eye of a
        # diabetic retinopathy (E11.33-: 3 "bilateral", 9 "unspecified eye"), a glaucoma stage,
        # a fetus.
        return _extended(code, _stated_character(meanings, context))
    letters = ["A"]
    stage = next((letter for words, letter in _HEALING if words <= context), None)
    if stage is not None:
        letters = [stage, "D", "A"] if stage in "GKP" else [stage, "A"]
    for letter in letters:
        raw = codeset.undotted(code).ljust(6, "X") + letter
        extended = f"{raw[:3]}.{raw[3:]}"
        if codeset.is_billable(extended):
            return extended
    kids = codeset.children(code)
    return kids[0] if kids else None


_STAGE_MEANING = re.compile(r"\bencounter\b|\bsequela\b", re.IGNORECASE)
_UNSTATED_MEANING = re.compile(r"\bunspecified\b|\bnot applicable\b", re.IGNORECASE)


def _extension_meanings(code: str) -> dict[str, str]:
    """The 7th-character meanings the nearest ancestor of ``code`` defines ({} if none)."""
    current: str | None = code
    while current is not None:
        meanings = codeset.seven_character_extensions(current)
        if meanings:
            return meanings
        current = codeset.parent(current)
    return {}


def _stated_character(meanings: dict[str, str], context: frozenset[str]) -> str:
    """The 7th character whose meaning the context states (the most words of it), else the one
    that means "unspecified" (or "not applicable")."""
    terminology = icd10_terminology()
    stated = [
        (len(words), letter)
        for letter, meaning in meanings.items()
        if not _UNSTATED_MEANING.search(meaning)
        and (words := frozenset(terminology.tokens_of(clean_description(meaning))))
        and words <= context
    ]
    if stated:
        return max(stated)[1]
    unstated = [letter for letter, m in meanings.items() if _UNSTATED_MEANING.search(m)]
    return unstated[0] if unstated else min(meanings)


def _extended(code: str, letter: str) -> str | None:
    raw = codeset.undotted(code).ljust(6, "X") + letter
    extended = f"{raw[:3]}.{raw[3:]}"
    return extended if codeset.is_billable(extended) else None


def most_specific_code(code: str, context: Iterable[str]) -> SpecificCode:
    """The most specific billable code under ``code`` that the ``context`` tokens support."""
    context_tokens = with_cues(context)
    if codeset.is_billable(code):
        if not codeset.is_default_code(code):
            return SpecificCode(code, True)
        # An "unspecified" code is refined within its whole category: "cellulitis, unspecified"
        # (L03.90) of the right lower leg is L03.115, "pressure ulcer of unspecified site, stage
        # 3" (L89.93) of the sacrum is L89.153.
        base = codeset.category(code)
    else:
        base = code
    if "bilateral" in context_tokens and "unilateral" in codeset.description(base).lower():
        # "Primary osteoarthritis of right and left knees" matched the unilateral subcategory
        # (M17.1); the bilateral code is its sibling (M17.0): refine in the whole category.
        base = codeset.category(base)
    if _needs_extension(base):
        extended = _with_extension(base, context_tokens)
        return _finish(code, extended, "7th character: encounter stage as documented")
    chosen = _best_descendant(code, base, context_tokens)
    if chosen is None or chosen[0] == code:
        if codeset.is_billable(code):
            return SpecificCode(code, True)
        fallback = unspecified_child(code)
        if fallback is None:
            return _below_unspecified(code, context_tokens)
        chosen = (fallback, 0)
    candidate, detail = chosen
    if _needs_extension(candidate):
        extended = _with_extension(candidate, context_tokens)
        return _finish(code, extended, "specificity from the note; 7th character: encounter stage")
    reason = (
        "most specific code the note supports"
        if detail
        else "no further detail documented: unspecified code"
    )
    return SpecificCode(candidate, True, reason)


# Categories whose guideline asks for as many codes as the complications documented (I.C.4.a:
# "assign as many codes from categories E08–E13 as needed to identify all of the associated
# conditions").
_MANY_COMPLICATIONS = ("E08", "E09", "E10", "E11", "E13", "J96")
# (J96: respiratory failure "with hypoxia and hypercapnia" is both codes, J96.01 and J96.02.)


def further_complications(code: str, context: Iterable[str]) -> tuple[str, ...]:
    """Other billable codes of a diabetes ``code``'s category whose complication words all occur
    in ``context`` too ("type 2 diabetes with hyperglycemia and diabetic CKD": E11.22 beside
    E11.65), and the CKD stage a diabetic CKD's phrase states (N18.x, "use additional code").
    Only codes that add a complication of their own; "other" codes never."""
    if not code.startswith(_MANY_COMPLICATIONS):
        return ()
    tokens = with_cues(context)
    category = codeset.category(code)
    base_tokens = _description_tokens(category)[1]
    found = []
    for candidate in _refinement_candidates(category):
        if candidate == code or _needs_extension(candidate):
            continue
        extra = _description_tokens(candidate)[0] - base_tokens - _IMPLIED
        if not extra or not extra <= tokens or _OTHER.search(codeset.description(candidate)):
            continue
        found.append(candidate)
    # Keep the most specific: a code whose words are all another's, or the chosen code's, gives
    # way (E11.64 to E11.649; J96.01 to a chosen J96.21 "acute and chronic … with hypoxia").
    words = {c: _description_tokens(c)[0] for c in (*found, code)}
    kept = [c for c in found if not any(words[c] <= words[o] for o in (*found, code) if o != c)]
    # Diabetic CKD "use additional code to identify stage": the stage the same phrase states.
    if any(c.endswith(".22") for c in (code, *kept)) and "stage" in tokens:
        # A diabetes type's number is no stage ("type 2 … stage 4" is N18.4): without it, a
        # stage 1 or 2 goes unread here (the CKD's own mention still codes it).
        numbers = {"1", "2"} if "type" in tokens else set()
        stage = most_specific_code("N18", tokens - numbers)
        if stage.billable and stage.code != "N18.9":
            kept.append(stage.code)
    return tuple(kept)


def _below_unspecified(code: str, context_tokens: frozenset[str]) -> SpecificCode:
    """Codes below ``code`` that need a 7th character (injuries) have no billable "unspecified"
    child: the "unspecified" subcategory, refined by what the note says (S93.4 "ankle sprain" of
    the left → S93.40 → S93.402A)."""
    below = _unspecified_subcategory(code)
    if below is not None:
        return most_specific_code(below, context_tokens)
    return SpecificCode(code, False, "the note does not support a billable subcode")


def _unspecified_subcategory(code: str) -> str | None:
    """The child of ``code`` whose description says "unspecified" (S93.4 → S93.40), if one."""
    kids = [k for k in codeset.children(code) if _UNSPECIFIED_WORD.search(codeset.description(k))]
    return kids[0] if len(kids) == 1 else None


_UNSPECIFIED_WORD = re.compile(r"\bunspecified\b", re.IGNORECASE)


def unspecified_child(code: str) -> str | None:
    """The billable code a coder falls back to under category or subcategory ``code`` when the
    note gives no further detail: its "unspecified" child (I46 → I46.9, J45.90 → J45.909, K25 →
    K25.9), the one whose added characters are 9s (or placeholders), else a default one."""
    raw = codeset.undotted(code)
    best: tuple[tuple[bool, bool, int, bool, int], str] | None = None
    for candidate in _refinement_candidates(code):
        if _needs_extension(candidate):
            continue
        added = codeset.undotted(candidate)[len(raw) :]
        default = codeset.is_default_code(candidate)
        plain = bool(_UNCOMPLICATED.search(codeset.description(candidate)))
        key = (plain, set(added) <= {"9", "X"}, added.count("9"), default, -len(added))
        if (plain or key[1] or default) and (best is None or key > best[0]):
            best = (key, candidate)
    return best[1] if best else None


def _best_descendant(code: str, base: str, context: frozenset[str]) -> tuple[str, int] | None:
    """The refinement of ``base`` adding the most detail found in ``context``, with that count."""
    base_tokens = _description_tokens(base)[1] - _offered_words(base)
    category = codeset.category(base)
    if category != base:
        # A subcategory is a kind of its category: carpal tunnel syndrome (G56.0) is one of the
        # "mononeuropathies of upper limb" (G56), so its codes' "upper limb" needs no saying.
        base_tokens |= _description_tokens(category)[1] - _offered_words(category)
    # Refining a billable "unspecified" code stays within what it names: unspecified atrial
    # fibrillation may become paroxysmal atrial fibrillation, never atrial flutter.
    named = _description_tokens(code)[0] if codeset.is_billable(code) else frozenset()
    best: tuple[tuple[int, int, bool, int], str] | None = None
    for candidate in _refinement_candidates(base):
        required = _description_tokens(candidate)[0]
        extra = required - base_tokens - _IMPLIED
        if not named <= required or not extra <= context:
            continue
        described = codeset.description(candidate)
        is_other = bool(_OTHER.search(described))
        if not extra and is_other:
            continue  # an "Other ..." code needs the note to name the other thing
        key = (
            len(extra),
            _kind(extra, is_other, codeset.is_default_code(candidate), described),
            candidate == code,
            -len(described),
        )
        if best is None or key > best[0]:
            best = (key, candidate)
    return (best[1], best[0][0]) if best else None


_OFFERED = re.compile(r"^([\w\s-]+?) and (?:unspecified|other)\b", re.IGNORECASE)


@cache
def _offered_words(base: str) -> frozenset[str]:
    """Words a category only offers as one of its kinds: "Suppurative and unspecified otitis
    media" (H66) does not say its codes are suppurative, so a note must say it for H66.0-."""
    match = _OFFERED.match(codeset.description(base))
    if match is None:
        return frozenset()
    return frozenset(icd10_terminology().tokens_of(clean_description(match.group(1))))


def _kind(extra: frozenset[str], is_other: bool, is_default: bool, described: str) -> int:
    """With detail, prefer the code that states it, then "unspecified", then "other";
    without detail, the "uncomplicated" code, then the "unspecified" one."""
    if not extra:
        if _UNCOMPLICATED.search(described):
            return 3
        return 2 if is_default else 1
    if is_other:
        return 0
    return 1 if is_default else 2


def _finish(original: str, chosen: str | None, reason: str) -> SpecificCode:
    if chosen is None:
        return SpecificCode(original, codeset.is_billable(original))
    return SpecificCode(chosen, codeset.is_billable(chosen), reason)
