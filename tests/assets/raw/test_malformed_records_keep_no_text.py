"""raw.malformed keeps no text of a record it holds: not of the records read now, not of those an earlier
version of the warehouse kept (the table gains length_bytes and loses that text on the next load)."""

from __future__ import annotations

from assets.raw.load import load_entity
from assets.warehouse import connect


def test_an_earlier_raw_malformed_gains_length_bytes_and_loses_its_text(landing):
    con = connect(":memory:")
    con.execute("CREATE TABLE raw.malformed (entity VARCHAR, source_file VARCHAR, line_number BIGINT, "
                "reason VARCHAR, raw VARCHAR)")
    con.execute("INSERT INTO raw.malformed VALUES ('accounts', 'accounts/accounts_2025-12.csv', 7, "
                "'malformed CSV record: missing columns', 'A9,536271849')")
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [landing.entry("E1", "A1", "2026-01-20", "fee", "1.00")])
    with open(landing.path / "ledger" / "ledger_2026-01.csv", "a") as fh:
        fh.write("E2,A1\n")  # line 3: too few fields
    load_entity(con, str(landing.path), "ledger")
    assert con.execute("SELECT entity, source_file, line_number, reason, raw, length_bytes FROM raw.malformed "
                       "ORDER BY entity").fetchall() == [
        ("accounts", "accounts/accounts_2025-12.csv", 7, "malformed CSV record: missing columns", None, None),
        ("ledger", "ledger/ledger_2026-01.csv", 3, "malformed CSV record: expected 7 fields, found 2", None, 5),
    ]
