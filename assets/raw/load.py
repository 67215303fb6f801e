"""Reading one entity's landing files into the raw layer: `raw.<entity>` is every row as read, with its
file and line.

Nothing is typed or judged here except the file as a whole: a file is refused (the run stops) when its
name, header, third-party columns or control totals break the contract.

* A CSV file is parsed once (RFC 4180) into `raw.<entity>_text`: the contract's columns as text, with
  exact physical line numbers. Rows the parser cannot split into the header's columns are kept in
  `raw.malformed` with their line number and length in bytes, never their text. A CSV file that is not
  UTF-8 is refused at its line before its header is read.
* A Parquet file is already a typed, columnar copy of the export: it is read in place (copying every
  row into the warehouse would cost more than the later steps that read them). Its location,
  size, modification time and sha256 are recorded in `raw.files`; staging refuses to read a file whose
  size or modification time changed since.
* `raw.<entity>` is a view over both: the CSV rows as text and the Parquet rows cast to text, line
  number = row + 2 (a Parquet row is numbered as if the file were a CSV with a header line).

Rows read = rows in `raw.<entity>` + rows in `raw.malformed`, for every file. `raw.files` also records
which source column feeds each contract column and its type as read (`columns`), so staging can take a
Parquet DATE or DECIMAL as it is instead of re-parsing its text.
"""

from __future__ import annotations

import json
import os
from typing import Callable

import duckdb

from .columns import FileLoad, plan_columns
from .controls import check_control
from .csv_load import load_csv
from .csv_records import count_lines
from .files import create_raw_tables
from .landing import ContractError, discover, parquet_rows, read_controls, read_header, sha256
from .parquet import parquet_types
from .views import create_raw_view

Log = Callable[[str], None]


def load_entity(con: duckdb.DuckDBPyConnection, landing: str, entity: str, log: Log = lambda m: None) -> list[FileLoad]:
    """Read every file of one entity into the raw layer (see the module); returns what was read per file."""
    files = discover(landing, entity)
    controls = read_controls(landing)
    create_raw_tables(con, entity)
    loads: list[FileLoad] = []
    for n, f in enumerate(files, 1):
        lines = count_lines(f) if f.fmt != "parquet" else None  # first: a CSV not in UTF-8 is refused at its line
        header = read_header(f)
        header, plan, info = plan_columns(f, header, entity)
        info.sha256 = sha256(f.path)
        stat = os.stat(f.path)
        if f.fmt == "parquet":
            types = parquet_types(con, f.path)
            good, bad = parquet_rows(f.path), 0
        else:
            types = {col: "VARCHAR" for col in header}
            good, bad = load_csv(con, f, entity, header, plan["present"], lines)
        info.columns = {name: {"source": col, "type": types[col]} for name, col in plan["present"].items()}
        info.rows_read, info.rows_malformed = good + bad, bad
        check_control(con, entity, info, controls)
        con.execute("INSERT INTO raw.files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp::TIMESTAMP, "
                    "?, ?, ?)",
                    [entity, f.source_file, f.month_start, f.fmt, info.sha256, stat.st_size,
                     info.rows_read, bad, info.dropped_personal, info.ignored, info.absent_optional,
                     f.path, stat.st_mtime_ns, json.dumps(info.columns, sort_keys=True)])
        loads.append(info)
        log(f"{entity}: {n}/{len(files)} {f.source_file}: {info.rows_read:,} rows read"
            + (f", {bad} malformed" if bad else "")
            + (f"; dropped personal-data columns {info.dropped_personal}" if info.dropped_personal else ""))
    create_raw_view(con, entity)
    missing_controls = [k for k in controls if k.startswith(entity + "/") and k not in {l.file.source_file for l in loads}]
    if missing_controls:
        raise ContractError(f"control totals name {', '.join(missing_controls)}, which is not in the landing folder")
    return loads
