"""The input contract (docs/spec/data-contract.md) as data: columns, types, and the column-name rules.

Everything that decides whether a column is read, dropped or refused lives here, so an auditor can read
the whole policy in one place.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from assets.domain import ENTRY_TYPES


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | date | decimal | enum | rate (an exchange rate: RATE_RE)
    required: bool = False
    values: tuple[str, ...] = ()


CHANNELS = ("phone", "email", "web", "letter", "in_person", "regulator")
COMPANY_RESPONSES = (
    "Closed with explanation", "Closed with non-monetary relief", "Closed with monetary relief",
    "In progress", "Untimely response",
)

# An amount as the contract writes it, on the trimmed text: digits with an optional point and at most two
# decimals (RE2 syntax; staging's row rules and the control totals read amounts by it).
AMOUNT_RE = r"[0-9]+(\.[0-9]{1,2})?"
# An exchange rate (fx files): digits with an optional point and at most RATE_DECIMALS decimals, below 10^8;
# stored as RATE_TYPE, so every rate delivered is kept exactly (docs/ingestion.md, "fx files").
RATE_DECIMALS = 10
RATE_RE = rf"[0-9]+(\.[0-9]{{1,{RATE_DECIMALS}}})?"
RATE_TYPE = f"DECIMAL(18,{RATE_DECIMALS})"

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
    # Optional month-end exchange rates: units of the reporting currency for one unit of `currency`.
    "fx": (
        Column("currency", "text", True),
        Column("rate", "rate", True),
    ),
}
ENTITIES = tuple(CONTRACT)


# ---- the landing folder ---------------------------------------------------------------------------------

# Each folder of the landing folder and the pattern of its files' names; YYYY-MM must be a real month.
MONTH = r"(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])"  # ASCII digits only (\d would match ٢٠٢٦)
FOLDERS: dict[str, re.Pattern] = {
    **{e: re.compile(rf"^{e}_{MONTH}\.(?P<ext>csv|csv\.gz|parquet)$") for e in ENTITIES},
    "control": re.compile(rf"^control_{MONTH}\.json$"),
    "fx": re.compile(rf"^fx_{MONTH}\.(?P<ext>csv)$"),  # CSV only (data-contract.md)
}
FILE_NAMES = {  # each folder's file names, as the contract writes them
    **{e: f"{e}_YYYY-MM.{{csv,csv.gz,parquet}}" for e in ENTITIES},
    "control": "control_YYYY-MM.json",
    "fx": "fx_YYYY-MM.csv",
}
LAYOUT = """<landing>/
  accounts/    accounts_YYYY-MM.{csv,csv.gz,parquet}     account master as of that month end
  ledger/      ledger_YYYY-MM.{csv,csv.gz,parquet}       entries posted during that month
  complaints/  complaints_YYYY-MM.{csv,csv.gz,parquet}   complaints received or updated that month
  control/     control_YYYY-MM.json                      optional control totals
  fx/          fx_YYYY-MM.csv                            optional month-end exchange rates"""
# What a CSV export must be, in the words of Excel's "Save as" dialog.
SAVE_AS_CSV = 'save it as "CSV UTF-8 (comma delimited)"'

# ---- column names ---------------------------------------------------------------------------------------
#
# A name is split into words (`words`): at every character that is neither a letter nor a digit, at a
# camelCase step (`nextOfKin`), before the last capital of a run followed by lower case (`SSNNumber`), and
# between letters and digits. A term of one word matches a whole word or its plural, so `locate` does not
# match `allocated` nor `son` `person`. A term of several words (written here with `_`) matches those
# words in a row and also written together: glued across words from the start of one (`NextOfKin`,
# `next-of-kin`) or inside one word (`EMERGENCYCONTACT`, `NEXTOFKINPHONE`).

RELATIVE = "a relative of the account holder"
OTHER_PERSON = "a person other than the account holder"
LOCATING = "locates a person (skip tracing)"
THIRD_PARTY = "data obtained from a third party"

# A column matching any of these describes someone other than the account holder or locates a person:
# the file is refused whole. The first lines are the contract's list; the rest are of the same kinds
# (docs/ingestion.md). `parent`, `child` and `partner` are not here: `parent_account_id`, `partner_code`
# are first-party fields (see OTHER_PERSON_WORDS).
REFUSED_TERMS: dict[str, str] = {
    "relative": RELATIVE, "reference": OTHER_PERSON, "employer": OTHER_PERSON, "neighbor": OTHER_PERSON,
    "emergency_contact": OTHER_PERSON, "third_party": THIRD_PARTY, "skip": LOCATING, "locate": LOCATING,
    "social_media": LOCATING, "bureau": THIRD_PARTY, "guarantor": OTHER_PERSON, "co_signer": OTHER_PERSON,
    "next_of_kin": RELATIVE, "family": RELATIVE,
    "mother": RELATIVE, "father": RELATIVE, "spouse": RELATIVE, "husband": RELATIVE, "wife": RELATIVE,
    "sibling": RELATIVE, "brother": RELATIVE, "sister": RELATIVE, "daughter": RELATIVE,
    # relations of the same kind
    "son": RELATIVE, "mom": RELATIVE, "mum": RELATIVE, "dad": RELATIVE, "kin": RELATIVE,
    "grandmother": RELATIVE, "grandfather": RELATIVE, "grandparent": RELATIVE, "grandchild": RELATIVE,
    "grandson": RELATIVE, "granddaughter": RELATIVE, "aunt": RELATIVE, "uncle": RELATIVE, "cousin": RELATIVE,
    "nephew": RELATIVE, "niece": RELATIVE, "stepmother": RELATIVE, "stepfather": RELATIVE, "stepson": RELATIVE,
    "stepdaughter": RELATIVE, "fiance": RELATIVE, "fiancee": RELATIVE, "boyfriend": RELATIVE,
    "girlfriend": RELATIVE, "in_law": RELATIVE,
    # roles of the same kind
    "neighbour": OTHER_PERSON, "friend": OTHER_PERSON, "landlord": OTHER_PERSON, "landlady": OTHER_PERSON,
    "roommate": OTHER_PERSON, "flatmate": OTHER_PERSON, "coworker": OTHER_PERSON, "co_worker": OTHER_PERSON,
    "colleague": OTHER_PERSON, "acquaintance": OTHER_PERSON, "contact_person": OTHER_PERSON,
    "beneficiary": OTHER_PERSON, "executor": OTHER_PERSON, "heir": OTHER_PERSON,
    # locating of the same kind
    "skip_trace": LOCATING, "locator": LOCATING, "whereabouts": LOCATING, "geolocation": LOCATING,
    "geo": LOCATING, "gps": LOCATING, "latitude": LOCATING, "longitude": LOCATING, "facebook": LOCATING,
    "linkedin": LOCATING, "instagram": LOCATING, "twitter": LOCATING, "tiktok": LOCATING,
    "credit_bureau": THIRD_PARTY,
    # abbreviations and roles a reviewer found missing
    "nok": RELATIVE, "co_borrower": OTHER_PERSON, "witness": OTHER_PERSON,
}

# Personal data the reports do not need: the account holder's own is dropped on read.
PERSONAL_TERMS: tuple[str, ...] = (
    "name", "first_name", "last_name", "full_name", "given_name", "middle_name", "maiden_name", "surname",
    "forename", "address", "addr", "email_address", "street", "city", "zip", "zip_code", "postcode",
    "post_code", "postal_code", "phone", "phone_number", "telephone", "tel", "mobile", "cell", "fax",
    "email", "e_mail", "birth", "birthday", "birthdate", "birth_date", "date_of_birth", "dob", "ssn",
    "social_security_number", "social_security", "national_id", "tax_id", "tin", "sin", "nino",
    "passport", "driver_license", "drivers_license", "driver_licence", "driving_licence", "ip_address",
)

# Words that name someone else only in a personal-data column: `parent_phone`, `partner_email`,
# `emergency_phone` are refused, while `parent_account_id`, `partner_code`, `emergency_forbearance` are
# first-party fields (ignored).
OTHER_PERSON_WORDS: tuple[str, ...] = (
    "parent", "child", "children", "partner", "emergency", "dependent", "dependant", "attorney",
)


def words(name: str) -> list[str]:
    """`NextOfKin_phone2` -> ['next', 'of', 'kin', 'phone', '2'] (the split described above). The name is
    NFKC-normalised first, so full-width or other compatibility letters (`ＧＵＡＲＡＮＴＯＲ`) read as
    the letters they stand for."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", unicodedata.normalize("NFKC", name))
    s = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", s)
    s = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", " ", s)
    return [w.lower() for w in re.split(r"[\W_]+", s) if w]


def _plurals(word: str) -> set[str]:
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return {word[:-1] + "ies"}
    if word.endswith("fe"):
        return {word[:-2] + "ves"}
    if word.endswith(("s", "x", "ch", "sh")):
        return {word + "es"}
    return {word + "s", word + "x"} if word.endswith("eau") else {word + "s"}


def term_in(term: str, name_words: list[str]) -> bool:
    """Whether `term` (words joined by `_`) matches a name split into `name_words` (the rule above)."""
    parts = term.split("_")
    if len(parts) == 1:
        return any(w == term or w in _plurals(term) for w in name_words)
    joined = "".join(parts)
    if any(joined in w for w in name_words):
        return True
    glued, start = "".join(name_words), 0
    for w in name_words:
        if glued.startswith(joined, start):
            return True
        start += len(w)
    return False


def first_term(name_words: list[str], terms) -> str | None:
    return next((t for t in terms if term_in(t, name_words)), None)


@dataclass(frozen=True)
class Verdict:
    """What the column-name rules make of one column outside the contract: `refused` (the file is refused
    whole), `dropped` (personal data, never read) or `ignored`, with the term that decided and why."""
    outcome: str
    term: str | None = None
    why: str = ""


def judge(name: str) -> Verdict:
    """The verdict on a column that is not one of the contract's columns."""
    ws = words(name)
    term = first_term(ws, REFUSED_TERMS)
    if term:
        return Verdict("refused", term, REFUSED_TERMS[term])
    personal = first_term(ws, PERSONAL_TERMS)
    if personal:
        other = first_term(ws, OTHER_PERSON_WORDS)
        if other:
            return Verdict("refused", other, f"personal data ({personal}) of {OTHER_PERSON}")
        return Verdict("dropped", personal, "personal data the reports do not need")
    return Verdict("ignored")


@dataclass
class HeaderColumns:
    """A file's header split by the column-name rules; each list keeps the names as written."""
    mapping: dict[str, str]  # column as written -> contract column
    refused: list[tuple[str, Verdict]]
    dropped: list[str]
    ignored: list[str]


def classify(header: list[str], entity: str) -> HeaderColumns:
    """Split a file's header into the contract's columns (matched case-insensitively after trimming),
    refused (third-party / locating), dropped (personal data) and ignored columns."""
    wanted = {c.name for c in CONTRACT[entity]}
    out = HeaderColumns({}, [], [], [])
    for col in header:
        key = col.strip().lower()
        if key in wanted:
            out.mapping[col] = key
            continue
        verdict = judge(col)
        if verdict.outcome == "refused":
            out.refused.append((col, verdict))
        elif verdict.outcome == "dropped":
            out.dropped.append(col)
        else:
            out.ignored.append(col)
    return out
