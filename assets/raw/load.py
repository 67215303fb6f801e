"""Reading one entity's landing files into the raw layer: `raw.<entity>` is every row as read, with its
file and line.

Nothing is typed or judged here except the landing folder and each file as a whole: the run stops when
the folder's layout (landing.py), a file's format or header, its third-party columns or its control
totals break the contract.

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
import zlib
from collections.abc import Callable

import duckdb

from .columns import FileLoad, plan_columns
from .controls import check_control
from .csv_load import load_csv
from .csv_records import count_lines
from .files import create_raw_tables, previous_reads
from .headers import gzip_problem, read_header
from .landing import ContractError, LandingFile, inspect_landing, parquet_rows, sha256
from .landing_entries import record_landing_entries
from .parquet import parquet_types
from .views import create_raw_view

Log = Callable[[str], None]


def _read_csv(con: duckdb.DuckDBPyConnection, f: LandingFile, entity: str, header: list[str],
              plan: dict) -> tuple[int, int]:
    """load_csv, with a `.csv.gz` whose compressed data is truncated or damaged refused as such: the CSV
    reader's own message does not say on which line the data stops, and it reads damaged data as text."""
    try:
        lines = count_lines(f)  # the whole file: a CSV not in UTF-8 is refused at its line
        good, bad = load_csv(con, f, entity, header, plan["present"], lines)
    except ContractError:
        problem = gzip_problem(f) if f.fmt == "csv.gz" else None
        if problem:
            raise ContractError(problem) from None
        raise
    except (EOFError, OSError, zlib.error) as e:
        problem = gzip_problem(f) if f.fmt == "csv.gz" else None
        raise ContractError(problem or f"{f.source_file}: the file could not be read to its end ({e})") from None
    # The CSV reader does not verify gzip checksums: damaged data shows as malformed records, so a `.csv.gz`
    # with any is decompressed once more to tell damage from records malformed as delivered.
    problem = gzip_problem(f) if bad and f.fmt == "csv.gz" else None
    if problem:
        raise ContractError(problem)
    return good, bad


def load_entity(con: duckdb.DuckDBPyConnection, landing: str, entity: str, log: Log = lambda m: None,
                strict: bool = False, warn: Log = lambda m: None, reuse: bool = False) -> list[FileLoad]:
    """Read every file of one entity into the raw layer (see the module); returns what was read per file.

    The landing folder is inspected whole first (`inspect_landing`); the warnings this entity's asset
    reports (unknown names, and a column whose name is close to an absent contract column) go to `warn`,
    and its entries to raw.landing_entries. `strict` refuses unknown names instead of warning.

    `reuse`: a CSV file whose sha256 (and month) are those of the file the warehouse's raw layer holds
    under that name keeps the rows read from it then, instead of being parsed again: the same bytes
    give the same rows (arrears run --rebuild reads every file again, which also covers an upgrade of
    the parser). Every file is still hashed, its header read and its control totals checked."""
    inventory = inspect_landing(landing, strict)
    for w in inventory.warnings(entity):
        warn(w)
    files, controls = inventory.files[entity], inventory.controls
    digests = {f.source_file: sha256(f.path) for f in files}
    previous = previous_reads(con, entity) if reuse else {}
    keep = frozenset(f.source_file for f in files if f.fmt != "parquet" and f.source_file in previous
                     and previous[f.source_file][:3] == (digests[f.source_file], f.fmt, f.month_start))
    create_raw_tables(con, entity, keep)
    record_landing_entries(con, inventory, entity)
    loads: list[FileLoad] = []
    for n, f in enumerate(files, 1):
        header = read_header(f)  # what the file is (Excel, UTF-16, gzip …) and its first record only
        header, plan, info = plan_columns(f, header, entity)
        for col, name in info.did_you_mean.items():
            warn(f"{f.source_file}: line 1: column '{col}' is not in the contract and is ignored, so {name} is "
                 f"read as null: did you mean '{name}'?")
        info.sha256 = digests[f.source_file]
        stat = os.stat(f.path)
        read_at = None
        if f.source_file in keep:  # the same bytes as the file the raw layer holds: its rows are kept
            types = {col: "VARCHAR" for col in header}
            *_, good_and_bad, bad, read_at = previous[f.source_file]
            good = good_and_bad - bad
        elif f.fmt == "parquet":
            try:
                types = parquet_types(con, f.path)
            except duckdb.Error as e:
                raise ContractError(f"{f.source_file}: line 1: damaged Parquet file "
                                    f"({str(e).splitlines()[0]})") from None
            good, bad = parquet_rows(f.path), 0
        else:
            types = {col: "VARCHAR" for col in header}
            good, bad = _read_csv(con, f, entity, header, plan)
        info.columns = {name: {"source": col, "type": types[col]} for name, col in plan["present"].items()}
        info.rows_read, info.rows_malformed = good + bad, bad
        check_control(con, entity, info, controls)
        con.execute("INSERT INTO raw.files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "coalesce(?, current_timestamp::TIMESTAMP), ?, ?, ?)",
                    [entity, f.source_file, f.month_start, f.fmt, info.sha256, stat.st_size,
                     info.rows_read, bad, info.dropped_personal, info.ignored, info.absent_optional,
                     read_at, f.path, stat.st_mtime_ns, json.dumps(info.columns, sort_keys=True)])
        loads.append(info)
        log(f"{entity}: {n}/{len(files)} {f.source_file}: {info.rows_read:,} rows "
            + ("kept (unchanged since it was read)" if f.source_file in keep else "read")
            + (f", {bad} malformed" if bad else "")
            + (f"; dropped personal-data columns {info.dropped_personal}" if info.dropped_personal else ""))
    create_raw_view(con, entity)
    return loads
