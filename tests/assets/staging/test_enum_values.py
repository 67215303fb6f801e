"""Enumerated values and currencies match exactly (data-contract.md): a rejection lists the allowed values,
with a did-you-mean where only the case differs; a currency is an ISO 4217 code of list one."""

from __future__ import annotations

import csv
import re

import pytest

from assets.staging.rules import ISO4217_CODES, ISO4217_CSV

ENTRY_TYPES = ("disbursement | purchase | interest | fee | payment | payment_reversal | credit_adjustment | "
               "waiver | charge_off | recovery | due")
CMP_COLS = ["complaint_id", "account_id", "received_on", "submitted_via", "product", "issue", "sub_issue",
            "responded_on", "closed_on", "company_response"]
RESPONSES = ("Closed with explanation | Closed with non-monetary relief | Closed with monetary relief | "
             "In progress | Untimely response")


def complaint(cid, via="web", response="In progress"):
    return [cid, "A1", "2026-01-10", via, "Debt collection", "Communication tactics", None, None, None, response]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_enum_rejections_list_the_values_and_suggest_the_case(landing, fmt):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [
        landing.account("A1"),                                        # line 2: ok
        landing.account("A2", product="Revolving"),                   # line 3
        landing.account("A3", product="INSTALLMENT"),                 # line 4
        landing.account("A4", product="loan"),                        # line 5
        landing.account("A5", hardship_flag="None"),                  # line 6
        landing.account("A6", hardship_flag=" Fraud "),               # line 7 (trimmed, then judged)
        landing.account("A7", hardship_flag=" fraud "),               # line 8: ok
    ], fmt)
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [
        landing.entry("E1", "A1", "2026-01-20", "Payment", "1.00"),           # line 2
        landing.entry("E2", "A1", "2026-01-20", "CHARGE_OFF", "1.00"),        # line 3
        landing.entry("E3", "A1", "2026-01-20", "payment reversal", "1.00"),  # line 4: no suggestion
        landing.entry("E4", "A1", "2026-01-20", " purchase ", "1.00"),        # line 5: ok
    ], fmt)
    landing.write_csv("complaints", "2026-01", CMP_COLS, [
        complaint("C1", via="Web"),                                   # line 2
        complaint("C2", via="In_Person"),                             # line 3
        complaint("C3", via="in person"),                             # line 4: no suggestion
        complaint("C4", response="closed with explanation"),          # line 5
        complaint("C5", response="IN PROGRESS"),                      # line 6
        complaint("C6", response="Closed"),                           # line 7: no suggestion
        complaint("C7", via=" letter", response="Untimely response "),  # line 8: ok
    ], fmt)
    con = landing.ingest()
    acc, led, cmp = (f"{e}/{e}_2026-01.{fmt}" for e in ("accounts", "ledger", "complaints"))
    assert landing.rejected(con) == {
        (acc, 3): "unknown product_type 'Revolving' (expected revolving | installment; did you mean 'revolving'?)",
        (acc, 4): "unknown product_type 'INSTALLMENT' (expected revolving | installment; did you mean 'installment'?)",
        (acc, 5): "unknown product_type 'loan' (expected revolving | installment)",
        (acc, 6): "unknown hardship_flag 'None' (expected none | bankrupt | deceased | fraud; did you mean 'none'?)",
        (acc, 7): "unknown hardship_flag 'Fraud' (expected none | bankrupt | deceased | fraud; did you mean 'fraud'?)",
        (led, 2): f"unknown entry_type 'Payment' (expected {ENTRY_TYPES}; did you mean 'payment'?)",
        (led, 3): f"unknown entry_type 'CHARGE_OFF' (expected {ENTRY_TYPES}; did you mean 'charge_off'?)",
        (led, 4): f"unknown entry_type 'payment reversal' (expected {ENTRY_TYPES})",
        (cmp, 2): "unknown submitted_via 'Web' (expected phone | email | web | letter | in_person | regulator; "
                  "did you mean 'web'?)",
        (cmp, 3): "unknown submitted_via 'In_Person' (expected phone | email | web | letter | in_person | regulator; "
                  "did you mean 'in_person'?)",
        (cmp, 4): "unknown submitted_via 'in person' (expected phone | email | web | letter | in_person | regulator)",
        (cmp, 5): f"unknown company_response 'closed with explanation' (expected {RESPONSES}; "
                  "did you mean 'Closed with explanation'?)",
        (cmp, 6): f"unknown company_response 'IN PROGRESS' (expected {RESPONSES}; did you mean 'In progress'?)",
        (cmp, 7): f"unknown company_response 'Closed' (expected {RESPONSES})",
    }
    assert con.execute("SELECT account_id, hardship_flag FROM staging.accounts ORDER BY 1").fetchall() == [
        ("A1", "none"), ("A7", "fraud")]
    assert con.execute("SELECT entry_id, entry_type FROM staging.ledger").fetchall() == [("E4", "purchase")]
    assert con.execute("SELECT complaint_id, submitted_via, company_response FROM staging.complaints").fetchall() == [
        ("C7", "letter", "Untimely response")]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_currency_is_an_iso_4217_code(landing, fmt):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [
        landing.account("A1", currency="USD"),      # line 2: ok
        landing.account("A2", currency=" EUR "),    # line 3: ok, stored EUR
        landing.account("A3", currency="XCG"),      # line 4: ok (Caribbean guilder, since 2025)
        landing.account("A4", currency="usd"),      # line 5
        landing.account("A5", currency="Eur "),     # line 6
        landing.account("A6", currency="QQQ"),      # line 7: three capital letters, no such code
        landing.account("A7", currency="ANG"),      # line 8: withdrawn from list one in 2025
        landing.account("A8", currency="US$"),      # line 9
        landing.account("A9", currency="ＵＳＤ"),    # line 10: full-width letters
        landing.account("B1", currency="USDX"),     # line 11
    ], fmt)
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [], fmt)
    con = landing.ingest()
    f = f"accounts/accounts_2026-01.{fmt}"
    assert landing.rejected(con) == {
        (f, 5): "currency is not an ISO 4217 code: 'usd' (did you mean 'USD'?)",
        (f, 6): "currency is not an ISO 4217 code: 'Eur' (did you mean 'EUR'?)",
        (f, 7): "currency is not an ISO 4217 code: 'QQQ'",
        (f, 8): "currency is not an ISO 4217 code: 'ANG'",
        (f, 9): "currency is not an ISO 4217 code: 'US$'",
        (f, 10): "currency is not an ISO 4217 code: 'ＵＳＤ'",
        (f, 11): "currency is not an ISO 4217 code: 'USDX'",
    }
    assert con.execute("SELECT account_id, currency FROM staging.accounts ORDER BY 1").fetchall() == [
        ("A1", "USD"), ("A2", "EUR"), ("A3", "XCG")]


def test_the_iso_4217_list():
    """list one as of its header's date: 178 distinct alphabetic codes; withdrawn codes are not in it."""
    with open(ISO4217_CSV, encoding="utf-8") as fh:
        header = [line for line in fh if line.startswith("#")]
    assert any("SIX" in line for line in header) and any("2026-02-01" in line for line in header)
    assert len(ISO4217_CODES) == len(set(ISO4217_CODES)) == 178
    assert all(re.fullmatch("[A-Z]{3}", c) for c in ISO4217_CODES)
    assert {"USD", "EUR", "GBP", "JPY", "CHF", "CAD", "MXN", "XCG", "ZWG", "SLE", "VED", "XAD"} <= set(ISO4217_CODES)
    assert not {"BGN", "ANG", "HRK", "SLL", "ZWL", "CUC", "LTL", "DEM"} & set(ISO4217_CODES)
    with open(ISO4217_CSV, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    assert {r["code"]: r["numeric_code"] for r in rows}["USD"] == "840"
