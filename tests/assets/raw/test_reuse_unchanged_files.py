"""A CSV file whose bytes are those the raw layer read before keeps the rows read then (load_entity with
reuse, as arrears run does); a changed, new or removed file is read again, so the raw tables are those
a fresh read gives."""

from __future__ import annotations

from assets.raw.load import load_entity
from assets.warehouse import connect

RAW_TABLES = {
    "raw.ledger_text": "SELECT * FROM raw.ledger_text ORDER BY source_file, line_number",
    "raw.malformed": "SELECT * FROM raw.malformed ORDER BY source_file, line_number",
    "raw.files": "SELECT * EXCLUDE (read_at, mtime_ns) FROM raw.files ORDER BY source_file",
}


def tables(con) -> dict[str, list]:
    return {name: con.execute(sql).fetchall() for name, sql in RAW_TABLES.items()}


def test_unchanged_files_keep_their_rows_and_changed_ones_are_read_again(landing):
    e = landing.entry
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [e("E1", "A1", "2026-01-20", "fee", "1.00")])
    jan = landing.path / "ledger" / "ledger_2026-01.csv"
    jan.write_text(jan.read_text() + "E9,A1,2026-01-21,fee\n")  # a malformed record (4 fields of 7), line 3
    landing.write_csv("ledger", "2026-02", landing.LED_COLS, [e("E2", "A1", "2026-02-20", "fee", "2.00")])
    landing.write_csv("ledger", "2026-03", landing.LED_COLS, [e("E3", "A1", "2026-03-20", "fee", "3.00")])
    con = connect(":memory:")
    load_entity(con, str(landing.path), "ledger", reuse=True)
    first_read = con.execute("SELECT source_file, read_at FROM raw.files ORDER BY 1").fetchall()

    # February delivered again with another row, March removed, April new
    landing.write_csv("ledger", "2026-02", landing.LED_COLS, [e("E2", "A1", "2026-02-20", "fee", "2.50")])
    (landing.path / "ledger" / "ledger_2026-03.csv").unlink()
    landing.write_csv("ledger", "2026-04", landing.LED_COLS, [e("E4", "A1", "2026-04-20", "fee", "4.00")])
    log: list[str] = []
    load_entity(con, str(landing.path), "ledger", log.append, reuse=True)
    assert log == ["ledger: 1/3 ledger/ledger_2026-01.csv: 2 rows kept (unchanged since it was read), 1 malformed",
                   "ledger: 2/3 ledger/ledger_2026-02.csv: 1 rows read",
                   "ledger: 3/3 ledger/ledger_2026-04.csv: 1 rows read"]
    # January keeps when it was read; its rows, malformed record included, are those of a fresh read
    read_at = dict(con.execute("SELECT source_file, read_at FROM raw.files").fetchall())
    assert read_at["ledger/ledger_2026-01.csv"] == dict(first_read)["ledger/ledger_2026-01.csv"]
    fresh = connect(":memory:")
    load_entity(fresh, str(landing.path), "ledger")
    assert tables(con) == tables(fresh)
    assert con.execute("SELECT source_file, line_number, amount FROM raw.ledger ORDER BY 1, 2").fetchall() == [
        ("ledger/ledger_2026-01.csv", 2, "1.00"), ("ledger/ledger_2026-02.csv", 2, "2.50"),
        ("ledger/ledger_2026-04.csv", 2, "4.00")]
    assert con.execute("SELECT source_file, line_number FROM raw.malformed").fetchall() == [
        ("ledger/ledger_2026-01.csv", 3)]

    # without reuse (arrears run --rebuild) every file is read again
    log.clear()
    load_entity(con, str(landing.path), "ledger", log.append)
    assert not any("kept" in line for line in log) and tables(con) == tables(fresh)
