"""The landing-entries check of each raw asset: every entry of the landing folder it reports was read.
An unknown folder or file name is a warning by the contract, not a refusal (except in strict mode), so
the check is WARN-severity and never blocks: it puts the entries that were not read in the Dagster UI."""

import dagster as dg
import duckdb

from assets.raw.contract import ENTITIES
from assets.raw.landing import HIDDEN, READ
from assets.warehouse import WarehouseResource


def evaluate(con: duckdb.DuckDBPyConnection, entity: str) -> tuple[bool, dict]:
    """Passes when every entry raw.<entity> reports in raw.landing_entries was read or is hidden; the
    metadata lists the others with why and counts the entries by what was done with them."""
    reporter = f"raw.{entity}"
    unread = con.execute("""SELECT path || ': ' || note FROM raw.landing_entries
        WHERE reported_by = ? AND action NOT IN (?, ?) ORDER BY path""", [reporter, READ, HIDDEN]).fetchall()
    counts = dict(con.execute("""SELECT action, count(*) FROM raw.landing_entries WHERE reported_by = ?
        GROUP BY 1 ORDER BY 1""", [reporter]).fetchall())
    return not unread, {"entries not read": [r[0] for r in unread], "entries by action": counts}


def landing_entries_check(entity: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=dg.AssetKey(["raw", entity]), name="landing_entries_read", blocking=False,
                    description="Every entry of the landing folder this asset reports (raw.landing_entries) "
                                "was read; an unknown folder or file name is listed as a warning.")
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connection() as con:
            passed, meta = evaluate(con, entity)
        return dg.AssetCheckResult(
            passed=passed, severity=dg.AssetCheckSeverity.WARN,
            description=None if passed else "not read: " + "; ".join(meta["entries not read"]),
            metadata={"entries not read": dg.MetadataValue.json(meta["entries not read"]),
                      "entries by action": dg.MetadataValue.json(meta["entries by action"])})

    return _check


CHECKS = {f"raw.{entity}": landing_entries_check(entity) for entity in ENTITIES}
