"""raw.files (one row per landing file read: its hash, size, rows and the columns it gives) and the raw
tables of an entity, created afresh for each run."""

from __future__ import annotations

import duckdb

from assets.sql import sql_literal

from .contract import CONTRACT

# One row per file read (every entity); staging.ledger_entries names each entry's file by its month,
# which this table turns back into the file's name (exactly one file per entity and month).
FILES_DDL = """CREATE TABLE IF NOT EXISTS raw.files (entity VARCHAR, source_file VARCHAR, file_month DATE,
    format VARCHAR, sha256 VARCHAR, bytes BIGINT, rows_read BIGINT, rows_malformed BIGINT,
    dropped_personal_columns VARCHAR[], ignored_columns VARCHAR[], absent_optional_columns VARCHAR[],
    read_at TIMESTAMP, location VARCHAR, mtime_ns BIGINT, columns VARCHAR)"""


def files_by_month(entity: str) -> str:
    """Subquery (source_file, file_month) of the entity's files read: one file per month, so a month
    names its file (staging stores the month where it needs the file)."""
    return f"(SELECT source_file, file_month FROM raw.files WHERE entity = {sql_literal(entity)})"


def create_raw_tables(con: duckdb.DuckDBPyConnection, entity: str) -> None:
    cols = ", ".join(f"{c.name} VARCHAR" for c in CONTRACT[entity])
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'raw' "
                       "AND table_name = ?", [entity]).fetchall()
    if kind:
        con.execute(f"DROP {'VIEW' if kind[0][0] == 'VIEW' else 'TABLE'} raw.{entity}")
    con.execute(f"CREATE OR REPLACE TABLE raw.{entity}_text (source_file VARCHAR, file_month DATE, "
                f"line_number BIGINT, {cols})")
    # A warehouse written by an earlier version has raw.files without the columns staging now reads
    # (location, mtime_ns, columns); every run rewrites raw.files, so the old table is simply replaced.
    have = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_schema = 'raw' AND table_name = 'files'").fetchall()}
    if have and "columns" not in have:
        con.execute("DROP TABLE raw.files")
    con.execute(FILES_DDL)
    # raw.malformed: the records the CSV reader could not split into the header's columns. `raw` is
    # always NULL (such a record keeps no text: it may hold any column, dropped ones included);
    # `length_bytes` is the record's length in bytes, without its line break. A table written by an
    # earlier version gains the column and loses any text it kept.
    con.execute("""CREATE TABLE IF NOT EXISTS raw.malformed (entity VARCHAR, source_file VARCHAR,
        line_number BIGINT, reason VARCHAR, raw VARCHAR, length_bytes BIGINT)""")
    con.execute("ALTER TABLE raw.malformed ADD COLUMN IF NOT EXISTS length_bytes BIGINT")
    con.execute("UPDATE raw.malformed SET raw = NULL WHERE raw IS NOT NULL")
    con.execute("DELETE FROM raw.files WHERE entity = ?", [entity])
    con.execute("DELETE FROM raw.malformed WHERE entity = ?", [entity])
