"""ConText: is a mentioned condition negated, uncertain, hypothetical, historical or a relative's?

An implementation of the ConText algorithm (Harkema, Dowling, Thornblade, Chapman: "ConText: An
algorithm for determining negation, experiencer, and temporal status from clinical reports",
J Biomed Inform 2009;42:839–851), which extends NegEx (Chapman et al. 2001):

- *Trigger terms* carry a category (negated or possible existence, hypothetical, historical,
  family) and a direction: a forward trigger ("no", "history of") modifies what follows it, a
  backward one ("was ruled out", "years ago") what precedes it, a bidirectional one ("mother")
  both.
- A trigger's *scope* runs from the trigger to the end of its sentence in its direction, and stops
  early at a *termination term* ("but", "however", "presents with") of its category or of all
  categories, or at the next trigger of the same category (which then takes over).
- *Pseudo-triggers* contain a trigger's words but are no trigger ("no increase", "gram
  negative", "history of present illness"); they are matched first, longest match wins, and the
  words they cover trigger nothing.
- Beyond the original, a scope is also capped in tokens: in long case-report sentences a cue ten
  words away rarely speaks of the mention any more.

The rules are data (``context_rules.py`` reads them from ``data/context_rules.tsv``). This module
knows tokens, sentences and targets, nothing about ICD-10-CM.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

ANY_CATEGORY = "ANY"
"""Category of a termination term that ends the scope of every trigger."""


class Direction(Enum):
    FORWARD = "forward"
    BACKWARD = "backward"
    BIDIRECTIONAL = "bidirectional"
    TERMINATE = "terminate"
    PSEUDO = "pseudo"


@dataclass(frozen=True, slots=True)
class ContextRule:
    """A trigger, termination term or pseudo-trigger, as lower-case tokens.

    ``category`` is what a trigger asserts; for a termination term, the category whose scopes it
    ends (``ANY`` for all); for a pseudo-trigger, the category it would be mistaken for.
    """

    phrase: tuple[str, ...]
    category: str
    direction: Direction


@dataclass(frozen=True, slots=True)
class Modifier:
    """A rule matched in one sentence, over tokens ``[start, end)``, with its scope.

    ``before`` and ``after`` are the scope on each side as ``[start, stop)`` token ranges, empty
    on a side the rule does not reach (``before`` is empty for a forward trigger).
    ``after_limit`` is where the forward scope would stop without the token cap (at the end of
    the sentence, a termination term or the next trigger of its category): a trigger that
    introduces a list reaches that far (see ``pipeline.py``).
    """

    rule: ContextRule
    start: int
    end: int
    before: tuple[int, int]
    after: tuple[int, int]
    after_limit: int = -1
    # Where a same-category trigger cut the backward scope short: (start, end) of that trigger.
    # A target that holds it in its own name is still reached ("migraine without aura
    # considered less likely": the "without" of the name does not shield it).
    before_cut: tuple[int, int] | None = None

    @property
    def category(self) -> str:
        return self.rule.category


class ConText:
    """The ConText algorithm over a fixed rule set; build once, use for every note."""

    def __init__(
        self,
        rules: Iterable[ContextRule],
        max_scope: Mapping[str, int] | None = None,
        default_max_scope: int = 10,
    ) -> None:
        """``max_scope``: per category, how many tokens a trigger reaches at most."""
        self._by_first: dict[str, list[ContextRule]] = {}
        for rule in rules:
            if not rule.phrase:
                raise ValueError(f"empty ConText phrase for category {rule.category}")
            self._by_first.setdefault(rule.phrase[0], []).append(rule)
        for candidates in self._by_first.values():
            candidates.sort(key=lambda r: len(r.phrase), reverse=True)
        self._max_scope = dict(max_scope or {})
        self._default_max_scope = default_max_scope

    def modifiers(self, tokens: Sequence[str], start: int, stop: int) -> list[Modifier]:
        """The triggers of one sentence, ``tokens[start:stop]``, with their scopes.

        ``tokens`` are lower-case token texts of the whole note; indexes stay note-wide.
        """
        matched = self._match(tokens, start, stop)
        return [
            self._scoped(rule, first, end, matched, start, stop)
            for rule, first, end in matched
            if rule.direction not in (Direction.PSEUDO, Direction.TERMINATE)
        ]

    def _match(
        self, tokens: Sequence[str], start: int, stop: int
    ) -> list[tuple[ContextRule, int, int]]:
        """Left to right, longest rule first; matched tokens are not matched again."""
        found = []
        i = start
        while i < stop:
            for rule in self._by_first.get(tokens[i], ()):
                end = i + len(rule.phrase)
                if end <= stop and tuple(tokens[i:end]) == rule.phrase:
                    found.append((rule, i, end))
                    i = end
                    break
            else:
                i += 1
        return found

    def _scoped(
        self,
        rule: ContextRule,
        first: int,
        end: int,
        matched: list[tuple[ContextRule, int, int]],
        sentence_start: int,
        sentence_stop: int,
    ) -> Modifier:
        reach = self._max_scope.get(rule.category, self._default_max_scope)
        after_limit = sentence_stop
        before_start = max(sentence_start, first - reach - 1)
        before_cut: tuple[int, int] | None = None
        for other, o_first, o_end in matched:
            if not _ends_scope(rule, other):
                continue
            if o_first >= end:
                after_limit = min(after_limit, o_first)
            elif o_end <= first and o_end > before_start:
                before_start = o_end
                before_cut = (o_first, o_end)
        after_stop = min(after_limit, end + reach + 1)
        forward = rule.direction in (Direction.FORWARD, Direction.BIDIRECTIONAL)
        backward = rule.direction in (Direction.BACKWARD, Direction.BIDIRECTIONAL)
        return Modifier(
            rule,
            first,
            end,
            before=(before_start, first) if backward else (first, first),
            after=(end, after_stop) if forward else (end, end),
            after_limit=after_limit if forward else end,
            before_cut=before_cut if backward else None,
        )


def _ends_scope(rule: ContextRule, other: ContextRule) -> bool:
    if other.direction is Direction.TERMINATE:
        return other.category in (ANY_CATEGORY, rule.category)
    return other.direction is not Direction.PSEUDO and other.category == rule.category


def modifies(modifier: Modifier, first: int, last: int) -> bool:
    """Whether ``modifier`` asserts something of the target over tokens ``[first, last]``.

    Forward: the target starts after the trigger's first word and within its scope. Backward:
    it ends before the trigger's last word and within its scope. So a trigger lying wholly
    inside the target is part of its name ("family history of diabetes" is itself a term) and
    does not modify it, while one that begins before it still does ("no family history of
    colon cancer", where the term matched is "family history of colon cancer").
    """
    after_start, after_stop = modifier.after
    before_start, before_stop = modifier.before
    forward = after_start < after_stop and modifier.start < first < after_stop
    cut = modifier.before_cut
    if cut is not None and cut[1] == before_start and first <= cut[0] <= last + 1:
        # The trigger that cut the scope is part of the target's name ("migraine without aura"),
        # or opens its qualifier right after it ("acute cystitis without hematuria"): it does
        # not shield the target from the cue ("... is less likely").
        before_start = first
    backward = before_start < before_stop and before_start <= last < modifier.end - 1
    return forward or backward


def categories_of(modifiers: Iterable[Modifier], first: int, last: int) -> frozenset[str]:
    """The categories asserted of the target over tokens ``[first, last]``."""
    return frozenset(m.category for m in modifiers if modifies(m, first, last))
