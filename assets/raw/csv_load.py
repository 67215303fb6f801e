"""Reading a CSV export with DuckDB's parser (RFC 4180) into raw.<entity>_text, each row with the physical
line on which its record starts; records the parser rejects go to raw.malformed with their line, their
length in bytes and the rule they break, never their text (it cannot be split into the contract's
columns, so it may hold anything)."""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa

from assets.sql import sql_literal

from .columns import select_list
from .csv_records import Lines, number_records
from .landing import ContractError, LandingFile

MAX_LINE = 10_000_000


def _csv_source(f: LandingFile, n_cols: int) -> str:
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_cols)) + "}"
    return (f"read_csv({sql_literal(f.path)}, header = true, auto_detect = false, columns = {columns}, "
            "delim = ',', quote = '\"', escape = '\"', store_rejects = true, rejects_table = '_rej', "
            f"rejects_scan = '_rej_scan', max_line_size = {MAX_LINE}, "
            f"compression = {sql_literal('gzip' if f.fmt == 'csv.gz' else 'none')})")


# What DuckDB found wrong with a record, in the contract's words; `{fields}` is filled with the record's
# field count from the byte scan (DuckDB's own count skips empty extra fields). No text of the record.
PROBLEMS = {
    "UNQUOTED VALUE": "malformed CSV record: a quoted field is not closed, or text follows its closing quote "
                      "(RFC 4180 quoting)",
    "LINE SIZE OVER MAXIMUM": f"malformed CSV record: longer than {MAX_LINE} bytes, the CSV reader's limit",
    "TOO MANY COLUMNS": "malformed CSV record: expected {expected} fields, found {fields}",
    "MISSING COLUMNS": "malformed CSV record: expected {expected} fields, found {fields}",
}


def _problems() -> str:
    """SELECT (line, problem): per record DuckDB rejected, the first of its errors in PROBLEMS' order."""
    rank = " ".join(f"WHEN {sql_literal(k)} THEN {i}" for i, k in enumerate(PROBLEMS))
    return f"""SELECT line, arg_min(kind, CASE kind {rank} ELSE {len(PROBLEMS)} END) AS problem
        FROM (SELECT line, CAST(error_type AS VARCHAR) AS kind FROM _rej) GROUP BY line"""


def load_csv(con, f: LandingFile, entity: str, header: list[str], present: dict[str, str],
             lines: Lines) -> tuple[int, int]:
    """Read a CSV with DuckDB's parser (RFC 4180) into raw.<entity>; returns (rows loaded, records rejected).

    Line numbers are physical lines of the file (header = line 1). A file whose records follow one
    another one per line (no record rejected, no line break inside quotes, no blank line before the last
    record, no CR or LF but its line breaks: `lines`, from csv_records.count_lines) is read once and
    numbered in file order; any other file's records are placed on their lines by a scan of its bytes
    (csv_records). A file holding a CR or LF outside quotes that is not its line break is refused,
    naming the line.
    """
    pos = {col: f"c{i}" for i, col in enumerate(header)}
    sel = select_list(entity, present, lambda col: pos[col])
    con.execute("SET preserve_insertion_order = true")
    try:
        try:
            con.execute(f"""INSERT INTO raw.{entity}_text
                SELECT {sql_literal(f.source_file)}, DATE {sql_literal(str(f.month_start))}, row_number() OVER () + 1,
                       {sel}
                FROM {_csv_source(f, len(header))}""")
        except duckdb.Error as e:
            _unreadable(f, e)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _bad AS {_problems()}")
        con.execute("DROP TABLE IF EXISTS _rej")
        good = con.execute(f"SELECT count(*) FROM raw.{entity}_text WHERE source_file = ?", [f.source_file]).fetchall()[0][0]
        rejected = [r[0] for r in con.execute("SELECT line FROM _bad ORDER BY line").fetchall()]
        if rejected or lines.count != good + 1 or lines.stray_breaks:
            _place(con, f, entity, len(header), good, rejected)
    finally:
        con.execute("SET preserve_insertion_order = false")
        for t in ("_bad", "_placed", "_rej", "_rej_scan"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
    return good, len(rejected)


def _place(con, f: LandingFile, entity: str, expected: int, good: int, rejected: list[int]) -> None:
    """Move the file's loaded rows to their physical lines and store its rejected records in raw.malformed
    (line, length in bytes, reason), after checking that the byte scan and DuckDB count the same records."""
    n = number_records(f, rejected)
    if n.records != good + len(rejected) or n.loaded != good or n.rejected_number.size != len(rejected):
        first = (int(n.rejected_line.min()) if n.rejected_line.size
                 else int(n.step_k[0] + 1 + n.step_delta[0]) if n.step_k.size else 2)
        raise ContractError(
            f"{f.source_file}: from line {first}: the CSV reader loaded {good:,} and rejected {len(rejected):,} "
            f"records where the file holds {n.records:,}, so its records cannot be given their lines; the "
            "file breaks RFC 4180 quoting near that line and is refused whole")
    if n.step_k.size:
        con.register("_steps", pa.table({"k": n.step_k, "delta": n.step_delta}))
        try:
            con.execute(f"""UPDATE raw.{entity}_text r SET line_number = r.line_number + s.delta
                FROM (SELECT t.line_number AS old, d.delta
                      FROM (SELECT line_number FROM raw.{entity}_text WHERE source_file = $file) t
                      ASOF JOIN _steps d ON t.line_number - 1 >= d.k
                      WHERE d.delta <> 0) s
                WHERE r.source_file = $file AND r.line_number = s.old""", {"file": f.source_file})
        finally:
            con.unregister("_steps")
    if rejected:
        con.register("_placed", pa.table({"number": n.rejected_number, "line": n.rejected_line,
                                          "bytes": n.rejected_bytes, "fields": n.rejected_fields}))
        whens = " ".join(f"WHEN {sql_literal(k)} THEN {sql_literal(text.format(expected=expected, fields='{fields}'))}"
                         for k, text in PROBLEMS.items())
        reason = (f"replace(CASE b.problem {whens} ELSE 'malformed CSV record: ' || lower(replace(b.problem, '_', ' ')) "
                  "END, '{fields}', CAST(p.fields AS VARCHAR))")
        try:
            con.execute(f"""INSERT INTO raw.malformed (entity, source_file, line_number, reason, raw, length_bytes)
                SELECT $entity, $file, p.line, {reason}, NULL, p.bytes
                FROM _bad b JOIN _placed p ON p.number = b.line ORDER BY p.line""",
                        {"entity": entity, "file": f.source_file})
        finally:
            con.unregister("_placed")


def _unreadable(f: LandingFile, e: duckdb.Error):
    """DuckDB stopped reading the file: refuse it naming the line (a CR or LF outside quotes, found by
    the byte scan, or the record DuckDB names), with the first line of DuckDB's message, quoted text
    removed (it can quote the record)."""
    number_records(f, [])
    said = re.sub(r"'[^']*'|\"[^\"]*\"", "'...'", (str(e).splitlines() or [type(e).__name__])[0])
    at = re.search(r"Line: (\d+)", str(e))
    if at:
        n = number_records(f, [int(at[1])])
        if n.rejected_line.size:
            raise ContractError(f"{f.source_file}: line {int(n.rejected_line[0])}: the CSV reader stopped: {said}") from None
    raise ContractError(f"{f.source_file}: the CSV reader stopped: {said}") from None
