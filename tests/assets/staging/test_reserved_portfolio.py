"""A portfolio named `all` (in any case, after trimming) collides with the marts' all-portfolios rows: the
account row is rejected at staging, and its ledger entries and complaints are rejected naming that
account's rejection."""

from __future__ import annotations

import pytest

RESERVED = "portfolio '{}' is reserved for the all-portfolios rows"
RESERVED_CASE = "portfolio '{}' is reserved for the all-portfolios rows ('all', in any case)"
CMP_COLS = ["complaint_id", "account_id", "received_on", "submitted_via", "product", "issue", "sub_issue",
            "responded_on", "closed_on", "company_response"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_portfolio_all_is_rejected_with_its_entries(landing, fmt):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [
        landing.account("A1"),                          # 2 ok
        landing.account("P1", portfolio="all"),         # 3
        landing.account("P2", portfolio=" all "),       # 4 trimmed: all
        landing.account("P3", portfolio="ALL"),         # 5
        landing.account("P4", portfolio="All"),         # 6
        landing.account("P5", portfolio="all-cards"),   # 7 ok
        landing.account("P6", portfolio="overall"),     # 8 ok
        landing.account("P7", portfolio="all"),         # 9 rejected here, valid in February
    ], fmt)
    landing.write_csv("accounts", "2026-02", landing.ACC_COLS, [
        landing.account("P1", portfolio="all"),         # 2 rejected again: the latest rejection is named
        landing.account("P7", portfolio="cards-us"),    # 3 ok
    ], fmt)
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [
        landing.entry("E1", "A1", "2026-01-20", "purchase", "10.00"),   # 2 ok
        landing.entry("E2", "P1", "2026-01-20", "purchase", "10.00"),   # 3
        landing.entry("E3", "P3", "2026-01-20", "purchase", "10.00"),   # 4
        landing.entry("E4", "ZZ", "2026-01-20", "purchase", "10.00"),   # 5 never delivered
        landing.entry("E5", "P5", "2026-01-20", "purchase", "10.00"),   # 6 ok
        landing.entry("E6", "P7", "2026-01-20", "purchase", "10.00"),   # 7 ok: P7 is known (February's row)
    ], fmt)
    landing.write_csv("ledger", "2026-02", landing.LED_COLS, [], fmt)
    landing.write_csv("complaints", "2026-01", CMP_COLS, [
        ["C1", "P2", "2026-01-10", "web", "Debt collection", "Communication tactics", None, None, None, "In progress"],
    ], fmt)
    con = landing.ingest()
    jan, feb = f"accounts/accounts_2026-01.{fmt}", f"accounts/accounts_2026-02.{fmt}"
    led = f"ledger/ledger_2026-01.{fmt}"
    assert landing.rejected(con) == {
        (jan, 3): RESERVED.format("all"),
        (jan, 4): RESERVED.format("all"),
        (jan, 5): RESERVED_CASE.format("ALL"),
        (jan, 6): RESERVED_CASE.format("All"),
        (jan, 9): RESERVED.format("all"),
        (feb, 2): RESERVED.format("all"),
        (led, 3): f"unknown account_id 'P1' (no valid row in any accounts file; its row at {feb} line 2 was "
                  f"rejected: {RESERVED.format('all')})",
        (led, 4): f"unknown account_id 'P3' (no valid row in any accounts file; its row at {jan} line 5 was "
                  f"rejected: {RESERVED_CASE.format('ALL')})",
        (led, 5): "unknown account_id 'ZZ' (no valid row in any accounts file)",
        (f"complaints/complaints_2026-01.{fmt}", 2):
            f"unknown account_id 'P2' (no valid row in any accounts file; its row at {jan} line 4 was "
            f"rejected: {RESERVED.format('all')})",
    }
    assert con.execute("SELECT account_id, portfolio FROM staging.accounts ORDER BY 1").fetchall() == [
        ("A1", "cards-us"), ("P5", "all-cards"), ("P6", "overall"), ("P7", "cards-us")]
    assert con.execute("SELECT entry_id FROM staging.ledger ORDER BY 1").fetchall() == [("E1",), ("E5",), ("E6",)]
    assert con.execute("SELECT source_file, rows_read, rows_loaded, rows_rejected FROM audit.source_files "
                       "WHERE entity <> 'ledger' OR rows_read > 0 ORDER BY 1").fetchall() == [
        (jan, 8, 3, 5), (feb, 2, 1, 1), (f"complaints/complaints_2026-01.{fmt}", 1, 0, 1), (led, 6, 3, 3)]
