"""Why a billed ICD-10-CM code is not supported, and what the documentation says instead.

A coder reviewing a claim needs more than "not supported": the reason decides what they do. In
this order, a billed code the documentation does not support is

1. **redundant** — a documented code already on the claim says all it says (billed E11.9 beside a
   documented, billed E11.65);
2. documented only as a **past condition** (billed C50.911, documented Z85.3);
3. **denied, hedged or given to a relative** by the notes (with that evidence), or found but not
   reportable for this encounter;
4. kept apart by an **Excludes1** note from a documented code (billed N20.1 beside a documented
   N13.2): not coded with it, and not the condition documented;
5. documented **less specifically or differently** in its category (billed E11.65, documented
   E11.9);
6. recorded as a structured diagnosis the notes do not document, or **not mentioned** at all.
"""

from __future__ import annotations

from collections.abc import Collection

from services.analyzer.coding import codeset
from services.analyzer.coding.documentation import Documentation, closest
from services.analyzer.coding.rules import billing_decision
from services.analyzer.coding.upgrades import upgrade_kind
from shared.events.coding import Assertion, CareSetting, CodeSuggestion, Evidence

Reason = tuple[str, str | None, tuple[Evidence, ...]]
"""The reason in words, the documented code it points at (if any), and the evidence."""


def why_not(
    code: str, documentation: Documentation, setting: CareSetting, taken: Collection[str]
) -> Reason:
    """Why ``code`` is not supported, what is documented instead, and the evidence; ``taken``
    are the documented codes other billed codes already rest on."""
    replaced = _redundant(code, documentation, taken)
    if replaced is not None:
        return replaced
    history = billing_decision(code, Assertion.HISTORICAL, setting)
    as_history = (
        next((s for s in documentation.codes if s.code == history.code), None)
        if history.code != code
        else None
    )
    if as_history is not None:
        return (
            f"the documentation states it only as a past condition: {as_history.code} "
            f"({as_history.description})",
            as_history.code,
            as_history.evidence,
        )
    same = [e for e in documentation.excluded if e.code == code]
    if same:
        first = same[0]
        how = (
            "do not support it for this encounter"
            if first.assertion is Assertion.PRESENT
            else f"mention it only as {first.assertion.value}"
        )
        return (
            f"the {source(documentation)} {how} ({first.rationale})",
            None,
            tuple(e for x in same for e in x.evidence),
        )
    return _documented_instead(code, documentation)


def _documented_instead(code: str, documentation: Documentation) -> Reason:
    """Why ``code`` is not supported when the notes neither deny nor date it: what they document
    instead (a code an Excludes1 note keeps apart, another code of the category), or nothing."""
    apart = _kept_apart(code, documentation)
    if apart is not None:
        return (
            f"the {source(documentation)} document {apart.code} ({apart.description}), which "
            f"ICD-10-CM's Excludes1 note keeps apart from {code}: not coded with it, and not "
            "the condition documented",
            apart.code,
            apart.evidence,
        )
    sibling = closest(
        code, [s for s in documentation.codes if codeset.category(s.code) == codeset.category(code)]
    )
    if sibling is not None:
        less = codeset.is_ancestor(sibling.code, code) or codeset.is_default_code(sibling.code)
        what = "only the less specific" if less else "a different code of the same condition,"
        return (
            f"the {source(documentation)} document {what} {sibling.code} ({sibling.description})",
            sibling.code,
            sibling.evidence,
        )
    if code in documentation.recorded_codes and documentation.has_notes:
        return "recorded as a structured diagnosis, but the notes do not document it", None, ()
    return f"no mention in the encounter's {source(documentation)}", None, ()


def _kept_apart(code: str, documentation: Documentation) -> CodeSuggestion | None:
    """A documented code an Excludes1 note keeps apart from ``code`` (either's note naming the
    other): billed N20.1 beside a documented N13.2 (hydronephrosis with the calculus), N39.0
    beside a documented cystitis (N30.-), F03.90 beside Alzheimer's disease (G30)."""
    return next(
        (
            s
            for s in documentation.codes
            if s.code.startswith(codeset.excludes1(code))
            or code.startswith(codeset.excludes1(s.code))
        ),
        None,
    )


def _redundant(code: str, documentation: Documentation, taken: Collection[str]) -> Reason | None:
    covering = next(
        (s for s in documentation.codes if s.code in taken and _covers(s.code, code)),
        None,
    )
    if covering is None:
        return None
    return (
        f"redundant: the documented {covering.code} is already on the claim and covers it",
        covering.code,
        covering.evidence,
    )


def _covers(documented: str, billed: str) -> bool:
    """Whether ``documented`` says all ``billed`` says (so billing both is redundant)."""
    return documented == billed or upgrade_kind(billed, documented) is not None


def source(documentation: Documentation) -> str:
    """What the documentation is, in a reason's words."""
    return "notes" if documentation.has_notes else "recorded diagnoses"
