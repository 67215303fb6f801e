"""What every table asset tells Dagster (and so the auditor in the UI): owners, kinds, and for each table
its column schema with the spec's description of each column (assets/columns.py), the column lineage of
the marts (assets/lineage.py), and per materialization the row count and the months the table holds."""

import dagster as dg
import duckdb

from assets.columns import COLUMNS, column_descriptions, declared_schema
from assets.lineage import lineage_metadata

OWNERS = ["team:finance-data"]
KINDS = {"duckdb", "sql"}

# The month ends a table covers, for tables without a month_end column of their own: a raw view and the
# staging table read from it cover the months of their entity's files; staging.ledger the reporting months.
# The audit tables cover the months of the files read.
_MONTHS_FROM = {
    **{f"{schema}.{entity}": f"SELECT last_day(file_month) FROM raw.files WHERE entity = '{entity}'"
       for schema in ("raw", "staging") for entity in ("accounts", "ledger", "complaints")},
    "raw.fx": "SELECT last_day(file_month) FROM raw.files WHERE entity = 'fx'",
    "staging.ledger": "SELECT month_end FROM staging.reporting_months",
    "audit.source_files": "SELECT last_day(file_month) FROM audit.source_files",
    "audit.rejected_rows": "SELECT last_day(file_month) FROM raw.files",  # the months of the files judged
}


def definition_metadata(table: str) -> dict:
    """What an asset shows before any run: its declared column schema, its table name and, for a mart,
    its column lineage."""
    return {"dagster/column_schema": declared_schema(table), "dagster/table_name": dg.MetadataValue.text(table),
            **lineage_metadata(table)}


def months_metadata(con: duckdb.DuckDBPyConnection, table: str) -> dict:
    """The month ends `table` holds: the first, the last and how many (none for an empty table)."""
    source = _MONTHS_FROM.get(table, f"SELECT month_end FROM {table}")
    first, last, months = con.execute(
        f"SELECT min(m), max(m), count(DISTINCT m) FROM ({source}) AS t(m)").fetchall()[0]
    if last is None:
        return {"months": dg.MetadataValue.int(0)}
    return {"first month_end": dg.MetadataValue.text(f"{first:%Y-%m-%d}"),
            "last month_end": dg.MetadataValue.text(f"{last:%Y-%m-%d}"),
            "months": dg.MetadataValue.int(months)}


def table_metadata(con: duckdb.DuckDBPyConnection, table: str, count_from: str | None = None) -> dict:
    """Row count, column schema (the built table's names and types, with each column's declared
    description), name, months held and (marts) column lineage of `table`; the rows are counted on
    `count_from` when given (the stored table behind a view with as many rows, assets.registry.VIEWS)."""
    schema, name = table.split(".")
    cols = con.execute("""SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position""", [schema, name]).fetchall()
    rows = con.execute(f"SELECT count(*) FROM {count_from or table}").fetchall()[0][0]
    described = column_descriptions(table) if table in COLUMNS else {}
    return {
        "dagster/row_count": dg.MetadataValue.int(rows),
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(c, t, description=described.get(c)) for c, t in cols]),
        "dagster/table_name": dg.MetadataValue.text(table),
        **months_metadata(con, table),
        **lineage_metadata(table),
    }
