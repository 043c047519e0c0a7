"""Use, abuse and dependence of one substance (Guidelines I.C.5.b.2).

When the notes document a substance's dependence, its use or abuse is not coded beside it: the
dependence is. A state the notes write apart from the dependence — "alcohol withdrawal" in one
line, "alcohol use disorder, severe" in the next; "acute alcohol intoxication in a patient with
alcohol dependence" — is the dependence's combination code with that state (F10.930 beside F10.20
→ F10.230, F11.93 → F11.23), and the uncomplicated dependence, use or abuse codes give way to it.

Psychoactive-substance categories F10–F16, F18, F19 share the layout F1x.1- abuse, F1x.2-
dependence, F1x.9- use; nicotine (F17) does not and is left alone. A dependence in remission
(F1x.21) is no current dependence to combine with.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.analyzer.coding import codeset
from services.analyzer.coding.pending import CURRENT, Pending, merge
from shared.events.coding import Assertion

_CATEGORIES = frozenset({"F10", "F11", "F12", "F13", "F14", "F15", "F16", "F18", "F19"})
_ABUSE, _DEPENDENCE, _USE = "1", "2", "9"
_IN_REMISSION = "1"


def dependence_codes(coded: Iterable[str]) -> dict[str, str | None]:
    """For each code of ``coded`` the dependence makes wrong: the dependence code it becomes
    (a use or abuse with a state → dependence with that state), or None when it simply goes (an
    uncomplicated use, abuse or dependence beside a dependence with a state)."""
    codes = set(coded)
    current = {
        c[:3]
        for c in codes
        if c[:3] in _CATEGORIES and c[4:5] == _DEPENDENCE and c[5:6] != _IN_REMISSION
    }
    changes: dict[str, str | None] = {}
    for code in sorted(codes):
        if code[:3] not in current or code[4:5] not in (_ABUSE, _USE):
            continue
        state = code[5:]
        combined = f"{code[:4]}{_DEPENDENCE}{state}"
        if state and state != "0" and codeset.is_billable(combined):
            changes[code] = combined
        else:
            changes[code] = None  # F10.10, F10.90: the dependence says it all
    with_state = {
        c[:3]
        for c in codes | {n for n in changes.values() if n}
        if c[4:5] == _DEPENDENCE and c[5:6] not in ("0", _IN_REMISSION)
    }
    for code in codes:
        if code[:3] in with_state and code[4:6] == _DEPENDENCE + "0":
            changes[code] = None  # F10.20 beside F10.230
    return changes


def settle_dependence(
    billed: dict[str, Pending], excluded: dict[tuple[str, Assertion], Pending]
) -> None:
    """Apply :func:`dependence_codes` to the encounter's current codes: a state joins the
    dependence (one code with the evidence of both), what the dependence makes redundant goes to
    ``excluded`` with the reason."""
    current = {c for c, p in billed.items() if p.assertion in CURRENT}
    for code, new in dependence_codes(current).items():
        pending = billed.pop(code)
        if new is None:
            pending.rationale = (
                "beside the documented dependence of the same substance: the dependence is coded"
                " (Section I.C.5.b.2)"
            )
            merge(excluded, (code, pending.assertion), pending)
            continue
        pending.code = new
        pending.rationale = (
            f"{code} documented beside the dependence of the same substance: the dependence with"
            " that state (Section I.C.5.b.2)"
        )
        merge(billed, new, pending)
