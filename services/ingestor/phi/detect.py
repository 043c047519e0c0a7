"""Detection of PHI in one note: every detector, then overlaps resolved."""

from __future__ import annotations

import time

from services.ingestor.phi.address_towns import find_address_towns
from services.ingestor.phi.budget import Deadline
from services.ingestor.phi.dates import find_dates
from services.ingestor.phi.eponyms import without_eponyms
from services.ingestor.phi.identifiers import find_identifiers
from services.ingestor.phi.known_matcher import KnownPhiMatcher
from services.ingestor.phi.lexicon import Lexicon, load_lexicon
from services.ingestor.phi.locations import find_locations
from services.ingestor.phi.name_positions import find_positioned_names
from services.ingestor.phi.names import NameFinder
from services.ingestor.phi.site_terms import SiteTerm, find_site_terms
from services.ingestor.phi.spans import PhiSpan, TrainedDetector, merge_spans
from services.ingestor.phi.tokens import case_style, tokenize
from services.ingestor.phi.unexplained import UnexplainedWords, default_unexplained_words
from shared.intake.known_phi import KnownPhi

DEFAULT_MIN_SCORE = 0.5


class DetectionTimeout(Exception):
    """Detection of one note ran past its deadline."""


def _check(deadline: Deadline | float | None) -> None:
    if deadline is None:
        return
    if isinstance(deadline, Deadline):
        if deadline.expired():
            raise DetectionTimeout
    elif time.perf_counter() > deadline:
        raise DetectionTimeout


def detect_phi(
    text: str,
    known: KnownPhi | KnownPhiMatcher | None = None,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    lexicon: Lexicon | None = None,
    deadline: Deadline | float | None = None,
    site_terms: tuple[SiteTerm, ...] = (),
    model: TrainedDetector | None = None,
) -> list[PhiSpan]:
    """PHI spans of ``text``, sorted and non-overlapping, each with type, offsets and score.

    ``known`` is the PHI the record states in structured form (found again in the text);
    ``site_terms`` the deployment's own place and staff names; ``model`` a trained detector
    whose findings join the rules' (:mod:`~services.ingestor.phi.trained`); findings scoring below
    ``min_score`` are dropped. ``deadline`` is a started :class:`~.budget.NoteBudget` (or a
    ``time.perf_counter()`` value) after which :class:`DetectionTimeout` is raised.
    """
    lex = lexicon or load_lexicon()
    matcher = KnownPhiMatcher(known) if isinstance(known, KnownPhi) else known
    tokens = tokenize(text)
    style = case_style(tokens)
    candidates: list[PhiSpan] = []
    if matcher is not None:
        candidates += matcher.find(text)
    _check(deadline)
    candidates += find_site_terms(text, site_terms)
    candidates += find_identifiers(text)
    candidates += find_dates(text)
    _check(deadline)
    extra = matcher.name_keys if matcher is not None else frozenset()
    candidates += NameFinder(text, tokens, style, lex).find(extra)
    candidates += find_positioned_names(text)
    _check(deadline)
    candidates += find_locations(text, tokens, style, lex)
    _check(deadline)
    net = default_unexplained_words() if lexicon is None else UnexplainedWords(lexicon)
    candidates += net.find(tokens)
    _check(deadline)
    if model is not None:
        candidates += model.find(text)
        _check(deadline)
    candidates += find_address_towns(text, candidates, lex)
    candidates = without_eponyms(candidates, text)
    merged = merge_spans((s for s in candidates if s.score >= min_score), text)
    return [_without_trailing_stop(s, text) for s in merged]


def _without_trailing_stop(span: PhiSpan, text: str) -> PhiSpan:
    """Leave a final full stop in the text: it may end the sentence, and replacing it would
    merge two sentences for the analyzer's sentence splitter ("Hosp." -> "[LOCATION]")."""
    end = span.end
    while end - span.start > 2 and text[end - 1] in ". ,":
        end -= 1
    return span if end == span.end else span.model_copy(update={"end": end})
