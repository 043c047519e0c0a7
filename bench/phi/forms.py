"""Surrogate PHI in every surface form notes use: names, places, dates, numbers.

Each generator takes a ``random.Random`` and returns ``(surface, form)``: the text to put in the
note and a label naming the form (``initial_surname/upper``), so that recall can be reported per
form. Values come from the shipped public-domain lists (SSA given names, Census surnames,
GeoNames places, see services/ingestor/phi/data/NOTICE.md), from generators written here
(invented names and towns no list holds, postcodes, numbers) and from the small hand-written
lists below (nicknames, saints, organisation words; written for clinrelay, Apache-2.0).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from functools import cache

from services.ingestor.phi.lexicon import load_lexicon

Generated = tuple[str, str]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


Generator = Callable[[random.Random], Generated]

CASES = ("title", "upper", "lower")

# nickname <- given name (general knowledge of English naming)
NICKNAMES: dict[str, tuple[str, ...]] = {
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "william": ("bill", "billy", "will", "willie", "liam"),
    "richard": ("rick", "ricky", "dick", "rich", "richie"),
    "elizabeth": ("liz", "beth", "betty", "lizzie", "eliza", "betsy", "libby"),
    "margaret": ("maggie", "peggy", "meg", "marge", "margie", "greta"),
    "katherine": ("kate", "kathy", "katie", "kat", "kit"),
    "catherine": ("cathy", "cate", "cat"),
    "james": ("jim", "jimmy", "jamie"),
    "john": ("jack", "johnny"),
    "joseph": ("joe", "joey", "jos"),
    "michael": ("mike", "mikey", "mick", "mickey"),
    "thomas": ("tom", "tommy"),
    "charles": ("charlie", "chuck", "chas"),
    "edward": ("ed", "eddie", "ned", "ted", "teddy"),
    "theodore": ("theo", "ted", "teddy"),
    "anthony": ("tony",),
    "christopher": ("chris", "kit", "topher"),
    "daniel": ("dan", "danny"),
    "matthew": ("matt", "matty"),
    "nicholas": ("nick", "nicky", "nico"),
    "alexander": ("alex", "sandy", "xander", "lex"),
    "alexandra": ("alex", "sandra", "lexie", "sasha"),
    "benjamin": ("ben", "benji", "benny"),
    "samuel": ("sam", "sammy"),
    "samantha": ("sam", "sammie"),
    "jonathan": ("jon", "jonny"),
    "timothy": ("tim", "timmy"),
    "stephen": ("steve", "stevie"),
    "steven": ("steve",),
    "gregory": ("greg",),
    "patrick": ("pat", "paddy"),
    "patricia": ("pat", "patty", "trish", "tricia"),
    "peter": ("pete",),
    "ronald": ("ron", "ronnie"),
    "donald": ("don", "donnie"),
    "kenneth": ("ken", "kenny"),
    "lawrence": ("larry",),
    "raymond": ("ray",),
    "gerald": ("gerry", "jerry"),
    "harold": ("harry", "hal"),
    "henry": ("hank", "harry"),
    "walter": ("walt", "wally"),
    "frederick": ("fred", "freddie"),
    "francis": ("frank", "frankie"),
    "eugene": ("gene",),
    "leonard": ("leo", "len", "lenny"),
    "zebulon": ("zeb",),
    "ezekiel": ("zeke",),
    "abigail": ("abby", "gail"),
    "deborah": ("debbie", "deb"),
    "jennifer": ("jen", "jenny"),
    "jessica": ("jess", "jessie"),
    "susan": ("sue", "susie"),
    "suzanne": ("suzy",),
    "barbara": ("barb", "babs"),
    "dorothy": ("dot", "dottie", "dolly"),
    "rebecca": ("becky", "becca"),
    "victoria": ("vicky", "tori"),
    "christine": ("chris", "tina", "chrissy"),
    "kimberly": ("kim",),
    "pamela": ("pam",),
    "cynthia": ("cindy",),
    "virginia": ("ginny",),
    "eleanor": ("ellie", "nora", "nell"),
    "florence": ("flo",),
    "gwendolyn": ("gwen",),
    "josephine": ("jo", "josie"),
    "theresa": ("terry", "tess"),
    "veronica": ("ronnie",),
    "winifred": ("winnie",),
    "mildred": ("millie",),
    "agnes": ("aggie",),
    "bernadette": ("bernie",),
    "bernard": ("bernie",),
    "rajesh": ("raj",),
    "priyanka": ("priya",),
    "giuseppe": ("beppe",),
    "aleksandr": ("sasha",),
    "ekaterina": ("katya",),
}

# surnames that are English words: the hardest names to tell from text
WORD_SURNAMES = _words(
    "hope may rich small bush green king rose faith grace bill mark young brown black"
    " white short long hill wood stone frost snow rice fox hunter baker cook fisher"
    " mason carpenter bishop pope chase church hall lane price read swift strong wise"
    " love joy day knight marsh field ford bird bell bond cash"
)
PARTICLES = ("O'", "Mc", "Mac", "De La ", "van der ", "Van ", "D'", "Le ", "St. ", "Di ", "Al-")
SAINTS = _words(
    "Agnes Mary Joseph Luke Vincent Elizabeth Francis Anne Jude Catherine Michael"
    " Raphael Barnabas Clare Margaret Patrick Peter Paul John Thomas Rose Teresa"
    " Bernard"
)
HOLY = ("Holy Cross", "Holy Family", "Holy Name", "Holy Redeemer", "Holy Spirit", "Holy Rosary")
FAITH_WORDS = (
    "Mercy",
    "Good Samaritan",
    "Providence",
    "Presbyterian",
    "Methodist",
    "Baptist",
    "Lutheran",
    "Adventist",
    "Sinai",
    "Mount Sinai",
    "Beth Israel",
    "Deaconess",
    "Covenant",
    "Bethesda",
    "Nazareth",
    "Hope",
)
STREET_TYPES = _words(
    "Street St St. Avenue Ave Ave. Road Rd Rd. Lane Ln Drive Dr Court Ct Boulevard"
    " Blvd Way Place Pl Terrace Crescent Close Parkway Circle Highway Hwy"
)
TREES = _words("Oak Maple Elm Cedar Pine Birch Willow Chestnut Larkspur Juniper Aspen Hawthorn")
ORG_TAILS = (
    "Nursing Home",
    "Manor",
    "Rehab",
    "Rehabilitation Center",
    "Care Center",
    "Senior Living",
    "Assisted Living",
    "Home Care",
    "Dialysis",
    "Dialysis Center",
    "Pharmacy",
    "Hospice",
    "Medical Group",
    "Family Practice",
    "Health Partners",
    "Community Health Center",
    "Counseling Services",
    "School District",
    "Elementary School",
    "High School",
    "Logistics",
    "Construction",
    "Insurance",
    "Credit Union",
    "Fire Department",
    "Police Department",
)
UK_AREAS = _words("SW SE NW N E W EC WC B M L LS S G EH CF BS OX CB NE DN CR BT")
CA_LETTERS = "ABCEGHJKLMNPRSTVXY"
AU_STATES = {"NSW": 2, "VIC": 3, "QLD": 4, "SA": 5, "WA": 6, "TAS": 7, "NT": 0, "ACT": 2}
MONTHS = _words(
    "January February March April May June July August September October November December"
)
WEEKDAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
NUMBER_WORDS = {
    90: "ninety",
    91: "ninety-one",
    92: "ninety-two",
    93: "ninety-three",
    94: "ninety-four",
    95: "ninety-five",
    96: "ninety-six",
    97: "ninety-seven",
    98: "ninety-eight",
    99: "ninety-nine",
}


def cased(text: str, case: str) -> str:
    if case == "upper":
        return text.upper()
    if case == "lower":
        return text.lower()
    return text


def _pick_case(rng: random.Random, case: str | None) -> str:
    return case or rng.choice(CASES)


# --- pools from the shipped lists ----------------------------------------------------------------
@cache
def _pools() -> dict[str, tuple[str, ...]]:
    lex = load_lexicon()
    given = lex.given_names
    vocabulary = lex.english | lex.clinical | lex.medical
    common_given = sorted(k for k, n in given.items() if n >= 100_000 and k.isalpha())
    rare_given = sorted(
        k for k, n in given.items() if 300 <= n < 3000 and k.isalpha() and k not in vocabulary
    )
    common_surnames = sorted(
        k for k, s in lex.surnames.items() if s >= 0.01 and k.isalpha() and len(k) > 2
    )
    rare_surnames = sorted(
        k
        for k, s in lex.surnames.items()
        if s < 0.001 and k.isalpha() and len(k) > 3 and k not in vocabulary
    )
    towns = sorted(
        k
        for k, n in lex.places.items()
        if 2_000 <= n <= 300_000 and k.replace(" ", "").isalpha() and k not in vocabulary
    )
    return {
        "common_given": tuple(common_given),
        "rare_given": tuple(rare_given),
        "common_surnames": tuple(common_surnames),
        "rare_surnames": tuple(rare_surnames),
        "towns": tuple(towns),
    }


_ONSETS = _words("b br c ch cl d dr f fl g gr h j k kr l m n p pr qu r s sh st t tr th v w wr z")
_VOWELS = _words("a e i o u ai ea ou ie oa")
_CODAS = ("", "", *_words("n r l s t nd rk ck m ng x ld"))
_SURNAME_ENDINGS = _words("son ski wicz ley ton berg stein ova ez elli ard ier mann ford well ham")
_TOWN_ENDINGS = _words("ville ton burg field ford wick dale haven port worth mouth brook ridge")


def invented_word(rng: random.Random, syllables: int = 2) -> str:
    """A pronounceable word no list is likely to hold (``Quorbeld``)."""
    return "".join(
        rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
    ).capitalize()


def given_name(rng: random.Random) -> str:
    pools = _pools()
    roll = rng.random()
    if roll < 0.45:
        return rng.choice(pools["common_given"]).capitalize()
    if roll < 0.8:
        return rng.choice(pools["rare_given"]).capitalize()
    return invented_word(rng, rng.choice((1, 2)))


def surname(rng: random.Random) -> str:
    pools = _pools()
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(pools["common_surnames"]).capitalize()
    if roll < 0.65:
        return rng.choice(pools["rare_surnames"]).capitalize()
    if roll < 0.75:
        return rng.choice(WORD_SURNAMES).capitalize()
    return invented_word(rng, 1) + rng.choice(_SURNAME_ENDINGS)


def town(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        return " ".join(w.capitalize() for w in rng.choice(_pools()["towns"]).split())
    if roll < 0.8:
        return invented_word(rng, 1) + rng.choice(_TOWN_ENDINGS)
    head = rng.choice(("North", "South", "East", "West", "Port", "Fort", "Glen", "Mount", "Lake"))
    return f"{head} {invented_word(rng, rng.choice((1, 2)))}"


# --- people --------------------------------------------------------------------------------------
def _nickname(rng: random.Random) -> tuple[str, str]:
    full = rng.choice(sorted(NICKNAMES))
    return rng.choice(NICKNAMES[full]).capitalize(), full.capitalize()


def person(rng: random.Random, form: str | None = None, case: str | None = None) -> Generated:
    """A person's name in one of many forms and cases."""
    forms = {
        "surname": lambda: surname(rng),
        "given": lambda: given_name(rng),
        "full": lambda: f"{given_name(rng)} {surname(rng)}",
        "initial_dot_surname": lambda: f"{given_name(rng)[0]}. {surname(rng)}",
        "initial_surname": lambda: f"{given_name(rng)[0]} {surname(rng)}",
        "surname_comma_given": lambda: f"{surname(rng)}, {given_name(rng)}",
        "given_middle_initial_surname": lambda: (
            f"{given_name(rng)} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {surname(rng)}"
        ),
        "nickname": lambda: _nickname(rng)[0],
        "nickname_surname": lambda: f"{_nickname(rng)[0]} {surname(rng)}",
        "hyphenated": lambda: f"{given_name(rng)} {surname(rng)}-{surname(rng)}",
        "particle": lambda: f"{given_name(rng)} {rng.choice(PARTICLES)}{surname(rng)}",
        "word_surname": lambda: rng.choice(WORD_SURNAMES).capitalize(),
        "synthea": lambda: (
            f"{given_name(rng)}{rng.randint(10, 999)} {surname(rng)}{rng.randint(10, 999)}"
        ),
    }
    name = form or rng.choice(sorted(forms))
    how = _pick_case(rng, case)
    return cased(forms[name](), how), f"{name}/{how}"


def initials(rng: random.Random) -> Generated:
    letters = [rng.choice("ABCDEFGHJKLMNPRSTW") for _ in range(rng.choice((1, 2, 2, 3)))]
    form = rng.choice(("dots", "plain", "single"))
    if form == "dots":
        return ".".join(letters) + ".", "initials/dots"
    if form == "single":
        return letters[0], "initials/single"
    return "".join(letters), "initials/plain"


def username(rng: random.Random) -> Generated:
    first, last = given_name(rng).lower(), surname(rng).lower().replace(" ", "")
    form = rng.choice(("flast", "lastf", "first.last", "flast_digits"))
    value = {
        "flast": first[0] + last,
        "lastf": last + first[0],
        "first.last": f"{first}.{last}",
        "flast_digits": f"{first[0]}{last}{rng.randint(1, 99)}",
    }[form]
    how = rng.choice(("lower", "upper"))
    return cased(value, how), f"username/{form}/{how}"


# --- places --------------------------------------------------------------------------------------
def _saint(rng: random.Random) -> str:
    return f"{rng.choice(('Saint', 'St.', 'St', 'Ste.'))} {rng.choice(SAINTS)}"


def hospital(rng: random.Random, form: str | None = None, case: str | None = None) -> Generated:
    """A hospital in one of its common forms: Saint/Holy/faith names, University of X, X
    General, X Memorial, acronyms, a bare name."""
    t, s = town(rng), surname(rng)
    forms = {
        "saint": lambda: f"{_saint(rng)} {rng.choice(('Hospital', 'Medical Center', 'Hosp'))}",
        "saint_bare": lambda: _saint(rng) + rng.choice(("", "'s")),
        "holy": lambda: rng.choice(HOLY) + rng.choice(("", " Hospital", " Medical Center")),
        "faith": lambda: f"{rng.choice(FAITH_WORDS)} {rng.choice(('Hospital', 'Medical Center'))}",
        "faith_town": lambda: f"{rng.choice(FAITH_WORDS)} {t}",
        "faith_bare": lambda: rng.choice(FAITH_WORDS),
        "university": lambda: (
            f"University of {t}"
            + rng.choice((" Medical Center", " Hospital", " Hospitals", " Health"))
        ),
        "general": lambda: f"{t} General" + rng.choice(("", " Hospital")),
        "memorial": lambda: f"{s} Memorial" + rng.choice(("", " Hospital")),
        "regional": lambda: f"{t} Regional Medical Center",
        "community": lambda: f"{t} Community Hospital",
        "medical_center": lambda: (
            f"{t} {rng.choice(('Medical Center', 'Med Ctr', 'Medical Centre'))}"
        ),
        "clinic": lambda: f"{s} Clinic",
        "health": lambda: f"{s} Health",
        "infirmary": lambda: f"{t} Royal Infirmary",
        "acronym": lambda: (
            "".join(w[0] for w in t.split()).upper()
            + rng.choice(("GH", "MC", "H", "MH", "RMC", "CH"))
        ),
        "bare_surname": lambda: s,
        "surname_pair": lambda: f"{s} {surname(rng)}",
    }
    name = form or rng.choice(sorted(forms))
    how = _pick_case(rng, case)
    return cased(forms[name](), how), f"hospital_{name}/{how}"


def organisation(rng: random.Random, case: str | None = None) -> Generated:
    roll = rng.random()
    how = _pick_case(rng, case)
    if roll < 0.3:
        return _organisation_round8(rng, how)
    roll = (roll - 0.3) / 0.7
    if roll < 0.15:
        # a brand or employer with no word saying what it is: "Sheetz", "Gentiva"
        return cased(invented_word(rng, 2), how), f"organisation_brand/{how}"
    if roll < 0.25:
        value = f"{surname(rng)} {rng.choice(('Inc', 'LLC', 'LLP', 'Ltd', '& Sons', 'Group'))}"
        return cased(value, how), f"organisation_legal/{how}"
    if roll < 0.7:
        head = rng.choice(
            (
                town(rng),
                surname(rng),
                rng.choice(TREES) + " " + rng.choice(("Hill", "Grove", "Park")),
            )
        )
        value, form = f"{head} {rng.choice(ORG_TAILS)}", "head_tail"
    elif roll < 0.85:
        value, form = f"Visiting Nurse Association of {town(rng)}", "vna_of"
    else:
        value, form = f"{surname(rng)} & {surname(rng)}", "firm"
    how = _pick_case(rng, case)
    return cased(value, how), f"organisation_{form}/{how}"


# round 8: the forms insurers, practices, schools, labs and trades take
PAYER_TAILS = ("Health Plan", "Health Plans", "Health Insurance", "Mutual")
PRACTICE_TAILS = ("Family Medicine", "Family Medical", "Family Practice", "Family Physicians")
SCHOOL_TAILS = ("High", "State", "Middle School", "Elementary", "Academy", "College", "Prep")
TRADE_TAILS = ("Towing", "Trucking", "Freight", "Plumbing", "Roofing", "Realty", "Industries")


def _organisation_round8(rng: random.Random, how: str) -> Generated:
    head = rng.choice((town(rng), surname(rng), invented_word(rng, 2)))
    forms: dict[str, Callable[[], str]] = {
        "payer": lambda: f"{head} {rng.choice(PAYER_TAILS)}",
        "mutual_of": lambda: f"{rng.choice(('Farmers', 'Medical', head))} Mutual of {town(rng)}",
        "practice": lambda: f"{head} {rng.choice(PRACTICE_TAILS)}",
        "school": lambda: f"{head} {rng.choice(SCHOOL_TAILS)}",
        "trade": lambda: f"{surname(rng)} {rng.choice(TRADE_TAILS)}",
        "inner_capital": lambda: (
            invented_word(rng, 1) + rng.choice(("Labs", "Scan", "Script", "Care"))
        ),
        "acronym": lambda: "".join(
            rng.choice("ABCDEFGHKLMNPRSTW") for _ in range(rng.randint(3, 5))
        ),
        "quebec": lambda: (
            f"{rng.choice(('CLSC', 'CHSLD', 'GMF'))} {rng.choice(('de ', 'du ', ''))}{town(rng)}"
        ),
    }
    name = rng.choice(sorted(forms))
    value = forms[name]()
    if name == "inner_capital":
        how = "title"  # the inner capital is the form
    elif name == "acronym":
        how = rng.choice(("upper", "lower"))
    return cased(value, how), f"organisation_{name}/{how}"


def city(rng: random.Random, case: str | None = None) -> Generated:
    how = _pick_case(rng, case)
    return cased(town(rng), how), f"city/{how}"


def ward(rng: random.Random, case: str | None = None) -> Generated:
    """A named ward or building (``Quartermain``, ``Ellison``): one word, no list holds it."""
    how = _pick_case(rng, case)
    value = surname(rng) if rng.random() < 0.5 else invented_word(rng, 2)
    return cased(value.split()[0], how), f"ward/{how}"


def other_location(rng: random.Random, case: str | None = None) -> Generated:
    value = rng.choice(
        (
            f"{rng.choice(('Eastern', 'Western', 'North', 'South'))} Shore",
            f"Lake {invented_word(rng, 2)}",
            f"{surname(rng)} Park",
            f"{town(rng)} County",
            f"{rng.choice(TREES)} Valley",
            f"{surname(rng)} Heights",
        )
    )
    how = _pick_case(rng, case)
    return cased(value, how), f"location_other/{how}"


def street(rng: random.Random) -> Generated:
    number = rng.randint(1, 9999)
    name = rng.choice((surname(rng), rng.choice(TREES), town(rng)))
    kind = rng.choice(STREET_TYPES)
    form = rng.choice(("us", "us_direction", "uk_flat", "au_unit", "po_box", "letter_number"))
    value = {
        "us": f"{number} {name} {kind}",
        "us_direction": f"{number} {rng.choice('NSEW')}. {name} {kind}",
        "uk_flat": f"Flat {rng.randint(1, 40)}, {rng.randint(1, 200)} {name} {kind}",
        "au_unit": f"Unit {rng.randint(1, 30)}/{rng.randint(1, 300)} {name} {kind}",
        "po_box": f"P.O. Box {rng.randint(10, 99999)}",
        "letter_number": f"{rng.randint(1, 400)}{rng.choice('ABCD')} {name} {kind}",
    }[form]
    return value, f"street/{form}"


def postcode(rng: random.Random, form: str | None = None) -> Generated:
    """A US ZIP (5 or 9 digits), UK, Canadian or Australian postcode, or an Indian PIN."""

    def digit() -> str:
        return str(rng.randint(0, 9))

    def letter() -> str:
        return rng.choice("ABDEFGHJLNPQRSTUWXYZ")

    forms = {
        "us5": lambda: f"{rng.randint(1000, 99950):05d}",
        "us9": lambda: f"{rng.randint(1000, 99950):05d}-{rng.randint(0, 9999):04d}",
        "uk": lambda: f"{rng.choice(UK_AREAS)}{rng.randint(1, 20)} {digit()}{letter()}{letter()}",
        "uk_nospace": lambda: (
            f"{rng.choice(UK_AREAS)}{rng.randint(1, 20)}{digit()}{letter()}{letter()}"
        ),
        "ca": lambda: (
            f"{rng.choice(CA_LETTERS)}{digit()}{rng.choice(CA_LETTERS)} "
            f"{digit()}{rng.choice(CA_LETTERS)}{digit()}"
        ),
        "au": lambda: _australian_postcode(rng),
        "in_pin": lambda: f"{rng.randint(11, 85)}{rng.randint(0, 9999):04d}",
        # round 8: the other UK shapes (A9A 9AA, AA9A 9AA), codes typed in lower case or without
        # their space, an Indian PIN in two groups, an Australian state written out
        "uk_a9a": lambda: (
            f"{rng.choice(('W', 'E', 'N'))}{rng.randint(1, 9)}{rng.choice('ABCDEFGHJKPSTUW')}"
            f" {digit()}{letter()}{letter()}"
        ),
        "uk_aa9a": lambda: (
            f"{rng.choice(('EC', 'WC', 'SW', 'SE', 'NW'))}{rng.randint(1, 9)}"
            f"{rng.choice('ABEHMNPRVWXY')} {digit()}{letter()}{letter()}"
        ),
        "uk_lower": lambda: cased(
            f"{rng.choice(UK_AREAS)}{rng.randint(1, 20)} {digit()}{letter()}{letter()}", "lower"
        ),
        "ca_nospace": lambda: (
            f"{rng.choice(CA_LETTERS)}{digit()}{rng.choice(CA_LETTERS)}"
            f"{digit()}{rng.choice(CA_LETTERS)}{digit()}"
        ),
        "ca_lower": lambda: cased(
            f"{rng.choice(CA_LETTERS)}{digit()}{rng.choice(CA_LETTERS)} "
            f"{digit()}{rng.choice(CA_LETTERS)}{digit()}",
            "lower",
        ),
        "in_pin_spaced": lambda: f"{rng.randint(11, 85)}{digit()} {rng.randint(0, 999):03d}",
        "au_state_words": lambda: (
            f"{rng.choice(('Victoria', 'Queensland', 'New South Wales', 'Tasmania'))}"
            f" {rng.randint(2000, 7999)}"
        ),
    }
    name = form or rng.choice(sorted(forms))
    return forms[name](), f"postcode/{name}"


def _australian_postcode(rng: random.Random) -> str:
    state = rng.choice(sorted(AU_STATES))
    return f"{state} {AU_STATES[state]}{rng.randint(0, 999):03d}"


def room(rng: random.Random) -> Generated:
    form = rng.choice(("number", "number_letter", "room_bed", "bay_bed", "dash"))
    value = {
        "number": str(rng.randint(100, 1299)),
        "number_letter": f"{rng.randint(1, 40)}{rng.choice('ABCD')}",
        "room_bed": f"{rng.randint(100, 999)} bed {rng.randint(1, 4)}",
        "bay_bed": f"Bay {rng.randint(1, 12)} Bed {rng.randint(1, 6)}",
        "dash": f"{rng.randint(1, 12)}-{rng.randint(1, 40)}",
    }[form]
    return value, f"room/{form}"


# --- dates ---------------------------------------------------------------------------------------
def _random_date(rng: random.Random) -> dt.date:
    return dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 9500))


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def date(rng: random.Random, form: str | None = None, case: str | None = None) -> Generated:
    """A date in numeric, ISO, spelled, ordinal, range and partial forms."""
    d = _random_date(rng)
    later = d + dt.timedelta(days=rng.randint(1, 6))
    month, mon = MONTHS[d.month - 1], MONTHS[d.month - 1][:3]
    yy = f"{d.year % 100:02d}"
    forms = {
        "m/d": f"{d.month}/{d.day}",
        "mm/dd": f"{d.month:02d}/{d.day:02d}",
        "m/d/yy": f"{d.month}/{d.day}/{yy}",
        "m/d/yyyy": f"{d.month}/{d.day}/{d.year}",
        "d/m/yyyy": f"{d.day}/{d.month}/{d.year}",
        "dd.mm.yyyy": f"{d.day:02d}.{d.month:02d}.{d.year}",
        "m-d-yy": f"{d.month}-{d.day}-{yy}",
        "iso": d.isoformat(),
        "month_day": f"{month} {d.day}",
        "mon_day": f"{mon} {d.day}",
        "mon_dot_ordinal": f"{mon}. {_ordinal(d.day)}",
        "day_month_year": f"{d.day} {month} {d.year}",
        "ordinal_of_month": f"{_ordinal(d.day)} of {month}",
        "month_day_year": f"{month} {d.day}, {d.year}",
        "month_year": f"{month} {d.year}",
        "mon_apostrophe_yy": f"{mon} '{yy}",
        "dd-mon-yyyy": f"{d.day:02d}-{mon}-{d.year}",
        "ddmonyyyy": f"{d.day:02d}{mon.upper()}{d.year}",
        "range_m/d": f"{d.month}/{d.day}-{later.month}/{later.day}",
        "range_to": f"{d.month}/{d.day} to {later.month}/{later.day}",
        "range_month_days": f"{month} {d.day}-{later.day}"
        if later.month == d.month
        else f"{mon} {d.day}",
        "range_days_month": f"{d.day}-{later.day} {mon}"
        if later.month == d.month
        else f"{d.day} {mon}",
        "weekday_m/d": f"{WEEKDAYS[d.weekday()]} {d.month}/{d.day}",
        "weekday_ordinal": f"{WEEKDAYS[d.weekday()]} {_ordinal(d.day)}",
        "d/m": f"{max(d.day, 13)}/{d.month}",
        "yyyy/mm/dd": f"{d.year}/{d.month:02d}/{d.day:02d}",
        "dd-mm-yyyy": f"{d.day:02d}-{d.month:02d}-{d.year}",
        "ordinal_month": f"{_ordinal(d.day)} {month}",
        "the_ordinal": f"the {_ordinal(d.day)}",
        "mon_dot_day_year": f"{mon}. {d.day}, {d.year}",
        "range_ordinals_month": f"{_ordinal(d.day)}-{_ordinal(later.day)} {month}"
        if later.month == d.month
        else f"{_ordinal(d.day)} {month}",
        "range_mon_days_year": f"{mon} {d.day}-{later.day}, {d.year}"
        if later.month == d.month
        else f"{mon} {d.day}, {d.year}",
        "month_of_year": f"{month} of {d.year}",
        # round 5: forms of letters, faxes and other countries' notes
        "weekday_the_ordinal": f"{WEEKDAYS[d.weekday()][:3]} the {_ordinal(d.day)}",
        "weekday_d/m": f"{WEEKDAYS[d.weekday()][:3]} {max(d.day, 13)}/{d.month}",
        "d/m/yy": f"{max(d.day, 13)}/{d.month}/{yy}",
        "mon_d/yy": f"{mon} {d.day}/{yy}",
        "m.d.yy": f"{d.month}.{d.day}.{yy}",
        "dd-mon-yy": f"{d.day:02d}-{mon}-{yy}",
        "ordinal_mon": f"{_ordinal(d.day)} {mon}",
        "weekday_day_month_year": f"{WEEKDAYS[d.weekday()]} {d.day} {month} {d.year}",
        "mid_month": f"mid-{month}",
        # round 8: the conventions of other countries and of forms
        "dd.mm.yy": f"{d.day:02d}.{d.month:02d}.{yy}",
        "d.m.yy": f"{d.day}.{d.month}.{yy}",
        "mon-dd": f"{mon}-{d.day:02d}",
        "dd-mon": f"{d.day}-{mon}",
        "mm/yyyy": f"{d.month:02d}/{d.year}",
        "iso_time": f"{d.isoformat()}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        "ordinal_month_year": f"{_ordinal(d.day)} {month} {d.year}",
        "month_ordinal_year": f"{month} {_ordinal(d.day)}, {d.year}",
        "range_d/m/yyyy": f"{d.day}/{d.month}/{d.year} - {later.day}/{later.month}/{later.year}",
        "range_m/d/yyyy": f"{d.month}/{d.day}-{later.month}/{later.day}/{later.year}",
        "mon_yyyy": f"{mon} {d.year}",
        "weekday_comma_d_mon_yyyy": f"{WEEKDAYS[d.weekday()][:3]}, {d.day} {mon} {d.year}",
        "mon_d/yy_slash": f"{mon} {d.day}/{yy}",
        "mid_year": f"mid-{d.year}",
        "year_mon_day": f"{d.year} {mon} {d.day}",
        "day_mon_comma_year": f"{d.day} {mon}, {d.year}",
        "the_ordinal_of_month": f"the {_ordinal(d.day)} of {month}",
        "range_d-d/m/yyyy": f"{d.day}-{later.day}/{d.month}/{d.year}"
        if later.month == d.month
        else f"{d.day}/{d.month}/{d.year}",
        "range_ordinals": f"{_ordinal(d.day)}-{_ordinal(later.day)}"
        if later.month == d.month
        else f"{_ordinal(d.day)} {mon}",
        "m/yyyy": f"{d.month}/{d.year}",
        "mon-yyyy": f"{mon}-{d.year}",
        "mon_yy_slash": f"{mon}/{yy}",
        "dd/mm/yy": f"{d.day:02d}/{d.month:02d}/{yy}",
        "holiday_other": rng.choice(
            ("Boxing Day", "Canada Day", "Anzac Day", "Diwali", "Good Friday", "Remembrance Day")
        ),
        "holiday": rng.choice(
            ("Christmas", "Thanksgiving", "New Year's Day", "Easter", "Christmas Eve")
        ),
    }
    name = form or rng.choice(sorted(forms))
    how = _pick_case(rng, case) if any(c.isalpha() for c in forms[name]) else "title"
    return cased(forms[name], how), f"date_{name}/{how}"


def year(rng: random.Random, original: str = "") -> Generated:
    value = rng.randint(1940, 2024)
    if len(original.strip("'")) == 2:
        return f"{value % 100:02d}", "year/yy"
    form = rng.choice(("yyyy", "apostrophe", "decade"))
    return {
        "yyyy": str(value),
        "apostrophe": f"'{value % 100:02d}",
        "decade": f"{value // 10 * 10}s",
    }[form], f"year/{form}"


def age(rng: random.Random) -> Generated:
    value = rng.randint(90, 104)
    if value in NUMBER_WORDS and rng.random() < 0.2:
        return NUMBER_WORDS[value], "age/words"
    return str(value), "age/digits"


# --- contact details and numbers -----------------------------------------------------------------
def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def phone(rng: random.Random, form: str | None = None) -> Generated:
    a, b, c = f"{rng.randint(201, 989)}", f"{rng.randint(200, 999)}", _digits(rng, 4)
    ext = str(rng.randint(10, 99999))
    uk_area = rng.choice(("20", "161", "131", "113"))
    forms = {
        "parens": f"({a}) {b}-{c}",
        "dashes": f"{a}-{b}-{c}",
        "dots": f"{a}.{b}.{c}",
        "spaces": f"{a} {b} {c}",
        "slash": f"{a}/{b}-{c}",
        "dash_space": f"{a}- {b}-{c}",
        "spaced_dashes": f"{a} - {b} - {c}",
        "plain10": f"{a}{b}{c}",
        "local7": f"{b}-{c}",
        "ext": f"{a}-{b}-{c} ext. {ext}",
        "x_ext": f"{a}-{b}-{c} x{ext}",
        "pager": f"{rng.randint(1, 9)}-{_digits(rng, 4)}",
        "pager5": _digits(rng, 5),
        "plus1": f"+1 {a} {b} {c}",
        "plus1_dashes": f"+1-{a}-{b}-{c}",
        "uk": f"+44 {uk_area} {_digits(rng, 3)} {_digits(rng, 4)}",
        "uk_local": f"0{uk_area} {_digits(rng, 3)} {_digits(rng, 4)}",
        "uk_mobile": f"07{_digits(rng, 3)} {_digits(rng, 6)}",
        "au": f"+61 {rng.randint(2, 8)} {_digits(rng, 4)} {_digits(rng, 4)}",
        "au_local": f"(0{rng.randint(2, 8)}) {_digits(rng, 4)} {_digits(rng, 4)}",
        "in": f"+91 {rng.randint(70, 99)}{_digits(rng, 3)} {_digits(rng, 5)}",
        "one_prefix": f"1-{a}-{b}-{c}",
        "au_mobile": f"04{_digits(rng, 2)} {_digits(rng, 3)} {_digits(rng, 3)}",
        "in_landline": f"0{rng.randint(11, 99)}-{_digits(rng, 4)} {_digits(rng, 4)}",
        "in_mobile": f"{rng.randint(70, 99)}{_digits(rng, 3)} {_digits(rng, 5)}",
        "dots_x": f"{a}.{b}.{c} x{_digits(rng, 4)}",
        "uk_spaced": f"0{uk_area[:2]}{_digits(rng, 2)} {_digits(rng, 3)} {_digits(rng, 3)}",
    }
    name = form or rng.choice(sorted(forms))
    return forms[name], f"phone_{name}"


def email(rng: random.Random) -> Generated:
    first, last = given_name(rng).lower(), surname(rng).lower().replace(" ", "").replace("'", "")
    domain = rng.choice(("example.com", "mail.example.org", "clinic.example.net", "nhs.example.uk"))
    local = rng.choice(
        (f"{first}.{last}", f"{first[0]}{last}{rng.randint(1, 99)}", f"{last}_{first}")
    )
    how = rng.choice(("lower", "upper"))
    return cased(f"{local}@{domain}", how), f"email/{how}"


def url(rng: random.Random) -> Generated:
    host = f"{invented_word(rng, 2).lower()}health"
    form = rng.choice(("https", "www", "bare"))
    value = {
        "https": f"https://portal.{host}.org/patient/{rng.randint(1000, 99999)}",
        "www": f"www.{host}.com",
        "bare": f"{host}.org/contact",
    }[form]
    return value, f"url/{form}"


def identifier(rng: random.Random, kind: str) -> Generated:
    """A value of one identifier kind in a form that kind takes (the label stays in the note)."""

    def up(n: int) -> str:
        return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(n))

    def d(n: int) -> str:
        return _digits(rng, n)

    forms: dict[str, list[tuple[str, str]]] = {
        "MEDICALRECORD": [
            (d(8), "digits8"),
            (f"{d(3)}-{d(2)}-{d(2)}", "grouped"),
            (f"{up(1)}{d(7)}", "letter_digits"),
            (f"MR-{d(7)}", "prefixed"),
            (f"{d(2)}-{d(3)}-{d(3)}", "grouped2"),
            (d(6), "digits6"),
            # round 8: hospital numbers of other countries
            (f"{up(2)}{d(1)}.{d(7)}", "dotted"),
            (f"{up(3)}/{d(2)}/{d(6)}", "slashed"),
            (d(10), "chi"),
            (f"IP/{d(2)}/{d(5)}", "ipd"),
        ],
        "HEALTHPLAN": [
            (f"{up(3)}{d(9)}", "letters_digits"),
            (f"W{d(9)}", "w_digits"),
            (f"{d(1)}{up(2)}{d(1)}-{up(2)}{d(1)}-{up(2)}{d(2)}", "mbi"),
            (f"{d(3)} {d(3)} {d(3)}", "grouped"),
            # round 8: national health numbers in their groupings
            (f"{d(3)} {d(3)} {d(4)}", "nhs"),
            (f"{d(4)} {d(5)} {d(1)}", "au_medicare"),
            (f"{d(4)}-{d(3)}-{d(3)}-{up(2)}", "ohip"),
            (f"{up(4)} {d(4)} {d(4)}", "ramq"),
            (f"{rng.randint(2, 9)}{d(3)} {d(4)} {d(4)}", "aadhaar"),
            (f"{d(4)} {d(3)} {d(3)}", "phn"),
        ],
        "ACCOUNT": [
            (d(9), "digits9"),
            (f"ACC-{d(5)}-{d(2)}", "prefixed"),
            (f"{d(4)} {d(4)} {d(4)}", "grouped"),
        ],
        "LICENSE": [
            (f"{up(1)}{d(7)}", "letter_digits"),
            (f"{up(1)}{d(3)}-{d(4)}-{d(4)}", "grouped"),
            (d(5), "digits5"),
            (f"{up(2)}{d(6)}", "letters_digits"),
            (f"{d(7)}{up(1)}", "provider_no"),
        ],
        "VEHICLE": [
            (f"{d(1)}{up(3)}{d(3)}", "us"),
            (f"{up(3)}-{d(4)}", "dash"),
            (f"{up(2)}{d(2)} {up(3)}", "uk"),
            (f"{up(3)} {d(3)}", "space"),
        ],
        "DEVICE": [
            (f"{d(1)}{up(1)}{d(1)}-{d(5)}-{up(1)}", "serial"),
            (f"{up(3)}{d(7)}", "letters_digits"),
            (f"{up(2)}{d(6)}{up(1)}", "mixed"),
            (f"{d(10)}", "digits10"),
        ],
        "BIOID": [
            (f"S{d(2)}-{d(4)}", "specimen"),
            (f"SP-{d(2)}-{d(6)}", "specimen_long"),
            (f"{up(1)}{d(2)}-{d(7)}", "accession"),
            (f"{up(2)}{d(2)}-{d(5)}", "case"),
        ],
        "IDNUM": [
            (d(7), "digits7"),
            (f"{up(2)}{d(2)}", "short"),
            (f"{up(1)}{d(3)}-{d(4)}", "grouped"),
        ],
        "SSN": [
            (f"{rng.randint(100, 665)}-{rng.randint(10, 99)}-{d(4)}", "dashes"),
            (f"{rng.randint(100, 665)} {rng.randint(10, 99)} {d(4)}", "spaces"),
            (f"{rng.randint(100, 665)}{rng.randint(10, 99)}{d(4)}", "plain"),
            (f"xxx-xx-{d(4)}", "last4_masked"),
            (f"{up(2)} {d(2)} {d(2)} {d(2)} {rng.choice('ABCD')}", "uk_ni"),
            (d(4), "last4"),
        ],
    }
    value, form = rng.choice(forms.get(kind, forms["IDNUM"]))
    return value, f"id_{kind.lower()}_{form}"
