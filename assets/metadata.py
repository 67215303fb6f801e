"""What every warehouse asset tells Dagster (and so the auditor in the UI): owners, kinds, rows, columns."""

import dagster as dg
import duckdb

OWNERS = ["team:finance-data"]
KINDS = {"duckdb", "sql"}


def table_metadata(con: duckdb.DuckDBPyConnection, table: str, count_from: str | None = None) -> dict:
    """Row count, column schema and name of `table`; the rows are counted on `count_from` when given (the
    stored table behind a view with as many rows, assets.registry.VIEWS)."""
    schema, name = table.split(".")
    cols = con.execute("""SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position""", [schema, name]).fetchall()
    rows = con.execute(f"SELECT count(*) FROM {count_from or table}").fetchall()[0][0]
    return {
        "dagster/row_count": dg.MetadataValue.int(rows),
        "dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn(c, t) for c, t in cols]),
        "dagster/table_name": dg.MetadataValue.text(table),
    }
