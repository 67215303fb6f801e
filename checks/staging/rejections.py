"""The rejection-share check of audit.source_files: a delivery whose rows are mostly rejected is a bad
delivery, not a run that went well."""

import dagster as dg
import duckdb

from assets.warehouse import WarehouseResource


def evaluate(con: duckdb.DuckDBPyConnection, share: float, min_rows: int) -> tuple[bool, dict]:
    """Per entity: rows rejected against rows read. Fails for an entity whose rejected rows are more than
    `share` of its rows read and at least `min_rows`; the metadata names its files with their counts."""
    per_entity = con.execute("""SELECT entity, sum(rows_read)::BIGINT, sum(rows_rejected)::BIGINT
        FROM audit.source_files GROUP BY entity ORDER BY entity""").fetchall()
    over = [e for e, read, rejected in per_entity if rejected > share * read and rejected >= min_rows]
    files = con.execute("""SELECT entity, source_file, rows_read, rows_rejected FROM audit.source_files
        WHERE rows_rejected > 0 ORDER BY entity, rows_rejected DESC, source_file""").fetchall()
    meta = {
        "threshold": f"more than {share:.2%} of an entity's rows read and at least {min_rows:,} rows",
        "per entity": {e: {"rows read": read, "rows rejected": rejected} for e, read, rejected in per_entity},
        "entities over the threshold": over,
        "files with rejections": [f"{f}: {rej:,} of {read:,} rows rejected" for e, f, read, rej in files
                                  if not over or e in over][:50],
    }
    return not over, meta


@dg.asset_check(asset=dg.AssetKey(["audit", "source_files"]), name="rejections_within_threshold", blocking=True,
                description="The rows rejected per entity (accounts, ledger, complaints) stay within the "
                            "run's threshold: a run fails when an entity's rejected rows are more than the "
                            "allowed share of its rows read (default 1 %) and at least the minimum count "
                            "(default 100), naming the files; a handful of bad rows in a small book stays "
                            "listed in audit.rejected_rows without failing the run.")
def rejections_within_threshold(context: dg.AssetCheckExecutionContext,
                                warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connection() as con:
        passed, meta = evaluate(con, warehouse.reject_share, warehouse.reject_min_rows)
    description = None
    if not passed:
        description = (f"rejected rows over the threshold ({meta['threshold']}) for "
                       f"{', '.join(meta['entities over the threshold'])}: "
                       + "; ".join(meta["files with rejections"][:10]))
    return dg.AssetCheckResult(passed=passed, description=description, metadata={
        k: dg.MetadataValue.json(v) if isinstance(v, (dict, list)) else v for k, v in meta.items()})
