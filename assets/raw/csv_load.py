"""Reading a CSV export with DuckDB's parser (RFC 4180) into raw.<entity>_text, with exact physical line
numbers; records the parser rejects go to raw.malformed with their line."""

from __future__ import annotations

import duckdb

from assets.sql import sql_literal

from .columns import select_list
from .landing import ContractError, LandingFile


def _csv_source(f: LandingFile, n_cols: int) -> str:
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_cols)) + "}"
    return (f"read_csv({sql_literal(f.path)}, header = true, auto_detect = false, columns = {columns}, "
            "delim = ',', quote = '\"', escape = '\"', store_rejects = true, rejects_table = '_rej', "
            "rejects_scan = '_rej_scan', max_line_size = 10000000, "
            f"compression = {sql_literal('gzip' if f.fmt == 'csv.gz' else 'none')})")


def load_csv(con, f: LandingFile, entity: str, header: list[str], present: dict[str, str],
              only_contract: bool) -> tuple[int, int]:
    """Read a CSV with DuckDB's parser (RFC 4180) into raw.<entity>.

    Line numbers are physical lines of the file (header = line 1). The fast path numbers records in file
    order; when the file has records the parser rejected, or quoted fields holding line breaks (its
    physical line count differs from its record count), the numbers are recomputed exactly. Records the
    parser rejects go to raw.malformed with their line.
    """
    pos = {col: f"c{i}" for i, col in enumerate(header)}
    sel = select_list(entity, present, lambda col: pos[col])
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute(f"""INSERT INTO raw.{entity}_text
            SELECT {sql_literal(f.source_file)}, DATE {sql_literal(str(f.month_start))}, row_number() OVER () + 1, {sel}
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
        SELECT {sql_literal(entity)}, {sql_literal(f.source_file)}, coalesce(l.line_number, b.rec),
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
