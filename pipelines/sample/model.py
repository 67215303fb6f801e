"""Parameters of the sample portfolio model: portfolios, behaviour tables, rates, codes.

Everything the simulation draws from is here, so the model can be read (and tuned) in one place.
Money is handled in integer cents throughout; dates as int32 days since 1970-01-01.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REVOLVING, INSTALLMENT = 0, 1
PRODUCT_NAMES = ("revolving", "installment")

# status codes of the simulation (what metrics.md would report at the month end)
NOT_OPEN, OPEN, CHARGED_OFF, CLOSED = 0, 1, 2, 3

# entry types; the code order is also the order of entries of one account within one day
ENTRY_TYPES = (
    "disbursement", "purchase", "interest", "fee", "due", "credit_adjustment", "waiver",
    "payment", "payment_reversal", "charge_off", "recovery",
)
(DISBURSEMENT, PURCHASE, INTEREST, FEE, DUE, CREDIT_ADJUSTMENT, WAIVER,
 PAYMENT, PAYMENT_REVERSAL, CHARGE_OFF, RECOVERY) = range(len(ENTRY_TYPES))

HARDSHIP_NAMES = ("none", "bankrupt", "deceased", "fraud")
H_NONE, H_BANKRUPT, H_DECEASED, H_FRAUD = range(4)

DPD_TOLERANCE_CENTS = 500  # metrics.md default tolerance 5.00
RING = 8  # dues remembered per account for FIFO ageing (more than any account can owe before charge-off)
STATEMENT_TO_DUE_DAYS = 25  # revolving: due_on = statement date + 25 days
BILL_LEAD_DAYS = 14  # installment: the due is posted 14 days before due_on (not before the 1st)

US_REGIONS = (
    ("CA", 11.7), ("TX", 9.0), ("FL", 6.8), ("NY", 5.8), ("PA", 3.9), ("IL", 3.8), ("OH", 3.5),
    ("GA", 3.3), ("NC", 3.2), ("MI", 3.0), ("NJ", 2.8), ("VA", 2.6), ("WA", 2.3), ("AZ", 2.2),
    ("MA", 2.1), ("TN", 2.1), ("IN", 2.0), ("MO", 1.8), ("MD", 1.8), ("WI", 1.8), ("CO", 1.8),
    ("MN", 1.7), ("SC", 1.6), ("AL", 1.5), ("LA", 1.4), ("KY", 1.3), ("OR", 1.3), ("OK", 1.2),
    ("CT", 1.1), ("UT", 1.0), ("IA", 1.0), ("NV", 0.9), ("AR", 0.9), ("MS", 0.9), ("KS", 0.9),
    ("NM", 0.6), ("NE", 0.6), ("ID", 0.6), ("WV", 0.5), ("HI", 0.4), ("NH", 0.4), ("ME", 0.4),
    ("MT", 0.3), ("RI", 0.3), ("DE", 0.3), ("SD", 0.3), ("ND", 0.2), ("AK", 0.2), ("DC", 0.2),
    ("VT", 0.2), ("WY", 0.2),
)
CA_REGIONS = (
    ("ON", 38.8), ("QC", 22.0), ("BC", 13.8), ("AB", 11.9), ("MB", 3.7), ("SK", 3.0), ("NS", 2.7),
    ("NB", 2.1), ("NL", 1.4), ("PE", 0.4),
)
REGION_MISSING_SHARE = 0.03


@dataclass(frozen=True)
class Portfolio:
    name: str
    product: int
    currency: str
    share: float  # of all generated accounts
    regions: tuple
    apr: tuple[float, float]  # uniform range
    # revolving
    limit_median: float = 0.0  # lognormal credit limit, rounded to 100
    limit_range: tuple[float, float] = (0.0, 0.0)
    min_due_floor: int = 0  # cents
    late_fee: int = 0  # cents
    annual_fee: int = 0  # cents
    # installment
    principal_median: float = 0.0
    principal_range: tuple[float, float] = (0.0, 0.0)
    terms: tuple[int, ...] = ()
    early_payoff: float = 0.0  # monthly probability for a current loan
    complaint_product: str = ""
    blank_hardship_none: bool = False  # this export leaves hardship_flag empty for 'none'


PORTFOLIOS: tuple[Portfolio, ...] = (
    Portfolio("cards-us", REVOLVING, "USD", 0.40, US_REGIONS, (0.1799, 0.2999),
              limit_median=5000, limit_range=(500, 30000), min_due_floor=2500, late_fee=3000,
              annual_fee=9500, complaint_product="Credit card"),
    Portfolio("cards-ca", REVOLVING, "CAD", 0.15, CA_REGIONS, (0.1999, 0.2499),
              limit_median=4500, limit_range=(500, 25000), min_due_floor=1000, late_fee=2900,
              annual_fee=12000, complaint_product="Credit card"),
    Portfolio("personal-loans", INSTALLMENT, "USD", 0.30, US_REGIONS, (0.07, 0.30),
              principal_median=9000, principal_range=(1000, 40000), terms=(12, 24, 36, 48, 60),
              early_payoff=0.010, late_fee=2500, complaint_product="Personal loan",
              blank_hardship_none=True),
    Portfolio("auto-loans", INSTALLMENT, "USD", 0.15, US_REGIONS, (0.04, 0.16),
              principal_median=24000, principal_range=(5000, 70000), terms=(36, 48, 60, 72),
              early_payoff=0.007, late_fee=3500, complaint_product="Vehicle loan or lease"),
)

# ---------------------------------------------------------------- population
PRE_EXISTING_SHARE = 0.35  # accounts opened before the first file month
RISK_SHARES = (0.55, 0.30, 0.15)  # prime, near-prime, subprime
TRANSACTOR_SHARE = (0.55, 0.25, 0.05)  # by risk: revolving accounts that pay the balance in full
OVERPAYER_SHARE = (0.20, 0.10, 0.03)  # by risk: revolving accounts that pay a multiple of the minimum
PREPAYER_SHARE = 0.15  # installment accounts that sometimes pay extra principal
ANNUAL_FEE_SHARE = 0.20
INSTALLMENT_MONTH_END_DUE_SHARE = 0.10  # due day drawn from 29..31 (clamped to the month end)
# warm start: pre-existing accounts already behind when the window opens (dues migrated in month 1)
ARREARS_PROBS = {  # by risk: P(k dues behind), k = 0..4
    0: (0.990, 0.006, 0.003, 0.001, 0.0),
    1: (0.955, 0.025, 0.011, 0.006, 0.003),
    2: (0.880, 0.060, 0.030, 0.020, 0.010),
}

# ---------------------------------------------------------------- behaviour
# Monthly action by the DPD bucket measured at the previous month end (FIFO, as metrics.md).
# Columns: FULL (pay everything due, or the habitual amount if more), ONE (one due's worth),
# PARTIAL (20-80 % of one due), MISS (nothing).
FULL, ONE, PARTIAL, MISS = range(4)
ACTION_PROBS = np.array([
    #  FULL   ONE   PART  MISS
    [0.978, 0.000, 0.006, 0.016],  # current
    [0.480, 0.150, 0.090, 0.280],  # 1-29
    [0.220, 0.400, 0.100, 0.280],  # 30-59
    [0.120, 0.250, 0.110, 0.520],  # 60-89
    [0.080, 0.200, 0.100, 0.620],  # 90-119
    [0.060, 0.160, 0.090, 0.690],  # 120-149
    [0.050, 0.130, 0.080, 0.740],  # 150-179
    [0.050, 0.100, 0.050, 0.800],  # 180+ (never reached at a month end: charged off)
])
BAD_MULTIPLIER = {  # by risk, on PARTIAL+MISS (current) / on roll (delinquent)
    "current": (0.30, 1.00, 3.20),
    "delinquent": (0.75, 1.00, 1.25),
}
OVERPAY_MULTIPLE = (1.3, 4.0)  # over-payers pay U(1.3, 4) x the minimum
PREPAY_MONTHLY = 0.30  # a prepayer pays extra in 30 % of months
PREPAY_EXTRA = (0.10, 1.50)  # extra as a multiple of the instalment
NSF_RATE = (0.003, 0.010, 0.030)  # by risk: share of payments that bounce
NSF_LAG_DAYS = (1, 7)

# ---------------------------------------------------------------- revolving
PURCHASE_PROB = {"transactor": 0.90, "revolver": 0.60}
PURCHASE_SHARE_OF_LIMIT = {"transactor": 0.12, "revolver": 0.05}  # mean monthly spend
MISC_FEE_RATE = 0.02  # cash-advance / foreign-transaction fee
LATE_FEE_RATE = 0.85  # late fee charged when the previous month end was past due
LATE_FEE_WAIVER_RATE = 0.12
INTEREST_WAIVER_RATE = 0.008  # goodwill interest waiver
DISPUTE_RATE = 0.005  # purchase dispute -> credit_adjustment
VOLUNTARY_CLOSE_RATE = 0.0025  # current card closed and paid off in the month
CLOSE_WITH_BALANCE_RATE = 0.0015  # card closed to new purchases while still owing
CLOSED_PAYOFF_RATE = 0.35  # such a card pays its balance in full in a month
BLOCK_PURCHASES_DPD = 30  # no purchases on a card that was 30+ DPD at the previous month end

# ---------------------------------------------------------------- installment
INSTALLMENT_LATE_FEE_RATE = 0.60
INSTALLMENT_ADJUSTMENT_RATE = 0.003  # rate/insurance correction -> credit_adjustment

# ---------------------------------------------------------------- hardship, charge-off, recovery
HARDSHIP_MONTHLY = {  # per open account and month, x risk multiplier
    H_BANKRUPT: 0.0004,
    H_DECEASED: 0.00012,
    H_FRAUD: 0.00008,
}
HARDSHIP_RISK_MULT = (0.4, 1.0, 2.5)
BANKRUPT_CO_LAG = 1  # months from flag to charge-off
DECEASED_CO_LAG = 2
CHARGE_OFF_DPD = {REVOLVING: 180, INSTALLMENT: 120}  # FFIEC
RECOVERY_MONTHLY = 0.07
RECOVERY_SHARE = (0.02, 0.15)  # of the charged-off amount, per recovery
RECOVERY_CAP = 0.60  # never recover more than this share of the charge-off
RECOVERY_HORIZON_MONTHS = 36

# ---------------------------------------------------------------- complaints
# per account and month, by bucket at the previous month end:
# current, 1-29, 30-59, 60-89, 90-119, 120-149, 150-179, 180+, charged_off, closed
# Internal complaints across all channels (a modelling assumption, docs/sample-model.md#complaints): a few
# per 1,000 open accounts a month, 4x (1-29 DPD) to 22.5x (120+ DPD) the current accounts' rate.
COMPLAINT_RATE = np.array([0.002, 0.008, 0.025, 0.035, 0.040, 0.045, 0.045, 0.045, 0.040, 0.001])
COMPLAINT_STREAM = 1  # complaints draw from their own random stream: their rates never move the ledger
DEBT_COLLECTION_SHARE = 0.65  # of complaints from accounts 30+ DPD or charged off
LEGACY_WORDING_SHARE = 0.05  # of debt-collection complaints, in pre-2017 wording
NO_ACCOUNT_SHARE = 0.02  # complaints the lender could not match to an account
SUBMITTED_VIA = (("web", 0.55), ("phone", 0.20), ("email", 0.10), ("letter", 0.08),
                 ("regulator", 0.05), ("in_person", 0.02))
RESPONSES = (("Closed with explanation", 0.76), ("Closed with non-monetary relief", 0.15),
             ("Closed with monetary relief", 0.09))
CONDUCT_RELIEF_SHIFT = 0.10  # conduct complaints: more often closed with relief
UNTIMELY_SHARE = 0.40  # of late (> 15 days) responses, reported as 'Untimely response'
RESPONSE_LAG = ((0.55, 1, 7), (0.30, 8, 15), (0.15, 16, 60))  # (share, min days, max days)
CLOSE_AFTER_RESPONSE = ((0.75, 0, 0), (0.25, 1, 40))
