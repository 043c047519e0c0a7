"""The place right after a verb of moving or living: "transferred to PECK", "came from nix",
"lives in noble", "ARRIVED TO GBMC", and where a relative is: "SISTER FROM TRELLICK", "son
in brackwater".

The cue rules (:mod:`~services.ingestor.phi.cued_places`) take a word after a place preposition
when it looks like a name — capitalised in mixed-case text, or a word no vocabulary knows. That
misses the commonest hospital and town names of all: short acronyms (``GH``, ``PMH``), capitals in
a capitals note, surnames that are also words (``Peck``, ``Chase``, ``Noble``, ``Hope``). Right
after a verb of moving (transferred, admitted, brought, taken, arrived, went, sent — then "to" or
"from") or of living ("lives in"), the frame itself says a place follows; what is not a place
there is a short, closed set — the hospital's own units and services (floor, MICU, OR, cath lab),
home, rehab and nursing homes, the time of day, a line or a specimen ("sent from the swan", "sent
to blood bank") — so this rule takes any word that is neither one of those nor an ordinary or
clinical word with no use as a name. It spends precision for recall, in the one frame where the
trade is cheap (docs/benchmarks.md, round 7).
"""

from __future__ import annotations

from services.ingestor.phi.cued_places import (
    HOSPITAL_NAME_WORDS,
    NOT_A_PLACE,
    looks_like_drug,
    term_shaped,
)
from services.ingestor.phi.lexicon import Lexicon
from services.ingestor.phi.name_words import CREDENTIALS, KIN, STOPWORDS, STRONG_TITLES
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.tokens import Token
from services.ingestor.phi.word_sets import word_set

# verb -> the prepositions after which it names a place
_MOVES_TO = word_set(
    "transferred transfered transfer xfer xferred xfered admitted readmitted brought taken went"
    " sent arrived moved transported airlifted medflighted flighted flown discharged"
)
_MOVES_FROM = word_set(
    "transferred transfered transfer xfer xferred xfered admitted readmitted came arrived"
    " transported airlifted medflighted flighted flown flew drove"
)
_LIVES_IN = word_set("lives live living lived resides reside residing resided")
# what follows those frames without naming a place (beyond cued_places.NOT_A_PLACE): the
# hospital's own units and services, where a specimen goes, homes and housing, times
FRAME_NOT_PLACES = word_set(
    "pcu vicu tsicu nsicu cvicu sicu picu nicu ccu micu csru ctic pacu ed er ew or o.r or's"
    " cath angio ct cta mri us ir ep eeg ekg ecg echo endo endoscopy gi pulm renal onc"
    " ortho neuro nsg med meds surg gen inpatient outpatient acute intensive internal"
    " outside local another other same different new old own private shelter group senior"
    " assisted independent apartment apt condo trailer house townhouse farm street streets"
    " blood bb bank lab labs path pathology micro microbiology cytology swan triple line lines"
    " port picc tlc cordis a-line art sheath pad vm voicemail mail"
    " am pm noon midnight tonight today tomorrow yesterday morning evening afternoon night"
    " q and or but that it with on will again for of by as if so up down out over under"
    " baseline sleep see check help talk speak visit stay live work school church"
    " masked av nsr vent ventilator simv cpap bipap trach"
    # after a relative: "son in law", "daughter in town", "wife in to visit"
    " law laws town city state country area attendance touch contact charge"
)


def _place_word(tok: Token, lex: Lexicon, after_kin: bool = False) -> bool:
    """A word that may name a place in this frame: not a frame word, not clinical; an
    ordinary English word only when it is also a name or a place (``Peck``, ``Noble``)."""
    key = tok.key
    if (
        key in NOT_A_PLACE
        or key in FRAME_NOT_PLACES
        or key in STOPWORDS
        or key in KIN
        or key in CREDENTIALS
        or key in STRONG_TITLES
        or key in lex.regions
        or key in lex.clinical
        or key in lex.medical
        or key.endswith(("icu", "ccu"))
        or not key[:1].isalpha()
        or ("'" in key and not key.startswith(("o'", "d'")))
        or looks_like_drug(key)
    ):
        return False
    if key in HOSPITAL_NAME_WORDS:
        return True
    if key in lex.english:
        if after_kin:  # "mother in good spirits", "son in early": no ordinary word
            return False
        return len(key) >= 3 and (
            lex.surname_weight(key) >= 0.75 or lex.given_weight(key) >= 0.5 or key in lex.places
        )
    return len(key) >= 2 and not (len(key) >= 7 and term_shaped(key))  # "maxillofacial"


def _cue_for(verb: str, preposition: str) -> bool:
    if preposition == "to":
        return verb in _MOVES_TO
    if preposition == "from":
        return verb in _MOVES_FROM or verb in KIN
    return preposition == "in" and (verb in _LIVES_IN or verb in KIN)


def _spaced(text: str, a: Token, b: Token) -> bool:
    gap = text[a.end : b.start]
    return 0 < len(gap) <= 2 and gap.strip() == ""


def find_moved_places(text: str, tokens: list[Token], lex: Lexicon) -> list[PhiSpan]:
    """The first word after "<verb of moving> to/from" or "<verb of living> in" (and "the"),
    when it may name a place (see module doc), as a LOCATION."""
    spans = []
    for i in range(1, len(tokens) - 1):
        verb, prep = tokens[i - 1], tokens[i]
        if not _cue_for(verb.key, prep.key):
            continue
        if not (_spaced(text, verb, prep) and _spaced(text, prep, tokens[i + 1])):
            continue
        j = i + 1
        if (
            tokens[j].key == "the"
            and j + 1 < len(tokens)
            and _spaced(text, tokens[j], tokens[j + 1])
        ):
            j += 1
        after_kin = verb.key in KIN and verb.key not in _LIVES_IN
        if _place_word(tokens[j], lex, after_kin):
            spans.append(
                PhiSpan(
                    start=tokens[j].start,
                    end=tokens[j].end,
                    type=PhiType.LOCATION,
                    score=0.6,
                    source="location.moved",
                )
            )
    return spans
