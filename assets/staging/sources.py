"""Where staging reads an entity's rows from: the CSV rows loaded as text, and each Parquet file in place.

`typed_rows(con, entity)` is one SELECT (a UNION ALL, one branch per source) giving every row read —
source_file, file_month, line_number, the contract's columns typed, and `reason` naming every row rule
the row breaks (NULL when none). A Parquet column already held as DATE, as a DECIMAL with at most 2
decimals or as an integer is used as it is; any other column is cast to text and parsed exactly as a
CSV value would be, so the same rules and the same reasons apply to both formats.
"""

from __future__ import annotations

import json
import os

import duckdb

from assets.raw.contract import CONTRACT
from assets.raw.landing import ContractError
from assets.raw.parquet import parquet_frame
from assets.sql import sql_ident, sql_literal

from .rules import native_kind, typed_select


def parquet_files(con: duckdb.DuckDBPyConnection, entity: str) -> list[tuple]:
    """The entity's Parquet files as raw recorded them; a file changed since raw read it stops the run
    (its hash in raw.files would no longer describe what staging reads)."""
    rows = con.execute("""SELECT source_file, file_month, location, bytes, mtime_ns, columns FROM raw.files
                          WHERE entity = ? AND format = 'parquet' ORDER BY file_month""", [entity]).fetchall()
    for source_file, _month, location, size, mtime_ns, _cols in rows:
        try:
            st = os.stat(location)
        except FileNotFoundError:
            raise ContractError(f"{source_file}: the file was removed after the raw step read it "
                                f"({location}); run the pipeline again") from None
        if st.st_size != size or st.st_mtime_ns != mtime_ns:
            raise ContractError(f"{source_file}: the file changed after the raw step read and hashed it "
                                f"({location}); run the pipeline again")
    return rows


def parquet_select(entity: str, source_file: str, month, location: str, columns: dict) -> tuple[str, frozenset]:
    """The SELECT reading one Parquet file in raw's layout, and the contract columns it gives natively."""
    native, parts = set(), []
    for c in CONTRACT[entity]:
        spec = columns.get(c.name)
        if spec is None:
            parts.append(f"NULL::VARCHAR AS {c.name}")
        elif native_kind(c, spec["type"]):
            native.add(c.name)
            parts.append(f"{sql_ident(spec['source'])} AS {c.name}")
        elif spec["type"].upper() == "VARCHAR":
            parts.append(f"{sql_ident(spec['source'])} AS {c.name}")
        else:
            parts.append(f"CAST({sql_ident(spec['source'])} AS VARCHAR) AS {c.name}")
    return parquet_frame(source_file, str(month), location, ", ".join(parts)), frozenset(native)


def typed_rows(con: duckdb.DuckDBPyConnection, entity: str, files: list[str] | None = None) -> str:
    """SELECT of every row of the entity read by raw, typed, with `reason` (see the module); only the
    rows of `files` (source_file names) when given."""
    inner = None
    if files is not None:
        inner = f"SELECT * FROM raw.{entity}_text WHERE source_file IN ({', '.join(sql_literal(f) for f in files) or 'NULL'})"
    branches = [typed_select(entity, inner)]  # the CSV rows (raw.<entity>_text; empty when there are none)
    for source_file, month, location, _size, _mtime, columns in parquet_files(con, entity):
        if files is not None and source_file not in files:
            continue
        inner, native = parquet_select(entity, source_file, month, location, json.loads(columns))
        branches.append(typed_select(entity, inner, native))
    return "\nUNION ALL\n".join(branches)
