"""The input contract (docs/spec/data-contract.md) as data: columns, types, and the column-name rules.

Everything that decides whether a column is read, dropped or refused lives here, so an auditor can read
the whole policy in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | date | decimal | enum
    required: bool = False
    values: tuple[str, ...] = ()


ENTRY_TYPES = (
    "disbursement", "purchase", "interest", "fee", "payment", "payment_reversal",
    "credit_adjustment", "waiver", "charge_off", "recovery", "due",
)
CHANNELS = ("phone", "email", "web", "letter", "in_person", "regulator")
COMPANY_RESPONSES = (
    "Closed with explanation", "Closed with non-monetary relief", "Closed with monetary relief",
    "In progress", "Untimely response",
)

CONTRACT: dict[str, tuple[Column, ...]] = {
    "accounts": (
        Column("account_id", "text", True),
        Column("portfolio", "text", True),
        Column("product_type", "enum", True, ("revolving", "installment")),
        Column("opened_on", "date", True),
        Column("closed_on", "date"),
        Column("currency", "text", True),
        Column("credit_limit", "decimal"),
        Column("original_principal", "decimal"),
        Column("region", "text"),
        Column("hardship_flag", "enum", False, ("none", "bankrupt", "deceased", "fraud")),
    ),
    "ledger": (
        Column("entry_id", "text", True),
        Column("account_id", "text", True),
        Column("posted_on", "date", True),
        Column("entry_type", "enum", True, ENTRY_TYPES),
        Column("amount", "decimal", True),
        Column("due_on", "date"),
        Column("reverses_entry_id", "text"),
    ),
    "complaints": (
        Column("complaint_id", "text", True),
        Column("account_id", "text"),
        Column("received_on", "date", True),
        Column("submitted_via", "enum", True, CHANNELS),
        Column("product", "text", True),
        Column("issue", "text", True),
        Column("sub_issue", "text"),
        Column("responded_on", "date"),
        Column("closed_on", "date"),
        Column("company_response", "enum", True, COMPANY_RESPONSES),
    ),
}
ENTITIES = tuple(CONTRACT)

# Column-name rules. A name is normalised (trimmed, lower-cased, camelCase and any run of non-letters
# turned into "_") and a pattern matches when it starts at a word boundary of that name, so
# `relative_phone`, `RelativePhone` and `skip_trace_addr` match while `allocated_amount` does not
# match `locate`.
THIRD_PARTY_PATTERNS = (
    # listed in the contract
    "relative", "reference", "employer", "neighbor", "neighbour", "emergency_contact", "third_party",
    "skip", "locate", "social", "bureau", "guarantor_phone", "family",
    # same kind, named here so they are refused too (documented in docs/ingestion.md)
    "spouse", "next_of_kin", "kin", "friend", "landlord", "coworker", "co_worker", "acquaintance",
    "cosigner_phone", "co_signer_phone", "contact_person", "geo", "gps", "latitude", "longitude",
)
PERSONAL_PATTERNS = (
    "name", "first_name", "last_name", "full_name", "surname", "given_name", "middle_name",
    "address", "street", "city", "zip", "postcode", "postal", "phone", "mobile", "cell", "email",
    "e_mail", "birth", "dob", "date_of_birth", "ssn", "national_id", "nationalid", "tax_id", "tin",
    "passport", "driver_licen", "drivers_licen", "sin", "nino", "ip_address", "ip_addr",
)


def normalise(name: str) -> str:
    """`  RelativePhone ` -> `relative_phone`; used only for the name rules (matching uses lower/trim)."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    s = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_").lower()
    return s


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    norm = "_" + normalise(name) + "_"
    return any(("_" + p + ("_" if p in _WHOLE_WORD else "")) in norm for p in patterns)


# Short patterns that would otherwise match the start of ordinary words (`tin` in `timing`, `sin` in
# `single`, `kin` in `kind`) match whole words only.
_WHOLE_WORD = {"tin", "sin", "cell", "zip", "dob", "ssn", "nino", "geo", "gps", "name", "kin"}


def classify(header: list[str], entity: str) -> dict[str, list[str]]:
    """Split a file's header into contract / personal (dropped) / third_party (refused) / other (ignored).

    Returns a dict of lists of the original column names, plus `mapping`: original → contract name.
    """
    wanted = {c.name for c in CONTRACT[entity]}
    out: dict[str, list] = {"contract": [], "personal": [], "third_party": [], "other": []}
    mapping: dict[str, str] = {}
    for col in header:
        key = col.strip().lower()
        if key in wanted:
            out["contract"].append(col)
            mapping[col] = key
        elif _matches(col, THIRD_PARTY_PATTERNS):
            out["third_party"].append(col)
        elif _matches(col, PERSONAL_PATTERNS):
            out["personal"].append(col)
        else:
            out["other"].append(col)
    out["mapping"] = mapping  # type: ignore[assignment]
    return out
