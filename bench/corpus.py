"""Words the synthetic archive is made of: topics, conditions, people, sentences, sources.

Everything is invented for the benchmark. The article bodies are assembled
from a small bank of sentences around a placeholder for the condition, so
that each (variant, number of references) pair is rendered by the real
Markdown pipeline once and reused, with the condition's name put in after.
"""

from __future__ import annotations

# name, slug, specialty, approvals required (None: the global rule), re-review months
TOPICS = [
    ("Allergy", "allergy", "Allergy and immunology", None, None),
    ("Bones and joints", "bones-and-joints", "Rheumatology", None, 24),
    ("Cancer", "cancer", "Oncology", 2, 12),
    ("Children's health", "childrens-health", "Paediatrics", None, None),
    ("Dental health", "dental-health", "Dentistry", None, 24),
    ("Diabetes", "diabetes", "Endocrinology", None, 12),
    ("Digestive health", "digestive-health", "Gastroenterology", None, None),
    ("Ear, nose and throat", "ear-nose-and-throat", "Otolaryngology", None, None),
    ("Eye health", "eye-health", "Ophthalmology", None, 24),
    ("Heart and circulation", "heart-and-circulation", "Cardiology", 2, 12),
    ("Infections", "infections", "Infectious diseases", None, 6),
    ("Kidneys and bladder", "kidneys-and-bladder", "Nephrology", None, None),
    ("Lungs and breathing", "lungs-and-breathing", "Respiratory medicine", None, None),
    ("Medicines", "medicines", "Clinical pharmacology", 2, 12),
    ("Mental health", "mental-health", "Psychiatry", None, 12),
    ("Nerves and brain", "nerves-and-brain", "Neurology", None, None),
    ("Older people", "older-people", "Geriatrics", None, None),
    ("Pregnancy", "pregnancy", "Obstetrics", 2, 12),
    ("Sexual health", "sexual-health", "Genitourinary medicine", None, None),
    ("Skin", "skin", "Dermatology", None, 24),
    ("Sleep", "sleep", "Sleep medicine", None, None),
    ("Sport and exercise", "sport-and-exercise", "Sports medicine", None, 36),
    ("Travel health", "travel-health", "Travel medicine", None, 6),
    ("Women's health", "womens-health", "Gynaecology", None, None),
]

# Conditions: letters, spaces and hyphens only, so they pass through
# Markdown and HTML escaping unchanged.
CONDITIONS = [
    "milia", "atopic eczema", "psoriasis", "rosacea", "acne", "warts", "head lice", "scabies",
    "shingles", "cold sores", "hay fever", "food allergy", "nettle rash", "asthma",
    "bronchiolitis", "croup", "chronic cough", "sleep apnoea", "insomnia", "restless legs",
    "migraine", "tension headache", "vertigo", "tinnitus", "glue ear", "tonsillitis",
    "sinusitis", "nosebleeds", "dry eye", "conjunctivitis", "glaucoma", "cataract",
    "type 2 diabetes", "gestational diabetes", "low blood sugar", "high blood pressure",
    "atrial fibrillation", "angina", "heart failure", "varicose veins", "deep vein thrombosis",
    "anaemia", "gout", "osteoarthritis", "rheumatoid arthritis", "back pain", "sciatica",
    "plantar fasciitis", "tennis elbow", "carpal tunnel syndrome", "frozen shoulder",
    "osteoporosis", "heartburn", "irritable bowel syndrome", "constipation", "diverticulitis",
    "coeliac disease", "gallstones", "haemorrhoids", "norovirus", "urinary tract infection",
    "kidney stones", "overactive bladder", "prostate enlargement", "thrush",
    "bacterial vaginosis", "endometriosis", "heavy periods", "menopause symptoms",
    "morning sickness", "pelvic girdle pain", "postnatal depression", "depression",
    "generalised anxiety", "panic attacks", "burnout", "attention deficit disorder",
    "dementia", "falls in later life", "chickenpox", "measles", "whooping cough", "fever",
    "ear infection", "threadworms", "nappy rash", "colic", "teething", "tooth decay",
    "gum disease", "mouth ulcers", "jet lag", "altitude sickness", "travellers diarrhoea",
    "malaria prevention", "tick bites", "sunburn", "heat exhaustion", "statin side effects",
    "antibiotic resistance", "vitamin D deficiency", "iron deficiency", "high cholesterol",
    "obesity", "smoking cessation", "alcohol withdrawal", "lupus", "multiple sclerosis",
    "epilepsy", "Parkinson disease", "stroke recovery", "concussion", "sprained ankle",
    "shin splints", "hamstring strain", "Achilles tendinopathy", "bunions", "ingrown toenail",
]  # fmt: skip

QUESTIONS = [
    "What are the treatment options for {c}{q}?",
    "How is {c} diagnosed{q}?",
    "What causes {c}{q}?",
    "When should I see a doctor about {c}{q}?",
    "Can {c} be prevented{q}?",
    "How long does {c} last{q}?",
    "Is {c} serious{q}?",
    "What can I do at home for {c}{q}?",
    "Which medicines help with {c}{q}?",
    "What are the first signs of {c}{q}?",
    "Does diet make a difference to {c}{q}?",
    "Is exercise safe with {c}{q}?",
    "Can {c} come back after treatment{q}?",
    "What tests are used for {c}{q}?",
    "How is {c} different from similar conditions{q}?",
    "What should I ask my doctor about {c}{q}?",
    "Are there side effects of treating {c}{q}?",
    "What is the outlook for {c}{q}?",
    "Can complementary therapies help {c}{q}?",
    "How does {c} affect daily life{q}?",
]

QUALIFIERS = [
    "", " in children", " in babies", " in teenagers", " in older adults", " during pregnancy",
    " while breastfeeding", " after surgery", " in athletes", " at work", " when travelling",
    " in people with diabetes", " in people with kidney disease", " in winter", " at night",
    " after menopause", " in men", " in women", " in people who smoke", " on a budget",
    " with a weak immune system", " after a hospital stay", " in care homes", " at school",
    " in hot weather", " with other long-term conditions", " for the first time",
    " after it came back", " when medicines did not help", " in people over 80",
    " in people with heart disease", " with a family history", " in the first year",
    " after an injury", " with anxiety", " in shift workers", " in students",
    " with a learning disability", " in carers", " during a flare",
]  # fmt: skip

FIRST_NAMES = [
    "Amara", "Ben", "Chiara", "Dev", "Elif", "Farid", "Greta", "Hamid", "Ines", "Jonas",
    "Kemi", "Lars", "Maya", "Nils", "Olu", "Priya", "Quentin", "Rosa", "Sami", "Tove",
    "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zofia", "Aiko", "Bram", "Cleo", "Dara",
]  # fmt: skip
LAST_NAMES = [
    "Adeyemi", "Bergström", "Castellano", "Dlamini", "Eriksen", "Fontaine", "Gupta", "Haddad",
    "Ivanova", "Jansen", "Kowalski", "Lindqvist", "Mehta", "Nakamura", "Okafor", "Petrova",
    "Quispe", "Rahman", "Santos", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zhou",
]  # fmt: skip
CREDENTIALS = ["MD", "MD, PhD", "MBBS, FRCP", "MD, FAAD", "MBChB, MRCGP", "DO", "MD, MPH"]

JOURNALS = [
    "BMJ", "The Lancet", "JAMA", "New England Journal of Medicine", "Cochrane Database Syst Rev",
    "British Journal of General Practice", "Pediatrics", "Annals of Internal Medicine",
    "Journal of the American Academy of Dermatology", "European Heart Journal",
    "Clinical Infectious Diseases", "Thorax", "Gut", "Diabetes Care", "Rheumatology",
]  # fmt: skip
STUDY_KINDS = [
    "A randomised controlled trial of treatments for CONDX",
    "Systematic review: interventions for CONDX",
    "Long-term outcomes of CONDX in a population cohort",
    "Diagnostic accuracy of clinical signs in CONDX",
    "Guideline update on the management of CONDX",
    "Patient-reported outcomes in CONDX: a qualitative study",
    "Cost-effectiveness of first-line care for CONDX",
    "Risk factors for CONDX: a case-control study",
]

# Sentences of the answer; CONDX is replaced by the condition's name.
HEADINGS = [
    "What is CONDX?",
    "How it is treated",
    "What you can do yourself",
    "When to get medical help",
    "What the research says",
    "Living with CONDX",
]
SENTENCES = [
    "CONDX is common and in most people it is mild.",
    "Many cases settle within a few weeks without any treatment.",
    "A doctor can usually tell CONDX apart from similar problems by asking a few questions.",
    "Tests are needed only when the picture is unclear or symptoms keep coming back.",
    "Simple measures at home help most people and cost little.",
    "Medicines are added when self-care has not helped after a fair trial.",
    "The evidence for the most widely used treatment comes from several good trials.",
    "Side effects are usually mild and stop when the medicine is stopped.",
    "Some treatments sold for CONDX have not been shown to work in careful studies.",
    "Children and pregnant women may need a different approach, so ask first.",
    "Seek help the same day if there is a high fever, severe pain or spreading redness.",
    "Keeping a short diary of symptoms makes the next appointment more useful.",
    "Most people with CONDX carry on with work, school and exercise as usual.",
    "If CONDX comes back, the treatment that worked before usually works again.",
    "Long-term follow-up studies show that complications are uncommon.",
    "Your pharmacist can advise on over-the-counter options and how to use them.",
    "Stopping a treatment early is the commonest reason it seems not to work.",
    "Talk to your doctor before combining several remedies for CONDX.",
]

PLAIN_SENTENCES = [
    "CONDX is common and usually not dangerous.",
    "It often gets better by itself.",
    "You can do a lot at home to feel better.",
    "See a doctor if it gets worse or does not go away.",
    "Medicines can help when home care is not enough.",
]

EDIT_REASONS = [
    "Tightened the wording of the treatment section.",
    "Added a newer trial to the references.",
    "Answered the board's question about children.",
    "Clarified when to seek help.",
    "Replaced a retracted source.",
    "Updated doses after the new guideline.",
]
REQUEST_COMMENTS = [
    "Please cite a primary source for the dosing statement.",
    "The section on children needs its own reference.",
    "Say clearly when a reader should see a doctor the same day.",
    "The second reference is a press release: replace it with the paper.",
    "Soften the claim about prevention; the evidence is weak.",
]
REJECT_COMMENTS = [
    "This question is already answered by another article; merge instead.",
    "The evidence cited does not support the main claim.",
]
RETRACT_REASONS = [
    "A cited trial was retracted by its journal; the advice is under review.",
    "Safety warning issued for the recommended medicine.",
]
CONFLICT_STATEMENTS = ["I advise a company that sells a treatment discussed here."]
