"""Every bad row the contract lists ("What is refused" -> Bad rows) is rejected at staging, per row, with
its file, physical line and the rule; rows read = rows loaded + rows rejected for every file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from assets.intermediate.ledger_flows import build_ledger_flows
from assets.marts.account_month import build_account_month
from assets.marts.roll_forward import build_roll_forward

NOT_AN_AMOUNT = ("is not digits with an optional point and at most two decimals "
                 "(no sign, separators, underscores, exponents or inner spaces)")


CMP_COLS = ["complaint_id", "account_id", "received_on", "submitted_via", "product", "issue", "sub_issue",
            "responded_on", "closed_on", "company_response"]


def complaint(cid, aid="A1", received="2026-01-20", via="web", responded=None):
    return [cid, aid, received, via, "Debt collection", "Communication tactics", None, responded, None, "In progress"]


def _book(landing, fmt):
    """Accounts and complaints in January, ledgers January to March: one line per kind of bad row (the
    comments give the line)."""
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [
        landing.account("A1", opened="2026-01-15"),                        # 2 ok
        landing.account("A2", "installment", opened="2026-01-02"),        # 3 ok
        landing.account("A3", opened="2026-01-01"),                        # 4 ok, charged off in February
        landing.account("C1", "installment", opened="2026-01-02", closed="2026-02-20"),  # 5 ok, paid off in Feb
        landing.account("X1", product="loan"),                             # 6 unknown enum
        landing.account("X2", opened=""),                                  # 7 missing required field
        landing.account("X3", credit_limit="1.000,00"),                    # 8 wrong type
        landing.account("A1"),                                             # 9 duplicate key
        landing.account("X4", portfolio="all"),                            # 10 a portfolio named all
        landing.account("X5", opened="2026-02-01"),                        # 11 date outside the file's month
        landing.account("X6", "installment", original_principal="0.00"),   # 12 non-positive amount
        landing.account("X" * 65),                                         # 13 wrong type: over 64 chars
    ], fmt)
    landing.write_csv("complaints", "2026-01", CMP_COLS, [
        complaint("C1"),                                                   # 2 ok
        complaint("C2", received="2026-1-20"),                             # 3 wrong type
        complaint("C3", received=""),                                      # 4 missing required field
        complaint("C4", via="fax"),                                        # 5 unknown enum
        complaint("C5", received="2026-02-01"),                            # 6 date outside the file's month
        complaint("C1"),                                                   # 7 duplicate key
        complaint("C6", aid="ZZ"),                                         # 8 unknown account
        complaint("C7", aid="X4"),                                         # 9 account rejected (portfolio all)
        complaint("C8", responded="2026-01-05"),                           # 10 responded before received
    ], fmt)
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [
        landing.entry("E1", "A1", "2026-01-20", "purchase", "100.00"),     # 2 ok
        landing.entry("E2", "A2", "2026-01-02", "disbursement", "5000.00"),  # 3 ok
        landing.entry("E3", "C1", "2026-01-02", "disbursement", "50.00"),  # 4 ok
        landing.entry("P0", "A1", "2026-01-25", "payment", "10.00"),       # 5 ok
        landing.entry("E4", "A1", "2026-01-10", "fee", "5.00"),            # 6 before the account's opened_on
        landing.entry("E5", "A1", "2026-01-15", "fee", "1.00"),            # 7 ok: on the opening day
        landing.entry("E6", "A3", "2026-01-05", "purchase", "20.00"),      # 8 ok
        landing.entry("E7", "A2", "2026-01-01", "fee", "1.00", due_on="2026-01-05"),  # 9 before opening, and due_on
    ], fmt)
    landing.write_csv("ledger", "2026-02", landing.LED_COLS, [
        landing.entry("F1", "A1", "2026-02-03", "fee", "1,5"),             # 2 wrong type
        landing.entry("F2", "A1", "", "fee", "1.00"),                      # 3 missing required field
        landing.entry("F3", "A1", "2026-02-03", "bonus", "1.00"),          # 4 unknown enum
        landing.entry("F4", "A1", "2026-02-03", "fee", "0.00"),            # 5 non-positive amount
        landing.entry("F5", "A1", "2026-03-01", "fee", "1.00"),            # 6 date outside the file's month
        landing.entry("E1", "A1", "2026-02-03", "fee", "1.00"),            # 7 duplicate key
        landing.entry("F7", "ZZ", "2026-02-03", "fee", "1.00"),            # 8 unknown account
        landing.entry("F8", "A1", "2026-02-03", "payment_reversal", "10.00", reverses="NOPE"),  # 9 no payment
        landing.entry("F9", "A1", "2026-02-04", "payment_reversal", "10.00", reverses="P0"),    # 10 ok
        landing.entry("F10", "A3", "2026-02-05", "charge_off", "20.00"),   # 11 ok
        landing.entry("F11", "A3", "2026-02-06", "fee", "1.00"),           # 12 after the charge-off
        landing.entry("F12", "A3", "2026-02-07", "recovery", "5.00"),      # 13 ok: recovery after charge-off
        landing.entry("F13", "C1", "2026-02-10", "payment", "50.00"),      # 14 ok: pays C1 off
        landing.entry("F14", "X4", "2026-02-10", "fee", "1.00"),           # 15 account rejected (portfolio all)
    ], fmt)
    landing.write_csv("ledger", "2026-03", landing.LED_COLS, [
        landing.entry("M1", "C1", "2026-03-02", "fee", "5.00"),            # 2 after C1 was reported closed
        landing.entry("M2", "A1", "2026-03-02", "fee", "5.00"),            # 3 ok
    ], fmt)
    return landing


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_each_bad_row_of_the_contract(landing, fmt):
    con = _book(landing, fmt).ingest()
    acc, jan, feb, mar = (f"{e}_{m}.{fmt}" for e, m in (("accounts/accounts", "2026-01"), ("ledger/ledger", "2026-01"),
                                                         ("ledger/ledger", "2026-02"), ("ledger/ledger", "2026-03")))
    cmp = f"complaints/complaints_2026-01.{fmt}"
    rejected_x4 = f"its row at {acc} line 10 was rejected: portfolio 'all' is reserved for the all-portfolios rows"
    assert landing.rejected(con) == {
        (acc, 6): "unknown product_type 'loan' (expected revolving | installment)",
        (acc, 7): "missing required field opened_on",
        (acc, 8): f"credit_limit {NOT_AN_AMOUNT}: '1.000,00'",
        (acc, 9): "duplicate account_id 'A1' in this file (first at line 2)",
        (acc, 10): "portfolio 'all' is reserved for the all-portfolios rows",
        (acc, 11): "opened_on 2026-02-01 is after the file's month end 2026-01-31 "
                   "(the file is the master as of that month end)",
        (acc, 12): "original_principal must be > 0: '0.00'",
        (acc, 13): "account_id longer than 64 characters",
        (cmp, 3): "received_on is not an ISO date (YYYY-MM-DD): '2026-1-20'",
        (cmp, 4): "missing required field received_on",
        (cmp, 5): "unknown submitted_via 'fax' (expected phone | email | web | letter | in_person | regulator)",
        (cmp, 6): "received_on 2026-02-01 is after the file's month end",
        (cmp, 7): "duplicate complaint_id 'C1' in this file (first at line 2)",
        (cmp, 8): "unknown account_id 'ZZ' (no valid row in any accounts file)",
        (cmp, 9): f"unknown account_id 'X4' (no valid row in any accounts file; {rejected_x4})",
        (cmp, 10): "responded_on 2026-01-05 is before received_on 2026-01-20",
        (jan, 6): "fee posted on 2026-01-10 before the account's opened_on 2026-01-15",
        (jan, 9): "due_on must be empty for entry_type fee; fee posted on 2026-01-01 before the account's "
                  "opened_on 2026-01-02",
        (feb, 2): f"amount {NOT_AN_AMOUNT}: '1,5'",
        (feb, 3): "missing required field posted_on",
        (feb, 4): "unknown entry_type 'bonus' (expected disbursement | purchase | interest | fee | payment | "
                  "payment_reversal | credit_adjustment | waiver | charge_off | recovery | due)",
        (feb, 5): "amount must be > 0: '0.00'",
        (feb, 6): "posted_on 2026-03-01 is outside the file's month 2026-02",
        (feb, 7): f"duplicate entry_id 'E1' (first loaded from {jan} line 2)",
        (feb, 8): "unknown account_id 'ZZ' (no valid row in any accounts file)",
        (feb, 9): "payment_reversal names 'NOPE', which is not a loaded payment of account 'A1'",
        (feb, 12): "fee posted on 2026-02-06 after the account's charge-off on 2026-02-05 (only recovery may follow)",
        (feb, 15): f"unknown account_id 'X4' (no valid row in any accounts file; {rejected_x4})",
        (mar, 2): "fee posted on 2026-03-02 after the account was reported closed at month end 2026-02-28",
    }
    assert con.execute("SELECT source_file, rows_read, rows_loaded, rows_rejected FROM audit.source_files "
                       "ORDER BY source_file").fetchall() == [
        (acc, 12, 4, 8), (cmp, 9, 1, 8), (jan, 8, 6, 2), (feb, 14, 4, 10), (mar, 2, 1, 1)]
    assert sorted(r[0] for r in con.execute("SELECT entry_id FROM staging.ledger").fetchall()) == [
        "E1", "E2", "E3", "E5", "E6", "F10", "F12", "F13", "F9", "M2", "P0"]


def test_an_entry_before_opened_on_no_longer_breaks_the_roll_forward(landing):
    """An entry dated before its account's opening used to be loaded: the account enters the book in the
    month of its opening, so February's roll-forward differed by -70.00 (January's debits held the
    entry, no closing balance did) without naming it. Now it is rejected at staging and every
    difference is 0.00."""
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A0", opened="2026-01-05")])
    landing.write_csv("accounts", "2026-02", landing.ACC_COLS, [landing.account("A1", opened="2026-02-15")])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [
        landing.entry("E0", "A0", "2026-01-06", "purchase", "10.00"),    # 2 ok
        landing.entry("E1", "A1", "2026-01-20", "purchase", "70.00"),    # 3 before A1's opening
    ])
    landing.write_csv("ledger", "2026-02", landing.LED_COLS, [
        landing.entry("E2", "A1", "2026-02-20", "purchase", "100.00"),   # 2 ok
    ])
    landing.write_csv("ledger", "2026-03", landing.LED_COLS, [
        landing.entry("E3", "A1", "2026-03-10", "payment", "30.00"),     # 2 ok
    ])
    con = landing.ingest()
    assert landing.rejected(con) == {
        ("ledger/ledger_2026-01.csv", 3): "purchase posted on 2026-01-20 before the account's opened_on 2026-02-15"}
    build_account_month(con)
    build_ledger_flows(con)
    build_roll_forward(con)
    # January is the first month (no opening balance: difference NULL); Feb 10.00 + 100.00 = 110.00 closing,
    # Mar 110.00 - 30.00 = 80.00: both reconcile
    assert con.execute("SELECT month_end, portfolio, difference FROM marts.roll_forward ORDER BY 1, 2").fetchall() == [
        (date(2026, 1, 31), "all", None), (date(2026, 1, 31), "cards-us", None),
        (date(2026, 2, 28), "all", D("0.00")), (date(2026, 2, 28), "cards-us", D("0.00")),
        (date(2026, 3, 31), "all", D("0.00")), (date(2026, 3, 31), "cards-us", D("0.00"))]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_opened_on_is_the_accounts_latest_version(landing, fmt):
    """A1 opened 2026-01-10 in January's master, corrected to 2026-01-20 in February's: the latest version
    (staging.accounts) applies to every entry, January's included."""
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1", opened="2026-01-10")], fmt)
    landing.write_csv("accounts", "2026-02", landing.ACC_COLS, [landing.account("A1", opened="2026-01-20")], fmt)
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [
        landing.entry("E1", "A1", "2026-01-12", "purchase", "10.00"),    # 2 before the corrected opening
        landing.entry("E2", "A1", "2026-01-20", "purchase", "20.00"),    # 3 ok
        landing.entry("E3", "A1", "2026-01-19", "due", "5.00", due_on="2026-02-01"),  # 4 before
    ], fmt)
    landing.write_csv("ledger", "2026-02", landing.LED_COLS, [
        landing.entry("E1", "A1", "2026-02-02", "purchase", "10.00"),    # 2 ok: the first E1 was not loaded
    ], fmt)
    con = landing.ingest()
    jan = f"ledger/ledger_2026-01.{fmt}"
    assert landing.rejected(con) == {
        (jan, 2): "purchase posted on 2026-01-12 before the account's opened_on 2026-01-20",
        (jan, 4): "due posted on 2026-01-19 before the account's opened_on 2026-01-20",
    }
    assert con.execute("SELECT entry_id, posted_on FROM staging.ledger ORDER BY posted_on").fetchall() == [
        ("E2", date(2026, 1, 20)), ("E1", date(2026, 2, 2))]
