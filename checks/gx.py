"""Running a Great Expectations (GX Core 1.x) suite, kept as JSON under checks/<stage>/, on a warehouse table.

GX runs on a pandas batch pulled from DuckDB (GX's SQL datasource is broken on DuckDB), in a worker
process of its own (checks/gx_worker.py, started by checks/gx_client.py). Tables up to
`SAMPLE_ROWS` rows are validated whole; larger ones on a seeded block sample of about that many rows —
the metadata says which — while the SQL invariants beside each suite cover the full table for the laws
(keys unique, one row per account-month, …). An expectation that raised an exception is an ERROR: the
check raises, so Dagster shows it as errored and never as passed.
"""


import json
from pathlib import Path

import dagster as dg
import duckdb

from assets.raw.contract import ENTITIES
from assets.registry import VIEWS
from assets.raw.views import raw_select

from .gx_client import submit

CHECKS_DIR = Path(__file__).parent
SAMPLE_ROWS = 200_000
# The raw views are read from the landing files (Parquet in place) and every row of them is typed and
# judged by staging anyway; their suite checks the files' shape, on a smaller sample.
RAW_SAMPLE_ROWS = 50_000


class CheckError(RuntimeError):
    """A check could not be evaluated (as opposed to: evaluated and failed)."""


def suite_path(stage: str, table: str) -> Path:
    return CHECKS_DIR / stage / f"{table.replace('.', '__')}.json"


def load_suite(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def validate(con: duckdb.DuckDBPyConnection, table: str, suite: dict, sample_rows: int = SAMPLE_ROWS) -> dict:
    """Validate `table` against the suite dict; returns a summary. Raises CheckError on any errored expectation."""
    return start_validation(con, table, suite, sample_rows)()


def start_validation(con: duckdb.DuckDBPyConnection, table: str, suite: dict, sample_rows: int = SAMPLE_ROWS):
    """Pull the batch from DuckDB and hand it to the GX worker; returns a function that waits for the
    outcome and gives validate()'s summary (raising CheckError as validate() does). Call it exactly once."""
    stored, view_sql = VIEWS.get(table, (table, None))
    rows = con.execute(f"SELECT count(*) FROM {stored}").fetchall()[0][0]
    sampled = rows > sample_rows
    # Large tables: a seeded block sample of about `sample_rows` rows (system sampling reads only the
    # sampled vectors, where a reservoir sample would scan the whole table).
    pct = min(100.0, 100.0 * sample_rows / rows) if sampled else 100.0
    sample = f"TABLESAMPLE {pct:.6f}% (system, 42)" if sampled else ""
    query = view_sql(sample) if view_sql else f"SELECT * FROM {table} {sample}"
    schema, name = table.split(".")
    if sampled and schema == "raw" and name in ENTITIES:  # a view over the files: a block of each file
        query = raw_select(con, name, pct)
    df = con.execute(query).df()  # DuckDB's own pandas types (DECIMAL as float, DATE as datetime64)
    pending = submit("run_suite", df, suite)

    def finish() -> dict:
        try:
            details, errors = pending()
        except Exception as e:  # the worker could not run the suite at all: an error, never a pass
            raise CheckError(f"GX suite {suite['name']} on {table} could not run: {type(e).__name__}: {e}") from e
        if errors:
            raise CheckError(f"GX suite {suite['name']} on {table} could not evaluate: " + "; ".join(errors))
        return {"success": all(d["success"] for d in details), "rows": rows, "validated_rows": len(df),
                "sampled": sampled, "details": details}

    return finish


def gx_description(table: str, stage: str) -> str:
    path = suite_path(stage, table)
    suite = load_suite(path)
    return (f"Great Expectations suite `{path.relative_to(CHECKS_DIR.parent)}` "
            f"({len(suite['expectations'])} expectations: schema, nulls, keys, enums, ranges)."
            + (" " + suite["meta"]["notes"] if suite.get("meta", {}).get("notes") else ""))


def start_gx_result(con: duckdb.DuckDBPyConnection, table: str, stage: str):
    """The gx_suite check of checks/<stage>/<schema>__<table>.json, in two halves: this pulls the batch
    and hands it to the GX worker; the function it returns waits for GX and gives the check result (or
    raises CheckError when GX errors). Call it exactly once."""
    path = suite_path(stage, table)
    finish = start_validation(con, table, load_suite(path), RAW_SAMPLE_ROWS if stage == "raw" else SAMPLE_ROWS)
    return lambda: _check_result(table, path, finish())


def _check_result(table: str, path: Path, summary: dict) -> dg.AssetCheckResult:
    failed = [d for d in summary["details"] if not d["success"]]
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(table.split(".")),
        check_name="gx_suite",
        passed=summary["success"],
        metadata={
            "suite": dg.MetadataValue.path(str(path.relative_to(CHECKS_DIR.parent))),
            "rows in table": summary["rows"],
            "rows validated": summary["validated_rows"],
            "sampled": dg.MetadataValue.bool(summary["sampled"]),
            "failed expectations": len(failed),
            "results": dg.MetadataValue.json(summary["details"]),
        },
        description=("failed: " + "; ".join(f"{d['expectation']}({d['column']})" for d in failed)) if failed else None,
    )
