"""Comparing two warehouses table by table, whatever order their rows were written in.

Used by the tests (an incremental history against a rebuild) and by bench/compare_warehouses.py. A
table's digest is its row count and the sum of its rows' 64-bit hashes as a 128-bit integer: two
tables digest the same when they hold the same rows (as a multiset), in any order.
"""

from __future__ import annotations

import duckdb

# Load timestamps: the only values that differ between two runs on the same files.
TIMESTAMP_COLUMNS = frozenset({"loaded_at", "read_at", "inspected_at"})
# The records of the runs themselves: they differ between two histories of the same files by design.
RUN_RECORDS = ("audit.runs", "audit.check_results", "audit.restatements")


def table_hashes(path: str, skip_columns=TIMESTAMP_COLUMNS, skip_tables=()) -> dict[str, tuple[int, int]]:
    """{schema.table: (rows, order-independent hash)} of every table and view in the warehouse file,
    leaving out the columns named in `skip_columns` and the tables in `skip_tables`."""
    con = duckdb.connect(path, read_only=True)
    try:
        tables = con.execute("""SELECT table_schema, table_name FROM information_schema.tables
            WHERE table_catalog = current_database() ORDER BY 1, 2""").fetchall()
        out = {}
        for schema, name in tables:
            if f"{schema}.{name}" in skip_tables:
                continue
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position", [schema, name]).fetchall() if r[0] not in skip_columns]
            select = ", ".join(f'"{c}"' for c in cols)
            rows, digest = con.execute(
                f'SELECT count(*), coalesce(sum(hash(row({select}))::HUGEINT), 0) FROM "{schema}"."{name}"').fetchone()
            out[f"{schema}.{name}"] = (rows, int(digest))
        return out
    finally:
        con.close()


def differences(a: dict, b: dict, what: str = "table") -> list[str]:
    """What differs between two digests of table_hashes (or any two dicts), one line each."""
    diffs = []
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            diffs.append(f"{what} {key}: only in {'B' if key not in a else 'A'}")
        elif a[key] != b[key]:
            diffs.append(f"{what} {key}: {a[key]} vs {b[key]}")
    return diffs
