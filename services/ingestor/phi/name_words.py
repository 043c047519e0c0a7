"""Words around person names: titles, credentials, kin and role words, cues, stopwords.

Written by hand for clinrelay. Each list is lower case; a token's ``key`` is compared with it.
"""

from __future__ import annotations

from services.ingestor.phi.word_sets import word_set

# words before a name that say a person follows
STRONG_TITLES = word_set("dr drs doctor dr's mrs mr mister miss madam prof professor rev reverend")
# titles that are also clinical abbreviations (MS = multiple sclerosis, NP = nasal prongs,
# MD alone = the team): they need a name-like word after them
WEAK_TITLES = word_set("ms np md pa nurse capt sgt")
CREDENTIALS = word_set(
    "rn md rrt crt np lpn licsw lcsw msw rd pharmd cna bsn msn ccrn aprn acnp fnp anp rph phd mph"
    " facc facs crna cnm slp pa rnc cnp dnp crnp cns rcp"
    # specialist and overseas credentials ("MD CCFP", "FRCPC", "MBBS", "PMHNP", "PA(ASCP)")
    " pmhnp ccfp frcpc frcp mrcp mbbs facp fccp faap facog fracp fracs mrcgp frcs lmsw lmft"
    " lpc psyd otr ascp"
)
# credentials that are also clinical abbreviations count only in capitals (MD, NP, PA line)
CAPITALS_ONLY_CREDENTIALS = word_set("md np pa rd cns")
KIN = word_set(
    "wife husband hsb hus son sons daughter daughters dtr dau dtrs mother mom father dad parents"
    " sister sisters sis brother brothers bro niece nieces neice nephew nephews aunt uncle cousin"
    " grandson grandsons granddaughter grandaughter granddaughters grandmother grandfather grandma"
    " grandpa friend friends fiance fiancee partner spouse boyfriend girlfriend proxy hcp guardian"
    " neighbor neighbour caseworker chaplain interpreter rabbi priest pastor minister attending"
    " resident fellow intern surgeon pcp cardiologist oncologist nephrologist psychiatrist"
    " therapist spokesperson named caregiver companion roommate landlord employer stepson"
    " stepdaughter stepfather stepmother staff daugther dauther daugter duaghter husbnad huband"
    " hubby nephw grandchild grandchildren children kids child sibling siblings sil dil gf bf"
    " inlaw stepsister stepbrother godson goddaughter twin exwife exhusband poa sw worker"
    " manager mgr coordinator liaison counselor advocate supervisor nutritionist dietitian"
    " dietician physician hospitalist intensivist radiologist anesthesiologist neurologist"
    " neurosurgeon urologist pulmonologist endocrinologist dermatologist podiatrist dentist"
    " ophthalmologist pharmacist covering law mum mam nan nana nanna gran granny stepdad stepmom"
    # people named by their role for the patient: "Facility nurse Deb", "Detective Mason"
    " nurse detective officer attorney lawyer teacher coach sponsor"
)
# kin and roles after a name: "Mary (wife)", "John, his son", "Rita - HCP"
KIN_AFTER = KIN - word_set("named staff covering worker manager children kids child attending")
# particles inside surnames: "Dr. O Rourke", "Van Buskirk", "de la Cruz", "Mc Donald"
NAME_PARTICLES = word_set("o mc mac van von de del della di da la le du st")
CUE_BEFORE = word_set(
    "per with w by called paged notified contacted contacts contact informed updated told asked"
    " spoke talked met discussed reviewed consulted seen evaluated examined visited relieved"
    " covered signed reported handed"
)
# "report given to Mary", "received report from Jo": to/from after these introduce a person
HANDOFF = word_set("report reported given gave handed relieved signed endorsed")
CUE_AFTER = word_set("aware notified paged called informed updated")
# never names, whatever the dictionaries say
STOPWORDS = word_set(
    "a an the and or but of to in on at by for from with without w wo as is are was were be been"
    " has have had do does did not no yes this that these those it its he she him her his hers they"
    " them their we us our you your i me my who whom which what when where why how all any some"
    " each both either neither one two three four five six seven eight nine ten am pm today"
    " tonight tomorrow yesterday now then here there also only very well up down out over under"
    " again more less much many most few per via re into onto upon about after before during"
    " since until than too so if else pt pts patient patients family team md rn np house aware"
    " notified called note see plan will would can could should may might must shall name"
    " said says states stated asks asked wants wanted feels felt thinks thought"
)
# what follows "Dr" when no name does: "per dr orders", "dr office", "Dr regarding"
NOT_AFTER_TITLE = (
    word_set(
        "order orders note notes office offices appt appointment appointments visit visits team"
        " service rounds recs recommendation recommendations aware notified here there said says"
        " wants ordered recommended regarding re about consult consults call calls note's note"
        " on-call oncall coverage covering's house pager page paged note. night day evening"
        " oncoming incoming charge floor unit nursing covering primary new next same previous"
        " other another both all each resident"
    )
    | STOPWORDS
)
# what follows a kin word when no name does: "DAUGHTER CALLED", "MOM GIVEN", "SON HOME"
KIN_FOLLOWERS = word_set(
    "call calls called calling given gave give came come comes coming left home here there"
    " stayed stay stays spoke phoned phone update updated visit visits visited visiting present"
    " brought took wants wanted said asked agrees agreed aware notified states reports reported"
    " concerning regarding around today tonight also just currently brought obtained request"
    " well back in"
)
