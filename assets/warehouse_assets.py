"""The Dagster assets of the registered warehouse tables (assets/registry.py), and what each tells Dagster
(and so the auditor in the UI): rows, columns, owners."""

import inspect
import warnings
from typing import Callable

import dagster as dg

from assets.metadata import KINDS, OWNERS, definition_metadata, table_metadata
from assets.partitions import mapping, window_months
from assets.publishing import fault_point
from assets.raw.assets import REREAD_TAG
from assets.registry import BY_NAME, TABLES, VIEWS, Table, reach
from assets.versioning import code_version_of
from assets.warehouse import WarehouseResource


def description_of(build: Callable) -> str:
    """The builder's docstring as the asset's description: Markdown, its indentation removed (an
    indented docstring line would otherwise render as a code block in the Dagster UI)."""
    return inspect.cleandoc(build.__doc__ or "")


def _dep(table: Table, read: str) -> dg.AssetDep:
    """The dependency on `read`, with the months of it the table reads when `read` is per month."""
    key = dg.AssetKey(read.split("."))
    if read in BY_NAME and BY_NAME[read].per_month:
        return dg.AssetDep(key, partition_mapping=mapping(table.month_offsets(read)))
    return dg.AssetDep(key)


def warehouse_asset(table: Table, months: dg.PartitionsDefinition | None = None) -> dg.AssetsDefinition:
    """The asset that (re)builds one registered table by running its builder against the warehouse.

    The asset key is the table name split on the dot (`staging.ledger` → staging/ledger), so the lineage
    graph and the warehouse use the same names. Its code version is that of the builder's module (and
    everything it imports), so Dagster marks the table when its logic changed since it was built. The row
    counts of the builder's side tables are recorded as metadata. A per-month table is partitioned by
    `months` (the reporting months) and backfilled in one run over a range of months; its builder is given
    the range's first and last month end."""
    schema, name = table.name.split(".")
    partitioned = table.per_month and months is not None

    @dg.asset(
        key=dg.AssetKey([schema, name]),
        deps=[_dep(table, d) for d in table.reads],
        partitions_def=months if partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if partitioned else None,
        group_name=table.group,
        description=description_of(table.build),
        owners=OWNERS,
        code_version=code_version_of(table.build.__module__),
        kinds=KINDS,
        metadata=definition_metadata(table.name),
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        settings = {"tolerance": warehouse.dpd_tolerance, "log": context.log.info, "reach": reach(table.name),
                    "reread": context.run.tags.get(REREAD_TAG) == "true",
                    "reporting_currency": warehouse.reporting_currency}
        kwargs = {p: settings[p] for p in table.params}
        if partitioned:
            kwargs["months"] = window_months(context)
        with warehouse.connection() as con:
            summary = table.build(con, **kwargs)
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


def warehouse_assets(months: dg.PartitionsDefinition | None = None) -> list[dg.AssetsDefinition]:
    """The asset of every registered table; the per-month ones partitioned by `months`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # backfill_policy is beta in Dagster 1.13
        return [warehouse_asset(t, months) for t in TABLES]
