"""Reject bookkeeping of the staging builders: typing the rows read, collecting the rows that break a rule
(file, line, reason) and saving them with the raw text of the contract's columns."""

from __future__ import annotations

import duckdb

from assets.sql import sql_literal

from .rules import raw_json
from .sources import typed_rows


def type_rows(con: duckdb.DuckDBPyConnection, entity: str, files: list[str] | None = None) -> None:
    """TEMP `_typed`: every row of the entity read by raw (of `files` only, when given), typed, with
    `reason` naming the row rules it breaks."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _typed AS {typed_rows(con, entity, files)}")


def add_rejects(con: duckdb.DuckDBPyConnection, select_sql: str, params: list | None = None) -> int:
    """Append rows (source_file, line_number, reason) to TEMP `_rejects` (created on first use)."""
    con.execute("CREATE TEMP TABLE IF NOT EXISTS _rejects (source_file VARCHAR, line_number BIGINT, reason VARCHAR)")
    before = con.execute("SELECT count(*) FROM _rejects").fetchall()[0][0]
    con.execute(f"INSERT INTO _rejects {select_sql}", params or [])
    return con.execute("SELECT count(*) FROM _rejects").fetchall()[0][0] - before


def save_rejects(con: duckdb.DuckDBPyConnection, entity: str) -> int:
    """staging.<entity>_rejected: the rows rejected by the staging rules, with the raw text of the
    contract's columns as read (a dropped personal-data column was never read, so it is not there).
    Only the files that have rejected rows are read again for their text."""
    files = [r[0] for r in con.execute("SELECT DISTINCT source_file FROM _rejects ORDER BY 1").fetchall()]
    in_files = ", ".join(sql_literal(f) for f in files) or "NULL"
    con.execute(f"""CREATE OR REPLACE TABLE staging.{entity}_rejected AS
        SELECT x.source_file, x.line_number, x.reason, {raw_json(entity)} AS raw
        FROM _rejects x JOIN (SELECT * FROM raw.{entity} WHERE source_file IN ({in_files})) r
             USING (source_file, line_number)
        ORDER BY x.source_file, x.line_number""")
    n = con.execute(f"SELECT count(*) FROM staging.{entity}_rejected").fetchall()[0][0]
    con.execute("DROP TABLE IF EXISTS _rejects")
    return n


def survivors(con: duckdb.DuckDBPyConnection, alias: str = "t") -> str:
    """Condition: the typed row breaks no row rule and is not yet in `_rejects` (the anti-join is left
    out while `_rejects` holds only row-rule rejects, which `reason` already marks: the common case)."""
    con.execute("CREATE TEMP TABLE IF NOT EXISTS _rejects (source_file VARCHAR, line_number BIGINT, reason VARCHAR)")
    cross_row = con.execute("SELECT (SELECT count(*) FROM _rejects) "
                            "- (SELECT count(*) FROM _typed WHERE reason IS NOT NULL)").fetchall()[0][0]
    if not cross_row:
        return f"{alias}.reason IS NULL"
    return (f"{alias}.reason IS NULL AND NOT EXISTS (SELECT 1 FROM _rejects x "
            f"WHERE x.source_file = {alias}.source_file AND x.line_number = {alias}.line_number)")
