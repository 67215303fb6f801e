"""Compare two arrears warehouses table by table, and two reports folders file by file.

    .venv/bin/python bench/compare_warehouses.py A.duckdb B.duckdb [--reports DIR_A DIR_B]

For every table and view of every schema (pipelines/compare.py) it prints the row count and a hash of the rows that does not
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

from pipelines.compare import differences as compare
from pipelines.compare import table_hashes

def file_hashes(folder: str) -> dict[str, str]:
    out = {}
    for root, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, folder)] = hashlib.sha256(fh.read()).hexdigest()
    return out


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
