"""National Drug Codes: accepting the forms people type and normalising them.

An NDC has three segments: labeler, product and package. FDA issues 10-digit codes in one of three
configurations (4-4-2, 5-3-2, 5-4-1); HIPAA transactions pad them to 11 digits (5-4-2) by adding a
leading zero to the short segment. FAERS (through openFDA's ``openfda.product_ndc``) knows products,
not packages, and spells them with the labeler's original segment lengths ("0407-0690").

So a 10-digit code with hyphens names exactly one product; an 11-digit code (or a 9-digit padded
product code) may come from more than one configuration, and we query every product code it could
stand for. The module is pure and imports nothing from the rest of the ingestor: the gateway uses it
to reject a bad NDC with a 422 before anything is queued.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from shared.events.cer import DEFAULT_ROLES, CerRequest, DrugScope, SignalPreset
from shared.events.faers_case import DrugRole

ACCEPTED_FORMS = (
    "a 10-digit NDC with hyphens (4-4-2, 5-3-2 or 5-4-1, e.g. 0777-3105-02), "
    "the 11-digit form (5-4-2, e.g. 00777-3105-02, hyphens optional) "
    "or a product code (labeler-product: 4-4, 5-3 or 5-4, e.g. 0777-3105)"
)

_PREFIX = re.compile(r"^\s*(?:NDC\s*[:#]?\s*)?", re.IGNORECASE)


MAX_NDC_TEXT = 40
"""Longer text is no NDC in any form, whatever it holds (and is never parsed digit by digit)."""


class InvalidNdc(ValueError):
    """The text is not an NDC in any accepted form; the message names the accepted forms.

    ``problem`` says what is wrong without repeating the text (for API errors).
    """

    def __init__(self, message: str, problem: str = "") -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class Ndc:
    """A normalised NDC.

    ``labeler`` (5 digits), ``product`` (4) and ``package`` (2, or None for a product code) are the
    padded 11-digit segments. ``product_ndcs`` are the labeler-product codes, as openFDA spells
    them, that the input can stand for (one for a hyphenated 10-digit code, up to three otherwise).
    """

    text: str
    form: str
    labeler: str
    product: str
    package: str | None
    product_ndcs: tuple[str, ...]

    @property
    def normalized(self) -> str:
        """``LLLLL-PPPP-KK`` for a package code, ``LLLLL-PPPP`` for a product code."""
        base = f"{self.labeler}-{self.product}"
        return f"{base}-{self.package}" if self.package is not None else base

    @property
    def ambiguous(self) -> bool:
        return len(self.product_ndcs) > 1


def _invalid(text: str, problem: str) -> InvalidNdc:
    shown = text if len(text) <= 40 else text[:37] + "..."
    return InvalidNdc(f"{shown!r} is not a valid NDC: {problem}. Use {ACCEPTED_FORMS}.", problem)


def _padded_origins(labeler: str, product: str) -> tuple[str, ...]:
    """Product codes a padded 5-4 product code can come from (4-4 and 5-3 configurations)."""
    origins = []
    if labeler.startswith("0"):
        origins.append(f"{labeler[1:]}-{product}")
    if product.startswith("0"):
        origins.append(f"{labeler}-{product[1:]}")
    return tuple(origins)


def _from_eleven(text: str, labeler: str, product: str, package: str) -> Ndc:
    candidates = list(_padded_origins(labeler, product))
    if package.startswith("0"):
        candidates.append(f"{labeler}-{product}")  # 5-4-1 padded in the package segment
    if not candidates:
        raise _invalid(
            text,
            "an 11-digit NDC pads one segment of a 10-digit code with a leading zero, "
            "and none of its segments starts with 0",
        )
    return Ndc(text, "5-4-2", labeler, product, package, tuple(candidates))


def _from_product_nine(text: str, form: str, labeler: str, product: str) -> Ndc:
    # A 5-4 product code is a real configuration (of 5-4-1 codes) and may also be a padded 4-4/5-3.
    candidates = (f"{labeler}-{product}", *_padded_origins(labeler, product))
    return Ndc(text, form, labeler, product, None, candidates)


def parse_ndc(text: str) -> Ndc:
    """Parse an NDC in any accepted form; raises :class:`InvalidNdc` naming the accepted forms.

    Accepted: 4-4-2, 5-3-2, 5-4-1 (hyphenated 10-digit), 5-4-2 or 11 plain digits, and product codes
    4-4, 5-3, 5-4 (or 9 plain digits, the padded product part of the 11-digit form). An optional
    "NDC" prefix and surrounding spaces are ignored. Ten or eight plain digits are refused: without
    hyphens their segments are ambiguous.
    """
    if not isinstance(text, str) or not text.strip():
        raise _invalid(str(text), "it is empty")
    if len(text) > MAX_NDC_TEXT:
        raise _invalid(text, f"it is longer than {MAX_NDC_TEXT} characters")
    code = _PREFIX.sub("", text).strip()
    if not re.fullmatch(r"[0-9-]+", code):
        raise _invalid(text, "an NDC holds only digits and hyphens")
    segments = code.split("-")
    lengths = tuple(len(s) for s in segments)
    if any(n == 0 for n in lengths):
        raise _invalid(text, "it has an empty segment")
    if all(int(s) == 0 for s in segments):
        raise _invalid(text, "it is all zeros")

    if lengths in ((10,), (8,)):
        raise _invalid(text, f"{lengths[0]} digits without hyphens have ambiguous segments")
    if len(segments) == 1 and lengths[0] in (11, 9):
        # Plain digits: 11 is the 5-4-2 form, 9 its padded 5-4 product part.
        segments = [code[:5], code[5:9], code[9:]] if lengths[0] == 11 else [code[:5], code[5:]]
        lengths = tuple(len(s) for s in segments)
    builder = _BUILDERS.get(lengths)
    if builder is None:
        shape = "-".join(str(n) for n in lengths)
        raise _invalid(text, f"its segments have {shape} digits")
    return builder(text, segments)


def _ten_digit(form: str, short: int) -> Callable[[str, list[str]], Ndc]:
    """A builder for a 10-digit configuration: pad segment ``short``, keep the product code."""

    def build(text: str, segments: list[str]) -> Ndc:
        padded = [("0" + s if i == short else s) for i, s in enumerate(segments)]
        return Ndc(text, form, padded[0], padded[1], padded[2], (f"{segments[0]}-{segments[1]}",))

    return build


def _product_code(form: str) -> Callable[[str, list[str]], Ndc]:
    def build(text: str, segments: list[str]) -> Ndc:
        labeler, product = segments
        if form == "5-4":
            return _from_product_nine(text, form, labeler, product)
        padded = ("0" + labeler, product) if form == "4-4" else (labeler, "0" + product)
        return Ndc(text, form, padded[0], padded[1], None, (f"{labeler}-{product}",))

    return build


_BUILDERS: dict[tuple[int, ...], Callable[[str, list[str]], Ndc]] = {
    (4, 4, 2): _ten_digit("4-4-2", 0),
    (5, 3, 2): _ten_digit("5-3-2", 1),
    (5, 4, 1): _ten_digit("5-4-1", 2),
    (5, 4, 2): lambda text, s: _from_eleven(text, s[0], s[1], s[2]),
    (4, 4): _product_code("4-4"),
    (5, 3): _product_code("5-3"),
    (5, 4): _product_code("5-4"),
}


def cer_request(
    ndc_text: str,
    *,
    since: date | None = None,
    until: date | None = None,
    signal_preset: SignalPreset = SignalPreset.EVANS,
    roles: Sequence[DrugRole] = DEFAULT_ROLES,
    data_lock_point: date | None = None,
    interval_start: date | None = None,
) -> CerRequest:
    """The :class:`CerRequest` for an NDC as typed; raises :class:`InvalidNdc` (a ValueError)."""
    ndc = parse_ndc(ndc_text)
    return CerRequest(
        scope=DrugScope.NDC,
        ndc=ndc.normalized,
        ndc_input=ndc_text.strip()[:40],
        product_ndcs=ndc.product_ndcs,
        since=since,
        until=until,
        signal_preset=signal_preset,
        roles=tuple(roles),
        data_lock_point=data_lock_point,
        interval_start=interval_start,
    )
