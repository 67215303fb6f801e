"""What every warehouse asset tells Dagster (and so the auditor in the UI): rows, columns, owners."""


from typing import Callable

import dagster as dg
import duckdb

from assets.staging.ledger import ENTRIES, ledger_view_sql
from pipelines.resources import WarehouseResource

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


def warehouse_asset(
    *,
    table: str,
    build: Callable[[duckdb.DuckDBPyConnection, WarehouseResource, Callable[[str], None]], dict | int | None],
    deps: list[str] = (),
    group: str,
    description: str,
    code_version: str = "1",
    extra_tables: tuple[str, ...] = (),
) -> dg.AssetsDefinition:
    """An asset that (re)builds one warehouse table by running `build` against the warehouse.

    The asset key is the table name split on the dot (`staging.ledger` → staging/ledger), so the lineage
    graph and the warehouse use the same names. `extra_tables` are side tables the same step writes
    (their row counts are recorded as metadata)."""
    schema, name = table.split(".")

    @dg.asset(
        key=dg.AssetKey([schema, name]),
        deps=[dg.AssetKey(d.split(".")) for d in deps],
        group_name=group,
        description=description,
        owners=OWNERS,
        code_version=code_version,
        kinds=KINDS,
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connection() as con:
            summary = build(con, warehouse, context.log.info)
            meta = table_metadata(con, table)
            for extra in extra_tables:
                meta[f"rows in {extra}"] = dg.MetadataValue.int(
                    con.execute(f"SELECT count(*) FROM {extra}").fetchall()[0][0])
        if isinstance(summary, dict):
            meta.update({k: v for k, v in summary.items() if isinstance(v, (int, float, str))})
        return dg.MaterializeResult(metadata=meta)

    _asset.__name__ = f"{schema}_{name}"
    return _asset
