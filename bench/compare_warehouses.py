"""Compare two arrears warehouses table by table, and two reports folders file by file.

    .venv/bin/python bench/compare_warehouses.py A.duckdb B.duckdb [--reports DIR_A DIR_B]

For every table and view of every schema it prints the row count and a hash of the rows that does not
depend on their order (the sum of the rows' 64-bit hashes as a 128-bit integer: two tables hash the same
when they hold the same rows, whatever order they were written in). Load timestamps (`loaded_at`,
`read_at`) are left out: they are the only values that differ between two runs on the same files.
Exits 0 when every table (and every report file) is identical, 1 otherwise, listing each difference.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys

import duckdb

TIMESTAMP_COLUMNS = {"loaded_at", "read_at"}


def table_hashes(path: str) -> dict[str, tuple[int, int]]:
    """{schema.table: (rows, order-independent hash)} of every table and view in the warehouse file."""
    con = duckdb.connect(path, read_only=True)
    try:
        tables = con.execute("""SELECT table_schema, table_name FROM information_schema.tables
            WHERE table_catalog = current_database() ORDER BY 1, 2""").fetchall()
        out = {}
        for schema, name in tables:
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position", [schema, name]).fetchall() if r[0] not in TIMESTAMP_COLUMNS]
            select = ", ".join(f'"{c}"' for c in cols)
            rows, digest = con.execute(
                f'SELECT count(*), coalesce(sum(hash(row({select}))::HUGEINT), 0) FROM "{schema}"."{name}"').fetchone()
            out[f"{schema}.{name}"] = (rows, int(digest))
        return out
    finally:
        con.close()


def file_hashes(folder: str) -> dict[str, str]:
    out = {}
    for root, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, folder)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def compare(a: dict, b: dict, what: str) -> list[str]:
    diffs = []
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            diffs.append(f"{what} {key}: only in {'B' if key not in a else 'A'}")
        elif a[key] != b[key]:
            diffs.append(f"{what} {key}: {a[key]} vs {b[key]}")
    return diffs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--reports", nargs=2, metavar=("DIR_A", "DIR_B"))
    args = ap.parse_args()
    ha, hb = table_hashes(args.a), table_hashes(args.b)
    for key in sorted(set(ha) | set(hb)):
        rows, digest = ha.get(key) or hb[key]
        print(f"{key:40s} {rows:>12,} rows  {digest & (2**64 - 1):016x}")
    diffs = compare(ha, hb, "table")
    if args.reports:
        fa, fb = file_hashes(args.reports[0]), file_hashes(args.reports[1])
        for key in sorted(fa):
            print(f"report {key:33s} sha256 {fa[key]}")
        diffs += compare(fa, fb, "report file")
    for d in diffs:
        print("DIFFERENT:", d)
    print("identical" if not diffs else f"{len(diffs)} difference(s)")
    return 0 if not diffs else 1


if __name__ == "__main__":
    sys.exit(main())
