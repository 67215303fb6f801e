"""Duplicate keys found exactly and cheaply: the rows' 64-bit hashes sorted in NumPy on every core, and
only the values whose hash repeats grouped in SQL. Used by staging (a repeat within a file) and by the
key checks (entry_id unique, one row per account-month)."""

from __future__ import annotations

import os
import threading

import duckdb
import numpy as np
import pyarrow as pa


def array_to_temp_table(con: duckdb.DuckDBPyConnection, table: str, column: str, values: np.ndarray) -> None:
    """TEMP `table` with one column (`column`: name and type) holding `values` (replaced if it exists)."""
    name = column.split()[0]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({column})")
    if len(values):
        con.register("_array_in", pa.table({name: values}))
        con.execute(f"INSERT INTO {table} SELECT {name} FROM _array_in")
        con.unregister("_array_in")


def sort_on_all_cores(a: np.ndarray) -> None:
    """Sort a large NumPy array in place using every core: its contiguous chunks are sorted in threads
    (NumPy's sort runs without the GIL), then one stable sort (timsort, which merges sorted runs in
    linear time) joins them, so the sort is not bound to a single core."""
    chunks = min(os.cpu_count() or 1, 8)
    if chunks < 2 or len(a) < 1_000_000:
        a.sort()
        return
    bounds = np.linspace(0, len(a), chunks + 1).astype(int)
    threads = [threading.Thread(target=a[lo:hi].sort) for lo, hi in zip(bounds[:-1], bounds[1:])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    a.sort(kind="stable")


def duplicate_keys_sql(con: duckdb.DuckDBPyConnection, source: str, *columns: str) -> str:
    """SQL giving the values of `columns` held by more than one row of `source` (a table, optionally with
    a WHERE), with their count. Exact, but found cheaply: the rows' 64-bit hashes are fetched as one
    array, sorted (NumPy's sort on every core) and each compared with its neighbour, which is cheaper
    than sorting in a DuckDB window or grouping the key strings themselves; only the values whose hash
    repeats — kept in TEMP `_repeated_hashes`, normally empty — are then grouped exactly, so a hash
    collision can never report a duplicate that is not one. Run the returned SQL before the next call."""
    cols = ", ".join(columns)
    hashes = con.sql(f"SELECT hash({cols}) AS h FROM {source}").fetchnumpy()["h"]
    hashes = np.asarray(hashes, dtype=np.uint64)
    sort_on_all_cores(hashes)
    repeated = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
    array_to_temp_table(con, "_repeated_hashes", "h UBIGINT", repeated)
    where = "AND" if " WHERE " in f" {source} " else "WHERE"
    return f"""SELECT {cols}, count(*) AS n FROM {source}
        {where} hash({cols}) IN (SELECT h FROM _repeated_hashes)
        GROUP BY {cols} HAVING count(*) > 1"""
