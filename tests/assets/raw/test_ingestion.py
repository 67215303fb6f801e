"""Ingestion per data-contract.md: refusals, dropped columns, each rejection reason, counts, controls."""

from __future__ import annotations

import json
from datetime import date

import pytest

from assets.raw.landing import ContractError
from assets.warehouse import connect

LF = "ledger/ledger_2026-02.csv"


@pytest.fixture
def rules_landing(landing):
    """Accounts in January; ledgers January to March, February's with one row per rejection reason."""
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [
        landing.account("A1"), landing.account("A2", "installment"), landing.account("A3"),
        landing.account("C1", "installment", closed="2026-02-20"),
    ])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [
        landing.entry("E1", "A1", "2026-01-20", "purchase", "100.00"),
        landing.entry("E2", "A2", "2026-01-20", "disbursement", "5000.00"),
        landing.entry("E3", "C1", "2026-01-20", "disbursement", "50.00"),
        landing.entry("P0", "A1", "2026-01-25", "payment", "10.00"),
    ])
    landing.write_csv("ledger", "2026-02", landing.LED_COLS, [
        landing.entry("E10", "A1", "2026-02-01", "due", "25.00", due_on="2026-02-25"),          # line 2 ok
        landing.entry("E11", "A1", "", "fee", "5.00"),                                             # 3 missing posted_on
        landing.entry("E12", "A1", "2026-02-31", "fee", "5.00"),                                   # 4 bad date
        landing.entry("E13", "A1", "2026-02-02", "bonus", "5.00"),                                 # 5 unknown type
        landing.entry("E14", "A1", "2026-02-02", "fee", "0.00"),                                   # 6 not > 0
        landing.entry("E15", "A1", "2026-02-02", "fee", "1.005"),                                  # 7 3 decimals
        landing.entry("E16", "A1", "2026-03-01", "fee", "5.00"),                                   # 8 outside month
        landing.entry("E17", "A1", "2026-02-02", "due", "5.00"),                                   # 9 due without due_on
        landing.entry("E1", "A1", "2026-02-02", "fee", "5.00"),                                    # 10 dup of jan E1
        landing.entry("E18", "ZZ", "2026-02-02", "fee", "5.00"),                                   # 11 unknown account
        landing.entry("E19", "A1", "2026-02-03", "payment_reversal", "10.00", reverses="NOPE"),    # 12 no payment
        landing.entry("E20", "A3", "2026-02-03", "charge_off", "1.00"),                            # 13 ok charge-off
        landing.entry("E21", "A3", "2026-02-04", "fee", "1.00"),                                   # 14 after charge-off
        landing.entry("E22", "A3", "2026-02-05", "recovery", "1.00"),                              # 15 ok recovery
        landing.entry("E23", "C1", "2026-02-10", "payment", "50.00"),                              # 16 ok: pays off
        landing.entry("E10", "A1", "2026-02-06", "fee", "2.00"),                                   # 17 dup in same file
        landing.entry("E24", "A1", "2026-02-07", "payment_reversal", "10.00", reverses="P0"),      # 18 ok reversal
        landing.entry("E25", "A1", "2026-02-08", "payment_reversal", "10.00", reverses="P0"),      # 19 reversed twice
        landing.entry("E26", "A1", "2026-02-08", "fee", "1,000.00"),                               # 20 thousands sep
        landing.entry("E27", "A1", "2026-02-08", "fee", "-4.00"),                                  # 21 negative
    ])
    landing.write_csv("ledger", "2026-03", landing.LED_COLS, [
        landing.entry("E30", "C1", "2026-03-02", "fee", "5.00"),                                   # 2 after closure
        landing.entry("E31", "A1", "2026-03-02", "fee", "5.00"),                                   # 3 ok
    ])
    return landing


def test_each_ledger_rejection_reason(rules_landing):
    con = rules_landing.ingest()
    rej = rules_landing.rejected(con)
    expect = {
        3: "missing required field posted_on",
        4: "posted_on is not an ISO date (YYYY-MM-DD): '2026-02-31'",
        5: "unknown entry_type 'bonus'",
        6: "amount must be > 0: '0.00'",
        7: "amount has more than 2 decimals: '1.005'",
        8: "posted_on 2026-03-01 is outside the file's month 2026-02",
        9: "due_on is required for a due",
        10: "duplicate entry_id 'E1' (first loaded from ledger/ledger_2026-01.csv line 2)",
        11: "unknown account_id 'ZZ'",
        12: "payment_reversal names 'NOPE', which is not a loaded payment of account 'A1'",
        14: "fee posted on 2026-02-04 after the account's charge-off on 2026-02-03",
        17: "duplicate entry_id 'E10' (first loaded from ledger/ledger_2026-02.csv line 2)",
        19: "payment 'P0' is already reversed by entry 'E24'",
        20: "amount is not digits with an optional point and at most two decimals (no sign, separators, "
            "underscores, exponents or inner spaces): '1,000.00'",
        21: "amount must be > 0: '-4.00'",
    }
    for line, words in expect.items():
        assert words in rej[(LF, line)], (line, rej.get((LF, line)))
    assert {n for f, n in rej if f == LF} == set(expect)
    assert "posted on 2026-03-02 after the account was reported closed at month end 2026-02-28" in \
        rej[("ledger/ledger_2026-03.csv", 2)]
    loaded = {r[0] for r in con.execute("SELECT entry_id FROM staging.ledger").fetchall()}
    assert loaded == {"E1", "E2", "E3", "P0", "E10", "E20", "E22", "E23", "E24", "E31"}


def test_rejected_raw_text_is_contract_columns_as_read(rules_landing):
    con = rules_landing.ingest()
    raw = con.execute("SELECT raw FROM audit.rejected_rows WHERE source_file = ? AND line_number = 7", [LF]).fetchall()[0][0]
    assert json.loads(raw) == {"entry_id": "E15", "account_id": "A1", "posted_on": "2026-02-02", "entry_type": "fee",
                               "amount": "1.005", "due_on": None, "reverses_entry_id": None}


def test_rows_read_equal_loaded_plus_rejected(rules_landing):
    con = rules_landing.ingest()
    rows = con.execute("SELECT source_file, rows_read, rows_loaded, rows_rejected FROM audit.source_files "
                       "ORDER BY source_file").fetchall()
    assert rows == [
        ("accounts/accounts_2026-01.csv", 4, 4, 0),
        ("ledger/ledger_2026-01.csv", 4, 4, 0),
        ("ledger/ledger_2026-02.csv", 20, 5, 15),
        ("ledger/ledger_2026-03.csv", 2, 1, 1),
    ]
    assert all(len(r[0]) == 64 for r in con.execute("SELECT sha256 FROM audit.source_files").fetchall())


def test_third_party_columns_refuse_the_file(landing):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS + ["relative_phone", "EmployerName"],
                      [landing.account() + ["1", "x"]])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [])
    with pytest.raises(ContractError) as e:
        landing.ingest()
    msg = str(e.value)
    assert "accounts/accounts_2026-01.csv" in msg and "relative_phone" in msg and "EmployerName" in msg
    assert "refused" in msg


def test_personal_columns_dropped_and_listed_never_stored(landing):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS + ["first_name", "Email", "promo_code"],
                      [landing.account() + ["Alice", "alice@example.com", "X1"],
                       landing.account("A1") + ["Alice", "alice@example.com", "X1"]])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS,
                      [landing.entry("E1", "A1", "2026-01-20", "purchase", "1.00")])
    con = landing.ingest()
    dropped, ignored = con.execute("SELECT dropped_personal_columns, ignored_columns FROM audit.source_files "
                                   "WHERE source_file = 'accounts/accounts_2026-01.csv'").fetchall()[0]
    assert dropped == ["first_name", "Email"] and ignored == ["promo_code"]
    # the duplicate row is rejected; its raw text holds no personal data
    raw = con.execute("SELECT raw FROM audit.rejected_rows").fetchall()
    assert len(raw) == 1 and "Alice" not in raw[0][0] and "alice@" not in raw[0][0]
    for schema, table in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall():
        text = str(con.execute(f"SELECT * FROM {schema}.{table}").fetchall())
        assert "Alice" not in text and "alice@example.com" not in text, table


def test_account_rules(landing):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [
        landing.account("A1"),
        landing.account("A2", product="loan"),
        landing.account("A3", closed="2026-01-01"),
        landing.account("A4", credit_limit=None),
        landing.account("A5", currency="usd"),
        landing.account("A1"),
        landing.account("A6", opened="2026-02-01"),
        landing.account("A7", hardship_flag="sick"),
    ])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [])
    con = landing.ingest()
    rej = {n: r for (f, n), r in landing.rejected(con).items()}
    assert "unknown product_type 'loan'" in rej[3]
    assert "closed_on 2026-01-01 is before opened_on 2026-01-15" in rej[4]
    assert "credit_limit is required for a revolving account" in rej[5]
    assert "currency is not an ISO 4217 code" in rej[6]
    assert "duplicate account_id 'A1' in this file (first at line 2)" in rej[7]
    assert "opened_on 2026-02-01 is after the file's month end 2026-01-31" in rej[8]
    assert "unknown hardship_flag 'sick'" in rej[9]
    assert con.execute("SELECT hardship_flag FROM staging.accounts").fetchall() == [("none",)]


def test_later_accounts_file_supersedes(landing):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1", credit_limit="1000.00")])
    landing.write_csv("accounts", "2026-02", landing.ACC_COLS, [landing.account("A1", credit_limit="2500.00")])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [])
    con = landing.ingest()
    assert con.execute("SELECT credit_limit, source_file FROM staging.accounts").fetchall() == [
        (__import__("decimal").Decimal("2500.00"), "accounts/accounts_2026-02.csv")]
    assert con.execute("SELECT count(*) FROM staging.account_versions").fetchall()[0][0] == 2


def test_missing_month_is_an_error_naming_it(landing):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account()])
    for m in ("2026-01", "2026-02", "2026-04"):
        landing.write_csv("ledger", m, landing.LED_COLS, [])
    with pytest.raises(ContractError, match="2026-03 missing"):
        landing.ingest()


def test_control_totals(landing, tmp_path):
    import hashlib

    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account()])
    path = landing.write_csv("ledger", "2026-01", landing.LED_COLS, [
        landing.entry("E1", "A1", "2026-01-20", "purchase", "100.00"),
        landing.entry("E2", "A1", "2026-01-21", "fee", "2.50")])
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    (tmp_path / "control").mkdir()
    ctl = tmp_path / "control" / "control_2026-01.json"
    ctl.write_text(json.dumps({"files": {"ledger/ledger_2026-01.csv": {"rows": 2, "amount_sum": "102.50", "sha256": sha}}}))
    landing.ingest()  # matches: no error
    ctl.write_text(json.dumps({"files": {"ledger/ledger_2026-01.csv": {"rows": 2, "amount_sum": "102.49"}}}))
    with pytest.raises(ContractError) as e:
        landing.ingest()
    assert "ledger/ledger_2026-01.csv" in str(e.value) and "102.50 read, 102.49 expected" in str(e.value)
    ctl.write_text(json.dumps({"files": {"ledger/ledger_2026-01.csv": {"rows": 3}}}))
    with pytest.raises(ContractError, match="2 rows read, 3 expected"):
        landing.ingest()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_control_totals_read_amounts_as_the_contract_does(landing, tmp_path, fmt):
    """The amount_sum of a control entry adds the amounts the contract accepts (trimmed), and nothing for
    a value staging rejects: `1_000.00` is not 1000, `12.345` is not 12.35, `1e3` is not 1000."""
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account()])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [
        landing.entry("E1", "A1", "2026-01-20", "purchase", "100.00"),
        landing.entry("E2", "A1", "2026-01-21", "fee", " 2.5 "),
        landing.entry("E3", "A1", "2026-01-21", "fee", "1_000.00"),
        landing.entry("E4", "A1", "2026-01-22", "fee", "12.345"),
        landing.entry("E5", "A1", "2026-01-22", "fee", "1e3")], fmt=fmt)
    (tmp_path / "control").mkdir()
    ctl = tmp_path / "control" / "control_2026-01.json"
    ctl.write_text(json.dumps({"files": {f"ledger/ledger_2026-01.{fmt}": {"rows": 5, "amount_sum": "102.50"}}}))
    con = landing.ingest()  # matches: 100.00 + 2.50; the three others are rejected rows and add nothing
    assert con.execute("SELECT count(*) FROM audit.rejected_rows").fetchall()[0][0] == 3
    ctl.write_text(json.dumps({"files": {f"ledger/ledger_2026-01.{fmt}": {"rows": 5, "amount_sum": "2114.85"}}}))
    with pytest.raises(ContractError, match=r"amount_sum 102\.50 read, 2114\.85 expected"):
        landing.ingest()


@pytest.mark.parametrize("fmt", ["csv.gz", "parquet"])
def test_formats_give_the_same_tables(rules_landing, landing_at, tmp_path, fmt):
    import csv as _csv

    other = landing_at(tmp_path / fmt)
    for entity in ("accounts", "ledger"):
        for f in sorted((rules_landing.path / entity).iterdir()):
            rows = list(_csv.reader(open(f, encoding="utf-8")))
            other.write_csv(entity, f.name.split("_")[1][:7], rows[0], rows[1:], fmt=fmt)
    a, b = rules_landing.ingest(), other.ingest()
    q = "SELECT entry_id, account_id, posted_on, entry_type, amount, line_number FROM staging.ledger ORDER BY entry_id"
    assert a.execute(q).fetchall() == b.execute(q).fetchall()
    q = ("SELECT line_number, replace(replace(reason, '.csv.gz', '.csv'), '.parquet', '.csv') "
         "FROM audit.rejected_rows ORDER BY 1, 2")
    assert a.execute(q).fetchall() == b.execute(q).fetchall()


def test_malformed_lines_and_physical_line_numbers(landing, tmp_path):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account()])
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "ledger_2026-01.csv").write_text(
        "\ufeffEntry_ID ,ACCOUNT_ID,posted_on,entry_type,amount,due_on,reverses_entry_id\n"
        "E1,A1,2026-01-20,purchase,10.00,,\n"
        'E2,A1,2026-01-21,"pay\nment",5.00,,\n'          # lines 3-4: quoted line break → unknown type
        "E3,A1\n"                                         # line 5: too few fields
        "E4,A1,2026-01-22,fee,1.00,,,extra\n"             # line 6: too many fields
        "E5,A1,2026-01-23,fee,1.00,,\n", encoding="utf-8")  # line 7
    con = landing.ingest()
    lines = dict(con.execute("SELECT entry_id, line_number FROM raw.ledger").fetchall())
    assert lines == {"E1": 2, "E2": 3, "E5": 7}
    rej = {n: r for (f, n), r in landing.rejected(con).items() if f.startswith("ledger")}
    assert set(rej) == {3, 5, 6}
    assert "malformed CSV record" in rej[5] and "malformed CSV record" in rej[6]
    # a record that cannot be split keeps its length in bytes, never its text
    raw = {n: (r, b) for n, r, b in con.execute("SELECT line_number, raw, length_bytes FROM audit.rejected_rows").fetchall()}
    assert raw[5] == (None, 5) and raw[6] == (None, 33)
    assert con.execute("SELECT rows_read, rows_loaded, rows_rejected FROM audit.source_files "
                       "WHERE entity = 'ledger'").fetchall()[0] == (5, 2, 3)
    # the entries are stored with their file's month; the view gives the file's name and the line back
    assert con.execute("SELECT entry_id, source_file, line_number FROM staging.ledger ORDER BY 1").fetchall() == [
        ("E1", "ledger/ledger_2026-01.csv", 2), ("E5", "ledger/ledger_2026-01.csv", 7)]
    assert con.execute("SELECT DISTINCT file_month FROM staging.ledger_entries").fetchall() == [(date(2026, 1, 1),)]


def test_file_names_outside_the_contract_are_named(landing, tmp_path):
    # a misnamed file is not read (a warning, tests/assets/raw/test_landing_layout.py); here it was the only
    # ledger file, so the landing is refused for having none, naming the misnamed file
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account()])
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "ledger-2026-01.csv").write_text("x\n")
    with pytest.raises(ContractError, match="ledger/ledger-2026-01.csv: not read: the name does not fit"):
        landing.ingest()


def test_closure_month_is_the_first_month_end_at_zero_balance_after_closed_on(landing):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [
        landing.account("K1", opened="2025-12-01", closed="2026-01-20"),  # owes 50.00 at Jan end, pays in Feb
        landing.account("K2", opened="2025-12-01", closed="2026-01-20"),  # charged off in Jan: never "closed"
        landing.account("K3", opened="2025-12-01", closed="2026-03-05"),  # closed in the last reporting month
    ])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [
        landing.entry("K1a", "K1", "2026-01-05", "purchase", "50.00"),
        landing.entry("K2a", "K2", "2026-01-05", "purchase", "100.00"),
        landing.entry("K2b", "K2", "2026-01-15", "charge_off", "100.00"),
        landing.entry("K3a", "K3", "2026-01-05", "purchase", "10.00"),
    ])
    landing.write_csv("ledger", "2026-02", landing.LED_COLS, [
        landing.entry("K1b", "K1", "2026-02-10", "payment", "50.00"),              # balance 0 at Feb end
        landing.entry("K3b", "K3", "2026-02-10", "payment", "10.00"),
    ])
    landing.write_csv("ledger", "2026-03", landing.LED_COLS, [
        landing.entry("K1c", "K1", "2026-03-02", "fee", "5.00"),                   # 2: after closure at Feb end
        landing.entry("K2c", "K2", "2026-03-02", "recovery", "20.00"),             # 3: ok, charged off not closed
        landing.entry("K3c", "K3", "2026-03-20", "fee", "1.00"),                   # 4: ok, same month as closed_on
    ])
    con = landing.ingest()
    rej = landing.rejected(con)
    assert rej == {("ledger/ledger_2026-03.csv", 2):
                   "fee posted on 2026-03-02 after the account was reported closed at month end 2026-02-28"}
    loaded = {r[0] for r in con.execute("SELECT entry_id FROM staging.ledger").fetchall()}
    assert loaded == {"K1a", "K1b", "K2a", "K2b", "K2c", "K3a", "K3b", "K3c"}


def test_account_key_numbers_accounts_in_id_order_and_every_entry_carries_its_own(rules_landing):
    con = rules_landing.ingest()
    assert con.execute("SELECT account_id, account_key FROM staging.accounts ORDER BY account_key").fetchall() == [
        ("A1", 1), ("A2", 2), ("A3", 3), ("C1", 4)]
    keys = dict(con.execute("SELECT entry_id, account_key FROM staging.ledger").fetchall())
    assert keys == {"E1": 1, "E2": 2, "E3": 4, "P0": 1, "E10": 1, "E20": 3, "E22": 3, "E23": 4, "E24": 1, "E31": 1}


def test_account_keys_are_permanent_across_runs(rules_landing):
    con = rules_landing.ingest()
    # a later run of the same warehouse: a new account B0 arrives, which sorts between A3 and C1
    rules_landing.write_csv("accounts", "2026-03", rules_landing.ACC_COLS, [
        rules_landing.account("A1"), rules_landing.account("A2", "installment"), rules_landing.account("A3"),
        rules_landing.account("B0"), rules_landing.account("C1", "installment", closed="2026-02-20")])
    rules_landing.write_csv("ledger", "2026-04", rules_landing.LED_COLS, [
        rules_landing.entry("E40", "B0", "2026-04-02", "purchase", "9.00")])
    rules_landing.ingest(con)
    assert con.execute("SELECT account_id, account_key FROM staging.accounts ORDER BY account_key").fetchall() == [
        ("A1", 1), ("A2", 2), ("A3", 3), ("C1", 4), ("B0", 5)]
    assert con.execute("SELECT account_id, account_key FROM staging.ledger WHERE entry_id IN ('E3', 'E40') "
                       "ORDER BY 1").fetchall() == [("B0", 5), ("C1", 4)]


def test_account_versions_record_first_and_last_delivery(landing):
    # A1's limit goes 1000 -> 2500 -> 1000: two versions, the first delivered in January and again in March
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [
        landing.account("X0"), landing.account("A1", credit_limit="1000.00")])
    landing.write_csv("accounts", "2026-02", landing.ACC_COLS, [landing.account("A1", credit_limit="2500.00")])
    landing.write_csv("accounts", "2026-03", landing.ACC_COLS, [
        landing.account("X0"), landing.account("X1"), landing.account("A1", credit_limit="1000.00")])
    for month in ("2026-01", "2026-02", "2026-03"):
        landing.write_csv("ledger", month, landing.LED_COLS, [])
    con = landing.ingest()
    got = con.execute("""SELECT account_id, credit_limit::VARCHAR, first_file_month::VARCHAR, last_file_month::VARCHAR,
                                files, source_file, line_number, last_source_file, last_line_number
                         FROM staging.account_versions ORDER BY 1, 3""").fetchall()
    f = "accounts/accounts_2026-0{}.csv".format
    assert got == [
        ("A1", "1000.00", "2026-01-01", "2026-03-01", 2, f(1), 3, f(3), 4),
        ("A1", "2500.00", "2026-02-01", "2026-02-01", 1, f(2), 2, f(2), 2),
        ("X0", "1000.00", "2026-01-01", "2026-03-01", 2, f(1), 2, f(3), 2),
        ("X1", "1000.00", "2026-03-01", "2026-03-01", 1, f(3), 3, f(3), 3)]
    assert con.execute("SELECT account_id, credit_limit::VARCHAR, source_file, line_number FROM staging.accounts "
                       "ORDER BY 1").fetchall() == [("A1", "1000.00", f(3), 4), ("X0", "1000.00", f(3), 2),
                                                    ("X1", "1000.00", f(3), 3)]


def test_a_warehouse_holding_the_ledger_as_a_table_gets_the_view(rules_landing):
    # warehouses written before staging.ledger became a view hold it as a table
    con = connect(":memory:")
    con.execute("CREATE TABLE staging.ledger (entry_id VARCHAR, account_id VARCHAR)")
    rules_landing.ingest(con)
    assert con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'staging' "
                       "AND table_name = 'ledger'").fetchall() == [("VIEW",)]
    assert con.execute("SELECT count(*), count(account_id) FROM staging.ledger").fetchall() == [(10, 10)]
