"""What every warehouse asset tells Dagster (and so the auditor in the UI): owners, kinds, rows, columns."""

import dagster as dg
import duckdb

from assets.staging.ledger import ENTRIES, ledger_view_sql

OWNERS = ["team:finance-data"]
KINDS = {"duckdb", "sql"}
# The warehouse's views over one stored table with as many rows: (that table, the view's SELECT given
# a sample clause for the stored table). Rows are counted, and GX samples taken, on the stored table:
# counting or sampling the view itself would first compute its join over every row.
VIEWS = {"staging.ledger": (ENTRIES, ledger_view_sql)}


def table_metadata(con: duckdb.DuckDBPyConnection, table: str) -> dict:
    """Row count, column schema and name of `table` (a view of VIEWS is counted on its stored table)."""
    schema, name = table.split(".")
    cols = con.execute("""SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position""", [schema, name]).fetchall()
    rows = con.execute(f"SELECT count(*) FROM {VIEWS.get(table, (table,))[0]}").fetchall()[0][0]
    return {
        "dagster/row_count": dg.MetadataValue.int(rows),
        "dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn(c, t) for c, t in cols]),
        "dagster/table_name": dg.MetadataValue.text(table),
    }
