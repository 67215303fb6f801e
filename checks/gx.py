"""Running a Great Expectations (GX Core 1.x) suite, kept as JSON under checks/<stage>/, on a warehouse table.

GX runs on a pandas batch pulled from DuckDB (GX's SQL datasource is broken on DuckDB). Tables up to
`SAMPLE_ROWS` rows are validated whole; larger ones on a seeded block sample of about that many rows —
the metadata says which — while the SQL invariants beside each suite cover the full table for the laws
(keys unique, one row per account-month, …). An expectation that raised an exception is an ERROR: the
check raises, so Dagster shows it as errored and never as passed.
"""


import functools
import json
import os
import threading
from pathlib import Path

import dagster as dg
import duckdb

from assets.raw.contract import ENTITIES
from assets.raw.load import raw_select

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


_LOCK = threading.Lock()
_PREWARM: threading.Thread | None = None
_BUILD_LOCK = threading.Lock()


def prewarm() -> None:
    """Import GX and build its context on a background thread (once per process), so that the ~3-5 s it
    takes overlaps work that releases the GIL (file hashing, DuckDB) instead of delaying the first check."""
    global _PREWARM
    with _LOCK:
        if _PREWARM is None:
            _PREWARM = threading.Thread(target=_context, name="gx-prewarm", daemon=True)
            _PREWARM.start()


def _context():
    with _BUILD_LOCK:
        return _build_context()


@functools.lru_cache(maxsize=1)
def _build_context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx  # ~3-10 s: imported only when a suite runs
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batch_def = (ctx.data_sources.add_pandas("warehouse").add_dataframe_asset("table")
                 .add_batch_definition_whole_dataframe("whole"))
    return gx, batch_def


def _error_of(result) -> str | None:
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return info.get("exception_message") or "raised an exception"
    for value in info.values():
        if isinstance(value, dict) and (value.get("raised_exception") or value.get("exception_message")):
            return value.get("exception_message") or "raised an exception"
    return None


def validate(con: duckdb.DuckDBPyConnection, table: str, suite: dict, sample_rows: int = SAMPLE_ROWS) -> dict:
    """Validate `table` against the suite dict; returns a summary. Raises CheckError on any errored expectation."""
    gx, batch_def = _context()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    sampled = rows > sample_rows
    # Large tables: a seeded block sample of about `sample_rows` rows (system sampling reads only the
    # sampled vectors, where a reservoir sample would scan the whole table).
    pct = min(100.0, 100.0 * sample_rows / rows) if sampled else 100.0
    query = f"SELECT * FROM {table}" + (f" USING SAMPLE {pct:.6f}% (system, 42)" if sampled else "")
    schema, name = table.split(".")
    if sampled and schema == "raw" and name in ENTITIES:  # a view over the files: a block of each file
        query = raw_select(con, name, pct)
    df = con.execute(query).df()
    expectations = [ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta", {})).to_domain_obj()
                    for e in suite["expectations"]]
    # BASIC: each expectation's unexpected count and up to 20 unexpected values, which is what the
    # check's metadata shows; GX's default (SUMMARY) also counts the unexpected values, ~40 % slower.
    result = batch_def.get_batch(batch_parameters={"dataframe": df}).validate(
        gx.ExpectationSuite(name=suite["name"], expectations=expectations), result_format="BASIC")
    details, errors = [], []
    for r in result.results:
        cfg = r.expectation_config
        err = _error_of(r)
        res = r.result or {}
        entry = {"expectation": cfg.type, "column": cfg.kwargs.get("column") or cfg.kwargs.get("column_list"),
                 "success": bool(r.success) and err is None}
        if "unexpected_count" in res:
            entry["unexpected_count"] = res["unexpected_count"]
            entry["sample"] = [str(x) for x in (res.get("partial_unexpected_list") or [])[:5]]
        if "observed_value" in res:
            entry["observed"] = str(res["observed_value"])[:200]
        if err:
            entry["error"] = err[:500]
            errors.append(f"{cfg.type}({entry['column']}): {err.splitlines()[0][:200]}")
        details.append(entry)
    if errors:
        raise CheckError(f"GX suite {suite['name']} on {table} could not evaluate: " + "; ".join(errors))
    return {"success": all(d["success"] for d in details), "rows": rows, "validated_rows": len(df),
            "sampled": sampled, "details": details}


def gx_description(table: str, stage: str) -> str:
    path = suite_path(stage, table)
    suite = load_suite(path)
    return (f"Great Expectations suite `{path.relative_to(CHECKS_DIR.parent)}` "
            f"({len(suite['expectations'])} expectations: schema, nulls, keys, enums, ranges). "
            + (suite.get("meta", {}).get("notes") or ""))


def gx_result(con: duckdb.DuckDBPyConnection, table: str, stage: str) -> dg.AssetCheckResult:
    """Run checks/<stage>/<schema>__<table>.json on the table (raises CheckError when GX errors)."""
    path = suite_path(stage, table)
    summary = validate(con, table, load_suite(path), RAW_SAMPLE_ROWS if stage == "raw" else SAMPLE_ROWS)
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
