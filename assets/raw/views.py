"""The view raw.<entity> over the CSV rows and the Parquet files read in place, and the seeded block sample
of it that the raw GX suites validate."""

from __future__ import annotations

import json

import duckdb

from assets.sql import sql_ident

from .columns import select_list
from .parquet import parquet_frame


def sample_block(rows: int, share: float, seed: str) -> tuple[int, int]:
    """The (first, last) row numbers of a block of about `share` (0..1) of a file's `rows` rows, at an
    offset drawn from `seed` (the file's sha256): the same file always gives the same block."""
    size = min(rows, round(rows * share))
    if size <= 0:
        return (0, -1)
    offset = int(seed[:12] or "0", 16) % (rows - size + 1)
    return (offset, offset + size - 1)


def raw_select(con: duckdb.DuckDBPyConnection, entity: str, sample_pct: float | None = None) -> str:
    """SELECT of raw.<entity>'s rows: the CSV rows (raw.<entity>_text) and the Parquet files read in
    place, as text. With `sample_pct`, a seeded sample of that share of each source: a block sample of
    the CSV rows, and of each Parquet file one contiguous block of rows at an offset drawn from its
    sha256 — read without decoding the rest of the file (a block sample of a Parquet scan would still
    read every row group)."""
    sample = f"USING SAMPLE {sample_pct:.6f}% (system, 42)" if sample_pct is not None else ""
    parts = [f"SELECT * FROM raw.{entity}_text {sample}"]
    for source_file, month, location, columns, rows, digest in con.execute(
            "SELECT source_file, file_month, location, columns, rows_read, sha256 FROM raw.files "
            "WHERE entity = ? AND format = 'parquet' ORDER BY file_month", [entity]).fetchall():
        present = {k: v["source"] for k, v in json.loads(columns).items()}
        text = select_list(entity, present, lambda col: f"CAST({sql_ident(col)} AS VARCHAR)")
        block = sample_block(rows, sample_pct / 100.0, digest) if sample_pct is not None else None
        parts.append(parquet_frame(source_file, str(month), location, text, block))
    return "\nUNION ALL ".join(parts)


def create_raw_view(con: duckdb.DuckDBPyConnection, entity: str) -> None:
    """raw.<entity>: the CSV rows (raw.<entity>_text) and the Parquet files read in place, as text."""
    con.execute(f"CREATE OR REPLACE VIEW raw.{entity} AS {raw_select(con, entity)}")
