"""The column-name guard of data-contract.md, "What is refused": names split into words (case, camelCase,
separators), one-word terms as whole words, terms of several words also written together; third-party and
locating columns refuse the file naming every one of them and why, the holder's personal data is dropped,
a personal column naming someone else is refused, other columns are ignored."""

from __future__ import annotations

import pytest

from assets.raw.contract import classify, words
from assets.raw.landing import ContractError


def outcome(name: str, entity: str = "ledger") -> str:
    cls = classify([name], entity)
    if cls.mapping:
        return "contract"
    if cls.refused:
        return "refused:" + cls.refused[0][1].term
    return "dropped" if cls.dropped else "ignored"


NAMES = [
    # the contract's columns, matched case-insensitively after trimming
    ("entry_id", "contract"), (" Account_ID ", "contract"), ("POSTED_ON", "contract"),
    ("reverses_entry_id", "contract"),
    # the misses: a role or relation word refuses whatever follows; compounds also written together
    ("guarantor", "refused:guarantor"), ("guarantor_name", "refused:guarantor"),
    ("mother_phone", "refused:mother"), ("EMERGENCYCONTACT", "refused:emergency_contact"),
    ("NEXTOFKIN", "refused:next_of_kin"),
    # the contract's table of matches
    ("NextOfKinPhone", "refused:next_of_kin"), ("next-of-kin", "refused:next_of_kin"),
    ("Mother Phone", "refused:mother"),
    # more of the class: every listed term, in every spelling the rule covers
    ("relative_phone", "refused:relative"), ("Relatives", "refused:relative"),
    ("EmployerName", "refused:employer"), ("neighbor_address", "refused:neighbor"),
    ("emergency contact", "refused:emergency_contact"), ("ThirdPartyAgency", "refused:third_party"),
    ("skip_trace_addr", "refused:skip"), ("SKIPTRACE", "refused:skip_trace"), ("locate_status", "refused:locate"),
    ("SocialMediaHandle", "refused:social_media"), ("bureau_score", "refused:bureau"),
    ("CoSigner", "refused:co_signer"), ("cosigner_ssn", "refused:co_signer"), ("co-signer", "refused:co_signer"),
    ("family_size", "refused:family"), ("FatherName", "refused:father"), ("spouse_phone", "refused:spouse"),
    ("HUSBAND_EMPLOYER", "refused:employer"), ("wife", "refused:wife"), ("siblings_count", "refused:sibling"),
    ("brotherPhone", "refused:brother"), ("sister2_phone", "refused:sister"), ("daughter_dob", "refused:daughter"),
    ("son_email", "refused:son"), ("reference_name", "refused:reference"),
    # a personal column naming someone else is refused; the same word in a first-party field passes
    ("parent_phone", "refused:parent"), ("PartnerEmail", "refused:partner"),
    ("emergency_phone", "refused:emergency"), ("child_name", "refused:child"),
    ("parent_account_id", "ignored"), ("partner_code", "ignored"), ("emergency_forbearance", "ignored"),
    ("child_account_count", "ignored"), ("attorney_fee", "ignored"),
    # the account holder's own personal data is dropped
    ("first_name", "dropped"), ("Full Name", "dropped"), ("Email", "dropped"), ("PhoneNumber", "dropped"),
    ("home_address2", "dropped"), ("date_of_birth", "dropped"), ("DOB", "dropped"), ("ssn", "dropped"),
    ("SSNNumber", "dropped"), ("social_security_number", "dropped"), ("national_id", "dropped"),
    ("zip", "dropped"),
    # one-word terms are whole words: these are only ignored
    ("allocated_amount", "ignored"), ("skipped_payments", "ignored"), ("referenced_entry", "ignored"),
    ("reason_code", "ignored"), ("season", "ignored"), ("person_type", "ignored"), ("Mothership", "ignored"),
    ("promo_code", "ignored"), ("branch_location", "ignored"),
]


@pytest.mark.parametrize("name, expected", NAMES, ids=[n for n, _ in NAMES])
def test_each_name_gets_its_outcome(name, expected):
    assert outcome(name) == expected


def test_words_split_on_case_camelcase_separators_and_digits():
    assert words("NextOfKinPhone") == ["next", "of", "kin", "phone"]
    assert words(" next-of-kin ") == ["next", "of", "kin"]
    assert words("SSNNumber") == ["ssn", "number"]
    assert words("Mother Phone2") == ["mother", "phone", "2"]
    assert words("EMERGENCYCONTACT") == ["emergencycontact"]


TEN = ["guarantor", "guarantor_name", "mother_phone", "EMERGENCYCONTACT", "NEXTOFKIN", "spouse_phone",
       "reference_name", "skip_trace_addr", "bureau_score", "parent_phone"]


def test_a_file_with_ten_third_party_columns_is_refused_naming_every_one_and_why(landing):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS + ["promo_code"] + TEN + ["first_name"],
                      [landing.account() + ["P1"] + [f"v{i}" for i in range(10)] + ["Alice"]])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [])
    with pytest.raises(ContractError) as e:
        landing.ingest()
    other, relative = "a person other than the account holder", "a relative of the account holder"
    assert str(e.value) == (
        "accounts/accounts_2026-01.csv: line 1: refused whole: 10 column(s) describe someone other than the "
        "account holder or locate a person, and third-party and skip-tracing data is never ingested: "
        f"'guarantor' (guarantor: {other}); 'guarantor_name' (guarantor: {other}); "
        f"'mother_phone' (mother: {relative}); 'EMERGENCYCONTACT' (emergency contact: {other}); "
        f"'NEXTOFKIN' (next of kin: {relative}); 'spouse_phone' (spouse: {relative}); "
        f"'reference_name' (reference: {other}); 'skip_trace_addr' (skip: locates a person (skip tracing)); "
        "'bureau_score' (bureau: data obtained from a third party); "
        "'parent_phone' (parent: personal data (phone) of a person other than the account holder)")
    assert "v0" not in str(e.value) and "Alice" not in str(e.value)  # names columns, never values


@pytest.mark.parametrize("fmt", ["csv", "csv.gz", "parquet"])
def test_the_guard_refuses_in_every_format(landing, fmt):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account()])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS + ["NextOfKinPhone"],
                      [landing.entry("E1", "A1", "2026-01-20", "fee", "1.00") + ["555"]], fmt)
    with pytest.raises(ContractError, match=rf"ledger/ledger_2026-01\.{fmt.replace('.', '[.]')}: line 1: refused "
                                            r"whole: 1 column\(s\) .*'NextOfKinPhone' \(next of kin: "):
        landing.ingest()


def test_first_party_fields_pass_and_the_holders_personal_data_is_dropped(landing):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS + ["parent_account_id", "partner_code",
                                                                 "social_security_number", "Mother_Maiden"],
                      [landing.account() + ["P9", "X", "123-45-6789", "Smith"]])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [])
    with pytest.raises(ContractError, match="'Mother_Maiden' \\(mother: "):  # a mother's maiden name: refused
        landing.ingest()
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS + ["parent_account_id", "partner_code",
                                                                 "social_security_number"],
                      [landing.account() + ["P9", "X", "123-45-6789"]])
    con = landing.ingest()
    assert con.execute("SELECT dropped_personal_columns, ignored_columns FROM raw.files "
                       "WHERE entity = 'accounts'").fetchall() == [(["social_security_number"],
                                                                   ["parent_account_id", "partner_code"])]
    assert con.execute("SELECT account_id FROM staging.accounts").fetchall() == [("A1",)]


@pytest.mark.parametrize("name,expected", [
    ("nok_phone", "refused:nok"),             # nok = next of kin
    ("NOK", "refused:nok"),
    ("co-borrower_name", "refused:co_borrower"),
    ("CoBorrowerPhone", "refused:co_borrower"),
    ("witness", "refused:witness"),
    ("\uff27\uff35\uff21\uff32\uff21\uff2e\uff34\uff2f\uff32", "refused:guarantor"),  # full-width GUARANTOR
    ("\uff50\uff48\uff4f\uff4e\uff45", "dropped"),                          # full-width phone
    ("token", "ignored"),                  # 'nok' is a whole word, not a piece of one
    ("borrower_id", "ignored"),
])
def test_abbreviations_roles_and_compatibility_letters(name, expected):
    assert outcome(name) == expected
