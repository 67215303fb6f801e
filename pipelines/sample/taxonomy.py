"""CFPB complaint wording used by the sample: (issue, weight, ((sub_issue, weight), ...)).

Debt collection follows the taxonomy listed in docs/spec/metrics.md; the other products use the
CFPB's public wording for credit cards, personal loans and vehicle loans. A sub_issue of None is an
empty field (the CFPB has none for most personal-loan issues).
"""

from __future__ import annotations

CONDUCT_ISSUES = frozenset({
    "Communication tactics",
    "Electronic communications",
    "False statements or representation",
    "Took or threatened to take negative or legal action",
    "Threatened to contact someone or share information improperly",
})

DEBT_COLLECTION = (
    ("Attempts to collect debt not owed", 0.33, (
        ("Debt is not yours", 0.40), ("Debt was result of identity theft", 0.20), ("Debt was paid", 0.30),
        ("Debt was already discharged in bankruptcy and is no longer owed", 0.10))),
    ("Written notification about debt", 0.24, (
        ("Didn't receive enough information to verify debt", 0.70),
        ("Didn't receive notice of right to dispute", 0.20),
        ("Notification didn't disclose it was an attempt to collect a debt", 0.10))),
    ("Communication tactics", 0.18, (
        ("Frequent or repeated calls", 0.55), ("You told them to stop contacting you, but they keep trying", 0.30),
        ("Used obscene, profane, or other abusive language", 0.07), ("Called before 8am or after 9pm", 0.08))),
    ("Electronic communications", 0.05, (
        ("Frequent or repeated messages", 0.50), ("You told them to stop contacting you, but they keep trying", 0.30),
        ("Contacted before 8am or after 9pm", 0.10), ("Used obscene, profane, or other abusive language", 0.10))),
    ("False statements or representation", 0.08, (
        ("Attempted to collect wrong amount", 0.80),
        ("Impersonated attorney, law enforcement, or government official", 0.06),
        ("Indicated you were committing crime by not paying debt", 0.10),
        ("Told you not to respond to a lawsuit they filed against you", 0.04))),
    ("Took or threatened to take negative or legal action", 0.09, (
        ("Threatened or suggested your credit would be damaged", 0.45), ("Threatened to sue you for very old debt", 0.15),
        ("Sued you without properly notifying you of lawsuit", 0.10), ("Seized or attempted to seize your property", 0.08),
        ("Collected or attempted to collect exempt funds", 0.08),
        ("Threatened to arrest you or take you to jail if you do not pay", 0.06),
        ("Sued you in a state where you do not live or did not sign for the debt", 0.05),
        ("Threatened to turn you in to immigration or deport you", 0.03))),
    ("Threatened to contact someone or share information improperly", 0.03, (
        ("Talked to a third-party about your debt", 0.45), ("Contacted you after you asked them to stop", 0.30),
        ("Contacted your employer", 0.15), ("Contacted you instead of your attorney", 0.10))),
)

# pre-2017 CFPB wording (issue, sub_issue), as found in old exports
DEBT_COLLECTION_LEGACY = (
    ("Cont'd attempts collect debt not owed", 0.35, (
        ("Debt is not mine", 0.5), ("Debt was paid", 0.3), ("Debt resulted from identity theft", 0.2))),
    ("Disclosure verification of debt", 0.25, (
        ("Not given enough info to verify debt", 0.6), ("Right to dispute notice not received", 0.4))),
    ("Taking/threatening an illegal action", 0.20, (
        ("Threatened to sue on too old debt", 0.6), ("Sued w/o proper notification of suit", 0.4))),
    ("Improper contact or sharing of info", 0.20, (
        ("Contacted me after I asked not to", 0.5), ("Talked to a third party about my debt", 0.3),
        ("Contacted employer after asked not to", 0.2))),
)

# (issue, weight when current, weight when delinquent, sub-issues)
CREDIT_CARD = (
    ("Problem with a purchase shown on your statement", 0.25, 0.05, (
        ("Credit card company isn't resolving a dispute about a purchase on your statement", 0.7),
        ("Card was charged for something you did not purchase with the card", 0.3))),
    ("Fees or interest", 0.18, 0.25, (
        ("Problem with fees", 0.6), ("Charged too much interest", 0.3), ("Unexpected increase in interest rate", 0.1))),
    ("Problem when making payments", 0.15, 0.20, (
        ("Problem during payment process", 0.7), ("You never received your bill or did not know a payment was due", 0.3))),
    ("Closing your account", 0.10, 0.05, (("Company closed your account", 0.7), ("Can't close your account", 0.3))),
    ("Other features, terms, or problems", 0.15, 0.05, (
        ("Other problem", 0.7), ("Problem with rewards from credit card", 0.3))),
    ("Struggling to pay your bill", 0.04, 0.35, (
        ("Credit card company won't work with you while you're going through financial hardship", 1.0),)),
    ("Getting a credit card", 0.08, 0.02, (("Card opened as result of identity theft or fraud", 1.0),)),
    ("Trouble using your card", 0.05, 0.03, (("Can't use card to make purchases", 1.0),)),
)

PERSONAL_LOAN = (
    ("Charged fees or interest you didn't expect", 0.30, 0.25, ((None, 1.0),)),
    ("Struggling to pay your loan", 0.10, 0.45, ((None, 1.0),)),
    ("Problem when making payments", 0.20, 0.20, ((None, 1.0),)),
    ("Problem with the payoff process at the end of the loan", 0.20, 0.02, ((None, 1.0),)),
    ("Getting the loan", 0.10, 0.03, ((None, 1.0),)),
    ("Loan payment wasn't credited to your account", 0.07, 0.05, ((None, 1.0),)),
    ("Received a loan you didn't apply for", 0.03, 0.00, ((None, 1.0),)),
)

VEHICLE_LOAN = (
    ("Managing the loan or lease", 0.45, 0.20, (
        ("Billing problem", 0.5), ("Problem with the interest rate", 0.2), ("Problem with fees charged", 0.2),
        ("Loan sold or transferred to another company", 0.1))),
    ("Struggling to pay your loan", 0.10, 0.65, (
        ("Denied request to lower payments", 0.5), ("Lender trying to repossess or disable the vehicle", 0.3),
        ("Loan balance remaining after the vehicle is repossessed and sold", 0.2))),
    ("Problems at the end of the loan or lease", 0.35, 0.10, (
        ("Unable to receive car title or other problem after the loan is paid off", 0.6),
        ("Problem with paying off the loan", 0.4))),
    ("Getting a loan or lease", 0.10, 0.05, (("Fraudulent loan", 1.0),)),
)

PRODUCT_TAXONOMY = {"Credit card": CREDIT_CARD, "Personal loan": PERSONAL_LOAN, "Vehicle loan or lease": VEHICLE_LOAN}
