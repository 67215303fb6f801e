"""Parquet read in place: typed columns (DATE, DECIMAL, integers) are used as they are, any other type is
judged from its text exactly like a CSV value; the raw view shows every row as text with its line."""

import json
import os
from datetime import date
from decimal import Decimal as D

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.raw.landing import ContractError
from assets.raw.load import load_entity
from assets.staging.accounts import build_accounts
from assets.staging.ledger import build_ledger
from assets.warehouse import connect


def _write(landing, entity, month, columns: dict[str, tuple[pa.DataType, list]]):
    os.makedirs(landing / entity, exist_ok=True)
    table = pa.table({name: pa.array(values, type=t) for name, (t, values) in columns.items()})
    path = landing / entity / f"{entity}_{month}.parquet"
    pq.write_table(table, path)
    return path


def _accounts(landing):
    _write(landing, "accounts", "2026-01", {
        "account_id": (pa.string(), ["A1", "A2"]),
        "portfolio": (pa.string(), ["cards", "loans"]),
        "product_type": (pa.string(), ["revolving", "installment"]),
        "opened_on": (pa.date32(), [date(2025, 6, 1), date(2026, 1, 2)]),
        "closed_on": (pa.date32(), [None, None]),
        "currency": (pa.string(), ["USD", "USD"]),
        "credit_limit": (pa.decimal128(18, 2), [D("1000.00"), None]),
        "original_principal": (pa.decimal128(18, 2), [None, D("5000.00")]),
        "region": (pa.string(), ["NY", None]),
        # Full Name is personal data: dropped on read, never in the warehouse
        "Full Name": (pa.string(), ["Ann Example", "Bo Example"]),
    })


LEDGER_TYPES = {"entry_id": pa.string(), "account_id": pa.string(), "posted_on": pa.date32(),
                "entry_type": pa.string(), "due_on": pa.date32(), "reverses_entry_id": pa.string()}


def _ledger(landing, month, rows, amount_type):
    cols = ["entry_id", "account_id", "posted_on", "entry_type", "amount", "due_on", "reverses_entry_id"]
    return _write(landing, "ledger", month, {
        c: (amount_type if c == "amount" else LEDGER_TYPES[c], [r[i] for r in rows]) for i, c in enumerate(cols)})


@pytest.fixture
def parquet_landing(landing):
    """Accounts and three months of ledger as Parquet, the amount typed DECIMAL, DOUBLE, then BIGINT."""
    _accounts(landing.path)
    jan = [  # amount DECIMAL(12,2): native
        ("E1", "A1", date(2026, 1, 5), "purchase", D("100.00"), None, None),          # line 2: loaded
        ("E2", "A1", date(2026, 1, 6), "fee", D("-5.00"), None, None),                # line 3: amount <= 0
        ("E3", "A1", date(2026, 2, 3), "fee", D("1.00"), None, None),                 # line 4: outside month
        ("E4", "A1", date(2026, 1, 7), "bogus", D("1.00"), None, None),               # line 5: unknown type
        ("E5", "A1", date(2026, 1, 8), "fee", None, None, None),                      # line 6: no amount
        ("E6", "A2", date(2026, 1, 9), "due", D("50.00"), None, None),                # line 7: due without due_on
        ("E7", "A2", date(2026, 1, 9), "due", D("50.00"), date(2026, 1, 25), None),   # line 8: loaded
        ("E8", "A9", date(2026, 1, 9), "fee", D("2.00"), None, None),                 # line 9: unknown account
    ]
    _ledger(landing.path, "2026-01", jan, pa.decimal128(12, 2))
    feb = [  # amount DOUBLE: not a money type, so judged from its text like a CSV value
        ("F1", "A1", date(2026, 2, 1), "purchase", 20.5, None, None),                 # line 2: loaded as 20.50
        ("F2", "A1", date(2026, 2, 2), "purchase", 12.345, None, None),               # line 3: 3 decimals
    ]
    _ledger(landing.path, "2026-02", feb, pa.float64())
    mar = [  # amount BIGINT: whole units, native
        ("M1", "A1", date(2026, 3, 1), "payment", 30, None, None),                    # line 2: loaded as 30.00
    ]
    _ledger(landing.path, "2026-03", mar, pa.int64())
    return landing


def test_native_columns_and_rules(parquet_landing):
    con = parquet_landing.ingest()
    got = con.execute("SELECT entry_id, posted_on, amount, due_on, line_number FROM staging.ledger "
                      "ORDER BY entry_id").fetchall()
    assert got == [("E1", date(2026, 1, 5), D("100.00"), None, 2), ("E7", date(2026, 1, 9), D("50.00"), date(2026, 1, 25), 8),
                   ("F1", date(2026, 2, 1), D("20.50"), None, 2), ("M1", date(2026, 3, 1), D("30.00"), None, 2)]
    rej = {(f.split("_")[1][:7], n): r for (f, n), r in parquet_landing.rejected(con).items() if f.startswith("ledger")}
    assert rej == {
        ("2026-01", 3): "amount must be > 0: '-5.00'",
        ("2026-01", 4): "posted_on 2026-02-03 is outside the file's month 2026-01",
        ("2026-01", 5): "unknown entry_type 'bogus' (expected disbursement | purchase | interest | fee | payment | "
                        "payment_reversal | credit_adjustment | waiver | charge_off | recovery | due)",
        ("2026-01", 6): "missing required field amount",
        ("2026-01", 7): "due_on is required for a due",
        ("2026-01", 9): "unknown account_id 'A9' (no valid row in any accounts file)",
        ("2026-02", 3): "amount has more than 2 decimals: '12.345'",
    }
    # the rejected row's raw text is the row as read, cast to text
    raw = json.loads(con.execute("SELECT raw FROM audit.rejected_rows WHERE source_file = 'ledger/ledger_2026-01.parquet' "
                                 "AND line_number = 3").fetchall()[0][0])
    assert raw == {"entry_id": "E2", "account_id": "A1", "posted_on": "2026-01-06", "entry_type": "fee",
                   "amount": "-5.00", "due_on": None, "reverses_entry_id": None}
    assert con.execute("SELECT source_file, rows_read, rows_loaded, rows_rejected FROM audit.source_files "
                       "WHERE entity = 'ledger' ORDER BY 1").fetchall() == [
        ("ledger/ledger_2026-01.parquet", 8, 2, 6), ("ledger/ledger_2026-02.parquet", 2, 1, 1),
        ("ledger/ledger_2026-03.parquet", 1, 1, 0)]


def test_raw_view_and_manifest(parquet_landing):
    con = parquet_landing.ingest()
    assert con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'raw' "
                       "AND table_name = 'ledger'").fetchall() == [("VIEW",)]
    assert con.execute("SELECT entry_id, posted_on, amount, line_number FROM raw.ledger "
                       "WHERE source_file = 'ledger/ledger_2026-01.parquet' ORDER BY line_number LIMIT 2").fetchall() == [
        ("E1", "2026-01-05", "100.00", 2), ("E2", "2026-01-06", "-5.00", 3)]
    columns = json.loads(con.execute("SELECT columns FROM raw.files WHERE source_file = "
                                     "'ledger/ledger_2026-02.parquet'").fetchall()[0][0])
    assert columns["amount"] == {"source": "amount", "type": "DOUBLE"}
    assert columns["posted_on"] == {"source": "posted_on", "type": "DATE"}
    # the personal-data column is listed as dropped and appears nowhere in the warehouse
    assert con.execute("SELECT dropped_personal_columns FROM raw.files WHERE entity = 'accounts'").fetchall() == [
        (["Full Name"],)]
    assert "Ann" not in str(con.execute("SELECT * FROM raw.accounts").fetchall())
    assert con.execute("SELECT account_id, opened_on, credit_limit, original_principal FROM staging.accounts "
                       "ORDER BY 1").fetchall() == [("A1", date(2025, 6, 1), D("1000.00"), None),
                                                    ("A2", date(2026, 1, 2), None, D("5000.00"))]


def test_a_file_changed_after_raw_read_it_stops_staging(parquet_landing):
    con = connect(":memory:")
    for entity in ("accounts", "ledger", "complaints"):
        load_entity(con, str(parquet_landing.path), entity)
    build_accounts(con)
    _ledger(parquet_landing.path, "2026-03", [("M1", "A1", date(2026, 3, 1), "payment", 31, None, None)], pa.int64())
    os.utime(parquet_landing.path / "ledger" / "ledger_2026-03.parquet", ns=(1, 1))
    with pytest.raises(ContractError, match="ledger/ledger_2026-03.parquet: the file changed after the raw step"):
        build_ledger(con)


def test_raw_sample_reads_each_file_before_the_text_cast(parquet_landing):
    from assets.raw.views import raw_select

    con = parquet_landing.ingest()
    whole = sorted(con.execute("SELECT * FROM raw.ledger").fetchall())
    assert sorted(con.execute(raw_select(con, "ledger", 100.0)).fetchall()) == whole  # 100 %: every row
    assert con.execute(f"SELECT count(*) FROM ({raw_select(con, 'ledger', 0.0)})").fetchall() == [(0,)]


def test_a_parquet_sample_is_one_seeded_block_of_each_file():
    from assets.raw.views import sample_block

    # 30 % of 10 rows: 3 consecutive rows; the offset comes from the hash, so the same file gives the same block
    assert sample_block(10, 0.3, "000000000005") == (5, 7)
    assert sample_block(10, 0.3, "000000000008") == (0, 2)  # 8 mod (10 - 3 + 1) = 0
    assert sample_block(10, 1.0, "abc") == (0, 9)
    assert sample_block(10, 0.0, "abc") == (0, -1)  # nothing
    assert sample_block(0, 0.5, "abc") == (0, -1)


def test_a_warehouse_from_the_earlier_raw_layout_is_upgraded(parquet_landing):
    """Before raw read Parquet in place, raw.ledger was a table and raw.files had no location/columns."""
    con = connect(":memory:")
    con.execute("""CREATE TABLE raw.files (entity VARCHAR, source_file VARCHAR, file_month DATE, format VARCHAR,
        sha256 VARCHAR, bytes BIGINT, rows_read BIGINT, rows_malformed BIGINT, dropped_personal_columns VARCHAR[],
        ignored_columns VARCHAR[], absent_optional_columns VARCHAR[], read_at TIMESTAMP)""")
    con.execute("CREATE TABLE raw.ledger (source_file VARCHAR, file_month DATE, line_number BIGINT, entry_id VARCHAR)")
    con = parquet_landing.ingest(con)
    assert con.execute("SELECT count(*) FROM raw.files WHERE location IS NOT NULL").fetchall() == [(4,)]  # 1 accounts + 3 ledger files
    assert con.execute("SELECT count(*) FROM staging.ledger").fetchall() == [(4,)]
