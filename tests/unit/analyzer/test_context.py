"""ConText: triggers, directions, scopes, termination, pseudo-triggers; then clinrelay's rules."""

from __future__ import annotations

import pytest

from services.analyzer.coding.context import ConText, ContextRule, Direction, categories_of
from services.analyzer.coding.context_rules import context_rules
from services.analyzer.coding.mentions import find_mentions
from services.analyzer.coding.segmentation import split_sentences, tokenize
from shared.events.coding import Assertion

NEG, POS, FAM = "NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "FAMILY"


def rule(phrase: str, category: str, direction: Direction) -> ContextRule:
    return ContextRule(tuple(phrase.split()), category, direction)


TOY_RULES = [
    rule("no", NEG, Direction.FORWARD),
    rule("no history of", NEG, Direction.FORWARD),
    rule("ruled out", NEG, Direction.BACKWARD),
    rule("no increase", NEG, Direction.PSEUDO),
    rule("vs", POS, Direction.BIDIRECTIONAL),
    rule("mother", FAM, Direction.BIDIRECTIONAL),
    rule("but", "ANY", Direction.TERMINATE),
    rule("patient", FAM, Direction.TERMINATE),
]


def categories(text: str, target: str, max_scope: int = 10) -> frozenset[str]:
    """ConText categories of the first occurrence of ``target`` in ``text`` (toy rules)."""
    context = ConText(TOY_RULES, default_max_scope=max_scope)
    tokens = [t.lower for t in tokenize(text)]
    target_tokens = target.lower().split()
    first = next(
        i for i in range(len(tokens)) if tokens[i : i + len(target_tokens)] == target_tokens
    )
    last = first + len(target_tokens) - 1
    sentence = next(s for s in split_sentences(text) if s.first <= first < s.stop)
    modifiers = context.modifiers(tokens, sentence.first, sentence.stop)
    return categories_of(modifiers, first, last)


def test_forward_trigger_modifies_what_follows_only() -> None:
    assert categories("cough no fever", "fever") == {NEG}
    assert categories("cough no fever", "cough") == set()


def test_backward_trigger_modifies_what_precedes_only() -> None:
    assert categories("pneumonia ruled out with sepsis", "pneumonia") == {NEG}
    assert categories("pneumonia ruled out with sepsis", "sepsis") == set()


def test_bidirectional_trigger_modifies_both_sides() -> None:
    assert categories("pneumonia vs atelectasis", "pneumonia") == {POS}
    assert categories("pneumonia vs atelectasis", "atelectasis") == {POS}


def test_scope_ends_at_the_sentence() -> None:
    assert categories("No fever. Cough", "cough") == set()
    assert categories("Asthma. Pneumonia ruled out", "asthma") == set()


def test_termination_term_ends_the_scope() -> None:
    assert categories("no fever but cough", "cough") == set()
    assert categories("no fever but cough", "fever") == {NEG}


def test_category_specific_termination_ends_only_that_category() -> None:
    assert categories("mother and patient asthma", "asthma") == set()
    assert categories("no rash and patient asthma", "asthma") == {NEG}


def test_pseudo_trigger_is_no_trigger() -> None:
    assert categories("no increase in pain", "pain") == set()


def test_longest_trigger_wins() -> None:
    context = ConText(TOY_RULES)
    tokens = ["no", "history", "of", "asthma"]
    (modifier,) = context.modifiers(tokens, 0, len(tokens))
    assert modifier.rule.phrase == ("no", "history", "of")


def test_scope_is_capped_in_tokens() -> None:
    text = "no one two three four gout"
    assert categories(text, "gout", max_scope=4) == {NEG}
    assert categories(text, "gout", max_scope=3) == set()


def test_next_trigger_of_the_same_category_takes_over() -> None:
    context = ConText(TOY_RULES)
    tokens = ["no", "fever", "no", "chills"]
    first, second = context.modifiers(tokens, 0, len(tokens))
    assert first.after == (1, 2)
    assert second.after == (3, 4)


def test_trigger_inside_the_target_is_part_of_its_name() -> None:
    # "family history of X" is itself a term; the trigger "family history of" inside it does
    # not make it the family's, but a negation that starts before it still negates it.
    rules = [rule("family history of", FAM, Direction.FORWARD), *TOY_RULES]
    context = ConText(rules)
    tokens = ["no", "family", "history", "of", "cancer"]
    modifiers = context.modifiers(tokens, 0, len(tokens))
    assert categories_of(modifiers, 1, 4) == {NEG}
    tokens = tokens[1:]
    assert categories_of(context.modifiers(tokens, 0, len(tokens)), 0, 3) == set()


def test_empty_phrase_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty"):
        ConText([ContextRule((), NEG, Direction.FORWARD)])


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (["no", "NEGATED", "forward"], "unknown ConText category 'NEGATED'"),
        (["no", NEG, "sideways"], "unknown ConText direction 'sideways'"),
        (["no", NEG], "needs PHRASE, CATEGORY, DIRECTION"),
        (["  ", NEG, "forward"], "empty ConText phrase"),
        (["but", "ANY", "forward"], "unknown ConText category 'ANY'"),
    ],
)
def test_bad_rule_rows_are_named(row: list[str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        context_rules([row])


def test_a_phrase_listed_twice_is_rejected() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        context_rules([["no", NEG, "forward"], ["no", POS, "forward"]])


def test_the_curated_rules_load_and_cover_every_category_and_direction() -> None:
    rules = context_rules()
    assert {r.category for r in rules} >= {NEG, POS, FAM, "HYPOTHETICAL", "HISTORICAL", "ANY"}
    assert {r.direction for r in rules} == set(Direction)
    assert ("h", "/", "o") in {r.phrase for r in rules}  # tokenized like note text


N, U, H, HX, F, P = (
    Assertion.NEGATED,
    Assertion.UNCERTAIN,
    Assertion.HYPOTHETICAL,
    Assertion.HISTORICAL,
    Assertion.FAMILY,
    Assertion.PRESENT,
)


@pytest.mark.parametrize(
    ("text", "mention", "expected"),
    [
        # negation, both directions, lists, contractions, pseudo-triggers, termination
        ("Denies fever, nausea or rash.", "rash", N),
        ("Pneumonia was ruled out.", "Pneumonia", N),
        ("Fever, chills and rash were denied.", "rash", N),
        ("HIV negative.", "HIV", N),
        ("Patient doesn't have asthma.", "asthma", N),
        ("Pain-free.", "Pain", N),
        ("No fever but has a cough.", "cough", P),
        ("No increase in abdominal pain.", "abdominal pain", P),
        ("Gram-negative sepsis.", "sepsis", P),
        ("Triple negative breast cancer.", "breast cancer", P),
        ("No history of interest, presented with abdominal pain.", "abdominal pain", P),
        ("No family history of colon cancer.", "family history of colon cancer", N),
        ("He has not yet had a stroke.", "stroke", N),
        # uncertainty (ICD-10-CM guideline terms)
        ("Pulmonary embolism cannot be excluded.", "Pulmonary embolism", U),
        ("Pneumonia vs atelectasis.", "atelectasis", U),
        ("Findings suggestive of gout.", "gout", U),
        ("Cough, likely due to GERD.", "Cough", P),
        # hypothetical
        ("If the chest pain recurs, call us.", "chest pain", H),
        ("Screening for colon cancer.", "colon cancer", H),
        ("No effusion, which would suggest heart failure.", "heart failure", H),
        # historical
        ("Hypertension diagnosed 10 years ago.", "Hypertension", HX),
        ("h/o stroke.", "stroke", HX),
        ("A 65-year-old man with pneumonia.", "pneumonia", P),
        ("History of MI, now presents with pneumonia.", "pneumonia", P),
        # family
        ("Breast cancer in her mother.", "Breast cancer", F),
        ("His father had a stroke.", "stroke", F),
        ("Mother reports the child has asthma.", "asthma", P),
        ("Her sister is healthy. The patient has asthma.", "asthma", P),
        # sentence scope and token cap
        ("No chest pain. Hypertension is stable.", "Hypertension", P),
        (
            "No complaints at all today during the long visit with her daughter and the nurse "
            "regarding diet, walking and gout.",
            "gout",
            P,
        ),
    ],
)
def test_assertions_a_coder_would_agree_with(text: str, mention: str, expected: Assertion) -> None:
    found = {m.text: m.assertion for m in find_mentions(text)}
    assert found.get(mention) is expected, found
