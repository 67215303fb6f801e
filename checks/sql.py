"""SQL invariants: the laws of the domain GX cannot express, each a query returning the offending rows."""


from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
import duckdb


@dataclass(frozen=True)
class Invariant:
    table: str  # the asset (schema.table) the invariant guards
    name: str
    description: str
    sql: str | Callable[[duckdb.DuckDBPyConnection], str]  # the offending rows (none = pass), or a
    # function building that query on the connection first (e.g. duplicate_keys_sql's hash sort)
    blocking: bool = True
    warn: bool = False  # a warning-level check: reported, counted, never blocking

    def evaluate(self, con: duckdb.DuckDBPyConnection, sample: int = 5) -> tuple[int, list[dict]]:
        # The query runs once: its offending rows are kept, then counted and sampled.
        sql = self.sql(con) if callable(self.sql) else self.sql
        con.execute(f"CREATE OR REPLACE TEMP TABLE _offending AS {sql}")
        count = con.execute("SELECT count(*) FROM _offending").fetchall()[0][0]
        cur = con.execute(f"SELECT * FROM _offending LIMIT {sample}")
        cols = [d[0] for d in cur.description]
        rows = [{c: str(v) for c, v in zip(cols, r)} for r in cur.fetchall()]
        con.execute("DROP TABLE _offending")
        return count, rows

    def result(self, con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
        count, sample = self.evaluate(con)
        return dg.AssetCheckResult(
            asset_key=dg.AssetKey(self.table.split(".")),
            check_name=self.name,
            passed=count == 0,
            severity=dg.AssetCheckSeverity.WARN if self.warn else dg.AssetCheckSeverity.ERROR,
            metadata={"offending rows": count, "sample": dg.MetadataValue.json(sample)},
            description=f"{count:,} offending row(s)" if count else None,
        )
