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
from .csv_records import line_count, number_records
from .landing import ContractError, LandingFile

MAX_LINE = 10_000_000


def _csv_source(f: LandingFile, n_cols: int) -> str:
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_cols)) + "}"
    return (f"read_csv({sql_literal(f.path)}, header = true, auto_detect = false, columns = {columns}, "
            "delim = ',', quote = '\"', escape = '\"', store_rejects = true, rejects_table = '_rej', "
            f"rejects_scan = '_rej_scan', max_line_size = {MAX_LINE}, "
            f"compression = {sql_literal('gzip' if f.fmt == 'csv.gz' else 'none')})")


def _reasons(n_cols: int) -> str:
    """SELECT (line, reason) per record DuckDB rejected: the rule in words, with no text of the record
    (DuckDB's own messages can quote it)."""
    head = "'malformed CSV record: "
    return f"""SELECT line, CASE
        WHEN bool_or(kind = 'UNQUOTED VALUE')
            THEN {head}a quoted field is not closed, or text follows its closing quote (RFC 4180 quoting)'
        WHEN bool_or(kind = 'LINE SIZE OVER MAXIMUM') THEN {head}longer than {MAX_LINE} bytes, the CSV reader''s limit'
        WHEN bool_or(kind = 'TOO MANY COLUMNS')
            THEN {head}expected {n_cols} fields, found ' || max(found) FILTER (WHERE kind = 'TOO MANY COLUMNS')
        WHEN bool_or(kind = 'MISSING COLUMNS')
            THEN {head}expected {n_cols} fields, found ' || min(found) FILTER (WHERE kind = 'MISSING COLUMNS')
        ELSE {head}' || lower(replace(min(kind), '_', ' ')) END AS reason
        FROM (SELECT line, CAST(error_type AS VARCHAR) AS kind,
                     TRY_CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS BIGINT) AS found FROM _rej)
        GROUP BY line"""


def load_csv(con, f: LandingFile, entity: str, header: list[str], present: dict[str, str]) -> tuple[int, int]:
    """Read a CSV with DuckDB's parser (RFC 4180) into raw.<entity>; returns (rows loaded, records rejected).

    Line numbers are physical lines of the file (header = line 1). A file whose records follow one
    another one per line (no record rejected, no line break inside quotes, no blank line before the last
    record) is read once and numbered in file order; any other file's records are placed on their lines
    by a scan of its bytes (csv_records). A file that is not UTF-8, or holds a CR or LF outside quotes
    that is not its line break, is refused, naming the line.
    """
    lines = line_count(f)
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
        con.execute(f"CREATE OR REPLACE TEMP TABLE _bad AS {_reasons(len(header))}")
        con.execute("DROP TABLE IF EXISTS _rej")
        good = con.execute(f"SELECT count(*) FROM raw.{entity}_text WHERE source_file = ?", [f.source_file]).fetchall()[0][0]
        rejected = [r[0] for r in con.execute("SELECT line FROM _bad ORDER BY line").fetchall()]
        if rejected or lines != good + 1:
            _place(con, f, entity, good, rejected)
    finally:
        con.execute("SET preserve_insertion_order = false")
        for t in ("_bad", "_placed", "_rej", "_rej_scan"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
    return good, len(rejected)


def _place(con, f: LandingFile, entity: str, good: int, rejected: list[int]) -> None:
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
                                          "bytes": n.rejected_bytes}))
        try:
            con.execute("""INSERT INTO raw.malformed (entity, source_file, line_number, reason, raw, length_bytes)
                SELECT $entity, $file, p.line, b.reason, NULL, p.bytes
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
