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


def previous_reads(con: duckdb.DuckDBPyConnection, entity: str) -> dict[str, tuple]:
    """{source_file: (sha256, format, file_month, rows_read, rows_malformed, read_at)} of the entity's CSV
    files as the warehouse's raw layer holds them (the last published run's reads); {} when it holds
    none in this version's layout."""
    text_cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE "
                                           "table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
                                           [f"{entity}_text"]).fetchall()]
    have = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_schema = 'raw' AND table_name = 'files'").fetchall()}
    if text_cols != _text_columns(entity) or "columns" not in have:
        return {}
    return {r[0]: r[1:] for r in con.execute(
        "SELECT source_file, sha256, format, file_month, rows_read, rows_malformed, read_at FROM raw.files "
        "WHERE entity = ? AND format IN ('csv', 'csv.gz')", [entity]).fetchall()}


def _text_columns(entity: str) -> list[str]:
    return ["source_file", "file_month", "line_number", *(c.name for c in CONTRACT[entity])]


def create_raw_tables(con: duckdb.DuckDBPyConnection, entity: str, keep: frozenset[str] = frozenset()) -> None:
    """The entity's raw tables, emptied but for the rows of the CSV files in `keep` (files read by an
    earlier run whose bytes are unchanged: their rows are what reading them again would give)."""
    cols = ", ".join(f"{c.name} VARCHAR" for c in CONTRACT[entity])
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'raw' "
                       "AND table_name = ?", [entity]).fetchall()
    if kind:
        con.execute(f"DROP {'VIEW' if kind[0][0] == 'VIEW' else 'TABLE'} raw.{entity}")
    kept = ", ".join(sql_literal(f) for f in sorted(keep)) or "NULL"
    if keep:
        con.execute(f"DELETE FROM raw.{entity}_text WHERE source_file NOT IN ({kept})")
    else:
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
    con.execute("DELETE FROM raw.malformed WHERE entity = ?"
                + (f" AND source_file NOT IN ({kept})" if keep else ""), [entity])
