"""The people, topics and articles that ``manage.py seed_demo`` creates.

Everything here is fictional except the cited papers, which are real: each
reference below was checked against a public record of the paper (publisher,
PubMed or a university repository). A PubMed ID or DOI is given only where
that record showed it; otherwise the field is left empty rather than guessed.
The article texts were written for this demo and copy no other source.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "editorial-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    group: str = ""
    superuser: bool = False
    try_this: str = ""


@dataclass(frozen=True)
class DemoMember:
    """The advisory board profile of a DemoUser in the "Advisory Board" group."""

    username: str
    credentials: str
    specialties: str
    bio: str
    board_certification: str = ""
    licence_number: str = ""
    licence_region: str = ""
    # Relative to the day the demo is built, so the demo never goes stale.
    licence_verified_days_ago: int = 30
    licence_expires_in_days: int = 400


@dataclass(frozen=True)
class DemoTopic:
    name: str
    slug: str
    description: str
    specialty: str = ""


@dataclass(frozen=True)
class DemoQuestion:
    """A review checklist question; ``topic`` is a DemoTopic slug, empty for every article."""

    text: str
    topic: str = ""


@dataclass(frozen=True)
class DemoReference:
    authors: str
    title: str
    journal: str
    year: int
    pmid: str = ""
    doi: str = ""


# The stories an article can be taken through, named after where they end.
DRAFT_AFTER_WITHDRAWAL = "draft_after_withdrawal"
SUBMITTED = "submitted"
UNDER_REVIEW = "under_review"
CHANGES_REQUESTED = "changes_requested"
APPROVED = "approved"
REVISION_UNDER_REVIEW = "revision_under_review"
REJECTED = "rejected"
RETRACTED = "retracted"
# Approved about a year ago, so its next review falls due in the coming weeks.
APPROVED_REVIEW_DUE = "approved_review_due"


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    title: str
    summary: str
    topic: str  # a DemoTopic slug
    body: str
    references: tuple[DemoReference, ...]
    story: str
    # Board members in the order the editor asks them; an approval uses as
    # many as EDITORIAL_REQUIRED_APPROVALS requires.
    reviewers: tuple[str, ...] = ()
    approval_comments: tuple[str, ...] = ()
    review_comment: str = ""  # a reviewer's "request changes" or "reject" comment
    editor_comment: str = ""  # the editor's reason to reject or retract
    author_comment: str = ""  # why the author withdrew or started a revision
    # The author's later edit: a new body and references appended to the list.
    edited_body: str = ""
    added_references: tuple[DemoReference, ...] = ()
    revision_reviewer: str = ""
    # Members invited alongside ``reviewers`` who have not replied yet.
    pending_invitations: tuple[str, ...] = ()
    # The answer in everyday words for patients, and how the text was made.
    plain_body: str = ""
    origin: str = "human"
    # Warning signs that mean getting help at once, reviewed with the text.
    urgent_help: str = ""


# --- People ---------------------------------------------------------------------

USERS = (
    DemoUser(
        username="admin",
        first_name="Robin",
        last_name="Hale",
        role="Superuser",
        superuser=True,
        try_this="Everything: users and groups, every article, the full history and audit trail.",
    ),
    DemoUser(
        username="editor",
        first_name="Helen",
        last_name="Marsh",
        role="Editor",
        group="Editors",
        try_this=(
            "Invite board members to the head-lice article (specialists come first); start "
            "the re-review of the sore-throat article from the “Review due” queue; open the "
            "board roster; edit the review checklist and the reminder rules."
        ),
    ),
    DemoUser(
        username="author",
        first_name="Priya",
        last_name="Raman",
        role="Author",
        group="Authors",
        try_this=(
            "Answer the reviewer on the sunscreen article and resubmit it; finish the eczema "
            "draft and submit it."
        ),
    ),
    DemoUser(
        username="dr.okafor",
        first_name="Chidinma",
        last_name="Okafor",
        role="Advisory Board",
        group="Advisory Board",
        try_this=(
            "See the changes you requested on the sunscreen article and your recommendation "
            "to reject the vinegar article; review again when the author resubmits."
        ),
    ),
    DemoUser(
        username="dr.lindqvist",
        first_name="Erik",
        last_name="Lindqvist",
        role="Advisory Board",
        group="Advisory Board",
        try_this=(
            "Accept or decline the invitation to review the paracetamol article; review the "
            "revision of the honey article beside the live public page."
        ),
    ),
    DemoUser(
        username="dr.mehta",
        first_name="Anjali",
        last_name="Mehta",
        role="Advisory Board",
        group="Advisory Board",
        try_this=(
            "Review the paracetamol-and-ibuprofen article: approve, request changes or "
            "recommend rejection; answer the review checklist first."
        ),
    ),
    DemoUser(
        username="dr.novak",
        first_name="Tomas",
        last_name="Novak",
        role="Advisory Board",
        group="Advisory Board",
        try_this=(
            "Your medical licence has lapsed: see that editors cannot invite you and why, "
            "until it is renewed in your profile."
        ),
    ),
)

BOARD = (
    DemoMember(
        username="dr.okafor",
        credentials="MD, FAAD",
        specialties="Dermatology, Paediatric dermatology",
        bio=(
            "Consultant dermatologist with a particular interest in the skin of babies and "
            "children. She runs a paediatric skin clinic and teaches on recognising rashes "
            "in darker skin."
        ),
        board_certification="American Board of Dermatology",
        licence_number="MD-0447192",
        licence_region="Illinois, USA",
    ),
    DemoMember(
        username="dr.lindqvist",
        credentials="MD, PhD",
        specialties="Paediatrics, Neonatology",
        bio=(
            "Paediatrician who has looked after newborns and their parents for twenty years. "
            "He reviews our answers on children's health, from feeding to fevers."
        ),
        board_certification="Specialist in paediatrics (Swedish National Board of Health)",
        licence_number="SE-551208",
        licence_region="Sweden",
        licence_verified_days_ago=200,
        licence_expires_in_days=60,
    ),
    DemoMember(
        username="dr.mehta",
        credentials="MBBS, MRCGP",
        specialties="General practice, Clinical pharmacology",
        bio=(
            "General practitioner with a training in clinical pharmacology. She checks what "
            "we say about medicines: doses, interactions and what can safely be bought over "
            "the counter."
        ),
        board_certification="Member of the Royal College of General Practitioners",
        licence_number="GMC 7012345",
        licence_region="United Kingdom (GMC)",
    ),
    DemoMember(
        username="dr.novak",
        credentials="MD",
        specialties="Dermatology",
        bio=(
            "Dermatologist in private practice with an interest in acne and rosacea. He is "
            "renewing his licence and reviews again once it is verified."
        ),
        board_certification="Board-certified dermatologist (Czech Medical Chamber)",
        licence_number="CZ-20318",
        licence_region="Czech Republic",
        licence_verified_days_ago=400,
        licence_expires_in_days=-20,
    ),
)

CHECKLIST = (
    DemoQuestion("Every medical claim is supported by one of the cited sources."),
    DemoQuestion("Doses and units are checked, or the answer gives no doses."),
    DemoQuestion("It says when to seek medical help, and who should not follow the advice."),
    DemoQuestion(
        "Doses, intervals and maximum daily amounts match the product information.",
        topic="medicines",
    ),
)

TOPICS = (
    DemoTopic(
        name="Skin conditions",
        slug="skin-conditions",
        description=(
            "Rashes, spots, bumps and other skin problems at every age, and how they are treated."
        ),
        specialty="Dermatology",
    ),
    DemoTopic(
        name="Children's health",
        slug="childrens-health",
        description="Everyday illnesses and worries of babies and children, answered for parents.",
        specialty="Paediatrics",
    ),
    DemoTopic(
        name="Medicines",
        slug="medicines",
        description=(
            "How common medicines work, how to take them safely and what the evidence says "
            "about them."
        ),
        specialty="Clinical pharmacology",
    ),
)


# --- References -------------------------------------------------------------------

BERK_2008 = DemoReference(
    authors="Berk DR, Bayliss SJ",
    title="Milia: a review and classification",
    journal="J Am Acad Dermatol",
    year=2008,
    doi="10.1016/j.jaad.2008.07.034",
)
OCONNOR_2008 = DemoReference(
    authors="O'Connor NR, McLaughlin MR, Ham P",
    title="Newborn skin: Part I. Common rashes",
    journal="Am Fam Physician",
    year=2008,
    pmid="18236822",
)
BURNETT_2015 = DemoReference(
    authors="Burnett ME, Levitt JO",
    title="Incision and drainage (abscesses, acne, and milia)",
    journal=(
        "In: Levitt J, Sobak J, eds. Safety in Office-Based Dermatologic Surgery. Springer, Cham"
    ),
    year=2015,
    doi="10.1007/978-3-319-13347-8_13",
)
COTA_2009 = DemoReference(
    authors="Cota C, Sinagra J, Donati P, Amantea A",
    title="Milia en plaque: three new pediatric cases",
    journal="Pediatr Dermatol",
    year=2009,
)
SHARMA_1995 = DemoReference(
    authors="Sharma R, Kumar B",
    title="Milia en plaque",
    journal="Indian J Dermatol Venereol Leprol",
    year=1995,
    pmid="20953026",
)
NOTO_2016 = DemoReference(
    authors="Noto G",
    title="Milia en plaque",
    journal="In: Dermatological Cryosurgery and Cryotherapy. Springer, London",
    year=2016,
)
PAUL_2007 = DemoReference(
    authors="Paul IM, Beiler J, McMonagle A, Shaffer ML, Duda L, Berlin CM Jr",
    title=(
        "Effect of honey, dextromethorphan, and no treatment on nocturnal cough and sleep "
        "quality for coughing children and their parents"
    ),
    journal="Arch Pediatr Adolesc Med",
    year=2007,
    doi="10.1001/archpedi.161.12.1140",
)
ARNON_1979 = DemoReference(
    authors="Arnon SS, Midura TF, Damus K, Thompson B, Wood RM, Chin J",
    title="Honey and other environmental risk factors for infant botulism",
    journal="J Pediatr",
    year=1979,
    pmid="368301",
)
ODUWOLE_2018 = DemoReference(
    authors="Oduwole O, Udoh EE, Oyo-Ita A, Meremikwu MM",
    title="Honey for acute cough in children",
    journal="Cochrane Database Syst Rev",
    year=2018,
    doi="10.1002/14651858.CD007094.pub5",
)
HAY_2008 = DemoReference(
    authors="Hay AD, Costelloe C, Redmond NM, Montgomery AA, Fletcher M, Hollinghurst S, Peters TJ",
    title=(
        "Paracetamol plus ibuprofen for the treatment of fever in children (PITCH): "
        "randomised controlled trial"
    ),
    journal="BMJ",
    year=2008,
    pmid="18765450",
    doi="10.1136/bmj.a1302",
)
SULLIVAN_2011 = DemoReference(
    authors=(
        "Sullivan JE, Farrar HC; Section on Clinical Pharmacology and Therapeutics; "
        "Committee on Drugs"
    ),
    title="Fever and antipyretic use in children",
    journal="Pediatrics",
    year=2011,
    doi="10.1542/peds.2010-3852",
)
BURGESS_2005 = DemoReference(
    authors="Burgess IF, Brown CM, Lee PN",
    title=(
        "Treatment of head louse infestation with 4% dimeticone lotion: randomised "
        "controlled equivalence trial"
    ),
    journal="BMJ",
    year=2005,
    doi="10.1136/bmj.38497.506481.8F",
)
BURGESS_2007 = DemoReference(
    authors="Burgess IF, Lee PN, Matlock G",
    title=(
        "Randomised, controlled, assessor blind trial comparing 4% dimeticone lotion with "
        "0.5% malathion liquid for head louse infestation"
    ),
    journal="PLoS One",
    year=2007,
    pmid="17987114",
    doi="10.1371/journal.pone.0001127",
)
GREEN_1999 = DemoReference(
    authors="Green A, Williams G, Neale R, et al.",
    title=(
        "Daily sunscreen application and betacarotene supplementation in prevention of "
        "basal-cell and squamous-cell carcinomas of the skin: a randomised controlled trial"
    ),
    journal="Lancet",
    year=1999,
    pmid="10475183",
    doi="10.1016/S0140-6736(98)12168-2",
)
GREEN_2011 = DemoReference(
    authors="Green AC, Williams GM, Logan V, Strutton GM",
    title="Reduced melanoma after regular sunscreen use: randomized trial follow-up",
    journal="J Clin Oncol",
    year=2011,
    doi="10.1200/JCO.2010.28.7078",
)
CHALMERS_2020 = DemoReference(
    authors="Chalmers JR, Haines RH, Bradshaw LE, et al.",
    title=(
        "Daily emollient during infancy for prevention of eczema: the BEEP randomised "
        "controlled trial"
    ),
    journal="Lancet",
    year=2020,
    doi="10.1016/S0140-6736(19)32984-8",
)
SKJERVEN_2020 = DemoReference(
    authors="Skjerven HO, Rehbinder EM, Vettukattil R, et al.",
    title=(
        "Skin emollient and early complementary feeding to prevent infant atopic dermatitis "
        "(PreventADALL): a factorial, multicentre, cluster-randomised trial"
    ),
    journal="Lancet",
    year=2020,
    doi="10.1016/S0140-6736(19)32983-6",
)
HEMILA_2013 = DemoReference(
    authors="Hemilä H, Chalker E",
    title="Vitamin C for preventing and treating the common cold",
    journal="Cochrane Database Syst Rev",
    year=2013,
    pmid="23440782",
    doi="10.1002/14651858.CD000980.pub4",
)
HEMILA_2017 = DemoReference(
    authors="Hemilä H",
    title="Vitamin C and infections",
    journal="Nutrients",
    year=2017,
    doi="10.3390/nu9040339",
)
ZAENGLEIN_2016 = DemoReference(
    authors="Zaenglein AL, Pathy AL, Schlosser BJ, et al.",
    title="Guidelines of care for the management of acne vulgaris",
    journal="J Am Acad Dermatol",
    year=2016,
    pmid="26897386",
    doi="10.1016/j.jaad.2015.12.037",
)
TITUS_2012 = DemoReference(
    authors="Titus S, Hodge J",
    title="Diagnosis and treatment of acne",
    journal="Am Fam Physician",
    year=2012,
)

CTT_2022 = DemoReference(
    authors="Cholesterol Treatment Trialists' Collaboration",
    title=(
        "Effect of statin therapy on muscle symptoms: an individual participant data "
        "meta-analysis of large-scale, randomised, double-blind trials"
    ),
    journal="Lancet",
    year=2022,
    pmid="36049498",
    doi="10.1016/S0140-6736(22)01545-8",
)
WOOD_2020 = DemoReference(
    authors="Wood FA, Howard JP, Finegold JA, et al.",
    title="N-of-1 trial of a statin, placebo, or no treatment to assess side effects",
    journal="N Engl J Med",
    year=2020,
    doi="10.1056/NEJMc2031173",
)
HERRETT_2021 = DemoReference(
    authors="Herrett E, Williamson E, Brack K, et al.; StatinWISE Trial Group",
    title=(
        "Statin treatment and muscle symptoms: series of randomised, placebo controlled "
        "n-of-1 trials"
    ),
    journal="BMJ",
    year=2021,
    pmid="33627334",
    doi="10.1136/bmj.n135",
)
NICE_NG84 = DemoReference(
    authors="National Institute for Health and Care Excellence",
    title="Sore throat (acute): antimicrobial prescribing (NICE guideline NG84)",
    journal="National Institute for Health and Care Excellence, London",
    year=2018,
)
SPINKS_2021 = DemoReference(
    authors="Spinks A, Glasziou PP, Del Mar CB",
    title="Antibiotics for treatment of sore throat in children and adults",
    journal="Cochrane Database Syst Rev",
    year=2021,
    pmid="34881426",
    doi="10.1002/14651858.CD000023.pub5",
)
SKOOG_STAHLGREN_2019 = DemoReference(
    authors="Skoog Ståhlgren G, Tyrstrup M, Edlund C, et al.",
    title=(
        "Penicillin V four times daily for five days versus three times daily for 10 days in "
        "patients with pharyngotonsillitis caused by group A streptococci: randomised "
        "controlled, open label, non-inferiority study"
    ),
    journal="BMJ",
    year=2019,
    pmid="31585944",
    doi="10.1136/bmj.l5337",
)
KWOK_2012 = DemoReference(
    authors="Kwok CS, Gibbs S, Bennett C, Holland R, Abbott R",
    title="Topical treatments for cutaneous warts",
    journal="Cochrane Database Syst Rev",
    year=2012,
    pmid="22972052",
    doi="10.1002/14651858.CD001781.pub3",
)
BRUGGINK_2010 = DemoReference(
    authors="Bruggink SC, Gussekloo J, Berger MY, et al.",
    title=(
        "Cryotherapy with liquid nitrogen versus topical salicylic acid application for "
        "cutaneous warts in primary care: randomized controlled trial"
    ),
    journal="CMAJ",
    year=2010,
    pmid="20837684",
    doi="10.1503/cmaj.092194",
)
FOCHT_2002 = DemoReference(
    authors="Focht DR 3rd, Spicer C, Fairchok MP",
    title=(
        "The efficacy of duct tape vs cryotherapy in the treatment of verruca vulgaris "
        "(the common wart)"
    ),
    journal="Arch Pediatr Adolesc Med",
    year=2002,
    pmid="12361440",
    doi="10.1001/archpedi.156.10.971",
)
WENNER_2007 = DemoReference(
    authors="Wenner R, Askari SK, Cham PM, et al.",
    title=(
        "Duct tape for the treatment of common warts in adults: a double-blind randomized "
        "controlled trial"
    ),
    journal="Arch Dermatol",
    year=2007,
    pmid="17372095",
    doi="10.1001/archderm.143.3.309",
)
NICE_NG143 = DemoReference(
    authors="National Institute for Health and Care Excellence",
    title="Fever in under 5s: assessment and initial management (NICE guideline NG143)",
    journal="National Institute for Health and Care Excellence, London",
    year=2019,
)
MEREMIKWU_2003 = DemoReference(
    authors="Meremikwu M, Oyo-Ita A",
    title="Physical methods for treating fever in children",
    journal="Cochrane Database Syst Rev",
    year=2003,
    pmid="12804512",
    doi="10.1002/14651858.CD004264",
)


# --- Articles ---------------------------------------------------------------------

MILIA_BODY = """\
Milia are tiny, firm, pearly-white or yellowish bumps, usually 1 to 2 mm across, that \
sit just under the surface of the skin. Each one is a miniature cyst filled with keratin, \
the protein that makes up the outer layer of the skin. They do not hurt or itch, they are \
not infectious and they are not acne: there is no open pore, which is why squeezing \
rarely gets them out [1].

## Milia in newborns

Four or five in every ten newborns have milia, most often on the nose, cheeks, chin and \
forehead [1, 2]. They need no treatment. As the baby's skin matures and renews itself they \
clear on their own, usually within a few weeks and almost always within a few months \
[1, 2]. Wash the face with plain water, pat it dry and leave the spots alone.

## Milia in older children and adults

Milia can appear at any age, most often around the eyes and on the cheeks. Some arise for \
no obvious reason (primary milia). Others form where the skin has been damaged, for \
example after blisters, burns, procedures such as dermabrasion, or long use of strong \
steroid creams (secondary milia) [1]. Unlike in babies, they can stay for months or years.

## Treatment options

**Leave them alone.** Milia are harmless, so doing nothing is a sound choice, especially \
when there are only a few. Some fade slowly over time.

**Removal by a clinician.** The quickest and most reliable treatment is extraction by a \
doctor or trained nurse: the thin skin over the milium is opened with a sterile needle or \
fine blade and the keratin is pressed out, often with a small instrument called a comedone \
extractor [3]. It takes seconds for each spot and usually needs no anaesthetic. A milium \
that has been emptied rarely returns, although new ones can appear nearby.

**Topical retinoids.** When there are many milia, or they keep coming back, a doctor may \
prescribe a retinoid cream such as tretinoin, applied at night for several weeks, \
sometimes before extraction [4, 5]. The evidence comes from case reports and small case \
series rather than from trials. Retinoids can make the skin red and flaky, and they are \
not used in pregnancy.

**Other procedures.** For widespread or stubborn milia, dermatologists sometimes use \
freezing (cryotherapy), gentle cautery, chemical peels or laser treatment [1, 5, 6]. These \
carry a small risk of scarring or of changes in skin colour, so they are kept for cases \
where simple extraction is not practical.

## What not to do at home

- Do not squeeze, scratch or prick milia yourself, and never near the eyes: it rarely \
works and can leave infection, marks or scars.
- Do not scrub the skin with harsh exfoliants; irritation does not dissolve the cyst.
- Do not put creams, oils or acne products on a baby's milia.

## When to see a doctor

See a doctor or nurse if:

- a baby's milia are still there after about three months, or the baby has another rash \
or seems unwell;
- many milia appear suddenly, or appear together with blisters or fragile skin, which can \
point to an underlying skin condition [1];
- a spot grows, bleeds, changes colour or does not look like the others;
- the milia bother you and you would like them removed safely.
"""

HONEY_INTRO = """\
Coughs that come with colds are very common in children. Most settle on their own within \
two or three weeks, and the cough medicines sold for children have little evidence behind \
them. Honey is a popular home remedy, and there is some evidence for it.

## What the evidence shows

In a trial of 105 children aged 2 to 18 with a cold, a single dose of buckwheat honey half \
an hour before bed eased night-time coughing, and helped both children and parents sleep, \
more than no treatment did [1]. The trial was small, and parents whose child was given \
nothing knew it, so the true benefit may be smaller than it looked.
"""

HONEY_REVIEW = """
A Cochrane review that brought together six trials in 899 children found that honey \
probably relieves a cough a little better than no treatment or a placebo, and may work \
about as well as dextromethorphan, an ingredient of many cough syrups [3]. None of the \
trials was large, and all of them were short.
"""

HONEY_REST = """
## Never give honey to a baby under one

Honey can carry spores of the bacterium that causes botulism. In a baby's first year these \
spores can settle in the gut and make a toxin that causes infant botulism, a rare but \
serious illness that weakens the muscles [2]. Do not give honey, or food containing it, to \
a baby younger than 12 months.

## How to use it

For a child over one, half to one teaspoon of honey before bed, on its own or stirred into \
a warm drink, is a reasonable thing to try. Honey is sugar, so brush teeth afterwards.

## When to see a doctor

Get medical advice if your child is breathing fast or working hard to breathe, has had a \
fever for more than a few days, is unusually drowsy, coughs up blood, or has had the cough \
for more than three weeks.
"""

EMOLLIENT_BODY = """\
Eczema (atopic dermatitis) often starts in the first year of life, and it runs in \
families. Because eczema goes with a leaky skin barrier, researchers tested whether \
moisturising babies' skin every day from birth could stop it developing.

## The BEEP trial

In the United Kingdom, 1,394 newborns with a parent, brother or sister who had eczema, hay \
fever or asthma were randomly assigned to a daily emollient for their first year or to \
usual skin care. At two years old eczema was just as common in both groups, and there was \
some sign that the babies moisturised every day had more skin infections [1].
"""

EMOLLIENT_PREVENTADALL = """
## The PreventADALL trial

A trial of 2,397 babies from the general population of Norway and Sweden tested regular \
bath oil and face cream from two weeks of age. By 12 months these babies were no less \
likely to have eczema than babies without the skin routine [2].
"""

EMOLLIENT_ADVICE = """
## What this means for you

There is no need to moisturise a baby's healthy skin every day to prevent eczema. Do use a \
fragrance-free moisturiser when the skin is dry, and see your doctor or health visitor if \
your baby develops an itchy, red, rough rash.
"""

MILIA_PLAIN = """\
Milia are very small white spots, about the size of a pinhead, just under the skin. Each \
spot is a tiny pocket of skin protein that got trapped. They are harmless: they do not \
hurt, they do not spread to other people, and they are not pimples [1].

## In babies

About half of all newborn babies have a few milia, mostly on the nose and cheeks [1, 2]. \
You do not need to do anything. They go away by themselves, usually in a few weeks [2]. \
Just wash your baby's face with water and pat it dry.

## In older children and adults

Milia can stay for months or years. You can leave them alone, because they do no harm. If \
they bother you, a doctor or nurse can remove them in a few seconds with a tiny needle \
[3]. If you have a lot of them, a doctor may suggest a cream to use for a few weeks [4, 5].

## Please do not squeeze them

Squeezing milia rarely works, and it can cause infection or marks, especially near the \
eyes.

## See a doctor if

- your baby still has them after three months, or seems unwell;
- lots of milia appear suddenly, or with blisters;
- a spot grows, bleeds or looks different from the others.
"""

STATINS_PLAIN = """\
Statins are tablets that lower cholesterol and make heart attacks and strokes less likely. \
Lots of people who take one get aching or stiff muscles, and many stop the tablets because \
of it. But the statin is usually not the cause.

## What the big studies found

In large studies where nobody knew whether they were taking a statin or a dummy tablet, \
muscle aches were almost as common with the dummy tablet as with the statin: about 27 in \
every 100 people in both groups [1]. Fewer than one in ten of the aches in people taking a \
statin were caused by the statin itself [1].

People who had stopped a statin because of aches tried it again, swapping between the \
statin and a dummy tablet without knowing which was which. Their aches were about the same \
either way, and many of them went back to taking a statin [2, 3].

## What you can do

- Your aches are real, but exercise, getting older or another illness may be the cause.
- Do not stop your statin on your own. Talk to your doctor: you could try a short break, a \
lower dose or a different statin.
"""

STATINS_URGENT = """\
Get medical advice the same day if you have severe muscle pain or weakness that you cannot \
explain, especially if your urine is dark brown or you have a fever.
"""

SORE_THROAT_PLAIN = """\
Most sore throats are caused by viruses, like colds. Antibiotics do not work on viruses. \
Most sore throats get better on their own in about a week [1].

## Do antibiotics help?

Only a little. About six people would need to take antibiotics for one more person to have \
no sore throat three days later [2]. Antibiotics can also give you diarrhoea or a rash, and \
using them too often means they may not work when you really need them.

## When might you need them?

A doctor, nurse or pharmacist will ask about your symptoms, such as a high temperature, \
pus on your tonsils, swollen glands in your neck and whether you have a cough [1]. Most \
people do not need an antibiotic. Some are given a prescription to use only if they are \
not getting better after a few days. If you are given antibiotics, take them exactly as \
you were told [1, 3].

## Looking after yourself

- Take paracetamol or ibuprofen for the pain.
- Drink plenty of fluids. Cool drinks and soft food may be easier to swallow.
- See a doctor if your sore throat is not getting better after a week.
"""

SORE_THROAT_URGENT = """\
Get medical help straight away if you:

- have difficulty breathing, or cannot swallow your own saliva;
- cannot open your mouth properly;
- feel very unwell, or your symptoms are getting worse fast.
"""

WARTS_PLAIN = """\
Warts are small, rough lumps on the skin caused by a virus. On the soles of the feet they \
are called verrucas. They are very common, especially in children, and they are harmless. \
Many go away on their own, but this can take months or even years [1].

## Things you can try

- **Salicylic acid** from a pharmacy softens and peels the wart away. It works more often \
than doing nothing, but you need to use it every day for several weeks [2]. Do not use it \
on your face, and ask first if you have diabetes or poor circulation.
- **Freezing** by a nurse or doctor may clear warts on the hands a little faster than \
salicylic acid [1]. It can hurt and cause a blister.
- **Duct tape** is cheap and unlikely to do harm, but studies do not agree on whether it \
works [3, 4].

## See a doctor if

- you are not sure the lump is a wart, or it bleeds, changes or grows quickly;
- you have warts on your face or genitals;
- you have diabetes, poor circulation or a weak immune system.
"""

FEVER_PLAIN = """\
A fever is a temperature of 38 °C or more. In children it is usually caused by a common \
infection, like a cold, and it goes away in a few days. A fever is the body's way of \
fighting infection and does not harm your child's brain [1]. What matters is how your \
child is, not the number on the thermometer.

## Medicines

- If your child is upset or uncomfortable, give paracetamol or ibuprofen. Use the dose on \
the pack for your child's age or weight [2].
- Do not give both at the same time. If one has not helped, you can try the other instead \
[2, 3].
- Write down what you gave and when.

## Keeping your child comfortable

- Dress your child in normal, light clothes. Do not wrap them up [2].
- Do not sponge them with water to cool them down [2, 4].
- Give them plenty to drink. If you breastfeed, keep breastfeeding [2].
- Check on your child during the night.

See a doctor if the fever lasts five days or more, or if you are worried [2].
"""

FEVER_URGENT = """\
Call 999 (or your local emergency number) if your child has a fit, is very hard to wake, \
struggles to breathe, or has a rash that does not fade when you press a glass on it.

Get urgent medical advice the same day if your baby is under 3 months old and has a \
temperature of 38 °C or more, or is 3 to 6 months old with 39 °C or more, or if your child \
shows signs of dehydration: a dry mouth, no tears, sunken eyes or a sunken soft spot on a \
baby's head.
"""

HONEY_PLAIN = """\
Coughs with a cold are very common in children and usually go away on their own in two to \
three weeks. Honey is a popular home remedy, and there is some evidence that it helps.

## Does it work?

In one small study, children over two who had a spoon of honey before bed coughed less at \
night, and they and their parents slept better [1]. The study was small, so honey may help \
less than it seemed.

## Never give honey to a baby under one

Honey can carry germs that cause botulism, a rare but serious illness, in babies under 12 \
months [2]. Do not give honey, or food with honey in it, to a baby under one.

## How to use it

For a child over one, give half to one teaspoon of honey before bed, on its own or in a \
warm drink. Brush their teeth afterwards.
"""

HONEY_URGENT = """\
Get medical advice straight away if your child is breathing fast or working hard to \
breathe, is unusually sleepy, or coughs up blood. See a doctor if they have had a fever \
for more than a few days or the cough lasts more than three weeks.
"""

MILIA_URGENT = """\
See a doctor soon if your baby seems unwell, or if lots of milia appear suddenly, with \
blisters, or a spot grows or bleeds.
"""

ARTICLES = (
    DemoArticle(
        slug="milia-treatment-options",
        title="What are the treatment options for milia?",
        summary=(
            "Milia are harmless keratin cysts. In babies they clear on their own; in older "
            "children and adults they can be left alone or removed by a clinician."
        ),
        topic="skin-conditions",
        body=MILIA_BODY,
        plain_body=MILIA_PLAIN,
        origin="ai_assisted",
        references=(BERK_2008, OCONNOR_2008, BURNETT_2015, COTA_2009, SHARMA_1995, NOTO_2016),
        urgent_help=MILIA_URGENT,
        story=APPROVED,
        reviewers=("dr.okafor", "dr.lindqvist", "dr.mehta"),
        approval_comments=(
            "Accurate and balanced; the warning about the eyes is worth keeping. Approved.",
            "The newborn section matches what I tell parents. Approved.",
            "Approved. Good that the retinoid paragraph mentions pregnancy.",
        ),
    ),
    DemoArticle(
        slug="statins-and-muscle-pain",
        title="Do statins cause muscle pain?",
        summary=(
            "Muscle aches are common in people taking statins, but blinded trials show that "
            "the statin itself causes only a small share of them. Talk to your doctor before "
            "stopping."
        ),
        topic="medicines",
        body="""\
Statins lower LDL cholesterol and reduce the risk of heart attacks and strokes. Many \
people who take one notice aching, stiff or weak muscles, and these symptoms are the \
reason most often given for stopping. The real question is how often the statin is to \
blame.

## What the large trials show

The Cholesterol Treatment Trialists' Collaboration analysed the records of every \
participant in 19 large, double-blind trials in which people took a statin or a dummy \
tablet (placebo) for several years. Muscle pain or weakness was reported by 27.1% of \
people on a statin and by 26.6% of people on placebo [1]. The statin caused a small \
extra number of complaints, mostly in the first year of treatment, but the great \
majority of muscle symptoms reported by people taking a statin, more than nine in ten, \
were not caused by the drug [1].

## Trials in people who had given up statins

Two trials let people who had stopped a statin because of side effects test the drug on \
themselves without knowing what they were taking. In SAMSON, 60 people were each given a \
year of monthly bottles holding atorvastatin, placebo or no tablets at all, in a random \
order. Their daily symptom scores were almost as high in placebo months as in statin \
months, and both were higher than in months without tablets [2]. In StatinWISE, 200 \
people from UK general practices alternated two-month periods of atorvastatin and \
placebo; their muscle symptom scores did not differ between the two, and two thirds of \
those who finished the trial said they had restarted a statin [3]. Both trials tested \
atorvastatin 20 mg, so their results may not apply to every statin or to higher doses.

## What this means for you

- Your symptoms are real, but they often have another cause, such as exercise, ageing, \
another illness, or the worry that a tablet will cause side effects.
- Do not simply stop your statin. Talk to your doctor, who may suggest a short break, a \
lower dose or a different statin to see whether the symptoms change.
- Rarely, statins cause serious muscle damage. Get medical advice the same day if you \
have severe, unexplained muscle pain or weakness, especially with dark brown urine or a \
fever.
""",
        references=(CTT_2022, WOOD_2020, HERRETT_2021),
        plain_body=STATINS_PLAIN,
        urgent_help=STATINS_URGENT,
        story=APPROVED,
        reviewers=("dr.mehta", "dr.lindqvist", "dr.okafor"),
        approval_comments=(
            "Approved. The figures match the trials, and the advice not to stop without "
            "talking to a doctor is right.",
            "Approved; the warning about dark urine is clear.",
            "Approved.",
        ),
    ),
    DemoArticle(
        slug="antibiotics-for-sore-throat",
        title="Do I need antibiotics for a sore throat?",
        summary=(
            "Usually not: most sore throats get better within about a week without them. "
            "When an antibiotic is needed, a doctor may prescribe a shorter course than in "
            "the past."
        ),
        topic="medicines",
        body="""\
Most sore throats are caused by viruses, the same ones that cause colds, and antibiotics \
do nothing against viruses. Even when bacteria are the cause, a sore throat usually gets \
better on its own within about a week [1].

## How much do antibiotics help?

A Cochrane review brought together 29 trials with more than 15,000 cases of sore throat \
in children and adults [2]. Antibiotics probably helped a little: roughly six people had \
to take them for one more person to be free of a sore throat on the third day, and about \
eighteen for one more person after a week. Most of the trials were carried out in the \
1950s, when serious complications such as rheumatic fever were far more common than they \
are in most countries today [2]. Against this small benefit come side effects such as \
diarrhoea and rashes, and the spread of bacteria that antibiotics no longer kill.

## Who might need them?

Guidance for England from the National Institute for Health and Care Excellence (NICE) \
asks health professionals to use a short score, such as FeverPAIN or Centor, built from \
signs such as fever, pus on the tonsils, tender glands in the neck and the absence of a \
cough [1]. With a low score no antibiotic is needed. With a middle score you may be \
given a back-up prescription, to use only if you are not improving after a few days, and \
with a high score an antibiotic may be started straight away [1].

## How long should a course be?

When penicillin is needed, NICE allows a course of 5 to 10 days [1]. In a Swedish trial \
of 433 people aged 6 and over with a streptococcal throat infection, five days of \
penicillin taken four times a day worked about as well as the usual ten days three times \
a day, with fewer side effects, although the bacteria were cleared a little less often \
[3]. Take a course exactly as it was prescribed.

## Looking after yourself

Paracetamol or ibuprofen and plenty of fluids ease the pain and fever [1]. Seek medical \
help urgently if you have difficulty breathing or swallowing saliva, cannot open your \
mouth fully, or feel very unwell, and see a doctor if the sore throat is not improving \
after a week.
""",
        references=(NICE_NG84, SPINKS_2021, SKOOG_STAHLGREN_2019),
        plain_body=SORE_THROAT_PLAIN,
        urgent_help=SORE_THROAT_URGENT,
        story=APPROVED_REVIEW_DUE,
        reviewers=("dr.lindqvist", "dr.mehta", "dr.okafor"),
        approval_comments=(
            "Approved. Parents ask this every winter, and the warning signs are the right ones.",
            "Approved; good that it says to take a course exactly as prescribed.",
            "Approved.",
        ),
    ),
    DemoArticle(
        slug="warts-duct-tape-or-freezing",
        title="Should I treat a wart with duct tape or freezing?",
        summary=(
            "Many warts go away on their own. If you want to treat one, salicylic acid and "
            "freezing have the best evidence; duct tape has given mixed results."
        ),
        topic="skin-conditions",
        body="""\
Warts are small, rough lumps caused by the human papillomavirus (HPV) infecting the top \
layer of the skin, most often on the hands and on the soles of the feet, where they are \
called verrucas. They are very common in children and are harmless. Many go away on \
their own, although that can take months or years: in one Dutch trial, about one in six \
people who simply waited had lost all their warts after 13 weeks [1].

## Salicylic acid

Salicylic acid paints and gels, sold in pharmacies, peel away the thickened skin. A \
Cochrane review of 85 trials found that they cleared warts more often than a placebo \
did, and they seemed to work better on the hands than on the feet [2]. Many of the \
trials had weaknesses in their design. The treatment is applied every day, usually for \
several weeks, and should not be used on the face or, without advice, by people with \
diabetes or poor circulation.

## Freezing

A clinician can freeze a wart with liquid nitrogen, usually every two to three weeks. \
The Cochrane review could not show that freezing worked better than placebo [2], but a \
trial in Dutch general practice found that after 13 weeks all warts had gone in 39% of \
people who had freezing, 24% of those who used salicylic acid and 16% of those who \
waited [1]. The advantage of freezing was clearest for common warts on the hands; for \
verrucas there was no clear difference. Freezing is often painful and can cause blisters \
[1].

## Duct tape

Covering a wart with duct tape is a popular home remedy, but the evidence is mixed. In a \
small trial in children and young people, more warts cleared with duct tape than with \
freezing [3]. A later trial in 90 adults found that duct tape cleared the treated wart \
in only about one person in five, no more often than a pad without tape did [4]. It is \
cheap and unlikely to do harm, but it can irritate the skin.

## When to see a doctor

See a doctor if you are not sure that a lump is a wart, or if it bleeds, changes or \
grows quickly; if warts appear on the face or genitals; if you have diabetes, poor \
circulation or a weakened immune system; or if warts are spreading or painful.
""",
        references=(BRUGGINK_2010, KWOK_2012, FOCHT_2002, WENNER_2007),
        plain_body=WARTS_PLAIN,
        story=APPROVED,
        reviewers=("dr.okafor", "dr.mehta", "dr.lindqvist"),
        approval_comments=(
            "Approved. Balanced on duct tape, and the advice for people with diabetes is "
            "important.",
            "Approved; the advice on pharmacy treatments is sound.",
            "Approved. Matches what I see in children.",
        ),
    ),
    DemoArticle(
        slug="looking-after-a-child-with-a-fever",
        title="How should I look after my child when they have a fever?",
        summary=(
            "Most fevers in children come with minor infections and pass in a few days. Aim "
            "to keep your child comfortable and drinking, and know the signs that mean they "
            "need to be seen."
        ),
        topic="childrens-health",
        body="""\
A temperature of 38 °C or more usually counts as a fever in a child. Most fevers come \
with common viral infections, such as colds, and pass within a few days. Fever is part \
of the way the body fights infection, and there is no evidence that it makes the illness \
worse or harms the brain. The aim is to help your child feel better, not to bring the \
thermometer reading back to normal [1].

## Medicines

If your child is distressed, give either paracetamol or ibuprofen, at the dose for their \
age or weight printed on the pack [2]. A high reading alone is no reason to give a \
medicine, and neither medicine prevents febrile convulsions (fits) [2]. Do not give the \
two together. If the first has not helped, you can try the other instead, and alternate \
them only if the distress returns before the next dose is due [2]. In a trial in \
children aged six months to six years, giving both kept children free of fever for \
longer but did not clearly make them more comfortable [3]. Write down each dose and the \
time you gave it.

## Comfort and drinks

- Dress your child in normal, light clothing: do not bundle them up or strip them off \
[2].
- Do not sponge them with water to cool them [2]. In a review of seven small trials, \
sponging added to a medicine lowered the temperature faster in the first hour, but made \
shivering and goose pimples more common [4].
- Offer drinks often; if you breastfeed, breast milk is best [2].
- Check on your child during the night.

## When to see a doctor

Call 999 or your local emergency number if your child has a fit, is hard to wake, \
struggles to breathe, or has a rash that does not fade when you press a glass against it \
[2]. Get urgent medical advice if a baby under three months has a temperature of 38 °C \
or more [2]. Contact a doctor the same day if a baby aged three to six months has 39 °C \
or more, if your child shows signs of dehydration (a dry mouth, no tears, sunken eyes, or \
a sunken soft spot on a baby's head), or if your child is getting worse or you are \
worried [2]. See a doctor if the fever lasts five days or longer [2].
""",
        references=(SULLIVAN_2011, NICE_NG143, HAY_2008, MEREMIKWU_2003),
        plain_body=FEVER_PLAIN,
        urgent_help=FEVER_URGENT,
        story=APPROVED,
        reviewers=("dr.mehta", "dr.lindqvist", "dr.okafor"),
        approval_comments=(
            "Approved. The medicine advice matches the guideline: one at a time, for "
            "distress, at the dose on the pack.",
            "Approved; the age thresholds and warning signs are the right ones.",
            "Approved. Good that the rash check is explained.",
        ),
    ),
    DemoArticle(
        slug="honey-for-childrens-cough",
        title="Is honey good for a child's cough?",
        summary=(
            "For children over one, a spoonful of honey at bedtime may ease a cough from a "
            "cold. Never give honey to a baby under 12 months."
        ),
        topic="childrens-health",
        body=HONEY_INTRO + HONEY_REST,
        references=(PAUL_2007, ARNON_1979),
        plain_body=HONEY_PLAIN,
        urgent_help=HONEY_URGENT,
        story=REVISION_UNDER_REVIEW,
        reviewers=("dr.lindqvist", "dr.mehta", "dr.okafor"),
        approval_comments=(
            "Clear, and the botulism warning is prominent. Approved.",
            "Approved; no medicine doses to check here.",
            "Approved.",
        ),
        author_comment="Adding the 2018 Cochrane review of honey for cough in children.",
        edited_body=HONEY_INTRO + HONEY_REVIEW + HONEY_REST,
        added_references=(ODUWOLE_2018,),
        revision_reviewer="dr.lindqvist",
    ),
    DemoArticle(
        slug="paracetamol-and-ibuprofen-for-fever",
        title="Should I give my child paracetamol and ibuprofen together for a fever?",
        summary=(
            "Usually not at the same time. Start with one medicine: the aim is to make your "
            "child comfortable, not to bring the temperature back to normal."
        ),
        topic="medicines",
        body="""\
A fever is the body's normal response to an infection. It is not dangerous in itself, and \
bringing the number on the thermometer down does not help a child get better faster. The \
reason to give a medicine is to make a distressed child more comfortable [2].

## What the research found

The PITCH trial compared paracetamol, ibuprofen and both together in children aged six \
months to six years who were being looked after at home. Giving both medicines kept \
children free of fever for a few hours longer over the first day than either medicine \
alone, but there was no clear difference in how comfortable the children were [1]. A \
report from the American Academy of Pediatrics came to a similar view, and warned that \
juggling two medicines makes dosing mistakes more likely [2].

## What to do

- Start with either paracetamol or ibuprofen, at the dose for your child's age or weight \
printed on the pack.
- If your child is still distressed before the next dose is due, you can consider the \
other medicine instead, but do not give both routinely.
- Write down each dose and the time you gave it.
- Offer plenty to drink, and do not wrap up a child who has a fever.

## When to get help

Get medical help urgently if a baby under three months has a temperature of 38 °C or more, \
or if a child of any age has a rash that does not fade when pressed, is hard to wake, \
struggles to breathe, has a fit or is getting worse.
""",
        references=(HAY_2008, SULLIVAN_2011),
        story=UNDER_REVIEW,
        reviewers=("dr.mehta",),
        pending_invitations=("dr.lindqvist",),
    ),
    DemoArticle(
        slug="head-lice-treatment",
        title="How do I get rid of head lice?",
        summary=(
            "Check with a detection comb, then treat everyone who has live lice. Dimeticone "
            "lotion, used twice a week apart, works well and rarely irritates the scalp."
        ),
        topic="childrens-health",
        body="""\
Head lice are tiny insects that live on the scalp and pass from head to head by direct \
contact. They are common in primary-school children, they are not a sign of poor hygiene \
and they do not carry disease.

## Check first

Only treat someone in whom you find a living louse. The most reliable way to look is to \
comb wet, conditioned hair with a fine-toothed detection comb, section by section, from \
the roots to the ends. Check everyone in the household and treat only those with lice.

## Dimeticone lotion

Dimeticone 4% is a silicone lotion that coats the lice and kills them physically rather \
than poisoning them, so the resistance that lice have built up to some insecticides does \
not affect it [1]. In a trial of 253 children and adults, two applications a week apart \
cleared lice in about seven in ten people, as well as an insecticide lotion did, and \
irritated the skin far less often [1]. In another trial it worked clearly better than \
malathion [2].

## How to use it

- Rub the lotion into dry hair from the roots to the tips, leave it on for the time given \
on the pack, then wash it out.
- Repeat after seven days, to catch lice that hatch from eggs the first treatment missed.
- Comb with the detection comb again a few days after the second treatment.

## When to ask for help

Ask a pharmacist or doctor if there are still lice after two full treatments, if the \
scalp is broken or infected, or before treating a baby under six months.
""",
        references=(BURGESS_2005, BURGESS_2007),
        story=SUBMITTED,
    ),
    DemoArticle(
        slug="daily-sunscreen-skin-cancer",
        title="Does using sunscreen every day prevent skin cancer?",
        summary=(
            "In a long Australian trial, adults who put on sunscreen every day had fewer "
            "squamous cell skin cancers and, years later, fewer melanomas."
        ),
        topic="skin-conditions",
        body="""\
Most skin cancers are linked to ultraviolet (UV) light from the sun. Sunscreen filters UV \
light, but for a long time nobody knew whether using it regularly actually prevents \
cancer.

## The Nambour trial

In 1992, researchers in the town of Nambour in Queensland, Australia, randomly assigned \
1,621 adults either to put a broad-spectrum SPF 15+ sunscreen on their head, neck, arms \
and hands every morning, or to carry on using sunscreen as they wished. After four and a \
half years the daily group had fewer squamous cell carcinomas, although basal cell \
carcinoma was no less common [1].

The researchers went on following the participants for ten years after the trial ended. \
By then 11 people in the daily-sunscreen group had developed a new melanoma, against 22 in \
the comparison group [2].

## What this means for you

Putting sunscreen on generously every day, on skin the sun reaches, is a simple habit \
that lowers the risk of skin cancer. Put more on after swimming or sweating.
""",
        references=(GREEN_1999, GREEN_2011),
        story=CHANGES_REQUESTED,
        reviewers=("dr.okafor",),
        review_comment=(
            "Please say that the trial included only adults living in subtropical Queensland, "
            "and that the melanoma result was of borderline statistical significance "
            "(P = .051), so that readers do not overestimate it. Add practical advice on "
            "shade, clothing and hats, and a line on babies and children, who need more than "
            "sunscreen."
        ),
    ),
    DemoArticle(
        slug="emollients-to-prevent-eczema",
        title="Can moisturising my baby's skin every day prevent eczema?",
        summary=(
            "Two large trials found that a daily moisturiser in the first year of life does "
            "not prevent eczema. Moisturise a baby's skin when it is dry, not to prevent "
            "eczema."
        ),
        topic="childrens-health",
        body=EMOLLIENT_BODY + EMOLLIENT_ADVICE,
        references=(CHALMERS_2020,),
        story=DRAFT_AFTER_WITHDRAWAL,
        author_comment="Withdrawn to add the Scandinavian PreventADALL trial before review.",
        edited_body=EMOLLIENT_BODY + EMOLLIENT_PREVENTADALL + EMOLLIENT_ADVICE,
        added_references=(SKJERVEN_2020,),
    ),
    DemoArticle(
        slug="vitamin-c-and-colds",
        title="Does vitamin C prevent colds?",
        summary=(
            "For most people, taking vitamin C every day does not prevent colds, though it "
            "may shorten them slightly."
        ),
        topic="medicines",
        body="""\
Vitamin C is one of the most popular remedies for colds, and it has been studied for more \
than seventy years.

## Does it prevent colds?

For most people, no. A Cochrane review of placebo-controlled trials in more than 10,000 \
people from the general community found that taking vitamin C every day did not reduce \
how often they caught a cold [1]. The exception was people under heavy physical strain, \
such as marathon runners, skiers and soldiers training in subarctic conditions, in whom \
regular vitamin C roughly halved the number of colds [1].

## Does it shorten colds?

Taken regularly, before a cold starts, vitamin C shortened colds a little: by about 8% in \
adults and 14% in children [1]. Starting vitamin C only once the symptoms appear has not \
shown a consistent benefit in trials [1].

## How much?

Two trials found that the effect on how long colds last grew with the dose, up to 6 to \
8 g a day [2].
""",
        references=(HEMILA_2013, HEMILA_2017),
        story=RETRACTED,
        reviewers=("dr.mehta", "dr.lindqvist", "dr.okafor"),
        approval_comments=(
            "Approved.",
            "Approved; the figures for children match the review.",
            "Approved.",
        ),
        editor_comment=(
            "The dosing section quotes 6 to 8 g a day from two trials in adults without "
            "saying that these doses were studied only in adults, are far above usual "
            "supplement doses and are not advice for children. Retracted until the section "
            "is rewritten and reviewed again."
        ),
    ),
    DemoArticle(
        slug="apple-cider-vinegar-for-acne",
        title="Can apple cider vinegar clear up acne?",
        summary=(
            "Apple cider vinegar is a popular home remedy for spots; this article looks at "
            "whether it is worth trying."
        ),
        topic="skin-conditions",
        body="""\
Apple cider vinegar is often recommended online as a natural toner for spots. It contains \
acetic acid, which can kill some bacteria in the laboratory, and many people find it cheap \
and easy to try.

## Proven treatments

Dermatologists recommend treatments such as benzoyl peroxide and topical retinoids and, \
for more severe acne, antibiotics or other prescription medicines [1, 2]. These have been \
tested in many clinical trials.

## Is vinegar worth a try?

A cotton pad soaked in vinegar diluted with water, applied once a day, is a low-cost \
option that some people like to try before they see a doctor.
""",
        references=(ZAENGLEIN_2016, TITUS_2012),
        story=REJECTED,
        reviewers=("dr.okafor",),
        review_comment=(
            "Neither reference studies vinegar: both cover benzoyl peroxide, retinoids and "
            "antibiotics. I know of no clinical trial of vinegar for acne, and acetic acid "
            "left on the skin, especially under a dressing, can burn it. The article should "
            "not suggest trying it."
        ),
        editor_comment=(
            "Rejected on Dr Okafor's recommendation: the advice is not supported by the "
            "article's own sources. A future article on evidence-based acne treatment can "
            "mention vinegar as a remedy to avoid."
        ),
    ),
)


# --- Readers' reports ---------------------------------------------------------------

# (article slug, kind, message, reader's email)
READER_REPORTS = (
    (
        "milia-treatment-options",
        "unclear",
        "My daughter is 10 weeks old and still has these spots. The page says a few weeks "
        "but also a few months. Which is it, and when should I worry?",
        "",
    ),
    (
        "statins-and-muscle-pain",
        "link",
        "The DOI link for the third reference opened an error page for me.",
        "reader@example.org",
    ),
)
