"""audit.source_files and audit.rejected_rows: what was read, what was loaded, what was rejected and why."""

from __future__ import annotations

import duckdb

from assets.sql import table_exists

from .ledger import FILE_MONTHS

# Rows loaded per file, for each entity: counted from where its valid rows are kept (staging.ledger_entries
# holds every loaded entry; accounts keep only changed versions, so staging counts its valid rows per
# file as it loads them; complaint_versions holds every valid complaint row).
LOADED = {
    "accounts": ("staging.account_rows_loaded", "SELECT source_file, rows_loaded AS n FROM staging.account_rows_loaded"),
    "ledger": ("staging.ledger_entries",  # which names each entry's file by its month (one ledger file a month)
               f"""SELECT f.source_file, l.n FROM (SELECT file_month, count(*) AS n FROM staging.ledger_entries
                                                   GROUP BY file_month) l JOIN {FILE_MONTHS} f USING (file_month)"""),
    "complaints": ("staging.complaint_versions",
                   "SELECT source_file, count(*) AS n FROM staging.complaint_versions GROUP BY source_file"),
    "fx": ("staging.fx_rates", "SELECT source_file, count(*) AS n FROM staging.fx_rates GROUP BY source_file"),
}


def build_rejected_rows(con: duckdb.DuckDBPyConnection) -> int:
    """audit.rejected_rows: one row per input row not loaded — file, line, reason, raw text, entity and
    length_bytes. A row rejected by a row rule keeps in `raw` its contract columns as read (JSON) and no
    length; a record the CSV reader could not split into columns keeps no text (`raw` NULL: it may hold
    any column, dropped personal data included) but its length in bytes, without its line break."""
    parts = ["SELECT entity, source_file, line_number, reason, raw, length_bytes FROM raw.malformed"]
    for entity in LOADED:
        if table_exists(con, f"staging.{entity}_rejected"):
            parts.append(f"SELECT '{entity}', source_file, line_number, reason, raw, NULL::BIGINT "
                         f"FROM staging.{entity}_rejected")
    con.execute(f"""CREATE OR REPLACE TABLE audit.rejected_rows AS
        SELECT source_file, line_number, reason, raw, entity, length_bytes FROM ({' UNION ALL '.join(parts)})
        ORDER BY source_file, line_number""")
    return con.execute("SELECT count(*) FROM audit.rejected_rows").fetchall()[0][0]


def build_source_files(con: duckdb.DuckDBPyConnection) -> int:
    """audit.source_files: one row per file read — its sha256, rows read, loaded and rejected.

    rows_read counts the file's records (header excluded) as raw read them; rows_loaded counts the rows
    of that file that passed every rule (for accounts and complaints, superseded versions included: they
    were loaded, then replaced by a later file); rows_rejected counts its rows in audit.rejected_rows.
    The three are counted independently, so the check rows_read = rows_loaded + rows_rejected means
    something. loaded_at is when the file was read (the only column that differs between re-runs)."""
    loaded = " UNION ALL ".join(sql for table, sql in LOADED.values() if table_exists(con, table))
    con.execute(f"""CREATE OR REPLACE TABLE audit.source_files AS
        SELECT f.source_file, f.sha256, f.rows_read, coalesce(l.n, 0) AS rows_loaded,
               coalesce(r.n, 0) AS rows_rejected, f.read_at AS loaded_at,
               f.entity, f.file_month, f.format, f.bytes,
               f.dropped_personal_columns, f.ignored_columns, f.absent_optional_columns
        FROM raw.files f
        LEFT JOIN ({loaded}) l USING (source_file)
        LEFT JOIN (SELECT source_file, count(*) AS n FROM audit.rejected_rows GROUP BY 1) r USING (source_file)
        ORDER BY f.entity, f.file_month""")
    return con.execute("SELECT count(*) FROM audit.source_files").fetchall()[0][0]
