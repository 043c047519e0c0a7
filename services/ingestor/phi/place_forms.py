"""Places by the form of their name and the words that frame it, in any letter case.

A reader knows a town he has never heard of by its shape and its frame, and so do these rules:

- a town-shaped word no vocabulary knows (``Wronville``, ``gitford``, ``Ashbourne``: an ending
  that English place names use, -ville, -ton, -ford, -field, -borough, -chester, ...) after a
  place preposition (``is from``, ``grew up in``), before "resident" or a state;
- a compound town (``east brous``, ``MOUNT VOARLAING``, ``Port Trick``: North/South/Mount/Port/
  Fort/Lake/Glen/New + a word no vocabulary knows) after a place preposition;
- the town before "resident", "native" or its own services (``Feston EMS``, ``lakeport
  resident``);
- a street named without a house number after "lives on", "on", "off", "near"
  (``lives on molstad street``, ``APARTMENT ON PHILMON AVE``);
- a residence or care home named by a word and its head (``Failwell Center``, ``ROGERS MANOR``,
  ``Beaard Place``) after a verb of living or moving and at/to/from;
- what follows a label that says an organisation or a hospital follows (``Insurance: Seatton
  Group``, ``Referring hospital: holy redeemer``).

Each finding scores 0.6-0.75 (above the default ``min_score``), lower than a facility word's.
"""

from __future__ import annotations

import re

from services.ingestor.phi.cued_places import (
    HOSPITAL_NAME_WORDS,
    MOVEMENT_WORDS,
    NOT_A_PLACE,
    PLACE_PREPOSITIONS,
    looks_like_drug,
    term_shaped,
)
from services.ingestor.phi.lexicon import Lexicon
from services.ingestor.phi.name_words import CREDENTIALS, KIN, STOPWORDS, STRONG_TITLES
from services.ingestor.phi.organisations import GENERIC_HEADS, ORGANISATION_TAILS
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.tokens import CaseStyle, Token
from services.ingestor.phi.word_sets import word_set

# endings English-speaking countries' town names share (general knowledge of toponymy)
_TOWN_ENDING = re.compile(
    r"(?:ville|town|ton|burg|burgh|borough|boro|bury|field|ford|wick|wich|dale|haven|port"
    r"|worth|mouth|brook|ridge|ham|chester|cester|caster|minster|mont|wood|view|stead|thorpe"
    r"|shire|bourne|combe|leigh|ley|hurst|cliff|polis|ington)$"
)
# first words of compound town names: "East Brous", "Mount Voarlaing", "Port Trick"
COMPOUND_HEADS = word_set(
    "north south east west northeast northwest southeast southwest mount mt port fort ft lake"
    " glen new san santa los las el cape palm grand st saint ste"
)
_SAINTS = word_set("st saint ste")
_ABBREVIATED_HEADS = word_set("st ste mt ft")
# what follows a town and says it is one: "Lakeport resident", "Feston EMS", "Dedham police"
_AFTER_TOWN = word_set(
    "resident residents native natives ems police pd fd fire ambulance rescue sheriff"
)
# a place preposition, and words that stand where one would ("outside Lynn", "around Troy")
# ("via" is a route before a device or a tube more often: "voiding via purewick", "via PEG")
_CUES = (PLACE_PREPOSITIONS - {"via"}) | word_set("of outside around near nearby")
_STREET_KINDS = word_set(
    "street st avenue ave road rd lane ln boulevard blvd drive terrace parkway pkwy highway hwy"
    " circle turnpike pike"
)
_STREET_CUES = word_set("on off near along onto")
# where someone lives or is cared for, named by a word and this head: "Beaard Place",
# "Rogers Manor", "Failwell Center", "Larkspur Village"
_RESIDENCE_HEADS = word_set(
    "center centre manor place village house lodge gardens towers residence residences court"
    " commons estates terrace pointe crossing apartments apts"
)
_RESIDENCE_CUES = MOVEMENT_WORDS | word_set(
    "staying stays d c dc dc'd discharging placed placement lives living resident residing"
    " apartment apt condo house home"
)
_NOT_RESIDENCE_NAME = (
    GENERIC_HEADS
    | KIN
    | word_set(
        "another other any every each some friend friend's group foster halfway care senior"
        " boarding rest retirement assisted"
        " living own same dialysis trauma cancer heart surgery surgical medical white"
    )
)
_AREA = re.compile(
    r"\b(?i:in|from|near|around|to|outside)[ \t]+(?i:the)[ \t]+"
    r"(?P<name>[A-Za-z][A-Za-z'\-]+(?:[ \t][A-Za-z][A-Za-z'\-]+)?)[ \t]+(?i:area|region|vicinity)\b"
)
# "referred by day health", "CATH AT CLITTON GENERAL", "osh: brawley general": a hospital
# named X General after a cue (not "in general", "general surgery")
_GENERAL = re.compile(
    r"\b(?i:at|from|to|by|via|osh:?)[ \t]+(?P<name>(?:[A-Za-z][A-Za-z'.\-]+[ \t]+){1,2}?)"
    r"(?i:general)\b(?![ \t]+(?i:surgery|surgical|medicine|medical|anesthesia|appearance"
    r"|condition|exam|health|status|ward|floor|practitioner|care|pediatrics|malaise|weakness"
    r"|fatigue|impression|comments?|info|information|assessment|well|sense|population|public))"
)
_REFERRED = re.compile(
    r"\b(?i:referred\s+by|referral\s+from|records\s+(?:requested\s+)?from|sent\s+by)[ \t]+"
    r"(?P<name>[A-Za-z][A-Za-z'.\-]+(?:[ \t]+[A-Za-z][A-Za-z'.\-]+){0,4})"
)
_FACILITY_WORDS = word_set(
    "hospital hosp health clinic memorial general infirmary medical center centre regional"
    " community rehab manor hospice"
)
# labels after which an organisation or a hospital is named: "Insurance: Seatton Group"
_LABEL = re.compile(
    r"(?im)\b(?:insurance(?:\s+(?:company|carrier|provider|plan))?|insurer|payer|payor"
    r"|health\s+plan|employer|school|osh|outside\s+hospital|referring\s+(?:hospital|facility)"
    r"|transferring\s+(?:hospital|facility)|sending\s+facility|nursing\s+home|snf|agency)"
    r"[ \t]*:[ \t]*(?P<value>[A-Za-z][A-Za-z'&.\- ]{1,60}?)[ \t]*(?=[.;,(\n]|$)"
)
# labels after which a town is named: "Home: Grasdale", "LIVES: LAKE JILD, W/ WIFE"
_PLACE_LABEL = re.compile(
    r"(?im)\b(?:home|lives|lives\s+in|resides(?:\s+in)?|residence|hometown|home\s+town|city"
    r"|town|place\s+of\s+residence)[ \t]*:[ \t]*"
    r"(?P<value>[A-Za-z][A-Za-z'\-]*(?:[ \t]+[A-Za-z][A-Za-z'\-]*){0,2}?)[ \t]*"
    r"(?=[.;,(\n]|$|[ \t]+[A-Za-z]{2,}:)"
)
# a hospital before an arrow to here: "Day Memorial->here", "HGH -> us for cath"
_ARROW_HERE = re.compile(r"[ \t]*-+>[ \t]*(?i:here|us)\b")
_NOT_LABEL_VALUES = word_set(
    "none n/a na unknown self medicare medicaid pending private yes no home not other same"
    " unemployed retired disabled student deferred applied see"
)


# what names the agency that serves a patient: "services through Ford Home Care", "set up
# with Lincare", "case manager from Betgoul called", "referral to Meals on Wheels"
_SERVICE_CUE = re.compile(
    r"\b(?:services?\s+(?:through|thru|via|from|with)|set\s+up\s+with|arranged\s+(?:with|through)"
    r"|(?:case\s+manager|liaison|rep|representative|coordinator|social\s+worker)\s+from"
    r"|referral\s+to|referred\s+to|enrolled\s+(?:in|with))\s+(?:the\s+)?(?=\w)",
    re.IGNORECASE,
)


def _span(start: int, end: int, score: float, source: str, kind: PhiType) -> PhiSpan:
    return PhiSpan(start=start, end=end, type=kind, score=score, source=source)


class _Forms:
    def __init__(self, text: str, tokens: list[Token], style: CaseStyle, lex: Lexicon):
        self.text = text
        self.tokens = tokens
        self.style = style
        self.lex = lex

    # --- what a word is -----------------------------------------------------------------
    def ordinary(self, key: str) -> bool:
        """A word that says something other than a name: vocabulary, a typo of it, a term."""
        return (
            len(key) < 3
            or key in STOPWORDS
            or key in NOT_A_PLACE
            or key in KIN
            or key in CREDENTIALS
            or key in STRONG_TITLES
            or key in self.lex.regions
            or self.lex.is_vocabulary(key)
            or looks_like_drug(key)
        )

    def unknown(self, key: str) -> bool:
        """A word no vocabulary knows and not shaped like a term: a name of something."""
        if self.ordinary(key) or (term_shaped(key) and not _TOWN_ENDING.search(key)):
            return False
        return len(key) < 6 or not self.lex.near_vocabulary(key)

    def town_shaped(self, key: str) -> bool:
        return (
            len(key) >= 6
            and _TOWN_ENDING.search(key) is not None
            and not self.ordinary(key)
            and not self.lex.near_vocabulary(key)
        )

    def capitalised(self, tok: Token) -> bool:
        return self.style is not CaseStyle.UPPER and tok.is_title

    def joined(self, a: Token, b: Token) -> bool:
        gap = self.text[a.end : b.start]
        if gap.strip() == "." and a.key in _ABBREVIATED_HEADS:
            return len(gap) <= 2  # "St. John", "Mt. Vernon"
        return 0 < len(gap) <= 2 and gap.strip() in ("", "-")

    def at(self, i: int) -> Token | None:
        return self.tokens[i] if 0 <= i < len(self.tokens) else None

    def cue_before(self, i: int) -> bool:
        prev = self.at(i - 1)
        return prev is not None and prev.key in _CUES and self.joined(prev, self.tokens[i])

    # --- a town's name --------------------------------------------------------------------
    def town_name(self, i: int, framed: bool = False) -> int:
        """How many tokens from ``i`` form a town's name by its form (0: none); ``framed``:
        a place preposition stands before it, so a compound head and any word that is not
        ordinary English are a town ("from Fort Lee", "IN MOUNT MEL")."""
        tok = self.tokens[i]
        nxt = self.at(i + 1)
        if tok.key in COMPOUND_HEADS and nxt is not None and self.joined(tok, nxt):
            if framed and len(nxt.key) >= 3 and not self.ordinary(nxt.key):
                return 2
            if (
                framed
                and tok.key in _SAINTS
                and len(nxt.key) >= 3
                and nxt.key not in STOPWORDS
                and (self.lex.given_weight(nxt.key) or self.unknown(nxt.key))
            ):
                return 2  # "came from st. john", "TO ST LUKE" (not "SR TO ST. HIGH")
            # the word after the head may end like a term ("East Quorkking"): the head says
            # a town is named, so only a vocabulary word or a typo of one is refused
            if (
                len(nxt.key) >= 4
                and not self.ordinary(nxt.key)
                and not self.lex.near_vocabulary(nxt.key)
            ):
                return 2
            if f"{tok.key} {nxt.key}" in self.lex.places and not self.ordinary(nxt.key):
                return 2
        if self.town_shaped(tok.key):
            return 1
        return 0

    def towns(self) -> list[PhiSpan]:
        spans = []
        for i in range(len(self.tokens)):
            cued = self.cue_before(i)
            width = self.town_name(i, cued)
            if not width:
                continue
            after = self.at(i + width)
            framed = cued or (
                after is not None
                and after.key in _AFTER_TOWN
                and self.joined(self.tokens[i + width - 1], after)
            )
            if framed:
                last = self.tokens[i + width - 1]
                spans.append(
                    _span(
                        self.tokens[i].start, last.end, 0.7, "location.town_form", PhiType.LOCATION
                    )
                )
        return spans

    def before_residents(self) -> list[PhiSpan]:
        """A word no vocabulary knows before "resident" or a town's service (``Feston EMS``)."""
        spans = []
        for k, tok in enumerate(self.tokens):
            if k == 0 or tok.key not in _AFTER_TOWN:
                continue
            prev = self.tokens[k - 1]
            if not self.joined(prev, tok) or not self.unknown(prev.key):
                continue
            if tok.key.startswith("resident") and (
                len(prev.key) < 5 or self.lex.near_vocabulary(prev.key)
            ):
                continue  # "Surg resident", "ortho resident": a clipped service
            if self.style is CaseStyle.MIXED and prev.is_lower and tok.key == "resident":
                continue
            start = prev.start
            head = self.at(k - 2)
            if head is not None and head.key in COMPOUND_HEADS and self.joined(head, prev):
                start = head.start
            spans.append(_span(start, prev.end, 0.65, "location.town_framed", PhiType.LOCATION))
        return spans

    # --- streets and residences -------------------------------------------------------
    def lived_before(self, i: int) -> bool:
        return any(t.key in _RESIDENCE_CUES for t in self.tokens[max(0, i - 4) : i])

    def named(self, tok: Token, lived: bool) -> bool:
        """A word that can be (part of) the name of a street or a residence here."""
        if tok.key in _NOT_RESIDENCE_NAME or tok.key in STOPWORDS or len(tok.key) < 3:
            return False
        if self.unknown(tok.key):
            return True
        if tok.key in self.lex.clinical or looks_like_drug(tok.key) or tok.key in KIN:
            return False
        return self.capitalised(tok) or lived

    def areas(self) -> list[PhiSpan]:
        """``lives in the Larose area``, ``FROM THE MOUNT WU AREA``: what names an area."""
        spans = []
        for m in _AREA.finditer(self.text):
            words = [t for t in self.tokens if m.start("name") <= t.start < m.end("name")]
            if not words or any(
                self.ordinary(w.key) and w.key not in COMPOUND_HEADS for w in words
            ):
                continue
            if not self.area_name(words):
                continue  # "in the dorsolumbar area": a part of the body
            spans.append(
                _span(words[0].start, words[-1].end, 0.7, "location.area", PhiType.LOCATION)
            )
        return spans

    def area_name(self, words: list[Token]) -> bool:
        """A town's or district's name by its case or its form, not a word of anatomy."""
        if self.style is CaseStyle.MIXED:
            return all(w.is_title or w.is_upper for w in words)
        key = " ".join(w.key for w in words)
        last = words[-1].key
        return (
            key in self.lex.places
            or words[0].key in COMPOUND_HEADS
            or self.town_shaped(last)
            or bool(self.lex.surname_weight(last))
        )

    def streets(self) -> list[PhiSpan]:
        """``lives on molstad street``, ``APARTMENT ON PHILMON AVE``: no house number."""
        spans = []
        for k, tok in enumerate(self.tokens):
            if tok.key not in _STREET_KINDS or k < 2:
                continue
            j = k - 1
            while j >= 1 and k - j <= 2 and self.joined(self.tokens[j], self.tokens[j + 1]):
                if self.tokens[j - 1].key in _STREET_CUES:
                    break
                j -= 1
            cue = self.tokens[j - 1]
            if cue.key not in _STREET_CUES or not self.joined(cue, self.tokens[j]):
                continue
            if tok.key in ("st", "rd", "dr") and tok.is_lower and self.style is CaseStyle.MIXED:
                continue
            # "found down near Elm Rd": near, off, along say a street is named, whatever word
            lived = self.lived_before(j - 1) or (
                cue.key != "on" and tok.key not in ("st", "dr", "drive", "way")
            )
            words = self.tokens[j:k]
            if all(self.named(w, lived) for w in words):
                end = tok.end + (1 if self.text[tok.end : tok.end + 1] == "." else 0)
                spans.append(_span(words[0].start, end, 0.7, "address.named", PhiType.ADDRESS))
        return spans

    def residences(self) -> list[PhiSpan]:
        """``staying at Failwell Center``, ``D/C TO ROGERS MANOR``, ``resides at sweet place``."""
        spans = []
        for k, tok in enumerate(self.tokens):
            if tok.key not in _RESIDENCE_HEADS or k < 2:
                continue
            j = k - 1
            while j >= 1 and k - j <= 2 and self.joined(self.tokens[j], self.tokens[j + 1]):
                if self.tokens[j - 1].key in ("at", "to", "from", "in", "the"):
                    break
                j -= 1
            cue_index = j - 1
            if self.tokens[cue_index].key == "the" and cue_index >= 1:
                cue_index -= 1
            cue = self.tokens[cue_index]
            if cue.key not in ("at", "to", "from", "in"):
                continue
            lived = self.lived_before(cue_index)
            words = self.tokens[j:k]
            if not lived and not all(self.unknown(w.key) for w in words):
                continue
            if all(self.named(w, lived) for w in words):
                spans.append(
                    _span(words[0].start, tok.end, 0.7, "location.residence", PhiType.LOCATION)
                )
        return spans

    # --- agencies -----------------------------------------------------------------------
    def agencies(self) -> list[PhiSpan]:
        spans = []
        starts = {t.start: i for i, t in enumerate(self.tokens)}
        for cue in _SERVICE_CUE.finditer(self.text):
            k = starts.get(cue.end())
            if k is None:
                continue
            end = k
            while end + 1 < len(self.tokens) and end - k < 5:
                nxt = self.tokens[end + 1]
                if not self.joined(self.tokens[end], nxt) or nxt.key in STOPWORDS - {"of", "on"}:
                    break
                end += 1
            while end > k and self.tokens[end].key in ("of", "on"):
                end -= 1
            words = self.tokens[k : end + 1]
            if any(w.key in self.lex.clinical or w.key in STOPWORDS - {"of", "on"} for w in words):
                continue
            if words[0].key in NOT_A_PLACE or words[0].key in GENERIC_HEADS:
                continue  # "referred to rehab", "services through home care"
            tail = any(w.key in ORGANISATION_TAILS for w in words[1:])
            if self.style is CaseStyle.MIXED:
                # "referred to Neurosurgery" is a service; "Lincare", "Ford Home Care" bodies
                titled = [w for w in words if w.is_title or w.is_upper]
                named = (words[0].is_title or words[0].is_upper) and (
                    tail
                    or not self.lex.is_vocabulary(words[0].key)
                    or (
                        len(titled) >= 2
                        and not any(w.key in self.lex.medical for w in titled)
                        and not any(w.key in GENERIC_HEADS for w in titled[:2])
                    )
                )
            else:
                named = any(self.unknown(w.key) for w in words)
            if named:
                spans.append(
                    _span(words[0].start, words[-1].end, 0.65, "location.agency", PhiType.LOCATION)
                )
        return spans

    # --- hospitals after a referral ---------------------------------------------------
    def generals(self) -> list[PhiSpan]:
        spans = []
        for m in _GENERAL.finditer(self.text):
            words = [t for t in self.tokens if m.start("name") <= t.start < m.end("name")]
            if not words or any(
                w.key in STOPWORDS or w.key in self.lex.clinical or w.key in KIN for w in words
            ):
                continue
            end = m.end()
            spans.append(_span(words[0].start, end, 0.7, "location.general", PhiType.LOCATION))
        return spans

    def referrals(self) -> list[PhiSpan]:
        """``referred by holy rosary hospital``, ``REFERRED BY TRAVALI``: who referred is a
        hospital or a clinician (a name either way), unless a role or a service did."""
        spans = []
        for m in _REFERRED.finditer(self.text):
            words = [t for t in self.tokens if m.start("name") <= t.start < m.end("name")]
            taken: list[Token] = []
            for w in words:
                if w.key in STOPWORDS or w.key in KIN or w.key in self.lex.clinical:
                    break
                if taken and not self.joined(taken[-1], w):
                    break
                taken.append(w)
            if not taken or taken[0].key in NOT_A_PLACE or taken[0].key in GENERIC_HEADS:
                continue
            if taken[0].key in STRONG_TITLES or taken[0].key in CREDENTIALS:
                continue  # "Referred by Dr P. Vandermolen": the name rules read it
            named = (
                any(w.key in _FACILITY_WORDS for w in taken[1:])
                or taken[0].key in _SAINTS | COMPOUND_HEADS | word_set("holy good mount mt")
                or self.unknown(taken[0].key)
                or (self.style is CaseStyle.MIXED and taken[0].is_title)
            )
            if named:
                # a referring name ends at its facility word, or after two words
                last = next(
                    (i for i, w in enumerate(taken) if w.key in _FACILITY_WORDS and i), None
                )
                end_tok = taken[last] if last is not None else taken[min(len(taken), 2) - 1]
                if last is None and len(taken) > 1 and self.ordinary(taken[1].key):
                    end_tok = taken[0]
                spans.append(
                    _span(taken[0].start, end_tok.end, 0.65, "location.referral", PhiType.LOCATION)
                )
        return spans

    def place_labels(self) -> list[PhiSpan]:
        spans = []
        for m in _PLACE_LABEL.finditer(self.text):
            words = [t for t in self.tokens if m.start("value") <= t.start < m.end("value")]
            if not words or any(w.key in STOPWORDS or w.key in NOT_A_PLACE for w in words):
                continue  # "Home: with wife", "Lives: home alone"
            key = " ".join(w.key for w in words)
            placed = (
                key in self.lex.places
                or words[0].key in COMPOUND_HEADS
                or any(self.unknown(w.key) for w in words)
                or (self.style is CaseStyle.MIXED and all(w.is_title for w in words))
            )
            if placed and not any(w.key in self.lex.regions for w in words):
                spans.append(
                    _span(words[0].start, words[-1].end, 0.7, "location.labelled", PhiType.LOCATION)
                )
        return spans

    def before_arrow(self) -> list[PhiSpan]:
        """``Day Memorial->here``, ``gkmh->here``: where the patient came from."""
        spans = []
        ends = {t.end: i for i, t in enumerate(self.tokens)}
        for m in _ARROW_HERE.finditer(self.text):
            k = ends.get(m.start())
            if k is None:
                continue
            j = k
            while j > k - 3 and j > 0 and self.joined(self.tokens[j - 1], self.tokens[j]):
                prev = self.tokens[j - 1]
                if prev.key in STOPWORDS or prev.key in self.lex.clinical:
                    break
                j -= 1
            words = self.tokens[j : k + 1]
            last = words[-1]
            if last.key in STOPWORDS or last.key in self.lex.clinical:
                continue
            if last.key in NOT_A_PLACE and (last.key not in _FACILITY_WORDS or len(words) == 1):
                continue  # "floor->here"; "Providence hospital->here" is named
            if any(w.key in KIN or w.key in STRONG_TITLES for w in words):
                continue
            named = (
                last.key in _FACILITY_WORDS
                or last.key in HOSPITAL_NAME_WORDS
                or self.unknown(last.key)
                or (self.style is CaseStyle.MIXED and last.is_title and not self.ordinary(last.key))
            )
            if not named:
                continue  # "LS initially clear -> coarse": an arrow of change
            spans.append(_span(words[0].start, last.end, 0.65, "location.arrow", PhiType.LOCATION))
        return spans

    # --- labels -----------------------------------------------------------------------
    def labelled(self) -> list[PhiSpan]:
        spans = []
        for m in _LABEL.finditer(self.text):
            value = m.group("value").strip(" .-")
            words = [w.lower() for w in re.findall(r"[A-Za-z']+", value)]
            if not words or len(words) > 6 or words[0] in _NOT_LABEL_VALUES:
                continue
            if words[0] in NOT_A_PLACE or any(w in self.lex.clinical for w in words):
                continue  # "OSH: CT head negative" is a finding, not a hospital
            tokens = [t for t in self.tokens if m.start("value") <= t.start < m.end("value")]
            distinctive = [
                t
                for t in tokens
                if t.key not in GENERIC_HEADS
                and t.key not in STOPWORDS
                and (self.unknown(t.key) or self.capitalised(t) or t.is_upper)
            ]
            if not distinctive:
                continue
            start = m.start("value")
            spans.append(
                _span(start, start + len(value), 0.7, "location.labelled", PhiType.LOCATION)
            )
        return spans


def find_place_forms(
    text: str, tokens: list[Token], style: CaseStyle, lex: Lexicon
) -> list[PhiSpan]:
    """Towns, streets, residences and labelled bodies by their form (see the module doc)."""
    forms = _Forms(text, tokens, style, lex)
    return (
        forms.towns()
        + forms.before_residents()
        + forms.streets()
        + forms.areas()
        + forms.residences()
        + forms.agencies()
        + forms.generals()
        + forms.referrals()
        + forms.labelled()
        + forms.place_labels()
        + forms.before_arrow()
    )
