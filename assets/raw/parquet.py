"""Reading a Parquet export in place: its column types and a SELECT over it in raw's layout (line number =
row + 2, as if the file were a CSV with a header line)."""

from __future__ import annotations

import duckdb

from assets.sql import sql_literal


def parquet_types(con: duckdb.DuckDBPyConnection, path: str) -> dict[str, str]:
    """Column name → DuckDB type, for a Parquet file's columns."""
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({sql_literal(path)})").fetchall()}


def parquet_frame(source_file: str, month: str, location: str, select_list: str, rows: tuple[int, int] | None = None) -> str:
    """SELECT over one Parquet file giving source_file, file_month, line_number (row + 2) and
    `select_list`; `rows` = (first, last) file row numbers keeps only that block (DuckDB then reads only
    the row groups holding it)."""
    where = f" WHERE file_row_number BETWEEN {int(rows[0])} AND {int(rows[1])}" if rows else ""
    return (f"SELECT {sql_literal(source_file)} AS source_file, DATE {sql_literal(month)} AS file_month, "
            f"file_row_number + 2 AS line_number, {select_list} "
            f"FROM read_parquet({sql_literal(location)}, file_row_number = true){where}")
