"""The Dagster assets of the registered warehouse tables (assets/registry.py), and what each tells Dagster
(and so the auditor in the UI): rows, columns, owners."""

import inspect
from typing import Callable

import dagster as dg

from assets.metadata import KINDS, OWNERS, definition_metadata, table_metadata
from assets.publishing import fault_point
from assets.registry import TABLES, VIEWS, Table
from assets.versioning import code_version_of
from assets.warehouse import WarehouseResource



def description_of(build: Callable) -> str:
    """The builder's docstring as the asset's description: Markdown, its indentation removed (an
    indented docstring line would otherwise render as a code block in the Dagster UI)."""
    return inspect.cleandoc(build.__doc__ or "")


def warehouse_asset(table: Table) -> dg.AssetsDefinition:
    """The asset that (re)builds one registered table by running its builder against the warehouse.

    The asset key is the table name split on the dot (`staging.ledger` → staging/ledger), so the lineage
    graph and the warehouse use the same names. Its code version is that of the builder's module (and
    everything it imports), so Dagster marks the table when its logic changed since it was built. The row
    counts of the builder's side tables are recorded as metadata."""
    schema, name = table.name.split(".")

    @dg.asset(
        key=dg.AssetKey([schema, name]),
        deps=[dg.AssetKey(d.split(".")) for d in table.reads],
        group_name=table.group,
        description=description_of(table.build),
        owners=OWNERS,
        code_version=code_version_of(table.build.__module__),
        kinds=KINDS,
        metadata=definition_metadata(table.name),
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        settings = {"tolerance": warehouse.dpd_tolerance, "log": context.log.info}
        with warehouse.connection() as con:
            summary = table.build(con, **{p: settings[p] for p in table.params})
            fault_point(f"asset:{table.name}")
            meta = table_metadata(con, table.name, VIEWS.get(table.name, (None,))[0])
            for extra in table.side_tables:
                meta[f"rows in {extra}"] = dg.MetadataValue.int(
                    con.execute(f"SELECT count(*) FROM {extra}").fetchall()[0][0])
        if isinstance(summary, dict):
            meta.update({k: v for k, v in summary.items() if isinstance(v, (int, float, str))})
        return dg.MaterializeResult(metadata=meta)

    _asset.__name__ = f"{schema}_{name}"
    return _asset


ASSETS = [warehouse_asset(t) for t in TABLES]
