"""The names of the domain, defined once: entry-type effects, statuses, delinquency buckets, the DPD
tolerance. Every layer (SQL builders, checks, pages) takes them from here.

Definitions: docs/spec/metrics.md ("Balance at d", "Delinquency buckets", "DPD").
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from assets.sql import sql_list

# The ledger's entry types (the contract's `entry_type` values, docs/spec/data-contract.md).
ENTRY_TYPES = (
    "disbursement", "purchase", "interest", "fee", "payment", "payment_reversal",
    "credit_adjustment", "waiver", "charge_off", "recovery", "due",
)

# Effect of each entry type on the on-book balance; due and recovery move no balance.
BALANCE_DEBITS = ("disbursement", "purchase", "interest", "fee", "payment_reversal")
BALANCE_CREDITS = ("payment", "credit_adjustment", "waiver", "charge_off")
NO_BALANCE_EFFECT = tuple(t for t in ENTRY_TYPES if t not in BALANCE_DEBITS + BALANCE_CREDITS)

# The roll-forward's columns: debits, credits (payments and adjustments) and charge-offs apart.
FLOW_DEBITS = BALANCE_DEBITS
FLOW_CREDITS = tuple(t for t in BALANCE_CREDITS if t != "charge_off")


def signed_amount_sql(entry_type: str = "entry_type", amount: str = "amount") -> str:
    """SQL: the entry's effect on the balance (+ debits, − credits and charge-offs, 0 otherwise)."""
    return (f"CASE WHEN {entry_type} IN {sql_list(BALANCE_DEBITS)} THEN {amount} "
            f"WHEN {entry_type} IN {sql_list(BALANCE_CREDITS)} THEN -{amount} ELSE 0 END")


STATUSES = ("open", "closed", "charged_off")
TERMINAL_STATUSES = ("charged_off", "closed")

# Open buckets by DPD: (lowest dpd, highest dpd + 1, name); the last is open-ended.
DPD_BUCKETS = (
    (0, 1, "current"), (1, 30, "dpd_1_29"), (30, 60, "dpd_30_59"), (60, 90, "dpd_60_89"),
    (90, 120, "dpd_90_119"), (120, 150, "dpd_120_149"), (150, 180, "dpd_150_179"), (180, None, "dpd_180_plus"),
)
OPEN_BUCKETS = tuple(name for _, _, name in DPD_BUCKETS)  # by age
DELINQUENT_BUCKETS = OPEN_BUCKETS[1:]
BUCKET_NAMES = OPEN_BUCKETS + TERMINAL_STATUSES  # every bucket of marts.account_month, in this order


def bucket_of_dpd_sql(dpd: str = "dpd") -> str:
    """SQL: the open bucket of a dpd value."""
    whens = " ".join(f"WHEN {dpd} < {hi} THEN '{name}'" for _, hi, name in DPD_BUCKETS if hi is not None)
    return f"CASE {whens} ELSE '{OPEN_BUCKETS[-1]}' END"


DEFAULT_DPD_TOLERANCE = "5.00"


def parse_tolerance(value: Decimal | str | float | int) -> Decimal:
    """The DPD tolerance τ as an amount in currency units with two decimals; refuses anything that is
    not a finite amount >= 0."""
    try:
        tau = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"dpd_tolerance must be a decimal amount, got {value!r}") from None
    if not tau.is_finite() or tau < 0:
        raise ValueError(f"dpd_tolerance must be a finite amount >= 0, got {value!r}")
    return tau.quantize(Decimal("0.01"))

# The segments of the by-segment marts, in this order (docs/spec/metrics.md, "Segments"): the attributes of
# intermediate.account_segments that marts.<mart>_by_segment cut the figures by.
SEGMENTS = ("product_type", "region", "vintage_year", "hardship_flag", "limit_band")
