"""Reading one entity's landing files into the raw layer: `raw.<entity>` is every row as read, with its
file and line.

Nothing is typed or judged here except the file as a whole: a file is refused (the run stops) when its
name, header, third-party columns or control totals break the contract.

* A CSV file is parsed once (RFC 4180) into `raw.<entity>_text`: the contract's columns as text, with
  exact physical line numbers. Rows the parser cannot split into the header's columns are kept in
  `raw.malformed` with their line number.
* A Parquet file is already a typed, columnar copy of the export: it is read in place (copying 50
  million rows into the warehouse costs more than every later step that reads them). Its location,
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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

import duckdb

from .contract import CONTRACT
from .landing import (ContractError, LandingFile, check_header, discover, parquet_rows, read_controls,
                      read_header, sha256)

Log = Callable[[str], None]


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# One row per file read (every entity); staging.ledger_entries names each entry's file by its month,
# which this table turns back into the file's name (exactly one file per entity and month).
FILES_DDL = """CREATE TABLE IF NOT EXISTS raw.files (entity VARCHAR, source_file VARCHAR, file_month DATE,
    format VARCHAR, sha256 VARCHAR, bytes BIGINT, rows_read BIGINT, rows_malformed BIGINT,
    dropped_personal_columns VARCHAR[], ignored_columns VARCHAR[], absent_optional_columns VARCHAR[],
    read_at TIMESTAMP, location VARCHAR, mtime_ns BIGINT, columns VARCHAR)"""


def files_by_month(entity: str) -> str:
    """Subquery (source_file, file_month) of the entity's files read: one file per month, so a month
    names its file (staging stores the month where it needs the file)."""
    return f"(SELECT source_file, file_month FROM raw.files WHERE entity = {_lit(entity)})"


def create_raw_tables(con: duckdb.DuckDBPyConnection, entity: str) -> None:
    cols = ", ".join(f"{c.name} VARCHAR" for c in CONTRACT[entity])
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'raw' "
                       "AND table_name = ?", [entity]).fetchall()
    if kind:
        con.execute(f"DROP {'VIEW' if kind[0][0] == 'VIEW' else 'TABLE'} raw.{entity}")
    con.execute(f"CREATE OR REPLACE TABLE raw.{entity}_text (source_file VARCHAR, file_month DATE, "
                f"line_number BIGINT, {cols})")
    # A warehouse written by an earlier version has raw.files without the columns staging now reads
    # (location, mtime_ns, columns); every run rewrites raw.files, so the old table is simply replaced.
    have = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_schema = 'raw' AND table_name = 'files'").fetchall()}
    if have and "columns" not in have:
        con.execute("DROP TABLE raw.files")
    con.execute(FILES_DDL)
    con.execute("""CREATE TABLE IF NOT EXISTS raw.malformed (entity VARCHAR, source_file VARCHAR,
        line_number BIGINT, reason VARCHAR, raw VARCHAR)""")
    con.execute("DELETE FROM raw.files WHERE entity = ?", [entity])
    con.execute("DELETE FROM raw.malformed WHERE entity = ?", [entity])


@dataclass
class FileLoad:
    file: LandingFile
    sha256: str
    rows_read: int
    rows_malformed: int
    dropped_personal: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    absent_optional: list[str] = field(default_factory=list)
    columns: dict = field(default_factory=dict)  # contract column -> {"source": name in the file, "type": as read}


def _plan_columns(f: LandingFile, header: list[str], entity: str) -> tuple[list[str], dict, FileLoad]:
    from .contract import classify

    check_header(f, header)
    cls = classify(header, entity)
    if cls["third_party"]:
        raise ContractError(
            f"{f.source_file}: refused whole: column(s) {', '.join(c.strip() for c in cls['third_party'])} "
            "describe or locate someone other than the account holder (third-party / skip-tracing data is "
            "never ingested)")
    present = {v: k for k, v in cls["mapping"].items()}
    missing = [c.name for c in CONTRACT[entity] if c.required and c.name not in present]
    if missing:
        raise ContractError(f"{f.source_file}: line 1: required column(s) missing: {', '.join(missing)}")
    absent = [c.name for c in CONTRACT[entity] if not c.required and c.name not in present]
    info = FileLoad(f, "", 0, 0, [c.strip() for c in cls["personal"]], [c.strip() for c in cls["other"]], absent)
    only_contract = not cls["personal"] and not cls["other"]
    return header, {"present": present, "only_contract": only_contract}, info


def _select_list(entity: str, present: dict[str, str], source: Callable[[str], str]) -> str:
    parts = []
    for c in CONTRACT[entity]:
        parts.append(f"{source(present[c.name])} AS {c.name}" if c.name in present else f"NULL::VARCHAR AS {c.name}")
    return ", ".join(parts)


def parquet_types(con: duckdb.DuckDBPyConnection, path: str) -> dict[str, str]:
    """Column name → DuckDB type, for a Parquet file's columns."""
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(path)})").fetchall()}


def parquet_frame(source_file: str, month: str, location: str, select_list: str, rows: tuple[int, int] | None = None) -> str:
    """SELECT over one Parquet file giving source_file, file_month, line_number (row + 2) and
    `select_list`; `rows` = (first, last) file row numbers keeps only that block (DuckDB then reads only
    the row groups holding it)."""
    where = f" WHERE file_row_number BETWEEN {int(rows[0])} AND {int(rows[1])}" if rows else ""
    return (f"SELECT {_lit(source_file)} AS source_file, DATE {_lit(month)} AS file_month, "
            f"file_row_number + 2 AS line_number, {select_list} "
            f"FROM read_parquet({_lit(location)}, file_row_number = true){where}")


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
        text = _select_list(entity, present, lambda col: f"CAST({sql_ident(col)} AS VARCHAR)")
        block = sample_block(rows, sample_pct / 100.0, digest) if sample_pct is not None else None
        parts.append(parquet_frame(source_file, str(month), location, text, block))
    return "\nUNION ALL ".join(parts)


def create_raw_view(con: duckdb.DuckDBPyConnection, entity: str) -> None:
    """raw.<entity>: the CSV rows (raw.<entity>_text) and the Parquet files read in place, as text."""
    con.execute(f"CREATE OR REPLACE VIEW raw.{entity} AS {raw_select(con, entity)}")


def _csv_source(f: LandingFile, n_cols: int) -> str:
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_cols)) + "}"
    return (f"read_csv({_lit(f.path)}, header = true, auto_detect = false, columns = {columns}, "
            "delim = ',', quote = '\"', escape = '\"', store_rejects = true, rejects_table = '_rej', "
            "rejects_scan = '_rej_scan', max_line_size = 10000000, "
            f"compression = {_lit('gzip' if f.fmt == 'csv.gz' else 'none')})")


def _load_csv(con, f: LandingFile, entity: str, header: list[str], present: dict[str, str],
              only_contract: bool) -> tuple[int, int]:
    """Read a CSV with DuckDB's parser (RFC 4180) into raw.<entity>.

    Line numbers are physical lines of the file (header = line 1). The fast path numbers records in file
    order; when the file has records the parser rejected, or quoted fields holding line breaks (its
    physical line count differs from its record count), the numbers are recomputed exactly. Records the
    parser rejects go to raw.malformed with their line.
    """
    pos = {col: f"c{i}" for i, col in enumerate(header)}
    sel = _select_list(entity, present, lambda col: pos[col])
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute(f"""INSERT INTO raw.{entity}_text
            SELECT {_lit(f.source_file)}, DATE {_lit(str(f.month_start))}, row_number() OVER () + 1, {sel}
            FROM {_csv_source(f, len(header))}""")
        con.execute("CREATE OR REPLACE TEMP TABLE _bad AS SELECT line AS rec, any_value(csv_line) AS csv_line, "
                    "lower(arg_min(CAST(error_type AS VARCHAR) || ' (' || error_message || ')', column_idx)) AS err "
                    "FROM _rej GROUP BY line")
        good = con.execute(f"SELECT count(*) FROM raw.{entity}_text WHERE source_file = ?", [f.source_file]).fetchall()[0][0]
        bad = con.execute("SELECT count(*) FROM _bad").fetchall()[0][0]
        if bad or physical_lines(f) != good + bad + 1:
            _renumber(con, f, entity, len(header))
    except duckdb.Error as e:
        raise ContractError(f"{f.source_file}: the CSV reader stopped: {str(e).splitlines()[0]}") from None
    finally:
        con.execute("SET preserve_insertion_order = false")
    raw_expr = "b.csv_line" if only_contract else (
        "'(withheld: the file has columns outside the contract, which this unsplittable line may hold)'")
    con.execute(f"""INSERT INTO raw.malformed
        SELECT {_lit(entity)}, {_lit(f.source_file)}, coalesce(l.line_number, b.rec),
               'malformed CSV record: ' || b.err, {raw_expr}
        FROM _bad b LEFT JOIN (SELECT * FROM _lines WHERE bad) l ON l.rec = b.rec""" if bad else "SELECT 1")
    for t in ("_bad", "_lines", "_nl", "_rej", "_rej_scan"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return good, bad


def physical_lines(f: LandingFile) -> int:
    """Lines in the (decompressed) file, counting a last line without its line break."""
    import gzip

    opener = gzip.open if f.fmt == "csv.gz" else open
    count, last = 0, b"\n"
    with opener(f.path, "rb") as fh:
        for chunk in iter(lambda: fh.read(8 << 20), b""):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _renumber(con, f: LandingFile, entity: str, n_cols: int) -> None:
    """Exact physical line numbers: record number (k-th parsed record after the rejected ones before it)
    plus the line breaks held inside quoted fields of all earlier records."""
    nl = " + ".join(f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(n_cols))
    con.execute("CREATE OR REPLACE TEMP TABLE _bad_copy AS SELECT * FROM _bad")
    con.execute("DROP TABLE IF EXISTS _rej")
    con.execute("DROP TABLE IF EXISTS _rej_scan")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _nl AS SELECT row_number() OVER () AS k, ({nl}) AS nl "
                f"FROM {_csv_source(f, n_cols)}")
    con.execute("DROP TABLE IF EXISTS _bad")
    con.execute("ALTER TABLE _bad_copy RENAME TO _bad")
    con.execute("""CREATE OR REPLACE TEMP TABLE _lines AS
        WITH b AS (SELECT rec, row_number() OVER (ORDER BY rec) AS i FROM _bad),
        gaps AS (SELECT rec - i - 1 AS good_before, max(i) AS i FROM b GROUP BY ALL),
        recs AS (
            SELECT n.k, n.k + 1 + coalesce(g.i, 0) AS rec, n.nl, false AS bad
            FROM _nl n ASOF LEFT JOIN gaps g ON n.k > g.good_before
            UNION ALL
            SELECT NULL, rec, length(coalesce(csv_line, '')) - length(replace(coalesce(csv_line, ''), chr(10), '')),
                   true FROM _bad)
        SELECT k, rec, bad,
               rec + coalesce(sum(nl) OVER (ORDER BY rec ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                 AS line_number
        FROM recs""")
    con.execute(f"""UPDATE raw.{entity}_text r SET line_number = l.line_number
        FROM _lines l WHERE NOT l.bad AND r.source_file = ? AND r.line_number = l.k + 1""", [f.source_file])


def _check_control(con, entity: str, load: FileLoad, controls: dict) -> None:
    ctl = controls.get(load.file.source_file)
    if ctl is None:
        return
    f = load.file
    if ctl.sha256 is not None and ctl.sha256.lower() != load.sha256:
        raise ContractError(f"{f.source_file}: control total mismatch ({ctl.control_file}): sha256 "
                            f"{load.sha256} read, {ctl.sha256} expected")
    if ctl.rows is not None and ctl.rows != load.rows_read:
        raise ContractError(f"{f.source_file}: control total mismatch ({ctl.control_file}): "
                            f"{load.rows_read} rows read, {ctl.rows} expected")
    if ctl.amount_sum is not None:
        if "amount" not in {c.name for c in CONTRACT[entity]}:
            raise ContractError(f"{f.source_file}: {ctl.control_file} gives an amount_sum but the file has no amount")
        if f.fmt == "parquet":
            amount = sql_ident(load.columns["amount"]["source"]) if "amount" in load.columns else "NULL"
            source = f"read_parquet({_lit(f.path)})"
        else:
            amount, source = "amount", f"raw.{entity}_text WHERE source_file = {_lit(f.source_file)}"
        got = con.execute(f"SELECT coalesce(sum(TRY_CAST({amount} AS DECIMAL(38,2))), 0) FROM {source}").fetchall()[0][0]
        if Decimal(got) != ctl.amount_sum:
            raise ContractError(f"{f.source_file}: control total mismatch ({ctl.control_file}): amount_sum "
                                f"{Decimal(got):.2f} read, {ctl.amount_sum} expected")


def load_entity(con: duckdb.DuckDBPyConnection, landing: str, entity: str, log: Log = lambda m: None) -> list[FileLoad]:
    """Read every file of one entity into the raw layer (see the module); returns what was read per file."""
    files = discover(landing, entity)
    controls = read_controls(landing)
    create_raw_tables(con, entity)
    loads: list[FileLoad] = []
    for n, f in enumerate(files, 1):
        header = read_header(f)
        header, plan, info = _plan_columns(f, header, entity)
        info.sha256 = sha256(f.path)
        stat = os.stat(f.path)
        if f.fmt == "parquet":
            types = parquet_types(con, f.path)
            good, bad = parquet_rows(f.path), 0
        else:
            types = {col: "VARCHAR" for col in header}
            good, bad = _load_csv(con, f, entity, header, plan["present"], plan["only_contract"])
        info.columns = {name: {"source": col, "type": types[col]} for name, col in plan["present"].items()}
        info.rows_read, info.rows_malformed = good + bad, bad
        _check_control(con, entity, info, controls)
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
